"""Coordination signals on tiny groups, exact values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

import polars as pl

from extractscan.assess import coordination as co


def _t(day: int) -> datetime:
    return datetime(2026, 4, day, tzinfo=UTC)


def test_payload_diversity() -> None:
    t = pl.DataFrame({"n": [10, 10], "distinct": [10, 2]})
    assert co.payload_diversity(t) == 0.6
    assert co.payload_diversity(pl.DataFrame({"n": []})) is None


def test_regrowth_counts_joiners_after_first_quit() -> None:
    a = pl.DataFrame(
        {
            "first_seen": [_t(1), _t(1), _t(6), _t(8)],
            "last_seen": [_t(4), _t(10), _t(10), _t(10)],
        }
    )
    assert co.regrowth(a) == 0.5  # two of four joined after the first went quiet on day 4
    assert co.regrowth(a.head(2).with_columns(pl.lit(_t(10)).alias("last_seen"))) == 0.0


def test_newest_model_and_pivots() -> None:
    m = pl.DataFrame(
        {
            "account": ["p", "p", "p", "q", "q", "q"],
            "model": ["old", "new", "new", "old", "old", "new"],
            "day": [
                date(2026, 4, 1),
                date(2026, 4, 5),
                date(2026, 4, 6),
                date(2026, 4, 1),
                date(2026, 4, 6),
                date(2026, 4, 9),
            ],
            "n": [10, 5, 20, 10, 30, 1],
        }
    )
    newest = co.newest_model(m)
    assert newest == co.NewestModel("new", date(2026, 4, 5))
    piv = co.pivoted(m, newest).sort("account")
    assert piv.rows() == [("p", True), ("q", False)]
    assert co.pivot_share(["p", "q"], piv) == 0.5
    assert co.newest_model(m.filter(pl.col("model") == "old")) is None


def test_limit_hugging() -> None:
    a = pl.DataFrame({"peak_rpm": [59, 60, 58, 12]})
    assert co.limit_hugging(a) == 0.75
    assert co.limit_hugging(pl.DataFrame({"peak_rpm": [2, 3]})) == 0.0


def test_member_rows_on_integer_keys_match_account_texts() -> None:
    from extractscan.assess.incidents import _member_rows
    from extractscan.features.behaviour import account_key

    templates = pl.DataFrame(
        {"account": ["u1", "u2", "u3", "u3"], "tkey": [1, 1, 2, 3], "n": [5, 4, 3, 2]},
        schema={"account": pl.String, "tkey": pl.UInt64, "n": pl.Int64},
    )
    keyed = templates.with_columns(account_key(pl.col("account")).alias("aid"))
    comps = pl.DataFrame({"account": ["u1", "u3", "u9"], "component": [0, 0, 1]})
    cases: list[tuple[Literal["inner", "anti"], list[tuple[object, ...]]]] = [
        ("inner", [("u1", 1, 0), ("u3", 2, 0), ("u3", 3, 0)]),
        ("anti", [("u2", 1)]),
    ]
    for how, want in cases:
        cols = ["account", "tkey", "component"] if how == "inner" else ["account", "tkey"]
        by_text = _member_rows(templates.lazy(), comps.lazy(), how).select(cols).sort(cols)
        by_key = _member_rows(keyed.lazy(), comps.lazy(), how).select(cols).sort(cols)
        assert by_text.collect().rows() == want
        assert by_key.collect().rows() == want


def test_member_templates_sum_each_components_templates_and_leave_the_rest() -> None:
    from extractscan.assess.incidents import _member_templates, _outside_diversity
    from extractscan.features.behaviour import account_key

    templates = pl.DataFrame(
        {
            "account": ["u1", "u2", "u3", "u3", "u4", "u5"],
            "tkey": [1, 1, 1, 2, 2, 3],
            "n": [5, 4, 3, 2, 10, 6],
            "distinct": [5, 1, 3, 1, 2, 6],
            "example": [50, 40, 30, 20, 10, 60],
        },
        schema_overrides={"tkey": pl.UInt64, "n": pl.UInt32, "distinct": pl.UInt32},
    )
    comps = pl.DataFrame({"account": ["u1", "u3", "u4", "u9"], "component": [0, 0, 1, 1]})
    texts = pl.DataFrame(
        {"tkey": [1, 2], "template": ["solve #", "grade #"]}, schema_overrides={"tkey": pl.UInt64}
    )
    want = [
        (0, 1, 8, 30, 8, "solve #"),  # u1 and u3 on template 1
        (0, 2, 2, 20, 1, "grade #"),
        (1, 2, 10, 10, 2, "grade #"),  # u4 alone
    ]
    cols = ["component", "tkey", "n", "example", "distinct", "template"]
    for rows in (templates, templates.with_columns(account_key(pl.col("account")).alias("aid"))):
        got = _member_templates(rows, comps, texts)
        assert got.select(cols).sort("component", "tkey").rows() == want
        # outside every component: u2 (4 requests, 1 distinct) and u5 (6, 6)
        assert _outside_diversity(rows, got) == 0.7
    everyone = comps.vstack(pl.DataFrame({"account": ["u2", "u5"], "component": [2, 3]}))
    assert _outside_diversity(templates, _member_templates(templates, everyone, texts)) is None
    plain = templates.drop("distinct")
    assert _outside_diversity(plain, _member_templates(plain, comps, texts)) is None


def test_top_rows_keep_every_row_that_can_rank_among_the_first() -> None:
    import random

    from extractscan.assess.incidents import _in_top

    rng = random.Random(7)
    for _ in range(30):
        rows = pl.DataFrame(
            {
                "component": [rng.randrange(4) for _ in range(60)],
                "family": [rng.choice("ab") for _ in range(60)],
                "n": [rng.randrange(2, 6) for _ in range(60)],  # many ties
                "value": [f"v{rng.randrange(40):02d}" for _ in range(60)],
            }
        )
        whole = _first_five(rows)
        kept = rows.filter(_in_top(5, "component", "family"))
        cut = _first_five(kept)
        assert cut.equals(whole)
        assert kept.height < rows.height  # the filter does cut
    small = pl.DataFrame({"component": [0, 0, 1], "n": [3, 2, 9]})
    assert small.filter(_in_top(5, "component"))["n"].to_list() == [3, 2, 9]
    assert small.filter(_in_top(1, "component"))["n"].to_list() == [3, 9]


def _first_five(rows: pl.DataFrame) -> pl.DataFrame:
    by, descending = ["component", "family", "n", "value"], [False, False, True, False]
    return rows.sort(by, descending=descending).group_by(by[:2], maintain_order=True).head(5)
