"""Row filters (--since, --until, --org, --account): applied in the library, rows
outside counted as filtered; duplicate column names refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import extractscan
from extractscan.cli.main import main
from extractscan.ingest.filters import RowFilter, parse_when
from extractscan.model.errors import InputError, UsageError


def _json(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--config", "none"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, json.loads(r.stdout) if r.stdout else {}, r.stderr


def test_parse_when() -> None:
    assert parse_when("2026-04-22", option="--since") == datetime(2026, 4, 22, tzinfo=UTC)
    assert parse_when("2026-04-22", option="--until", end=True) == datetime(2026, 4, 23, tzinfo=UTC)
    assert parse_when("2026-04-22T10:30:00+02:00", option="--since") == datetime(
        2026, 4, 22, 8, 30, tzinfo=UTC
    )
    assert parse_when("2026-04-22T10:30Z", option="--until", end=True) == datetime(
        2026, 4, 22, 10, 30, tzinfo=UTC
    )
    with pytest.raises(UsageError, match="--since: 'yesterday'"):
        parse_when("yesterday", option="--since")
    with pytest.raises(UsageError, match="not before"):
        RowFilter.of("2026-04-23", "2026-04-22T12:00Z")


def test_library_filter_counts_rows_as_filtered(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    f = extractscan.scan(
        req,
        accounts=acc,
        config=extractscan.Config(),
        since="2026-04-23",
        only_accounts=["c01", "c02", "b001"],
    )
    s = f.input
    # campaign accounts: 24 rows a day on 22 and 23 April; b001 only on the 22nd
    assert (s.rows_read, s.rows_analysed, s.rows_rejected, s.rows_filtered) == (1776, 48, 0, 1728)
    assert s.files[0].rows_filtered == 1728
    assert s.filters == (("since", "2026-04-23T00:00:00Z"), ("account", "b001, c01, c02"))
    assert s.accounts_seen == 2 and s.first_seen == datetime(2026, 4, 23, 0, 48, 1, tzinfo=UTC)


def test_cli_filters_in_json(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, data, _ = _json(str(req), "--accounts", str(acc), "--until", "2026-04-22T12:00:00Z")
    inp = data["input"]
    assert code == 0
    assert inp["rows_read"] == inp["rows_analysed"] + inp["rows_rejected"] + inp["rows_filtered"]
    # campaign: hours 0-11 of day 1 (12 x 12 rows); benign: 09-11h (3 of 6 rows each)
    assert inp["rows_analysed"] == 12 * 12 + 200 * 3
    assert inp["filters"] == {"until": "2026-04-22T12:00:00Z"}
    assert inp["files"][0]["rows_filtered"] == 1776 - 744


def test_org_from_accounts_table(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, data, _ = _json(str(req), "--accounts", str(acc), "--org", "org-1", "--org", "org-2")
    assert code == 0
    assert data["input"]["rows_analysed"] == 2 * 48 and data["input"]["accounts_seen"] == 2
    assert data["input"]["filters"] == {"org": "org-1, org-2"}
    code, _, err = _json(str(req), "--org", "org-1")  # no accounts table, no org column
    assert code == 2 and "--org: neither the log nor the accounts table" in err


def test_rejected_rows_stay_rejected(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,account,prompt\n"
        "2026-04-22T10:00:00Z,a,hello\n"
        "not a time,b,hello\n"
        "2026-04-20T10:00:00Z,c,hello\n"
    )
    code, data, _ = _json(str(log), "--since", "2026-04-21")
    inp = data["input"]
    assert code == 0
    assert (inp["rows_analysed"], inp["rows_rejected"], inp["rows_filtered"]) == (1, 1, 1)
    assert inp["rejected_by_reason"] == {"bad_timestamp": 1}


def test_duplicate_column_names_refused(tmp_path: Path) -> None:
    log = tmp_path / "dup.csv"
    log.write_text("timestamp,customer_id,prompt,customer_id\n2026-04-22T10:00:00Z,a,hello,b\n")
    with pytest.raises(InputError) as err:
        extractscan.scan(log, config=extractscan.Config())
    msg = str(err.value)
    assert str(log) in msg and "columns 2 and 4 are both named 'customer_id'" in msg
    assert "--column account=customer_id_duplicated_0" in msg
    code, data, _ = _json(str(log), "--column", "account=customer_id_duplicated_0")
    assert code == 0 and data["input"]["column_mapping"]["account"] == "customer_id_duplicated_0"
    code, _, stderr = _json(str(log))
    assert code == 3 and "columns 2 and 4" in stderr


def test_unmapped_duplicates_are_fine(tmp_path: Path) -> None:
    log = tmp_path / "dup.csv"
    log.write_text("timestamp,account,note,note\n2026-04-22T10:00:00Z,a,x,y\n")
    code, data, _ = _json(str(log))
    assert code == 0 and data["input"]["rows_analysed"] == 1
