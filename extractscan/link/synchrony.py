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
   most of the accounts is never beyond chance), the share of the other accounts inside
   all the windows but one (smoothed) times the share inside that one (it keeps what
   correlates among ordinary accounts, e.g. busy accounts start early and meet a new
   model early, without a floor of 1/N under a small cluster), and the unsmoothed share
   of the other accounts inside the whole box. With ``k`` of ``N`` accounts inside, the
   Chernoff bound ``exp(-N KL(k/N || p))`` must be below the family-wise rate
   ``synchrony_alpha`` over the clusters and the subsets of their times tested (every
   subset is), times ``N^2`` per window for the box fitted to the data (a scan
   statistic's correction); see :mod:`.synchrony_box`. The behaviour is one more
   window: an account is inside it when it behaves like the cluster's core
   (:func:`.alike.alike_mask`), so a small cluster whose times ordinary accounts often share
   (created the week the log starts) is tested on what ordinary accounts do not share
   with it (held-out worlds 365 and 371: 13 and 28 accounts, times alone at chance
   0.3-0.5). The cluster's outliers and the unclustered accounts its box links are
   counted on its side, never in the background; the accounts that are not
   extraction-heavy, sit inside its time windows and send its wrappers beyond chance
   are left out of the background too (:mod:`.box_reference`): a campaign's own
   accounts in resold traffic or in words the patterns miss, not ordinary accounts.
3. **Apart and again.** A cluster holding most of an identifier-linked group, whose other
   accounts are beyond chance on their own, is those accounts; a second pass clusters
   the candidates outside every group and every cluster found, and a second-pass cluster
   continuing a first-pass one is merged into it.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import numpy as np
import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.alike import (
    MERGE_UNITS,
    alike,
    alike_mask,
    established,
    merged_passes,
    merged_within,
    vectors,
)
from extractscan.link.behaviour_groups import (
    apart,
    mostly_ungrouped,
    respecting_groups,
    without_declared_orgs,
)
from extractscan.link.box_reference import own_inside
from extractscan.link.crowded import EVIDENCE_SCHEMA, MAX_WEIGHT, heavy_accounts
from extractscan.link.mixed import WrapperTest, boxed_members
from extractscan.link.one_behaviour import behaviours
from extractscan.link.synchrony_box import (
    Box,
    Fitted,
    Times,
    describe,
    fit_box,
    weigh_box,
)

_T = TypeVar("_T")

#: At most this many candidates are clustered; the others join the cluster of their
#: nearest clustered neighbour when within its core distance (bounded cost at any scale).
MAX_CLUSTERED = 5_000
#: Ordinary busy accounts clustered beside the candidates: as many as candidates, at
#: least this many (a background for the density, see :func:`synchrony`).
BACKGROUND_MIN = 1_000
#: A cluster's core: members with at least this HDBSCAN membership probability.
CORE_PROBABILITY = 0.5
#: HDBSCAN's ``min_samples`` (at most the least cluster size): the neighbours that make
#: an account a core point, and the least group :func:`.one_behaviour.behaviours` cuts
#: from a core.
MIN_SAMPLES = 5
#: Scans of at least this many rows (estimated) import the clustering library before
#: the row stage (:func:`preload_early`).
EARLY_ROWS = 250_000

_started = threading.Lock()
_loading: threading.Thread | None = None


def preload(accounts: pl.DataFrame, cfg: LinkConfig) -> threading.Thread | None:
    """Start importing the clustering library in a background thread when the
    clustering will run (enough candidates, :func:`synchrony`), else ``None``; called
    by the link stage once its template clusters are found (their NumPy and Python
    loops hold the GIL, as an import does), while the rest runs in polars' threads
    without the GIL: the import takes about 0.9 s, which :func:`cluster` otherwise
    waits for. Not imported at all when nothing is clustered (it holds about 90 MB
    resident and 0.2 GB of address space, issue #16); a failed import is left for
    :func:`cluster` to raise."""
    if cfg.synchrony_alpha <= 0 or "exchanges" not in accounts.columns:
        return None
    if candidates(accounts, cfg).height < cfg.synchrony_min_accounts:
        return None
    return _load()


def preload_early(rows: int, cfg: LinkConfig) -> threading.Thread | None:
    """Start importing the clustering library before the row stage when the scan holds
    at least :data:`EARLY_ROWS` rows (estimated) and the clustering is on, else ``None``
    (:func:`preload` decides later, from the accounts). The import (0.7-0.9 s, mostly
    Python holding the GIL) then runs beside the row stage's polars queries instead of
    the link stage's Python steps: 0.2 s gained on the day-30 ``--state`` scan of 1M rows
    (``benchmarks/RESULTS.md``, "Incremental scans"). Such a scan almost always
    clusters; the output does not depend on when the library was imported."""
    if cfg.synchrony_alpha <= 0 or rows < EARLY_ROWS:
        return None
    return _load()


def _load() -> threading.Thread:
    """The thread importing the clustering library (one per process: started once)."""
    global _loading
    with _started:
        if _loading is None:

            def load() -> None:
                try:
                    import sklearn.cluster
                    import sklearn.neighbors  # noqa: F401
                except (ImportError, MemoryError, OSError):  # said by cluster()'s import
                    return

            _loading = threading.Thread(target=load, name="extractscan-preload", daemon=True)
            _loading.start()
        return _loading


def candidates(accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """The extraction-heavy accounts with at least ``synchrony_min_requests`` requests,
    sorted by account."""
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    return (
        accounts.join(heavy, on="account", how="semi")
        .filter(pl.col("exchanges") >= cfg.synchrony_min_requests)
        .sort("account")
    )


def cluster(
    x: np.ndarray, min_size: int, wanted: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label per row of ``x`` (-1: none) and whether the row is in its cluster's
    core, by HDBSCAN on at most :data:`MAX_CLUSTERED` rows (a fixed sample); the other
    rows take the label of their nearest sampled row when within its core distance (the
    first ``wanted`` only, when given: the others' are not looked up, -1).

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
    k = min(MIN_SAMPLES, min_size)
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
    rest = np.setdiff1d(np.arange(n if wanted is None else min(wanted, n)), sample)
    if len(rest):  # none when every row was clustered
        nn = NearestNeighbors(n_neighbors=k + 1).fit(x[sample])
        reach = nn.kneighbors(x[sample])[0][:, -1]  # each sampled row's core distance
        dist, idx = nn.kneighbors(x[rest], n_neighbors=1)
        near = dist[:, 0] <= np.maximum(reach[idx[:, 0]], MERGE_UNITS)
        labels[rest] = np.where(near, fitted[idx[:, 0]], -1)
        core[rest] = near & strong[idx[:, 0]]
    return labels, core


def significant_boxes(
    cand: pl.DataFrame,
    busy: pl.DataFrame,
    groups: list[int],
    cfg: LinkConfig,
    grouped: pl.DataFrame | None = None,
    wrappers: WrapperTest | None = None,
) -> list[tuple[Box, pl.DataFrame]]:
    """The significant clusters' boxes (with their core members), most significant first.

    The reference is the busy accounts without the clusters already accepted: tested
    against a population where another campaign holds most accounts, any chunk of the
    ordinary accounts looks rare (the campaign's mass lies outside its windows). So the
    most significant cluster is accepted, the accounts it links leave the reference, and
    the clusters still significant are tested again, until none is.

    With ``wrappers``, a cluster's reference is also without the accounts that are not
    candidates (not extraction-heavy), sit inside every time window of its box and send
    its wrappers beyond chance (:func:`.box_reference.own_inside`): they are the
    campaign's own, not ordinary accounts of those days, and the box's chance has a
    floor, the reference's share inside it.
    """
    # Each cluster's core, box and behaviour window are its own: worked out two clusters
    # at a time (the neighbour searches and polars let go of the GIL; measured at 28.8M
    # rows, 15 clusters: 1.2 s -> 0.8 s), collected in cluster order.
    pool = ThreadPoolExecutor(2, thread_name_prefix="extractscan-boxes")

    def each(work: Callable[[int], _T]) -> dict[int, _T]:
        return dict(zip(groups, pool.map(work, groups), strict=True))

    def one(g: int) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
        mine = cand.filter(pl.col("_cluster") == g)
        return behaviours(mine.filter("_core"), mine.filter(~pl.col("_core")), MIN_SAMPLES)

    with pool:
        # each behaviour of a cluster a cluster of its own, numbered after the clusters;
        # ``each`` and the family-wise bound (``len(groups)``) then count them all
        parts: dict[int, tuple[pl.DataFrame, pl.DataFrame]] = {}
        more = max(groups) + 1
        for g, (first, *others) in each(one).items():
            parts[g] = first
            for part in others:
                parts[more] = part
                more += 1
        groups = sorted(parts)
        noise = cand.filter(pl.col("_cluster") == -1)
        if grouped is not None and grouped.height:
            for g in groups:
                parts[g] = apart(parts[g], grouped, busy, len(groups), cfg)
        fitted, behaving = _fitted(parts, noise, busy, grouped, each)
    # The reference as a mask over ``busy``, whose times are taken once; each cluster's
    # core and the fringe it links marked once (measured at 28.8M rows: 0.1 s instead of
    # 0.9 s joining frames).
    accounts = busy["account"]
    alive = np.ones(busy.height, dtype=bool)
    in_core = {
        g: accounts.is_in(pl.Series(fitted[g].counted, dtype=pl.String).implode()).to_numpy()
        for g in groups
    }
    if wrappers is not None:
        # out of the cluster's reference, as its core; and, once it is accepted, out of
        # the others' with everything it links
        sending = own_inside(fitted, behaving, busy, cand, in_core, groups, wrappers, cfg)
        in_core = {g: in_core[g] | sending[g] for g in groups}
    pending = list(groups)
    accepted: list[tuple[Box, pl.DataFrame]] = []
    while pending:
        boxes = {}
        for g in pending:  # a cluster's background: the reference without its own
            times = behaving[g].without(~alive | in_core[g])
            cost = cfg.window_cost(fitted[g].behaviour)
            boxes[g] = weigh_box(fitted[g], times, len(groups), cfg.synchrony_alpha, cost)
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
        linked = pl.Series(list(boxes[best].linked), dtype=pl.String).implode()
        alive &= ~in_core[best] & ~accounts.is_in(linked).to_numpy()
        pending.remove(best)
    return accepted


def _fitted(
    parts: dict[int, tuple[pl.DataFrame, pl.DataFrame]],
    noise: pl.DataFrame,
    busy: pl.DataFrame,
    grouped: pl.DataFrame | None,
    each: Callable[[Callable[[int], Any]], dict[int, Any]],
) -> tuple[dict[int, Fitted], dict[int, Times]]:
    """Per cluster of ``parts`` (core, outliers): its box fitted (:func:`.fit_box`) and
    the times of the ``busy`` accounts that behave like its core (its behaviour window),
    each cluster worked out by ``each``.

    A cluster's box and the accounts alike its core depend on the cluster and the noise
    alone, never on the reference: fitted once, weighed once a round (measured on a
    1M-row log: alike() was called 558 times for 2 x 25 clusters, 40 % of this step;
    fitting the same boxes again each round, another 10 %). The behaviour is tested only
    for a core mostly outside the identifier-linked groups: a group's accounts behave
    alike and start together because they are one party (a class does its homework from
    the course's first day), so for them the behaviour is no evidence beside the times
    (fit world 22: a class's cluster with 2 accounts of a campaign became significant by
    it and took 11 more in)."""
    free = {g: mostly_ungrouped(core, grouped) for g, (core, _) in parts.items()}
    everyone = Times.of(busy)

    def fit(g: int) -> Fitted:
        core, outliers = parts[g]
        return fit_box(
            core,
            alike(core, outliers),
            alike(core, noise),
            partial(alike_mask, core) if free[g] else None,
        )

    def window(g: int) -> Times:
        return everyone.behaving(alike_mask(parts[g][0], busy)) if free[g] else everyone

    return each(fit), each(window)


def synchrony(
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    campaigns: pl.DataFrame | None = None,
    grouped: pl.DataFrame | None = None,
    wrappers: WrapperTest | None = None,
) -> pl.DataFrame:
    """Evidence rows (family ``behaviour_cluster``, :data:`.crowded.EVIDENCE_SCHEMA`)
    linking the members of every significant behavioural cluster of ``accounts`` (one
    row per account with features) to the cluster's first account.

    ``campaigns`` (account) are accounts already linked into extraction-leaning groups:
    they are not part of the ordinary background a cluster is tested against (fit world
    1017: 16 accounts of a grader campaign, started in the same days, made a 34-account
    campaign's box look common), though they may still form or join clusters.
    ``grouped`` (account, component) are all the identifier-linked groups (see
    :func:`.behaviour_groups.apart`). With ``wrappers``, accounts that are not
    extraction-heavy join a cluster when inside its box and sending its wrappers
    (:func:`.mixed.boxed_members`)."""
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
    accepted = _clustered(cand, ordinary, busy, cfg, grouped, wrappers=wrappers)
    if grouped is not None and grouped.height:
        # Again without the identifier-linked groups and the clusters found: a campaign
        # clustered with a group's accounts and an enterprise's keys, started in the same
        # days, was one loose cluster beyond no chance (report world 20: 34 accounts of
        # an identifier-free campaign in a cluster of 233 low-and-slow accounts).
        # A cluster that is mostly accounts of groups lying mostly outside it is dropped
        # by :func:`.behaviour_groups.respecting_groups`: its other accounts are not found
        # (held-out world 403: 16 accounts of an identifier-free campaign in a cluster
        # with 187 of a 1,800-account hydra, dropped, were then left out of this pass).
        accepted = _kept(accepted, grouped)
        found = _found(accepted)
        rest = cand.join(grouped, on="account", how="anti").join(found, on="account", how="anti")
        if cfg.synchrony_min_accounts <= rest.height < cand.height:
            reference = busy.join(found, on="account", how="anti")
            again = _clustered(rest, ordinary, reference, cfg, None, wrappers=wrappers)
            accepted = merged_passes(accepted, again)
    # Last, the candidates in no group and no cluster, with established accounts' signups
    # on one bound (:func:`.alike.established`; not in every pass: there it pulled an
    # established background together). Then clusters continuing one another are one.
    found = _found(accepted)
    rest = cand.join(found, on="account", how="anti")
    rest = rest if grouped is None else rest.join(grouped, on="account", how="anti")
    if rest.height >= cfg.synchrony_min_accounts:
        reference = busy.join(found, on="account", how="anti")
        aged = _clustered(rest, ordinary, reference, cfg, None, True, wrappers)
        accepted = merged_passes(accepted, aged)
    accepted = merged_within(accepted)
    if wrappers is not None and accepted:
        # every account that is not a candidate, however few its requests (the test
        # weighs what they sent): heavy ones below ``synchrony_min_requests`` too
        others = accounts.join(cand, on="account", how="anti")
        accepted = boxed_members(accepted, others, grouped, cfg, wrappers, cand)
    return _stars(without_declared_orgs(accepted, accounts))


def _found(accepted: list[tuple[Box, pl.DataFrame]]) -> pl.DataFrame:
    """(account) linked by the clusters ``accepted`` near every window of their box: the
    accounts near the chosen windows only (:attr:`.Box.relaxed`) stay candidates of the
    second pass, where with the others the first pass did not link they may make a
    cluster of their own (fit world 1034: 7 such accounts and 3 more were a second-pass
    cluster of 10)."""
    found = [sorted(set(b.linked) - set(b.relaxed)) for b, _ in accepted]
    return pl.DataFrame({"account": [a for f in found for a in f]}, schema={"account": pl.String})


def _stars(accepted: list[tuple[Box, pl.DataFrame]]) -> pl.DataFrame:
    """Evidence rows of ``accepted``: each cluster links its accounts as a star round its first."""
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
        for box, members in accepted
    ]
    if not rows:
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)
    return pl.concat(rows).sort("a", "b").select(list(EVIDENCE_SCHEMA))


def _kept(
    accepted: list[tuple[Box, pl.DataFrame]], grouped: pl.DataFrame
) -> list[tuple[Box, pl.DataFrame]]:
    """The clusters of ``accepted`` that :func:`.behaviour_groups.respecting_groups`
    keeps (a cluster mostly of accounts whose groups lie mostly outside it is dropped)."""
    if not accepted:
        return accepted
    kept = respecting_groups(_stars(accepted), grouped)
    linked = set(kept["a"].to_list()) | set(kept["b"].to_list())
    return [(box, members) for box, members in accepted if linked.intersection(box.linked)]


def _clustered(
    cand: pl.DataFrame,
    ordinary: pl.DataFrame,
    busy: pl.DataFrame,
    cfg: LinkConfig,
    grouped: pl.DataFrame | None,
    aged: bool = False,
    wrappers: WrapperTest | None = None,
) -> list[tuple[Box, pl.DataFrame]]:
    """The significant clusters of ``cand`` clustered beside ``ordinary`` (``aged``: with
    :func:`.alike.established` signups) and tested against ``busy``
    (:func:`significant_boxes`, with ``wrappers``)."""
    both = pl.concat([cand, ordinary.select(cand.columns)])
    x = vectors(established(both) if aged else both)
    labels, core = cluster(x, cfg.synchrony_min_accounts, cand.height)
    labels, core = labels[: cand.height], core[: cand.height]
    groups = sorted(set(labels[core].tolist()) - {-1})
    if not groups:
        return []
    cand = cand.with_columns(pl.Series("_cluster", labels), pl.Series("_core", core))
    return significant_boxes(cand, busy, groups, cfg, grouped, wrappers)
