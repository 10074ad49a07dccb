"""One behaviour per behavioural cluster: the core's largest group of alike accounts.

HDBSCAN clusters the candidates on their times and their behaviour together
(:mod:`.synchrony`). A campaign whose signups spread over weeks is a sparse cloud in the
time dimensions, and its core then takes in whatever else was busy in those weeks,
however differently it behaves: in report world 254, the core of a 1,300-account
low-and-slow campaign held 19 students of a class, 51 hydra accounts, 17 grader accounts
and 61 enterprise keys. Each of those groups lies 3.5 units or more (a unit: 0.1 of a
capability share, a quarter of the log token ratio, ...) from the nearest campaign
account in behaviour alone, while every campaign account is within 0.7 of another one.
The box then kept 14 of the students (they started in the campaign's days) and the class
became part of a critical incident.

So the core is cut to one behaviour: the accounts connected to each other by steps no
longer than the radius :func:`.alike.alike` uses (the 95th percentile of the core's
nearest-neighbour distances in behaviour, at least one unit), the largest such group
kept, and with it every group too small to be a cluster's core on its own (fewer than
HDBSCAN's ``min_samples``): a lone account or a pair apart is the core's fringe, often
an account of the campaign with few requests and so noisy shares (report world 271: two
of an identifier-free campaign's 39 accounts, cut, changed its box and lost it). The
groups cut become the cluster's outliers, which join only when alike the kept core (they
are not, by construction) and inside the box's margin. The groups cut on the 70 fit
worlds were other groups' accounts: students of classes, enterprise keys, accounts of
other campaigns; each group cut is then tested as a cluster of its own
(:func:`behaviours`), so a campaign cut from another party's core is not lost.

The fringe is kept for its noise, so a fringe member measured well enough to differ from
the core is cut as well (:func:`measured_apart`: a company's code-review job, no rubric
prompt in 40, in a grading campaign's core).

Big cores are cut on a fixed sample of :data:`SAMPLED` members (their radius measured
on the sample too, so a group must hold ``min_samples`` of the sample to be cut); every
other member stays unless it is within the radius of a sampled member of a group cut and
of none of the kept group. The pairs within the radius grow with the square of a dense
core, so the whole core is never enumerated.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import polars as pl

from extractscan.link.alike import MERGE_UNITS, SHARES, vectors
from extractscan.link.synchrony_box import TIMES

#: At most this many core members are connected pairwise (see the module's text).
SAMPLED = 2_000
#: The sample's seed (determinism).
SEED = 29


def main_behaviour(x: np.ndarray, least_reach: float, least_group: int) -> np.ndarray:
    """Whether each row of ``x`` (a cluster core's behaviour vectors, times left out)
    stays in the core: it belongs to the core's largest group of alike accounts, or to a
    group of fewer than ``least_group`` (see the module's text). ``least_reach`` is the
    smallest radius (units)."""
    return behaviour_groups(x, least_reach, least_group)[0]


def behaviour_groups(
    x: np.ndarray,
    least_reach: float,
    least_group: int,
    same: Callable[[np.ndarray, np.ndarray, int], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`main_behaviour`'s mask, the fringe): the rows kept, and those of them kept
    as a group too small to be a core on its own, not as the largest group's.

    With ``same``, a group large enough to be cut is kept as fringe when ``same(rows,
    main, tested)`` says it behaves as the largest group does (``rows`` and ``main``: row
    numbers of ``x``; ``tested``: how many groups are asked), e.g. :func:`within_noise`."""
    keep, fringe, _ = behaviour_split(x, least_reach, least_group, same)
    return keep, fringe


def behaviour_split(
    x: np.ndarray,
    least_reach: float,
    least_group: int,
    same: Callable[[np.ndarray, np.ndarray, int], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`behaviour_groups`' (kept, fringe) and, per row, the group cut it belongs
    to: ``-1`` for a row kept, else ``0, 1, ...`` in the order of each cut group's lowest
    row. A cut group is a behaviour of its own (at least ``least_group`` rows of the
    sample), which :mod:`.synchrony` tests as a cluster of its own."""
    from sklearn.neighbors import NearestNeighbors

    n = x.shape[0]
    if n < 3:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
    sample = np.arange(n)
    if n > SAMPLED:
        sample = np.sort(np.random.default_rng(SEED).choice(n, SAMPLED, replace=False))
    xs = x[sample]
    own = NearestNeighbors(n_neighbors=2).fit(xs).kneighbors(xs)[0][:, 1]
    reach = max(float(np.quantile(own, 0.95)), least_reach)
    labels = within_reach(xs, reach)
    sizes = np.bincount(labels)
    # the largest group (among equal sizes the one holding the lowest row: determinism)
    # and the groups too small to be a cluster's core on their own: the core's fringe
    group = labels == int(np.argmax(sizes))
    keep = group | (sizes[labels] < least_group)
    if same is not None and not keep.all():
        cut = np.unique(labels[~keep])
        for g in cut.tolist():
            if same(sample[labels == g], sample[group], cut.size):
                keep |= labels == g
    # the groups cut, numbered by their lowest row (``labels`` are, so ranks keep it)
    cut_of = np.full(xs.shape[0], -1, dtype=np.int64)
    if not keep.all():
        cut_of[~keep] = np.unique(labels[~keep], return_inverse=True)[1].ravel()
    if sample.size == n:
        return keep, keep & ~group, cut_of
    near = NearestNeighbors(n_neighbors=1).fit(xs[group]).kneighbors(x)[0][:, 0] <= reach
    # a member left out of the sample: kept when within reach of the kept group, or alone
    # (no sampled member of a left-out group within reach either); else in the group of
    # the nearest sampled member cut
    kept = near.copy()
    cut_all = np.full(n, -1, dtype=np.int64)
    left = xs[~keep]
    if left.shape[0]:
        dist, nearest = NearestNeighbors(n_neighbors=1).fit(left).kneighbors(x)
        near_left = dist[:, 0] <= reach
        kept |= ~near_left
        cut_all = np.where(kept, -1, cut_of[~keep][nearest[:, 0]])
    fringe = kept & ~near
    kept[sample], fringe[sample], cut_all[sample] = keep, keep & ~group, cut_of
    return kept, fringe, cut_all


def within_reach(x: np.ndarray, reach: float) -> np.ndarray:
    """Per row of ``x``, its group: the rows connected by steps no longer than
    ``reach``, numbered in the order of each group's lowest row (the components of the
    radius graph).

    A step is within reach when its squared distance is at most the squared reach, as
    scikit-learn's tree search compares them (so a pair exactly at the reach, such as the
    pair whose distance set it, is counted as before). Below 12 points scikit-learn
    searched by brute force, whose distances round differently; a pair exactly at the
    reach there may now count where it did not (no report changed on the 36 worlds and
    the 28.8M-row case compared, ``benchmarks/RESULTS.md``). Found by single linkage cut at
    the reach (SciPy's minimum spanning tree over the pairwise distances): the radius
    graph of a dense core holds nearly every pair, and building it was 1.3 s of the
    link stage's 16 s at 28.8M rows (15 cores of about 2,000 sampled members), against
    0.3 s this way."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    n = x.shape[0]
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    tree = linkage(pdist(x, "sqeuclidean"), method="single")
    labels = fcluster(tree, reach * reach, criterion="distance")
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    order = np.argsort(first)
    number = np.empty_like(order)
    number[order] = np.arange(order.size)
    return np.asarray(number[inverse.ravel()])


#: Family-wise error rate (over a core's members and the shares tested) of
#: :func:`measured_apart`: the chance that it cuts a member whose shares are the core's.
SHARES_ALPHA = 0.01


def measured_apart(
    shares: np.ndarray,
    measured: np.ndarray,
    keep: np.ndarray,
    fringe: np.ndarray,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Per row: whether it is in the ``fringe`` of the rows kept (``keep``) and its
    capability shares (``shares``: one column per capability, 0 to 1, over ``measured``
    prompts) differ from the kept rows' median beyond sampling noise, on any capability:
    ``|p - m| / sqrt(q (1 - q) / n)`` above the normal quantile of ``SHARES_ALPHA`` over
    the fringe's rows and the shares (two sided), ``q`` the mean of ``p`` and ``m``. The
    largest group's members are not tested: they are alike one another by the core's own
    reach, whatever their spread.

    :func:`main_behaviour` keeps a group too small to be a core on its own as the core's
    fringe: an account of the campaign with few requests, whose shares are noisy. An
    account whose shares are measured well enough to differ is not that: fit world 1016
    (CI jobs behind a cloud's egress added to the worlds), one company's code-review job,
    established and busy round the clock, stayed in the core of a grading campaign's
    cluster (no rubric prompt against the campaign's 95 %) and was linked to it."""
    from scipy.stats import norm

    rows = np.flatnonzero(keep & fringe)
    apart = np.zeros(keep.size, dtype=bool)
    if rows.size == 0 or keep.sum() < 2 or shares.shape[1] == 0:
        return apart
    p, n = shares[rows], measured[rows].astype(np.float64)[:, None]
    m = np.nanmedian(shares[keep if reference is None else reference], axis=0)[None, :]
    q = (p + m) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(p - m) / np.sqrt(q * (1 - q) / n)
    z = np.where(np.isfinite(z) & (n > 0), z, 0.0)
    bound = float(norm.isf(SHARES_ALPHA / (2 * rows.size * shares.shape[1])))
    apart[rows] = (z > bound).any(axis=1)
    return apart


#: Family-wise error rate (over the groups asked and the behaviour columns tested) of
#: :func:`within_noise`: a group of the core's own behaviour, cut by where its members'
#: noise put them, is kept unless some column differs at this rate. Measured on the fit
#: worlds' cores (``benchmarks/RESULTS.md``, "One behaviour within its noise"): groups of
#: the cluster's own campaign differed at p >= 2.4e-4 on every column, groups of other
#: parties at p <= 5.3e-8 on some column; 1e-4 over 8 columns puts the bound
#: (1.25e-5 for one group) between them, 19 times below the one and 240 above the other.
BEHAVIOUR_ALPHA = 1e-4


def within_noise(
    shares: np.ndarray,
    measured: np.ndarray,
    others: np.ndarray,
    rows: np.ndarray,
    main: np.ndarray,
    tested: int,
) -> bool:
    """Whether the core's ``rows`` behave as its largest group (``main``) does within
    the noise of what was measured: on every capability (``shares``, 0 to 1 over
    ``measured`` prompts per row) the two groups' pooled shares within binomial noise
    (two-proportion z), and on every other behaviour column (``others``: the log token
    ratio, the hour-of-day entropy, the log volume) their means within the spread of
    their members (Welch's t); neither beyond :data:`BEHAVIOUR_ALPHA` over the
    ``tested`` groups and the columns.

    The core's largest group of alike accounts is cut at the 95th percentile of its
    members' nearest-neighbour distances, which does not connect a small campaign whose
    every account measured few prompts: held-out world 2867's 22-account
    identifier-free campaign (17-48 requests per account) fell into seven groups at that
    reach, and the five accounts of one of them were cut and never linked (a 4x larger
    log, with four times the requests per account, kept them all)."""
    from scipy.stats import norm

    p_values: list[float] = []
    n1, n2 = float(measured[rows].sum()), float(measured[main].sum())
    if n1 > 0 and n2 > 0 and shares.shape[1]:
        counts = np.nan_to_num(shares) * measured[:, None]
        k1, k2 = counts[rows].sum(axis=0), counts[main].sum(axis=0)
        q = (k1 + k2) / (n1 + n2)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.abs(k1 / n1 - k2 / n2) / np.sqrt(q * (1 - q) * (1 / n1 + 1 / n2))
        z = np.where((q > 0) & (q < 1), z, 0.0)
        p_values += (2 * norm.sf(z)).tolist()
    for c in range(others.shape[1]):
        p_values.append(_welch(others[rows, c], others[main, c]))
    if not p_values:
        return True
    return min(p_values) > BEHAVIOUR_ALPHA / (tested * len(p_values))


def _welch(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided p of Welch's t for the means of ``a`` and ``b`` (two or more values
    each): 1 when neither spreads and their values are equal, 0 when they differ."""
    from scipy.stats import t

    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return 1.0 if a.mean() == b.mean() else 0.0
    stat = abs(a.mean() - b.mean()) / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    return float(2 * t.sf(stat, df))


def behaviours(
    core: pl.DataFrame, outliers: pl.DataFrame, least_group: int
) -> list[tuple[pl.DataFrame, pl.DataFrame]]:
    """A cluster's (core, outliers) with the core cut to its largest group of alike
    accounts, the rest of it among the outliers (:func:`behaviour_split`, groups of
    ``least_group`` or more cut: HDBSCAN's ``min_samples``); then each group cut, a
    behaviour of its own, as the core of a cluster of its own (its outliers the cluster's
    others). Held-out world 4195: HDBSCAN put 15 accounts of an identifier-free campaign
    in one cluster with 275 others (enterprise keys, CI jobs, a grader, a low-and-slow
    campaign); the low-and-slow accounts were kept, and the campaign, cut there and beside
    22 enterprise keys in the second pass, was tested alone only in the last pass, 14 of
    its accounts, at 26.6 nats against 26.6. As a cluster of its own in the first pass:
    all 15 at 68.2 nats against 28.5."""
    times = [c for c in TIMES if c in core.columns]
    share_cols = [c for c in SHARES if c in core.columns]
    shares = core.select(share_cols).to_numpy().astype(np.float64)
    measured = (
        core["prompts_measured"].fill_null(0).to_numpy().astype(np.float64)
        if "prompts_measured" in core.columns
        else np.zeros(core.height)
    )
    # a group cut within the noise of what its accounts measured stays (as fringe)
    same = partial(within_noise, shares, measured, vectors(core.drop(times + share_cols)))
    keep, fringe, cut = behaviour_split(vectors(core.drop(times)), MERGE_UNITS, least_group, same)
    apart = np.zeros(core.height, dtype=bool)
    if "prompts_measured" in core.columns and fringe.any():  # the fringe measured apart
        apart = measured_apart(shares, measured, keep, fringe)
        keep &= ~apart
    if keep.all():
        return [(core, outliers)]
    kept = pl.Series(keep)
    parts = [(core.filter(kept), pl.concat([outliers, core.filter(~kept)]))]
    for g in range(int(cut.max()) + 1):
        mine = cut == g
        if apart.any():
            # the fringe measured apart from the kept group joins the first group cut
            # whose median shares it is within the noise of (fit world 1008: 11 thin
            # accounts of a campaign, the fringe of 52 CI jobs, and 13 more cut)
            near = apart & ~measured_apart(shares, measured, mine | apart, apart, mine)
            mine, apart = mine | near, apart & ~near
        part = pl.Series(mine)
        parts.append((core.filter(part), pl.concat([outliers, core.filter(~part)])))
    return parts
