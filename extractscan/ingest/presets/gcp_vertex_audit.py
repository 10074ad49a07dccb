"""Google Cloud audit logs of Vertex AI model calls: Data Access entries of
``aiplatform.googleapis.com`` (``cloudaudit.googleapis.com%2Fdata_access``) as Cloud
Logging writes them to a Cloud Storage sink or ``gcloud logging read --format=json``
prints them (JSON lines, or a JSON list).

Formats: the ``LogEntry`` (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry)
with an ``AuditLog`` ``protoPayload``
(https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog),
and the audited generative operations (``generateContent``, ``streamGenerateContent``,
``chatCompletions`` on ``publishers.models`` and ``endpoints``:
https://cloud.google.com/vertex-ai/generative-ai/docs/enable-audit-logs). A BigQuery log
sink renames the fields (``protopayload_auditlog.*``): map those with ``--column``.

| canonical | source field |
|---|---|
| timestamp | ``timestamp`` |
| account | ``protoPayload.authenticationInfo.principalEmail`` (the user or service account) |
| org | ``resource.labels.project_id`` |
| ip | ``protoPayload.requestMetadata.callerIp`` |
| user_agent | ``protoPayload.requestMetadata.callerSuppliedUserAgent`` |
| model | ``protoPayload.resourceName`` after ``/models/`` (or the endpoint's resource name) |
| status | ``protoPayload.status.code`` (a google.rpc code; none is ``0``, OK) |
| prompt, input_tokens, output_tokens, api_key | not in audit logs |

Entries of other services or methods (``CountTokens``, admin reads) are rejected and
counted as ``not_model_call``; a model call is a ``PredictionService`` method named
``GenerateContent``, ``StreamGenerateContent``, ``ChatCompletions``, ``Predict``,
``RawPredict`` or ``StreamRawPredict`` (partner models such as Claude use the last two).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import first_of, is_json_object, records
from extractscan.model.schema import PRESET_REJECT

#: ``protoPayload.methodName`` of a model call (any API version).
MODEL_CALL = (
    r"PredictionService\.(?:GenerateContent|StreamGenerateContent|ChatCompletions"
    r"|Predict|RawPredict|StreamRawPredict)$"
)


class GcpVertexAuditPreset:
    """Reader for Vertex AI Data Access audit log entries."""

    name = "gcp-vertex-audit"
    summary = "Google Cloud audit logs of Vertex AI model calls (LogEntry JSON lines)"
    docs_url = "https://cloud.google.com/vertex-ai/generative-ai/docs/enable-audit-logs"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp",),
        "account": ("protoPayload.authenticationInfo.principalEmail",),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per log entry."""
        ok = is_json_object()
        call = (first_of("protoPayload.serviceName") == "aiplatform.googleapis.com") & (
            first_of("protoPayload.methodName").str.contains(MODEL_CALL)
        )
        resource = first_of("protoPayload.resourceName")
        model = pl.coalesce(resource.str.extract(r"/models/([^/:]+)"), resource)
        reject = (
            pl.when(~ok)
            .then(pl.lit("invalid_json"))
            .when(~call.fill_null(False))
            .then(pl.lit("not_model_call"))
        )
        return records(f, path).select(
            first_of("timestamp").alias("timestamp"),
            first_of("protoPayload.authenticationInfo.principalEmail").alias("account"),
            first_of("resource.labels.project_id").alias("org"),
            first_of("protoPayload.requestMetadata.callerIp").alias("ip"),
            first_of("protoPayload.requestMetadata.callerSuppliedUserAgent").alias("user_agent"),
            model.alias("model"),
            first_of("protoPayload.status.code").fill_null("0").alias("status"),
            reject.alias(PRESET_REJECT),
        )
