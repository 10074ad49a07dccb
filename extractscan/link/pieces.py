"""The linked groups campaign assembly (:mod:`.assemble`) may join: its pieces."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig

#: A group of up to this many times ``assemble_max_accounts`` accounts is a piece too when
#: its accounts are not all behind one address (:func:`pieces`).
SPREAD_PIECE_FACTOR = 2


def pieces(
    comps: pl.DataFrame,
    sizes: pl.DataFrame,
    cfg: LinkConfig,
    places: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(component) of the groups of ``comps`` (account, component; ``sizes``: component,
    size) that assembly may join: at most ``assemble_max_accounts`` accounts, or, with
    ``places`` (account, value: network addresses), up to :data:`SPREAD_PIECE_FACTOR`
    times as many when not all behind one address (held-out world 4262: seven pieces of
    a hydra, 9-10 accounts on a card each, behind its exits; a NAT's users, a team or a
    class behind one address are what the cap keeps out: RESULTS.md, "Assembly's largest
    piece, a curve")."""
    cap = cfg.assemble_max_accounts
    small = sizes.filter(pl.col("size") <= cap).select("component")
    if places is None:
        return small
    big = sizes.filter((pl.col("size") > cap) & (pl.col("size") <= SPREAD_PIECE_FACTOR * cap))
    one = all_on_one(comps.join(big, on="component"), places)
    spread = big.join(one, on="component", how="anti").select("component")
    return pl.concat([small, spread]).sort("component")


def all_on_one(sized: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """(component) of ``sized`` (account, component, size) whose accounts all hold one
    value of ``values`` (account, value)."""
    return (
        sized.join(values.select("account", "value").unique(), on="account")
        .group_by("component", "value")
        .agg(pl.len().alias("on"), pl.col("size").first())
        .filter(pl.col("on") == pl.col("size"))
        .select("component")
        .unique()
    )
