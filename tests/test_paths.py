"""Paths in --column: nested fields, JSON held as text, and --column over a preset."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import extractscan
from extractscan.cli.main import main
from extractscan.config import load_config
from extractscan.ingest import paths
from extractscan.ingest.files import discover
from extractscan.ingest.opening import Reading, open_all
from extractscan.ingest.presets import get
from extractscan.model.findings import Findings

FIX = Path(__file__).parent / "fixtures" / "presets"


def _scan(path: Path, preset: str | None = None, **columns: str) -> Findings:
    cfg = load_config(None, columns, use_default=False)
    return extractscan.scan(path, config=cfg, preset=preset)


def _frame(path: Path, tmp: Path, preset: str | None = None, **columns: str) -> pl.DataFrame:
    """The canonical rows of one file, as the scan reads them."""
    how = Reading(
        load_config(None, columns, use_default=False), tmp, get(preset) if preset else None
    )
    [o], _ = open_all(discover([path]), how)
    return o.frame.collect()


def _accounts(f: Findings) -> list[str]:
    return sorted(f.accounts["account"].to_list())


def _lines(path: Path, *records: object) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_nested_identity_null_or_missing_is_never_an_account(tmp_path: Path) -> None:
    log = _lines(
        tmp_path / "ct.jsonl",
        {"eventTime": "2026-04-22T10:00:00Z", "userIdentity": {"arn": "arn:a", "type": "IAMUser"}},
        {"eventTime": "2026-04-22T10:01:00Z", "userIdentity": {"arn": None, "type": "IAMUser"}},
        {"eventTime": "2026-04-22T10:02:00Z"},
        {"eventTime": "2026-04-22T10:03:00Z", "userIdentity": None},
        {"eventTime": "2026-04-22T10:04:00Z", "userIdentity": {"arn": "arn:b", "type": "Role"}},
    )
    f = _scan(log, account="userIdentity.arn", timestamp="eventTime")
    assert _accounts(f) == ["arn:a", "arn:b"]
    assert f.input.rejected_by_reason == (("missing_account", 3),)
    assert ("account", "userIdentity.arn") in f.input.column_mapping
    assert f.rejects["row"].to_list() == [2, 3, 4]


def test_an_object_mapped_as_the_account_is_no_account(tmp_path: Path) -> None:
    """The issue's case: an object with a null user became the account
    '{"_user":null,"environment":"production"}'; anonymous rows merged into it."""
    log = _lines(
        tmp_path / "obj.jsonl",
        {"ts": "2026-04-22T10:00:00Z", "meta": {"_user": None, "environment": "production"}},
        {"ts": "2026-04-22T10:01:00Z", "meta": {"_user": "u1", "environment": "production"}},
    )
    rows = _frame(log, tmp_path, account="meta", timestamp="ts")
    assert rows["account"].to_list() == [None, None]
    assert rows["_reject"].to_list() == ["missing_account"] * 2
    f = _scan(log, account="meta._user", timestamp="ts")
    assert _accounts(f) == ["u1"]
    assert f.input.rejected_by_reason == (("missing_account", 1),)


def test_object_held_as_text_is_no_account(tmp_path: Path) -> None:
    pl.DataFrame(
        {
            "ts": ["2026-04-22T10:00:00Z", "2026-04-22T10:01:00Z", "2026-04-22T10:02:00Z"],
            "user": ['{"_user":null,"environment":"production"}', "[1, 2]", "u-9"],
        }
    ).write_csv(tmp_path / "t.csv")
    f = _scan(tmp_path / "t.csv", account="user", timestamp="ts")
    assert _accounts(f) == ["u-9"]
    assert f.input.rejected_by_reason == (("missing_account", 2),)


def test_json_held_as_text_is_decoded_on_the_way(tmp_path: Path) -> None:
    """A Helicone-like CSV: the request body is JSON text in a cell; the prompt is the
    messages' text contents, not the body's JSON."""
    body = {
        "model": "gpt-4o",
        "user": "cust-1",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "Explain tides."}]},
        ],
    }
    props = json.dumps({"customer": {"id": "c-7"}})  # JSON inside JSON text
    pl.DataFrame(
        {
            "request_created_at": ["2026-04-22 10:00:00.123 UTC", "2026-04-22 10:01:00 UTC"],
            "request_body": [json.dumps(body), json.dumps({"messages": []})],
            "props": [json.dumps(props), None],
        }
    ).write_csv(tmp_path / "h.csv")
    f = _scan(
        tmp_path / "h.csv",
        timestamp="request_created_at",
        account="request_body.user",
        org="props.customer.id",
        prompt="request_body.messages",
        model="request_body.model",
    )
    assert _accounts(f) == ["cust-1"]
    assert f.input.rejected_by_reason == (("missing_account", 1),)
    acc = f.accounts.row(0, named=True)
    assert acc["org"] == "c-7"
    rows = _frame(
        tmp_path / "h.csv",
        tmp_path,
        timestamp="request_created_at",
        account="request_body.user",
        prompt="request_body.messages",
    )
    assert rows["prompt"].to_list() == ["Be terse.\nExplain tides.", None]
    # a body object (not a path) mapped as the prompt: its texts, not its JSON
    rows = _frame(
        tmp_path / "h.csv",
        tmp_path,
        timestamp="request_created_at",
        account="request_body.user",
        prompt="request_body",
    )
    assert rows["prompt"].to_list() == ["Be terse.\nExplain tides.", None]


def test_prompt_from_nested_struct_and_dotted_keys(tmp_path: Path) -> None:
    log = _lines(
        tmp_path / "otel.jsonl",
        {
            "startTime": "2026-04-22T10:00:00Z",
            "attributes": {
                "langfuse.user.id": "lf-user",
                "langfuse.observation.input": {"messages": [{"role": "user", "content": "hi"}]},
                "langfuse.observation.model.name": "gpt-4o-mini",
            },
            "body": {"messages": [{"role": "user", "content": [{"type": "text", "text": "A"}]}]},
        },
    )
    cols = {
        "account": "attributes.langfuse.user.id",
        "model": "attributes.langfuse.observation.model.name",
        "prompt": "attributes.langfuse.observation.input",
        "timestamp": "startTime",
    }
    row = _frame(log, tmp_path, **cols).row(0, named=True)
    assert (row["account"], row["model"], row["prompt"]) == ("lf-user", "gpt-4o-mini", "hi")
    cols["prompt"] = "body.messages.0.content"
    assert _frame(log, tmp_path, **cols)["prompt"].to_list() == ["A"]


def test_missing_struct_field_names_the_fields_there_are(tmp_path: Path) -> None:
    log = _lines(
        tmp_path / "ct.jsonl",
        {"eventTime": "2026-04-22T10:00:00Z", "userIdentity": {"type": "IAMUser", "arn": "a"}},
    )
    with pytest.raises(
        extractscan.InputError,
        match=r"userIdentity has no field 'arnn' "
        r"\(its fields: arn, type\)",
    ):
        _scan(log, account="userIdentity.arnn", timestamp="eventTime")


def test_column_overrides_a_preset_field_by_field(tmp_path: Path) -> None:
    """bedrock: the account from accountId instead of identity.arn; the rest as before."""
    f = _scan(FIX / "bedrock.jsonl", preset="bedrock", account="accountId")
    assert _accounts(f) == ["210987654321"]
    mapping = dict(f.input.column_mapping)
    assert mapping["account"] == "accountId" and mapping["model"] == "model"
    assert f.input.rows_analysed == 3
    res = CliRunner().invoke(
        main,
        [
            "scan",
            "--preset",
            "bedrock",
            str(FIX / "bedrock.jsonl"),
            "--column",
            "account=identity.arn",
            "--column",
            "org=modelId",
            "--format",
            "json",
            "--config",
            "none",
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert dict(data["input"]["column_mapping"])["org"] == "modelId"


def test_column_over_a_csv_preset(tmp_path: Path) -> None:
    f = _scan(FIX / "litellm_spend_logs.csv", preset="litellm", account="model")
    assert _accounts(f) == ["claude-3-5-sonnet", "gpt-4o"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.text(alphabet="abcxyz._", min_size=1, max_size=6), min_size=1, max_size=4),
    st.one_of(st.none(), st.text(max_size=8), st.integers(-(10**15), 10**15)),
)
def test_json_walk_matches_python(keys: list[str], leaf: object) -> None:
    """A path of keys without dots walks a JSON record as Python's dict lookups do
    (null and missing -> null, strings decoded, numbers as text)."""
    keys = [k.replace(".", "") or "k" for k in keys]
    doc: object = leaf
    for k in reversed(keys):
        doc = {k: doc}
    got = pl.select(paths.json_walk(pl.lit(json.dumps(doc)), tuple(keys))).item()
    assert got == (None if leaf is None else str(leaf))


REAL = Path(__file__).resolve().parents[2] / "shared" / "real-logs"


def test_paths_on_real_published_records(tmp_path: Path) -> None:
    """Real records (read from shared/real-logs, never copied): LiteLLM's metadata is a
    JSON-encoded string; a Langfuse span keeps dotted keys under ``attributes``."""
    spend = REAL / "litellm" / "spend_logs_payload.json"
    span = REAL / "openai-chat" / "langfuse_completion_with_tags_stream.json"
    if not spend.exists() or not span.exists():
        pytest.skip("shared/real-logs not present")
    rows = _frame(
        spend,
        tmp_path,
        timestamp="startTime",
        account="metadata.user_api_key_user_id",  # null in the record: never "null"
        model="metadata.model_map_information.model_map_key",  # through the encoded text
    )
    r = rows.row(0, named=True)
    assert (r["account"], r["_reject"], r["model"]) == (None, "missing_account", "gpt-4o")
    rows = _frame(
        span,
        tmp_path,
        timestamp="name",
        account="name",
        prompt="attributes.langfuse.observation.input",
        model="attributes.langfuse.observation.model.name",
    )
    r = rows.row(0, named=True)
    assert (r["account"], r["prompt"], r["model"]) == (
        "litellm-acompletion",
        "Hello!",
        "gpt-3.5-turbo",
    )


def test_a_path_into_the_logs_leaves_the_accounts_table_its_own_names(tmp_path: Path) -> None:
    log = _lines(
        tmp_path / "ct.jsonl",
        {"eventTime": "2026-04-22T10:00:00Z", "userIdentity": {"arn": "arn:a"}},
        {"eventTime": "2026-04-22T10:01:00Z", "userIdentity": {"arn": "arn:b"}},
    )
    acc = tmp_path / "accounts.csv"
    acc.write_text("account,payment\narn:a,card-1\narn:b,card-1\n")
    cfg = load_config(None, {"account": "userIdentity.arn"}, use_default=False)
    f = extractscan.scan(log, accounts=acc, config=cfg)
    assert f.input.rows_analysed == 2
    assert dict(f.input.column_mapping)["account"] == "userIdentity.arn | account"
    assert sorted(f.accounts["payment"].to_list()) == ["card-1", "card-1"]
