"""LiteLLM proxy logs: ``LiteLLM_SpendLogs`` rows and ``StandardLoggingPayload`` records.

Formats: https://docs.litellm.ai/docs/proxy/logging_spec (StandardLoggingPayload) and
https://docs.litellm.ai/docs/proxy/cost_tracking (``LiteLLM_SpendLogs`` table).

SpendLogs rows (a Postgres export as CSV or Parquet):

| canonical | source column |
|---|---|
| timestamp | ``startTime`` |
| account | ``end_user``, else ``user``, else ``api_key`` (the hashed key), else ``metadata.user_api_key_user_id`` / ``metadata.user_api_key``: the most specific identity LiteLLM recorded |
| org | ``organization_id``, else ``team_id``, else ``metadata.user_api_key_org_id`` / ``metadata.user_api_key_team_id`` |
| api_key | ``api_key`` |
| ip | ``requester_ip_address``, else ``metadata.requester_ip_address`` |
| user_agent | ``metadata.user_agent`` (``metadata`` is a JSON string), else ``metadata.headers.user-agent`` |
| model | ``model`` |
| prompt | ``messages`` (a JSON string: ``[{role, content}]``) |
| input_tokens / output_tokens | ``prompt_tokens`` / ``completion_tokens`` |
| status | ``status`` |

StandardLoggingPayload records (JSON lines, or one ``.json`` document): ``startTime``
(epoch seconds or a naive UTC string), account ``end_user`` /
``metadata.user_api_key_end_user_id`` / ``metadata.user_api_key_user_id`` /
``metadata.user_api_key_hash``, org ``metadata.user_api_key_org_id`` /
``metadata.user_api_key_team_id``, ``requester_ip_address``, ``model``, prompt
``messages[].content``, ``prompt_tokens``, ``completion_tokens``, ``status``. A
SpendLogs row written as JSON is read the same way, then by its SpendLogs names: account
``user`` / ``api_key``, org ``organization_id`` / ``team_id``, and ``metadata`` as
JSON-encoded text (``user_api_key_user_id``, ``requester_ip_address``, ``user_agent``).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile, open_lazy
from extractscan.ingest.presets.jsontext import (
    field,
    first,
    invalid_json,
    join_texts,
    records,
    texts,
)
from extractscan.model.errors import InputError
from extractscan.model.schema import PRESET_REJECT


def _text(name: str, schema: pl.Schema) -> pl.Expr:
    if name not in schema:
        return pl.lit(None, dtype=pl.String)
    col = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(col != "").then(col)


class LiteLLMPreset:
    """Reader for LiteLLM spend-log rows and standard logging payloads."""

    name = "litellm"
    summary = "LiteLLM proxy SpendLogs (CSV/Parquet) and StandardLoggingPayload (JSON)"
    docs_url = "https://docs.litellm.ai/docs/proxy/logging_spec"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("startTime",),
        "account": ("end_user", "user", "api_key", "metadata.user_api_key_user_id"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per spend-log row or payload record."""
        if f.format in ("csv", "tsv", "parquet"):
            return self._spend_logs(f, path)
        return self._payloads(f, path)

    def _spend_logs(self, f: InputFile, path: Path) -> pl.LazyFrame:
        plain = InputFile(path, f.format, None)
        raw = open_lazy(plain, path.parent)
        s = raw.collect_schema()
        if "startTime" not in s:  # (with no column of the export, every row was one)
            cols = ", ".join(s.names()[:8]) + (", ..." if len(s) > 8 else "")
            raise InputError(
                f"{f.path}: not a LiteLLM SpendLogs export: no startTime column "
                f"(columns: {cols}); without --preset the columns are mapped by name"
            )
        meta = _text("metadata", s)
        return raw.select(
            _text("startTime", s).alias("timestamp"),
            pl.coalesce(
                _text("end_user", s),
                _text("user", s),
                _text("api_key", s),
                first("$.user_api_key_user_id", "$.user_api_key", source=meta),
            ).alias("account"),
            pl.coalesce(
                _text("organization_id", s),
                _text("team_id", s),
                first("$.user_api_key_org_id", "$.user_api_key_team_id", source=meta),
            ).alias("org"),
            _text("api_key", s).alias("api_key"),
            pl.coalesce(
                _text("requester_ip_address", s), first("$.requester_ip_address", source=meta)
            ).alias("ip"),
            first("$.user_agent", "$.headers.user-agent", source=meta).alias("user_agent"),
            _text("model", s).alias("model"),
            join_texts(texts(_text("messages", s))).alias("prompt"),
            _text("prompt_tokens", s).alias("input_tokens"),
            _text("completion_tokens", s).alias("output_tokens"),
            _text("status", s).alias("status"),
            pl.lit(None, dtype=pl.String).alias(PRESET_REJECT),
        )

    def _payloads(self, f: InputFile, path: Path) -> pl.LazyFrame:
        # A SpendLogs row written as JSON keeps its ids at the top level (``user``,
        # ``api_key``, ``organization_id``) and its metadata as JSON-encoded text: read
        # after the StandardLoggingPayload paths, the metadata text as JSON.
        meta = field("$.metadata")
        return records(f, path).select(
            field("$.startTime").alias("timestamp"),
            pl.coalesce(
                first(
                    "$.end_user",
                    "$.metadata.user_api_key_end_user_id",
                    "$.metadata.user_api_key_user_id",
                    "$.metadata.user_api_key_hash",
                    "$.user",
                    "$.api_key",
                ),
                first("$.user_api_key_user_id", "$.user_api_key", source=meta),
            ).alias("account"),
            pl.coalesce(
                first(
                    "$.metadata.user_api_key_org_id",
                    "$.metadata.user_api_key_team_id",
                    "$.organization_id",
                    "$.team_id",
                ),
                first("$.user_api_key_org_id", "$.user_api_key_team_id", source=meta),
            ).alias("org"),
            first("$.metadata.user_api_key_hash", "$.api_key").alias("api_key"),
            pl.coalesce(
                first("$.requester_ip_address", "$.metadata.requester_ip_address"),
                first("$.requester_ip_address", source=meta),
            ).alias("ip"),
            pl.coalesce(
                first("$.metadata.requester_metadata.user_agent"),
                first("$.user_agent", "$.headers.user-agent", source=meta),
            ).alias("user_agent"),
            field("$.model").alias("model"),
            join_texts(texts(field("$.messages"))).alias("prompt"),
            field("$.prompt_tokens").alias("input_tokens"),
            field("$.completion_tokens").alias("output_tokens"),
            field("$.status").alias("status"),
            invalid_json(),
        )
