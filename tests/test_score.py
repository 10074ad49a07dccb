"""Score: account components and the incident score, exact values."""

from __future__ import annotations

import polars as pl
import pytest

from extractscan.assess.score import (
    IncidentParts,
    account_scores,
    coordination_part,
    links_part,
    scale_part,
)


def test_account_score_weighted_over_measured_components() -> None:
    df = pl.DataFrame(
        {
            "extraction_share": [1.0, 0.0, 0.5],
            "template_concentration": [1.0, 0.0, None],
            "hour_entropy": [1.0, 0.0, None],
            "token_ratio": [10.0, 0.0, None],
            "account_age_days": [1.0, 400.0, None],
        }
    )
    # third row: only extraction measured -> its own value, not diluted by unknowns
    assert account_scores(df)["score"].to_list() == [1.0, 0.0, 0.5]


def test_account_age_steps() -> None:
    df = pl.DataFrame(
        {
            "extraction_share": [0.0] * 3,
            "template_concentration": [0.0] * 3,
            "hour_entropy": [0.0] * 3,
            "token_ratio": [0.0] * 3,
            "account_age_days": [3.0, 20.0, 90.0],
        }
    )
    assert account_scores(df)["score"].to_list() == [0.15, 0.075, 0.0]


def test_incident_parts() -> None:
    assert scale_part(1_000_000) == 1.0
    assert scale_part(1000) == 0.5
    assert links_part(6.0) == 0.5
    assert coordination_part(0.2, 0.6) == pytest.approx(0.7)
    assert coordination_part(None, 0.0) == 0.0
    strong = IncidentParts(content=0.8, links=1.0, coordination=0.8, scale=1.0)
    assert strong.score == pytest.approx(0.45 * 0.8 + 0.2 + 0.12 + 0.2)
    # weak content gates the score: same links, coordination and scale
    weak = IncidentParts(content=0.2, links=1.0, coordination=0.8, scale=1.0)
    assert weak.score == pytest.approx((0.45 * 0.2 + 0.2 + 0.12 + 0.2) * (0.4 + 0.6 * 0.4))
