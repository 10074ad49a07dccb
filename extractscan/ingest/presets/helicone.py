"""Helicone request exports (``npx @helicone/export``: JSON, JSON lines or CSV; the
REST API's ``/v1/request/query-clickhouse`` records, under ``data``).

Format: the ``HeliconeRequest`` schema of https://docs.helicone.ai/rest/request/get-v1request
(export tool: https://docs.helicone.ai/tools/export). In a CSV export the bodies are JSON
text, decoded on the way.

| canonical | source field (first present wins) |
|---|---|
| timestamp | ``request_created_at`` |
| account | ``request_user_id`` (the ``Helicone-User-Id`` header or the body's ``user``), else ``request_body.user`` |
| model | ``request_model``, ``model``, ``response_model``, ``request_body.model`` |
| prompt | ``request_body``: ``messages[].content`` (strings or parts), ``prompt``, ``input``; else ``llmSchema.request.messages`` |
| input_tokens / output_tokens | ``prompt_tokens`` / ``completion_tokens`` |
| status | ``response_status`` |
| country | ``country_code`` (the caller's country, as Helicone derives it from the request) |
| org, api_key, ip, user_agent | not in the export: Helicone keeps no caller IP or user agent; custom ``Helicone-Property-*`` headers are in ``request_properties`` (``--column ip=request_properties.ip``) |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import (
    first_of,
    invalid_json,
    join_texts,
    records,
    texts,
    walk,
)


class HeliconePreset:
    """Reader for Helicone request exports."""

    name = "helicone"
    summary = "Helicone request exports (JSON, JSON lines or CSV from @helicone/export)"
    docs_url = "https://docs.helicone.ai/rest/request/get-v1request"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("request_created_at",),
        "account": ("request_user_id", "request_body.user"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per request record."""
        body = walk("request_body")
        prompt = pl.coalesce(
            join_texts(
                texts(walk("messages", body)),
                texts(walk("prompt", body)),
                texts(walk("input", body)),
            ),
            join_texts(texts(walk("llmSchema.request.messages"))),
        )
        return records(f, path).select(
            first_of("request_created_at").alias("timestamp"),
            first_of("request_user_id", "request_body.user").alias("account"),
            first_of("request_model", "model", "response_model", "request_body.model").alias(
                "model"
            ),
            prompt.alias("prompt"),
            first_of("prompt_tokens").alias("input_tokens"),
            first_of("completion_tokens").alias("output_tokens"),
            first_of("response_status").alias("status"),
            first_of("country_code").alias("country"),
            invalid_json(),
        )
