"""Diagnose an unreadable file: find the first bad line so the error can name it.

Runs only on the error path (after polars has refused a file), so a streaming pass in
Python over the file's lines is acceptable here; it stops at the first problem.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from extractscan.ingest.files import InputFile

#: Lines examined at most while looking for the culprit.
MAX_LINES = 5_000_000


def first_problem(f: InputFile, path: Path) -> str | None:
    """A sentence naming the first bad line of a CSV/TSV/JSON-lines file, if found."""
    try:
        if f.format in ("csv", "tsv"):
            return _csv(path, "\t" if f.format == "tsv" else ",")
        if f.format == "jsonl":
            return _jsonl(path)
    except (OSError, csv.Error) as exc:
        return str(exc)
    return None


def _csv(path: Path, sep: str) -> str | None:
    # no field is too long for polars: with Python's default limit (128 KiB) a long
    # prompt was named as the culprit instead of the ragged line after it
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=sep, strict=True)
        try:
            header = next(reader)
        except StopIteration:
            return "file has no header row"
        except csv.Error as exc:
            return f"line 1: {exc}"
        while reader.line_num <= MAX_LINES:
            try:
                row = next(reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                return f"line {reader.line_num}: {exc}"
            if len(row) > len(header):
                return (
                    f"line {reader.line_num}: {len(row)} fields, header has {len(header)} "
                    "(ragged line)"
                )
        return None


def _no_constant(name: str) -> object:
    """NaN and Infinity, which Python's parser accepts and JSON (and polars) do not."""
    raise ValueError(f"{name} is not valid JSON (write null or a string)")


_JSON_KIND = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
_JSON_KIND[type(None)] = "null"


def _jsonl(path: Path) -> str | None:
    with path.open(encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if n > MAX_LINES:
                return None
            if not line.strip():
                continue
            try:
                value = json.loads(line, parse_constant=_no_constant)
                # a lone surrogate escape ("\ud800") decodes in Python, not in polars
                json.dumps(value, ensure_ascii=False).encode("utf-8")
            except json.JSONDecodeError as exc:
                return f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})"
            except UnicodeEncodeError:
                return f"line {n}: a lone surrogate escape (such as \\ud800) is not text"
            except ValueError as exc:  # NaN, Infinity (see _no_constant)
                return f"line {n}: {exc}"
            except RecursionError:  # Python's parser recurses once per level
                return f"line {n}: JSON nested too deep to read (more than ~1,000 levels)"
            if not isinstance(value, dict):
                return f"line {n}: a JSON {_JSON_KIND.get(type(value), 'value')}, not an object"
    return None
