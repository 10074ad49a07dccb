"""Incident timelines on tiny tables: exact per-day, per-hour and per-week values."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from extractscan.assess.timeline import _median_with_zeros, with_timelines
from extractscan.link.coactivity import CoActivity
from extractscan.model.findings import Incident

D = [date(2026, 4, 22), date(2026, 4, 23), date(2026, 4, 24)]


def _incident() -> Incident:
    t0 = datetime(2026, 4, 22, 10, tzinfo=UTC)
    return Incident(
        "INC-1", 1, 0.9, "high", 2, 6, None, t0, datetime(2026, 4, 24, 9, tzinfo=UTC),
        (), (), (), (), (), ("a", "b"),
    )  # fmt: skip


def test_timeline_exact() -> None:
    utc = pl.Datetime("us", "UTC")
    accounts = pl.DataFrame(
        {
            "account": ["a", "b", "x", "y", "z"],
            "first_seen": [
                datetime(2026, 4, 22, 10, tzinfo=UTC),
                datetime(2026, 4, 24, 1, tzinfo=UTC),
            ]
            + [None] * 3,
            "signup_at": [
                datetime(2026, 4, 20, 3, tzinfo=UTC),
                datetime(2026, 4, 20, 9, tzinfo=UTC),
            ]
            + [None] * 3,
        },
        schema={"account": pl.String, "first_seen": utc, "signup_at": utc},
    )
    days = pl.DataFrame(
        {"account": ["a", "a", "b", "x"], "day": [D[0], D[2], D[0], D[0]], "n": [3, 2, 1, 5]}
    )
    models = pl.DataFrame(
        {
            "account": ["a", "a", "b"],
            "model": ["m2", "m1", "m1"],
            "day": [D[2], D[0], D[0]],
            "n": [2, 3, 1],
        }
    )
    hours = pl.DataFrame(
        {
            "account": ["a", "a", "b", "x", "y", "y", "z"],
            "hour": [1, 5, 1, 9, 9, 10, 10],
            "n": [3, 2, 1, 4, 1, 1, 2],
        },
        schema={"account": pl.String, "hour": pl.Int8, "n": pl.UInt32},
    )
    mon = datetime(2026, 4, 20, tzinfo=UTC)  # a Monday, 00:00 UTC
    bins = pl.DataFrame(
        {
            "account": ["a", "a", "b", "x", "y"],
            "tkey": [1, 1, 1, 2, 2],
            "minute_bin": [mon, mon.replace(day=21, hour=1), mon, mon, mon.replace(hour=1)],
        },
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": utc},
    )
    co = CoActivity(bins, pl.DataFrame({"tkey": [1, 2], "template": ["t", "u"]}), 5)
    (inc,) = with_timelines([_incident()], accounts, days, models, hours, co=co)
    t = inc.timeline
    assert t is not None
    assert t.days == tuple(D) and t.requests == (4, 0, 2) and t.first_seen == (1, 0, 1)
    assert t.signups == ((date(2026, 4, 20), 2),)
    assert t.hours == tuple(4 if h == 1 else 2 if h == 5 else 0 for h in range(24))
    # shares outside: x {9: 1}, y {9: .5, 10: .5}, z {10: 1} -> medians .5 and .5
    assert t.benign_hours == tuple(0.5 if h in (9, 10) else 0.0 for h in range(24))
    assert t.models == (("m1", (4, 0, 0)), ("m2", (0, 0, 2)))
    # a: Mon 00 and Tue 01; b: Mon 00 -> hours of the week 0 and 25
    assert t.week == tuple(2 if h == 0 else 1 if h == 25 else 0 for h in range(168))
    # outside: x Mon 00, y Mon 01 (z has no bins): medians of (1, 0) are .5
    assert t.benign_week == tuple(0.5 if h in (0, 1) else 0.0 for h in range(168))


def test_median_counts_the_hours_never_active_as_zeros() -> None:
    assert _median_with_zeros([0.2, 0.4], 5) == 0.0
    assert _median_with_zeros([0.2, 0.4, 0.6], 5) == 0.2
    assert _median_with_zeros([0.2, 0.4], 4) == 0.1
    assert abs(_median_with_zeros([0.2, 0.4], 2) - 0.3) < 1e-12


def test_benign_hours_is_the_median_over_every_account_and_hour() -> None:
    # against the grid it replaced: a row per (account, hour), 0 where never active
    import random

    from extractscan.assess.timeline import _benign_hours

    rng = random.Random(5)
    rows = [
        (f"a{i:03d}", h, rng.randint(1, 9))
        for i in range(201)
        for h in rng.sample(range(24), rng.randint(1, 24))
    ]
    counts = pl.DataFrame(
        rows, schema={"account": pl.String, "hour": pl.Int8, "n": pl.UInt32}, orient="row"
    )
    member = pl.DataFrame({"account": ["a000", "a001"], "incident": ["INC-1", "INC-1"]})
    outside = counts.join(member, on="account", how="anti")
    grid = (
        outside.select("account")
        .unique()
        .join(pl.DataFrame({"hour": list(range(24))}, schema={"hour": pl.Int8}), how="cross")
    )
    shares = outside.with_columns((pl.col("n") / pl.col("n").sum().over("account")).alias("s"))
    full = grid.join(shares, on=["account", "hour"], how="left").fill_null(0.0)
    want = full.group_by("hour").agg(pl.col("s").median()).sort("hour")["s"]
    got = _benign_hours(counts, member)
    assert got == tuple(round(float(v), 6) for v in want)
    assert len(got) == 24 and any(v > 0 for v in got)
