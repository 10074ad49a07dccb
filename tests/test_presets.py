"""Presets: every mapped field on our own fixtures; counts on real published records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import extractscan
from extractscan.cli.main import main
from extractscan.ingest import files as ingest
from extractscan.ingest import mapping
from extractscan.ingest.normalize import normalize
from extractscan.ingest.presets import PRESETS, get
from extractscan.model.schema import REQUEST_COLUMNS, REQUIRED

FIX = Path(__file__).parent / "fixtures" / "presets"
REAL = Path(__file__).resolve().parents[2] / "shared" / "real-logs"


def canonical(name: str, path: Path, tmp: Path) -> pl.DataFrame:
    f = ingest.discover([path])[0]
    raw = get(name).read(f, ingest.plain_path(f, tmp))
    schema = raw.collect_schema()
    m = mapping.resolve(schema.names(), REQUEST_COLUMNS, REQUIRED, {}, str(path))
    return normalize(raw, m, schema, 0).collect()


def test_registry_complete() -> None:
    pkg = Path(extractscan.ingest.presets.__file__).parent
    modules = {p.stem for p in pkg.glob("*.py")} - {"__init__", "interface", "jsontext"}
    assert {type(p).__module__.rsplit(".", 1)[1] for p in PRESETS.values()} == modules
    assert sorted(PRESETS) == [
        "access-log",
        "azure-apim",
        "bedrock",
        "bedrock-cloudtrail",
        "cloudflare-ai-gateway",
        "cloudtrail",
        "gcp-vertex-audit",
        "helicone",
        "kong-ai",
        "langfuse",
        "litellm",
        "openai-chat",
        "openrouter",
        "portkey",
    ]
    with pytest.raises(extractscan.UsageError, match="unknown preset 'nope'"):
        get("nope")


def test_bedrock_fields(tmp_path: Path) -> None:
    df = canonical("bedrock", FIX / "bedrock.jsonl", tmp_path)
    assert df.height == 4  # 3 records + 1 invalid line; the blank line is not a record
    assert df["_reject"].to_list() == [None, None, None, "invalid_json"]
    ok = df.filter(pl.col("_reject").is_null())
    assert ok["timestamp"].to_list() == [
        datetime(2026, 4, 22, 10, 0, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 5, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 6, tzinfo=UTC),
    ]
    assert ok["account"].to_list() == [
        "arn:aws:iam::210987654321:user/alice",
        "arn:aws:sts::210987654321:assumed-role/batch/worker-7",
        "arn:aws:iam::210987654321:user/bob",
    ]
    assert ok["org"].to_list() == ["210987654321"] * 3
    assert ok["model"].to_list() == [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "amazon.titan-text-express-v1",
    ]
    assert ok["prompt"].to_list() == [
        "You are terse.\nExplain step by step why the sky is blue.",
        'Write a haiku about "rain"\nplease',
        "Summarise: tides",
    ]
    assert ok["input_tokens"].to_list() == [21, 14, 4]
    assert ok["output_tokens"].to_list() == [5, 9, 0]
    assert ok["status"].to_list() == ["200", "200", "ThrottlingException"]
    assert ok["ip"].null_count() == 3


def test_litellm_spend_logs_fields(tmp_path: Path) -> None:
    df = canonical("litellm", FIX / "litellm_spend_logs.csv", tmp_path)
    r = df.row(0, named=True)
    assert r["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 123456, tzinfo=UTC)
    assert r["account"] == "customer-42"  # end_user wins over user and key
    assert r["org"] == "team-research"
    assert r["api_key"].startswith("88dc28d0")
    assert r["ip"] == "198.51.100.23"
    assert r["user_agent"] == "OpenAI/Python 1.40.0"
    assert r["model"] == "gpt-4o"
    assert r["prompt"] == "Be brief.\nWhat is 2+2?"
    assert (r["input_tokens"], r["output_tokens"], r["status"]) == (30, 100, "success")
    r2 = df.row(1, named=True)
    assert r2["account"] == "5c1f0d9e8b7a" and r2["org"] == "org-7"  # key as last resort
    assert r2["prompt"] is None and r2["input_tokens"] is None and r2["_reject"] is None


def test_litellm_payload_fields(tmp_path: Path) -> None:
    r = canonical("litellm", FIX / "litellm_payload.json", tmp_path).row(0, named=True)
    assert r["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 500000, tzinfo=UTC)
    assert (r["account"], r["org"], r["api_key"]) == ("user-3", "org-1", "hash-9")
    assert (r["ip"], r["user_agent"], r["model"]) == (
        "203.0.113.9",
        "litellm-test/1.0",
        "gpt-4o-mini",
    )
    assert r["prompt"] == "Rate this response from 1 to 10."
    assert (r["input_tokens"], r["output_tokens"], r["status"]) == (12, 1, "success")


def test_openai_chat_fields(tmp_path: Path) -> None:
    df = canonical("openai-chat", FIX / "openai_chat.jsonl", tmp_path)
    a, b = df.row(0, named=True), df.row(1, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 11, 0, tzinfo=UTC)
    assert (a["account"], a["ip"], a["user_agent"]) == (
        "user_123",
        "192.0.2.10",
        "OpenAI/Python 1.51.0",
    )
    assert (a["model"], a["prompt"]) == ("gpt-4o", "You are helpful.\nHello")
    assert (a["input_tokens"], a["output_tokens"], a["status"]) == (15, 3, "200")
    assert b["timestamp"] == datetime(2026, 4, 22, 11, 5, 0, 123456, tzinfo=UTC)
    assert (b["account"], b["api_key"], b["ip"]) == ("sub-77", "sub-77", "192.0.2.77")
    assert (b["model"], b["prompt"]) == ("gpt-35", "capital of peru?")
    assert (b["input_tokens"], b["output_tokens"], b["status"]) == (11, 2, "200")


def test_gzipped_bedrock_folder_scans_end_to_end(tmp_path: Path) -> None:
    d = tmp_path / "bedrock"
    d.mkdir()
    (d / "part1.jsonl.gz").write_bytes((FIX / "bedrock.jsonl.gz").read_bytes())
    f = extractscan.scan(d, preset="bedrock")
    assert (f.input.rows_read, f.input.rows_analysed, f.input.rows_rejected) == (3, 3, 0)
    res = CliRunner().invoke(main, ["scan", "--preset", "bedrock", str(d), "--no-color"])
    assert res.exit_code == 0 and "3 read" in res.stdout


def test_presets_command_lists_one_line_each() -> None:
    res = CliRunner().invoke(main, ["presets"])
    lines = res.stdout.strip().splitlines()
    assert [ln.split()[0] for ln in lines] == sorted(PRESETS)


@pytest.mark.parametrize(
    ("preset", "sub", "read", "rejected"),
    [
        ("bedrock", "bedrock", 19, 0),
        ("bedrock-cloudtrail", "bedrock", 19, 0),  # no CloudTrail given: no IP, all read
        ("openai-chat", "azure", 5, 0),
        ("openai-chat", "openai-chat", 3, 3),  # batch inputs and a span: no account/time
        ("litellm", "litellm", 2, 2),  # published test payloads carry no user identity
    ],
)
def test_real_published_records(preset: str, sub: str, read: int, rejected: int) -> None:
    path = REAL / sub
    if not path.exists():
        pytest.skip("shared/real-logs not present")
    if rejected == read:  # nothing analysed: an input error naming the fields (exit 3)
        with pytest.raises(extractscan.InputError, match=f"analysed 0 of {read} rows"):
            extractscan.scan(path, preset=preset)
        return
    s = extractscan.scan(path, preset=preset).input
    assert (s.rows_read, s.rows_rejected) == (read, rejected)
    assert s.rows_read == s.rows_analysed + sum(n for _, n in s.rejected_by_reason)


def test_real_bedrock_values(tmp_path: Path) -> None:
    path = REAL / "bedrock" / "test-aws-bedrock.jsonl"
    if not path.exists():
        pytest.skip("shared/real-logs not present")
    df = canonical("bedrock", path, tmp_path)
    assert df.height == 19 and df["_reject"].null_count() == 19
    assert df["org"][1] == "13457018785544"
    assert df["org"][9] == "<redacted>"
    assert df["prompt"][1].startswith("Rob a bank")
    assert df["input_tokens"][0] == 571 and df["output_tokens"][0] == 281


def test_docs_presets_md_matches_module_docstrings() -> None:
    import importlib

    doc = (Path(__file__).resolve().parents[1] / "docs" / "presets.md").read_text()
    for preset in PRESETS.values():
        module = importlib.import_module(type(preset).__module__)
        assert f"## {preset.name}" in doc
        assert (module.__doc__ or "").strip() in doc, f"docs/presets.md is stale for {preset.name}"
        assert preset.docs_url in doc


def test_litellm_spend_log_row_written_as_json(tmp_path: Path) -> None:
    """A SpendLogs row as JSON: top-level ids, metadata as JSON-encoded text."""
    meta = {"requester_ip_address": "10.0.0.7", "user_agent": "curl/8", "user_api_key": None}
    row = {
        "startTime": "2026-04-22 10:00:00.5",
        "end_user": "",
        "user": "user-1",
        "api_key": "",
        "organization_id": "org-9",
        "model": "gpt-4o",
        "metadata": json.dumps(meta),
        "messages": "{}",
        "prompt_tokens": 10,
        "completion_tokens": 20,
        "status": "success",
    }
    (tmp_path / "sl.json").write_text(json.dumps(row))
    r = canonical("litellm", tmp_path / "sl.json", tmp_path).row(0, named=True)
    assert (r["account"], r["org"], r["api_key"]) == ("user-1", "org-9", None)
    assert (r["ip"], r["user_agent"], r["_reject"]) == ("10.0.0.7", "curl/8", None)


def test_litellm_spend_logs_csv_reads_ids_from_metadata_as_the_json_path_does(
    tmp_path: Path,
) -> None:
    meta = json.dumps({"user_api_key_user_id": "u-7", "requester_ip_address": "10.0.0.8"})
    pl.DataFrame(
        {
            "startTime": ["2026-04-22 10:00:00"],
            "end_user": [""],
            "user": [""],
            "api_key": [""],
            "metadata": [meta],
            "model": ["gpt-4o"],
        }
    ).write_csv(tmp_path / "sl.csv")
    r = canonical("litellm", tmp_path / "sl.csv", tmp_path).row(0, named=True)
    assert (r["account"], r["ip"], r["_reject"]) == ("u-7", "10.0.0.8", None)
