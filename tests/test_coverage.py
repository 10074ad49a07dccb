"""A preset or mapping that analyses 0 of N rows is an input error (exit 3)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from extractscan.cli.main import main


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["scan", *args, "--config", "none", "--format", "json"])
    return res.exit_code, res.stderr


def test_preset_that_reads_nothing_exits_3_naming_fields(tmp_path: Path) -> None:
    log = tmp_path / "helicone.jsonl"
    rec = {
        "request_created_at": "2025-09-08 21:04:22.248 UTC",
        "request_user_id": "u1",
        "request_body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
    }
    log.write_text((json.dumps(rec) + "\n") * 3)
    code, err = _run("--preset", "openai-chat", str(log))
    assert code == 3
    assert "--preset openai-chat analysed 0 of 3 rows (3 missing_account)" in err
    assert "account in user, user_id, userId, body.user, properties.objectId" in err
    # sorted, one level of nesting
    assert (
        "the file's fields: request_body, request_body.messages, request_body.model, "
        "request_created_at, request_user_id." in err
    )
    # the fix the message points at works
    code, err = _run(
        "--preset",
        "openai-chat",
        str(log),
        "--column",
        "account=request_user_id",
        "--column",
        "timestamp=request_created_at",
    )
    assert code == 0, err


def test_mapping_that_reads_nothing_exits_3(tmp_path: Path) -> None:
    log = tmp_path / "a.csv"
    log.write_text("ts,user,note\n2026-04-22T10:00:00Z,,x\n2026-04-22T10:01:00Z, ,y\n")
    code, err = _run(str(log), "--column", "timestamp=ts")
    assert code == 3
    assert "the column mapping analysed 0 of 2 rows (2 missing_account)" in err
    assert "it looks for timestamp in ts; account in user" in err
    assert "the file's fields: note, ts, user." in err


def test_rows_all_filtered_are_not_an_input_error(tmp_path: Path) -> None:
    log = tmp_path / "a.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a\n2026-04-22T10:01:00Z,b\n")
    code, err = _run(str(log), "--since", "2027-01-01")
    assert code == 0, err
