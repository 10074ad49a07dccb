"""Who a crowded subnet links (extractscan.link.subnet_crowds)."""

from __future__ import annotations

import polars as pl

from extractscan.link.crowded import CORROBORATING
from extractscan.link.subnet_crowds import sharing_a_crowd


def _members(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["account", "family", "value"], orient="row").with_columns(
        pl.lit(1.0).alias("weight")
    )


def _pools(subnets: dict[str, list[str]]) -> pl.DataFrame:
    """(pool, net) of each pool's subnets."""
    pairs = [(pool, net) for pool, nets in subnets.items() for net in nets]
    return pl.DataFrame(pairs, schema={"pool": pl.String, "net": pl.String}, orient="row")


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
    kept = sharing_a_crowd(members, CORROBORATING, _pools({"pool": ["home"]}))
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
    assert sharing_a_crowd(members, CORROBORATING, _pools({})).equals(members)
    # an account whose card nobody else behind the subnet holds leaves the subnet's crowd
    lone = _members([*rows, ("z", "crowded_payment", "other"), ("z", "crowded_subnet", "net")])
    out = sharing_a_crowd(lone, CORROBORATING, _pools({}))
    assert ("z", "crowded_subnet", "net") not in out.select("account", "family", "value").rows()
    assert out.height == lone.height - 1


def test_a_pool_is_shared_only_behind_its_own_subnets() -> None:
    # An office: four accounts on two exits of its /24, which is a pool of its own
    # subnets; two accounts of a campaign's residential pool both sent a request from
    # the office's /24 by chance (held-out world 2001 at 4x). Behind their own pool's
    # subnet "home" they still share it.
    rows = [
        *((o, "crowded_ip", "ip1") for o in ("o1", "o2")),
        *((o, "crowded_ip", "ip2") for o in ("o3", "o4")),
        *((o, "crowded_subnet", "office") for o in ("o1", "o2", "o3", "o4")),
        *((o, "crowded_pool", "office pool") for o in ("o1", "o2", "o3", "o4")),
        *((c, "crowded_pool", "homes") for c in ("c1", "c2")),
        *((c, "crowded_subnet", "office") for c in ("c1", "c2")),
        *((c, "crowded_subnet", "home") for c in ("c1", "c2")),
    ]
    pool_nets = _pools({"homes": ["home"], "office pool": ["office"]})
    kept = sharing_a_crowd(_members(rows), CORROBORATING, pool_nets)
    passing = [("c1", "crowded_subnet", "office"), ("c2", "crowded_subnet", "office")]
    assert kept.select("account", "family", "value").rows() == [r for r in rows if r not in passing]
    # were the office's subnet one of their pool's, the two would stay
    wider = _pools({"homes": ["home", "office"], "office pool": ["office"]})
    assert sharing_a_crowd(_members(rows), CORROBORATING, wider).height == len(rows)
