"""The canonical data shape, declared once.

Every reader maps its source onto these columns; every later stage reads only these.
"""

from __future__ import annotations

import polars as pl

#: Request-log columns that must be present.
REQUIRED: tuple[str, ...] = ("timestamp", "account")

#: Request-log columns that switch signals on when present.
OPTIONAL: tuple[str, ...] = (
    "org",
    "api_key",
    "ip",
    "user_agent",
    "model",
    "prompt",
    "input_tokens",
    "output_tokens",
    "status",
)

#: Account attributes: columns of the request log or of the ``--accounts`` table.
ACCOUNT_ATTRS: tuple[str, ...] = ("payment", "email", "signup_at", "country", "org")

#: Every canonical request column, in output order.
REQUEST_COLUMNS: tuple[str, ...] = (
    REQUIRED + OPTIONAL + tuple(c for c in ACCOUNT_ATTRS if c not in OPTIONAL)
)

#: Canonical dtypes after normalisation.
DTYPES: dict[str, pl.DataType] = {
    "timestamp": pl.Datetime("us", "UTC"),
    "account": pl.String(),
    "org": pl.String(),
    "api_key": pl.String(),
    "ip": pl.String(),
    "user_agent": pl.String(),
    "model": pl.String(),
    "prompt": pl.String(),
    "input_tokens": pl.Int64(),
    "output_tokens": pl.Int64(),
    "status": pl.String(),
    "payment": pl.String(),
    "email": pl.String(),
    "signup_at": pl.Datetime("us", "UTC"),
    "country": pl.String(),
}

#: Source column names recognised automatically, per canonical column (compared
#: case-insensitively, ignoring ``-``, ``_``, ``.`` and spaces). The canonical name itself
#: always matches first.
ALIASES: dict[str, tuple[str, ...]] = {
    "timestamp": (
        "ts",
        "time",
        "datetime",
        "date_time",
        "created_at",
        "created",
        "request_time",
        "requested_at",
        "start_time",
        "starttime",
        "event_time",
        "@timestamp",
        "logged_at",
    ),
    "account": (
        "account_id",
        "user_id",
        "user",
        "customer_id",
        "customer",
        "client_id",
        "account_uuid",
        "principal",
        "owner_id",
        "end_user",
    ),
    "org": ("org_id", "organization", "organization_id", "organisation", "team_id", "tenant"),
    "api_key": ("key", "key_id", "api_key_id", "apikey", "token_id", "api_key_hash"),
    "ip": (
        "ip_address",
        "client_ip",
        "remote_addr",
        "remote_ip",
        "source_ip",
        "src_ip",
        "caller_ip_address",
        "requester_ip_address",
        "x_forwarded_for",
    ),
    "user_agent": ("ua", "useragent", "http_user_agent", "client_user_agent", "sdk"),
    "model": ("model_id", "model_name", "engine", "deployment"),
    "prompt": ("prompt_text", "input", "input_text", "request_text", "messages", "query"),
    "input_tokens": ("prompt_tokens", "tokens_in", "input_token_count", "request_tokens"),
    "output_tokens": (
        "completion_tokens",
        "tokens_out",
        "output_token_count",
        "response_tokens",
    ),
    "status": ("status_code", "http_status", "response_status", "result"),
    "payment": (
        "payment_fingerprint",
        "card_fingerprint",
        "card",
        "payment_method",
        "payment_id",
        "card_hash",
    ),
    "email": ("email_address", "user_email", "mail"),
    "signup_at": ("signup", "signup_time", "created_account_at", "registered_at", "signup_date"),
    # only columns that describe the customer: a "region" or "location" in a cloud or
    # gateway log is where the service ran (Azure's Region, CloudTrail's awsRegion)
    "country": ("country_code", "declared_country", "billing_country", "customer_country"),
}

#: Column a preset may add to reject a record it cannot parse (value: the reason).
PRESET_REJECT = "_preset_reject"

#: Which signals need which optional columns; a missing column switches them off.
SIGNAL_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "content": ("prompt",),
    "template_link": ("prompt",),
    "co_activity_link": ("prompt",),
    "token_ratio": ("input_tokens", "output_tokens"),
    "ip_link": ("ip",),
    "user_agent_link": ("user_agent",),
    "payment_link": ("payment",),
    "email_link": ("email",),
    "account_age": ("signup_at",),
    "org_exemption": ("org",),
    "model_mix": ("model",),
}


def normalise_name(name: str) -> str:
    """Fold a column name for alias matching (case, separators)."""
    return "".join(ch for ch in name.lower() if ch not in "-_. \ufeff")
