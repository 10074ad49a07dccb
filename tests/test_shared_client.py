"""Linked groups joined by a user agent of their own: exact rows on a tiny table
(extractscan.link.shared_client)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.shared_client import FAMILY, client_joins

# two pieces of a grader (one per subnet), another campaign on a common SDK, a family
GRADER_A = [f"ga{i:02d}" for i in range(20)]
GRADER_B = [f"gb{i:02d}" for i in range(12)]
OTHER = [f"oc{i:02d}" for i in range(10)]
FAMILY_ = ["fam0", "fam1", "fam2"]
ORDINARY = [f"u{i:03d}" for i in range(300)]


def _world(outside_on_grader_ua: int) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    heavy = GRADER_A + GRADER_B + OTHER
    everyone = heavy + FAMILY_ + ORDINARY
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [0.8] * len(heavy) + [0.05] * (3 + 300),
            "prompts_measured": [100] * len(everyone),
            "exchanges": [100] * len(everyone),
        }
    )
    comps = pl.DataFrame(
        {
            "account": GRADER_A + GRADER_B + OTHER + FAMILY_,
            "component": [0] * 20 + [1] * 12 + [2] * 10 + [3] * 3,
        },
        schema={"account": pl.String, "component": pl.UInt32},
    )
    agent = dict.fromkeys(GRADER_A + GRADER_B[:10], "grader/1.0")
    agent |= dict.fromkeys(GRADER_B[10:], "other/2.0")
    agent |= dict.fromkeys(OTHER + ORDINARY[:200], "OpenAI/Python 1.35.3")
    agent |= {"fam0": "grader/1.0", "fam1": "Mozilla/5.0", "fam2": "Mozilla/5.0"}
    agent |= dict.fromkeys(ORDINARY[200 : 200 + outside_on_grader_ua], "grader/1.0")
    ids = pl.DataFrame(
        {
            "account": list(agent),
            "family": ["user_agent"] * len(agent),
            "value": list(agent.values()),
        }
    )
    return ids, comps, accounts


def test_the_pieces_on_their_own_client_are_joined() -> None:
    # grader/1.0: 20 of 20 of the first piece, 10 of 12 of the second, one family
    # member and 3 ordinary accounts: 30 of its 34 accounts in the two pieces
    ids, comps, accounts = _world(3)
    ev = client_joins(ids, comps, accounts, LinkConfig())
    assert ev.schema == pl.Schema(EVIDENCE_SCHEMA)
    assert ev.rows() == [("ga00", "gb00", FAMILY, 1, "grader/1.0", 2, 20.0)]


def test_a_client_many_others_use_or_a_group_mostly_elsewhere_joins_nothing() -> None:
    # 40 ordinary accounts on it too: 30 of 74 in the pieces
    ids, comps, accounts = _world(40)
    assert client_joins(ids, comps, accounts, LinkConfig()).is_empty()
    # the second piece mostly on another client: only one piece covered
    ids, comps, accounts = _world(3)
    moved = ids.with_columns(
        pl.when(pl.col("account").is_in(GRADER_B[:7]))
        .then(pl.lit("other/2.0"))
        .otherwise("value")
        .alias("value")
    )
    assert client_joins(moved, comps, accounts, LinkConfig()).is_empty()
    # the common SDK of the other campaign is mostly ordinary accounts': no join either
    # way, and switched off nothing is joined
    off = replace(LinkConfig(), assemble_by_client=False)
    assert client_joins(ids, comps, accounts, off).is_empty()
