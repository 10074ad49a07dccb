"""Langfuse: trace downloads (UI, or the public API's ``GET /api/public/traces``, records
under ``data``) and the blob-storage export's observations, JSON, JSON lines or CSV.

Formats: the ``Trace`` object of the public API (https://api.reference.langfuse.com/,
``ApiTrace`` in https://js.reference.langfuse.com/interfaces/langfuse.ApiTrace.html:
``id``, ``timestamp``, ``name``, ``input``, ``output``, ``sessionId``, ``userId``,
``metadata``, ``tags``, ...) and the blob-storage export field reference,
https://langfuse.com/docs/api-and-data-platform/features/blob-storage-export-fields
(``traces/``: ``id``, ``timestamp``, ``user_id``, ``input``, ...; ``observations_v2/``
and ``observations/``: ``id``, ``trace_id``, ``type``, ``start_time``, ``input``,
``provided_model_name``, ``usage_details``, ``level``, and on ``observations_v2/`` the
trace's ``user_id``). A file is an observations file when its records have ``trace_id``.

| canonical | trace | observation (``type`` ``GENERATION``) |
|---|---|---|
| timestamp | ``timestamp`` | ``start_time`` |
| account | ``userId``, ``user_id`` | ``user_id`` (``observations_v2/``), else the ``user_id`` of the trace with its ``trace_id`` among the scan's trace files (legacy ``observations/``) |
| prompt | ``input`` texts (a string as it is; JSON by its ``content``/``text`` strings) | ``input`` texts |
| model | — | ``provided_model_name`` |
| input_tokens / output_tokens | — | ``usage_details.input`` / ``usage_details.output`` |
| status | — | ``level`` (``DEFAULT``, ``WARNING``, ``ERROR``) |
| org, api_key, ip, user_agent | not exported; the application's own ``metadata`` keys can be mapped: ``--column ip=metadata.ip`` | same |

Observations that are not generations (spans, events, tools) are counted as
``not_model_call``. When a scan holds observations, a trace's own row is counted as
``trace_of_observations`` (its generations are the model calls; a trace read alone is
one). The traces' user ids are collected once per scan, before the rows are read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from extractscan.ingest import documents
from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, invalid_json, records, texts
from extractscan.model.schema import PRESET_REJECT

_TRACE = "_trace_id"


def is_observations(path: Path, fmt: str) -> bool:
    """Whether a file holds observations (its records have ``trace_id``)."""
    return "trace_id" in documents.sample_fields(path, fmt)


class LangfusePreset:
    """Reader for Langfuse traces and observations."""

    name = "langfuse"
    summary = "Langfuse traces (UI, /api/public/traces) and blob-export observations"
    docs_url = "https://langfuse.com/docs/api-and-data-platform/features/blob-storage-export-fields"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp", "start_time"),
        "account": ("userId", "user_id"),
    }

    def __init__(self) -> None:
        self._kinds: dict[Path, bool] = {}
        self._users = pl.DataFrame(schema={_TRACE: pl.String, "_trace_user": pl.String})
        self._with_observations = False

    def bind(
        self, found: Sequence[InputFile], opener: Callable[[InputFile], tuple[InputFile, Path]]
    ) -> LangfusePreset:
        """A reader for this scan's files: which hold observations, and the user id of
        every trace in the others, collected once."""
        bound = LangfusePreset()
        users: list[pl.LazyFrame] = []
        for f in found:
            src, plain = opener(f)
            obs = is_observations(plain, src.format)
            bound._kinds[f.path] = obs
            if not obs:
                users.append(
                    records(src, plain).select(
                        first_of("id").alias(_TRACE),
                        first_of("userId", "user_id").alias("_trace_user"),
                    )
                )
        bound._with_observations = any(bound._kinds.values())
        if users and bound._with_observations:
            bound._users = (
                pl.concat(users)
                .filter(pl.col(_TRACE).is_not_null() & pl.col("_trace_user").is_not_null())
                .unique(_TRACE, keep="first", maintain_order=True)
                .collect(engine="streaming")
            )
        return bound

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per trace or observation."""
        obs = self._kinds.get(f.path)
        if obs is None:
            obs = is_observations(path, f.format)
        if obs:
            return self._observations(f, path)
        traces = records(f, path).select(
            first_of("timestamp").alias("timestamp"),
            first_of("userId", "user_id").alias("account"),
            texts(first_of("input")).alias("prompt"),
            invalid_json(),
        )
        if not self._with_observations:
            return traces
        return traces.with_columns(
            pl.coalesce(PRESET_REJECT, pl.lit("trace_of_observations")).alias(PRESET_REJECT)
        )

    def _observations(self, f: InputFile, path: Path) -> pl.LazyFrame:
        generation = first_of("type") == "GENERATION"
        rows = records(f, path).select(
            first_of("start_time").alias("timestamp"),
            first_of("user_id").alias("_own_user"),
            first_of("trace_id").alias(_TRACE),
            texts(first_of("input")).alias("prompt"),
            first_of("provided_model_name").alias("model"),
            first_of("usage_details.input").alias("input_tokens"),
            first_of("usage_details.output").alias("output_tokens"),
            first_of("level").alias("status"),
            pl.when(~generation.fill_null(False)).then(pl.lit("not_model_call")).alias("_kind"),
            invalid_json(),
        )
        joined = rows.join(self._users.lazy(), on=_TRACE, how="left", maintain_order="left")
        return joined.select(
            pl.exclude("_own_user", "_trace_user", _TRACE, "_kind", PRESET_REJECT),
            pl.coalesce("_own_user", "_trace_user").alias("account"),
            pl.coalesce(PRESET_REJECT, "_kind").alias(PRESET_REJECT),
        )
