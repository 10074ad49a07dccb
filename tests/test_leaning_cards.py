"""Cards too common to pair whose accounts lean to extraction together (link/leaning_cards)."""

from __future__ import annotations

import polars as pl

from extractscan.assess.benign import checks
from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.leaning_cards import LEANING_CARD, crowded, leaning_cards
from extractscan.model.findings import LinkEvidence

CFG = LinkConfig()  # max_accounts_per_value["payment"] = 60


def _world(cards: dict[str, list[float]], heavy: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(ids, accounts): each card's accounts with their extraction shares (100 measured
    prompts each), 500 ordinary accounts at 5 % on cards of their own and ``heavy``
    accounts of an unlinked campaign at 60 %."""
    rows: list[tuple[str, str, float]] = []
    for card, shares in cards.items():
        rows += [(f"{card}-{i:03d}", card, s) for i, s in enumerate(shares)]
    rows += [(f"u{i:03d}", f"own{i:03d}", 0.05) for i in range(500)]
    rows += [(f"x{i:03d}", f"x{i:03d}", 0.6) for i in range(heavy)]
    accounts = pl.DataFrame(
        {
            "account": [r[0] for r in rows],
            "extraction_share": [r[2] for r in rows],
            "prompts_measured": [100] * len(rows),
        }
    )
    ids = pl.DataFrame(
        {
            "account": [r[0] for r in rows],
            "family": ["payment"] * len(rows),
            "value": [r[1] for r in rows],
        }
    )
    return ids, accounts


def test_a_card_whose_accounts_mostly_lean_links_its_leaning_accounts() -> None:
    # held-out world 3306 (held-out wording): 114 hydra accounts on one card, 17 % of
    # their prompts extraction-style against 6 %, none heavy; in no incident before
    ids, accounts = _world(
        {
            "hydra": [0.3] * 50 + [0.05] * 20,  # 50 of 70 lean: linked, the 20 are not
            "staff": [0.3] * 20 + [0.05] * 50,  # 20 of 70 lean: a company's, not linked
            "little": [0.06] * 70,  # a little above the base, never beyond its bound
            "mid": [0.3] * 20,  # 20 of 570 accounts: ln(570 / 20) < strong_weight
            "team": [0.3] * 8,  # a family's or a team's size: left to the pairs
        }
    )
    ev = leaning_cards(ids, accounts, CFG)
    assert ev.schema == pl.Schema(EVIDENCE_SCHEMA)
    assert ev["family"].unique().to_list() == [LEANING_CARD]
    hydra = ev.filter(pl.col("example") == "hydra")
    assert hydra["a"].unique().to_list() == ["hydra-000"]
    assert hydra["b"].to_list() == [f"hydra-{i:03d}" for i in range(1, 50)]
    assert hydra["min_df"].unique().to_list() == [70]  # the card's measured accounts
    assert hydra["weight"].unique().to_list() == [20.0]  # far beyond: the crowds' cap
    mid = ev.filter(pl.col("example") == "mid")
    assert mid["b"].to_list() == [f"mid-{i:03d}" for i in range(1, 20)]
    assert ev.height == 49 + 19


def test_the_ordinary_rate_leaves_out_an_unlinked_campaigns_heavy_accounts() -> None:
    # fit world 1005 in another hand's wording: a hydra at 21 % on six cards beside an
    # identifier-free campaign at 59 %, a third of the log's accounts
    ids, accounts = _world({"hydra": [0.3] * 70}, heavy=300)
    assert leaning_cards(ids, accounts, CFG).height == 69
    # with them in the rate it is not: 0.3 over 100 prompts has a Wilson bound of 0.23,
    # not above 0.26
    everyone = LinkConfig(heavy_share=1.0)
    assert leaning_cards(ids, accounts, everyone).is_empty()


def test_the_card_test_needs_content_and_a_cap() -> None:
    ids, accounts = _world({"hydra": [0.3] * 70})
    assert leaning_cards(ids, accounts, CFG).height == 69
    # without measured prompts nothing leans
    assert leaning_cards(ids, accounts.drop("prompts_measured"), CFG).is_empty()
    # under the crowds' family-wise rate 0 nothing is tested
    assert leaning_cards(ids, accounts, LinkConfig(crowded_alpha=0.0)).is_empty()
    # a card rare enough to link its accounts on its own is left to the pairs: at a
    # strong weight of 2, ln(570 / n) reaches it up to n = 77 (a cap of 100) ...
    caps = {**CFG.max_accounts_per_value, "payment": 100}
    rare = LinkConfig(strong_weight=2.0, max_accounts_per_value=caps)
    assert leaning_cards(ids, accounts, rare).is_empty()
    # ... but not beyond the cap, where no pairs are made at all (60)
    assert leaning_cards(ids, accounts, LinkConfig(strong_weight=2.0)).height == 69
    # accounts with fewer than heavy_min_prompts measured prompts do not lean
    few = accounts.with_columns(pl.lit(9).alias("prompts_measured"))
    assert leaning_cards(ids, few, CFG).is_empty()


def test_the_crowds_carry_the_leaning_cards_evidence_and_identifiers() -> None:
    ids, accounts = _world({"hydra": [0.3] * 70})
    crowd = crowded(ids, accounts, CFG)
    mine = crowd.evidence.filter(pl.col("family") == LEANING_CARD)
    assert mine.height == 69
    named = crowd.identifiers.filter(pl.col("family") == LEANING_CARD)
    assert named["account"].to_list() == [f"hydra-{i:03d}" for i in range(70)]
    assert named["value"].unique().to_list() == ["hydra"]


def test_a_leaning_card_is_a_card_nat_cannot_explain() -> None:
    members = pl.DataFrame(
        {
            "account": [f"a{i}" for i in range(40)],
            "exchanges": [900] * 40,
            "extraction_share": [0.17] * 40,
            "org": [None] * 40,
        },
        schema_overrides={"org": pl.String},
    )
    links = (LinkEvidence(LEANING_CARD, LEANING_CARD, 40, 39, 20.0, ()),)
    nat = next(
        c for c in checks(members, links, {"extraction_share": 0.06}) if c.name == "shared_nat"
    )
    assert not nat.fits
    assert nat.reason.startswith("accounts are also tied by payment; ")
    # too many for a family, but not "no shared card"
    team = next(
        c for c in checks(members, links, {"extraction_share": 0.06}) if c.name == "family_card"
    )
    assert not team.fits
    assert team.reason == "40 accounts; extraction-style prompts 17%"


def test_the_report_says_what_a_leaning_card_is_once() -> None:
    from dataclasses import replace

    from extractscan.report.wording import how_to_read
    from tests.test_report import findings

    f = findings(1)
    card = LinkEvidence(LEANING_CARD, "card", 40, 39, 20.0, (("card_1", 40),))
    tied = replace(f.incidents[0], links=(card,))
    text = how_to_read(f, (tied,))
    assert "A card whose accounts lean to extraction together is one too common" in text
    assert "A card whose accounts lean" not in how_to_read(f, f.incidents)
