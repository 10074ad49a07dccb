"""Blocks of accounts rotating through exits that a few accounts share each, tested as a
whole (link/rotating_pools, link/leaning_pools): a thin hydra whose accounts lean on
nothing alone is linked, the proxy service's customers, a carrier's users and a class
behind its campus's addresses are not."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA, surprise
from extractscan.link.leaning_cards import crowded
from extractscan.link.leaning_pools import pool_members
from extractscan.link.rotating_pools import LEANING_POOL, rotating_pools
from extractscan.link.shared_client import MEMBER, client_members

CFG = LinkConfig()  # max_accounts_per_value["network"] = 16: exits of 9-11 are paired

HYDRA = [f"h{i:02d}" for i in range(40)]  # 14 % of 20 prompts (no one leans alone)
CUSTOMERS = [f"p{i}" for i in range(3)]  # the proxy service's: ordinary, on its exits
CARRIER = [f"c{i:02d}" for i in range(40)]  # 6 % behind 2 of the carrier's 4 addresses
CLASS = [f"s{i:02d}" for i in range(30)]  # 14 %, each its own homework template
ORDINARY = [f"u{i:03d}" for i in range(300)]  # 6 %, an address each
EVERYONE = [*HYDRA, *CUSTOMERS, *CARRIER, *CLASS, *ORDINARY]


def _world() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(accounts, ids, extraction, uses). The hydra's account i sends from exits i,
    i + 1 and i + 5 (mod 12): 10 accounts an exit; each customer from two of them."""
    share = dict.fromkeys([*HYDRA, *CLASS], 0.14) | dict.fromkeys([*CUSTOMERS, *CARRIER], 0.06)
    accounts = pl.DataFrame(
        {
            "account": EVERYONE,
            "extraction_share": [share.get(a, 0.06) for a in EVERYONE],
            "prompts_measured": [20] * len(EVERYONE),
            "exchanges": [20] * len(EVERYONE),
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    rows = [(h, f"e{(i + d) % 12:02d}") for i, h in enumerate(HYDRA) for d in (0, 1, 5)]
    rows += [(p, f"e{i:02d}") for p in CUSTOMERS for i in (0, 6)]
    rows += [(c, f"m{(i + d) % 4}") for i, c in enumerate(CARRIER) for d in (0, 1)]
    rows += [(s, f"campus{(i + d) % 3}") for i, s in enumerate(CLASS) for d in (0, 1)]
    rows += [(u, f"own{u}") for u in ORDINARY]
    ids = pl.DataFrame(
        {"account": [r[0] for r in rows], "family": "ip", "value": [r[1] for r in rows]}
    )
    uses = pl.DataFrame(
        [(h, "W", 3) for h in HYDRA]
        + [(h, "O", 17) for h in HYDRA]
        + [(a, "O", 20) for a in [*CUSTOMERS, *CARRIER, *ORDINARY]]
        + [(s, f"H{s}", 3) for s in CLASS]
        + [(s, "O", 17) for s in CLASS],
        schema={"account": pl.String, "value": pl.String, "n": pl.UInt32},
        orient="row",
    )
    # extraction-style: all of W and of the homework, 2 % of O
    totals = uses.group_by("value").agg(pl.col("n").sum()).sort("value")
    part = pl.when(pl.col("value") == "O").then(0.02).otherwise(1.0)
    extraction = totals.with_columns((pl.col("n") * part).cast(pl.Int64).alias("ext"))
    return accounts, ids, extraction, uses


def _uses(table: pl.DataFrame):  # type: ignore[no-untyped-def]
    def uses(values: pl.DataFrame) -> pl.DataFrame:
        return table.join(values, on="value", how="semi")

    return uses


def test_the_blocks_of_rotating_accounts_and_which_are_significant() -> None:
    accounts, ids, _, _ = _world()
    blocks = rotating_pools(ids, accounts, CFG)
    per = (
        blocks.group_by("value", "significant", "measured")
        .agg(pl.len().alias("n"), pl.col("leans").sum().alias("leaning"))
        .sort("value")
    )
    # the ordinary accounts send from an address of their own: no block
    assert per.select("value", "significant", "measured", "n", "leaning").rows() == [
        ("campus0 and 2 more egress IPs", True, 30, 30, 0),
        ("e00 and 11 more egress IPs", True, 43, 43, 0),
        ("m0 and 3 more egress IPs", False, 40, 40, 0),
    ]
    # pooled: 40 x 20 prompts at 14 % (and the customers' 3 x 20 at 6 %) against the
    # 6 % of the accounts in no block, beyond ln(3 blocks / 0.01) nats
    nats = blocks.filter(pl.col("value").str.starts_with("e00"))["nats"][0]
    k, m = 40 * 20 * 0.14 + 3 * 20 * 0.06, 43 * 20.0
    expected = pl.select(surprise(pl.lit(m), pl.lit(k), 0.06)).item()
    assert nats == pytest.approx(expected) and nats > math.log(3 / 0.01)


def test_the_hydra_is_linked_and_the_customers_and_the_class_are_not() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = crowded(ids, accounts, CFG)
    # nobody heavy; the carrier's addresses (20 accounts each) tested, not significant
    assert crowd.identifiers.is_empty() and not crowd.leaning["significant"].any()
    out = pool_members(crowd, accounts, CFG, extraction, _uses(uses))
    ev = out.evidence.filter(pl.col("family") == LEANING_POOL)
    assert ev.select("a", "b").rows() == [("h00", h) for h in HYDRA[1:]]
    assert set(ev["example"]) == {"e00 and 11 more egress IPs"} and set(ev["min_df"]) == {43}
    named = out.identifiers.filter(pl.col("family") == LEANING_POOL)
    assert sorted(named["account"]) == HYDRA
    # the class's block is significant, but no crowd in it sends alike
    assert not set(out.identifiers["account"]) & {*CLASS, *CUSTOMERS, *CARRIER}


def test_one_template_for_the_whole_class_is_a_crowd_of_it() -> None:
    """The same test links a class that sends one homework template: what keeps it out
    of a campaign is the benign checks and assembly (institutions), not this step."""
    accounts, ids, extraction, uses = _world()
    uses = uses.with_columns(
        pl.when(pl.col("value").str.starts_with("H"))
        .then(pl.lit("H"))
        .otherwise("value")
        .alias("value")
    )
    uses = uses.group_by("account", "value").agg(pl.col("n").sum().cast(pl.UInt32))
    extraction = (
        uses.group_by("value")
        .agg(pl.col("n").sum())
        .with_columns(
            (pl.col("n") * pl.when(pl.col("value") == "O").then(0.02).otherwise(1.0))
            .cast(pl.Int64)
            .alias("ext")
        )
    )
    crowd = crowded(ids, accounts, CFG)
    out = pool_members(crowd, accounts, CFG, extraction, _uses(uses))
    named = out.identifiers.filter(pl.col("family") == LEANING_POOL)
    assert sorted(named["account"]) == sorted([*HYDRA, *CLASS])


def test_nothing_is_tested_without_the_wrappers_or_with_the_alpha_off() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = crowded(ids, accounts, CFG)
    assert pool_members(crowd, accounts, CFG, None, _uses(uses)) is crowd
    off = replace(CFG, crowded_alpha=0.0)
    assert rotating_pools(ids, accounts, off).is_empty()


def test_a_blocks_account_on_the_campaigns_own_client_joins_it_without_being_heavy() -> None:
    """Held-out world 3999: a hydra's account with one wrapper request or none, in its
    block, on its own client and sharing an exit with one of its linked accounts."""
    accounts, ids, _, _ = _world()
    blocks = rotating_pools(ids, accounts, CFG)
    comps = pl.DataFrame(
        {"account": HYDRA[:30], "component": [0] * 30},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    # the group leans: its accounts at 80 % here, as the linked hydra's heavy core
    accounts = accounts.with_columns(
        pl.when(pl.col("account").is_in(HYDRA[:30]))
        .then(0.8)
        .otherwise("extraction_share")
        .alias("extraction_share")
    )
    agents = dict.fromkeys(HYDRA, "python-httpx/0.27.0") | dict.fromkeys(CUSTOMERS, "curl/8.4")
    agents |= dict.fromkeys(ORDINARY[:5], "python-httpx/0.27.0")
    agent_ids = pl.DataFrame(
        {"account": list(agents), "family": "user_agent", "value": list(agents.values())}
    )
    evidence = pl.DataFrame(
        [
            ("h01", "h31", "ip", 1, "e01", 10, 4.0),
            ("h05", "h35", "ip", 1, "e05", 10, 4.0),
            ("h00", "p0", "ip", 1, "e00", 10, 4.0),  # a customer: not on the client
            ("u000", "h30", "ip", 1, "x", 2, 6.0),  # an exit shared outside the block
        ],
        schema=EVIDENCE_SCHEMA,
        orient="row",
    )
    ev = client_members(agent_ids, comps, accounts, evidence, CFG, blocks)
    assert ev.select("a", "b", "family", "example").rows() == [
        ("h01", "h31", MEMBER, "python-httpx/0.27.0"),
        ("h05", "h35", MEMBER, "python-httpx/0.27.0"),
    ]
    # without the blocks, only heavy accounts are weighed: none of these is
    assert client_members(agent_ids, comps, accounts, evidence, CFG).is_empty()


def test_a_block_is_named_by_its_first_exit_and_how_many_more() -> None:
    from extractscan.link.rotating_pools import _blocks

    nine = [f"a{i}" for i in range(9)]
    two = pl.DataFrame({"account": nine * 2, "value": ["x"] * 9 + ["y"] * 9})
    assert set(_blocks(two)["value"]) == {"x and 1 more egress IP"}
    # a family's worth of accounts (FAMILY_MAX) is no block
    assert _blocks(two.filter(pl.col("account") != "a8")).is_empty()
