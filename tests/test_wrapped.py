"""Wrapped JSON documents, files whose content is not what their extension says, and
presets over CSV (#18)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.ingest import documents


def _scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    res = CliRunner().invoke(main, ["scan", *args, "--config", "none", "--format", "json"])
    return res.exit_code, json.loads(res.stdout) if res.stdout else {}, res.stderr


def _event(i: int, arn: str | None) -> dict[str, object]:
    return {
        "eventVersion": "1.09",
        "eventTime": f"2026-04-22T10:0{i}:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "userIdentity": {"type": "IAMUser", "arn": arn},
        "sourceIPAddress": f"198.51.100.{i}",
    }


@pytest.mark.parametrize("key", ["Records", "data", "result", "items"])
def test_records_under_a_wrapper_key_are_the_records(tmp_path: Path, key: str) -> None:
    doc = {key: [_event(i, f"arn:u{i % 2}") for i in range(4)], "has_more": False}
    log = tmp_path / "export.json"
    log.write_text(json.dumps(doc, indent=2))
    code, data, err = _scan(
        str(log),
        "--column",
        "account=userIdentity.arn",
        "--column",
        "timestamp=eventTime",
        "--column",
        "ip=sourceIPAddress",
    )
    assert code == 0, err
    s = data["input"]
    assert (s["rows_read"], s["rows_analysed"], s["accounts_seen"]) == (4, 4, 2)
    assert s["files"][0]["format"] == f"json (records under {key!r})"


def test_gzipped_cloudtrail_file_as_s3_delivers_it(tmp_path: Path) -> None:
    doc = {"Records": [_event(1, "arn:a"), _event(2, None), _event(3, "arn:b")]}
    log = tmp_path / "123_CloudTrail_us-east-1_20260422T1000Z_abc.json.gz"
    log.write_bytes(gzip.compress(json.dumps(doc).encode()))
    code, data, err = _scan(
        str(log), "--column", "account=userIdentity.arn", "--column", "timestamp=eventTime"
    )
    assert code == 0, err
    s = data["input"]
    assert (s["rows_read"], s["rows_analysed"]) == (3, 2)
    assert s["rejected_by_reason"] == {"missing_account": 1}
    assert s["files"][0]["format"] == "json+gzip (records under 'Records')"


def test_a_json_file_of_json_lines_is_read_as_json_lines(tmp_path: Path) -> None:
    """A BigQuery export: JSON lines named .json, times written '... UTC'."""
    log = tmp_path / "bq-results.json"
    rows = [
        {"timestamp": "2025-09-08 21:04:22.248 UTC", "user_id": "u1", "model": "m"},
        {"timestamp": "2025-09-08 21:05:22 UTC", "user_id": "u2", "model": "m"},
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, data, err = _scan(str(log))
    assert code == 0, err
    s = data["input"]
    assert (s["rows_read"], s["rows_analysed"]) == (2, 2)
    assert s["files"][0]["format"] == "jsonl (by content; named json)"
    assert s["first_seen"].startswith("2025-09-08T21:04:22.248")


def test_a_jsonl_file_holding_one_document_is_read_as_one(tmp_path: Path) -> None:
    log = tmp_path / "pretty.jsonl"
    log.write_text(json.dumps([{"timestamp": "2026-04-22T10:00:00Z", "account": "a"}], indent=2))
    code, data, err = _scan(str(log))
    assert code == 0, err
    assert data["input"]["rows_analysed"] == 1
    assert data["input"]["files"][0]["format"] == "json (by content; named jsonl)"


def test_preset_reads_a_csv_by_its_rows_not_its_lines(tmp_path: Path) -> None:
    msgs = json.dumps([{"role": "user", "content": "hello"}])
    log = tmp_path / "gateway.csv"
    log.write_text(
        "timestamp,user,model,messages\n"
        f'2026-04-22T10:00:00Z,u1,gpt-4o,"{msgs.replace(chr(34), chr(34) * 2)}"\n'
        "2026-04-22T10:01:00Z,u2,gpt-4o,\n"
    )
    code, data, err = _scan("--preset", "openai-chat", str(log))
    assert code == 0, err
    s = data["input"]
    assert (s["rows_read"], s["rows_analysed"], s["rows_rejected"]) == (2, 2, 0)


def test_closest_column_hint_finds_external_user(tmp_path: Path) -> None:
    log = tmp_path / "a.csv"
    log.write_text("timestamp,user_agent,external_user,model\n2026-04-22T10:00:00Z,ua,x,m\n")
    code, _, err = _scan(str(log))
    assert code == 3
    assert (
        "columns found: external_user, model, timestamp, user_agent; closest: external_user;" in err
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"a": 1}]', "json"),
        ('{\n  "Records": []\n}', "json"),
        ('{"a": 1}\n{"a": 2}\n', "jsonl"),
        ('{"a": 1}\n', None),
        ('\ufeff{"a": 1}\n\n{"a": 2}', "jsonl"),
        ("a,b\n1,2\n", None),
        ("", None),
    ],
)
def test_sniff(tmp_path: Path, text: str, expected: str | None) -> None:
    p = tmp_path / "f"
    p.write_text(text, encoding="utf-8")
    assert documents.sniff(p) == expected


def test_unwrap() -> None:
    assert documents.unwrap({"data": [{"a": 1}], "object": "page"}) == ([{"a": 1}], "data")
    assert documents.unwrap({"data": {"a": 1}}) == ([{"data": {"a": 1}}], None)
    assert documents.unwrap({"data": [1, 2]}) == ([{"data": [1, 2]}], None)
    assert documents.unwrap([{"a": 1}, {"a": 2}]) == ([{"a": 1}, {"a": 2}], None)


def test_json_lines_whose_objects_have_several_shapes_are_read_as_text(tmp_path: Path) -> None:
    """Real Bedrock logs: output.outputBodyJson is an object on one line and a list of
    events on the next; polars cannot type the column, so every column is read as
    text and --column paths still reach into it."""
    log = tmp_path / "invocations.jsonl"
    rows = [
        {
            "timestamp": "2026-04-22T10:00:00Z",
            "identity": {"arn": "arn:a"},
            "output": {"outputBodyJson": {"stop": "end", "n": 1}},
        },
        {
            "timestamp": "2026-04-22T10:01:00Z",
            "identity": {"arn": "arn:b"},
            "output": {"outputBodyJson": [{"type": "message_start"}, "[DONE]"]},
        },
    ]
    log.write_text("".join(json.dumps(r) + "\n" for r in rows))
    code, data, err = _scan(str(log), "--column", "account=identity.arn")
    assert code == 0, err
    s = data["input"]
    assert (s["rows_read"], s["rows_analysed"], s["accounts_seen"]) == (2, 2, 2)
