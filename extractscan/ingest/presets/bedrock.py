"""AWS Bedrock model invocation logs (JSON lines as Bedrock writes them to S3 or CloudWatch).

Format: https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html

| canonical | source field |
|---|---|
| timestamp | ``timestamp`` (ISO-8601, UTC) |
| account | ``identity.arn`` (the IAM user or assumed role that called the model) |
| org | ``accountId`` (the AWS account) |
| api_key | ``requestId`` is *not* a key; left empty |
| model | ``modelId`` (model id or inference-profile ARN) |
| prompt | ``input.inputBodyJson``: ``system`` + ``messages[].content`` (Converse ``content[].text``, Anthropic strings or ``{type: text}`` blocks, guardrail ``guardContent.text.text``), Titan ``inputText``, Llama/Mistral ``prompt`` |
| input_tokens | ``input.inputTokenCount`` |
| output_tokens | ``output.outputTokenCount`` (streamed outputs are arrays of events and are not read) |
| status | ``errorCode`` when present, else ``200`` |
| ip, user_agent | not in invocation logs (CloudTrail ``InvokeModel`` events carry them; that join is not implemented yet) |
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.jsontext import (
    REQUEST_ID,
    field,
    first,
    invalid_json,
    join_texts,
    records,
    texts,
)


class BedrockPreset:
    """Reader for Bedrock ``ModelInvocationLog`` records."""

    name = "bedrock"
    summary = "AWS Bedrock model invocation logs (JSON lines, often .gz)"
    docs_url = "https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp",),
        "account": ("identity.arn",),
    }

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per invocation record."""
        body = "$.input.inputBodyJson"
        prompt = join_texts(
            texts(field(f"{body}.system")),
            texts(field(f"{body}.messages")),
            texts(field(f"{body}.inputText")),
            texts(field(f"{body}.prompt")),
        )
        return records(f, path).select(
            field("$.timestamp").alias("timestamp"),
            field("$.identity.arn").alias("account"),
            field("$.accountId").alias("org"),
            field("$.modelId").alias("model"),
            prompt.alias("prompt"),
            field("$.input.inputTokenCount").alias("input_tokens"),
            field("$.output.outputTokenCount").alias("output_tokens"),
            first("$.errorCode").fill_null("200").alias("status"),
            field("$.requestId").alias(REQUEST_ID),  # joined to CloudTrail (bedrock-cloudtrail)
            invalid_json(),
        )
