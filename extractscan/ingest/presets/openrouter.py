"""OpenRouter generation records: ``GET /api/v1/generation`` answers (one generation
under ``data``), saved one per line or as a list.

Format: the ``GenerationResponse`` of https://openrouter.ai/docs/api/api-reference/generations/get-generation
(field names as the Python SDK lists them, ``created_at``, ``external_user``,
``tokens_prompt``; the TypeScript SDK's camel case, ``createdAt``, ``externalUser``, is
read too). OpenRouter keeps no prompt text here.

| canonical | source field (first present wins; also under ``data``) |
|---|---|
| timestamp | ``created_at`` / ``createdAt`` |
| account | ``external_user`` / ``externalUser`` (the ``user`` the caller passed) |
| user_agent | ``user_agent`` / ``userAgent`` |
| model | ``model`` |
| input_tokens / output_tokens | ``native_tokens_prompt`` / ``native_tokens_completion`` (the provider's count), else ``tokens_prompt`` / ``tokens_completion`` |
| status | ``finish_reason`` / ``finishReason`` (``stop``, ``length``, ``content_filter``, ...) |
| org | ``app_id`` / ``appId`` (the calling app, from its ``HTTP-Referer``) |
| prompt, ip, api_key | not in a generation record |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, invalid_json, records


def _either(*names: str) -> pl.Expr:
    """The first of ``names`` present at the top level or under ``data``."""
    return first_of(*names, *(f"data.{n}" for n in names))


class OpenRouterPreset:
    """Reader for OpenRouter generation records."""

    name = "openrouter"
    summary = "OpenRouter generation records (GET /api/v1/generation; JSON, JSON lines)"
    docs_url = "https://openrouter.ai/docs/api/api-reference/generations/get-generation"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("created_at", "createdAt"),
        "account": ("external_user", "externalUser"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per generation."""
        return records(f, path).select(
            _either("created_at", "createdAt").alias("timestamp"),
            _either("external_user", "externalUser").alias("account"),
            _either("app_id", "appId").alias("org"),
            _either("user_agent", "userAgent").alias("user_agent"),
            _either("model").alias("model"),
            _either(
                "native_tokens_prompt", "nativeTokensPrompt", "tokens_prompt", "tokensPrompt"
            ).alias("input_tokens"),
            _either(
                "native_tokens_completion",
                "nativeTokensCompletion",
                "tokens_completion",
                "tokensCompletion",
            ).alias("output_tokens"),
            _either("finish_reason", "finishReason").alias("status"),
            invalid_json(),
        )
