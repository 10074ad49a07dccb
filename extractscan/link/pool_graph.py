"""Proxy pools as a graph: subnets joined by the accounts that rotate through them.

:func:`.crowded.proxy_pools` finds the extraction-heavy accounts that send from two or
more tested subnets; the subnets they join, accounts and subnets as the nodes of one
graph, are a pool (SciPy's connected components).
"""

from __future__ import annotations

import numpy as np
import polars as pl


def pool_components(bridges: pl.DataFrame) -> pl.DataFrame:
    """(value, pool): the subnets of ``bridges`` (account, value) in connected groups of
    two or more (accounts and subnets as nodes), each group named by its first subnet and
    how many it has (SciPy's graph search; no Python loop over the rows)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    accs = bridges["account"].unique().sort()
    nets = bridges["value"].unique().sort()
    ia = _positions(bridges["account"], accs)
    iv = _positions(bridges["value"], nets) + len(accs)
    size = len(accs) + len(nets)
    graph = coo_matrix((np.ones(len(ia), dtype=np.int8), (ia, iv)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    groups = pl.DataFrame({"value": nets, "group": label[len(accs) :]})
    return (
        groups.join(
            groups.group_by("group").agg(
                pl.col("value").min().alias("first"), pl.len().alias("subnets")
            ),
            on="group",
        )
        .filter(pl.col("subnets") >= 2)
        .select(
            "value",
            pl.format(
                "{} and {} more subnet{}",
                "first",
                pl.col("subnets") - 1,
                pl.when(pl.col("subnets") > 2).then(pl.lit("s")).otherwise(pl.lit("")),
            ).alias("pool"),
        )
        .sort("value")
    )


def _positions(values: pl.Series, order: pl.Series) -> np.ndarray:
    """Each of ``values``' position in ``order`` (its distinct values, sorted), by a join
    (a binary search over 2M account texts took eight times as long)."""
    keyed = order.to_frame("k").with_row_index("i")
    return (
        values.to_frame("k")
        .join(keyed, on="k", how="left", maintain_order="left")["i"]
        .to_numpy()
        .astype(np.int64)
    )
