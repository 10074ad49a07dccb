"""Campaign assembly weighs a template's users in linked groups against the ordinary
accounts only: extraction-heavy accounts in no group (an identifier-free campaign not
yet linked) are neither (extractscan.link.assemble; held-out world 3060). Exact rows on
a tiny log."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import assemble

CAMPAIGN = [[f"c{g}{i}" for i in range(3)] for g in range(4)]  # four card triples
GRADER = [f"g{i}" for i in range(3)]  # another operator's piece
ORDINARY = [f"o{i:03d}" for i in range(100)]
UNLINKED = [f"u{i:03d}" for i in range(200)]  # heavy, in no group


def _log(unlinked: int = 200) -> tuple[pl.DataFrame, ...]:
    groups = [*CAMPAIGN, GRADER]
    comps = pl.DataFrame(
        {
            "account": [a for g in groups for a in g],
            "component": [k for k, g in enumerate(groups) for _ in g],
        }
    )
    campaign = [a for g in CAMPAIGN for a in g]
    heavy = UNLINKED[:unlinked]
    everyone = campaign + GRADER + ORDINARY + heavy
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [0.6] * 15 + [0.05] * 100 + [0.6] * unlinked,
            "prompts_measured": [300] * 15 + [50] * 100 + [100] * unlinked,
        }
    )
    rows = (
        [(a, "wrapper") for a in campaign]  # the campaign's own wrapper
        + [(a, "rubric") for a in GRADER]  # the grader's
        # an everyday coding request: the campaign's resold traffic, the grader's and
        # 60 ordinary accounts'; the unlinked heavy accounts never send it
        + [(a, "coding") for a in campaign + GRADER + ORDINARY[:60]]
    )
    ids = pl.DataFrame(
        {
            "account": [a for a, _ in rows],
            "family": ["template"] * len(rows),
            "value": [v for _, v in rows],
        }
    )
    extraction = pl.DataFrame(
        {"value": ["wrapper", "rubric", "coding"], "n": [3600, 900, 1700], "ext": [3500, 880, 1600]}
    )
    return comps, accounts, ids, extraction


def _joined(unlinked: int) -> list[tuple[str, str, str]]:
    comps, accounts, ids, extraction = _log(unlinked)
    rows = assemble(comps, ids, accounts, LinkConfig(), extraction)
    return rows.select("a", "b", "example").rows()


def test_an_everyday_request_joins_nothing_beside_an_unlinked_heavy_crowd() -> None:
    # 15 of the 115 ordinary-or-grouped accounts are in groups (13 %), and 15 of the
    # coding request's 75 users (20 %): within chance, so only the campaign's wrapper
    # joins, its four triples and not the grader (before: 15 of 315, 4.8 %, and the
    # request at 11 nats joined the grader's piece to the campaign)
    assert _joined(200) == [
        ("c00", "c10", "wrapper"),
        ("c00", "c20", "wrapper"),
        ("c00", "c30", "wrapper"),
    ]


def test_an_unlinked_heavy_crowd_changes_nothing_that_joins() -> None:
    # without them the rate is the same 15 of 115: the test reads the accounts that
    # can be ordinary, however many heavy accounts no group holds
    assert _joined(0) == _joined(200)
