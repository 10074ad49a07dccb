"""Network evidence between accounts holding many values of it weighs less
(link/weights.py spread_adjusted)."""

from __future__ import annotations

import math

import polars as pl

from extractscan.link.weights import spread_adjusted, spread_excess
from extractscan.model.families import FAMILIES


def _ids() -> pl.DataFrame:
    # a reseller on 8 subnets, everyone else on 1 or 2 (median 2 among holders of ip_prefix)
    rows = [("reseller", "ip_prefix", f"10.0.{i}.0/24") for i in range(8)]
    rows += [("camp_1", "ip_prefix", "10.0.0.0/24"), ("camp_1", "ip_prefix", "10.9.9.0/24")]
    rows += [("camp_2", "ip_prefix", "10.9.9.0/24"), ("camp_2", "ip_prefix", "10.8.8.0/24")]
    rows += [("solo", "ip_prefix", "10.7.7.0/24")]
    rows += [("reseller", "template", f"t{i}") for i in range(40)]
    return pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")


def _evidence() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "a": ["camp_1", "camp_1", "camp_1"],
            "b": ["reseller", "camp_2", "reseller"],
            "family": ["ip_prefix", "ip_prefix", "template"],
            "weight": [3.0, 3.0, 2.0],
            "pk": [1, 2, 3],
        }
    )


def test_a_value_shared_with_an_account_holding_many_weighs_less() -> None:
    out = spread_adjusted(_evidence(), _ids())
    rel = FAMILIES["ip_prefix"].reliability
    # reseller: 8 subnets against a median of 2 -> ln 4 less; camp_1 and camp_2 hold the
    # median and lose nothing; the template row is not a network family
    assert out["weight"].to_list() == [3.0 - rel * math.log(4), 3.0, 2.0]
    assert out.columns == _evidence().columns
    assert out["pk"].to_list() == [1, 2, 3]


def test_a_row_left_without_weight_is_dropped() -> None:
    ev = _evidence().with_columns(pl.Series("weight", [0.5, 3.0, 2.0]))
    out = spread_adjusted(ev, _ids())
    assert out["pk"].to_list() == [2, 3]


def test_without_network_rows_nothing_changes() -> None:
    ev = _evidence().filter(pl.col("family") == "template")
    assert spread_adjusted(ev, _ids()).equals(ev)


def test_excess_counted_beforehand_gives_the_same_evidence() -> None:
    # the link stage counts the values held while the template clusters are found
    ids = _ids()
    base = ids.filter(pl.col("family") != "template")
    excess = spread_excess(base)
    assert sorted(excess.rows()) == [
        ("camp_1", "ip_prefix", 0.0),
        ("camp_2", "ip_prefix", 0.0),
        ("reseller", "ip_prefix", math.log(4)),
        ("solo", "ip_prefix", 0.0),
    ]
    assert spread_adjusted(_evidence(), excess=excess).equals(spread_adjusted(_evidence(), ids))
    assert spread_adjusted(_evidence(), excess=spread_excess(ids.head(0))).equals(_evidence())
