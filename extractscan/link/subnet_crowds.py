"""Who a crowded subnet links: the accounts that share a crowd with each other there.

A significant subnet links the heavy accounts behind it that a corroborating crowd
confirmed (:func:`extractscan.link.crowded.crowded`): a hydra rotating through the
addresses of one /24. An account confirmed elsewhere, by a crowd none of the subnet's
other accounts share, is passing through: a campaign's account that rotates through
hundreds of residential subnets sent one request from a campus's /24, and joined a class
of 812 students behind the campus's two addresses to its campaign (held-out world 2042 at
4x, 15.3M rows). So an account keeps a subnet's link only where another account behind
that subnet shares one of its corroborating crowds (a card, an exit IP or a proxy pool).
A proxy pool is shared there only when the subnet is one of the pool's: two accounts of
an identifier-free campaign's pool of residential subnets touched, by chance, a subnet
of an office that is a pool of its own, and linked the office's accounts to the
campaign (held-out world 2001 at 4x, 13.8M rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from extractscan.link.pool_graph import POOL
from extractscan.model.families import CROWDED_FAMILIES


def sharing_a_crowd(
    members: pl.DataFrame, corroborating: Sequence[str], pool_nets: pl.DataFrame
) -> pl.DataFrame:
    """``members`` (account, family, value, ...; families as
    :data:`~extractscan.model.families.CROWDED_FAMILIES` names them) without the subnet
    rows of accounts that share none of their ``corroborating`` crowds (source family
    names) with another account behind that subnet; in the same order. A proxy pool
    (its name the value of a :data:`~extractscan.link.pool_graph.POOL` row) counts
    behind the subnets ``pool_nets`` (pool, net) gives it only."""
    subnet = pl.col("family") == CROWDED_FAMILIES["ip_prefix"]
    nets = members.filter(subnet).select("account", pl.col("value").alias("net")).unique()
    if nets.is_empty():
        return members
    names = [CROWDED_FAMILIES[f] for f in corroborating]
    held = (
        members.filter(pl.col("family").is_in(names))
        .select("account", pl.col("family").alias("crowd"), pl.col("value").alias("cv"))
        .unique()
    )
    in_pool = pool_nets.select(pl.col("pool").alias("cv"), "net", pl.lit(True).alias("in"))
    there = (
        nets.join(held, on="account")
        .join(in_pool, on=["cv", "net"], how="left")
        .filter((pl.col("crowd") != CROWDED_FAMILIES[POOL]) | pl.col("in").fill_null(False))
    )
    together = (
        there.filter(pl.len().over("net", "crowd", "cv") >= 2).select("net", "account").unique()
    )
    passing = nets.join(together, on=["net", "account"], how="anti")
    if passing.is_empty():
        return members
    drop = passing.select(
        "account",
        pl.lit(CROWDED_FAMILIES["ip_prefix"]).alias("family"),
        pl.col("net").alias("value"),
    )
    return members.join(drop, on=["account", "family", "value"], how="anti", maintain_order="left")
