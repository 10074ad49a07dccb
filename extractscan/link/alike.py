"""Behaviour vectors and likeness (:mod:`.synchrony`): the units in which accounts are
alike, which accounts behave like a cluster's core, and which clusters of two passes
are one."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from extractscan.link.synchrony_box import TIMES, Box, adjacent, hours
from extractscan.model.look_alikes import ESTABLISHED_DAYS

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
#: Distance given to a missing value (accounts without it are alike in it, far from others).
MISSING = -1e4


def vectors(frame: pl.DataFrame) -> np.ndarray:
    """Per account (row of ``frame``): times and behaviour in units (see the constants)."""
    cols: list[pl.Expr] = []
    for c, unit in TIMES.items():
        if c in frame.columns:
            cols.append(hours(c) / unit)
    cols += [pl.col(c) / SHARE_UNIT for c in SHARES if c in frame.columns]
    if "token_ratio" in frame.columns:
        cols.append(pl.col("token_ratio").clip(lower_bound=1e-3).log() / RATIO_UNIT)
    if "hour_entropy" in frame.columns:
        cols.append(pl.col("hour_entropy") / ENTROPY_UNIT)
    cols.append(pl.col("exchanges").cast(pl.Float64).log() / VOLUME_UNIT)
    x = frame.select(e.alias(f"x{i}") for i, e in enumerate(cols)).to_numpy().astype(np.float64)
    return np.where(np.isfinite(x), x, MISSING)


def alike(core: pl.DataFrame, noise: pl.DataFrame) -> pl.DataFrame:
    """The candidates of ``noise`` (unclustered, or a cluster's outliers) that behave like
    ``core`` (a cluster's core): their behaviour (times left out: the box tests those) is
    as close to some core member as 95 % of the core's members are to their nearest other
    member (at least :data:`MERGE_UNITS`). Inside a big campaign's box, an account of a
    class started in the same days was linked for its times alone (fit world 1029), and an
    outlier of a 10,105-account cluster with a third of the core's extraction share joined
    a critical incident (report world 35)."""
    if noise.is_empty() or core.height < 2:
        return noise
    return noise.filter(pl.Series(alike_mask(core, noise)))


def alike_mask(core: pl.DataFrame, frame: pl.DataFrame) -> np.ndarray:
    """Per row of ``frame``: whether its behaviour is as close to some member of
    ``core`` as 95 % of the core's members are to their nearest other member (at least
    :data:`MERGE_UNITS`), times left out (:func:`alike`); the core's own rows are."""
    from sklearn.neighbors import NearestNeighbors

    if frame.is_empty():
        return np.zeros(0, dtype=bool)
    if core.height < 2:
        return np.zeros(frame.height, dtype=bool)
    times = [c for c in TIMES if c in core.columns]
    xc, xn = vectors(core.drop(times)), vectors(frame.drop(times, strict=False))
    nn = NearestNeighbors(n_neighbors=2).fit(xc)
    own = nn.kneighbors(xc)[0][:, 1]  # each core member's nearest other member
    reach = max(float(np.quantile(own, 0.95)), MERGE_UNITS)
    return np.asarray(nn.kneighbors(xn, n_neighbors=1)[0][:, 0] <= reach)


def established(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every signup older than ``ESTABLISHED_DAYS`` before its earliest
    ``first_seen`` (the log's first day: the ordinary background clustered beside the
    candidates starts there) set to that bound: for clustering, an account
    created that long before says nothing by its creation time (it may have been
    bought). Identifier-free campaigns on accounts created over 100-700 days were spread
    that far in the signup coordinate and in no cluster of their own (report worlds
    2336, 2358 and 2360: 29, 259 and 108 accounts started within hours, missed)."""
    if "signup_at" not in frame.columns or "first_seen" not in frame.columns:
        return frame
    start = frame["first_seen"].min()
    if start is None:
        return frame
    bound = start - timedelta(days=ESTABLISHED_DAYS)  # type: ignore[operator]
    return frame.with_columns(
        pl.when(pl.col("signup_at") < bound)
        .then(pl.lit(bound).cast(frame.schema["signup_at"]))
        .otherwise(pl.col("signup_at"))
        .alias("signup_at")
    )


def merged_passes(
    first: list[tuple[Box, pl.DataFrame]], second: list[tuple[Box, pl.DataFrame]]
) -> list[tuple[Box, pl.DataFrame]]:
    """The clusters of both passes, a second-pass cluster that continues a first-pass one
    merged into it: most of its core behaves like that cluster's core (:func:`alike`) and
    each of its windows starts or ends within one width of that cluster's window. The
    second pass found the fringe of big campaigns beyond their first box, as up to four
    more incidents (report world 19: 2,867 identifier-free accounts in five)."""
    out = list(first)
    for box2, core2 in second:
        for i, (box1, core1) in enumerate(out[: len(first)]):
            if alike(core1, core2).height * 2 < core2.height:
                continue
            common = set(box1.windows) & set(box2.windows)
            if not common or not all(adjacent(box1.windows[c], box2.windows[c]) for c in common):
                continue
            windows = {
                c: (min(w[0], box2.windows.get(c, w)[0]), max(w[1], box2.windows.get(c, w)[1]))
                for c, w in box1.windows.items()
            }
            # linked near every window by either box: not relaxed in the merged one
            strict = (set(box1.linked) - set(box1.relaxed)) | (set(box2.linked) - set(box2.relaxed))
            box = Box(
                tuple(sorted({*box1.members, *box2.members})),
                tuple(sorted({*box1.linked, *box2.linked})),
                box1.size + box2.size,
                windows,
                box1.background,
                box1.p,
                box1.nats,
                box1.threshold,
                box1.chosen,
                tuple(sorted({*box1.relaxed, *box2.relaxed} - strict)),
            )
            out[i] = (box, pl.concat([core1, core2.select(core1.columns)]))
            break
        else:
            out.append((box2, core2))
    return out


def merged_within(accepted: list[tuple[Box, pl.DataFrame]]) -> list[tuple[Box, pl.DataFrame]]:
    """``accepted`` with every cluster that continues an earlier one (as
    :func:`merged_passes` asks) merged into it, whichever pass found them: a campaign on
    accounts bought over half a year is a sparse cloud in the signup coordinate, and one
    pass found it as two clusters, 44 and 20 of its accounts created in adjacent
    months, the same behaviour, started and moved to the newest model in the same hours
    (held-out world 2921: a 131-account campaign in two incidents)."""
    out: list[tuple[Box, pl.DataFrame]] = []
    for cluster in accepted:
        out = merged_passes(out, [cluster])
    return out
