"""JSON lines typed in time linear in the keys, whatever the keys inside objects.

polars types a JSON-lines column from every line (late keys and late type changes are
read, see :func:`extractscan.ingest.files.open_lazy`); an object column becomes one
struct of every key seen, and merging a new key into it costs its width: with a
caller-chosen key per line (``metadata: {"<request id>": ...}``) typing grew with the
square of the keys (1,000 / 2,000 / 3,000 rows took 6 / 22 / 69 s, and a 20,000-key
column 8 s to type alone); a value nested 1,000 deep took 43 s to read as nested
lists. The first :data:`PROBE_LINES` lines decide: a column holding more than
:data:`KEY_LIMIT` nested keys, or nested deeper than :data:`DEPTH_LIMIT` levels, there
makes the file read with every top-level key as text (found by one pass over the
lines), objects and arrays as their JSON text.
"""

from __future__ import annotations

import glob
import json
import re
from pathlib import Path

import polars as pl

#: Lines typed to decide whether a file's objects are too wide to type.
PROBE_LINES = 1_000
#: Nested keys (summed over a column's nested levels) past which objects are read as
#: JSON text: ordinary gateway metadata holds a few dozen.
KEY_LIMIT = 200
#: Levels of nesting past which values are read as JSON text (chat messages take 3).
DEPTH_LIMIT = 32


def nesting(dtype: object) -> int:
    """Levels of lists and structs inside ``dtype`` (iteratively)."""
    deepest, stack = 0, [(dtype, 0)]
    while stack:
        dt, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(dt, pl.Struct):
            stack += [(f.dtype, level + 1) for f in dt.fields]
        elif (inner := getattr(dt, "inner", None)) is not None:
            stack.append((inner, level + 1))
    return deepest


def nested_keys(dtype: object) -> int:
    """Struct fields inside ``dtype``, at every level (iteratively: a line nested 1,000
    deep types as 1,000 nested lists)."""
    total, stack = 0, [dtype]
    while stack:
        dt = stack.pop()
        if isinstance(dt, pl.Struct):
            total += len(dt.fields)
            stack += [f.dtype for f in dt.fields]
        elif (inner := getattr(dt, "inner", None)) is not None:
            stack.append(inner)
    return total


def scan_json_lines(path: Path) -> pl.LazyFrame:
    """A lazy frame of a JSON-lines file, typed from every line unless its values are
    too wide or too deep to type (then every column is text)."""
    # scan_ndjson always expands globs: the name is escaped instead
    source = glob.escape(str(path))
    try:
        probe = pl.scan_ndjson(source, infer_schema_length=PROBE_LINES).collect_schema()
    except pl.exceptions.PolarsError:  # a bad line early: the full scan names it
        probe = pl.Schema()
    if all(nested_keys(dt) <= KEY_LIMIT and nesting(dt) <= DEPTH_LIMIT for dt in probe.values()):
        return pl.scan_ndjson(source, infer_schema_length=None)
    return scan_as_text(path)


def scan_as_text(path: Path) -> pl.LazyFrame:
    """A JSON-lines file with every top-level key as text (objects and arrays as their
    JSON text): for values too wide or too deep to type, and for a key whose objects
    have shapes no one type holds (real Bedrock logs: ``output.outputBodyJson`` is an
    object on one line and a list of events on the next)."""
    source = glob.escape(str(path))
    return pl.scan_ndjson(source, schema=dict.fromkeys(top_level_keys(path), pl.String))


def untypable(exc: BaseException) -> bool:
    """Whether polars refused to type a JSON-lines column (values of shapes no one type
    holds), which reading every column as text gets past."""
    return isinstance(exc, pl.exceptions.SchemaError) and "supertype" in str(exc)


def top_level_keys(path: Path) -> list[str]:
    """Every top-level key of a JSON-lines file, in order of first appearance (lines
    that are not JSON objects are passed over: the reader names them)."""
    keys: dict[str, None] = {}
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            except RecursionError:  # deeper than Python's parser goes: keys by hand
                keys.update(dict.fromkeys(_shallow_keys(line)))
                continue
            if isinstance(value, dict):
                keys.update(dict.fromkeys(value))
    return list(keys)


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_COLON = re.compile(r"\s*:")


def _shallow_keys(line: str) -> list[str]:
    """The top-level keys of one JSON object, without parsing its values: strings are
    skipped whole, brackets counted (for a line too deep for :func:`json.loads`)."""
    keys: list[str] = []
    depth, i, n = 0, 0, len(line)
    while i < n:
        ch = line[i]
        if ch == '"':
            m = _STRING.match(line, i)
            if m is None:
                break
            i = m.end()
            if depth == 1 and _COLON.match(line, i):
                try:
                    keys.append(json.loads(m.group()))
                except ValueError:
                    pass
            continue
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return keys
