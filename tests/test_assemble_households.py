"""Campaign assembly does not join families and small teams through a template that
others send too (extractscan.link.assemble.households): exact rows on a tiny log."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import assemble, households

TEAMS = [[f"t{g}{i}" for i in range(3)] for g in range(4)]  # four teams, a card each
CAMPAIGN = [[f"c{g}{i}" for i in range(3)] for g in range(4)]  # four card triples
AGED = [[f"a{g}{i}" for i in range(3)] for g in range(2)]  # triples of bought, aged accounts
CLASS = [f"s{i:02d}" for i in range(20)]  # a class: one linked group, too large a piece
OTHERS = [f"o{i:03d}" for i in range(200)]


def _log() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    groups = [*TEAMS, *CAMPAIGN, *AGED, CLASS]
    comps = pl.DataFrame(
        {
            "account": [a for g in groups for a in g],
            "component": [k for k, g in enumerate(groups) for _ in g],
        }
    )
    grouped = comps["account"].to_list()
    age = {a: 400.0 for g in [*TEAMS, *AGED] for a in g} | {a: 2.0 for g in CAMPAIGN for a in g}
    accounts = pl.DataFrame(
        {
            "account": grouped + OTHERS,
            "extraction_share": [0.6] * len(grouped) + [0.05] * 200,
            "prompts_measured": [300] * len(grouped) + [50] * 200,
            "account_age_days": [age.get(a, 200.0) for a in grouped] + [300.0] * 200,
        }
    )
    cards = pl.DataFrame(
        {
            "account": [a for g in [*TEAMS, *CAMPAIGN, *AGED] for a in g],
            "value": [f"card{k}" for k, g in enumerate([*TEAMS, *CAMPAIGN, *AGED]) for _ in g],
        }
    )
    teams = [a for g in TEAMS for a in g]
    campaign = [a for g in CAMPAIGN for a in g]
    aged = [a for g in AGED for a in g]
    rows = (
        [(a, "stepwise") for a in teams + CLASS]  # the step-by-step template a class sends
        + [(a, "stepwise 2") for a in teams + CLASS]  # and another
        + [(a, "rare topic") for a in teams[:6]]  # one that, by chance, two teams alone send
        + [(a, "wrapper") for a in campaign]  # the campaign's own wrapper
        + [(a, "aged wrapper") for a in aged]  # another campaign's, on aged accounts
    )
    ids = pl.DataFrame(
        {
            "account": [a for a, _ in rows],
            "family": ["template"] * len(rows),
            "value": [v for _, v in rows],
        }
    )
    extraction = pl.DataFrame(
        {
            "value": ["stepwise", "stepwise 2", "rare topic", "wrapper", "aged wrapper"],
            "n": [9600, 9600, 600, 3600, 1800],
            "ext": [9000, 9000, 560, 3500, 1700],
        }
    )
    return comps, accounts, cards, ids, extraction


def test_households_are_the_small_established_groups_on_one_card() -> None:
    comps, accounts, cards, _, _ = _log()
    # the teams (0-3) and the aged triples (8, 9); not the new campaign's, nor the class
    assert households(comps, accounts, cards)["component"].to_list() == [0, 1, 2, 3, 8, 9]
    # a group on two cards is not one household
    split = cards.with_columns(
        pl.when(pl.col("account") == "t00").then(pl.lit("other")).otherwise("value").alias("value")
    )
    assert households(comps, accounts, split)["component"].to_list() == [1, 2, 3, 8, 9]
    assert households(comps, accounts.drop("account_age_days"), cards).is_empty()


def test_teams_are_not_joined_through_a_template_a_class_sends_too() -> None:
    comps, accounts, cards, ids, extraction = _log()
    rows = assemble(comps, ids, accounts, LinkConfig(), extraction, cards=cards)
    # the campaign's triples on its own wrapper, the aged triples on theirs: every user
    # of those is in the pieces; no team, not even on the rare topic that only two teams
    # sent (one of their three templates: the others are a class's too)
    assert rows.select("a", "b", "example").rows() == [
        ("a00", "a10", "aged wrapper"),
        ("c00", "c10", "wrapper"),
        ("c00", "c20", "wrapper"),
        ("c00", "c30", "wrapper"),
    ]
    # without the cards (the code before): the teams were one campaign on the template
    before = assemble(comps, ids, accounts, LinkConfig(), extraction)
    joined = before.select("a", "b", "example").rows()
    assert ("t00", "t10", "rare topic") in joined and ("t00", "t20", "stepwise") in joined
    assert before.height == 7
