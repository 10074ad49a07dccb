"""Presets for tracing tools and cloud audit logs (#18): every mapped field read from
fixtures written from each format's public documentation (tests/fixtures/presets/README.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

import extractscan
from extractscan.config import load_config
from extractscan.ingest import files as ingest
from extractscan.ingest.opening import Reading, open_all
from extractscan.ingest.presets import get

FIX = Path(__file__).parent / "fixtures" / "presets"


def rows(name: str, path: Path, tmp: Path) -> pl.DataFrame:
    """The canonical rows of one file under a preset, as the scan reads them."""
    how = Reading(load_config(None, use_default=False), tmp, get(name))
    [o], _ = open_all(ingest.discover([path]), how)
    return o.frame.collect()


@pytest.mark.parametrize("fixture", ["helicone.jsonl", "helicone.csv"])
def test_helicone_fields(tmp_path: Path, fixture: str) -> None:
    df = rows("helicone", FIX / fixture, tmp_path)
    a, b = df.row(0, named=True), df.row(1, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 123000, tzinfo=UTC)
    assert (a["account"], a["model"], a["country"]) == ("cust-17", "gpt-4o-mini", "NL")
    assert a["prompt"] == "You are a tutor.\nExplain step by step: 17 * 23"
    assert (a["input_tokens"], a["output_tokens"], a["status"]) == (28, 3, "200")
    # no request_user_id: the body's user; no request_model: model; ' UTC' times
    assert b["timestamp"] == datetime(2026, 4, 22, 10, 5, 0, 500000, tzinfo=UTC)
    assert (b["account"], b["model"], b["status"]) == (
        "cust-18",
        "claude-3-5-haiku-20241022",
        "429",
    )
    assert b["prompt"] == "Grade this answer from 1 to 10."
    assert (b["input_tokens"], b["output_tokens"], b["country"]) == (12, 0, "US")
    assert a["ip"] is None and a["user_agent"] is None and a["org"] is None
    if fixture.endswith(".jsonl"):  # no user anywhere: rejected, never an account
        assert df["_reject"].to_list() == [None, None, "missing_account"]
    else:
        assert df["_reject"].to_list() == [None, None]


def test_langfuse_trace_download(tmp_path: Path) -> None:
    df = rows("langfuse", FIX / "langfuse_traces.json", tmp_path)
    assert df.height == 3
    assert df["timestamp"].to_list()[:2] == [
        datetime(2026, 4, 22, 10, 0, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 1, 30, 250000, tzinfo=UTC),
    ]
    assert df["account"].to_list() == ["user-a", "user-b", None]
    assert df["prompt"].to_list() == [
        "Answer in one line.\nRewrite this answer to be safer: ...",
        "What is the capital of Peru?",
        None,
    ]
    assert df["_reject"].to_list() == [None, None, "missing_account"]
    # metadata keys the application set can be mapped on top of the preset
    cfg = load_config(None, {"ip": "metadata.ip"}, use_default=False)
    f = extractscan.scan(FIX / "langfuse_traces.json", preset="langfuse", config=cfg)
    assert dict(f.input.column_mapping)["ip"] == "metadata.ip"
    assert (f.input.rows_read, f.input.rows_analysed) == (3, 2)
    assert f.input.files[0].format == "json (records under 'data')"


def test_cloudtrail_bedrock_events(tmp_path: Path) -> None:
    df = rows("cloudtrail", FIX / "cloudtrail_bedrock.json", tmp_path)
    assert df["_reject"].to_list() == [None, None, None, "not_model_call"]
    ok = df.head(3)
    assert ok["timestamp"].to_list() == [
        datetime(2026, 4, 22, 10, 0, 0, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 5, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 9, tzinfo=UTC),
    ]
    assert ok["account"].to_list() == [
        "arn:aws:iam::210987654321:user/alice",
        "arn:aws:sts::210987654321:assumed-role/batch/worker-7",
        "arn:aws:sts::210987654321:assumed-role/batch/worker-7",
    ]
    assert ok["org"].to_list() == ["210987654321"] * 3
    assert ok["api_key"].to_list() == [
        "AKIAEXAMPLEKEY000001",
        "ASIAEXAMPLEKEY000002",
        "ASIAEXAMPLEKEY000002",
    ]
    assert ok["ip"].to_list() == ["198.51.100.20", "203.0.113.44", "203.0.113.44"]
    assert ok["user_agent"].to_list()[1:] == ["aws-sdk-js/3.600.0"] * 2
    assert ok["user_agent"][0].startswith("Boto3/1.34.162")
    assert ok["model"].to_list() == [
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
    ]
    assert ok["status"].to_list() == ["200", "200", "ThrottlingException"]
    assert ok["prompt"].null_count() == 3


def test_cloudtrail_scan_counts_other_events(tmp_path: Path) -> None:
    f = extractscan.scan(FIX / "cloudtrail_bedrock.json", preset="cloudtrail")
    s = f.input
    assert (s.rows_read, s.rows_analysed, s.rejected_by_reason) == (
        4,
        3,
        (("not_model_call", 1),),
    )
    assert s.files[0].format == "json (records under 'Records')"


def test_bedrock_joined_to_cloudtrail_on_request_id(tmp_path: Path) -> None:
    from extractscan.ingest.opening import bound

    folder = FIX / "bedrock_cloudtrail"
    found = ingest.discover([folder])
    how = bound(
        found, Reading(load_config(None, use_default=False), tmp_path, get("bedrock-cloudtrail"))
    )
    opened, _ = open_all(found, how)
    by_name = {o.file.path.name: o.frame.collect() for o in opened}
    logs = by_name["invocations.jsonl"]
    assert logs["_reject"].to_list() == [None, None, None, "invalid_json"]
    ok = logs.head(3)
    # the invocation log's fields, with the caller's IP, user agent and key from CloudTrail
    assert ok["account"].to_list() == [
        "arn:aws:iam::210987654321:user/alice",
        "arn:aws:sts::210987654321:assumed-role/batch/worker-7",
        "arn:aws:iam::210987654321:user/bob",
    ]
    assert ok["prompt"][0] == "You are terse.\nExplain step by step why the sky is blue."
    assert ok["ip"].to_list() == ["198.51.100.7", "203.0.113.44", None]  # bob: no event
    assert ok["user_agent"].to_list() == [
        "Boto3/1.34.162 md/Botocore#1.34.162",
        "aws-sdk-js/3.600.0",
        None,
    ]
    assert ok["api_key"].to_list() == ["AKIAEXAMPLEKEY000001", "ASIAEXAMPLEKEY000002", None]
    assert (ok["input_tokens"].to_list(), ok["output_tokens"].to_list()) == ([21, 14, 4], [5, 9, 0])
    [trail] = [v for k, v in by_name.items() if k.endswith(".json.gz")]
    assert trail["_reject"].to_list() == [
        "joined_to_invocation",
        "joined_to_invocation",
        None,
        "not_model_call",
    ]
    carol = trail.row(2, named=True)
    assert (carol["account"], carol["ip"], carol["user_agent"], carol["prompt"]) == (
        "arn:aws:iam::210987654321:user/carol",
        "192.0.2.99",
        "curl/8.5.0",
        None,
    )
    s = extractscan.scan(folder, preset="bedrock-cloudtrail").input
    assert (s.rows_read, s.rows_analysed, s.rows_rejected) == (8, 4, 4)
    assert dict(s.rejected_by_reason) == {
        "joined_to_invocation": 2,
        "invalid_json": 1,
        "not_model_call": 1,
    }
    assert "ip_link" not in dict(s.signals_off)


def test_openrouter_generations(tmp_path: Path) -> None:
    df = rows("openrouter", FIX / "openrouter_generations.jsonl", tmp_path)
    assert df["_reject"].to_list() == [None, None, "missing_account"]
    a, b = df.row(0, named=True), df.row(1, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 433273, tzinfo=UTC)
    assert (a["account"], a["org"], a["user_agent"], a["model"]) == (
        "ext-user-1",
        "12345",
        "OpenAI/Python 1.51.0",
        "openai/gpt-4o-mini",
    )
    # the provider's own counts first
    assert (a["input_tokens"], a["output_tokens"], a["status"]) == (11, 26, "stop")
    # camel case (the TypeScript SDK's names)
    assert b["timestamp"] == datetime(2026, 4, 22, 10, 1, tzinfo=UTC)
    assert (b["account"], b["org"], b["user_agent"], b["model"]) == (
        "ext-user-2",
        None,
        "curl/8.5.0",
        "anthropic/claude-3.5-haiku",
    )
    assert (b["input_tokens"], b["output_tokens"], b["status"]) == (40, 400, "length")
    assert df["prompt"].null_count() == 3 and df["ip"].null_count() == 3


def test_portkey_logs_export(tmp_path: Path) -> None:
    df = rows("portkey", FIX / "portkey_logs.jsonl", tmp_path)
    # the case: metadata {"_user": null, ...} is never an account
    assert df["_reject"].to_list() == [None, None, "missing_account"]
    a, b = df.row(0, named=True), df.row(1, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 10, 0, tzinfo=UTC)
    assert (a["account"], a["api_key"], a["model"]) == (
        "pk-user-1",
        "openai-vk-7f3a",
        "gpt-4o-mini",
    )
    assert a["prompt"] == "Solve step by step: 12 + 30"
    assert (a["input_tokens"], a["output_tokens"], a["status"]) == (14, 2, "200")
    # "request.body" as one key with a dot; no _user: the body's user
    assert (b["account"], b["api_key"], b["model"]) == (
        "pk-user-2",
        "anthropic-vk-21",
        "claude-3-5-haiku-20241022",
    )
    assert b["prompt"] == "Rate this reply 1-10"
    assert (b["input_tokens"], b["output_tokens"], b["status"]) == (9, 3, "429")
    assert df["org"].null_count() == 3 and df["ip"].null_count() == 3


def test_cloudflare_ai_gateway_logs(tmp_path: Path) -> None:
    log = FIX / "cloudflare_ai_gateway_logs.json"
    df = rows("cloudflare-ai-gateway", log, tmp_path)
    assert df["timestamp"].to_list() == [
        datetime(2026, 4, 22, 10, 0, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 40, 500000, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 1, tzinfo=UTC),
    ]
    assert df["model"].to_list() == ["gpt-4o-mini", "@cf/meta/llama-3.1-8b-instruct", "gpt-4o"]
    assert df["input_tokens"].to_list() == [31, 0, 5]
    assert df["output_tokens"].to_list() == [7, 0, 5]
    assert df["status"].to_list() == ["200", "429", "200"]
    # no caller in the log: every row rejected, and the scan says how to map one
    assert df["_reject"].to_list() == ["missing_account"] * 3
    with pytest.raises(extractscan.InputError, match=r"--column account=metadata\.KEY") as err:
        extractscan.scan(log, preset="cloudflare-ai-gateway")
    # the fields of the records under "result", not of the wrapper
    assert (
        "the file's fields: cached, cost, created_at, custom_cost, duration, id, metadata"
        in str(err.value)
    )
    # one flag: the user the application sent in cf-aig-metadata (JSON text)
    cfg = load_config(None, {"account": "metadata.user"}, use_default=False)
    f = extractscan.scan(log, preset="cloudflare-ai-gateway", config=cfg)
    assert (f.input.rows_read, f.input.rows_analysed) == (3, 2)
    assert sorted(f.accounts["account"].to_list()) == ["cf-user-1", "cf-user-2"]
    assert f.input.files[0].format == "json (records under 'result')"


def test_gcp_vertex_audit_entries(tmp_path: Path) -> None:
    df = rows("gcp-vertex-audit", FIX / "gcp_vertex_audit.jsonl", tmp_path)
    assert df["_reject"].to_list() == [None, None, None, "not_model_call"]
    ok = df.head(3)
    assert ok["timestamp"].to_list() == [
        datetime(2026, 4, 22, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 5, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 9, tzinfo=UTC),
    ]
    assert ok["account"].to_list() == [
        "alice@example.com",
        "batch-runner@demo-project-123.iam.gserviceaccount.com",
        "alice@example.com",
    ]
    assert ok["org"].to_list() == ["demo-project-123"] * 3
    assert ok["ip"].to_list() == ["198.51.100.31", "203.0.113.61", "198.51.100.31"]
    assert ok["user_agent"].to_list() == [
        "google-genai-sdk/1.2.0 gl-python/3.12.1",
        "curl/8.5.0",
        "anthropic-vertex/0.40.0",
    ]
    assert ok["model"].to_list() == [
        "gemini-1.5-flash-002",
        "gemini-1.5-flash-002",
        "claude-3-5-sonnet-v2@20241022",
    ]
    assert ok["status"].to_list() == ["0", "8", "0"]
    assert ok["prompt"].null_count() == 3


def test_azure_apim_llm_logs_joined_to_gateway_logs(tmp_path: Path) -> None:
    from extractscan.ingest.opening import bound

    folder = FIX / "azure_apim"
    found = ingest.discover([folder])
    cfg = load_config(None, use_default=False)
    opened, _ = open_all(found, bound(found, Reading(cfg, tmp_path, get("azure-apim"))))
    by_name = {o.file.path.name: o.frame.collect() for o in opened}
    llm = by_name["llm_logs.csv"]
    assert llm["_reject"].to_list() == [None, "continuation", None, "missing_account"]
    a, b = llm.row(0, named=True), llm.row(2, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 123456, tzinfo=UTC)
    assert (a["account"], a["api_key"], a["ip"], a["user_agent"], a["status"]) == (
        "1",
        "sub-alpha",
        "198.51.100.70",
        "OpenAI/Python 1.51.0",
        "200",
    )
    assert (a["model"], a["prompt"]) == (
        "gpt-4o",
        "Be brief.\nExplain step by step how tides work.",
    )
    assert (a["input_tokens"], a["output_tokens"]) == (20, 5)
    # no UserId: the subscription; no ModelName: the deployment
    assert (b["account"], b["api_key"], b["ip"], b["user_agent"], b["status"]) == (
        "sub-beta",
        "sub-beta",
        "203.0.113.90",
        None,
        "429",
    )
    assert (b["model"], b["prompt"], b["input_tokens"]) == (
        "gpt-35-turbo-dep",
        "Rate this answer from 1 to 10.",
        8,
    )
    assert llm["country"].null_count() == 4  # Region is the datacenter
    gateway = by_name["gateway_logs.json"]
    assert gateway["_reject"].to_list() == ["joined_to_llm_log", "joined_to_llm_log", None]
    other = gateway.row(2, named=True)
    assert (other["account"], other["ip"], other["user_agent"], other["prompt"]) == (
        "7",
        "192.0.2.15",
        "curl/8.5.0",
        None,
    )
    s = extractscan.scan(folder, preset="azure-apim").input
    assert (s.rows_read, s.rows_analysed, s.rows_rejected) == (7, 3, 4)


def test_kong_ai_request_logs(tmp_path: Path) -> None:
    df = rows("kong-ai", FIX / "kong_ai.jsonl", tmp_path)
    # an unauthenticated health check has no consumer: rejected
    assert df["_reject"].to_list() == [None, None, "missing_account"]
    a, b = df.row(0, named=True), df.row(1, named=True)
    assert a["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 123000, tzinfo=UTC)
    assert (a["account"], a["api_key"]) == (
        "ae974d6c-0000-4000-8000-0000000000c1",
        "c62c1455-0000-4000-8000-0000000000a1",
    )
    assert (a["ip"], a["user_agent"], a["status"]) == (
        "198.51.100.120",
        "OpenAI/Python 1.51.0",
        "200",
    )
    assert a["model"] == "gpt-4o"
    assert a["prompt"] == "Answer tersely.\nExplain step by step: why is the sky blue?"
    assert (a["input_tokens"], a["output_tokens"]) == (28, 20)
    # Kong 3.7-3.9: ai.payload.request and ai.<plugin>.usage.prompt_token
    assert b["timestamp"] == datetime(2026, 4, 22, 10, 0, 5, tzinfo=UTC)
    assert (b["account"], b["ip"], b["user_agent"], b["status"]) == (
        "ae974d6c-0000-4000-8000-0000000000c2",
        "203.0.113.121",
        "curl/8.5.0",
        "429",
    )
    assert (b["model"], b["prompt"], b["input_tokens"], b["output_tokens"]) == (
        "command",
        "Grade this answer 1-10.",
        9,
        0,
    )


def test_access_log_nginx_and_envoy_lines(tmp_path: Path) -> None:
    df = rows("access-log", FIX / "access.log", tmp_path)
    assert df["_reject"].to_list() == [
        None,
        None,
        None,
        None,
        "missing_account",  # Envoy line with no X-Forwarded-For: no address, no account
        "not_access_log_line",
    ]
    assert df["timestamp"].to_list()[:5] == [
        datetime(2026, 4, 22, 10, 0, 0, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 1, tzinfo=UTC),  # +0200 converted
        datetime(2026, 4, 22, 10, 0, 2, tzinfo=UTC),  # common: no referer, no agent
        datetime(2026, 4, 22, 10, 0, 3, 310000, tzinfo=UTC),
        datetime(2026, 4, 22, 10, 0, 4, tzinfo=UTC),
    ]
    assert df["account"].to_list()[:5] == [
        "ip:203.0.113.7",
        "alice",  # HTTP basic auth user
        "ip:192.0.2.44",
        "ip:203.0.113.50",  # first X-Forwarded-For address
        None,
    ]
    assert df["ip"].to_list()[:5] == [
        "203.0.113.7",
        "198.51.100.9",
        "192.0.2.44",
        "203.0.113.50",
        None,
    ]
    assert df["user_agent"].to_list()[:5] == [
        "OpenAI/Python 1.51.0",
        "curl/8.5.0",
        None,
        "anthropic-typescript/0.32.1",
        None,
    ]
    assert df["status"].to_list()[:5] == ["200", "429", "200", "200", "0"]


def test_langfuse_blob_export_observations_joined_to_traces(tmp_path: Path) -> None:
    from extractscan.ingest.opening import bound

    folder = FIX / "langfuse_blob"
    found = ingest.discover([folder])
    cfg = load_config(None, use_default=False)
    opened, _ = open_all(found, bound(found, Reading(cfg, tmp_path, get("langfuse"))))
    by_name = {o.file.path.name: o.frame.collect() for o in opened}
    obs = by_name["observations.jsonl"]
    # a span is no model call; the generation of a trace without a user has no account
    assert obs["_reject"].to_list() == ["not_model_call", None, "missing_account"]
    g = obs.row(1, named=True)
    assert g["timestamp"] == datetime(2026, 4, 22, 10, 0, 0, 250000, tzinfo=UTC)
    assert (g["account"], g["model"], g["status"]) == ("lf-u1", "gpt-4o-mini", "DEFAULT")
    assert g["prompt"] == "Be exact.\nSolve step by step: 3x+1=10"
    assert (g["input_tokens"], g["output_tokens"]) == (21, 4)
    assert obs.row(2, named=True)["status"] == "ERROR"
    # with observations in the scan, the traces are only where the user ids come from
    assert by_name["traces.jsonl"]["_reject"].to_list() == ["trace_of_observations"] * 2
    s = extractscan.scan(folder, preset="langfuse").input
    assert (s.rows_read, s.rows_analysed) == (5, 1)


def test_langfuse_enriched_observations_carry_the_user(tmp_path: Path) -> None:
    df = rows("langfuse", FIX / "langfuse_observations_v2.jsonl", tmp_path)
    assert df["_reject"].to_list() == [None, "not_model_call"]
    r = df.row(0, named=True)
    assert (r["account"], r["model"], r["input_tokens"]) == ("lf-u1", "gpt-4o-mini", 21)
