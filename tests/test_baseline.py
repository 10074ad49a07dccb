"""--baseline: incidents keep their id from run to run; new, known and resolved."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.model.errors import UsageError
from extractscan.run.baseline import BaselineIncident, match, read_baseline
from tests.conftest import campaign_frames


def _b(ident: str, members: str, severity: str = "high") -> BaselineIncident:
    return BaselineIncident(ident, severity, frozenset(members.split()))


def _s(members: str) -> frozenset[str]:
    return frozenset(members.split())


def test_match_growth_split_and_thresholds() -> None:
    old = (_b("INC-A", "a b c d"), _b("INC-B", "x y z"), _b("INC-C", "p q r s t u v w"))
    new = (
        _s("a b c d e f g h i j k l"),  # grew 3x: Jaccard 1/3 and holds all of A
        _s("x q"),  # half of its members in B (and in C)
        _s("r s"),  # the rest of C, which x-q does not take
        _s("m n o"),  # unrelated
    )
    # x-q: with B Jaccard 1/4 (share 1/2), with C 1/9 (share 1/2): B wins; r-s takes C
    assert match(new, old) == {0: 0, 1: 1, 2: 2}
    # below both thresholds: 1 shared of 10 and of 4
    assert match((_s("a 1 2 3 4 5 6 7 8 9"),), old) == {}


def test_match_one_to_one_with_deterministic_ties() -> None:
    old: tuple[BaselineIncident, ...] = (_b("INC-B", "a b"), _b("INC-A", "c d"))
    # equal Jaccard and overlap with both: the lower id wins
    new: tuple[frozenset[str], ...] = (_s("a b c d"),)
    assert match(new, old) == {0: 1}
    old = (_b("INC-A", "a b c d"),)
    new = (_s("a b"), _s("c d"))  # equal: the higher-ranked incident keeps the id
    assert match(new, old) == {0: 0}


def test_read_baseline_refuses_other_json(tmp_path: Path) -> None:
    p = tmp_path / "x.json"
    p.write_text('{"hello": 1}')
    with pytest.raises(UsageError, match="not an extractscan JSON report"):
        read_baseline(p)
    with pytest.raises(UsageError, match="cannot read"):
        read_baseline(tmp_path / "missing.json")


def _week(tmp_path: Path, week: int, n_campaign: int) -> tuple[Path, Path]:
    req, acc = campaign_frames(n_campaign=n_campaign, n_benign=200)
    ts = pl.col("timestamp").str.to_datetime(time_zone="UTC") + timedelta(days=7 * week)
    req = req.with_columns(ts.dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("timestamp"))
    rp, ap = tmp_path / f"week{week}.csv", tmp_path / f"accounts{week}.csv"
    req.write_csv(rp)
    acc.write_csv(ap)
    return rp, ap


def _scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--config", "none"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, json.loads(r.stdout), r.stderr


def test_week_by_week_campaign_keeps_its_id(tmp_path: Path) -> None:
    ids: list[str] = []
    reports: list[Path] = []
    for week, size in enumerate((8, 12, 16, 20)):
        req, acc = _week(tmp_path, week, size)
        extra = ["--baseline", str(reports[-1])] if reports else []
        code, data, _ = _scan(str(req), "--accounts", str(acc), *extra)
        assert code == 0
        (tmp_path / f"r{week}.json").write_text(json.dumps(data))
        reports.append(tmp_path / f"r{week}.json")
        [inc] = data["incidents"]
        assert inc["accounts"] == size
        ids.append(inc["id"])
        if week == 0:
            assert inc["status"] == "new" and inc["change"] is None
            assert data["baseline"] is None
        else:
            assert inc["status"] == "known"
            assert inc["change"]["accounts_added"] == 4
            assert inc["change"]["accounts_removed"] == 0
            assert inc["change"]["previous_accounts"] == size - 4
            assert data["baseline"]["known"] == 1 and data["baseline"]["resolved"] == []
    assert len(set(ids)) == 1


def test_gone_campaign_is_resolved(tmp_path: Path) -> None:
    req, acc = _week(tmp_path, 0, 8)
    _, first, _ = _scan(str(req), "--accounts", str(acc))
    base = tmp_path / "base.json"
    base.write_text(json.dumps(first))
    req2, acc2 = _week(tmp_path, 1, 0)  # benign users only
    code, data, _ = _scan(str(req2), "--accounts", str(acc2), "--baseline", str(base))
    inc = first["incidents"][0]
    assert code == 0 and data["incidents"] == []
    assert data["baseline"]["resolved"] == [
        {"id": inc["id"], "severity": inc["severity"], "accounts": 8}
    ]


def test_baseline_shown_in_terminal_and_markdown(
    campaign_logs: tuple[Path, Path], tmp_path: Path
) -> None:
    req, acc = campaign_logs
    _, data, _ = _scan(str(req), "--accounts", str(acc))
    base = tmp_path / "base.json"
    base.write_text(json.dumps(data))
    for fmt, needle in (
        ("terminal", "known (same severity;"),
        ("markdown", "**Status:** known"),
    ):
        r = CliRunner().invoke(
            main,
            ["scan", str(req), "--accounts", str(acc), "--baseline", str(base), "--format", fmt],
        )
        assert r.exit_code == 0 and needle in r.stdout, fmt
        assert "1 known, 0 new, 0 resolved" in r.stdout
