"""Two populations behind one crowded value: a campaign run from the same cloud as
companies' CI jobs.

The leave-one-out test (:mod:`.unlike`) weighs a heavy account against every other
heavy account behind the value, which is what the crowd is only while one population
fills it. A campaign's accounts and the jobs of unrelated companies fill a cloud's exits
with two populations of about the same size, and each job sends like half of the others
(the other jobs): they pass. What tells the two apart:

- :func:`core_unlike`: the crowd's accounts tied by more than the value (on its cards,
  or on an e-mail pattern of its own) are the reference where they send alike; each
  other account is weighed against their wrappers alone.
- :func:`apart_members`: those taken out that send alike and are as many as the
  crowded-value test asks of a crowd are a crowd of their own behind the value.
- :func:`content_split`: behind a value without such a core, the accounts that send
  the wrapper most of them send most are the reference, and those unlike them leave
  as a crowd of their own, or as a second population (:func:`second_population`:
  alike among themselves on wrappers the reference never sends) too few for one.
- :func:`closer_members`: once a value holds two crowds, each of its other accounts goes
  to the one it sends more like; :func:`pool_crowd_members`: so do a proxy pool's own
  crowd's accounts behind another crowd's tied core.
"""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import (
    MAX_WEIGHT,
    Crowded,
    crowd_threshold,
    extraction_wrappers,
    surprise,
)
from extractscan.link.leave_one_out import leave_one_out, unlike_threshold
from extractscan.link.own_wrappers import own_wrappers
from extractscan.link.pool_graph import POOL
from extractscan.model.families import CROWDED_FAMILIES


def apart_members(
    crowd: Crowded,
    out: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value, weight_own) of the accounts of ``out`` (account, family,
    value: taken out of a value's crowd by :func:`core_unlike` or :func:`content_split`)
    that are a crowd of their own there: those that send like the others taken out
    there (the leave-one-out test among themselves, at least the unlike bound in its
    favour), ``crowded_min_heavy`` or more and as many heavy accounts behind the value
    as the crowded-value test asks of a crowd (its threshold, at the heavy rate it
    tested the value at).

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
    if among.is_empty():  # no other account taken out there to be alike with
        return none
    threshold = unlike_threshold(among.height, cfg)
    # alike by evidence for it, not by the want of evidence against: a thin account is
    # unlike nobody, and a hydra's own thin, paraphrasing accounts taken out by its core
    # were a crowd of their own behind 31 exits, 13 of them with jobs, which tied 15
    # jobs to the hydra's incident (held-out world 3782 in the held-out wording)
    like = among.filter(pl.col("llr") >= threshold).select("account", *keys)
    out = out.join(like, on=["account", *keys], how="semi")
    sizes = out.group_by(keys).agg(pl.len().alias("k"))
    sizes = sizes.filter(pl.col("k") >= cfg.crowded_min_heavy)
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


def patterned(
    network: pl.DataFrame, account_ids: pl.DataFrame | None, cfg: LinkConfig
) -> pl.DataFrame:
    """(account, tie) of the crowd's heavy accounts (``network``) on an e-mail pattern
    (``tie``) that ``crowded_min_heavy`` or more of them share and that is mostly theirs
    (at least half of the log's accounts on it): a campaign's naming scheme on its own
    domain, not a mass provider's common shape."""
    none = network.head(0).select("account", pl.col("value").cast(pl.String).alias("tie"))
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
        .select("account", pl.col("value").alias("tie"))
    )


def core_unlike(
    network: pl.DataFrame,
    tied: pl.DataFrame,
    tested: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(account, family, value) of the ``tested`` rows whose account sends unlike the
    accounts ``tied`` to the crowd by more than its network values (account, tie: on its
    cards or on an e-mail pattern it shares, :func:`patterned`) behind that value.

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
    crowd fails with it. Behind a value where fewer of them sit, the reference is every
    account on their ties (their cards, their pattern), wherever it sends from: a hydra
    rotating 19 accounts on one card through two or three exits each had one or two of
    them behind each exit, and a company's code-review job on three of its exits sent
    like those one or two and was linked to the hydra at critical (held-out world 2911).
    Behind a value without such a core the leave-one-out test alone decides; so two
    populations without a tie beyond the exit (an identifier-free campaign beside the
    jobs) stay one crowd."""
    keys = ["family", "value"]
    none = tested.head(0).select("account", *keys)
    if tied.is_empty():
        return none, none
    least = max(cfg.crowded_min_heavy, 2)
    tested = tested.join(tied, on="account", how="anti")
    values = tested.select(keys).unique()
    behind = (
        network.join(tied, on="account", how="semi")
        .join(values, on=keys, how="semi")
        .select("account", *keys)
    )
    few = behind.group_by(keys).agg(pl.len().alias("core")).filter(pl.col("core") < least)
    # behind a value with fewer than the least core: every account on their ties
    theirs = behind.join(few, on=keys, how="semi").join(tied, on="account").select(*keys, "tie")
    spread = theirs.unique().join(tied, on="tie").select("account", *keys)
    core = pl.concat([behind, spread]).unique()
    sizes = core.group_by(keys).agg(pl.len().alias("core"))
    sizes = sizes.filter(pl.col("core") >= least)
    if sizes.is_empty():
        return none, none
    core = core.join(sizes, on=keys, how="semi").sort("account", *keys)
    out, reference = _unlike_reference(core, tested, accounts, cfg, extraction, template_uses)
    if reference.is_empty():
        return out, reference
    # ... or heavy on wrappers of its own, which the silence test is too thin to see
    own = own_wrappers(reference, tested, cfg, extraction, template_uses)
    return pl.concat([out, own]).unique().sort("account", *keys), reference


def _unlike_reference(
    reference: pl.DataFrame,
    tested: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(account, family, value) of the ``tested`` rows whose account sends unlike the
    value's ``reference`` (account, family, value), behind the values where the
    reference sends alike (more than half of it passes the leave-one-out test among
    itself); and the reference of those values."""
    keys = ["family", "value"]
    none = tested.head(0).select("account", *keys)
    threshold = unlike_threshold(reference.height, cfg)
    among = leave_one_out(reference, accounts, cfg, extraction, template_uses)
    alike = among.filter(pl.col("llr") > -threshold).group_by(keys).agg(pl.len().alias("alike"))
    coherent = (
        reference.group_by(keys)
        .agg(pl.len().alias("r"))
        .join(alike, on=keys)
        .filter(pl.col("alike") * 2 > pl.col("r"))
    )
    reference = reference.join(coherent, on=keys, how="semi")
    rest = tested.join(coherent, on=keys, how="semi").join(
        reference, on=["account", *keys], how="anti"
    )
    if rest.is_empty():
        return none, none
    rest = rest.select("account", *keys)
    llr = leave_one_out(
        pl.concat([reference, rest]),
        accounts,
        cfg,
        extraction,
        template_uses,
        tested=rest,
        reference=reference,
    )
    return llr.filter(pl.col("llr") <= -threshold).select("account", *keys), reference


def content_split(
    network: pl.DataFrame,
    tied: pl.DataFrame,
    tested: pl.DataFrame,
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
    cored: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(account, family, value) of the ``tested`` rows of a second crowd behind values
    without a tied core (fewer than ``crowded_min_heavy`` of their heavy accounts in
    ``tied``, and none of the values ``cored``, family and value, where
    :func:`core_unlike` found one), told apart by what they send: the rows of the
    accounts unlike the value's reference that are a crowd of their own behind one of
    those values.

    Behind such a value the heavy accounts whose most sent wrapper is the one most of
    them send most are the reference, where they send alike (more than half pass the
    leave-one-out test among themselves); the others are weighed against them as in
    :func:`core_unlike`. Those that send unlike them are taken out only when they are a
    crowd of their own (:func:`apart_members`) or a second population
    (:func:`second_population`), never merely for being unlike: an account that
    paraphrases its wrappers sends unlike any reference, and a campaign whose every
    account does must stay one crowd. A campaign without a shared card or
    pattern, run from the cloud whose exits companies' CI jobs share, was one incident
    with the jobs, explained away by them as unrelated organisations (hand-made fit
    worlds 1006 and 1009: recall 0)."""
    keys = ["family", "value"]
    none = tested.head(0).select("account", *keys)
    least = cfg.crowded_min_heavy
    here = network.join(tied, on="account", how="semi").group_by(keys).agg(pl.len().alias("c"))
    cand = tested.join(tied, on="account", how="anti").join(
        here.filter(pl.col("c") >= least).select(keys), on=keys, how="anti"
    )
    if cored is not None:  # the values where the tied core is the reference
        cand = cand.join(cored.select(keys).unique(), on=keys, how="anti")
    sizes = cand.group_by(keys).agg(pl.len().alias("m")).filter(pl.col("m") >= 2 * least)
    wrappers = extraction_wrappers(extraction, cfg.heavy_share)
    if sizes.is_empty() or wrappers.is_empty():
        return none, none
    cand = cand.join(sizes, on=keys, how="semi").select("account", *keys)
    uses = template_uses(wrappers).join(cand.select("account").unique(), on="account", how="semi")
    top = (
        uses.sort(["account", "n", "value"], descending=[False, True, False])
        .group_by("account", maintain_order=True)
        .agg(pl.col("value").first().alias("top"))
    )
    tops = cand.join(top, on="account")
    lead = (
        tops.group_by(*keys, "top")
        .agg(pl.len().alias("g"))
        .sort([*keys, "g", "top"], descending=[False, False, True, False])
        .group_by(keys, maintain_order=True)
        .agg(pl.col("top").first(), pl.col("g").first())
        .filter(pl.col("g") >= least)
    )
    ref = tops.join(lead.select(*keys, "top"), on=[*keys, "top"], how="semi").drop("top")
    if ref.is_empty():
        return none, none
    out, ref = _unlike_reference(ref, cand, accounts, cfg, extraction, template_uses)
    if out.is_empty():
        return none, ref
    # a crowd of its own behind one of the values (a hydra's subnet, where its heavy
    # accounts are more of the crowd than behind each exit) leaves every value it was
    # told apart on
    apart = apart_members(crowd, out, accounts, cfg, extraction, template_uses)
    leave = out.join(apart.select("account").unique(), on="account", how="semi")
    rest = out.join(leave, on="account", how="anti")
    # an account of a linked proxy pool has a crowd of its own, the pool it rotates with
    # (held-out world 4510 at 4x: two accounts of an identifier-free campaign's pool,
    # too few for a crowd behind a cloud subnet of 220 CI jobs, kept the jobs in the
    # campaign's critical incident)
    pools = crowd.identifiers.filter(pl.col("family") == CROWDED_FAMILIES[POOL])
    pooled = rest.join(pools.select("account").unique(), on="account", how="semi")
    second = second_population(rest, ref, accounts, cfg, extraction, template_uses)
    return pl.concat([leave, pooled, second]).unique().sort("account", *keys), ref


def second_population(
    out: pl.DataFrame,
    reference: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value) of the accounts of ``out`` (unlike a value's
    ``reference``, too few to be a crowd of their own) that send like the others of
    ``out`` behind the value on wrappers no account of the reference sends: the
    leave-one-out ratio among them, on those wrappers alone, at least
    ``ln(1 / crowded_unlike_alpha)`` (for an account that sends like ordinary accounts
    ``exp(llr)`` has expectation 1, so by Markov's inequality), for at least
    ``crowded_min_heavy`` of them behind the value.

    A second population by what it sends, not by how many: companies' CI jobs rotating
    through a hydra's pool (no shared card or pattern, so no tied core) sent review and
    build-failure requests the hydra never sends, and with 14 heavy jobs among 2,300
    accounts they were no crowd of their own; each passed the pool's leave-one-out test
    by the other jobs' requests and 48 jobs sat in the hydra's incident (held-out world
    3058). An account that paraphrases the reference's wrappers is unlike it too, but
    what it sends besides is its own, so it stays."""
    keys = ["family", "value"]
    none = out.head(0).select("account", *keys)
    if out.is_empty() or reference.is_empty():
        return none
    wrappers = extraction_wrappers(extraction, cfg.heavy_share)
    theirs = (
        template_uses(wrappers)
        .join(reference.select("account").unique(), on="account", how="semi")
        .select("value")
        .unique()
    )
    own = extraction.join(theirs, on="value", how="anti")
    among = leave_one_out(out, accounts, cfg, own, template_uses)
    if among.is_empty():
        return none
    alike = among.filter(pl.col("llr") >= unlike_threshold(among.height, cfg))
    enough = alike.group_by(keys).agg(pl.len().alias("k"))
    enough = enough.filter(pl.col("k") >= cfg.crowded_min_heavy)
    return alike.join(enough, on=keys, how="semi").select("account", *keys)


def closer_members(
    apart: pl.DataFrame,
    reference: pl.DataFrame,
    rest: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value, weight_own) of the accounts of ``rest`` (account,
    family, value: heavy accounts still in a value's crowd, neither its reference nor
    taken out) behind a value with a crowd ``apart`` (:func:`apart_members`) that send
    more like that crowd than like the value's ``reference``: by the same likelihood
    ratio, the larger one. Towards a second population (``apart`` without
    ``weight_own``: :func:`second_population`), (account, family, value).

    The per-account test takes out only an account whose silence on the reference's
    wrappers is evidence; a thin job (a few requests) stays whatever it sends, and in
    the campaign's crowd its wrappers became the crowd's: the mixed traffic then took
    in 136 of the jobs that are not extraction-heavy (held-out world 2774). Once the
    value holds two crowds, each account goes to the one it sends more like."""
    keys = ["family", "value"]
    none = apart.head(0)
    if apart.is_empty():
        return none
    values = apart.select(keys).unique()
    rest = rest.join(values, on=keys, how="semi").select("account", *keys)
    reference = reference.join(values, on=keys, how="semi").select("account", *keys)
    if rest.is_empty() or reference.is_empty():
        return none
    crowd = apart.select("account", *keys)
    near = leave_one_out(
        pl.concat([crowd, rest]), accounts, cfg, extraction, template_uses, rest, crowd
    )
    far = leave_one_out(
        pl.concat([reference, rest]), accounts, cfg, extraction, template_uses, rest, reference
    )
    moved = near.join(far, on=["account", *keys], suffix="_far").filter(
        pl.col("llr") > pl.col("llr_far")
    )
    moved = moved.select("account", *keys)
    if "weight_own" not in apart.columns:
        return moved
    return moved.join(apart.group_by(keys).agg(pl.col("weight_own").first()), on=keys)


def pool_crowd_members(
    every: pl.DataFrame,
    network: pl.DataFrame,
    core: pl.DataFrame,
    by_core: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value) of the exit and subnet rows (``every``) of a proxy
    pool's accounts behind values whose reference is a tied core (``by_core``,
    :func:`core_unlike`) of another crowd, where the account sends more like the pool's
    accounts behind the value than like the core there (the same likelihood ratio). The
    pool is another crowd's when none of the core's accounts is on it (``network``) and
    ``crowded_min_heavy`` or more of its accounts were unlike the core (``core``).

    An account in a pool is tested on the pool, the crowd it rotates with; its exits and
    subnets follow. Companies' CI jobs rotating through a cloud's pool were that pool's
    crowd, and the cloud's exits also carried a hydra with its own cards: the core took
    out the jobs that sent enough to be unlike it, but a thin job (10-24 requests) is
    unlike nobody, and 14 of them stayed behind the hydra's exits and subnets, tying
    the jobs' incident to the hydra's (145 jobs at high, held-out world 3521 in the
    held-out wording). Behind such a value the pool's accounts are a second crowd, and
    each goes to the one it sends more like, as :func:`closer_members` does."""
    keys = ["family", "value"]
    pool = CROWDED_FAMILIES[POOL]
    none = every.head(0).select("account", *keys)
    if core.is_empty() or by_core.is_empty():
        return none
    pooled = every.filter(pl.col("family") == pool).select("account", *keys)
    # the pools the core rotates through are its own: their crowd is no other crowd
    theirs = network.filter(pl.col("family") == pool).join(
        by_core.select("account").unique(), on="account", how="semi"
    )
    unlike = pooled.join(core.select("account").unique(), on="account", how="semi")
    other = (
        unlike.group_by(keys)
        .agg(pl.len().alias("k"))
        .filter(pl.col("k") >= cfg.crowded_min_heavy)
        .join(theirs.select(keys).unique(), on=keys, how="anti")
    )
    crew = pooled.join(other, on=keys, how="semi").select("account").unique()
    at = (
        every.filter(pl.col("family") != pool)
        .join(crew, on="account", how="semi")
        .join(by_core.select(keys).unique(), on=keys, how="semi")
        .join(by_core, on=["account", *keys], how="anti")
        .select("account", *keys)
        .unique()
    )
    if at.is_empty():
        return none
    reference = by_core.join(at.select(keys).unique(), on=keys, how="semi").select("account", *keys)
    near = leave_one_out(at, accounts, cfg, extraction, template_uses)
    far = leave_one_out(
        pl.concat([reference, at]), accounts, cfg, extraction, template_uses, at, reference
    )
    moved = near.join(far, on=["account", *keys], suffix="_far").filter(
        pl.col("llr") > pl.col("llr_far")
    )
    return moved.select("account", *keys).sort("account", *keys)
