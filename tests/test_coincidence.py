"""Co-activity weighed by what chance does not explain (extractscan.link.coincidence):
exact values on tiny tables."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from extractscan.link.coincidence import NEGLIGIBLE, chance_adjusted, shared_requests


def _evidence() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "a": ["c1", "c1", "c1", "c3"],
            "b": ["c2", "c2", "r", "c4"],
            "family": ["co_activity", "ip", "co_activity", "co_activity"],
            "shared_values": [3, 1, 4, 2],
            "weight": [6.0, 2.0, 5.0, 4.0],
        },
        schema_overrides={"shared_values": pl.UInt32},
    )


def test_a_busy_account_meets_by_chance_and_a_campaign_pair_does_not() -> None:
    templates = pl.DataFrame(
        {
            "account": ["r", "r", "c1", "c2", "c3", "c4"],
            "tkey": [1, 2, 1, 1, 1, 1],
            "n": [80, 50, 5, 5, 2, 2],
        }
    )
    exchanges = pl.DataFrame(
        {"account": ["r", "c1", "c2", "c3", "c4"], "exchanges": [1000, 10, 10, 2, 2]}
    )
    out = chance_adjusted(_evidence(), templates, exchanges, span=100.0)
    # Two busy pairs met, so the bound is the 1 - 0.05 / 2 = 97.5th percentile.
    # c1-r: E = 5 * 80 / 100 = 4, whose percentile (9) is above the 4 bins shared:
    # dropped. c1-c2: E = 0.25, percentile 2 (P(X <= 1) = 0.9735): (3 - 2) / 3 of the
    # weight kept. c3-c4: 2 * 2 / 100 < -ln 0.95, never counted. The IP row is untouched.
    assert out.rows() == [
        ("c1", "c2", "co_activity", 3, pytest.approx(6.0 / 3)),
        ("c1", "c2", "ip", 1, 2.0),
        ("c3", "c4", "co_activity", 2, 4.0),
    ]
    assert NEGLIGIBLE == pytest.approx(-math.log(0.95))
    # chance counted on the everyday templates only: template 1 is a campaign wrapper,
    # so sharing it in the same minutes is kept whole, however busy the two accounts
    wrapper = chance_adjusted(
        _evidence(), templates, exchanges, span=100.0, everyday=pl.DataFrame({"tkey": [2]})
    )
    assert wrapper.equals(_evidence())


def _busy(others: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A grader ``g`` and a hydra account ``h`` sharing 5 bins, and ``others`` accounts
    meeting ``g`` in one bin each; every pair's chance E = 6 * 6 / 100 = 0.36."""
    xs = [f"x{i:04d}" for i in range(others)]
    evidence = pl.DataFrame(
        {
            "a": ["g"] * (others + 1),
            "b": ["h", *xs],
            "family": ["co_activity"] * (others + 1),
            "shared_values": [5] + [1] * others,
            "weight": [5.0] + [1.0] * others,
        },
        schema_overrides={"shared_values": pl.UInt32},
    )
    accounts = ["g", "h", *xs]
    templates = pl.DataFrame({"account": accounts, "tkey": 1, "n": 6})
    exchanges = pl.DataFrame({"account": accounts, "exchanges": 6})
    return evidence, templates, exchanges


def test_the_chance_bound_holds_for_every_busy_pair_at_once() -> None:
    # Alone, 5 bins where chance gives 0.36: the 95th percentile is 2, 3/5 kept.
    alone = chance_adjusted(*_busy(0), span=100.0)
    assert alone.rows() == [("g", "h", "co_activity", 5, pytest.approx(3.0))]
    # Among 2,000 busy pairs that met, one in twenty beats its own 95th percentile by
    # chance; the bound for all of them (1 - 0.05 / 2001: P(X >= 5) = 3.8e-5 is above
    # 2.5e-5, P(X >= 6) = 2.3e-6 below) is 5 bins: held-out world 491's five shared
    # bins between a hydra and a grader are no longer evidence.
    crowd = chance_adjusted(*_busy(2000), span=100.0)
    assert crowd.filter(pl.col("b") == "h").is_empty()
    assert crowd.is_empty()  # the single meetings go too (1 <= C)


def test_one_everyday_bin_shared_among_many_busy_pairs_is_chance() -> None:
    # A proxy customer ("p") and a hydra account ("h") busy enough to be counted (10
    # requests each, 1 on the everyday template), meeting once where chance gives
    # E = 1 * 1 / 100 = 0.01 (held-out world 528: two bins where chance gave 0.03 and a
    # shared exit put a customer at high). Alone, even one shared bin is beyond chance
    # at 95 % (E < -ln 0.95): kept.
    # Among 100 busy pairs that met, one meeting is chance for one of them (P(X >= 1) =
    # 0.01 is above 0.05 / 100): dropped.
    def world(others: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        xs = [f"x{i:03d}" for i in range(others)]
        evidence = pl.DataFrame(
            {
                "a": ["h"] * (others + 1),
                "b": ["p", *xs],
                "family": "co_activity",
                "shared_values": 1,
                "weight": 4.6,
            },
            schema_overrides={"shared_values": pl.UInt32},
        )
        accounts = ["h", "p", *xs]
        templates = pl.DataFrame({"account": accounts, "tkey": 1, "n": 1})
        return evidence, templates, pl.DataFrame({"account": accounts, "exchanges": 10})

    assert chance_adjusted(*world(0), span=100.0).rows() == [("h", "p", "co_activity", 1, 4.6)]
    assert chance_adjusted(*world(99), span=100.0).is_empty()


def test_template_rows_picked_by_account_key_are_those_picked_by_text() -> None:
    templates = pl.DataFrame(
        {
            "account": ["r", "r", "c1", "c2", "c3", "c4"],
            "aid": [90, 90, 91, 92, 93, 94],
            "tkey": [1, 2, 1, 1, 1, 1],
            "n": [80, 50, 5, 5, 2, 2],
        },
        schema_overrides={"aid": pl.UInt64},
    )
    exchanges = pl.DataFrame(
        {"account": ["r", "c1", "c2", "c3", "c4"], "exchanges": [1000, 10, 10, 2, 2]}
    )
    names = templates.select("aid", "account").unique()
    by_text = chance_adjusted(_evidence(), templates, exchanges, span=100.0)
    by_key = chance_adjusted(_evidence(), templates, exchanges, span=100.0, names=names)
    assert by_key.equals(by_text)
    assert by_key.filter(pl.col("b") == "r").is_empty()  # dropped by chance either way
    # a key the names do not hold: picked by text, as before (c1-r still dropped)
    partial = chance_adjusted(
        _evidence(), templates, exchanges, span=100.0, names=names.filter(pl.col("account") != "r")
    )
    assert partial.equals(by_text)
    # the keys are what is read: a names table pointing r at c3's key loses r's rows
    wrong = names.with_columns(
        pl.when(pl.col("account") == "r").then(93).otherwise(pl.col("aid")).alias("aid")
    )
    misled = chance_adjusted(_evidence(), templates, exchanges, span=100.0, names=wrong)
    assert misled.filter(pl.col("b") == "r")["weight"].to_list() == [5.0]


def test_nothing_to_weigh() -> None:
    ev = _evidence().filter(pl.col("family") == "ip")
    empty = pl.DataFrame(schema={"account": pl.String, "tkey": pl.Int64, "n": pl.Int64})
    volume = pl.DataFrame(schema={"account": pl.String, "exchanges": pl.Int64})
    assert chance_adjusted(ev, empty, volume, span=100.0).equals(ev)
    assert chance_adjusted(_evidence(), empty, volume, span=0.0).equals(_evidence())


def test_the_span_is_counted_in_bins_from_the_first_to_the_last_request() -> None:
    from datetime import UTC, datetime

    from extractscan.link.coincidence import bin_span

    accounts = pl.DataFrame(
        {
            "account": ["a", "b"],
            "first_seen": [
                datetime(2026, 5, 1, 0, 3, tzinfo=UTC),
                datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
            ],
            "last_seen": [
                datetime(2026, 5, 1, 0, 9, tzinfo=UTC),
                datetime(2026, 5, 2, 0, 4, tzinfo=UTC),
            ],
        }
    )
    # 00:00 to 00:00 next day in 5-minute bins: 288 + 1
    assert bin_span(accounts, 5) == 289.0
    assert bin_span(accounts.drop("last_seen"), 5) == 0.0


def test_the_poisson_percentile_is_scipys() -> None:
    import numpy as np
    from scipy.stats import poisson

    from extractscan.link.coincidence import poisson_percentile

    mean = np.array([0.0, 0.01, 0.0513, 0.25, 1.7, 4.0, 37.5, 999.0])
    assert poisson_percentile(mean, 0.95).tolist() == poisson.ppf(0.95, mean).tolist()
    # the normal approximation above 1,000 is within one of the exact percentile
    big = np.array([1_000.0, 25_000.0])
    assert np.abs(poisson_percentile(big, 0.95) - poisson.ppf(0.95, big)).max() <= 1


def test_shared_requests_by_hand() -> None:
    per = pl.DataFrame(
        {
            "account": ["a", "a", "b", "b", "c"],
            "tkey": [1, 2, 1, 3, 3],
            "n": [2.0, 5.0, 3.0, 7.0, 4.0],
        },
        schema_overrides={"tkey": pl.UInt64},
    )
    pairs = pl.DataFrame({"a": ["a", "b", "a", "d"], "b": ["b", "c", "c", "a"]})
    # a.b: 2*3 on template 1; b.c: 7*4 on 3; a.c: nothing shared; d has no templates
    assert shared_requests(pairs, per).tolist() == [6.0, 28.0, 0.0, 0.0]


@pytest.mark.parametrize("rows", [True, False], ids=["pair rows", "product"])
@pytest.mark.parametrize("block", [1, 7, 10_000])
def test_shared_requests_in_blocks_are_the_joined_sums(
    block: int, rows: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    import extractscan.link.coincidence as coincidence

    monkeypatch.setattr(coincidence, "BLOCK_CELLS", block * 40)  # 40 accounts: block rows
    # each way of summing: the pairs' rows multiplied, or the product read off by block
    monkeypatch.setattr(coincidence, "_rows_cheaper", lambda *_: rows)
    rng = np.random.default_rng(block)
    accounts = [f"acct{i:02d}" for i in range(40)]
    per = (
        pl.DataFrame(
            {
                "account": rng.choice(accounts, 600),
                "tkey": rng.integers(0, 30, 600).astype(np.uint64),
                "n": rng.integers(1, 50, 600).astype(np.float64),
            }
        )
        .group_by("account", "tkey")
        .agg(pl.col("n").sum())
    )
    pairs = pl.DataFrame({"a": rng.choice(accounts, 300), "b": rng.choice(accounts, 300)}).filter(
        pl.col("a") != pl.col("b")
    )
    joined = (
        pairs.with_row_index("r")
        .join(per.rename({"account": "a", "n": "na"}), on="a", how="left")
        .join(per.rename({"account": "b", "n": "nb"}), on=["b", "tkey"], how="left")
        .group_by("r")
        .agg((pl.col("na") * pl.col("nb")).fill_null(0.0).sum().alias("e"))
        .sort("r")
    )
    got = shared_requests(pairs, per)
    assert got.sum() > 0
    assert got.tolist() == joined["e"].to_list()
