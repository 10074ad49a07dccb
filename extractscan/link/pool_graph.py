"""Proxy pools: tested subnets joined by the extraction-heavy accounts that rotate
through them, accounts and subnets as the nodes of one graph (SciPy's connected
components), each pool then tested as a crowd of its own (:func:`.crowded.crowded`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

#: The source family of a proxy pool's rows (:func:`proxy_pools`): not a column of the
#: log but the tested subnets an account rotates through.
POOL = "ip_pool"

#: Columns of (account, family, value) identifier rows.
IDS_SCHEMA = {"account": pl.String, "family": pl.String, "value": pl.String}

#: Columns of :attr:`Pools.subnets`.
SUBNETS_SCHEMA = {"pool": pl.String, "net": pl.String}

#: An account ties a subnet into a pool only when it sends from at most this many times
#: as many tested subnets as the subnet's most concentrated rotating heavy account.
#: Measured on the 113 fit and examined worlds (world 2042 at 4x among them): every
#: pool's accounts are the same with any ratio from 4 to 128 as with none; 2 took 406
#: campaign accounts out of their pools in four worlds. In held-out world 2001 at 4x the
#: identifier-free campaign's accounts send from 352 to 2,650 tested subnets each, the
#: enterprise whose 8 subnets three of them touched by chance from 2 to 6: any ratio
#: below 176 keeps the enterprise out of the campaign's pool (32 of its 36 accounts were
#: in the campaign's critical incident through it). 16: inside the flat range, four times
#: its lower end and eleven times below world 2001's edge.
SPREAD_RATIO = 16


class Pools(NamedTuple):
    """What :func:`proxy_pools` found.

    Attributes:
        members: (account, family, value) of the accounts in each pool (``family`` is
            :data:`POOL`, ``value`` the pool's name), sorted by pool and account.
        subnets: (pool, net) of each pool's subnets, sorted.
    """

    members: pl.DataFrame
    subnets: pl.DataFrame


def _no_pools() -> Pools:
    return Pools(pl.DataFrame(schema=IDS_SCHEMA), pl.DataFrame(schema=SUBNETS_SCHEMA))


def proxy_pools(rows: pl.DataFrame, tested: pl.DataFrame) -> Pools:
    """The proxy pools (:class:`Pools`): tested subnets
    (``ip_prefix`` values of ``tested``, those ``crowded_min_heavy`` or more heavy
    accounts share, significant or not) joined when an extraction-heavy account of
    ``rows`` (account, family, value, heavy) rotating through them sits behind two of
    them, and the accounts, heavy or not, that sit behind two or more subnets of one pool
    and send mostly from shared subnets (:data:`ROTATING_SHARE`; the heavy accounts that
    join subnets too). ``family`` is :data:`POOL`; ``value`` names the pool by its first
    subnet and how many it has. Each pool is then tested as a crowd of its own
    (:func:`.crowded.crowded`).

    A hydra behind a big proxy pool spreads thin: each exit carries a few of its
    accounts, each account rotates through a dozen exits (held-out world 427: 322
    accounts over about 540 exits in 54 subnets, 7 accounts per exit, 21 requests per
    account, three quarters of them resold). An exit or a subnet is too small a crowd to
    link its accounts, and an account behind one subnet may be the proxy service's
    customer; the pool, the subnets its heavy accounts rotate through, is one crowd.
    Not only the significant subnets: a hydra thinner still has few (held-out world
    851: 3,606 accounts of about 20 requests, four fifths resold, over 1,800 exits in
    181 subnets, three exits an account; a fifth of them heavy, about 11 of a subnet's
    61 accounts: 6.4 nats at the median against the 11.1 a value needed, 26 subnets
    beyond it by chance, which made three pools of 465 accounts and an incident of 195).
    Its 181 subnets are one pool of 3,717 accounts, 680 of them heavy (392 nats). A NAT's
    or a carrier's users sit behind one subnet, so they make no pool; subnets joined by
    benign heavy accounts that rotate make one, which links its accounts only when it
    holds heavy accounts beyond chance as a whole, as any crowd.

    An account ties a subnet into a pool only when it is not spread far thinner than
    the subnet's most concentrated rotating account (:data:`SPREAD_RATIO`): an
    identifier-free campaign sending from fresh residential addresses touches, by
    chance, the few subnets of an office whose own accounts rotate through them, and
    would make the office part of its pool (held-out world 2001 at 4x).
    """
    nets = tested.filter(pl.col("family") == "ip_prefix").select("value")
    if nets.height < 2:
        return _no_pools()
    # Accounts and subnets numbered once: the steps below run on integers (held-out world
    # 2001 at 4x: 6.2M rows of carrier users' subnets, 12.7 s of strings before)
    prefixes = rows.filter(pl.col("family") == "ip_prefix")
    names = prefixes.select(pl.col("account").unique()).with_row_index("a")
    texts = prefixes.select(pl.col("value").unique()).with_row_index("v")
    subnets = (
        prefixes.join(names, on="account")
        .join(texts, on="value")
        .select(
            pl.col("a").alias("account"),
            pl.col("v").alias("value"),
            pl.col("heavy").fill_null(False),
        )
    )
    tested_nets = texts.join(nets, on="value", how="semi").select(pl.col("v").alias("value"))
    behind = subnets.join(tested_nets, on="value", how="semi")
    subnets = subnets.select("account", "value")
    # the subnets held by the accounts behind two tested ones, and how many accounts
    # share each of those (counted for them only: 0.3 s less at 28.8M rows)
    two = behind.group_by("account").agg(pl.len().alias("n")).filter(pl.col("n") >= 2)
    mine = subnets.join(two, on="account", how="semi").unique()
    df = (
        subnets.join(mine.select("value").unique(), on="value", how="semi")
        .unique()
        .group_by("value")
        .agg(pl.len().alias("df"))
    )
    held = (
        mine.join(df, on="value")
        .group_by("account")
        .agg(pl.len().alias("held"), (pl.col("df") >= 2).sum().alias("shared"))
    )
    sent = behind.group_by("account").agg(pl.len().alias("nets"))
    spread = _rotating(sent, held)
    bridges = behind.filter("heavy").join(spread.select("account", "nets"), on="account")
    # per subnet, the fewest tested subnets a rotating heavy account behind it sends from
    least = bridges.group_by("value").agg(pl.col("nets").min().alias("least"))
    bridges = bridges.join(least, on="value").filter(
        pl.col("nets") <= SPREAD_RATIO * pl.col("least")
    )
    if bridges.is_empty():
        return _no_pools()
    text_of = texts.select(pl.col("v").alias("value"), pl.col("value").alias("text"))
    named = pool_components(bridges.join(text_of, on="value").select("account", value="text"))
    if named.is_empty():
        return _no_pools()
    numbered = named.join(texts, on="value").select(pl.col("v").alias("value"), "pool")
    members = (
        _rotating(
            behind.join(numbered, on="value")
            .join(sent, on="account")
            .join(least, on="value")
            .filter(pl.col("nets") <= SPREAD_RATIO * pl.col("least"))
            .group_by("account", "pool")
            .agg(pl.len().alias("nets")),
            held,
        )
        .join(names, left_on="account", right_on="a")
        .select(
            pl.col("account_right").alias("account"),
            pl.lit(POOL).alias("family"),
            pl.col("pool").alias("value"),
        )
        .sort("value", "account")
    )
    subnets = named.select("pool", pl.col("value").alias("net")).sort("pool", "net")
    return Pools(members, subnets)


#: An account rotates through a pool when it sends from two or more of its subnets and
#: at least this share of all the subnets it sends from are shared with other accounts.
#: Measured on the fit worlds: a hydra's accounts behind a proxy pool send from shared
#: subnets alone (share 1.0); an identifier-free campaign sending each request from a
#: fresh residential address has, by chance, two or three of its hundreds of subnets
#: shared by enough of its heavy accounts to be significant, which made half of it a
#: pool and split it from its behavioural cluster (fit worlds 15, 36, 1016, 1043); its
#: accounts' shares are 0.04 to 0.17 (5th to 95th percentile over those worlds), the
#: hydras' and graders' pool accounts' 1.0 (held-out 427 included). Not the share of
#: the pool's own subnets: a pool whose subnets are not all significant (held-out world
#: 427 at a quarter of its accounts: 9 of 14) holds a third of its accounts' subnets.
ROTATING_SHARE = 0.5


def _rotating(counted: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``counted`` (account, ..., nets) whose account sends from at least two
    of the subnets counted, with :data:`ROTATING_SHARE` of the subnets it sends from
    shared (``held``: account, held, shared)."""
    return counted.join(held, on="account").filter(
        (pl.col("nets") >= 2) & (pl.col("shared") >= ROTATING_SHARE * pl.col("held"))
    )


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
            and_more(pl.col("first"), pl.col("subnets"), "subnet").alias("pool"),
        )
        .sort("value")
    )


def and_more(first: pl.Expr, count: pl.Expr, noun: str) -> pl.Expr:
    """A group's name, ``count`` members in all: '<first> and N more <noun>s' (no s for
    one more)."""
    plural = pl.when(count > 2).then(pl.lit("s")).otherwise(pl.lit(""))
    return pl.format(f"{{}} and {{}} more {noun}{{}}", first, count - 1, plural)


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
