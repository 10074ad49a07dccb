"""Normalize: cast a mapped source frame to the canonical schema and mark bad rows.

Each row gets ``_file`` (input file index), ``_row`` (0-based data row within its file)
and ``_reject`` (``None`` for a usable row, else the reason). Rows are never dropped
here: the pipeline counts them by reason so rows read = analysed + rejected.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from extractscan.model.schema import DTYPES, PRESET_REJECT, REQUEST_COLUMNS

#: Reject reasons, in the order they are tested (a row gets the first that applies).
REJECT_REASONS: dict[str, str] = {
    "missing_account": "no account id",
    "bad_timestamp": "timestamp missing or unparsable",
    "bad_tokens": "token count negative, above 10^9 or not a number",
}
#: Reasons a preset gives (``PRESET_REJECT``), tested before the ones above.
PRESET_REASONS: dict[str, str] = {
    "invalid_json": "a record the preset cannot parse",
    "not_model_call": "an event of another operation in the same log (CloudTrail)",
    "joined_to_invocation": "a CloudTrail event read with the invocation log of its request",
    "joined_to_llm_log": "an API Management gateway log read with the LLM log of its request",
    "continuation": "a later part of a message split over several LLM log entries",
    "not_access_log_line": "a line of an access log in none of the formats read",
    "trace_of_observations": "a Langfuse trace read with its observations (the model calls)",
}

#: Timestamps outside [1990, 2100) are not a request time: an epoch in the wrong unit,
#: a bare year or ``YYYYMMDD`` read as epoch seconds (1970), a sentinel such as
#: 9999-12-31. They count as unparsable (``bad_timestamp``; a signup time becomes null).
PLAUSIBLE_FROM = datetime(1990, 1, 1, tzinfo=UTC)
PLAUSIBLE_TO = datetime(2100, 1, 1, tzinfo=UTC)
#: Most tokens one request can count (a 64-bit sum over an account must not overflow).
MAX_TOKENS = 10**9

_ZONED = ("%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%d %H:%M%#z")
_NAIVE = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S%.f")


#: Every timestamp path (text, epoch numbers, native datetime and date columns of any
#: unit) goes through :func:`from_micros`, which keeps the years 1-9999 and nulls the rest:
#: a Parquet ``timestamp[s]`` of 10^13 overflowed the cast to microseconds, and a time
#: past year 262,143 could not be shown, both as a panic of the whole scan.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_US = int((datetime(1, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()) * 1_000_000
_MAX_US = int((datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH).total_seconds()) * 1_000_000
#: Microseconds per unit of a native column's physical integer.
_US_PER = {"ns": 1e-3, "us": 1, "ms": 1_000}
_US_PER_DAY = 86_400_000_000


def from_micros(us: pl.Expr) -> pl.Expr:
    """Integer (or float) microseconds since the epoch -> UTC datetime; null outside the
    years 1-9999 (the one range check every timestamp path shares)."""
    return (
        pl.when(us.is_between(_MIN_US, _MAX_US))
        .then(us)
        .cast(pl.Int64, strict=False)
        .cast(pl.Datetime("us", "UTC"))
    )


def _native_micros(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A datetime or date column's physical integer as microseconds since the epoch, in
    floating point so that no unit conversion can overflow (a time-zone-aware column
    stores UTC, a naive one is taken as UTC)."""
    phys = col.to_physical().cast(pl.Float64)
    if isinstance(dtype, pl.Date):
        return phys * _US_PER_DAY
    assert isinstance(dtype, pl.Datetime)
    return phys * _US_PER[dtype.time_unit or "us"]


def epoch_to_datetime(num: pl.Expr) -> pl.Expr:
    """Epoch seconds, milliseconds, microseconds or nanoseconds (told apart by magnitude)
    -> UTC."""
    mag = num.abs()
    micros = (
        pl.when(mag >= 1e17)
        .then(num / 1_000)
        .when(mag >= 1e14)
        .then(num)
        .when(mag >= 1e11)
        .then(num * 1_000)
        .otherwise(num * 1_000_000)
    )
    return from_micros(micros)


def parse_timestamp(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Parse ISO-8601 (with or without zone) or epoch values into UTC datetimes.

    Naive times are taken as UTC. Unparsable values, and times outside
    [:data:`PLAUSIBLE_FROM`, :data:`PLAUSIBLE_TO`), become null.
    """
    ts = _parsed(col, dtype)
    return pl.when(plausible(ts)).then(ts)


def plausible(ts: pl.Expr) -> pl.Expr:
    """Whether a parsed time lies in [:data:`PLAUSIBLE_FROM`, :data:`PLAUSIBLE_TO`)."""
    return ts.is_between(PLAUSIBLE_FROM, PLAUSIBLE_TO, closed="left")


def _parsed(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.Datetime | pl.Date):
        return from_micros(_native_micros(col, dtype))
    if dtype.is_numeric():
        return epoch_to_datetime(col.cast(pl.Float64))
    s = as_text(col, dtype).str.strip_chars()
    # "Z", and " UTC" as BigQuery and many SQL exports write it, are the zone +00:00
    iso = s.str.replace(r"^(\d{4}-\d{2}-\d{2})[Tt ]", "$1 ").str.replace(
        r"(?:[Zz]| ?(?:UTC|GMT))$", "+00:00"
    )
    candidates = [
        iso.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us") for fmt in _ZONED
    ]
    candidates += [
        iso.str.to_datetime(fmt, strict=False, time_unit="us").dt.replace_time_zone("UTC")
        for fmt in _NAIVE
    ]
    numeric = pl.when(s.str.contains(r"^-?\d+(\.\d+)?$")).then(
        epoch_to_datetime(s.cast(pl.Float64, strict=False))
    )
    return pl.coalesce(*candidates, numeric)


def _utf8_lossy(s: pl.Series) -> pl.Series:
    """Binary -> text, invalid UTF-8 replaced by U+FFFD (a strict cast refused the whole
    file; a lenient one made the account or prompt null). The per-value decode runs
    only for a batch that holds invalid bytes."""
    try:
        return s.cast(pl.String)
    except pl.exceptions.PolarsError:
        values = [None if v is None else bytes(v).decode("utf-8", "replace") for v in s]
        return pl.Series(s.name, values, dtype=pl.String)


def as_text(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Any source dtype -> text, never an error: nested values (lists, structs, maps)
    as JSON text, binary decoded with replacement, anything else cast."""
    if dtype == pl.String:
        return col
    if isinstance(dtype, pl.List | pl.Array) and _has_content(dtype):
        # Chat messages: [{role, content}, ...] -> contents joined by newlines.
        return col.list.eval(pl.element().struct.field("content").cast(pl.String)).list.join("\n")
    if dtype.is_nested():  # a Parquet map column could not be cast to text
        # {"v":<json>} -> <json>
        return pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.head(-1)
    if dtype == pl.Binary:
        return col.map_batches(_utf8_lossy, return_dtype=pl.String, is_elementwise=True)
    return col.cast(pl.String, strict=False)


def _text(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Any source dtype -> text (:func:`as_text`); blank text is null."""
    out = as_text(col, dtype)
    return pl.when(out.str.strip_chars() == "").then(None).otherwise(out)


#: A value that is a JSON object or array: never an account id.
_CONTAINER = r"^\s*(?:\{[\s\S]*\}|\[[\s\S]*\])\s*$"


def _identity(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """An account id as text; null (the row is rejected as ``missing_account``) when
    blank or when the value is an object or a list: ``{"_user": null}`` serialized is
    no account, and every anonymous row would have merged into it."""
    if dtype.is_nested():
        return pl.lit(None, dtype=pl.String)
    out = _text(col, dtype).str.strip_chars()
    return pl.when(~out.str.contains(_CONTAINER)).then(out)


def _source_text(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A timestamp's source text, kept for rejected rows (``--rejects-out``).

    A datetime or date column is not formatted per row (measured: casting every datetime
    to text cost more than reading the whole file): it gets null here, and the rejected
    rows alone get their parsed value as text when they are written out
    (:func:`aggregate.row_accounting`). Such a column parses unless it lies outside the
    years 1-9999 (the request timestamp is kept as parsed even outside the plausible
    window, which rejects the row), so that value is the source's own; beyond those
    years the stored integer is kept, with its unit.
    """
    if isinstance(dtype, pl.Datetime | pl.Date):
        # outside the years 1-9999 no datetime holds it: the stored integer, with its unit
        unit = "days" if isinstance(dtype, pl.Date) else getattr(dtype, "time_unit", "us")
        return pl.when(col.is_not_null() & _parsed(col, dtype).is_null()).then(
            col.to_physical().cast(pl.String) + pl.lit(f" {unit} since 1970-01-01")
        )
    return _text(col, dtype)


def _has_content(dtype: pl.DataType) -> bool:
    inner = getattr(dtype, "inner", None)
    if not isinstance(inner, pl.Struct):
        return False
    return any(f.name == "content" and f.dtype == pl.String for f in inner.fields)


def _tokens(col: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Token count as Int64; null where it is not a number or does not fit (a u64 above
    2^63 rejects the row, not the file)."""
    if dtype.is_integer():
        return col.cast(pl.Int64, strict=False)
    if dtype.is_float():
        return col.round(0).cast(pl.Int64, strict=False)
    s = as_text(col, dtype).str.strip_chars()
    return s.cast(pl.Float64, strict=False).round(0).cast(pl.Int64, strict=False)


def normalize(
    raw: pl.LazyFrame,
    mapping: dict[str, str],
    schema: pl.Schema,
    file_index: int | pl.Expr,
    row: pl.Expr | None = None,
) -> pl.LazyFrame:
    """Select and cast mapped columns to canonical names and dtypes; mark bad rows.

    Args:
        raw: the file's frame with its own column names.
        mapping: ``{canonical: source}`` for this file.
        schema: the file's schema (source names -> dtypes).
        file_index: index of the file in the input list, or an expression giving it per
            row (several files read by one scan, see ``ingest/batches.py``).
        row: the 0-based row within its file (default: the row's position in ``raw``).
    """
    exprs: list[pl.Expr] = []
    token_bad: list[pl.Expr] = []
    for name in REQUEST_COLUMNS:
        target = DTYPES[name]
        if name not in mapping:
            exprs.append(pl.lit(None, dtype=target).alias(name))
            if name == "timestamp":
                exprs.append(pl.lit(None, dtype=pl.String).alias("_src_timestamp"))
            continue
        src = mapping[name]
        col, dtype = pl.col(src), schema[src]
        if name == "signup_at":
            exprs.append(parse_timestamp(col, dtype).alias(name))
        elif name == "timestamp":
            # As parsed, even outside the plausible window: the window rejects the row
            # (below), and --rejects-out still shows the value of a datetime column.
            exprs.append(_parsed(col, dtype).alias(name))
            # kept for --rejects-out: what the file really said
            exprs.append(_source_text(col, dtype).alias("_src_timestamp"))
        elif name in ("input_tokens", "output_tokens"):
            parsed = _tokens(col, dtype)
            exprs.append(parsed.alias(name))
            present = col.is_not_null()
            if not dtype.is_numeric():  # text: a blank cell is missing, not a bad number
                present = present & (as_text(col, dtype).str.strip_chars() != "")
            token_bad.append((present & parsed.is_null()) | (parsed < 0) | (parsed > MAX_TOKENS))
        elif name == "account":
            exprs.append(_identity(col, dtype).alias(name))
        else:
            exprs.append(_text(col, dtype).alias(name))
    bad_tokens = pl.any_horizontal(token_bad) if token_bad else pl.lit(False)
    hint = PRESET_REJECT in schema.names()
    reject = (
        pl.when(pl.col(PRESET_REJECT).is_not_null() if hint else pl.lit(False))
        .then(pl.col(PRESET_REJECT) if hint else pl.lit(None, dtype=pl.String))
        .when(pl.col("account").is_null())
        .then(pl.lit("missing_account"))
        .when(pl.col("timestamp").is_null() | ~plausible(pl.col("timestamp")))
        .then(pl.lit("bad_timestamp"))
        .when(pl.col("_bad_tokens"))
        .then(pl.lit("bad_tokens"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    index = file_index if isinstance(file_index, pl.Expr) else pl.lit(file_index, dtype=pl.Int32)
    return (
        (raw.with_row_index("_row") if row is None else raw.with_columns(row.alias("_row")))
        .select(
            index.alias("_file"),
            pl.col("_row").cast(pl.Int64),
            *exprs,
            bad_tokens.fill_null(False).alias("_bad_tokens"),
            *([pl.col(PRESET_REJECT).cast(pl.String)] if hint else []),
        )
        .with_columns(reject.alias("_reject"))
        .drop("_bad_tokens", *([PRESET_REJECT] if hint else []))
    )
