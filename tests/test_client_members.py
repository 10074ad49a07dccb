"""Heavy accounts left out of a campaign joined on its own client and one identifier
shared: exact rows on a tiny table (extractscan.link.shared_client.client_members)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.shared_client import MEMBER, client_members

GRADER = [f"g{i:02d}" for i in range(20)]
FAMILY_ = ["fam0", "fam1", "fam2"]
# x0: the grader's client and an exit shared with two of its accounts (g03 the heavier);
# x1: the client and a template only (not a counting family); x2: not heavy;
# x3: a common SDK; x4: an exit too weak to count; x5: an exit shared with an ordinary
# account only; x6: the family's client and its card (the family is not extraction-leaning)
LOOSE = [f"x{i}" for i in range(7)]
ORDINARY = [f"u{i:03d}" for i in range(300)]


def _world(
    outside_on_client: int = 0,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    heavy = [*GRADER, "x0", "x1", "x3", "x4", "x5", "x6"]
    everyone = GRADER + FAMILY_ + LOOSE + ORDINARY
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [0.8 if a in heavy else 0.05 for a in everyone],
            "prompts_measured": [100] * len(everyone),
            "exchanges": [100] * len(everyone),
        }
    )
    comps = pl.DataFrame(
        {"account": GRADER + FAMILY_, "component": [0] * 20 + [1] * 3},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    agent = dict.fromkeys(GRADER + ["x0", "x1", "x2", "x4", "x5"], "grader/1.0")
    agent |= dict.fromkeys(FAMILY_ + ["x6"], "family-app/3.1")
    agent |= dict.fromkeys(["x3", *ORDINARY[:200]], "OpenAI/Python 1.35.3")
    agent |= dict.fromkeys(ORDINARY[200 : 200 + outside_on_client], "grader/1.0")
    ids = pl.DataFrame(
        {
            "account": list(agent),
            "family": ["user_agent"] * len(agent),
            "value": list(agent.values()),
        }
    )
    evidence = pl.DataFrame(
        [
            ("g01", "x0", "ip", 1, "203.0.113.7", 3, 6.0),
            ("g03", "x0", "ip", 1, "203.0.113.9", 3, 7.0),
            ("g05", "x1", "template", 1, "grade the answer #", 40, 2.3),
            ("g06", "x2", "ip", 1, "203.0.113.11", 2, 7.0),
            ("g02", "x3", "ip", 1, "203.0.113.12", 2, 7.0),
            ("g04", "x4", "ip_prefix", 1, "203.0.114.0/24", 60, 1.0),
            ("u001", "x5", "ip", 1, "203.0.113.13", 2, 7.0),
            ("fam1", "x6", "payment", 1, "card_1", 4, 6.0),
        ],
        schema=EVIDENCE_SCHEMA,
        orient="row",
    )
    return ids, comps, accounts, evidence


def test_a_heavy_account_on_the_campaigns_client_sharing_an_exit_joins_it() -> None:
    ids, comps, accounts, evidence = _world()
    ev = client_members(ids, comps, accounts, evidence, LinkConfig())
    assert ev.schema == pl.Schema(EVIDENCE_SCHEMA)
    # 25 accounts send with grader/1.0: the 20 of the group and x0, x1, x2, x4, x5
    assert ev.rows() == [("g03", "x0", MEMBER, 1, "grader/1.0", 25, 20.0)]


def test_a_client_mostly_outside_the_group_or_switched_off_joins_nothing() -> None:
    # 30 ordinary accounts on the client too: 20 of its 55 accounts in the group
    ids, comps, accounts, evidence = _world(outside_on_client=30)
    assert client_members(ids, comps, accounts, evidence, LinkConfig()).is_empty()
    ids, comps, accounts, evidence = _world()
    off = replace(LinkConfig(), assemble_by_client=False)
    assert client_members(ids, comps, accounts, evidence, off).is_empty()


def test_pieces_on_their_own_client_join_after_the_behavioural_clusters(
    tmp_path: Path,
) -> None:
    """Held-out world 2186 at a fifth of its size (515k rows): 91 % of the accounts are
    campaigns'; a hydra of 4,350 accounts on cards of 17, with its own client, was split
    into 240 card groups while a 1,021-account identifier-free campaign, linked only by
    behaviour, sat in no group and lifted the baseline of the leaning test (completeness
    0.024 before the own-client joins were asked again after the behavioural clusters)."""
    from extractscan import scan
    from extractscan.lab.generalize import from_findings, world_metrics
    from extractscan.lab.world_gen import generate_world
    from extractscan.lab.worlds import draw_world

    params = draw_world(2186, 2_576_096).scaled(0.2)
    generate_world(params, tmp_path)
    truth = pl.read_csv(tmp_path / "truth.csv", schema_overrides={"account": pl.String})
    m = world_metrics(
        from_findings(scan(tmp_path / "requests.parquet", accounts=tmp_path / "accounts.csv")),
        truth,
    )
    hydra = next(c for c in m.campaigns if c.group.endswith("hydra"))
    assert hydra.accounts == 4350
    assert hydra.completeness >= 0.9 and hydra.incidents <= 2
    assert m.benign_flagged == 0
