"""Column mapping: explicit, canonical, aliases; errors with closest matches."""

from __future__ import annotations

import pytest

from extractscan.ingest.mapping import resolve
from extractscan.model.errors import InputError
from extractscan.model.schema import REQUEST_COLUMNS, REQUIRED


def test_aliases_are_detected() -> None:
    cols = ["created_at", "User_ID", "client_ip", "prompt_tokens", "completion_tokens", "UA"]
    m = resolve(cols, REQUEST_COLUMNS, REQUIRED, {}, "f.csv")
    assert m == {
        "timestamp": "created_at",
        "account": "User_ID",
        "ip": "client_ip",
        "input_tokens": "prompt_tokens",
        "output_tokens": "completion_tokens",
        "user_agent": "UA",
    }


def test_explicit_mapping_wins_and_is_not_reused() -> None:
    cols = ["timestamp", "account", "customer_ref"]
    m = resolve(cols, REQUEST_COLUMNS, REQUIRED, {"account": "customer_ref"}, "f.csv")
    assert m["account"] == "customer_ref"
    assert m["timestamp"] == "timestamp"


def test_missing_required_names_file_columns_and_closest() -> None:
    with pytest.raises(InputError) as info:
        resolve(["timestamp", "acount_idd", "ip"], REQUEST_COLUMNS, REQUIRED, {}, "logs/x.csv")
    msg = str(info.value)
    assert msg.startswith("logs/x.csv: required column 'account' not found")
    assert "columns found: acount_idd, ip, timestamp" in msg  # sorted: a fixed order
    assert "closest: acount_idd" in msg
    assert "--column account=SOURCE" in msg


def test_explicit_mapping_to_missing_column() -> None:
    with pytest.raises(InputError, match="column 'nope' mapped to 'ip' not found"):
        resolve(["timestamp", "account"], REQUEST_COLUMNS, REQUIRED, {"ip": "nope"}, "f.csv")


def test_the_exact_name_wins_over_a_case_variant() -> None:
    m = resolve(["ACCOUNT", "account", "Timestamp"], ["timestamp", "account"], ["account"], {}, "f")
    assert m == {"timestamp": "Timestamp", "account": "account"}


def test_country_only_from_columns_that_describe_the_customer() -> None:
    """Azure's Region and CloudTrail's awsRegion are where the service ran (#18)."""
    cols = ["timestamp", "account", "Region", "awsRegion", "location", "Location"]
    assert "country" not in resolve(cols, REQUEST_COLUMNS, REQUIRED, {}, "x")
    cols = ["timestamp", "account", "Region", "billing_country"]
    assert resolve(cols, REQUEST_COLUMNS, REQUIRED, {}, "x")["country"] == "billing_country"
