"""Kong AI Gateway: Kong's request log (File Log, HTTP Log and the other logging
plugins: one JSON object per request) with the ``ai`` object the AI Proxy plugins add.

Formats: the log object of https://developer.konghq.com/plugins/file-log/ (``started_at``
in epoch milliseconds, ``client_ip``, ``request.headers``, ``response.status``,
``consumer``, ``authenticated_entity``) and the AI audit log reference,
https://developer.konghq.com/ai-gateway/ai-audit-log-reference/ (``ai.proxy.*``; Kong
3.7-3.9 wrote ``ai.payload.request`` and ``ai.<plugin name>.usage.prompt_token``,
https://docs.konghq.com/gateway/3.8.x/ai-gateway/ai-analytics: both are read, the
plugin name matched by a wildcard).

| canonical | source field (first present wins) |
|---|---|
| timestamp | ``started_at`` (epoch milliseconds) |
| account | ``consumer.id``, else ``authenticated_entity.consumer_id`` (the Kong consumer; ``--column account=consumer.username`` for names) |
| api_key | ``authenticated_entity.id`` (the credential used) |
| ip | ``client_ip`` |
| user_agent | ``request.headers.user-agent`` |
| status | ``response.status`` |
| model | ``ai.<plugin>.meta.request_model``, else ``response_model`` |
| prompt | ``ai.proxy.payload.request`` / ``ai.payload.request`` (only with the plugin's ``log_payloads``): ``messages[].content`` |
| input_tokens / output_tokens | ``ai.<plugin>.usage.prompt_tokens`` (``prompt_token``) / ``completion_tokens`` (``completion_token``) |
| org | not in the log (``workspace`` is Kong's own) |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first, first_of, invalid_json, records, texts


class KongAIPreset:
    """Reader for Kong request logs with AI Proxy analytics."""

    name = "kong-ai"
    summary = "Kong AI Gateway request logs (File/HTTP Log JSON with the ai object)"
    docs_url = "https://developer.konghq.com/ai-gateway/ai-audit-log-reference/"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("started_at",),
        "account": ("consumer.id", "authenticated_entity.consumer_id"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per logged request."""
        return records(f, path).select(
            first_of("started_at").alias("timestamp"),
            first_of("consumer.id", "authenticated_entity.consumer_id").alias("account"),
            first_of("authenticated_entity.id").alias("api_key"),
            first_of("client_ip").alias("ip"),
            first_of("request.headers.user-agent").alias("user_agent"),
            first_of("response.status").alias("status"),
            first("$.ai.*.meta.request_model", "$.ai.*.meta.response_model").alias("model"),
            texts(first("$.ai.proxy.payload.request", "$.ai.payload.request")).alias("prompt"),
            first("$.ai.*.usage.prompt_tokens", "$.ai.*.usage.prompt_token").alias("input_tokens"),
            first("$.ai.*.usage.completion_tokens", "$.ai.*.usage.completion_token").alias(
                "output_tokens"
            ),
            invalid_json(),
        )
