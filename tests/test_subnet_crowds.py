"""Who a crowded subnet links (extractscan.link.subnet_crowds)."""

from __future__ import annotations

import polars as pl

from extractscan.link.crowded import CORROBORATING
from extractscan.link.subnet_crowds import sharing_a_crowd


def _members(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["account", "family", "value"], orient="row").with_columns(
        pl.lit(1.0).alias("weight")
    )


def test_an_account_passing_through_a_subnet_does_not_join_its_crowd() -> None:
    # Four students behind the campus's two exits (each exit a crowd of two of them) and
    # its /24; a campaign account confirmed by its proxy pool sent a request from the same
    # /24 and from another subnet where a second account of its pool sits.
    rows = [
        ("s1", "crowded_ip", "ip1"),
        ("s2", "crowded_ip", "ip1"),
        ("s3", "crowded_ip", "ip2"),
        ("s4", "crowded_ip", "ip2"),
        *((s, "crowded_subnet", "campus") for s in ("s1", "s2", "s3", "s4")),
        ("b", "crowded_pool", "pool"),
        ("b", "crowded_subnet", "campus"),
        ("b", "crowded_subnet", "home"),
        ("c", "crowded_pool", "pool"),
        ("c", "crowded_subnet", "home"),
    ]
    members = _members(rows)
    kept = sharing_a_crowd(members, CORROBORATING)
    assert kept.select("account", "family", "value").rows() == [
        r for r in rows if r != ("b", "crowded_subnet", "campus")
    ]


def test_a_subnet_alone_with_its_accounts_sharing_crowds_is_kept_whole() -> None:
    rows = [
        ("a", "crowded_payment", "card"),
        ("b", "crowded_payment", "card"),
        ("a", "crowded_subnet", "net"),
        ("b", "crowded_subnet", "net"),
    ]
    members = _members(rows)
    assert sharing_a_crowd(members, CORROBORATING).equals(members)
    # an account whose card nobody else behind the subnet holds leaves the subnet's crowd
    lone = _members([*rows, ("z", "crowded_payment", "other"), ("z", "crowded_subnet", "net")])
    out = sharing_a_crowd(lone, CORROBORATING)
    assert ("z", "crowded_subnet", "net") not in out.select("account", "family", "value").rows()
    assert out.height == lone.height - 1
