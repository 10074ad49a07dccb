"""Evaluate: exact precision, recall and per-group rates on a hand-made report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractscan.lab.evaluate import evaluate, format_table
from extractscan.model.errors import InputError


def _files(tmp_path: Path) -> tuple[Path, Path]:
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "account,group,kind\n"
        "c1,hydra,campaign\nc2,hydra,campaign\nc3,hydra,campaign\nc4,hydra,campaign\n"
        "n1,university_nat,benign\nn2,university_nat,benign\n"
        "o1,ordinary,benign\no2,ordinary,benign\no3,ordinary,benign\n"
    )
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "flag_severity": "medium",
                "incidents": [
                    {
                        "rank": 1,
                        "severity": "critical",
                        "member_accounts": ["c1", "c2", "c3", "o1"],
                    },
                    {"rank": 2, "severity": "low", "member_accounts": ["n1", "n2", "c4"]},
                ],
            }
        )
    )
    return truth, report


def test_exact_metrics(tmp_path: Path) -> None:
    ev = evaluate(*_files(tmp_path))
    assert ev.precision == 0.75 and ev.recall == 0.75
    assert ev.flagged == 4 and ev.false_positives == 1
    assert ev.top_incident_kind == "campaign"
    g = {r.group: r for r in ev.groups}
    assert (g["hydra"].flagged, g["hydra"].rate, g["hydra"].best_rank) == (3, 0.75, 1)
    assert (g["university_nat"].flagged, g["university_nat"].top_severity) == (0, "low")
    assert g["ordinary"].rate == pytest.approx(1 / 3)
    assert [r.kind for r in ev.groups] == ["campaign", "benign", "benign"]
    table = format_table(ev)
    assert "precision 0.7500  recall 0.7500" in table


def test_min_severity_override(tmp_path: Path) -> None:
    ev = evaluate(*_files(tmp_path), min_severity="low")
    assert ev.recall == 1.0 and ev.false_positives == 3


def test_bad_report_is_input_error(tmp_path: Path) -> None:
    truth, report = _files(tmp_path)
    report.write_text("{not json")
    with pytest.raises(InputError, match="cannot read report or truth"):
        evaluate(truth, report)


def test_purity_benign_rank_and_auc(tmp_path: Path) -> None:
    truth, report = _files(tmp_path)
    scores = tmp_path / "accounts.csv"
    scores.write_text(
        "account,score\nc1,0.9\nc2,0.8\nc3,0.7\nc4,0.2\nn1,0.3\nn2,0.1\no1,0.75\no2,0.0\no3,0.05\n"
    )
    ev = evaluate(truth, report, accounts=scores)
    # incident 1: 3 hydra + 1 ordinary -> 0.75; incident 2: 2 university + 1 hydra -> 2/3
    assert ev.mean_purity == pytest.approx((0.75 + 2 / 3) / 2)
    assert ev.best_benign_rank == 2
    # positives c1..c4 vs 5 negatives: pairs won = 5 + 5 + 4 + 3 = 17 of 20
    assert ev.score_auc == pytest.approx(17 / 20)


def test_roc_auc_ties_and_degenerate() -> None:
    from extractscan.lab.evaluate import roc_auc

    assert roc_auc([0.5, 0.5], [True, False]) == 0.5
    assert roc_auc([1.0], [True]) is None
