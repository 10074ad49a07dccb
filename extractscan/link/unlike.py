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
e-mail pattern) send alike, they are the reference instead (:func:`core_unlike`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import (
    MAX_WEIGHT,
    UNLIKE_SCHEMA,
    Crowded,
    crowd_threshold,
    extraction_wrappers,
    heavy_accounts,
    member_stars,
    surprise,
)
from extractscan.link.pool_graph import POOL
from extractscan.model.families import CROWDED_FAMILIES

#: The crowded families tested: the network values a proxy service's customers share.
NETWORK: tuple[str, ...] = tuple(CROWDED_FAMILIES[f] for f in ("ip", "ip_prefix", POOL))

#: Half a request: the smoothing of both rates (as :mod:`.mixed`'s).
_HALF = 0.5


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
    test), or unlike those of them tied by more than the value (:func:`core_unlike`:
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
    tested = pl.concat([pooled, tested.join(pooled, on="account", how="anti")])
    if tested.is_empty():
        return crowd
    # The test asks whether an account sends like the others; it says who is not in the
    # crowd only while most of the crowd sends alike. So every heavy account behind a
    # value tested is weighed, and where half or more of them are unlike the rest (each
    # sends wrappers of its own: a campaign whose every account paraphrases its
    # wrappers), nobody is taken out of it.
    keys = ["family", "value"]
    judged = network.join(tested.select(keys).unique(), on=keys, how="semi")
    llr = leave_one_out(ids, accounts, cfg, extraction, template_uses, judged)
    if llr.is_empty():
        return crowd
    threshold = _threshold(llr.height, cfg)
    failed = llr.filter(pl.col("llr") <= -threshold).select("account", *keys)
    few = (
        failed.group_by(keys)
        .agg(pl.len().alias("unlike"))
        .join(judged.group_by(keys).agg(pl.len().alias("members")), on=keys)
        .filter(pl.col("unlike") * 2 < pl.col("members"))
    )
    unlike = failed.join(few, on=keys, how="semi").join(tested, on=["account", *keys], how="semi")
    # ... and where the accounts on the crowd's cards send alike, whoever sends unlike
    # them is out, however many they are
    tied = pl.concat([carded.select("account"), _patterned(network, account_ids, cfg)]).unique()
    core = core_unlike(network, tied, tested, accounts, cfg, extraction, template_uses)
    unlike = pl.concat([unlike, core]).unique()
    if unlike.is_empty():
        return crowd
    apart = apart_members(crowd, core, accounts, cfg, extraction, template_uses)
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
    evidence = member_stars(identifiers.join(weights, on=["family", "value"]))
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


def apart_members(
    crowd: Crowded,
    out: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value, weight_own) of the accounts of ``out`` (account, family,
    value: taken out of a value's crowd by :func:`core_unlike`) that are a crowd of
    their own there: ``crowded_min_heavy`` or more, most of them sending like the rest
    of them (the leave-one-out test among themselves), and as many heavy accounts
    behind the value as the crowded-value test asks of a crowd (its threshold, at the
    heavy rate it tested the value at).

    The companies' jobs behind a campaign's exits are such a crowd, and unlinked they
    were candidates for the behavioural clusters, busy and alike since before the log
    began: beside 23 of them, a 14-account campaign on aged accounts was no cluster
    beyond chance (fit world 1046 with the jobs on the hydra's exits). Linked, they are
    an incident of their own, which the benign checks weigh as a whole."""
    keys = ["family", "value"]
    none = out.head(0).select("account", *keys, pl.lit(0.0).alias("weight_own"))
    if out.is_empty():
        return none
    among = leave_one_out(out, accounts, cfg, extraction, template_uses)
    threshold = _threshold(among.height, cfg)
    alike = among.filter(pl.col("llr") > -threshold).group_by(keys).agg(pl.len().alias("alike"))
    sizes = out.group_by(keys).agg(pl.len().alias("k")).join(alike, on=keys)
    sizes = sizes.filter(pl.col("k") >= cfg.crowded_min_heavy, pl.col("alike") * 2 > pl.col("k"))
    behind = crowd.values.select(
        pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String),
        "value",
        "n",
        "rate",
    )
    nats = surprise(pl.col("n"), pl.col("k"), pl.col("rate"))
    needed = crowd_threshold(crowd, cfg, accounts.height)
    own = sizes.join(behind, on=keys).filter(nats >= needed)
    if own.is_empty():
        return none
    weight = (nats / math.log(10)).clip(upper_bound=MAX_WEIGHT).alias("weight_own")
    return out.join(own.select(*keys, weight), on=keys).select("account", *keys, "weight_own")


def _patterned(
    network: pl.DataFrame, account_ids: pl.DataFrame | None, cfg: LinkConfig
) -> pl.DataFrame:
    """(account) of the crowd's heavy accounts (``network``) on an e-mail pattern that
    ``crowded_min_heavy`` or more of them share and that is mostly theirs (at least half
    of the log's accounts on it): a campaign's naming scheme on its own domain, not a
    mass provider's common shape."""
    none = network.head(0).select("account")
    if account_ids is None:
        return none
    pattern = account_ids.filter(pl.col("family") == "email_pattern").select(
        "account", pl.col("value").cast(pl.String)
    )
    members = network.select("account").unique()
    held = (
        pattern.join(members, on="account", how="semi").group_by("value").agg(pl.len().alias("k"))
    )
    held = held.filter(pl.col("k") >= cfg.crowded_min_heavy)
    if held.is_empty():
        return none
    everyone = pattern.join(held, on="value", how="semi").group_by("value").agg(pl.len().alias("n"))
    theirs = held.join(everyone, on="value").filter(pl.col("k") * 2 >= pl.col("n"))
    return (
        pattern.join(theirs, on="value", how="semi")
        .join(members, on="account", how="semi")
        .select("account")
    )


def core_unlike(
    network: pl.DataFrame,
    tied: pl.DataFrame,
    tested: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value) of the ``tested`` rows whose account sends unlike the
    accounts ``tied`` to the crowd by more than its network values (on its cards or on
    an e-mail pattern it shares: :func:`_patterned`) behind that value.

    The leave-one-out test weighs an account against every other heavy account behind
    the value, which is what the crowd is only while one population fills it. A campaign
    run from the same cloud as companies' CI jobs fills the cloud's exits with two
    populations of about the same size, and each job sends like half of the others (the
    other jobs): it passed, and 139 and 292 of 300 jobs sat in a hydra's critical
    incident (hand-made worlds 1001 and 1005, ``benchmarks/RESULTS.md``). The accounts
    on the crowd's cards or on its own e-mail pattern are tied by more than the exit.
    Behind a value where at least ``crowded_min_heavy`` of them send alike (more than
    half pass the leave-one-out test among themselves: not a campaign whose every
    account paraphrases its wrappers), they are the crowd's reference: each other
    tested account is weighed against their wrappers alone, at the same per-account
    rate, and one that sends unlike them is out of the value whatever share of the
    crowd fails with it. Behind a value without such a core the leave-one-out test
    alone decides; so two populations without a tie beyond the exit (an
    identifier-free campaign beside the jobs) stay one crowd."""
    keys = ["family", "value"]
    none = tested.head(0).select("account", *keys)
    if tied.is_empty():
        return none
    tested = tested.join(tied, on="account", how="anti")
    values = tested.select(keys).unique()
    core = network.join(tied, on="account", how="semi").join(values, on=keys, how="semi")
    sizes = core.group_by(keys).agg(pl.len().alias("core"))
    sizes = sizes.filter(pl.col("core") >= max(cfg.crowded_min_heavy, 2))
    if sizes.is_empty():
        return none
    core = core.join(sizes, on=keys, how="semi")
    threshold = _threshold(core.height, cfg)
    among = leave_one_out(core, accounts, cfg, extraction, template_uses)
    alike = among.filter(pl.col("llr") > -threshold).group_by(keys).agg(pl.len().alias("alike"))
    coherent = sizes.join(alike, on=keys).filter(pl.col("alike") * 2 > pl.col("core"))
    outside = tested.join(coherent, on=keys, how="semi")
    if outside.is_empty():
        return none
    core = core.join(coherent, on=keys, how="semi")
    both = pl.concat([core.select("account", *keys), outside.select("account", *keys)])
    llr = leave_one_out(
        both, accounts, cfg, extraction, template_uses, tested=outside, reference=core
    )
    return llr.filter(pl.col("llr") <= -threshold).select("account", *keys)


def _threshold(tested: int, cfg: LinkConfig) -> float:
    """The nats of evidence against sending like the others that take an account out:
    ``ln(1 / crowded_unlike_alpha)`` per account, or ``ln(tested / crowded_alpha)`` over
    the log's ``tested`` accounts when ``crowded_unlike_alpha`` is 0."""
    if cfg.crowded_unlike_alpha > 0:
        return -math.log(cfg.crowded_unlike_alpha)
    return math.log(tested / cfg.crowded_alpha)


def leave_one_out(
    identifiers: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
    tested: pl.DataFrame | None = None,
    reference: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(account, family, value, llr) for each heavy account of ``identifiers`` (account,
    family, value: crowded families) behind a :data:`NETWORK` value whose other heavy
    accounts send requests (the rows of ``tested`` when given): the log-likelihood
    ratio of its requests on their wrappers under their rates against the non-heavy
    accounts' (the module's test). With ``reference`` (account, family, value: some of
    the members), the others are the reference's members only, and an account outside
    it is weighed against all of them (:func:`core_unlike`).

    Computed without a row per (account, value, wrapper of the value): ``sum_t q_t`` over
    the value's wrappers is ``(S - kw + C/2) / (N - n)`` (``S`` the members' requests on
    the ``C`` wrappers, ``kw`` the account's), less the wrappers only the account sends.
    Accounts, values and wrappers are numbered first: the rows per (account, value,
    wrapper the account sends) are the step's bulk (16M at 28.8M rows when every
    account is tested)."""
    schema = {"account": pl.String, "family": pl.String, "value": pl.String, "llr": pl.Float64}
    none = pl.DataFrame(schema=schema)
    wrappers = extraction_wrappers(extraction, cfg.heavy_share)
    keyed = identifiers.filter(pl.col("family").is_in(NETWORK)).select("account", "family", "value")
    if tested is not None:  # the values tested, with all their members
        keyed = keyed.join(
            tested.select("family", "value").unique(), on=["family", "value"], how="semi"
        )
    if wrappers.is_empty() or keyed.is_empty():
        return none
    numbered = accounts.select("account", pl.col("exchanges").cast(pl.Float64).alias("ex"))
    numbered = numbered.with_row_index("aid")
    keyed = keyed.with_columns(
        (pl.col("family") + "\x1f" + pl.col("value")).rank("dense").cast(pl.UInt32).alias("vid")
    )
    members = keyed.join(numbered, on="account")
    if reference is None:  # every member is one of the others
        members = members.select("aid", "vid", "ex", pl.lit(1.0).alias("ref"))
    else:
        inside = reference.select("account", "family", "value").unique()
        members = members.join(
            inside.with_columns(pl.lit(1.0).alias("ref")),
            on=["account", "family", "value"],
            how="left",
        ).select("aid", "vid", "ex", pl.col("ref").fill_null(0.0))
    uses = (
        template_uses(wrappers)
        .join(numbered.select("account", "aid"), on="account")
        .join(wrappers.unique().with_row_index("t"), on="value")
        .select("aid", "t", "n")
    )
    heavy = heavy_accounts(accounts, cfg)["heavy"]
    light = numbered.filter(~heavy)
    n_out = float(light["ex"].sum())
    if n_out <= 0:
        return none
    r = (
        uses.join(light.select("aid"), on="aid", how="semi")
        .group_by("t")
        .agg(pl.col("n").sum().alias("k_out"))
        .select("t", ((pl.col("k_out") + _HALF) / n_out).alias("r"))
    )
    volume = members.group_by("vid").agg((pl.col("ex") * pl.col("ref")).sum().alias("N"))
    held = members.select("aid", "vid", "ref").join(uses, on="aid")  # the bulk
    # the value's wrappers: (vid, t, K), and per value S, C and the sum of r
    per_wrapper = (
        held.filter(pl.col("ref") > 0)
        .group_by("vid", "t")
        .agg(pl.col("n").sum().alias("K"))
        .join(r, on="t", how="left")
        .with_columns(pl.col("r").fill_null(_HALF / n_out))
    )
    per_value = per_wrapper.group_by("vid").agg(
        pl.col("K").sum().alias("S"), pl.len().alias("C"), pl.col("r").sum().alias("R")
    )
    if tested is not None:
        chosen = (
            keyed.join(tested, on=["account", "family", "value"], how="semi")
            .join(numbered.select("account", "aid"), on="account")
            .select("aid", "vid")
        )
        members = members.join(chosen, on=["aid", "vid"], how="semi")
        held = held.join(chosen, on=["aid", "vid"], how="semi")
    # the others: every member but the account (a member of the reference leaves it)
    rest = pl.col("N") - pl.col("ex") * pl.col("ref")
    mine = pl.col("k") * pl.col("ref")  # its requests among the others'
    # the account's own requests on them
    own = (
        held.drop("ref")
        .rename({"n": "k"})
        .join(per_wrapper, on=["vid", "t"])
        .join(members, on=["aid", "vid"])
        .join(volume, on="vid")
        .with_columns(((pl.col("K") - mine + _HALF) / rest).alias("q"))
        .group_by("aid", "vid")
        .agg(
            (pl.col("k") * pl.col("ref")).sum().alias("kw"),
            (pl.col("k") * (pl.col("q") / pl.col("r")).log())
            .filter(pl.col("K") > mine)
            .sum()
            .alias("gain"),
            (pl.col("q") - pl.col("r")).filter(pl.col("K") == mine).sum().alias("alone"),
        )
    )
    spread = (pl.col("S") - pl.col("kw") + _HALF * pl.col("C")) / rest - pl.col("R")
    llr = (
        members.join(volume, on="vid")
        .join(per_value, on="vid")
        .filter(rest > 0)
        .join(own, on=["aid", "vid"], how="left")
        .with_columns(pl.col("kw", "gain", "alone").fill_null(0.0))
        .select(
            "aid", "vid", (pl.col("gain") - pl.col("ex") * (spread - pl.col("alone"))).alias("llr")
        )
    )
    names = keyed.select("vid", "family", "value").unique("vid")
    return (
        llr.join(numbered.select("aid", "account"), on="aid")
        .join(names, on="vid")
        .select("account", "family", "value", "llr")
        .sort("family", "value", "account")
    )
