"""Benign explanations: each look-alike fits exactly where it should, with its reason."""

from __future__ import annotations

import polars as pl

from extractscan.assess.benign import checks
from extractscan.model.findings import LinkEvidence


def _links(*families: str) -> tuple[LinkEvidence, ...]:
    return tuple(LinkEvidence(f, f, 2, 1, 1.0, ()) for f in families)


def _accounts(n: int, extraction: float, org: str | None = None, volumes: list[int] | None = None):  # type: ignore[no-untyped-def]
    return pl.DataFrame(
        {
            "account": [f"a{i}" for i in range(n)],
            "exchanges": volumes or [10] * n,
            "extraction_share": [extraction] * n,
            "org": [org] * n,
        },
        schema_overrides={"org": pl.String},
    )


BASE = {"extraction_share": 0.05}


def _fits(result: tuple) -> list[str]:  # type: ignore[type-arg]
    return [c.name for c in result if c.fits]


def test_campaign_fits_nothing() -> None:
    r = checks(_accounts(40, 0.7), _links("payment", "ip", "co_activity"), BASE)
    assert _fits(r) == []
    nat = next(c for c in r if c.name == "shared_nat")
    assert nat.reason == (
        "accounts are also tied by payment; extraction-style prompts 70% vs benign 5%"
    )


def test_campus_nat_fits_shared_nat() -> None:
    r = checks(_accounts(15, 0.1), _links("ip", "ip_prefix", "email_pattern", "co_activity"), BASE)
    assert _fits(r) == ["shared_nat"]


def test_enterprise_org_family_reseller_framework() -> None:
    assert "enterprise_batch" in _fits(checks(_accounts(6, 0.9, org="acme"), _links("ip"), BASE))
    assert _fits(checks(_accounts(3, 0.05), _links("payment", "ip"), BASE)) == ["family_card"]
    big = _accounts(2, 0.05, volumes=[900, 100])
    assert "reseller" in _fits(checks(big, _links("ip", "co_activity"), BASE))
    # one account carrying most of two accounts' extraction traffic is not a reseller
    pair = checks(_accounts(2, 0.86, volumes=[230, 153]), _links("ip", "co_activity"), BASE)
    reseller = next(c for c in pair if c.name == "reseller")
    assert not reseller.fits and reseller.reason == (
        "the busiest account carries 60.1% of 383 exchanges across 2 accounts; "
        "but extraction-style prompts 86% vs benign 5%"
    )
    assert _fits(checks(_accounts(30, 0.05), _links("template", "user_agent"), BASE)) == [
        "shared_nat",
        "framework_template",
    ]
