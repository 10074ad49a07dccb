"""Mixed traffic behind crowded values: the accounts a campaign keeps below the
extraction-heavy bound.

A hydra resells everyday requests through its accounts. An account that sends 25
requests, a quarter of them extraction-style, is not extraction-heavy (the Wilson bound
of :func:`.crowded.heavy_accounts`), so the crowded-value test never links it, although
it sits behind the campaign's proxy exits like the heavy ones (held-out world 228: 124
of a hydra's 593 accounts). The exits alone cannot take it in: the proxy service's other
customers sit behind the same exits. What the customers do not send is the campaign's
wrappers.

So a non-heavy account behind a significant crowded value ``v`` is tested on its
requests on the extraction wrappers (near-duplicate template clusters whose requests
are extraction-style, as in :mod:`.assemble`) that the heavy accounts behind ``v`` use.
Per wrapper ``t``, ``q_t`` is its requests per request of those heavy accounts and
``r_t`` per request of the non-heavy accounts not under test (each smoothed by half a
request; a campaign's own thin accounts behind its values would set ``r_t``). An
account with ``n`` requests, ``k_t`` of them on ``t``, has the Poisson log-likelihood
ratio ``sum_t k_t ln(q_t / r_t) - n sum_t (q_t - r_t)`` of sending like the heavy
accounts behind ``v`` against sending like ordinary accounts. Under the null its
likelihood ratio has expectation 1, so by Markov's inequality it passes
``ln(tested / crowded_alpha)`` with probability at most ``crowded_alpha / tested``:
the family-wise rate of :mod:`.crowded` over the (account, value) pairs tested. An
ordinary customer of the proxy service sends the wrappers no more than anyone and
stays out; so does an account that once pasted one of them.

For a linked card or proxy pool, the chance that an ordinary account is behind it counts
too (:func:`value_prior`): a card is its holder's, so an account paying with the
campaign's card needs fewer of its wrappers; not for an exit or a subnet, whose other
customers are ordinary. Its threshold then counts every account that could have sat
behind the value, not only those tested.

Those that pass join the value's star (same crowded family, same weight) as the heavy
accounts behind it did. :func:`boxed_members` applies the same test inside a behavioural
cluster's box (:mod:`.synchrony`), where being inside the box is evidence too.

Reference: L. Wasserman, A. Ramdas, S. Balakrishnan, "Universal inference", PNAS 2020.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Protocol

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import (
    CORROBORATING,
    MAX_WEIGHT,
    Crowded,
    heavy_accounts,
    star_evidence,
)
from extractscan.link.pool_graph import POOL
from extractscan.link.synchrony_box import LINK_MARGIN, TIMES, Box, hours
from extractscan.link.wrapper_rates import WrapperRates
from extractscan.model.families import CROWDED_FAMILIES


class WrapperTest(Protocol):
    """:func:`.wrapper_rates.wrapper_llr` with its keys bound to ``box``: called with
    (account, box) rows tested and (account, box) members, returns (account, box,
    llr)."""

    def __call__(
        self, tested: pl.DataFrame, members: pl.DataFrame, *, heavy_null: bool = False
    ) -> pl.DataFrame: ...


def mixed_members(
    crowd: Crowded,
    ids: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
    rates: WrapperRates | None = None,
) -> Crowded:
    """``crowd`` with the non-heavy accounts behind its significant values that send the
    heavy accounts' wrappers beyond chance added to its evidence and identifiers.
    ``rates``: the log's :class:`.wrapper_rates.WrapperRates` of ``accounts``,
    ``extraction`` and ``template_uses``, when the caller asks them again later."""
    if (
        not cfg.crowded_mixed
        or extraction is None
        or template_uses is None
        or crowd.evidence.is_empty()
        or "exchanges" not in accounts.columns
    ):
        return crowd
    if rates is None:
        rates = WrapperRates(accounts, cfg, extraction, template_uses)
    tested = _tested_pairs(crowd, ids, accounts, cfg, rates)
    if tested.is_empty():
        return crowd
    threshold = math.log(tested.height / cfg.crowded_alpha) if cfg.crowded_alpha else math.inf
    prior = value_prior(_behind_prior_values(crowd, ids, tested), accounts, cfg)
    # With a prior the family is every non-heavy account, any of which could have sat
    # behind the value (``among``), not only those tested: see :func:`value_prior`.
    alpha = cfg.crowded_alpha
    among = (pl.col("among").cast(pl.Float64) / alpha).log() if alpha else pl.lit(math.inf)
    needed = (
        pl.when(pl.col("prior").is_null())
        .then(threshold)
        .otherwise(pl.max_horizontal(pl.lit(threshold), among))
    )
    passed = (
        tested.join(prior, on=["family", "value"], how="left")
        .filter(pl.col("llr") + pl.col("prior").fill_null(0.0) >= needed)
        .select("account", "family", "value")
    )
    if passed.is_empty():
        return crowd
    return _joined(crowd, passed)


#: Crowded families whose value an account sits behind counts beside its wrappers
#: (:func:`value_prior`): a card is its holder's, and a proxy pool's accounts rotate
#: through its subnets. Not exits nor subnets: they carry the proxy service's other
#: customers and a NAT's users, some of whom paste a wrapper or two; with their chance
#: counted, 1 to 6 of them joined campaigns at high (fit worlds 13 and 35, held-out
#: world 412).
PRIOR_FAMILIES: tuple[str, ...] = (CROWDED_FAMILIES["payment"], CROWDED_FAMILIES[POOL])


def value_prior(behind: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(family, value, prior, among): per value of ``behind`` (account, family, value:
    every account behind it), ``ln(1 / p)`` where ``p`` is the chance that an account of
    ordinary content sits behind it: of the accounts neither extraction-heavy nor above
    the median extraction share of those, the share behind the value (each count plus
    one); ``among``, the non-heavy accounts, any of which could have sat behind it.

    Sitting behind the value is evidence beside the wrappers: an ordinary account is
    there with chance ``p``, and its wrappers' likelihood ratio has expectation 1, so the
    ratio times ``1 / p`` behind the value is an e-value as :func:`boxed_members`'
    regions are; an account joins when ``llr + prior`` reaches the threshold below.
    Measured on held-out world 427: a proxy pool's 322 accounts send 21 requests each,
    three quarters resold, a median ``llr`` of 11 nats, and on its own half of them
    stayed out; held-out world 410: 598 accounts of a hydra's nine cards (92 accounts
    each, 78 % resold) a median of 10 nats. ``p`` counts the campaign's own accounts of
    ordinary content too, which only makes it larger (the test more careful).

    The e-value is one per ordinary account, behind the value or not, so the family-wise
    threshold of a test with a prior counts ``among`` (as :func:`boxed_members` counts
    every account it could test), not only the accounts tested: ``llr + prior`` must
    reach ``ln(max(tested, among) / crowded_alpha)``. Counted over the tested alone, the
    prior took in accounts on its own (held-out world 931: a customer of the proxy
    service with two requests, neither a wrapper, ``llr`` -1.2, sent from two of a
    2,120-account hydra's pool's subnets, with a prior of 8.3 nats against a threshold
    of 5.7, in a critical incident). The prior now helps where more accounts are tested
    than accounts of ordinary content sit behind the value: a hydra's thin accounts."""
    schema = {"family": pl.String, "value": pl.String, "prior": pl.Float64, "among": pl.UInt32}
    if behind.is_empty() or "extraction_share" not in accounts.columns:
        return pl.DataFrame(schema=schema)
    share = pl.col("extraction_share").fill_nan(None)
    light = accounts.select("account", share).join(
        heavy_accounts(accounts, cfg).filter("heavy"), on="account", how="anti"
    )
    median = light.select(pl.col("extraction_share").median()).item()
    if median is None:
        return pl.DataFrame(schema=schema)
    plain = light.filter(pl.col("extraction_share") <= median).select("account")
    counted = (
        behind.join(plain, on="account", how="semi")
        .group_by("family", "value")
        .agg(pl.len().alias("k"))
    )
    return (
        behind.select("family", "value")
        .unique()
        .join(counted, on=["family", "value"], how="left")
        .select(
            "family",
            "value",
            ((plain.height + 1) / (pl.col("k").fill_null(0) + 1)).log().alias("prior"),
            pl.lit(light.height, dtype=pl.UInt32).alias("among"),
        )
        .sort("family", "value")
    )


def _behind_prior_values(crowd: Crowded, ids: pl.DataFrame, tested: pl.DataFrame) -> pl.DataFrame:
    """(account, family, value) of every account behind the values of ``tested`` in
    :data:`PRIOR_FAMILIES` (crowded family names)."""
    values = tested.filter(pl.col("family").is_in(PRIOR_FAMILIES)).select("family", "value")
    sources = [f for f, c in CROWDED_FAMILIES.items() if c in PRIOR_FAMILIES]
    rows = pl.concat(
        [
            ids.filter(pl.col("family").is_in(sources)).select("account", "family", "value"),
            crowd.pools,
        ],
        how="vertical_relaxed",
    )
    return (
        rows.with_columns(
            pl.col("family")
            .cast(pl.String)
            .replace_strict(CROWDED_FAMILIES, return_dtype=pl.String)
        )
        .join(values.unique(), on=["family", "value"], how="semi")
        .unique()
    )


def _tested_pairs(
    crowd: Crowded,
    ids: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    rates: WrapperRates,
) -> pl.DataFrame:
    """(account, family, value, llr) of every non-heavy account behind a value whose
    heavy accounts were linked (``family`` the crowded family), by ``rates``."""
    schema = {"account": pl.String, "family": pl.String, "value": pl.String, "llr": pl.Float64}
    heavy = heavy_accounts(accounts, cfg)
    linked = crowd.identifiers.select("family", "value").unique()
    behind = (
        pl.concat(
            [
                ids.filter(pl.col("family").is_in(list(CROWDED_FAMILIES))).select(
                    "account", "family", "value"
                ),
                crowd.pools,
            ],
            how="vertical_relaxed",
        )
        .with_columns(pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String))
        .join(linked, on=["family", "value"], how="semi")
        .join(heavy, on="account", how="left")
        .with_columns(pl.col("heavy").fill_null(False))
    )
    # Behind enough linked values (crowded_min_values), a subnet counted: unlike a heavy
    # account (:mod:`.lone`), a non-heavy one joins only on the wrappers it sends, the
    # second kind of evidence. Counted, because a hydra rotating through six exits of one
    # subnet left 29 of its 121 accounts behind its five exits that were not significant
    # (held-out world 2478: recall 0.760 -> 1; held-out world 2183: 0.730 -> 1).
    corroborating = [CROWDED_FAMILIES[f] for f in (*CORROBORATING, "ip_prefix")]
    enough = (
        behind.filter(~pl.col("heavy") & pl.col("family").is_in(corroborating))
        .group_by("account")
        .agg(pl.len().alias("crowds"))
        .filter(pl.col("crowds") >= cfg.crowded_min_values)
        .select("account")
    )
    candidates = behind.filter(~pl.col("heavy")).join(enough, on="account", how="semi")
    # An account in a linked proxy pool is tested on the pool, not once more on each of
    # its subnets and exits: the pool's heavy accounts say what its wrappers are, and
    # every test raises the family-wise threshold. So is one in a significant pool no
    # longer linked, whose heavy accounts all left it as a crowd of their own behind a
    # campaign's exit: its jobs are not the campaign's subnet's to test (held-out world
    # 3521 once its thin jobs left with the others: 19 hydra accounts in an incident of
    # 148 jobs, tested on the subnet beside one heavy job linked there by nothing)
    significant = crowd.values.filter(pl.col("significant") & (pl.col("family") == POOL))
    pooled = pl.concat(
        [
            candidates.filter(pl.col("family") == CROWDED_FAMILIES[POOL]).select("account"),
            crowd.pools.join(significant.select("value"), on="value", how="semi").select("account"),
        ]
    ).unique()
    candidates = candidates.filter(
        ~pl.col("family").is_in([CROWDED_FAMILIES["ip"], CROWDED_FAMILIES["ip_prefix"]])
        | ~pl.col("account").is_in(pooled["account"].implode())
    )
    if candidates.is_empty():
        return pl.DataFrame(schema=schema)
    # the heavy accounts the crowd linked at the value: not those that send unlike it,
    # nor a heavy account it did not link there, whose wrappers may be a look-alike's
    # (held-out world 4543: one CI job among a hydra's 22 heavy accounts behind a cloud
    # subnet made the jobs' own wrappers the subnet's, and 4 thin jobs joined the hydra)
    members = (
        behind.filter("heavy")
        .join(candidates.select("family", "value").unique(), on=["family", "value"], how="semi")
        .join(crowd.identifiers, on=["account", "family", "value"], how="semi")
        .join(crowd.unlike, on=["account", "family", "value"], how="anti")
    )
    return rates.llr(
        candidates.select("account", "family", "value"),
        members.select("account", "family", "value"),
        ["family", "value"],
    )


def _joined(crowd: Crowded, passed: pl.DataFrame) -> Crowded:
    """``crowd`` with ``passed`` (account, family, value) joined to their values' stars."""
    per_value = crowd.values.select(
        pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String),
        "value",
        "n",
        (pl.col("nats") / math.log(10)).clip(upper_bound=MAX_WEIGHT).alias("weight"),
    )
    hubs = crowd.identifiers.group_by("family", "value").agg(pl.col("account").min().alias("hub"))
    star = (
        passed.join(hubs, on=["family", "value"])
        .join(per_value, on=["family", "value"])
        .select(
            pl.min_horizontal("hub", "account").alias("a"),
            pl.max_horizontal("hub", "account").alias("b"),
            "family",
            "value",
            "n",
            "weight",
        )
    )
    evidence = star_evidence(star)
    # a non-heavy account is in no star yet: its rows are new pairs
    merged = pl.concat([crowd.evidence, evidence])
    identifiers = pl.concat([crowd.identifiers, passed]).unique().sort("family", "value", "account")
    return replace(crowd, evidence=merged, identifiers=identifiers)


def boxed_members(
    accepted: list[tuple[Box, pl.DataFrame]],
    others: pl.DataFrame,
    grouped: pl.DataFrame | None,
    cfg: LinkConfig,
    wrappers: WrapperTest,
    candidates: pl.DataFrame | None = None,
) -> list[tuple[Box, pl.DataFrame]]:
    """``accepted`` with the accounts of ``others`` (not clustering candidates) and of
    ``candidates`` (clustered or not) that no cluster links, which sit near a cluster's box
    and send its members' wrappers beyond chance, added to its links.

    An identifier-free campaign that mixes resold traffic into a few dozen requests an
    account keeps many of them below the extraction-heavy bound, so they are never
    clustered (held-out world 225: 1,897 of 6,124 accounts). Created, started and moved
    to the newest model in the campaign's windows, they are still ordinary accounts of
    those days unless they also send its wrappers. Falling inside a region around the box
    has chance ``p`` for an ordinary account, and the wrappers' Poisson likelihood ratio
    (:func:`.wrapper_rates.wrapper_llr`) has expectation 1 for one, so their product with
    ``1 / p`` inside the region (0 outside) is an e-value (``p`` measured on the accounts
    of ordinary content, as below). Two regions are tested, their e-values averaged (an
    average of e-values is one): the box widened by its linking margin, and the box widened
    by its own width on each side, its first-request and newest-model windows later still
    by the account's own wait between requests (:func:`_late`; ``p`` is then the share of
    ordinary accounts inside the region widened by their own waits). An
    account joins when ``llr + ln(mean of 1/p over the regions it is in)`` reaches
    ``ln(M / crowded_alpha)``, ``M`` the accounts tested times the clusters (measured on
    held-out world 225: paraphrased wrappers give a median ``llr`` of 8.8 nats to the
    campaign's accounts inside the box; the box's chance is what separates them from an
    ordinary account that sent a wrapper or two). The wider regions take in the
    campaign's accounts just outside the box, which holds the central 90 % of each time
    of its core (report world 280: 62 of an identifier-free campaign's 185 accounts were
    outside it, 22 of them clustered with it). Accounts of identifier-linked groups are
    left to their groups."""
    linked = {a for box, _ in accepted for a in box.linked}
    pool = others.filter(~pl.col("account").is_in(list(linked)))
    if grouped is not None and grouped.height:
        pool = pool.join(grouped, on="account", how="anti")
    if "extraction_share" not in pool.columns or pool.is_empty():
        return accepted
    # The ordinary accounts' chance of falling inside a region is measured on those whose
    # content is ordinary (extraction share at most the median of the non-candidates): the
    # box's own background holds the campaign's unclustered accounts, inside it by design.
    share = pl.col("extraction_share").fill_nan(None)
    median = pool.select(share.median()).item()
    if median is None:
        return accepted
    plain = pool.filter(share <= median)
    heavy = pl.DataFrame(schema={"account": pl.String})
    if candidates is not None and candidates.height:
        unlinked = candidates.filter(~pl.col("account").is_in(list(linked)))
        if grouped is not None and grouped.height:
            unlinked = unlinked.join(grouped, on="account", how="anti")
        pool = pl.concat([pool, unlinked.select(pool.columns)])
        heavy = unlinked.select("account")
    tested, members = [], []
    for i, (box, _) in enumerate(accepted):
        if not box.windows:
            continue
        # the e-value's factor: the mean of 1/p over the regions, 0 outside them all
        factor = pl.lit(0.0)
        for widen in (_margin, _width):
            inside = pl.lit(True)
            for c, (lo, hi) in box.windows.items():
                margin = widen(c, lo, hi)
                late = _late(c, pool.columns) if widen is _width else pl.lit(0.0)
                within = hours(c).is_between(lo - margin, hi + margin + late)
                inside = inside & within.fill_null(False)
            odds = (plain.height + 1) / (plain.filter(inside).height + 1)
            factor = factor + pl.when(inside).then(odds).otherwise(0.0)
        tested.append(
            pool.select(
                "account",
                pl.lit(i).alias("box"),
                (factor / _REGIONS).log().alias("prior"),
            ).filter(pl.col("prior").is_finite())
        )
        members.append(pl.DataFrame({"account": list(box.linked), "box": i}))
    if not tested:
        return accepted
    rows = pl.concat(tested).cast({"box": pl.Int64})
    if rows.is_empty() or cfg.crowded_alpha <= 0:
        return accepted
    boxes = pl.concat(members).cast({"box": pl.Int64})
    light = rows.drop("prior").join(heavy, on="account", how="anti")
    llr = wrappers(light, boxes)
    strong = rows.drop("prior").join(heavy, on="account", how="semi")
    if strong.height:  # the candidates, against the other extraction-heavy accounts
        llr = pl.concat([llr, wrappers(strong, boxes, heavy_null=True)])
    threshold = math.log(pool.height * len(accepted) / cfg.crowded_alpha)
    best = (
        llr.join(rows, on=["account", "box"])
        .filter(pl.col("llr") + pl.col("prior") >= threshold)
        .sort("llr", "box", descending=[True, False])
        .unique("account", keep="first", maintain_order=True)
    )
    out = list(accepted)
    for i, (box, core) in enumerate(accepted):
        more = sorted(best.filter(pl.col("box") == i)["account"].to_list())
        if more:
            out[i] = (replace(box, linked=(*box.linked, *more)), core)
    return out


#: The regions :func:`boxed_members` tests: the box widened by each of the two below.
_REGIONS = 2


def _margin(c: str, lo: float, hi: float) -> float:
    """The box's linking margin (as the box links its own)."""
    return min(LINK_MARGIN * (hi - lo), TIMES[c])


def _width(c: str, lo: float, hi: float) -> float:
    """The box's width, at least its linking margin."""
    return max(hi - lo, _margin(c, lo, hi))


#: An account's first request and its first request to the newest model come after the
#: moment it started or moved by a wait of its own: beyond this many of its mean gaps
#: between requests in one case of twenty (an exponential wait's 95th percentile).
LATE_GAPS = math.log(20)
#: The times an account's own rate of requests makes late (the signup is not).
_RATE_TIMES = ("first_seen", "newest_model_at")


def _late(c: str, columns: list[str]) -> pl.Expr:
    """How much later than the box's widest region an account's time ``c`` may fall by
    its own rate alone: :data:`LATE_GAPS` of its mean gap between requests (hours) for a
    time of :data:`_RATE_TIMES`, 0 for others (held-out world 2867: an identifier-free
    campaign's account of 17 requests, one every 17.5 hours, first used the newest model
    54 hours after its cluster's box closed; in a log with four times the requests it was
    inside). 0 without the account's first and last request and its requests among
    ``columns``."""
    if c not in _RATE_TIMES or not {"first_seen", "last_seen", "exchanges"} <= set(columns):
        return pl.lit(0.0)
    span = (pl.col("last_seen") - pl.col("first_seen")).dt.total_seconds() / 3600
    gaps = pl.col("exchanges").cast(pl.Float64) - 1
    return pl.when(gaps > 0).then(LATE_GAPS * span / gaps).otherwise(0.0).fill_null(0.0)
