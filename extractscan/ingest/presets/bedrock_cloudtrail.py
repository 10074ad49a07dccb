"""Bedrock model invocation logs joined to CloudTrail events on the request id, for the
caller's IP address and user agent, which invocation logs do not carry.

Give both in one scan (files or folders, in any order): every file is told apart by its
first record (``schemaType: ModelInvocationLog`` or a CloudTrail event). Formats as
``bedrock`` and ``cloudtrail``; the invocation log's ``requestId`` is the CloudTrail
event's ``requestID`` (both are the runtime API's request id:
https://docs.aws.amazon.com/bedrock/latest/userguide/model-invocation-logging.html,
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html).

| canonical | source |
|---|---|
| every field of ``bedrock`` | the invocation log (the prompt, tokens, model, ``identity.arn``) |
| ip / user_agent | ``sourceIPAddress`` / ``userAgent`` of the CloudTrail event with the same request id |
| api_key | ``userIdentity.accessKeyId`` of that event |

A CloudTrail model call whose request has an invocation log is read there: its row is
rejected and counted as ``joined_to_invocation`` (one request is one analysed row); a
model call without one (invocation logging off, or its log not given) is analysed as
``cloudtrail`` reads it, without a prompt. Other CloudTrail events count as
``not_model_call``. The request ids and the CloudTrail fields are collected once per
scan, before the rows are read (three short strings per event).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.ingest.presets.bedrock import BedrockPreset
from extractscan.ingest.presets.cloudtrail import CloudTrailPreset
from extractscan.ingest.presets.jsontext import REQUEST_ID, records
from extractscan.model.schema import PRESET_REJECT

#: Bytes of a file read to tell an invocation log from a CloudTrail file.
_PROBE = 1 << 16


def kind(path: Path) -> str:
    """``"cloudtrail"`` for a file of CloudTrail events (``Records`` or ``eventSource``
    in its first record), else ``"invocation"``."""
    with path.open("rb") as fh:
        head = fh.read(_PROBE).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    first = head.split("\n", 1)[0]
    try:
        rec = json.loads(first)
    except (ValueError, RecursionError):
        rec = None
    if isinstance(rec, dict):
        return "cloudtrail" if "Records" in rec or "eventSource" in rec else "invocation"
    return "cloudtrail" if '"Records"' in head[:4096] or '"eventSource"' in head else "invocation"


class BedrockCloudTrailPreset:
    """Reader for Bedrock invocation logs with the IP and user agent from CloudTrail."""

    name = "bedrock-cloudtrail"
    summary = "Bedrock invocation logs + CloudTrail events joined on request id (IP, UA)"
    docs_url = "https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html"
    looks_for: dict[str, tuple[str, ...]] = {
        "timestamp": ("timestamp", "eventTime"),
        "account": ("identity.arn", "userIdentity.arn"),
    }

    def __init__(
        self, kinds: dict[Path, str] | None = None, trail: pl.DataFrame | None = None
    ) -> None:
        self._kinds = kinds or {}
        self._trail = trail if trail is not None else _empty_trail()
        self._invoked = pl.DataFrame(schema={REQUEST_ID: pl.String})

    def bind(
        self, found: Sequence[InputFile], opener: Callable[[InputFile], tuple[InputFile, Path]]
    ) -> BedrockCloudTrailPreset:
        """A reader for this scan's files: each file's kind, the CloudTrail fields by
        request id and the request ids of the invocation logs, collected once.

        ``opener`` gives the file to read (decompressed, its type from its content).
        """
        kinds: dict[Path, str] = {}
        trails: list[pl.LazyFrame] = []
        invoked: list[pl.LazyFrame] = []
        for f in found:
            src, plain = opener(f)
            k = kind(plain)
            kinds[f.path] = k
            if k == "cloudtrail":
                frame = CloudTrailPreset().read(src, plain)
                trails.append(
                    frame.filter(pl.col(PRESET_REJECT).is_null()).select(
                        REQUEST_ID, "ip", "user_agent", "api_key"
                    )
                )
            else:
                invoked.append(records(src, plain).select(_request_id()))
        bound = BedrockCloudTrailPreset(kinds)
        if trails:
            bound._trail = (
                pl.concat(trails)
                .filter(pl.col(REQUEST_ID).is_not_null())
                .unique(REQUEST_ID, keep="first", maintain_order=True)
                .collect(engine="streaming")
            )
        if invoked:
            bound._invoked = (
                pl.concat(invoked)
                .filter(pl.col(REQUEST_ID).is_not_null())
                .unique(maintain_order=True)
                .collect(engine="streaming")
            )
        return bound

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """One canonical row per invocation record or CloudTrail event."""
        if self._kinds.get(f.path, kind(path)) == "cloudtrail":
            events = CloudTrailPreset().read(f, path)
            seen = self._invoked.lazy().with_columns(pl.lit(True).alias("_invoked"))
            joined = events.join(seen, on=REQUEST_ID, how="left", maintain_order="left")
            return joined.with_columns(
                pl.when(pl.col(PRESET_REJECT).is_null() & pl.col("_invoked").fill_null(False))
                .then(pl.lit("joined_to_invocation"))
                .otherwise(pl.col(PRESET_REJECT))
                .alias(PRESET_REJECT)
            ).drop("_invoked")
        logs = BedrockPreset().read(f, path)
        return logs.join(self._trail.lazy(), on=REQUEST_ID, how="left", maintain_order="left")


def _request_id() -> pl.Expr:
    return pl.col("_record").str.json_path_match("$.requestId").alias(REQUEST_ID)


def _empty_trail() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            REQUEST_ID: pl.String,
            "ip": pl.String,
            "user_agent": pl.String,
            "api_key": pl.String,
        }
    )
