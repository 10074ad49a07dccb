"""Opening inputs: map and normalize each file lazily, repair what can be repaired.

Polars reports some problems only when a query runs; :func:`collect_repairing` runs
the row stage and, when a file makes it fail, repairs it (invalid UTF-8) or names it
with its first bad line and skips it (``--skip-errors``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

from extractscan.config import Config
from extractscan.ingest import diagnose, duplicates, files, mapping, presets
from extractscan.ingest.normalize import normalize
from extractscan.model.errors import InputError
from extractscan.model.schema import REQUEST_COLUMNS, REQUIRED

T = TypeVar("T")


@dataclass(frozen=True)
class Opened:
    """One input file, its lazy canonical frame and the column mapping used."""

    file: files.InputFile
    frame: pl.LazyFrame
    mapping: dict[str, str]


@dataclass(frozen=True)
class Reading:
    """How to open the inputs of one scan."""

    cfg: Config
    scratch: Path
    reader: presets.Preset | None = None
    skip_errors: bool = False


def open_all(
    found: list[files.InputFile], how: Reading
) -> tuple[list[Opened], list[tuple[str, str]]]:
    """Open every file; unreadable ones raise, or are listed as skipped (path, reason)."""
    opened: list[Opened] = []
    skipped: list[tuple[str, str]] = []
    for f in found:
        try:
            opened.append(_open(f, len(opened), how))
        except InputError as exc:
            if encoding_problem(f, str(exc)):
                try:
                    opened.append(_open(f, len(opened), how, repair=True))
                    continue
                except InputError as again:  # repaired, and still not readable
                    exc = again
            if not how.skip_errors:
                raise exc from None
            skipped.append((str(f.path), str(exc)))
    return opened, skipped


def collect_repairing(
    opened: list[Opened],
    skipped: list[tuple[str, str]],
    how: Reading,
    collect: Callable[[list[Opened]], T],
) -> tuple[T, list[Opened], list[tuple[str, str]]]:
    """``collect(opened)``, repairing or skipping the files that make it fail.

    Returns what ``collect`` returned, the files it read and every skipped file.
    """
    repaired: set[str] = set()  # each file is repaired at most once: no endless retry
    while True:
        if not opened:
            reasons = "; ".join(why for _, why in skipped)
            raise InputError(f"no input file could be read: {reasons}")
        try:
            return collect(opened), opened, skipped
        except pl.exceptions.PolarsError as exc:
            bad = _culprits(opened, how.scratch, exc)
            repair = {
                str(f.path)
                for f, why in bad
                if encoding_problem(f, why) and str(f.path) not in repaired
            }
            repaired |= repair
            fatal = [(f, why) for f, why in bad if str(f.path) not in repair]
            if fatal and not how.skip_errors:
                raise InputError(fatal[0][1]) from exc
            skipped = [*skipped, *((str(f.path), why) for f, why in fatal)]
            drop = {str(f.path) for f, _ in fatal}
            keep = [o.file for o in opened if str(o.file.path) not in drop]
            opened = [_open(f, i, how, repair=str(f.path) in repaired) for i, f in enumerate(keep)]


def _open(f: files.InputFile, index: int, how: Reading, repair: bool = False) -> Opened:
    """Open, map and normalize one file (lazily); ``repair`` replaces invalid UTF-8.

    Raises:
        InputError: naming the file, also when the system refuses to open it (permission
            denied was an ``OSError`` that ``--skip-errors`` did not skip).
    """
    try:
        return _open_file(f, index, how, repair)
    except OSError as exc:
        raise InputError(f"{f.path}: cannot read: {exc.strerror or exc}") from exc


def _open_file(f: files.InputFile, index: int, how: Reading, repair: bool) -> Opened:
    src = files.utf8_repaired(f, how.scratch) if repair else f
    if how.reader is not None:
        raw = how.reader.read(src, files.plain_path(src, how.scratch))
        explicit: dict[str, str] = {}
    else:
        raw = files.open_lazy(src, how.scratch)
        explicit = how.cfg.columns
    schema = read_schema(raw, f, how.scratch)
    m = mapping.resolve(schema.names(), REQUEST_COLUMNS, REQUIRED, explicit, str(f.path))
    duplicates.check(schema.names(), m, explicit, str(f.path))
    return Opened(f, normalize(raw, m, schema, index), m)


def encoding_problem(f: files.InputFile, message: str) -> bool:
    """Whether a JSON file was refused only for invalid UTF-8 (repairable); polars says
    "utf-8", "InvalidUtf8" or "invalid utf8" depending on where it found the byte."""
    return f.format in ("jsonl", "json") and re.search(r"utf-?8", message, re.I) is not None


def _culprits(
    opened: list[Opened], scratch: Path, exc: pl.exceptions.PolarsError
) -> list[tuple[files.InputFile, str]]:
    """Which files make the query fail, each with a sentence naming file and line."""
    bad: list[tuple[files.InputFile, str]] = []
    for o in opened:
        f = o.file
        try:
            o.frame.collect(engine="streaming")
        except pl.exceptions.PolarsError as file_exc:
            where = diagnose.first_problem(f, files.plain_path(f, scratch))
            first = str(file_exc).strip().splitlines()[0] if str(file_exc).strip() else ""
            bad.append((f, f"{f.path}: cannot read as {f.label}: {where or first}"))
    if not bad:  # not attributable to one file: report the engine's own message
        raise InputError(f"cannot read input: {str(exc).strip().splitlines()[0]}") from exc
    return bad


def read_schema(raw: pl.LazyFrame, f: files.InputFile, scratch: Path) -> pl.Schema:
    """The schema of ``raw``, or an input error naming ``f`` and its first bad line."""
    try:
        return raw.collect_schema()
    except pl.exceptions.PolarsError as exc:
        where = diagnose.first_problem(f, files.plain_path(f, scratch))
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{f.path}: cannot read as {f.label}: {where or first}") from exc
