"""Proxy pools that no extraction-heavy account shows: accounts rotating through egress
IPs that only a few accounts share each, tested as one group.

A hydra behind a wide pool may spread so thin that each exit carries about ten of its
accounts and no account is extraction-heavy: held-out world 3999 in the held-out
wording, 3,780 accounts on a card each, 80 % resold, 24 measured prompts an account at
14 % extraction-style against 6 % for the log's ordinary accounts, each rotating
through four of about 1,400 exits. An exit of ten accounts is rare enough to pair its
accounts (:mod:`.weights`) and too common for one shared exit to link two of them; the
crowded tests (:mod:`.crowded`, :mod:`.pool_graph`) need heavy accounts, and the
leaning-exit test (:mod:`.leaning_exits`) exits too common to pair and accounts that
lean on their own (24 prompts at 14 % do not); it lay in two low incidents of 9
accounts.

The shape of its sharing is what gives it away: its accounts each send from two or more
exits that other accounts share, and those exits and accounts make one connected block
(:func:`rotating_pools`). The block is tested as a whole, as a card too common to pair
is (:mod:`.leaning_cards`), but on the pooled prompts of its measured accounts (not
heavy), against the accounts in no block and not heavy: it is significant when its
extraction share is beyond chance at the family-wise bound over the blocks tested. A
NAT's or a carrier's users make blocks too, of ordinary content (not significant); a
campus's students send homework, which is why a significant block links only the
accounts that send like a crowd in it (:func:`.leaning_exits.crowds_among`), and only where
they are most of its measured accounts.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import LEANING_SCHEMA, surprise
from extractscan.link.leaning_accounts import leaning_accounts
from extractscan.link.pool_graph import and_more
from extractscan.model.look_alikes import FAMILY_MAX

#: The family of the evidence (:data:`extractscan.model.families.FAMILIES`).
LEANING_POOL = "leaning_pool"

#: An account rotates when it sends from two or more shared exits and at least this
#: share of its exits are shared, as :data:`.pool_graph.ROTATING_SHARE` for subnets.
#: Measured at 0.25, 0.5, 0.75 and 1.0 on the 40 fit worlds, the 8 examined worlds of
#: the held-out wording's hydras and 3989, 3999, 3997, 4011 and 4095: every figure
#: ``score.py`` prints the same at each (RESULTS.md "Pools whose accounts lean
#: together"); 0.5, the middle of the flat range and the subnets' value.
ROTATING_SHARE = 0.5


def rotating_pools(ids: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(account, value, leans, significant, measured, nats: :data:`.crowded.LEANING_SCHEMA`)
    of every account in a block of rotating accounts and the shared egress IPs (family
    ``ip`` of ``ids``: account, family, value) they send from, connected groups of more
    accounts than a family holds (``value`` names the block by its first exit and how
    many it has): whether the account leans on its own, whether the block's pooled
    prompts are significant, its measured accounts and their pooled surprise (the
    module's test). Empty where nothing is tested."""
    none = pl.DataFrame(schema=LEANING_SCHEMA)
    need = {"extraction_share", "prompts_measured"}
    if not need <= set(accounts.columns) or not cfg.crowded_alpha:
        return none
    exits = (
        ids.filter(pl.col("family").cast(pl.String) == "ip")
        .select("account", pl.col("value").cast(pl.String))
        .unique()
        .with_columns(pl.len().over("value").alias("df"))
    )
    held = exits.group_by("account").agg(
        pl.len().alias("held"), (pl.col("df") >= 2).sum().alias("shared")
    )
    rotating = held.filter(
        (pl.col("shared") >= 2) & (pl.col("shared") >= ROTATING_SHARE * pl.col("held"))
    )
    edges = exits.filter(pl.col("df") >= 2).join(rotating, on="account", how="semi")
    if edges.is_empty():
        return none
    blocks = _blocks(edges.select("account", "value"))
    if blocks.is_empty():
        return none
    weighed = leaning_accounts(blocks, accounts, cfg)
    if weighed is None:
        return none
    each, base = weighed
    pooled = pl.col("is_measured") & ~pl.col("heavy")
    per = each.group_by("value").agg(
        pl.col("is_measured").sum().cast(pl.UInt32).alias("measured"),
        pl.col("k").filter(pooled).sum().alias("k"),
        pl.col("m").filter(pooled).sum().alias("m"),
    )
    threshold = math.log(per.height / cfg.crowded_alpha)
    nats = surprise(pl.col("m"), pl.col("k"), base)
    per = per.with_columns(
        pl.when(pl.col("m") > 0).then(nats).otherwise(0.0).alias("nats")
    ).with_columns((pl.col("nats") >= threshold).alias("significant"))
    return (
        each.join(per.select("value", "significant", "measured", "nats"), on="value")
        .select(list(LEANING_SCHEMA))
        .cast(LEANING_SCHEMA)  # type: ignore[arg-type]
        .sort("value", "account")
    )


def _blocks(edges: pl.DataFrame) -> pl.DataFrame:
    """(account, value) of the accounts of ``edges`` (account, value: an exit) in
    connected groups of more than ``FAMILY_MAX`` accounts (accounts and exits as nodes,
    SciPy's graph search), each group named by its first exit and how many it has."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    accs = edges.select(pl.col("account").unique().sort()).with_row_index("a")
    vals = edges.select(pl.col("value").unique().sort()).with_row_index("v")
    numbered = edges.join(accs, on="account").join(vals, on="value")
    ia = numbered["a"].to_numpy().astype(np.int64)
    iv = numbered["v"].to_numpy().astype(np.int64) + accs.height
    size = accs.height + vals.height
    graph = coo_matrix((np.ones(len(ia), dtype=np.int8), (ia, iv)), shape=(size, size))
    _, label = connected_components(graph, directed=False)
    of_account = accs.with_columns(pl.Series("group", label[: accs.height]))
    of_exit = vals.with_columns(pl.Series("group", label[accs.height :]))
    named = (
        of_exit.group_by("group")
        .agg(pl.col("value").min().alias("first"), pl.len().alias("exits"))
        .join(of_account.group_by("group").agg(pl.len().alias("n")), on="group")
        .filter(pl.col("n") > FAMILY_MAX)
        .select(
            "group",
            and_more(pl.col("first"), pl.col("exits"), "egress IP").alias("name"),
        )
    )
    return (
        of_account.join(named, on="group")
        .select("account", pl.col("name").alias("value"))
        .sort("value", "account")
    )
