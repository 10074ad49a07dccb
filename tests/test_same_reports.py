"""benchmarks/same_reports.py: two reports of one scan compared, run fields ignored."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "same_reports.py"
_SPEC = importlib.util.spec_from_file_location("same_reports", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
same_reports = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(same_reports)


def _report(score: float, members: list[str], when: str) -> dict[str, object]:
    return {
        "generated_at": when,
        "incidents": [{"rank": 1, "severity": "high", "score": score, "member_accounts": members}],
    }


def test_reports_differing_only_in_run_time_are_the_same(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report(0.9, ["u1", "u2"], "2026-12-04T10:00:00Z")))
    b.write_text(json.dumps(_report(0.9, ["u1", "u2"], "2026-12-05T11:00:00Z")))
    assert same_reports.compare(a, b) == []
    assert same_reports.main([str(a), str(b)]) == 0


def test_a_moved_score_or_member_is_reported(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report(0.9, ["u1", "u2"], "t")))
    b.write_text(json.dumps(_report(0.8, ["u1"], "t")))
    assert same_reports.compare(a, b) == [
        "/incidents[0]/member_accounts: 2 items against 1",
        "/incidents[0]/score: 0.9 != 0.8",
    ]
    assert same_reports.main([str(a), str(b)]) == 1
