"""Diagnose an unreadable file: find the first bad line so the error can name it.

Runs only on the error path (after polars has refused a file), so a streaming pass in
Python over the file's lines is acceptable here; it stops at the first problem.
"""

from __future__ import annotations

import csv
import json
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
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {n}: not valid JSON ({exc.msg} at column {exc.colno})"
            except RecursionError:  # Python's parser recurses once per level
                return f"line {n}: JSON nested too deep to read (more than ~1,000 levels)"
            if not isinstance(value, dict):
                return f"line {n}: a JSON {_JSON_KIND.get(type(value), 'value')}, not an object"
    return None
