"""Generalization metrics: exact values on a hand-built report and truth."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from extractscan.lab.generalize import (
    CampaignMetrics,
    ScoredIncident,
    from_report,
    summarize,
    world_metrics,
)

TRUTH = pl.DataFrame(
    [
        *[(f"h{i}", "c1_hydra", "campaign") for i in range(1, 5)],
        ("g1", "c2_grader", "campaign"),
        ("g2", "c2_grader", "campaign"),
        ("n1", "nat_1", "benign"),
        ("n2", "nat_1", "benign"),
        *[(f"o{i}", "ordinary", "benign") for i in range(1, 5)],
        ("f1", "families", "benign"),
        ("f2", "families", "benign"),
    ],
    schema=["account", "group", "kind"],
    orient="row",
)
INCIDENTS = (
    ScoredIncident(1, "critical", ("h1", "h2", "o1")),
    ScoredIncident(2, "medium", ("n1", "n2", "g1")),
    ScoredIncident(3, "high", ("h3", "f1")),  # half campaign: not a campaign incident
    ScoredIncident(4, "low", ("g2", "h4", "h1")),  # h1 also in rank 1: counts as critical
)


def test_world_metrics_exact() -> None:
    m = world_metrics(INCIDENTS, TRUTH)
    assert m.campaigns == (
        CampaignMetrics("c1_hydra", 4, 0.75, 0.75, 0.5, 3, 1),
        CampaignMetrics("c2_grader", 2, 0.0, 0.5, 0.5, 2, 2),
    )
    assert (m.benign_accounts, m.benign_flagged, m.benign_fpr) == (8, 4, 0.5)
    assert m.benign_groups_high == ("families", "ordinary")
    assert m.p_at_3 is False  # k = 2 campaigns; rank 2 is benign-majority
    assert m.precision_high == pytest.approx(3 / 5)
    assert m.incidents == 4
    assert json.loads(json.dumps(m.to_dict()))["benign_fpr"] == 0.5


def test_p_at_3_and_missing_campaign() -> None:
    one = TRUTH.filter(pl.col("group") != "c2_grader")
    m = world_metrics(INCIDENTS, one)
    assert m.p_at_3 is True  # one campaign: only the top incident must be a campaign
    nothing = world_metrics((), TRUTH)
    assert nothing.campaigns[0] == CampaignMetrics("c1_hydra", 4, 0.0, 0.0, 0.0, 0, None)
    assert nothing.p_at_3 is False and nothing.precision_high is None
    assert nothing.benign_fpr == 0.0


def test_summarize_worst_p5_median() -> None:
    a = world_metrics(INCIDENTS, TRUTH)
    b = world_metrics((ScoredIncident(1, "high", ("h1", "h2", "h3", "h4")),), TRUTH)
    s = {x.name: x for x in summarize([a, b])}
    recall = s["campaign recall at >= high"]  # values 0.75, 0.0, 1.0, 0.0
    assert (recall.values, recall.worst, recall.median) == (4, 0.0, 0.375)
    assert recall.p5 == pytest.approx(0.0)
    comp = s["completeness"]  # 0.5, 0.5, 1.0, 0.0 -> p5 at index 0.15: 0.075
    assert (comp.worst, comp.median) == (0.0, 0.5) and comp.p5 == pytest.approx(0.075)
    inc = s["incidents per campaign"]  # 3, 2, 1, 0 (lower is better: worst = max, p95)
    assert (inc.worst, inc.median) == (3, 1.5) and inc.p5 == pytest.approx(2.85)
    assert s["benign FPR at >= medium"].worst == 0.5
    assert s["benign groups at >= high"].worst == 2
    assert s["P@3"].mean == 0.0  # b: k = 2 but only one incident
    assert world_metrics(INCIDENTS[:1], TRUTH.filter(pl.col("group") != "c2_grader")).p_at_3
    assert s["precision at >= high"].median == pytest.approx((0.6 + 1.0) / 2)


def test_from_report(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        json.dumps(
            {"incidents": [{"rank": 1, "severity": "high", "member_accounts": ["h1", "o1"]}]}
        )
    )
    assert from_report(path) == (ScoredIncident(1, "high", ("h1", "o1")),)
