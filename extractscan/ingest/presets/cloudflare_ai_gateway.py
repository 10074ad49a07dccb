"""Cloudflare AI Gateway logs: the API's "List Gateway Logs" answer (``GET
/accounts/{account_id}/ai-gateway/gateways/{gateway_id}/logs``, records under
``result``), or its records as JSON lines.

Format: https://developers.cloudflare.com/api/resources/ai_gateway/subresources/logs/methods/list
and ``.../methods/get`` (fields ``id``, ``cached``, ``created_at``, ``duration``, ``model``,
``path``, ``provider``, ``success``, ``tokens_in``, ``tokens_out``, ``cost``,
``metadata``, ``model_type``, ``request_type``, ``status_code``, ``step``, ...).

| canonical | source field |
|---|---|
| timestamp | ``created_at`` |
| model | ``model`` |
| input_tokens / output_tokens | ``tokens_in`` / ``tokens_out`` |
| status | ``status_code`` |
| account | **not in the log**: Cloudflare records no caller; an application that sends its user in the ``cf-aig-metadata`` header finds it in ``metadata`` (JSON text): ``--column account=metadata.<key>`` |
| prompt | not in a log record (the body is fetched per log from ``/logs/{id}/request``) |
| org, api_key, ip, user_agent | not in the log |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, invalid_json, records


class CloudflareAIGatewayPreset:
    """Reader for Cloudflare AI Gateway logs."""

    name = "cloudflare-ai-gateway"
    summary = "Cloudflare AI Gateway logs (API result list; account via --column metadata.KEY)"
    docs_url = (
        "https://developers.cloudflare.com/api/resources/ai_gateway/subresources/logs/methods/list"
    )
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("created_at",),
        "account": ("(none: --column account=metadata.KEY)",),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per gateway log."""
        return records(f, path).select(
            first_of("created_at").alias("timestamp"),
            pl.lit(None, dtype=pl.String).alias("account"),
            first_of("model").alias("model"),
            first_of("tokens_in").alias("input_tokens"),
            first_of("tokens_out").alias("output_tokens"),
            first_of("status_code").alias("status"),
            invalid_json(),
        )
