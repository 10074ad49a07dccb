"""The linked groups campaign assembly may join (link/pieces.py): exact components on a
tiny table."""

from __future__ import annotations

import polars as pl

from extractscan.config.settings import LinkConfig
from extractscan.link.pieces import SPREAD_PIECE_FACTOR, pieces


def _groups() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Four groups: 3 accounts (a card pair and one more), 10 behind three exits, 10
    behind one office address (each also on an exit of its own), 17 behind exits of
    their own; (account, component) and the accounts' network addresses."""
    sizes = {1: 3, 2: 10, 3: 10, 4: 17}
    comps = pl.DataFrame(
        [(f"g{c}_{i:02d}", c) for c, n in sizes.items() for i in range(n)],
        schema={"account": pl.String, "component": pl.Int64},
        orient="row",
    )
    rows = [(f"g1_{i:02d}", "10.0.0.1") for i in range(3)]
    rows += [(f"g2_{i:02d}", f"198.51.100.{i % 3}") for i in range(10)]
    rows += [(f"g3_{i:02d}", "192.0.2.7") for i in range(10)]
    rows += [(f"g3_{i:02d}", f"203.0.113.{i}") for i in range(10)]
    rows += [(f"g4_{i:02d}", f"100.64.0.{i}") for i in range(17)]
    places = pl.DataFrame(rows, schema={"account": pl.String, "value": pl.String}, orient="row")
    return comps, places


def test_a_group_past_the_cap_is_a_piece_only_when_not_behind_one_address() -> None:
    comps, places = _groups()
    sizes = comps.group_by("component").agg(pl.len().alias("size"))
    cfg = LinkConfig()
    assert cfg.assemble_max_accounts == 8 and SPREAD_PIECE_FACTOR == 2
    # the 3 (at most the cap), the 10 spread over three exits; not the 10 that all sit
    # behind one office address, nor the 17 (above twice the cap)
    assert pieces(comps, sizes, cfg, places)["component"].to_list() == [1, 2]
    # without the addresses: the cap alone
    assert pieces(comps, sizes, cfg)["component"].to_list() == [1]
    # a lower cap: twice 5 still holds the ten spread ones
    assert pieces(comps, sizes, LinkConfig(assemble_max_accounts=5), places)[
        "component"
    ].to_list() == [1, 2]
    assert pieces(comps, sizes, LinkConfig(assemble_max_accounts=2), places).is_empty()
