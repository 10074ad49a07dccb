"""Incidents over time: the per-day and per-hour series the HTML report charts.

Computed from the per-account tables of the row stage (``Aggregates.days``,
``.models``, ``.hour_counts``), the accounts table (``signup_at``, ``first_seen``) and
the co-activity bins (hour of the week), never from rows: each incident gets one value
per day of its span, 24 per hour of day and 168 per hour of the week.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import polars as pl

from extractscan.link.coactivity import CoActivity
from extractscan.model.findings import Incident, Timeline
from extractscan.streamed import streamed

#: Models charted by name per incident; the rest are summed as "other models".
MAX_MODELS = 6
#: Accounts in no incident whose hour-of-week profile makes the benign median at most
#: (the lowest account keys, a hash: a fixed, evenly spread sample; bounds the work at
#: seed scale, where the bins have about one row per request).
BENIGN_SAMPLE = 20_000
_BIN_SHIFT = 2**32  # as extractscan.features.bins: the minute is the key's low 32 bits
OTHER_MODELS = "other models"


def with_timelines(
    incidents: list[Incident],
    accounts: pl.DataFrame,
    days: pl.DataFrame,
    models: pl.DataFrame,
    hour_counts: pl.DataFrame,
    co: CoActivity | None = None,
) -> list[Incident]:
    """``incidents`` with their :class:`Timeline` (``accounts``: one row per account,
    with ``first_seen`` and, from the accounts table, ``signup_at``; ``co``: the
    co-activity bins, for the hour of the week)."""
    if not incidents:
        return incidents
    member = pl.DataFrame(
        {
            "account": [a for i in incidents for a in i.member_accounts],
            "incident": [i.id for i in incidents for _ in i.member_accounts],
        },
        schema={"account": pl.String, "incident": pl.String},
    )
    per_day = _by(days, member, ["day"], "n")
    first = _by(
        accounts.select("account", pl.col("first_seen").dt.date().alias("day")),
        member,
        ["day"],
        None,
    )
    signup = (
        _by(
            accounts.select("account", pl.col("signup_at").dt.date().alias("day")).drop_nulls(),
            member,
            ["day"],
            None,
        )
        if "signup_at" in accounts.columns
        else {}
    )
    per_model = _by(models, member, ["model", "day"], "n")
    per_hour = _by(hour_counts, member, ["hour"], "n")
    benign = _benign_hours(hour_counts, member)
    week, benign_week = _week(co, member)
    out = []
    for inc in incidents:
        span = _span(inc.first_seen.date(), inc.last_seen.date())
        req = dict(per_day.get(inc.id, []))
        fst = dict(first.get(inc.id, []))
        hrs = dict(per_hour.get(inc.id, []))
        timeline = Timeline(
            days=span,
            requests=tuple(int(req.get(d, 0)) for d in span),
            first_seen=tuple(int(fst.get(d, 0)) for d in span),
            signups=tuple(sorted((d, int(n)) for d, n in signup.get(inc.id, []))),
            hours=tuple(int(hrs.get(h, 0)) for h in range(24)),
            benign_hours=benign,
            models=_model_series(per_model.get(inc.id, []), span),
            week=week.get(inc.id, ()),
            benign_week=benign_week,
        )
        out.append(replace(inc, timeline=timeline))
    return out


def _span(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=k) for k in range((last - first).days + 1))


def _by(
    table: pl.DataFrame, member: pl.DataFrame, keys: list[str], value: str | None
) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    """Per incident: (key..., total of ``value``, or accounts when None) rows."""
    if table.is_empty() or not set(keys) <= set(table.columns):
        return {}
    agg = pl.col(value).sum() if value else pl.len()
    grouped = (
        table.join(member, on="account", how="inner")
        .group_by("incident", *keys)
        .agg(agg.alias("v"))
        .sort("incident", *keys)
    )
    out: dict[str, list[tuple]] = {}  # type: ignore[type-arg]
    for row in grouped.iter_rows():
        out.setdefault(row[0], []).append(row[1:] if len(keys) > 1 else (row[1], row[2]))
    return out


def _model_series(
    rows: list[tuple],
    span: tuple[date, ...],  # type: ignore[type-arg]
) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Requests per day per model, busiest first, the tail summed as "other models"."""
    totals: dict[str, int] = {}
    for model, _, n in rows:
        totals[model] = totals.get(model, 0) + int(n)
    ranked = sorted(totals, key=lambda m: (-totals[m], m))
    named = ranked[:MAX_MODELS] if len(ranked) <= MAX_MODELS else ranked[: MAX_MODELS - 1]
    index = {d: k for k, d in enumerate(span)}
    series = {m: [0] * len(span) for m in named}
    other = [0] * len(span)
    for model, day, n in rows:
        k = index.get(day)
        if k is None:
            continue
        (series[model] if model in series else other)[k] += int(n)
    out = [(m, tuple(series[m])) for m in named]
    if any(other):
        out.append((OTHER_MODELS, tuple(other)))
    return tuple(out)


def _benign_hours(hour_counts: pl.DataFrame, member: pl.DataFrame) -> tuple[float, ...]:
    """Per hour of day, the median over accounts in no incident of the share of their
    requests in that hour (an hour an account never used counts as 0): the median of
    each hour's nonzero shares and the zeros of the other accounts
    (:func:`_median_with_zeros`), without a row per account and hour (at 28.8M rows the
    scoring stage 0.3-0.5 s shorter; the same report)."""
    if hour_counts.is_empty():
        return ()
    outside = hour_counts.join(member, on="account", how="anti")
    if outside.is_empty():
        return ()
    accounts = outside["account"].n_unique()
    shares = (
        outside.with_columns((pl.col("n") / pl.col("n").sum().over("account")).alias("share"))
        .group_by(pl.col("hour").cast(pl.Int8))
        .agg(pl.col("share").sort())
    )
    nonzero = {int(h): v for h, v in shares.iter_rows()}
    return tuple(round(_median_with_zeros(nonzero.get(h, []), accounts), 6) for h in range(24))


def _hour_of_week(co: CoActivity) -> pl.Expr:
    """Monday 00 UTC = 0 ... Sunday 23 = 167, from a bin key's minute (1970-01-01, the
    epoch's day 0, was a Thursday)."""
    minute = (pl.col("bkey") % _BIN_SHIFT).cast(pl.Int64) + co.origin
    return (((minute // 1440 + 3) % 7) * 24 + (minute // 60) % 24).alias("how")


def _week(
    co: CoActivity | None, member: pl.DataFrame
) -> tuple[dict[str, tuple[int, ...]], tuple[float, ...]]:
    """Per incident, active slots per hour of the week; and the benign median share."""
    if co is None or co.names is None or co.bins.is_empty() or "aid" not in co.bins.columns:
        return {}, ()
    names = co.names.select("aid", "account")
    keys = names.join(member, on="account", how="inner").select("aid", "incident")
    how = _hour_of_week(co)
    # The bins (about one per request) grouped on the streaming engine by the incidents'
    # numbers, their ids put back after: measured at 28.8M rows (28.6M bins), 0.4 s
    # instead of 1.4 s grouping by the id text eagerly.
    number = keys.select("incident").unique().sort("incident").with_row_index("k")
    per = streamed(
        co.bins.lazy()
        .join(keys.join(number, on="incident").select("aid", "k").lazy(), on="aid", how="inner")
        .group_by("k", how)
        .agg(pl.len().alias("n"))
    ).join(number, on="k")
    week: dict[str, list[int]] = {}
    for inc, h, n in per.select("incident", "how", "n").iter_rows():
        week.setdefault(inc, [0] * 168)[h] = int(n)
    sample = names.join(keys, on="aid", how="anti").sort("aid").head(BENIGN_SAMPLE)
    slots = streamed(
        co.bins.lazy()
        .join(sample.select("aid").lazy(), on="aid", how="semi")
        .group_by("aid", how)
        .agg(pl.len().alias("n"))
    )
    accounts = slots["aid"].n_unique()
    if not accounts:
        return {k: tuple(v) for k, v in week.items()}, ()
    shares = (
        slots.with_columns((pl.col("n") / pl.col("n").sum().over("aid")).alias("share"))
        .group_by("how")
        .agg(pl.col("share").sort())
    )
    nonzero = {int(h): v for h, v in shares.iter_rows()}
    benign = tuple(round(_median_with_zeros(nonzero.get(h, []), accounts), 6) for h in range(168))
    return {k: tuple(v) for k, v in week.items()}, benign


def _median_with_zeros(ascending: list[float], n: int) -> float:
    """The median of ``n`` values: ``ascending`` (sorted) and ``n - len(ascending)``
    zeros (the accounts never active in that hour)."""
    zeros = n - len(ascending)

    def at(i: int) -> float:
        return 0.0 if i < zeros else float(ascending[i - zeros])

    return (at((n - 1) // 2) + at(n // 2)) / 2
