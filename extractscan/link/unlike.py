"""Heavy accounts behind a crowded network value that send unlike the others there.

A proxy exit carries the proxy service's other customers beside a campaign's accounts.
A customer who writes a few reasoning prompts of its own is extraction-heavy by the
Wilson bound (held-out world 726: 6 of 13 requests), and behind an exit that a 51-account
hydra made significant the crowded-value test linked it to the hydra: one benign account
at high, linked exactly as the hydra's accounts with one exit and their own cards are.
What the customer does not send is the hydra's wrappers.

So every extraction-heavy account ``i`` behind a significant exit, subnet or proxy pool
``v`` is tested against the other heavy accounts behind ``v`` (leave one out: a hydra's
accounts are all linked through its exits alone, so taking every tested account out of
the members would leave no wrappers). Per extraction wrapper ``t`` (as in :mod:`.mixed`)
that the others send, ``q_t = (K_t - k_t + 1/2) / (N - n)``: their requests on it per
request (``K_t`` and ``N`` of all heavy accounts behind ``v``, ``k_t`` and ``n``
the account's own), and ``r_t`` per request of the non-heavy accounts. The Poisson
log-likelihood ratio ``sum_t k_t ln(q_t / r_t) - n sum_t (q_t - r_t)`` of sending like
the others against like ordinary accounts is :func:`.wrapper_rates.wrapper_llr`'s. Here the
question is the other way round: the ratio of ordinary to the others', ``exp(-llr)``,
has expectation 1 for an account that sends like the others, so by Markov's inequality
``llr <= -ln(1 / crowded_unlike_alpha)`` happens to one with probability at most
``crowded_unlike_alpha``; an account there is taken out of ``v``'s crowd (its evidence
and identifiers). That rate is spent per account tested, not over the log as the
crowds' own test spends ``crowded_alpha``: a wrong call here does not accuse anyone, it
loses one campaign account, so what it bounds is the share of a crowd's accounts lost
(recall), whatever the log's size. Over the log (``ln(tested / crowded_alpha)``, 12.2
nats at 2,088 tests in held-out world 2202 at 4x) the bound asked more than a customer
with 11 requests, none on the hydra's wrappers, could show (4.8 nats), and it sat in the
hydra's critical incident. What stays out of reach: an account with fewer requests than
``ln(1 / crowded_unlike_alpha) / Q`` (``Q`` the others' wrapper requests per request;
at 0.44, ten), whose silence on the wrappers is no evidence at that rate. Measured on
187 randomized worlds (fit and held-out, 1x and 4x): of 193,293 tests of campaign
accounts the lowest was -0.3 nats and one in 10,000 was below 3.5, so the bound is loose
where campaigns are; two benign accounts' tests were below -4.6 (world 2202's customer
and one already out over the log).

A campaign's account that mixes resold requests into its wrappers sends fewer of them
but still far more than ordinary accounts and stays; one that sends none of them over
enough requests for the others' rate to expect several is not theirs. The crowd is what
most of its heavy accounts send: where half or more of them fail the test (every
account on wrappers of its own, so no one sends like the others), the test says
nothing about who belongs, and nobody is taken out.

Cards are not tested: a card is its holder's, and heavy users on one card are linked
(then explained as a family, :mod:`extractscan.assess.benign`). Nor is an account on a linked
card tested on its network values: the card links it whatever they say.

Two populations of about the same size behind one value (a campaign run from the same
cloud as companies' CI jobs) pass the test above: each account sends like half of the
others. Where the crowd's accounts tied by more than the value (its cards, its own
e-mail pattern) send alike, they are the reference instead (:func:`.two_crowds.core_unlike`);
without a tie, the accounts on the wrapper most of them send most
(:func:`.two_crowds.content_split`). Either way, those taken out that send alike on
wrappers the reference never sends are a second population, however few
(:func:`.two_crowds.second_population`), and the accounts that send more like them
leave with them.
"""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import MAX_WEIGHT, UNLIKE_SCHEMA, Crowded, member_stars
from extractscan.link.leave_one_out import NETWORK, leave_one_out, unlike_threshold
from extractscan.link.pool_graph import POOL
from extractscan.link.two_crowds import (
    apart_members,
    closer_members,
    content_split,
    core_unlike,
    patterned,
    pool_crowd_members,
    second_population,
)
from extractscan.model.families import CROWDED_FAMILIES

__all__ = ["NETWORK", "leave_one_out", "unlike_members"]


def unlike_members(
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
    account_ids: pl.DataFrame | None = None,
) -> Crowded:
    """``crowd`` without the (account, value) memberships of its network values whose
    account sends significantly unlike the value's other heavy accounts (the module's
    test), or unlike those of them tied by more than the value (:func:`.two_crowds.core_unlike`:
    on the crowd's cards, or on an e-mail pattern of ``account_ids`` (account, family,
    value) that the crowd shares)."""
    if (
        not cfg.crowded_unlike
        or extraction is None
        or template_uses is None
        or crowd.identifiers.is_empty()
        or "exchanges" not in accounts.columns
        or cfg.crowded_alpha <= 0
    ):
        return crowd
    ids = crowd.identifiers
    network = ids.filter(pl.col("family").is_in(NETWORK))
    # an account on a linked card is linked by it whatever its exits say: not tested
    carded = ids.filter(pl.col("family") == CROWDED_FAMILIES["payment"])
    tested = network.join(carded, on="account", how="anti")
    # an account in a linked proxy pool is tested on the pool, the crowd it rotates with
    # (its exits and subnets are the pool's; at 28.8M rows, 1.6M of the 16M rows)
    pool = CROWDED_FAMILIES[POOL]
    pooled = tested.filter(pl.col("family") == pool)
    every = tested  # (against a tied core, a pool's accounts are weighed on all their values)
    alone = tested.join(pooled, on="account", how="anti")
    keys = ["family", "value"]
    # ... where the value is the pool's: behind one most of whose heavy accounts are in
    # no pool and on no linked card, the value's crowd is another, and the pool's
    # accounts there are tested too (held-out world 4510 at 4x: 2 accounts of an
    # identifier-free campaign's pool behind a cloud subnet of 220 CI jobs, not tested
    # there, took the jobs into the campaign's critical incident)
    heavy = crowd.values.filter("significant").select(
        pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String), "value", "k"
    )
    foreign = (
        alone.group_by(keys)
        .agg(pl.len().alias("alone"))
        .join(heavy, on=keys)
        .filter(pl.col("alone") * 2 > pl.col("k"))
        .select(keys)
    )
    elsewhere = tested.join(foreign, on=keys, how="semi").join(pooled, on="account", how="semi")
    tested = pl.concat([pooled, alone, elsewhere])
    if tested.is_empty():
        return crowd
    # The test asks whether an account sends like the others; it says who is not in the
    # crowd only while most of the crowd sends alike. So every heavy account behind a
    # value tested is weighed, and where half or more of them are unlike the rest (each
    # sends wrappers of its own: a campaign whose every account paraphrases its
    # wrappers), nobody is taken out of it.
    judged = network.join(tested.select(keys).unique(), on=keys, how="semi")
    llr = leave_one_out(ids, accounts, cfg, extraction, template_uses, judged)
    if llr.is_empty():
        return crowd
    threshold = unlike_threshold(llr.height, cfg)
    failed = llr.filter(pl.col("llr") <= -threshold).select("account", *keys)
    few = (
        failed.group_by(keys)
        .agg(pl.len().alias("unlike"))
        .join(judged.group_by(keys).agg(pl.len().alias("members")), on=keys)
        .filter(pl.col("unlike") * 2 < pl.col("members"))
    )
    unlike = failed.join(few, on=keys, how="semi").join(tested, on=["account", *keys], how="semi")
    # ... and where the accounts tied to the crowd by more than the value (its cards, its
    # own e-mail pattern) send alike, whoever sends unlike them is out, however many
    # (account, tie): a card's and a pattern's texts told apart by their family
    ties = pl.concat(
        [
            carded.select("account", pl.format("payment {}", "value").alias("tie")),
            patterned(network, account_ids, cfg).select(
                "account", pl.format("email {}", "tie").alias("tie")
            ),
        ]
    ).unique()
    tied = ties.select("account").unique()
    # (both read the tested values' members only: at 28.8M rows 16M network rows). A
    # pool's accounts are weighed against a tied core on their exits and subnets too: the
    # pool may be one crowd (companies' CI jobs rotating through a cloud's addresses) and
    # the subnets another's as well (a grader on one exit per account, world 2982)
    behind = network.join(every.select(keys).unique(), on=keys, how="semi")
    core, by_core = core_unlike(behind, ties, every, accounts, cfg, extraction, template_uses)
    # unlike a party's accounts behind one value, unlike them behind every value where they
    # are the reference: the same test of the same requests, near the bound on some (a job
    # of 15 requests at -4.72 and -4.59 nats behind two exits of one hydra, world 2984)
    core = _against_the_same_ties(core, by_core, ties, every)
    # behind a value with such a core, the core is the reference, not every heavy
    # account there: a hydra's three accounts behind a subnet the jobs were most of
    # were unlike the jobs, and out (held-out world 3521)
    unlike = unlike.join(by_core.select(keys).unique(), on=keys, how="anti")
    # ... and without such a core, a second crowd told apart by what it sends
    split, by_lead = content_split(
        judged, tied, tested, crowd, accounts, cfg, extraction, template_uses, by_core
    )
    out = pl.concat([core, split])
    apart = apart_members(crowd, out, accounts, cfg, extraction, template_uses)
    # behind a value with two crowds, each account goes to the one it sends more like
    reference = pl.concat([by_core, by_lead])
    rest = tested.join(tied, on="account", how="anti").join(
        pl.concat([reference, out]), on=["account", *keys], how="anti"
    )
    closer = closer_members(apart, reference, rest, accounts, cfg, extraction, template_uses)
    apart = pl.concat([apart, closer])
    # ... and behind a value with a second population too few for a crowd of its own
    # (:func:`.two_crowds.second_population`; those unlike a tied core too: 3 of 26 jobs
    # on a hydra's pool stayed and 32 thin jobs joined by their wrappers, world 3167),
    # the accounts that send more like it leave
    fewer = core.join(apart, on=["account", *keys], how="anti")
    second = pl.concat(
        [
            split.join(apart, on=["account", *keys], how="anti"),
            second_population(fewer, by_core, accounts, cfg, extraction, template_uses),
        ]
    ).unique()
    nearer = closer_members(
        second,
        reference,
        rest.join(apart, on=["account", *keys], how="anti"),
        accounts,
        cfg,
        extraction,
        template_uses,
    )
    # a pool's own crowd behind another crowd's tied core: each of its accounts goes to
    # the one it sends more like (thin jobs are unlike nobody, world 3521)
    rotating = pool_crowd_members(
        every, network, core, by_core, accounts, cfg, extraction, template_uses
    )
    # a crowd of its own leaves every value's crowd it was in: behind an exit where the
    # campaign's tied accounts were too few to be a core, the jobs were that exit's
    # crowd with two of the campaign's accounts (held-out world 2855)
    elsewhere = (
        network.join(apart.select("account").unique(), on="account", how="semi")
        if apart.height
        else network.head(0)
    )
    unlike = pl.concat(
        [
            unlike,
            out,
            closer.select("account", *keys),
            nearer.select("account", *keys),
            rotating,
            elsewhere.select("account", *keys),
        ]
    ).unique()
    if unlike.is_empty():
        return crowd
    # unlike its pool: out of the pool and of its exits and subnets
    away = unlike.filter(pl.col("family") == pool).select("account")
    unlike = pl.concat([unlike, network.join(away, on="account", how="semi")]).unique()
    identifiers = ids.join(unlike, on=["account", "family", "value"], how="anti")
    weights = crowd.values.select(
        pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String),
        "value",
        "n",
        (pl.col("nats") / math.log(10)).clip(upper_bound=MAX_WEIGHT).alias("weight"),
    )
    # the stars of the crowded values are drawn again; the other evidence (a leaning
    # card's, on no network value) stays as it was: dropped here, a 994-account hydra on
    # ten cards was in no incident (held-out world 3767 in the held-out wording)
    kept = crowd.evidence.filter(~pl.col("family").is_in(list(CROWDED_FAMILIES.values())))
    stars = member_stars(identifiers.join(weights, on=["family", "value"]))
    evidence = stars if kept.is_empty() else pl.concat([stars, kept]).sort("a", "b", "family")
    if apart.height:  # the other crowd behind the value: a star of its own
        rows = apart.rename({"weight_own": "weight"}).join(weights.drop("weight"), on=keys)
        evidence = pl.concat([evidence, member_stars(rows)]).sort("a", "b", "family")
    taken = unlike.select("account", "family", "value").cast(UNLIKE_SCHEMA)  # type: ignore[arg-type]
    return replace(
        crowd,
        evidence=evidence,
        identifiers=identifiers,
        unlike=taken,
        apart=apart.select("account", *keys).cast(UNLIKE_SCHEMA),  # type: ignore[arg-type]
    )


def _against_the_same_ties(
    out: pl.DataFrame, reference: pl.DataFrame, ties: pl.DataFrame, tested: pl.DataFrame
) -> pl.DataFrame:
    """``out`` (account, family, value: unlike a value's tied core, whose rows are
    ``reference``) with the ``tested`` rows of the same accounts behind every value whose
    reference holds accounts of a tie (``ties``: account, tie) they were unlike at."""
    keys = ["family", "value"]
    if out.is_empty():
        return out
    tie_of = reference.join(ties, on="account").select(*keys, "tie").unique()
    unlike = out.join(tie_of, on=keys).select("account", "tie").unique()
    same = (
        tested.select("account", *keys)
        .join(tie_of, on=keys)
        .join(unlike, on=["account", "tie"], how="semi")
        .select("account", *keys)
    )
    return pl.concat([out.select("account", *keys), same]).unique().sort("account", *keys)
