"""Langfuse traces: a trace download from the UI or the public API's ``GET
/api/public/traces`` (records under ``data``), JSON, JSON lines or CSV.

Format: the ``Trace`` object of the Langfuse public API
(https://api.reference.langfuse.com/, ``ApiTrace`` in
https://js.reference.langfuse.com/interfaces/langfuse.ApiTrace.html): ``id``,
``timestamp``, ``name``, ``input``, ``output``, ``sessionId``, ``release``, ``version``,
``userId``, ``metadata``, ``tags``, ``public``, ``environment``; the blob-storage export
writes the same names in snake case (``user_id``, ``session_id``), also read.

| canonical | source field (first present wins) |
|---|---|
| timestamp | ``timestamp`` |
| account | ``userId``, ``user_id`` (the id the application set on the trace) |
| prompt | ``input``: a string as it is; an object or list by its ``content``/``text`` strings (``messages[].content``) |
| model, input_tokens, output_tokens | not on a trace (they are on its generations: the observations export) |
| org, api_key, ip, user_agent, status | not in the export; an application's own ``metadata`` keys can be mapped: ``--column ip=metadata.ip`` |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, invalid_json, records, texts


class LangfusePreset:
    """Reader for Langfuse trace exports."""

    name = "langfuse"
    summary = "Langfuse traces (UI download or /api/public/traces; JSON, JSON lines, CSV)"
    docs_url = "https://api.reference.langfuse.com/"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp",),
        "account": ("userId", "user_id"),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per trace."""
        return records(f, path).select(
            first_of("timestamp").alias("timestamp"),
            first_of("userId", "user_id").alias("account"),
            texts(first_of("input")).alias("prompt"),
            invalid_json(),
        )
