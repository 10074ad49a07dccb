"""AWS CloudTrail events of Amazon Bedrock model calls (``InvokeModel``,
``InvokeModelWithResponseStream``, ``Converse``, ``ConverseStream``), as a trail delivers
them to S3 (``{"Records": [...]}``, ``.json.gz``) or as JSON lines (CloudWatch Logs,
Athena, Lake exports).

Formats: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
(record contents) and https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html
(Bedrock's events: ``eventSource`` ``bedrock.amazonaws.com``, ``requestParameters.modelId``).
CloudTrail carries who called, from where and with what client, never the prompt: the
Bedrock invocation logs carry that (``--preset bedrock``).

| canonical | source field |
|---|---|
| timestamp | ``eventTime`` |
| account | ``userIdentity.arn`` (the IAM user, or the assumed role with its session name) |
| org | ``userIdentity.accountId``, else ``recipientAccountId`` |
| api_key | ``userIdentity.accessKeyId`` (the access key the call was signed with) |
| ip | ``sourceIPAddress`` |
| user_agent | ``userAgent`` |
| model | ``requestParameters.modelId`` |
| status | ``errorCode`` when present, else ``200`` |
| prompt, input_tokens, output_tokens | not in CloudTrail |

Events of other services or other Bedrock operations in the same trail are rejected and
counted as ``not_model_call``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import REQUEST_ID, first_of, is_json_object, records
from extractscan.model.schema import PRESET_REJECT

#: Bedrock runtime operations that run a model.
MODEL_CALLS = ("InvokeModel", "InvokeModelWithResponseStream", "Converse", "ConverseStream")


class CloudTrailPreset:
    """Reader for CloudTrail events of Bedrock model calls."""

    name = "cloudtrail"
    summary = "AWS CloudTrail Bedrock InvokeModel/Converse events (S3 .json.gz or JSON lines)"
    docs_url = "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("eventTime",),
        "account": ("userIdentity.arn",),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per CloudTrail event."""
        ok = is_json_object()
        call = (first_of("eventSource") == "bedrock.amazonaws.com") & first_of("eventName").is_in(
            MODEL_CALLS
        )
        reject = (
            pl.when(~ok)
            .then(pl.lit("invalid_json"))
            .when(~call.fill_null(False))
            .then(pl.lit("not_model_call"))
        )
        return records(f, path).select(
            first_of("eventTime").alias("timestamp"),
            first_of("userIdentity.arn").alias("account"),
            first_of("userIdentity.accountId", "recipientAccountId").alias("org"),
            first_of("userIdentity.accessKeyId").alias("api_key"),
            first_of("sourceIPAddress").alias("ip"),
            first_of("userAgent").alias("user_agent"),
            first_of("requestParameters.modelId").alias("model"),
            first_of("errorCode").fill_null("200").alias("status"),
            first_of("requestID").alias(REQUEST_ID),
            reject.alias(PRESET_REJECT),
        )
