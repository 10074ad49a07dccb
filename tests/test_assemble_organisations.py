"""Campaign assembly does not join a group of unrelated organisations' jobs to a campaign
through an everyday template both send (extractscan.link.assemble.organisations): exact
rows on a tiny log (held-out world 2798)."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import assemble, organisations

CAMPAIGN = [[f"c{g}{i}" for i in range(3)] for g in range(4)]  # four card triples, new
JOBS = [f"j{i}" for i in range(5)]  # companies' jobs linked by their cloud's exits
MORE_JOBS = [f"k{i:02d}" for i in range(30)]  # the tool's other jobs, in no group
OTHERS = [f"o{i:03d}" for i in range(200)]


def _log() -> tuple[pl.DataFrame, ...]:
    groups = [*CAMPAIGN, JOBS]
    comps = pl.DataFrame(
        {
            "account": [a for g in groups for a in g],
            "component": [k for k, g in enumerate(groups) for _ in g],
        }
    )
    campaign = [a for g in CAMPAIGN for a in g]
    everyone = campaign + JOBS + MORE_JOBS + OTHERS
    email = (
        [f"{a}@mailbox-relay.example" for a in campaign]
        + [f"ci-bot@co{i}.example" for i in range(5)]
        + [f"ci-bot@co{100 + i}.example" for i in range(30)]
        + [f"{a}@gmail.com" for a in OTHERS]
    )
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [0.6] * (len(campaign) + 35) + [0.05] * 200,
            "prompts_measured": [300] * (len(campaign) + 35) + [50] * 200,
            "account_age_days": [2.0] * len(campaign) + [500.0] * 35 + [300.0] * 200,
        }
    )
    accounts = accounts.with_columns(pl.Series("email", email))
    rows = (
        [(a, "wrapper") for a in campaign]  # the campaign's own wrapper
        + [(a, "coding") for a in campaign + JOBS]  # an everyday coding request
        + [(a, "review") for a in JOBS + MORE_JOBS]  # the review tool's template
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
            "value": ["wrapper", "coding", "review"],
            "n": [3600, 1700, 3500],
            "ext": [3500, 1600, 3300],
        }
    )
    cards = pl.DataFrame(
        {
            "account": campaign + JOBS,
            "value": [f"card{k}" for k, g in enumerate(CAMPAIGN) for _ in g] + JOBS,
        }
    )
    return comps, accounts, ids, extraction, cards


def test_organisations_are_established_groups_each_on_a_domain_of_its_own() -> None:
    comps, accounts, _, _, _ = _log()
    assert organisations(comps, accounts)["component"].to_list() == [4]
    # on a mass provider's domain, or on one domain of their own: not organisations
    for email in ("ci-bot@gmail.com", "ci-bot@co1.example"):
        same = accounts.with_columns(
            pl.when(pl.col("account").is_in(JOBS))
            .then(pl.lit(email))
            .otherwise("email")
            .alias("email")
        )
        assert organisations(comps, same).is_empty(), email
    # nor new accounts
    young = accounts.with_columns(
        pl.when(pl.col("account").is_in(JOBS))
        .then(pl.lit(3.0))
        .otherwise("account_age_days")
        .alias("account_age_days")
    )
    assert organisations(comps, young).is_empty()
    assert organisations(comps, accounts.drop("email")).is_empty()


def test_the_jobs_are_not_assembled_into_the_campaign_through_an_everyday_request() -> None:
    comps, accounts, ids, extraction, cards = _log()
    rows = assemble(comps, ids, accounts, LinkConfig(), extraction, cards=cards)
    joined = rows.select("a", "b").rows()
    assert ("c00", "c10") in joined and ("c00", "c20") in joined and ("c00", "c30") in joined
    assert not any("j0" in pair for pair in joined)
    # without their e-mail addresses nothing says they are organisations: joined
    unnamed = accounts.drop("email")
    blind = assemble(comps, ids, unnamed, LinkConfig(), extraction, cards=cards)
    assert any("j0" in pair for pair in blind.select("a", "b").rows())
