"""OpenAI-compatible request/response records as gateways log them (JSON lines).

Covers request logs with ``user``/``messages`` at the top level or under
``request``/``body`` (a gateway's own log of OpenAI chat requests) and Azure API
Management ``GatewayLogs`` in front of Azure OpenAI, whose ``properties.requestBody`` is a
JSON-encoded string. Helicone and Langfuse exports have presets of their own
(``helicone``, ``langfuse``). OpenAI Batch
request lines (``body.messages``) are mapped too, but carry no time or account of their
own: each is rejected and counted (``bad_timestamp``) unless a gateway added them.

Formats: https://platform.openai.com/docs/api-reference/chat/create (request body),
https://learn.microsoft.com/azure/api-management/gateway-log-schema-reference (GatewayLogs).

| canonical | source fields (first present wins) |
|---|---|
| timestamp | ``timestamp``, ``time``, ``created_at``, ``createdAt``, ``request.created_at``, ``startTime`` |
| account | ``user``, ``user_id``, ``userId``, ``body.user``, ``request.body.user``, ``properties.objectId`` (Azure), ``properties.apimSubscriptionId``; else ``ip:<callerIpAddress>`` for Azure logs, which carry no caller identity |
| api_key | ``api_key_id``, ``key_id``, ``properties.apimSubscriptionId`` |
| ip | ``callerIpAddress``, ``ip``, ``client_ip``, ``request.ip`` |
| user_agent | ``user_agent``, ``userAgent``, ``request.user_agent`` |
| model | ``model``, ``body.model``, ``request.body.model``, ``properties.modelName``, model in ``properties.requestBody`` |
| prompt | ``messages[].content`` (string or list of parts) under the top level, ``body``, ``request.body`` or the decoded ``properties.requestBody`` |
| input_tokens / output_tokens | ``usage.prompt_tokens`` / ``usage.completion_tokens`` at the top level, under ``response`` or ``response.body``, or in the decoded ``properties.responseBody`` |
| status | ``status``, ``status_code``, ``properties.responseCode``, ``resultSignature`` |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import (
    field,
    first,
    invalid_json,
    join_texts,
    records,
    texts,
)


class OpenAIChatPreset:
    """Reader for OpenAI-compatible chat request logs from gateways."""

    name = "openai-chat"
    summary = "OpenAI-compatible chat request logs from gateways, Azure APIM GatewayLogs"
    docs_url = "https://platform.openai.com/docs/api-reference/chat/create"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp", "time", "created_at", "createdAt", "request.created_at"),
        "account": ("user", "user_id", "userId", "body.user", "properties.objectId"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per request record."""
        # Azure writes ``properties`` as an object or as a JSON-encoded string; either
        # way json_path_match returns JSON text that can be searched again.
        props = field("$.properties")
        azure_body = field("$.requestBody", props)
        azure_resp = field("$.responseBody", props)
        messages = pl.coalesce(
            field("$.messages"),
            field("$.body.messages"),
            field("$.request.body.messages"),
            field("$.request.messages"),
            field("$.messages", azure_body),
        )
        caller = field("$.callerIpAddress")
        return records(f, path).select(
            first(
                "$.timestamp",
                "$.time",
                "$.created_at",
                "$.createdAt",
                "$.request.created_at",
                "$.startTime",
            ).alias("timestamp"),
            pl.coalesce(
                first("$.user", "$.user_id", "$.userId", "$.body.user", "$.request.body.user"),
                first("$.objectId", "$.apimSubscriptionId", source=props),
                pl.when(caller.is_not_null()).then(pl.lit("ip:") + caller),
            ).alias("account"),
            pl.coalesce(
                first("$.api_key_id", "$.key_id"), first("$.apimSubscriptionId", source=props)
            ).alias("api_key"),
            first("$.callerIpAddress", "$.ip", "$.client_ip", "$.request.ip").alias("ip"),
            first("$.user_agent", "$.userAgent", "$.request.user_agent").alias("user_agent"),
            pl.coalesce(
                first("$.model", "$.body.model", "$.request.body.model"),
                first("$.modelName", source=props),
                field("$.model", azure_body),
            ).alias("model"),
            join_texts(texts(messages)).alias("prompt"),
            pl.coalesce(
                first(
                    "$.usage.prompt_tokens",
                    "$.response.usage.prompt_tokens",
                    "$.response.body.usage.prompt_tokens",
                ),
                field("$.usage.prompt_tokens", azure_resp),
            ).alias("input_tokens"),
            pl.coalesce(
                first(
                    "$.usage.completion_tokens",
                    "$.response.usage.completion_tokens",
                    "$.response.body.usage.completion_tokens",
                ),
                field("$.usage.completion_tokens", azure_resp),
            ).alias("output_tokens"),
            pl.coalesce(
                first("$.status", "$.status_code"),
                first("$.responseCode", source=props),
                first("$.resultSignature"),
            ).alias("status"),
            invalid_json(),
        )
