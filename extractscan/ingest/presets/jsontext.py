"""Polars helpers for presets that read JSON records as text.

Real exports are heterogeneous (a key is an object on one line and an array on the
next; a body is sometimes a JSON-encoded string), which breaks schema inference. Reading
each record as one string and pulling fields with ``str.json_path_match`` is robust and
stays vectorised: no ``json.loads`` per row.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from extractscan.ingest import documents
from extractscan.ingest.files import InputFile, open_lazy
from extractscan.model.schema import PRESET_REJECT

RECORD = "_record"
#: A request id a preset keeps beside the canonical columns, for joins between logs of
#: one request (Bedrock invocation logs and CloudTrail); normalize leaves it out.
REQUEST_ID = "_request_id"

# A JSON string member named text/content/inputText/prompt: "key": "...escaped..."
_TEXT_MEMBER = r'"(?:text|content|inputText|prompt)"\s*:\s*"(?:[^"\\]|\\.)*"'


def records(f: InputFile, path: Path) -> pl.LazyFrame:
    """One row per JSON record in column ``_record``.

    JSON-lines files hold one record per non-blank line (a blank line is not a record);
    a ``.json`` document holds one record, an array of them, or records under a wrapper
    key (``Records``, ``data``, ...: ``ingest/documents.py``); a CSV, TSV or Parquet
    row is one record, its columns the keys (a header is never a record).
    """
    if f.format in ("csv", "tsv", "parquet"):  # a row is a record, never a header line
        table = open_lazy(InputFile(path, f.format, None), path.parent)
        return table.select(pl.struct(pl.all()).struct.json_encode().alias(RECORD))
    if f.format == "json":  # one document: its records (under a wrapper key, if any)
        rows, _ = documents.unwrap(documents.load(path, str(f.path)))
        texts_ = [json.dumps(r, separators=(",", ":")) for r in rows]  # bounded: in memory
        return pl.LazyFrame({RECORD: texts_}, schema={RECORD: pl.String})
    lines = pl.scan_lines(path, glob=False).with_columns(  # one file: not a pattern
        pl.col("line").str.strip_prefix("\ufeff")  # a byte-order mark is not JSON
    )
    return lines.filter(pl.col("line").str.strip_chars() != "").select(pl.col("line").alias(RECORD))


def field(path: str, source: pl.Expr | None = None) -> pl.Expr:
    """The value at JSONPath ``path`` as text (objects and arrays as compact JSON)."""
    src = pl.col(RECORD) if source is None else source
    return src.str.json_path_match(path)


def json_walk(text: pl.Expr, steps: tuple[str, ...]) -> pl.Expr:
    """The value at ``steps`` inside JSON ``text`` (strings decoded, objects and arrays
    as JSON text); null where any step is missing or null."""
    if not steps:
        return text
    # a JSON string that holds JSON (double-encoded, as a cell or a member): decoded
    text = pl.when(text.str.contains(r'^\s*"')).then(text.str.json_path_match("$")).otherwise(text)
    options = []
    for k in range(len(steps), 0, -1):
        key = ".".join(steps[:k])
        if key.isdigit():
            step = f"$[{key}]"
        elif any(ch in key for ch in "\"'\\"):
            continue  # not expressible in polars' JSONPath; the shorter keys still are
        else:
            step = "$[" + json.dumps(key) + "]"
        options.append(json_walk(text.str.json_path_match(step), steps[k:]))
    if not options:
        return pl.lit(None, dtype=pl.String)
    return pl.coalesce(options) if len(options) > 1 else options[0]


def walk(dotted: str, source: pl.Expr | None = None) -> pl.Expr:
    """The value at a dotted path (``request_body.messages``) in each record, JSON held
    as text decoded on the way (a CSV cell, a JSON-encoded member: :func:`json_walk`)."""
    return json_walk(pl.col(RECORD) if source is None else source, tuple(dotted.split(".")))


def first_of(*dotted: str, source: pl.Expr | None = None) -> pl.Expr:
    """The first non-empty value among several dotted paths (see :func:`walk`)."""
    vals = [walk(p, source) for p in dotted]
    return pl.coalesce([pl.when(v.str.strip_chars() != "").then(v) for v in vals])


def first(*paths: str, source: pl.Expr | None = None) -> pl.Expr:
    """The first non-empty value among several JSONPaths."""
    vals = [field(p, source) for p in paths]
    return pl.coalesce([pl.when(v.str.strip_chars() != "").then(v) for v in vals])


def texts(json_text: pl.Expr) -> pl.Expr:
    """Every text/content string inside a JSON fragment, decoded, joined by newlines.

    Covers OpenAI ``messages[].content`` (string or list of parts), Anthropic content
    blocks, Bedrock Converse ``content[].text`` and guardrail ``guardContent.text.text``.
    A fragment that is itself a JSON string (not an object or array) is returned as is.
    """
    members = json_text.str.extract_all(_TEXT_MEMBER)
    decoded = members.list.eval(
        pl.element()
        .str.replace(r'^"(?:text|content|inputText|prompt)"\s*:\s*', "")
        .str.json_decode(pl.String)
    ).list.join("\n")
    plain = ~json_text.str.contains(r"^\s*[\[{]")
    out = pl.when(plain).then(json_text).otherwise(decoded)
    return pl.when(out.str.strip_chars() != "").then(out)


def join_texts(*parts: pl.Expr) -> pl.Expr:
    """Concatenate optional text parts with newlines, skipping nulls (null if none)."""
    joined = pl.concat_str(list(parts), separator="\n", ignore_nulls=True)
    return pl.when(joined.str.strip_chars() != "").then(joined)


def is_json_object() -> pl.Expr:
    """Whether the record is a JSON object (parses, and starts with ``{``)."""
    return pl.col(RECORD).str.json_path_match("$").is_not_null() & pl.col(RECORD).str.contains(
        r"^\s*\{"
    )


def invalid_json() -> pl.Expr:
    """The reject reason for a record that is not a JSON object."""
    return pl.when(~is_json_object()).then(pl.lit("invalid_json")).alias(PRESET_REJECT)
