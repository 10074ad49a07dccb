"""Behavioural clusters: accounts that share nothing, but were created, started and moved
to the newest model together, with the same behaviour.

A careful operator gives every account its own card, a personal-looking e-mail, exits of
a residential pool of millions of addresses, the common SDKs' user agents and paraphrased
wrappers (issue #21). What survives is synchrony and sameness (DOMAIN.md, "What the next
campaign will do"). Two steps:

1. **Similar accounts.** Extraction-heavy accounts (:func:`.crowded.heavy_accounts`) with
   at least ``synchrony_min_requests`` requests are described by a vector — signup time,
   first request, first use of the newest model, capability shares, output/input token
   ratio, hour-of-day spread, volume — each in units of what "together" means (a day of
   signups, hours of first requests) and clustered by density (HDBSCAN). A cluster is
   only a candidate: density clustering finds clusters in noise too.
2. **Beyond chance.** Each cluster's *synchrony box* is the central 90 % of its members'
   signup, first-request and newest-model times. Among the accounts with as many
   requests, the chance ``p`` of one account falling inside the box is the larger of the
   product of the shares of all of them inside each window (the permutation null: each
   time shuffled between the accounts, the cluster's own included, so a cluster that is
   most of the accounts is never beyond chance) and the share of the other accounts
   inside the whole box (smoothed; it keeps what correlates among ordinary accounts, e.g.
   busy accounts start early and meet a new model early). With ``k`` of ``N`` accounts
   inside, the Chernoff bound ``exp(-N KL(k/N || p))`` must be below the family-wise
   rate ``synchrony_alpha`` over the clusters tested, times ``N^2`` per window for the
   box fitted to the data (a scan statistic's correction).

A class, a framework's users or an enterprise batch job may look alike and even be busy
with reasoning prompts, but they were not created within days of each other nor moved to
a new model within hours together; an enterprise's keys share one declared org, inside
which links are never evidence (:mod:`.decide`). A significant cluster links its boxed
members as a star around its first account: linear in its size.

Reference: Q. Cao, X. Yang, J. Yu, C. Palow, "Uncovering large groups of active
malicious accounts in online social networks" (SynchroTrap), CCS 2014; R. Campello,
D. Moulavi, J. Sander, "Density-based clustering based on hierarchical density
estimates" (HDBSCAN), PAKDD 2013; J. Glaz, J. Naus, S. Wallenstein, "Scan statistics",
Springer 2001.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA, MAX_WEIGHT, heavy_accounts

#: Synchrony times and the span that counts as "together" (the clustering's unit, hours).
TIMES: dict[str, float] = {"signup_at": 24.0, "first_seen": 6.0, "newest_model_at": 3.0}
#: Behaviour features and their unit: a difference this large is one unit of distance.
SHARES: tuple[str, ...] = (
    "cot_share",
    "tool_use_share",
    "coding_share",
    "rubric_share",
    "probing_share",
)
SHARE_UNIT = 0.1
#: Units of the log token ratio, the hour-of-day entropy and the log volume.
RATIO_UNIT, ENTROPY_UNIT, VOLUME_UNIT = 0.25, 0.1, 0.5
#: The least reach (units) within which a row left out of the clustered sample joins its
#: nearest sampled row's cluster (else that row's core distance).
MERGE_UNITS = 1.0
#: At most this many candidates are clustered; the others join the cluster of their
#: nearest clustered neighbour when within its core distance (bounded cost at any scale).
MAX_CLUSTERED = 5_000
#: Ordinary busy accounts clustered beside the candidates: as many as candidates, at
#: least this many (a background for the density, see :func:`synchrony`).
BACKGROUND_MIN = 1_000
#: A cluster's core: members with at least this HDBSCAN membership probability.
CORE_PROBABILITY = 0.5
#: The synchrony box holds the members between these quantiles of each time.
BOX_QUANTILES = (0.05, 0.95)
#: A time is part of the box when at least this share of the cluster has it.
MIN_MEASURED = 0.8
#: A significant cluster links its members within the box widened by this share of its
#: width on each side, at most one unit of :data:`TIMES` (the box holds the central 90 %
#: of each time; a member a little outside one window is still the same campaign, but a
#: loosely synchronized cluster's wide box must not reach further: half of a 53-day
#: signup window took in an enterprise key created five days before the cluster's first).
LINK_MARGIN = 0.5
#: Distance given to a missing value (accounts without it are alike in it, far from others).
MISSING = -1e4


@dataclass(frozen=True)
class Box:
    """A cluster's synchrony box and its test.

    Attributes:
        members: accounts of the cluster inside the box, sorted.
        linked: accounts of the cluster it links (:data:`LINK_MARGIN`), sorted.
        size: accounts in the cluster.
        windows: per time column: (start, end) of the box.
        background: accounts of the background (outside the cluster).
        p: chance of one account falling in the box under the null.
        nats: minus the log of the Chernoff bound.
        threshold: the nats needed (family-wise rate and box correction).
    """

    members: tuple[str, ...]
    linked: tuple[str, ...]
    size: int
    windows: dict[str, tuple[float, float]]
    background: int
    p: float
    nats: float
    threshold: float

    @property
    def significant(self) -> bool:
        """Whether the box is beyond chance."""
        return self.nats >= self.threshold


def preload(accounts: pl.DataFrame, cfg: LinkConfig) -> threading.Thread | None:
    """Start importing the clustering library in a background thread when the
    clustering will run (enough candidates, :func:`synchrony`), else ``None``; called
    before the link stage, whose first steps run in polars' threads without the GIL: the
    import takes about 0.9 s, which :func:`cluster` otherwise waits for. Not imported at
    all when nothing is clustered (it holds about 90 MB resident and 0.2 GB of address
    space, issue #16); a failed import is left for :func:`cluster` to raise."""
    if cfg.synchrony_alpha <= 0 or "exchanges" not in accounts.columns:
        return None
    if candidates(accounts, cfg).height < cfg.synchrony_min_accounts:
        return None

    def load() -> None:
        try:
            import sklearn.cluster
            import sklearn.neighbors  # noqa: F401
        except (ImportError, MemoryError, OSError):  # said by cluster()'s own import
            return

    thread = threading.Thread(target=load, name="extractscan-preload", daemon=True)
    thread.start()
    return thread


def candidates(accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """The extraction-heavy accounts with at least ``synchrony_min_requests`` requests,
    sorted by account."""
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    return (
        accounts.join(heavy, on="account", how="semi")
        .filter(pl.col("exchanges") >= cfg.synchrony_min_requests)
        .sort("account")
    )


def _hours(col: str) -> pl.Expr:
    """A time column as hours since the epoch (null stays null)."""
    return pl.col(col).dt.epoch("us").cast(pl.Float64) / 3.6e9


def vectors(frame: pl.DataFrame) -> np.ndarray:
    """Per account (row of ``frame``): times and behaviour in units (see the constants)."""
    cols: list[pl.Expr] = []
    for c, unit in TIMES.items():
        if c in frame.columns:
            cols.append(_hours(c) / unit)
    cols += [pl.col(c) / SHARE_UNIT for c in SHARES if c in frame.columns]
    if "token_ratio" in frame.columns:
        cols.append(pl.col("token_ratio").clip(lower_bound=1e-3).log() / RATIO_UNIT)
    if "hour_entropy" in frame.columns:
        cols.append(pl.col("hour_entropy") / ENTROPY_UNIT)
    cols.append(pl.col("exchanges").cast(pl.Float64).log() / VOLUME_UNIT)
    x = frame.select(e.alias(f"x{i}") for i, e in enumerate(cols)).to_numpy().astype(np.float64)
    return np.where(np.isfinite(x), x, MISSING)


def cluster(x: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label per row of ``x`` (-1: none) and whether the row is in its cluster's
    core, by HDBSCAN on at most :data:`MAX_CLUSTERED` rows (a fixed sample); the other
    rows take the label of their nearest sampled row when within its core distance.

    HDBSCAN gives a cluster every point that was in it at any density level, the
    outliers that fell away early too (with a low membership probability); the box is
    fitted to the core only (outliers widened a small group's box with ordinary
    accounts), and the outliers are linked only when inside the box's margin.
    """
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import NearestNeighbors

    n = x.shape[0]
    if n < min_size:
        return np.full(n, -1), np.zeros(n, dtype=bool)
    sample = np.arange(n)
    if n > MAX_CLUSTERED:
        sample = np.sort(np.random.default_rng(21).choice(n, MAX_CLUSTERED, replace=False))
        min_size = max(3, round(min_size * MAX_CLUSTERED / n))
    k = min(5, min_size)
    model = HDBSCAN(
        min_cluster_size=min_size,
        min_samples=k,
        # no cluster_selection_epsilon: with NumPy 2 it raises a TypeError on some trees
        # (scikit-learn issue #33219, unfixed in 1.9)
        copy=True,
    ).fit(x[sample])
    fitted = model.labels_
    strong = model.probabilities_ >= CORE_PROBABILITY
    labels = np.full(n, -1)
    labels[sample] = fitted
    core = np.zeros(n, dtype=bool)
    core[sample] = strong
    if sample.size < n:
        rest = np.setdiff1d(np.arange(n), sample)
        nn = NearestNeighbors(n_neighbors=k + 1).fit(x[sample])
        reach = nn.kneighbors(x[sample])[0][:, -1]  # each sampled row's core distance
        dist, idx = nn.kneighbors(x[rest], n_neighbors=1)
        near = dist[:, 0] <= np.maximum(reach[idx[:, 0]], MERGE_UNITS)
        labels[rest] = np.where(near, fitted[idx[:, 0]], -1)
        core[rest] = near & strong[idx[:, 0]]
    return labels, core


def box_test(
    members: pl.DataFrame,
    background: pl.DataFrame,
    tested: int,
    alpha: float,
    outliers: pl.DataFrame | None = None,
    unclustered: pl.DataFrame | None = None,
) -> Box:
    """The synchrony box of ``members`` (a cluster's core) and its test against
    ``background`` (the other accounts with as many requests); ``tested`` clusters share
    the family-wise ``alpha``. The box links the members, ``outliers`` (the cluster's
    other accounts) and ``unclustered`` candidates (noise to HDBSCAN: a campaign's fringe
    of less typical behaviour) within its margin (:data:`LINK_MARGIN`); a member or an
    outlier without one of the times may be linked, an unclustered account may not."""
    windows: dict[str, tuple[float, float]] = {}
    inside = pl.lit(True)
    near = pl.lit(True)
    for c in TIMES:
        if c not in members.columns:
            continue
        t = members.select(_hours(c))[c]
        if t.count() < MIN_MEASURED * members.height:
            continue
        lo, hi = BOX_QUANTILES
        windows[c] = (float(t.quantile(lo, "lower")), float(t.quantile(hi, "higher")))  # type: ignore[arg-type]
        inside = inside & _hours(c).is_between(*windows[c]).fill_null(False)
        margin = min(LINK_MARGIN * (windows[c][1] - windows[c][0]), TIMES[c])
        near = near & _hours(c).is_between(windows[c][0] - margin, windows[c][1] + margin)
    boxed = tuple(members.filter(inside)["account"].sort().to_list()) if windows else ()
    ours = pl.concat([members, *([outliers] if outliers is not None else [])], how="diagonal")
    found = [ours.filter(near.fill_null(True))["account"]]
    if unclustered is not None:
        found.append(unclustered.filter(near.fill_null(False))["account"])
    linked = tuple(pl.concat(found).unique().sort().to_list())
    n_bg = background.height
    if not windows or not boxed:
        return Box(boxed, linked, members.height, windows, n_bg, 1.0, 0.0, math.inf)
    # per window: the share of all the accounts (the cluster's too) with that time inside
    # it, i.e. the chance under the permutation null, each time shuffled between accounts
    product = 1.0
    for c, (a, b) in windows.items():
        t = pl.concat([members.select(_hours(c)), background.select(_hours(c))])[c].drop_nulls()
        product *= int(t.is_between(a, b).sum()) / max(t.len(), 1)
    joint = (background.filter(inside).height + 1) / (n_bg + 1)
    p = min(1.0, max(product, joint))
    k = len(boxed) + background.filter(inside).height
    total = n_bg + members.height
    nats = _surprise(total, k, p)
    threshold = math.log(max(tested, 1) / alpha) + 2 * len(windows) * math.log(max(total, 2))
    return Box(boxed, linked, members.height, windows, n_bg, p, nats, threshold)


def _surprise(n: int, k: int, p: float) -> float:
    """``n * KL(k/n || p)`` in nats where ``k/n > p`` (else 0), as :func:`.crowded.surprise`."""
    q = k / n
    if q <= p:
        return 0.0
    second = (1 - q) * math.log((1 - q) / (1 - p)) if q < 1 else 0.0
    return n * (q * math.log(q / p) + second)


def describe(box: Box, members: pl.DataFrame) -> str:
    """What an investigator can check, most telling first (reports cut long values): the
    accounts linked, the spans holding the central 90 % of the core's times, the share of
    the core on the newest model within its span, the shared behaviour and the bound.

    Example: "2,328 accounts alike: created within 0.9 days, first requests within 3.0
    hours, 92% on model-z within 4.2 hours of each other; median 99% extraction-style
    prompts, output/input 6.0x, hour spread 0.97; spans hold 90% of a core of 1,918
    (1,392 inside all 3); chance among 5,166 other accounts 1e-700".
    """
    spans = []
    if "signup_at" in box.windows:
        a, b = box.windows["signup_at"]
        spans.append(f"created within {(b - a) / 24:.1f} days")
    if "first_seen" in box.windows:
        a, b = box.windows["first_seen"]
        spans.append(f"first requests within {b - a:.1f} hours")
    if "newest_model_at" in box.windows:
        a, b = box.windows["newest_model_at"]
        share = members.select(_hours("newest_model_at").is_between(a, b).mean()).item()
        names = members.get_column("newest_model", default=pl.Series([], dtype=pl.String))
        model = str(names.drop_nulls().min() or "the newest model")
        spans.append(f"{share:.0%} on {model} within {b - a:.1f} hours")
    head = f"{len(box.linked):,} accounts alike: {', '.join(spans)} of each other"
    same = members.select(
        pl.col("extraction_share").median(),
        pl.col("token_ratio").median() if "token_ratio" in members.columns else pl.lit(None),
        pl.col("hour_entropy").median() if "hour_entropy" in members.columns else pl.lit(None),
    ).row(0)
    behaviour = f"median {same[0]:.0%} extraction-style prompts"
    if same[1] is not None:
        behaviour += f", output/input {same[1]:.1f}x"
    if same[2] is not None:
        behaviour += f", hour spread {same[2]:.2f}"
    inside = (
        f"spans hold 90% of a core of {box.size:,} ({len(box.members):,} inside all "
        f"{len(box.windows)})"
    )
    chance = f"chance among {box.background:,} other accounts 1e-{box.nats / math.log(10):.0f}"
    return "; ".join([head, behaviour, inside, chance])


def alike(core: pl.DataFrame, noise: pl.DataFrame) -> pl.DataFrame:
    """The unclustered candidates that behave like ``core`` (a cluster's core): their
    behaviour (times left out: the box tests those) is as close to some core member as
    95 % of the core's members are to their nearest other member (at least
    :data:`MERGE_UNITS`). Inside a big campaign's box, an account of a class started in
    the same days was linked for its times alone (fit world 1029)."""
    if noise.is_empty() or core.height < 2:
        return noise
    from sklearn.neighbors import NearestNeighbors

    times = [c for c in TIMES if c in core.columns]
    xc, xn = vectors(core.drop(times)), vectors(noise.drop(times))
    nn = NearestNeighbors(n_neighbors=2).fit(xc)
    own = nn.kneighbors(xc)[0][:, 1]  # each core member's nearest other member
    reach = max(float(np.quantile(own, 0.95)), MERGE_UNITS)
    near = nn.kneighbors(xn, n_neighbors=1)[0][:, 0] <= reach
    return noise.filter(pl.Series(near))


def significant_boxes(
    cand: pl.DataFrame, busy: pl.DataFrame, groups: list[int], cfg: LinkConfig
) -> list[tuple[Box, pl.DataFrame]]:
    """The significant clusters' boxes (with their core members), most significant first.

    The reference is the busy accounts without the clusters already accepted: tested
    against a population where another campaign holds most accounts, any chunk of the
    ordinary accounts looks rare (the campaign's mass lies outside its windows). So the
    most significant cluster is accepted, the accounts it links leave the reference, and
    the clusters still significant are tested again, until none is.
    """
    parts = {}
    for g in groups:
        mine = cand.filter(pl.col("_cluster") == g)
        parts[g] = (mine.filter("_core"), mine.filter(~pl.col("_core")))
    noise = cand.filter(pl.col("_cluster") == -1)
    reference, pending = busy, list(groups)
    accepted: list[tuple[Box, pl.DataFrame]] = []
    while pending:
        boxes = {}
        for g in pending:
            members, outliers = parts[g]
            background = reference.join(members, on="account", how="anti")
            boxes[g] = box_test(
                members,
                background,
                len(groups),
                cfg.synchrony_alpha,
                outliers,
                alike(members, noise),
            )
        pending = [
            g
            for g in pending
            if boxes[g].significant and len(boxes[g].members) >= cfg.synchrony_min_accounts
        ]
        if not pending:
            break
        best = max(pending, key=lambda g: (boxes[g].nats, -g))
        accepted.append((boxes[best], parts[best][0]))
        # Everything the accepted cluster links leaves the reference, not only its core:
        # its fringe inside another cluster's box is not an ordinary account there
        # (fit world 1017: 16 grader accounts made a 34-account campaign's box common).
        linked = pl.DataFrame({"account": list(boxes[best].linked)}, schema={"account": pl.String})
        reference = reference.join(parts[best][0], on="account", how="anti").join(
            linked, on="account", how="anti"
        )
        pending.remove(best)
    return accepted


def synchrony(
    accounts: pl.DataFrame, cfg: LinkConfig, campaigns: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Evidence rows (family ``behaviour_cluster``, :data:`.crowded.EVIDENCE_SCHEMA`)
    linking the members of every significant behavioural cluster of ``accounts`` (one
    row per account with features) to the cluster's first account.

    ``campaigns`` (account) are accounts already linked into extraction-leaning groups:
    they are not part of the ordinary background a cluster is tested against (fit world
    1017: 16 accounts of a grader campaign, started in the same days, made a 34-account
    campaign's box look common), though they may still form or join clusters."""
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    if cfg.synchrony_alpha <= 0 or "exchanges" not in accounts.columns:
        return empty
    cand = candidates(accounts, cfg)
    if cand.height < cfg.synchrony_min_accounts:
        return empty
    busy = accounts.filter(pl.col("exchanges") >= cfg.synchrony_min_requests)
    if campaigns is not None and campaigns.height:
        busy = busy.join(campaigns.select("account"), on="account", how="anti")
    # Clustered among ordinary accounts: a campaign that is most of the candidates is
    # otherwise the root of HDBSCAN's hierarchy, which it never selects (fit world 1034:
    # 113 of 155 candidates, all noise); beside the background it is a dense cluster.
    ordinary = busy.join(cand, on="account", how="anti").sort("account")
    ordinary = ordinary.sample(min(ordinary.height, max(cand.height, BACKGROUND_MIN)), seed=21)
    both = pl.concat([cand, ordinary.select(cand.columns)])
    labels, core = cluster(vectors(both), cfg.synchrony_min_accounts)
    labels, core = labels[: cand.height], core[: cand.height]
    groups = sorted(set(labels[core].tolist()) - {-1})
    if not groups:
        return empty
    cand = cand.with_columns(pl.Series("_cluster", labels), pl.Series("_core", core))
    rows = [
        pl.DataFrame(
            {
                "a": [box.linked[0]] * (len(box.linked) - 1),
                "b": list(box.linked[1:]),
                "family": "behaviour_cluster",
                "shared_values": len(box.windows),
                "example": describe(box, members),
                "min_df": len(box.linked),
                "weight": min(box.nats / math.log(10), MAX_WEIGHT),
            }
        ).cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
        for box, members in significant_boxes(cand, busy, groups, cfg)
    ]
    if not rows:
        return empty
    return pl.concat(rows).sort("a", "b").select(list(EVIDENCE_SCHEMA))
