"""The synchrony box of a behavioural cluster and its test against the background
(:mod:`.synchrony`, step 2): the central 90 % of its members' signup, first-request and
newest-model times, and how unlikely so many accounts inside it are by chance."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

#: Synchrony times and the span that counts as "together" (the clustering's unit, hours).
TIMES: dict[str, float] = {"signup_at": 24.0, "first_seen": 6.0, "newest_model_at": 3.0}
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
#: What choosing a window costs, in ``ln N`` (``N`` the accounts tested): 2 pays for
#: every pair of its bounds (``N^2``). Its bounds are the core's quantiles, fixed by where
#: the window starts once the core's size is, so ``N`` would do for the choice alone; but
#: the core was picked on these same times, and ordinary accounts are not spread as the
#: null has them (every account active before the log starts on its first day, a class
#: is created in one day). Measured at 1 (RESULTS.md "Generalization"): held-out 484's
#: and 490's identifier-free campaigns of 16 and 18 accounts found, nothing changed on
#: the fit worlds, but 13 accounts created within a day and started on the log's first
#: day became beyond chance by their times alone (tests/test_synchrony.py), the shape of
#: a class; 2 kept for a cluster of identifier-linked accounts (a class is one party). The
#: config's ``synchrony_window_cost`` (this value by default); a cluster mostly outside
#: the groups pays ``synchrony_free_window_cost`` (1: LinkConfig.window_cost).
WINDOW_COST = 2.0
#: The behaviour "window": an account is inside it when it behaves like the cluster's
#: core (:func:`.alike.alike_mask`), tested as one more window with the times.
BEHAVIOUR = "behaviour"


def hours(col: str) -> pl.Expr:
    """A time column as hours since the epoch (null stays null)."""
    return pl.col(col).dt.epoch("us").cast(pl.Float64) / 3.6e9


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
        chosen: the windows of the most significant test (times, and
            :data:`BEHAVIOUR` when the accounts' behaviour was part of it).
        relaxed: the accounts of ``linked`` near the chosen windows only, outside
            another window's margin (:func:`_linked`), sorted.
    """

    members: tuple[str, ...]
    linked: tuple[str, ...]
    size: int
    windows: dict[str, tuple[float, float]]
    background: int
    p: float
    nats: float
    threshold: float
    chosen: tuple[str, ...] = ()
    relaxed: tuple[str, ...] = ()

    @property
    def significant(self) -> bool:
        """Whether the box is beyond chance."""
        return self.nats >= self.threshold


@dataclass(frozen=True)
class Times:
    """Accounts' synchrony times in hours (NaN where missing): what a box test counts,
    taken out of a frame once and counted with NumPy (comparisons with NaN are false,
    as a missing time is outside every window)."""

    hours: dict[str, np.ndarray]
    n: int

    @classmethod
    def of(cls, frame: pl.DataFrame) -> Times:
        """The times of ``frame``'s accounts (:func:`hours`, the same floats)."""
        cols = [c for c in TIMES if c in frame.columns]
        got = frame.select(hours(c) for c in cols) if cols else pl.DataFrame()
        return cls({c: got[c].to_numpy().astype(np.float64) for c in cols}, frame.height)

    def without(self, drop: np.ndarray) -> Times:
        """These times without the accounts ``drop`` marks."""
        keep = ~drop
        return Times({c: x[keep] for c, x in self.hours.items()}, int(keep.sum()))

    def behaving(self, alike: np.ndarray) -> Times:
        """These times with the :data:`BEHAVIOUR` window's flag: 1 for the accounts
        ``alike`` marks, 0 for the others (inside the window ``(1, 1)`` or not)."""
        return Times({**self.hours, BEHAVIOUR: alike.astype(np.float64)}, self.n)


@dataclass(frozen=True)
class Fitted:
    """A cluster's box before its test: what depends on the cluster alone (its windows,
    the accounts it boxes and links, how many of its core are inside each combination
    of windows), fitted once however many rounds test it (:func:`weigh_box`).

    Attributes:
        boxed: core accounts inside every window, sorted.
        linked: accounts the box links (:data:`LINK_MARGIN`), sorted.
        size: accounts in the core.
        windows: per time column: (start, end) of the box.
        own: the :func:`_inside_counts` of the core, its outliers and the unclustered
            accounts it links (the cluster's side, never the background's).
        counted: the accounts counted in ``own``, sorted.
        behaviour: whether :data:`BEHAVIOUR` is tested with the times.
        near: (account, windows) of the core and outlier accounts outside the margin of
            some window: the bit mask (as :func:`_inside_counts`'s) of the windows whose
            margin they are inside; linked when the test's chosen windows are among
            them (:func:`weigh_box`).
    """

    boxed: tuple[str, ...]
    linked: tuple[str, ...]
    size: int
    windows: dict[str, tuple[float, float]]
    own: tuple[dict[int, int], dict[str, int]]
    counted: tuple[str, ...]
    behaviour: bool = False
    near: tuple[tuple[str, int], ...] = ()

    @property
    def tested(self) -> dict[str, tuple[float, float]]:
        """The windows the test chooses from: the times', and :data:`BEHAVIOUR`'s."""
        return {**self.windows, BEHAVIOUR: (1.0, 1.0)} if self.behaviour else self.windows


def box_test(
    members: pl.DataFrame,
    background: pl.DataFrame,
    tested: int,
    alpha: float,
    outliers: pl.DataFrame | None = None,
    unclustered: pl.DataFrame | None = None,
    alike: Callable[[pl.DataFrame], np.ndarray] | None = None,
    cost: float = WINDOW_COST,
) -> Box:
    """The synchrony box of ``members`` (a cluster's core) and its test against
    ``background`` (the other accounts with as many requests); ``tested`` clusters share
    the family-wise ``alpha``. The box links the members, ``outliers`` (the cluster's
    other accounts) and ``unclustered`` candidates (noise to HDBSCAN: a campaign's fringe
    of less typical behaviour) within its margin (:data:`LINK_MARGIN`); a member or an
    outlier without one of the times may be linked, an unclustered account may not.
    With ``alike`` (which rows of a frame behave like ``members``), the behaviour is
    tested as one more window. :func:`fit_box` then :func:`weigh_box`."""
    box = fit_box(members, outliers, unclustered, alike)
    times = Times.of(background)
    if alike is not None:
        times = times.behaving(alike(background))
    return weigh_box(box, times, tested, alpha, cost)


def fit_box(
    members: pl.DataFrame,
    outliers: pl.DataFrame | None = None,
    unclustered: pl.DataFrame | None = None,
    alike: Callable[[pl.DataFrame], np.ndarray] | None = None,
) -> Fitted:
    """The box of ``members`` (a cluster's core) and the accounts it links (see
    :func:`box_test`); with ``alike``, the behaviour is one more window of its test."""
    windows: dict[str, tuple[float, float]] = {}
    inside = pl.lit(True)
    near = pl.lit(True)
    nears: dict[str, pl.Expr] = {}
    for c in TIMES:
        if c not in members.columns:
            continue
        t = members.select(hours(c))[c]
        if t.count() == 0 or t.count() < MIN_MEASURED * members.height:
            continue  # (no core, or too few of it measured: no window)
        lo, hi = BOX_QUANTILES
        windows[c] = (float(t.quantile(lo, "lower")), float(t.quantile(hi, "higher")))  # type: ignore[arg-type]
        inside = inside & hours(c).is_between(*windows[c]).fill_null(False)
        margin = min(LINK_MARGIN * (windows[c][1] - windows[c][0]), TIMES[c])
        nears[c] = hours(c).is_between(windows[c][0] - margin, windows[c][1] + margin)
        near = near & nears[c]
    boxed = tuple(members.filter(inside)["account"].sort().to_list()) if windows else ()
    ours = pl.concat([members, *([outliers] if outliers is not None else [])], how="diagonal")
    # the cluster's own accounts outside some window's margin, and the windows they are
    # near (a missing time is near): linked if the test chooses only those windows
    outside = None
    if nears:
        names = sorted(nears)
        mask = pl.sum_horizontal(
            nears[c].fill_null(True).cast(pl.Int64) * (1 << i) for i, c in enumerate(names)
        )
        outside = ours.filter(~near.fill_null(True)).select("account", mask.alias("m"))
    found = [ours.filter(near.fill_null(True))]
    if unclustered is not None:
        found.append(unclustered.filter(near.fill_null(False)))
    # The cluster's side of the test: its core, its outliers and the unclustered
    # accounts the box links. Its fringe left in the background made the box common
    # (held-out world 400: 3 accounts of a 25-account campaign outside the core raised
    # the chance 40-fold; world 371: 3 outliers just outside the margin of one window).
    linked = tuple(pl.concat([f["account"] for f in found]).unique().sort().to_list())
    counted = pl.concat([ours, *found[1:]], how="diagonal").unique("account")
    ids = tuple(counted["account"].sort().to_list())
    near_of = tuple(outside.sort("account").iter_rows()) if outside is not None else ()
    fitted = Fitted(
        boxed, linked, members.height, windows, ({}, {}), ids, alike is not None, near_of
    )
    if not windows or not boxed:
        return fitted
    times = Times.of(counted)
    if alike is not None:
        times = times.behaving(alike(counted))
    return replace(fitted, own=_inside_counts(times, fitted.tested))


def weigh_box(
    box: Fitted, background: Times, tested: int, alpha: float, cost: float = WINDOW_COST
) -> Box:
    """The test of a fitted box against ``background`` (the times of the other accounts
    with as many requests): every subset of its windows is tested
    (:func:`_window_test`), the most significant kept."""
    n_bg = background.n
    if not box.windows or not box.boxed:
        return Box(box.boxed, box.linked, box.size, box.windows, n_bg, 1.0, 0.0, math.inf)
    windows = box.tested
    subsets = [
        s for r in range(1, len(windows) + 1) for s in itertools.combinations(sorted(windows), r)
    ]
    bg = _inside_counts(background, windows)
    best: tuple[float, float, float, tuple[str, ...]] = (1.0, 0.0, math.inf, ())
    for chosen in subsets:
        p, nats, threshold = _window_test(
            box.own, bg, len(box.counted), n_bg, chosen, tested * len(subsets), alpha, cost
        )
        if nats - threshold > best[1] - best[2]:
            best = (p, nats, threshold, chosen)
    linked = _linked(box, best[3])
    relaxed = tuple(sorted(set(linked) - set(box.linked)))
    return Box(box.boxed, linked, box.size, box.windows, n_bg, *best, relaxed)


def _linked(box: Fitted, chosen: tuple[str, ...]) -> tuple[str, ...]:
    """The accounts a box links once its test chose the windows ``chosen``: those near
    every window (``box.linked``), and the cluster's own accounts near the chosen time
    windows though outside another's margin. Held-out world 2083: an identifier-free
    campaign of 33 accounts switched to the newest model over 11 hours; its box's
    newest-model window (the central 90 % of its core's, 4.3 hours, plus 2.2) left 8 of
    it out, though the test chose the signup, first-request and behaviour windows alone.
    Unclustered accounts must still be near every window (a behaviour cluster's own
    accounts are alike already; the noise is everyone else). No time window chosen: no
    account beyond ``box.linked``."""
    names = sorted(box.windows)
    need = sum(1 << i for i, c in enumerate(names) if c in chosen)
    if not need or not box.near:
        return box.linked
    more = [a for a, m in box.near if m & need == need]
    return tuple(sorted({*box.linked, *more})) if more else box.linked


def _inside_counts(
    times: Times, windows: dict[str, tuple[float, float]]
) -> tuple[dict[int, int], dict[str, int]]:
    """The accounts of ``times`` per combination of the windows they are inside (bit
    ``i`` for the ``i``-th window in name order; a missing time is outside), and per
    window the accounts with that time: every count a subset's test needs, counted once
    (counting them per subset on the frames made most of the linking stage's time)."""
    names = sorted(windows)
    mask = np.zeros(times.n, dtype=np.int64)
    for i, c in enumerate(names):
        x = times.hours[c]
        a, b = windows[c]
        mask |= ((x >= a) & (x <= b)).astype(np.int64) << i
    per = np.bincount(mask, minlength=1 << len(names))
    return (
        {m: int(n) for m, n in enumerate(per.tolist()) if n},
        {c: int(np.count_nonzero(~np.isnan(times.hours[c]))) for c in names},
    )


def _within(counts: dict[int, int], need: int) -> int:
    """Accounts inside every window of the bit mask ``need`` (0: every account)."""
    return sum(n for m, n in counts.items() if m & need == need)


def _window_test(
    own: tuple[dict[int, int], dict[str, int]],
    bg: tuple[dict[int, int], dict[str, int]],
    size: int,
    n_bg: int,
    chosen: tuple[str, ...],
    tested: int,
    alpha: float,
    cost: float = WINDOW_COST,
) -> tuple[float, float, float]:
    """(p, nats, threshold) of the box made of the windows ``chosen`` (a subset of a
    cluster's times, in name order), from the :func:`_inside_counts` of the cluster's
    core (``own``, ``size`` accounts) and of the background (``bg``, ``n_bg``).

    Every subset of the times is tested, the choice paid for in ``tested``: a time that
    leaves no ordinary account out of the box only costs its correction (``cost`` times
    ``ln N`` a window, see :data:`WINDOW_COST`), and a small campaign whose signup and
    first-request windows hold no ordinary account at all was below the bound of all
    three times (report world 28: 18 accounts, 34.9 nats against 46.8)."""
    names = sorted({*own[1], *bg[1]})
    bit = {c: 1 << i for i, c in enumerate(names)}
    # per window: the share of all the accounts (the cluster's too) with that time inside
    # it, i.e. the chance under the permutation null, each time shuffled between accounts
    share = {
        c: (_within(own[0], bit[c]) + _within(bg[0], bit[c])) / max(own[1][c] + bg[1][c], 1)
        for c in chosen
    }
    # What correlates among ordinary accounts (busy accounts start early and meet a new
    # model early) is kept by the share of the background inside all the windows but one
    # (smoothed: none inside is not a chance of zero) times the share inside that one;
    # smoothing the whole box instead put a floor of 1/N under every small cluster.
    p = math.prod(share.values())
    for c in chosen:
        rest = sum(bit[d] for d in chosen if d != c)
        joint = (_within(bg[0], rest) + 1) / (n_bg + 1)
        p = max(p, joint * share[c])
    every = sum(bit[c] for c in chosen)
    bg_inside = _within(bg[0], every)
    p = min(1.0, max(p, bg_inside / max(n_bg, 1)))
    k = _within(own[0], every) + bg_inside
    total = n_bg + size
    nats = _surprise(total, k, p)
    threshold = math.log(max(tested, 1) / alpha) + cost * len(chosen) * math.log(max(total, 2))
    return p, nats, threshold


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
    the core on the newest model within its span, the shared behaviour and the bound
    (saying when the behaviour was tested with the times).

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
        share = members.select(hours("newest_model_at").is_between(a, b).mean()).item()
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
    tested = " of these times and behaviour" if BEHAVIOUR in box.chosen else ""
    chance = (
        f"chance among {box.background:,} other accounts{tested} 1e-{box.nats / math.log(10):.0f}"
    )
    return "; ".join([head, behaviour, inside, chance])


def adjacent(one: tuple[float, float], other: tuple[float, float]) -> bool:
    """Whether ``other`` meets ``one`` widened by its width on each side."""
    width = one[1] - one[0]
    return other[0] <= one[1] + width and other[1] >= one[0] - width
