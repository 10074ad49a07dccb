"""Campaign assembly does not join a class's linked students to a campaign through the
step-by-step templates the class sends (extractscan.link.assemble.institutions): exact
rows on a tiny log (held-out world 3840 in the held-out wording)."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import assemble, institutions

CAMPAIGN = [[f"c{g}{i}" for i in range(3)] for g in range(4)]  # four card triples, new
CLASS = [f"s{i:02d}" for i in range(6)]  # students linked by their campus's exits
MORE_STUDENTS = [f"t{i:02d}" for i in range(30)]  # the class's others, in no group
OTHERS = [f"o{i:03d}" for i in range(200)]


def _log(class_hours: float = 0.6, campaign_hours: float = 0.95) -> tuple[pl.DataFrame, ...]:
    groups = [*CAMPAIGN, CLASS]
    comps = pl.DataFrame(
        {
            "account": [a for g in groups for a in g],
            "component": [k for k, g in enumerate(groups) for _ in g],
        }
    )
    campaign = [a for g in CAMPAIGN for a in g]
    students = CLASS + MORE_STUDENTS
    accounts = pl.DataFrame(
        {
            "account": campaign + students + OTHERS,
            "extraction_share": [0.6] * len(campaign) + [0.4] * 36 + [0.05] * 200,
            "prompts_measured": [300] * len(campaign) + [100] * 36 + [50] * 200,
            "account_age_days": [2.0] * len(campaign) + [3.0] * 36 + [300.0] * 200,
            "hour_entropy": [campaign_hours] * len(campaign) + [class_hours] * 36 + [0.8] * 200,
            "email": [f"{a}@mailbox-relay.example" for a in campaign]
            + [f"{a}@uni74.example.edu" for a in students]
            + [f"{a}@gmail.com" for a in OTHERS],
        }
    )
    rows = (
        [(a, "wrapper") for a in campaign]  # the campaign's own wrapper
        + [(a, "step") for a in campaign + students]  # think step by step
    )
    ids = pl.DataFrame(
        {
            "account": [a for a, _ in rows],
            "family": ["template"] * len(rows),
            "value": [v for _, v in rows],
        }
    )
    extraction = pl.DataFrame(
        {"value": ["wrapper", "step"], "n": [3600, 4000], "ext": [3500, 3800]}
    )
    # a card per triple, a card per student
    paid = [(a, f"card{k}") for k, g in enumerate(CAMPAIGN) for a in g]
    cards = pl.DataFrame(
        paid + [(a, a) for a in students], schema=["account", "value"], orient="row"
    )
    return comps, accounts, ids, extraction, cards


def test_a_class_is_a_group_on_an_institutions_domain_in_class_hours_sharing_no_card() -> None:
    comps, accounts, _, _, cards = _log()
    leaning = comps.select("account")
    assert institutions(comps, accounts, cards, leaning)["component"].to_list() == [4]
    # round the clock, or on one card: no class
    assert institutions(comps, _log(class_hours=0.95)[1], cards, leaning).is_empty()
    paying = cards.with_columns(
        pl.when(pl.col("account").is_in(CLASS))
        .then(pl.lit("one"))
        .otherwise("value")
        .alias("value")
    )
    assert institutions(comps, accounts, paying, leaning).is_empty()
    # a campaign in a class's hours on its own throwaway domain, a card per account: the
    # domain is most in the pieces that lean, so no institution's (without them it would
    # be one)
    day = _log(campaign_hours=0.6)[1]
    own = cards.with_columns(pl.col("account").alias("value"))
    assert institutions(comps, day, own, leaning)["component"].to_list() == [4]
    assert institutions(comps, day, own)["component"].to_list() == [0, 1, 2, 3, 4]
    assert institutions(comps, accounts.drop("email"), cards, leaning).is_empty()


def test_the_class_is_not_assembled_into_the_campaign_through_its_homework() -> None:
    comps, accounts, ids, extraction, cards = _log()
    rows = assemble(comps, ids, accounts, LinkConfig(), extraction, cards=cards)
    joined = rows.select("a", "b").rows()
    assert ("c00", "c10") in joined and ("c00", "c20") in joined and ("c00", "c30") in joined
    assert not any("s00" in pair for pair in joined)
    # round the clock nothing says they are a class: joined through "step"
    busy = _log(class_hours=0.95)[1]
    blind = assemble(comps, ids, busy, LinkConfig(), extraction, cards=cards)
    assert ("c00", "s00") in blind.select("a", "b").rows()
