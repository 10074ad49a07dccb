"""Paths in ``--column``: a canonical column read from inside a nested field.

``--column account=userIdentity.arn`` reads ``arn`` inside the ``userIdentity`` object
(a struct column of a JSON or Parquet file, or JSON held as text in a CSV cell);
``--column prompt=request_body.messages`` reads a chat ``messages`` list as its text
contents, as the presets do. JSON held as text is decoded on the way: polars'
``str.json_path_match`` returns a string member decoded, so the next step of the path
reads it as JSON again (a body that is a JSON-encoded string inside a record).

A dot separates the steps; a key that itself holds dots (OpenTelemetry attributes such
as ``langfuse.observation.input``) is found too: at each step the longest key that
exists is taken (a struct's fields are known; in JSON text every split is tried, the
longest key first). A step that is a number indexes a list (``messages.0.content``).

A path that is null or missing on a record gives null, which rejects the row as
``missing_account`` when it is the account; an object or a list is never an identity
(``{"_user": null}`` is no account id), it becomes null too.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.ingest.files import InputFile, open_lazy
from extractscan.ingest.mapping import missing
from extractscan.ingest.presets.jsontext import RECORD, json_walk, records, texts
from extractscan.model.errors import InputError

#: Canonical columns that name something (an object or a list is never one of them).
IDENTITIES = frozenset(
    (
        "account",
        "org",
        "api_key",
        "ip",
        "user_agent",
        "model",
        "status",
        "payment",
        "email",
        "country",
    )
)
#: Steps a path may have (every split of the keys is tried in JSON text: 2^(n-1)).
MAX_STEPS = 8
#: A value that is a JSON object or array (an object is never an identity).
CONTAINER = r"^\s*(?:\{[\s\S]*\}|\[[\s\S]*\])\s*$"


def split(source: str, columns: list[str]) -> tuple[str, tuple[str, ...]] | None:
    """The column a dotted ``source`` starts in and the steps below it, or ``None`` when
    ``source`` is itself a column or no leading part of it is one.

    A leading ``$.`` (JSONPath) is allowed. The longest leading part that is a column
    wins: a column named ``a.b`` takes ``a.b.c`` before a column ``a`` does.
    """
    if source in columns:
        return None
    text = source[2:] if source.startswith("$.") else source
    parts = text.split(".")
    for k in range(len(parts) - 1, 0, -1):
        root = ".".join(parts[:k])
        if root in columns and all(parts[k:]):
            return root, tuple(parts[k:])
    return None


def json_text(expr: pl.Expr) -> pl.Expr:
    """A nested value (struct, list, map) as its compact JSON text."""
    # {"v":<json>} -> <json>
    return pl.struct(expr.alias("v")).struct.json_encode().str.slice(5).str.head(-1)


def _instance(dtype: object) -> pl.DataType:
    """A dtype instance (polars may hand out the class of a dtype without parameters)."""
    if isinstance(dtype, pl.DataType):
        return dtype
    return dtype() if isinstance(dtype, type) and issubclass(dtype, pl.DataType) else pl.Null()


def walk(
    root: str, dtype: pl.DataType, steps: tuple[str, ...], where: str
) -> tuple[pl.Expr, pl.DataType]:
    """The expression (and its dtype) for ``steps`` below column ``root``.

    Raises:
        InputError: a step names no field of a struct (the file's fields are known: the
            path is missing on every record), naming the fields there are.
    """
    expr: pl.Expr = pl.col(root)
    done = [root]
    while steps:
        if isinstance(dtype, pl.Struct):
            fields = {f.name: f.dtype for f in dtype.fields}
            for k in range(len(steps), 0, -1):
                key = ".".join(steps[:k])
                if key in fields:
                    break
            else:
                names = ", ".join(sorted(fields)[:40]) or "(none)"
                raise InputError(
                    f"{where}: --column path: {'.'.join(done)} has no field {steps[0]!r} "
                    f"(its fields: {names})"
                )
            expr, dtype, steps = expr.struct.field(key), _instance(fields[key]), steps[k:]
            done.append(key)
        elif isinstance(dtype, pl.List | pl.Array) and steps[0].isdigit():
            expr = expr.list.get(int(steps[0]), null_on_oob=True)
            done.append(steps[0])
            dtype, steps = _instance(dtype.inner), steps[1:]
        elif dtype == pl.String or dtype.is_nested():
            text = expr if dtype == pl.String else json_text(expr)
            return json_walk(text, steps), pl.String()
        else:  # a number or a boolean has no fields: missing on every record
            return pl.lit(None, dtype=pl.String), pl.String()
    return expr, dtype


def as_canonical(expr: pl.Expr, dtype: pl.DataType, canonical: str) -> pl.Expr:
    """A mapped value made fit for ``canonical``: a prompt's JSON (a body, a messages
    list) becomes its text contents; any other column's object or list becomes null (an
    object is never an account id, an IP or a model); times and counts are left to
    normalize, which rejects the row when they are not one."""
    if canonical == "prompt":
        if dtype.is_nested():
            return texts(json_text(expr))
        if dtype == pl.String:
            return pl.when(expr.str.contains(CONTAINER)).then(texts(expr)).otherwise(expr)
        return expr
    if canonical not in IDENTITIES:  # a time or a count: normalize rejects what is not one
        return expr
    if dtype.is_nested():
        return pl.lit(None, dtype=pl.String)
    if dtype == pl.String:
        return pl.when(~expr.str.contains(CONTAINER)).then(expr)
    return expr


def derive(
    raw: pl.LazyFrame, schema: pl.Schema, explicit: dict[str, str], where: str
) -> tuple[pl.LazyFrame, pl.Schema]:
    """``raw`` with a column for every path in ``explicit`` (named as the path, so the
    report's mapping shows it) and every explicitly mapped prompt or nested column made
    fit for its canonical column (:func:`as_canonical`).

    A source that is neither a column nor a path below one is left alone: the mapping
    names it as missing.

    Raises:
        InputError: a path is longer than :data:`MAX_STEPS` steps or names a struct
            field that is not there.
    """
    columns = schema.names()
    added: dict[str, pl.Expr] = {}
    for canonical, source in sorted(explicit.items()):
        if source in columns:
            dtype = schema[source]
            if canonical == "prompt" or (dtype.is_nested() and canonical in IDENTITIES):
                added[source] = as_canonical(pl.col(source), dtype, canonical)
            continue
        found = split(source, columns)
        if found is None:
            continue
        root, steps = found
        if len(steps) >= MAX_STEPS:
            raise InputError(f"{where}: --column {canonical}={source}: more than {MAX_STEPS} steps")
        expr, dtype = walk(root, schema[root], steps, where)
        added[source] = as_canonical(expr, dtype, canonical)
    if not added:
        return raw, schema
    out = raw.with_columns(e.alias(n) for n, e in added.items())
    return out, out.collect_schema()


def _from_records(record: pl.Expr, explicit: dict[str, str], where: str) -> dict[str, pl.Expr]:
    """Columns for ``explicit``'s sources read as JSON paths in one JSON record per row
    (a preset's records), named as the sources."""
    out: dict[str, pl.Expr] = {}
    for canonical, source in sorted(explicit.items()):
        text = source[2:] if source.startswith("$.") else source
        steps = tuple(text.split("."))
        if len(steps) > MAX_STEPS or not all(steps):
            raise InputError(
                f"{where}: --column {canonical}={source}: not a path of at most {MAX_STEPS} steps"
            )
        out[source] = as_canonical(json_walk(record, steps), pl.String(), canonical)
    return out


def preset_overrides(
    f: InputFile, plain: Path, frame: pl.LazyFrame, explicit: dict[str, str], scratch: Path
) -> tuple[pl.LazyFrame, dict[str, str]]:
    """A preset's ``frame`` with the canonical columns of ``explicit`` (``--column``)
    read from the file instead, field by field, and the mapping that names them.

    The file is read a second time, record for record (JSON: a path into each record;
    CSV, TSV, Parquet: a column or a path below one), beside the preset's frame.

    Raises:
        InputError: a mapped column is not in the file.
    """
    where = str(f.path)
    if f.format in ("json", "jsonl"):
        exprs = _from_records(pl.col(RECORD), explicit, where)
        source = records(f, plain)
    else:
        source = open_lazy(InputFile(plain, f.format, None), scratch)
        schema = source.collect_schema()
        source, schema = derive(source, schema, explicit, where)
        for canonical, name in sorted(explicit.items()):
            if name not in schema:
                raise InputError(missing(where, canonical, schema.names(), name, explicit=True))
        exprs = {name: pl.col(name) for name in explicit.values()}
    kept = frame.drop(list(explicit), strict=False)
    taken = set(kept.collect_schema().names())
    names = {name: name if name not in taken else f"{name} (--column)" for name in exprs}
    added = source.select(e.alias(names[n]) for n, e in exprs.items())
    mapping = {canonical: names[source_name] for canonical, source_name in explicit.items()}
    return pl.concat([kept, added], how="horizontal"), mapping
