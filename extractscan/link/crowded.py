"""Crowded values: a card, exit IP or subnet behind which significantly
many extraction-heavy accounts sit.

A proxy network that runs thousands of accounts puts hundreds of them behind every
exit, exactly like a NAT; what separates the two is the content behind the value
(DOMAIN.md). Rarity weights cannot see that (a crowded value weighs little) and
enumerating the pairs inside it grows with the square of its accounts. So a crowded
value is tested as a whole: of its ``n`` accounts, ``k`` are extraction-heavy (at least
``heavy_share`` of their prompts elicit reasoning, tools, code or grading); at the
population's heavy rate ``p``, the chance of ``k`` or more is at most
``exp(-n * KL(k/n || p))`` (Chernoff-Hoeffding). A value whose bound is below the
family-wise error rate divided by the number of values tested links its heavy accounts,
as a star around the smallest of them: ``k - 1`` evidence rows, not ``k^2 / 2``.

The test scales with the data: the same share of heavy accounts is more significant
behind a value with more accounts, and a population where heavy accounts are common
needs more of them behind one value. Ordinary users behind a NAT or a carrier pool are
not heavy, so they are never linked through it; a family of heavy users on one card is
(and the incident's benign checks then say so).

Reference: W. Hoeffding, "Probability inequalities for sums of bounded random
variables", JASA 1963 (the relative-entropy form of the Chernoff bound).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.pool_graph import IDS_SCHEMA, POOL, ROTATING_SHARE, proxy_pools
from extractscan.link.subnet_crowds import sharing_a_crowd
from extractscan.model.families import CROWDED_FAMILIES
from extractscan.streamed import streamed

#: Families whose significant values an account must sit behind at least
#: ``crowded_min_values`` of to be linked through crowds.
CORROBORATING: tuple[str, ...] = ("payment", "ip", POOL)

#: Evidence weights are -log10 of the bound, capped here (a weight this high already
#: saturates the incident's link strength).
MAX_WEIGHT = 20.0


#: Columns of :attr:`Crowded.lone`.
LONE_SCHEMA = {"account": pl.String, "value": pl.String, "n": pl.UInt32, "weight": pl.Float64}

#: Columns of :attr:`Crowded.leaning` (:func:`.leaning_cards.leaning_values`).
LEANING_SCHEMA = {
    "account": pl.String,
    "value": pl.String,
    "leans": pl.Boolean,
    "significant": pl.Boolean,
    "measured": pl.UInt32,
    "nats": pl.Float64,
}

#: Columns of :attr:`Crowded.unlike` (``family`` the crowded family).
UNLIKE_SCHEMA = {"account": pl.String, "family": pl.String, "value": pl.String}


@dataclass(frozen=True)
class Crowded:
    """What the crowded-value test found.

    Attributes:
        values: per tested value: ``family`` (the source family), ``value``, ``n``
            accounts, ``k`` heavy accounts, ``nats`` (minus the log of the bound),
            ``significant`` and the heavy ``rate`` of the round that tested it.
        evidence: star rows (``a``, ``b``, ``family``, ``shared_values``, ``example``,
            ``min_df``, ``weight``) in the crowded families.
        identifiers: (account, family, value) of the heavy accounts behind each
            significant value, in the crowded families (for the report's top values).
        heavy_rate: the population's share of heavy accounts.
        pools: (account, family, value) of the accounts in each proxy pool
            (:func:`proxy_pools`; ``family`` is :data:`POOL`), heavy or not.
        lone: (account, value, n, weight) of the heavy accounts behind a significant
            subnet and no corroborating crowd (:func:`.lone.lone_members`).
        unlike: (account, family, value) of the heavy accounts taken out of a network
            value for sending unlike its crowd (:func:`.unlike.unlike_members`): their
            wrappers are not the crowd's (:func:`.mixed.mixed_members`).
        apart: (account, family, value) of those of them that are a crowd of their own
            behind the value (:func:`.unlike.apart_members`): linked as a star of their
            own in :attr:`evidence`, and not in :attr:`identifiers`, whose stars'
            hubs the later steps join.
        leaning: (account, value, leans, significant, measured, nats) of every account
            behind an egress IP tested as a group (:func:`.leaning_cards.leaning_values`),
            whose leaning accounts :mod:`.leaning_exits` weighs once the wrappers are
            counted.
        rotating: the same of every account in a block of rotating accounts and the
            shared egress IPs they send from (:func:`.rotating_pools.rotating_pools`),
            whose crowds :func:`.leaning_pools.pool_members` weighs.
    """

    values: pl.DataFrame
    evidence: pl.DataFrame
    identifiers: pl.DataFrame
    heavy_rate: float
    pools: pl.DataFrame
    lone: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LONE_SCHEMA))
    unlike: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNLIKE_SCHEMA))
    apart: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=UNLIKE_SCHEMA))
    leaning: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LEANING_SCHEMA))
    rotating: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LEANING_SCHEMA))


EVIDENCE_SCHEMA = {
    "a": pl.String,
    "b": pl.String,
    "family": pl.String,
    "shared_values": pl.UInt32,
    "example": pl.String,
    "min_df": pl.UInt32,
    "weight": pl.Float64,
}


#: One-sided 95 % normal quantile of the Wilson bound in :func:`heavy_accounts` (99 %
#: lost a hydra whose accounts mix 70 % resold requests into a few dozen each, fit
#: worlds 1015-1044).
Z_95 = 1.6449


def wilson_lower(share: pl.Expr, n: pl.Expr, z: float = Z_95) -> pl.Expr:
    """Lower Wilson score bound of a proportion ``share`` measured on ``n`` trials.

    Reference: E. B. Wilson, "Probable inference, the law of succession, and
    statistical inference", JASA 1927.
    """
    n = n.cast(pl.Float64)
    z2 = z * z
    centre = share + z2 / (2 * n)
    spread = z * (share * (1 - share) / n + z2 / (4 * n * n)).sqrt()
    return (centre - spread) / (1 + z2 / n)


def heavy_accounts(accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(account, heavy): whether each account's measured prompts are extraction-heavy:
    the lower 95 % Wilson bound of its extraction share reaches ``heavy_share``, over at
    least ``heavy_min_prompts`` measured prompts, so a
    handful of requests (two of four extraction-style) is not enough. An account
    without measured prompts is not heavy."""
    if "extraction_share" not in accounts.columns:
        return accounts.select("account", pl.lit(False).alias("heavy"))
    share = pl.col("extraction_share").fill_nan(None)
    n = pl.col("prompts_measured") if "prompts_measured" in accounts.columns else pl.lit(1)
    bound = pl.when(n >= max(cfg.heavy_min_prompts, 1)).then(wilson_lower(share, n))
    return accounts.select("account", (bound >= cfg.heavy_share).fill_null(False).alias("heavy"))


def extraction_wrappers(extraction: pl.DataFrame, heavy_share: float) -> pl.DataFrame:
    """(value) of the template clusters of ``extraction`` (value, n, ext: requests and
    extraction-style requests per cluster) that are extraction wrappers: the lower Wilson
    bound of their extraction share reaches ``heavy_share``, as for a heavy account."""
    share = pl.col("ext").cast(pl.Float64) / pl.col("n")
    return extraction.filter(
        (pl.col("n") > 0) & (wilson_lower(share, pl.col("n")) >= heavy_share)
    ).select("value")


def surprise(n: pl.Expr, k: pl.Expr, p: float | pl.Expr) -> pl.Expr:
    """``n * KL(k/n || p)`` in nats where ``k/n > p`` (else 0): minus the log of the
    Chernoff bound on P(X >= k) for X ~ Binomial(n, p)."""
    q = k.cast(pl.Float64) / n.cast(pl.Float64)
    first = q * (q / p).log()
    # (1 - q) * ln((1 - q) / (1 - p)), which is 0 at q = 1
    second = pl.when(q < 1.0).then((1.0 - q) * ((1.0 - q) / (1.0 - p)).log()).otherwise(0.0)
    return pl.when(q > p).then(n.cast(pl.Float64) * (first + second)).otherwise(0.0)


#: Rounds of :func:`tested_in_rounds` after the first, at most (a bound on the cost).
MAX_ROUNDS = 4

#: Families whose significant values take their accounts out of the null's rate but not
#: out of the later rounds' tests: a subnet repeats its exits, and a hydra's subnet found
#: first left its exits without accounts to test (held-out world 2183).
COARSE: tuple[str, ...] = ("ip_prefix",)


def _per_value(rows: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(family, value, n, k) of the values of ``rows`` that ``crowded_min_heavy`` or more
    heavy accounts share."""
    return streamed(
        rows.lazy()
        .group_by("family", "value")
        .agg(
            pl.len().cast(pl.UInt32).alias("n"),
            pl.col("heavy").fill_null(False).sum().cast(pl.UInt32).alias("k"),
        )
        .filter(pl.col("k") >= cfg.crowded_min_heavy)
    )


def _threshold(tested: int, cfg: LinkConfig, accounts: int = 0) -> float:
    """Nats a value needs at the family-wise rate ``crowded_alpha`` over ``tested``,
    spent per ``crowded_alpha_accounts`` of the log's ``accounts``: a log of ``N`` of
    them more than that allows ``crowded_alpha * N / crowded_alpha_accounts`` false
    crowds, a smaller one ``crowded_alpha``.

    Over the whole log, the threshold rises with its size, so a crowd of the same size
    is significant in a log and not in one four times as large (held-out world 2183: a
    hydra of about nine accounts per exit, half of them heavy, 27 of its 37 accounts
    found at 1x, 38 of 148 at 4x, where the values tested were four times as many). Per
    account, the values tested and the error allowed grow together."""
    if cfg.crowded_alpha <= 0:
        return math.inf
    per = cfg.crowded_alpha_accounts
    spent = max(1.0, accounts / per) if per > 0 else 1.0
    return math.log(max(tested, 1) / (cfg.crowded_alpha * spent))


def crowd_threshold(crowd: Crowded, cfg: LinkConfig, accounts: int) -> float:
    """The nats a value of ``crowd`` needed to be significant (its values tested in a
    log of ``accounts`` accounts, the proxy pools among them)."""
    return _threshold(crowd.values.height, cfg, accounts)


def _test(per_value: pl.DataFrame, p: float, threshold: float) -> pl.DataFrame:
    """``per_value`` with ``nats`` at the heavy rate ``p``, ``significant`` and the
    ``rate``."""
    return per_value.with_columns(surprise(pl.col("n"), pl.col("k"), p).alias("nats")).with_columns(
        (pl.col("nats") >= threshold).alias("significant"), pl.lit(p).alias("rate")
    )


def tested_values(rows: pl.DataFrame, p: float, cfg: LinkConfig) -> pl.DataFrame:
    """Per (family, value) of ``rows`` (account, family, value, heavy) shared by at
    least ``crowded_min_heavy`` heavy accounts: ``n``, ``k``, ``nats`` and whether it is
    ``significant`` at the family-wise rate ``crowded_alpha`` over the values tested."""
    per_value = _per_value(rows, cfg)
    return _test(per_value, p, _threshold(per_value.height, cfg)).sort("family", "value")


def _rate(heavy: pl.DataFrame) -> float:
    """The share of heavy accounts in ``heavy`` (account, heavy), 0 when empty."""
    return int(heavy["heavy"].sum()) / heavy.height if heavy.height else 0.0


def tested_in_rounds(rows: pl.DataFrame, heavy: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """:func:`tested_values` at the heavy rate of ``heavy`` (account, heavy: every
    account), then again on the accounts behind no significant value yet, at their own
    heavy rate, until no more value is significant (at most :data:`MAX_ROUNDS` more).

    A campaign that is much of the log makes heavy accounts look common: at its rate,
    22 heavy accounts of a grader alone behind one exit were within chance (held-out
    world 384: a 5,059-account hydra behind its cards, 59 % of the accounts heavy;
    11.4 nats against 11.7). Accounts behind a significant value are not ordinary, so
    the rate of the others is the null's. A value is tested again on its accounts left
    (those behind a significant subnet still count for its exits, :data:`COARSE`); the
    family-wise threshold stays the first round's, over every value tested then, and
    a value found in a later round has at least ``heavy_share`` of its accounts heavy.

    The accounts that share a card with one or two others (at most
    ``strong_card_accounts`` on it: linked by that card alone) leave the null with the
    first significant values, for the same reason: a campaign linked through cards of
    two or three that is a third of the log's accounts made 21 heavy accounts of a
    grader among 36 other customers of its one exit look ordinary (held-out world
    2065: 7 nats at a rate of 0.36 against 43 at the others' 0.022)."""
    per_value = _per_value(rows, cfg)
    threshold = _threshold(per_value.height, cfg, heavy.height)
    left = heavy.select("account", pl.col("heavy").fill_null(False))
    p = _rate(left)
    values = _test(per_value, p, threshold)
    found = values.filter("significant")
    carded = _card_linked(rows, cfg)
    kept = left.select("account")
    for _ in range(MAX_ROUNDS):
        if found.is_empty() and carded.is_empty():
            break
        behind = rows.join(found.select("family", "value"), on=["family", "value"], how="semi")
        gone = pl.concat([behind.select("account"), carded]).unique()
        own = behind.filter(~pl.col("family").is_in(COARSE)).select("account")
        kept = kept.join(pl.concat([own, carded]), on="account", how="anti")
        carded = carded.clear()
        left = left.join(gone, on="account", how="anti")
        rate = _rate(left)
        if not 0.0 < rate < p:
            break
        p = rate
        done = values.filter("significant").select("family", "value")
        again = _per_value(rows.join(kept, on="account", how="semi"), cfg)
        found = _test(again.join(done, on=["family", "value"], how="anti"), p, threshold)
        # ... and with at least ``heavy_share`` of its accounts heavy, as a heavy account
        # has of its prompts: a crowd, not an institution a little heavier than the
        # others (held-out world 450: 6 heavy accounts of 1,025 behind a company's NAT
        # address were beyond the second round's rate, and 15 of its users became a
        # high incident)
        found = found.filter("significant", pl.col("k") >= cfg.heavy_share * pl.col("n"))
        values = pl.concat(
            [
                values.join(found.select("family", "value"), on=["family", "value"], how="anti"),
                found,
            ]
        )
    return values.sort("family", "value")


def _card_linked(rows: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(account) of ``rows`` on a payment card of two to ``strong_card_accounts``
    accounts: each is linked by that card alone (:func:`.decide.decide_links`)."""
    cards = rows.filter(pl.col("family") == "payment").select("account", "value")
    small = (
        cards.group_by("value").len().filter(pl.col("len").is_between(2, cfg.strong_card_accounts))
    )
    return cards.join(small, on="value", how="semi").select("account").unique().sort("account")


#: Families an account may send from thousands of values of: exits and subnets.
SCATTER_FAMILIES: tuple[str, ...] = ("ip", "ip_prefix")


def concentrated(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (account, family, value, heavy) without the exit and subnet rows of the
    heavy accounts that send mostly from values no other account shares (fewer than
    :data:`.pool_graph.ROTATING_SHARE` of theirs shared): such an account shares a value
    by chance, and a few of them that send from thousands of fresh residential addresses
    each meet on one exit, all heavy, beyond any rate (held-out world 2246 at 4x: three
    accounts of an identifier-free campaign, one exit, then a high incident that campaign
    assembly grew with 152 family accounts). A proxy's or a NAT's accounts send from
    shared values; the share is the one that keeps such accounts out of proxy pools."""
    spread = rows.filter(
        pl.col("family").is_in(SCATTER_FAMILIES) & pl.col("heavy").fill_null(False)
    )
    if spread.is_empty():
        return rows
    df = rows.filter(pl.col("family").is_in(SCATTER_FAMILIES)).group_by("family", "value").len("df")
    held = (
        spread.join(df, on=["family", "value"])
        .group_by("account", "family")
        .agg(pl.len().alias("held"), (pl.col("df") >= 2).sum().alias("shared"))
    )
    scattered = held.filter(pl.col("shared") < ROTATING_SHARE * pl.col("held"))
    if scattered.is_empty():
        return rows
    return rows.join(scattered.select("account", "family"), on=["account", "family"], how="anti")


def crowded(ids: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> Crowded:
    """Test every value of the crowded families shared by ``crowded_min_heavy`` or more
    accounts, and the proxy pools their tested subnets make (:func:`proxy_pools`),
    and link the heavy accounts behind the significant ones."""
    heavy = heavy_accounts(accounts, cfg)
    n_acc = heavy.height
    n_heavy = int(heavy["heavy"].sum())
    empty_ev = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    empty_ids = pl.DataFrame(schema=IDS_SCHEMA)
    values_schema = {
        "family": pl.String,
        "value": pl.String,
        "n": pl.UInt32,
        "k": pl.UInt32,
        "nats": pl.Float64,
        "significant": pl.Boolean,
        "rate": pl.Float64,
    }
    if n_acc == 0 or n_heavy == 0 or n_heavy == n_acc:
        # nothing heavy, or everything: the test has no contrast to measure
        rate = n_heavy / n_acc if n_acc else 0.0
        return Crowded(pl.DataFrame(schema=values_schema), empty_ev, empty_ids, rate, empty_ids)
    p = n_heavy / n_acc
    rows = concentrated(
        ids.filter(pl.col("family").is_in(list(CROWDED_FAMILIES))).join(
            heavy, on="account", how="left"
        )
    )
    values = tested_in_rounds(rows, heavy, cfg)
    pools, pool_nets = proxy_pools(rows, values)
    if pools.height:
        # each pool tested as a value of its own, at the population's rate and the
        # threshold of the values tested (a pool is one more of them)
        pool_rows = pools.cast(dict(rows.select(pools.columns).schema)).join(  # type: ignore[arg-type]
            heavy, on="account", how="left"
        )
        per_pool = _per_value(pool_rows, cfg)
        threshold = _threshold(values.height + per_pool.height, cfg, n_acc)
        values = pl.concat([values, _test(per_pool, p, threshold)]).sort("family", "value")
    else:
        pool_rows = rows.head(0)
    sig = values.filter("significant")
    if sig.is_empty():
        return Crowded(values, empty_ev, empty_ids, p, pools)
    # the heavy accounts' rows only, the pools' beside the values' (not a copy of all)
    heavy_rows = pl.concat([rows.filter(pl.col("heavy")), pool_rows.filter(pl.col("heavy"))])
    behind = heavy_rows.join(sig.select("family", "value", "n", "nats"), on=["family", "value"])
    # An account is linked through crowds only when it sits behind two or more of them
    # (cards, exit IPs or a proxy pool; a subnet repeats its IP): a proxy exit also
    # carries the proxy service's other customers, and some of them write
    # extraction-style prompts.
    confirmed = (
        behind.filter(pl.col("family").is_in(CORROBORATING))
        .group_by("account")
        .agg(pl.len().alias("crowds"))
        .filter(pl.col("crowds") >= cfg.crowded_min_values)
    )
    weight = (pl.col("nats") / math.log(10)).clip(upper_bound=MAX_WEIGHT).alias("weight")
    lone = (
        behind.filter(pl.col("family") == "ip_prefix")
        .join(confirmed, on="account", how="anti")
        .select("account", "value", "n", weight)
        .sort("value", "account")
        .cast(LONE_SCHEMA)  # type: ignore[arg-type]
    )
    members = behind.join(confirmed, on="account", how="semi").with_columns(
        pl.col("family").replace_strict(CROWDED_FAMILIES, return_dtype=pl.String), weight
    )
    members = sharing_a_crowd(members, CORROBORATING, pool_nets)
    if members.is_empty():
        return Crowded(values, empty_ev, empty_ids, p, pools, lone)
    evidence = member_stars(members)
    identifiers = (
        members.select("account", "family", "value").unique().sort("family", "value", "account")
    )
    return Crowded(values, evidence, identifiers, p, pools, lone)


def member_stars(members: pl.DataFrame) -> pl.DataFrame:
    """Evidence rows (:data:`EVIDENCE_SCHEMA`) linking the accounts of ``members``
    (account, family, value, n, weight) behind each value as a star around the smallest
    of them."""
    hub = members.group_by("family", "value").agg(pl.col("account").min().alias("hub"))
    star = (
        members.join(hub, on=["family", "value"])
        .filter(pl.col("account") != pl.col("hub"))
        .select(
            pl.col("hub").alias("a"),
            pl.col("account").alias("b"),
            "family",
            "value",
            "n",
            "weight",
        )
    )
    return star_evidence(star)


def star_evidence(star: pl.DataFrame) -> pl.DataFrame:
    """Evidence rows (:data:`EVIDENCE_SCHEMA`) from star rows (a, b, family, value, n,
    weight): one row per (pair, family), sorted; the example is the value with the most
    evidence (ties: the value text), as rarest-first is for pair evidence."""
    return (
        star.sort("weight", "value", descending=[True, False])
        .group_by("a", "b", "family", maintain_order=True)
        .agg(
            pl.len().cast(pl.UInt32).alias("shared_values"),
            pl.col("value").first().alias("example"),
            pl.col("n").min().cast(pl.UInt32).alias("min_df"),
            pl.col("weight").max().alias("weight"),
        )
        .sort("a", "b", "family")
        .select(list(EVIDENCE_SCHEMA))
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
    )
