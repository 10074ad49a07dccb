"""Portkey logs exports (JSON lines).

Format: the "Exported Data" columns of https://portkey.ai/docs/product/observability/logs-export
(``Portkey-AI/docs-core`` ``product/observability/logs-export.mdx``) and the reserved
``_user`` metadata key of https://portkey.ai/docs/product/observability/metadata. A
column written ``request.body`` is read as a key with a dot or as ``body`` under
``request``, whichever the file holds.

| canonical | source field (first present wins) |
|---|---|
| timestamp | ``created_at`` |
| account | ``metadata._user`` (the user the application tagged), else ``request.body.user`` |
| api_key | ``virtual_key`` |
| model | ``ai_model``, else ``request.body.model`` |
| prompt | ``request.body``: ``messages[].content``, ``prompt``, ``input`` |
| input_tokens / output_tokens | ``req_units`` / ``res_units`` |
| status | ``response_status_code`` |
| org, ip, user_agent | not in the export (``ai_org`` is the model provider, not the customer's org); the application's own metadata keys can be mapped: ``--column ip=metadata.ip`` |
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


class PortkeyPreset:
    """Reader for Portkey logs exports."""

    name = "portkey"
    summary = "Portkey logs export (JSON lines: created_at, request.body, metadata._user)"
    docs_url = "https://portkey.ai/docs/product/observability/logs-export"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("created_at",),
        "account": ("metadata._user", "request.body.user"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per logged request."""
        body = walk("request.body")
        return records(f, path).select(
            first_of("created_at").alias("timestamp"),
            first_of("metadata._user", "request.body.user").alias("account"),
            first_of("virtual_key").alias("api_key"),
            first_of("ai_model", "request.body.model").alias("model"),
            join_texts(
                texts(walk("messages", body)),
                texts(walk("prompt", body)),
                texts(walk("input", body)),
            ).alias("prompt"),
            first_of("req_units").alias("input_tokens"),
            first_of("res_units").alias("output_tokens"),
            first_of("response_status_code").alias("status"),
            invalid_json(),
        )
