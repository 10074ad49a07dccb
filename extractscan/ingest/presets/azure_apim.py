"""Azure API Management in front of a language model: the ``ApiManagementGatewayLlmLog``
table (token counts, model, prompt and completion messages) joined to the
``ApiManagementGatewayLogs`` table (who called, from where) on ``CorrelationId``, as a
Log Analytics query exports them (CSV or JSON: the tables' own column names).

Formats: https://learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewayllmlog
("Unique id corresponding with the same field in ApiManagementGatewayLogs") and
https://learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewaylogs;
logging set up as https://learn.microsoft.com/azure/api-management/api-management-howto-llm-logs
describes. Give both tables in one scan; each file is told apart by its columns (an LLM
log has ``PromptTokens`` or ``SequenceNumber``).

| canonical | source |
|---|---|
| timestamp | ``TimeGenerated`` of the LLM log |
| account | gateway log ``UserId`` (the API Management user), else ``ApimSubscriptionId`` (the subscription key's id) |
| api_key | gateway log ``ApimSubscriptionId`` |
| ip | gateway log ``CallerIpAddress`` |
| user_agent | gateway log ``RequestHeaders`` ``User-Agent``, when the API logs that header |
| status | gateway log ``ResponseCode`` |
| model | ``ModelName``, else ``DeploymentName`` |
| prompt | ``RequestMessages`` (their ``content``) |
| input_tokens / output_tokens | ``PromptTokens`` / ``CompletionTokens`` |
| org, country | not in either table (``Region`` is the gateway's datacenter, never the caller's country) |

A message over 32 KB is split over several LLM log entries (``SequenceNumber`` 1, 2,
...): the request is the entry with ``SequenceNumber`` 0, the others are counted as
``continuation``. A gateway log of a request with an LLM log is read there and counted as
``joined_to_llm_log``; one without (another API, or LLM logging off) is analysed on its
own, without a prompt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from extractscan.ingest import documents
from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, invalid_json, records, texts
from extractscan.model.schema import PRESET_REJECT

_KEY = "_correlation_id"
_GATEWAY = ("account", "api_key", "ip", "user_agent", "status")


def is_llm_log(path: Path, fmt: str) -> bool:
    """Whether a file holds ``ApiManagementGatewayLlmLog`` rows (by its fields)."""
    fields = set(documents.sample_fields(path, fmt))
    return bool(fields & {"PromptTokens", "SequenceNumber", "RequestMessages"})


def _gateway(f: InputFile, path: Path) -> pl.LazyFrame:
    return records(f, path).select(
        first_of("TimeGenerated").alias("timestamp"),
        first_of("UserId", "ApimSubscriptionId").alias("account"),
        first_of("ApimSubscriptionId").alias("api_key"),
        first_of("CallerIpAddress").alias("ip"),
        first_of("RequestHeaders.User-Agent", "RequestHeaders.user-agent").alias("user_agent"),
        first_of("ResponseCode").alias("status"),
        first_of("CorrelationId").alias(_KEY),
        invalid_json(),
    )


class AzureApimPreset:
    """Reader for API Management LLM logs joined to gateway logs."""

    name = "azure-apim"
    summary = "Azure API Management GatewayLlmLogs joined to GatewayLogs on CorrelationId"
    docs_url = "https://learn.microsoft.com/azure/api-management/api-management-howto-llm-logs"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("TimeGenerated",),
        "account": ("UserId", "ApimSubscriptionId"),
    }

    def __init__(self) -> None:
        self._kinds: dict[Path, bool] = {}
        self._callers = pl.DataFrame(schema={_KEY: pl.String, **dict.fromkeys(_GATEWAY, pl.String)})
        self._logged = pl.DataFrame(schema={_KEY: pl.String})

    def bind(
        self, found: Sequence[InputFile], opener: Callable[[InputFile], tuple[InputFile, Path]]
    ) -> AzureApimPreset:
        """A reader for this scan's files: each file's table, the gateway fields by
        correlation id and the correlation ids of the LLM logs, collected once."""
        bound = AzureApimPreset()
        callers: list[pl.LazyFrame] = []
        logged: list[pl.LazyFrame] = []
        for f in found:
            src, plain = opener(f)
            llm = is_llm_log(plain, src.format)
            bound._kinds[f.path] = llm
            if llm:
                logged.append(records(src, plain).select(first_of("CorrelationId").alias(_KEY)))
            else:
                callers.append(
                    _gateway(src, plain)
                    .filter(pl.col(PRESET_REJECT).is_null())
                    .select(_KEY, *_GATEWAY)
                )
        if callers:
            bound._callers = (
                pl.concat(callers)
                .filter(pl.col(_KEY).is_not_null())
                .unique(_KEY, keep="first", maintain_order=True)
                .collect(engine="streaming")
            )
        if logged:
            bound._logged = (
                pl.concat(logged)
                .filter(pl.col(_KEY).is_not_null())
                .unique(maintain_order=True)
                .collect(engine="streaming")
            )
        return bound

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per LLM log entry or gateway log."""
        llm = self._kinds.get(f.path)
        if llm is None:
            llm = is_llm_log(path, f.format)
        if not llm:
            seen = self._logged.lazy().with_columns(pl.lit(True).alias("_logged"))
            rows = _gateway(f, path).join(seen, on=_KEY, how="left", maintain_order="left")
            return rows.with_columns(
                pl.when(pl.col(PRESET_REJECT).is_null() & pl.col("_logged").fill_null(False))
                .then(pl.lit("joined_to_llm_log"))
                .otherwise(pl.col(PRESET_REJECT))
                .alias(PRESET_REJECT)
            ).drop("_logged")
        sequence = first_of("SequenceNumber").cast(pl.Int64, strict=False).fill_null(0)
        entries = records(f, path).select(
            first_of("TimeGenerated").alias("timestamp"),
            first_of("ModelName", "DeploymentName").alias("model"),
            texts(first_of("RequestMessages")).alias("prompt"),
            first_of("PromptTokens").alias("input_tokens"),
            first_of("CompletionTokens").alias("output_tokens"),
            first_of("CorrelationId").alias(_KEY),
            pl.when(sequence > 0).then(pl.lit("continuation")).alias("_continuation"),
            invalid_json(),
        )
        joined = entries.join(self._callers.lazy(), on=_KEY, how="left", maintain_order="left")
        return joined.with_columns(
            pl.coalesce(PRESET_REJECT, "_continuation").alias(PRESET_REJECT)
        ).drop("_continuation")
