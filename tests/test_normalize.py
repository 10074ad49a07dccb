"""Normalize: timestamps, tokens, nested prompts and reject reasons, exact values."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from extractscan.ingest.normalize import normalize, parse_timestamp


def _norm(raw: pl.DataFrame, mapping: dict[str, str]) -> pl.DataFrame:
    lf = raw.lazy()
    return normalize(lf, mapping, lf.collect_schema(), 0).collect()


def test_timestamp_formats_all_utc() -> None:
    values = [
        "2026-04-22T10:00:00Z",
        "2026-04-22 10:00:00",
        "2026-04-22T12:00:00+02:00",
        "2026-04-22T10:00:00.250Z",
        "1776852000",
        "1776852000000",
        "2026-04-22",
        "not a time",
        "",
    ]
    out = pl.DataFrame({"t": values}).select(parse_timestamp(pl.col("t"), pl.String())).to_series()
    ten = datetime(2026, 4, 22, 10, tzinfo=UTC)
    assert out.to_list() == [
        ten,
        ten,
        ten,
        datetime(2026, 4, 22, 10, 0, 0, 250_000, tzinfo=UTC),
        ten,
        ten,
        datetime(2026, 4, 22, tzinfo=UTC),
        None,
        None,
    ]


def test_numeric_and_native_timestamps() -> None:
    df = pl.DataFrame({"s": [1776852000], "ms": [1776852000000]})
    out = df.select(
        parse_timestamp(pl.col("s"), pl.Int64()),
        parse_timestamp(pl.col("ms"), pl.Int64()).alias("m"),
    )
    ten = datetime(2026, 4, 22, 10, tzinfo=UTC)
    assert out.row(0) == (ten, ten)
    naive = pl.DataFrame({"d": [datetime(2026, 4, 22, 10)]})  # noqa: DTZ001 - naive on purpose
    assert naive.select(parse_timestamp(pl.col("d"), naive.schema["d"])).item() == ten


def test_reject_reasons_and_row_numbers() -> None:
    raw = pl.DataFrame(
        {
            "ts": [
                "2026-04-22T00:00:00Z",
                "x",
                "2026-04-22T00:00:00Z",
                "2026-04-22T00:00:00Z",
                "2026-04-22T00:00:00Z",
                "2026-04-22T00:00:00Z",
            ],
            "user": ["a", "b", "  ", "d", "e", "f"],
            "tin": ["10", "10", "10", "-1", "ten", "7.0"],
        }
    )
    out = _norm(raw, {"timestamp": "ts", "account": "user", "input_tokens": "tin"})
    assert out["_reject"].to_list() == [
        None,
        "bad_timestamp",
        "missing_account",
        "bad_tokens",
        "bad_tokens",
        None,
    ]
    assert out["_row"].to_list() == [0, 1, 2, 3, 4, 5]
    assert out["input_tokens"].to_list() == [10, 10, 10, -1, None, 7]
    assert out["account"].to_list() == ["a", "b", None, "d", "e", "f"]


def test_nested_prompt_messages_are_joined() -> None:
    raw = pl.DataFrame(
        {
            "ts": ["2026-04-22T00:00:00Z"],
            "user": ["a"],
            "messages": [
                [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
            ],
            "meta": [{"k": 1}],
        }
    )
    out = _norm(
        raw, {"timestamp": "ts", "account": "user", "prompt": "messages", "user_agent": "meta"}
    )
    assert out["prompt"].item() == "Be brief.\nHi"
    assert out["user_agent"].item() == '{"k":1}'


def test_missing_optional_columns_are_null_with_canonical_dtypes() -> None:
    out = _norm(
        pl.DataFrame({"ts": ["2026-04-22T00:00:00Z"], "u": ["a"]}),
        {"timestamp": "ts", "account": "u"},
    )
    assert out["ip"].dtype == pl.String and out["ip"].item() is None
    assert out["output_tokens"].dtype == pl.Int64


@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_any_text_timestamp_never_raises_and_rows_kept(values: list[str]) -> None:
    raw = pl.DataFrame({"ts": values, "u": ["a"] * len(values)})
    out = _norm(raw, {"timestamp": "ts", "account": "u"})
    assert out.height == len(values)
    assert set(out["_reject"].drop_nulls().to_list()) <= {"bad_timestamp"}


def test_implausible_times_and_token_counts_are_rejected_not_crashes() -> None:
    """Epoch nanoseconds are read; times outside [1990, 2100) (a bare year or YYYYMMDD
    read as epoch seconds, an out-of-range epoch) and token counts above 10^9 reject the
    row; a u64 count above 2^63 rejects the row, not the file."""
    ts = ["1776852000000000000", "2026", "20260422", "-99999999999", "9999-12-31", "99999999999"]
    out = pl.DataFrame({"t": ts}).select(parse_timestamp(pl.col("t"), pl.String())).to_series()
    assert out.to_list() == [datetime(2026, 4, 22, 10, tzinfo=UTC), None, None, None, None, None]
    native = pl.DataFrame(
        {"d": [datetime(3000, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)]}
    )
    assert native.select(
        parse_timestamp(pl.col("d"), native.schema["d"])
    ).to_series().to_list() == [
        None,
        datetime(2026, 1, 1, tzinfo=UTC),
    ]
    raw = pl.DataFrame(
        {
            "ts": ["2026-04-22T00:00:00Z"] * 3,
            "u": ["a", "b", "c"],
            "tin": pl.Series([10, 2**63 + 5, 9 * 10**18], dtype=pl.UInt64),
        }
    )
    normed = _norm(raw, {"timestamp": "ts", "account": "u", "input_tokens": "tin"})
    assert normed["_reject"].to_list() == [None, "bad_tokens", "bad_tokens"]


_WHEN = st.datetimes(
    min_value=datetime(1990, 1, 2),  # noqa: DTZ001 - naive bounds for hypothesis
    max_value=datetime(2099, 12, 30),  # noqa: DTZ001
)


def _parse_one(text: str) -> datetime | None:
    return pl.select(parse_timestamp(pl.lit(text), pl.String())).item()  # type: ignore[no-any-return]


@settings(deadline=None, max_examples=50)  # polars per example: slow under a loaded machine
@given(_WHEN)
def test_export_timestamp_forms_parse_to_the_same_instant(when: datetime) -> None:
    """The forms real exports write (#18): BigQuery and SQL ('... UTC'), CloudTrail
    ('...Z', whole seconds), Azure (seven fractional digits, 'Z'), offsets."""
    utc = when.replace(tzinfo=UTC)
    base = when.strftime("%Y-%m-%d %H:%M:%S")
    ms = utc.replace(microsecond=utc.microsecond // 1000 * 1000)
    forms = {
        f"{base}.{when.microsecond // 1000:03d} UTC": ms,  # BigQuery
        f"{base} UTC": utc.replace(microsecond=0),
        f"{base}.{when.microsecond:06d}UTC": utc,
        when.strftime("%Y-%m-%dT%H:%M:%SZ"): utc.replace(microsecond=0),  # CloudTrail
        f"{when.strftime('%Y-%m-%dT%H:%M:%S')}.{when.microsecond:06d}0Z": utc,  # Azure
        f"{base}.{when.microsecond:06d}+00": utc,  # Postgres
        f"{base} GMT": utc.replace(microsecond=0),
    }
    for text, expected in forms.items():
        assert _parse_one(text) == expected, text


@settings(deadline=None, max_examples=50)
@given(_WHEN, st.integers(-12 * 60, 14 * 60))
def test_offsets_are_converted_to_utc(when: datetime, minutes: int) -> None:
    from datetime import timedelta, timezone

    zone = timezone(timedelta(minutes=minutes))
    local = when.replace(tzinfo=UTC).astimezone(zone)
    text = local.isoformat()
    parsed = _parse_one(text)
    expected = when.replace(tzinfo=UTC)
    if not (datetime(1990, 1, 1, tzinfo=UTC) <= expected < datetime(2100, 1, 1, tzinfo=UTC)):
        return
    assert parsed == expected, text
