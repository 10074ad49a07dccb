"""Opening inputs: map and normalize each file lazily, repair what can be repaired.

Polars reports some problems only when a query runs; :func:`collect_repairing` runs
the row stage and, when a file makes it fail, repairs it (invalid UTF-8) or names it
with its first bad line and skips it (``--skip-errors``). Small files of one shape are
read by one scan (:func:`read_plan`, ``ingest/batches.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import polars as pl

from extractscan.config import Config
from extractscan.ingest import (
    batches,
    diagnose,
    duplicates,
    files,
    json_lines,
    mapping,
    paths,
    presets,
)
from extractscan.ingest.batches import read_plan
from extractscan.ingest.normalize import normalize
from extractscan.model.errors import InputError
from extractscan.model.schema import REQUEST_COLUMNS, REQUIRED

T = TypeVar("T")


__all__ = ["Opened", "Reading", "bound", "collect_repairing", "open_all", "read_plan"]


@dataclass(frozen=True)
class Opened:
    """One input file, its lazy canonical frame and the column mapping used."""

    file: files.InputFile
    mapping: dict[str, str]
    #: The file's own columns (lazily), their dtypes and the file's place in the list.
    raw: pl.LazyFrame
    schema: pl.Schema
    index: int
    #: The plain file read (decompressed, LF line ends) and, for a small file, the key
    #: it shares with the files read by the same scan and its row count (both ``None``:
    #: read on its own; see ``ingest/batches.py``).
    plain: Path | None = None
    batch: Hashable | None = None
    rows: int | None = None
    #: Bytes of the file (decompressed: estimated).
    size: int = 0

    @cached_property
    def frame(self) -> pl.LazyFrame:
        """The file's rows in the canonical schema (lazy; built when first needed: a
        file read by a batch's scan never builds its own)."""
        return normalize(self.raw, self.mapping, self.schema, self.index)


@dataclass(frozen=True)
class Reading:
    """How to open the inputs of one scan."""

    cfg: Config
    scratch: Path
    reader: presets.Preset | None = None
    skip_errors: bool = False


def bound(found: list[files.InputFile], how: Reading) -> Reading:
    """``how`` with its preset bound to this scan's files, for a preset that reads
    across files (``bedrock-cloudtrail`` joins two logs of one request)."""
    bind = getattr(how.reader, "bind", None)
    if bind is None:
        return how

    def opener(f: files.InputFile) -> tuple[files.InputFile, Path]:
        return files.by_content(f, files.plain_path(f, how.scratch, how.cfg.limits), how.scratch)

    return replace(how, reader=bind(found, opener))


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
    return _counted(opened, skipped, how)


def _counted(
    opened: list[Opened], skipped: list[tuple[str, str]], how: Reading
) -> tuple[list[Opened], list[tuple[str, str]]]:
    """``opened`` with the rows of every batchable file counted, one scan per batch, and
    a file with data but no row read refused (or skipped); indexes renumbered."""
    counted: dict[int, int] = {}
    refused: set[int] = set()
    for run in batches.runs([replace(o, rows=0) if o.batch else o for o in opened]):
        if run[0].batch is None:
            continue
        fmt = str(run[0].batch[0]) if isinstance(run[0].batch, tuple) else ""
        rows = batches.count_rows(fmt, run) if len(run) > 1 else None
        counted |= rows or {}
        for m in run:
            f = opened[m.index].file
            try:
                if rows is None:  # read on its own: checked on its own
                    files.require_rows_of(f, m.plain or f.path, m.raw)
                elif batches.without_rows(fmt, [m], rows):
                    files.require_rows_of(f, m.plain or f.path, m.raw)
            except InputError as exc:
                if not how.skip_errors:
                    raise
                skipped.append((str(f.path), str(exc)))
                refused.add(m.index)
    kept = [o for o in opened if o.index not in refused]
    return [replace(o, index=i, rows=counted.get(o.index)) for i, o in enumerate(kept)], skipped


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
            opened, skipped = _counted(opened, skipped, how)


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
    size = f.path.stat().st_size * (files.COMPRESSION_RATIO if f.compression else 1)
    plain = files.plain_path(src, how.scratch, how.cfg.limits)
    src, plain = files.by_content(src, plain, how.scratch)  # the content decides the type
    f = replace(f, format=src.format, shown=src.shown)
    small = how.reader is None and not repair and batches.batchable(f.format, size)
    explicit = how.cfg.columns
    if how.reader is not None:
        raw = how.reader.read(src, plain)
        if explicit:  # --column overrides the preset field by field
            raw, explicit = paths.preset_overrides(src, plain, raw, explicit, how.scratch)
        schema = read_schema(raw, f, how.scratch)
    else:
        # a small file's rows are counted with its batch (see _counted)
        raw = files.open_lazy(src, how.scratch, require_rows=not small, plain=plain)
        try:
            schema = raw.collect_schema()
        except pl.exceptions.PolarsError as exc:
            if src.format == "jsonl" and json_lines.untypable(exc):
                raw = json_lines.scan_as_text(plain)  # objects of several shapes: as text
            schema = read_schema(raw, f, how.scratch)  # names the file and line if not
        derived, schema_after = paths.derive(raw, schema, explicit, str(f.path))
        if derived is not raw:  # a batch's scan would not hold the derived columns
            if small:
                files.require_rows_of(src, plain, raw)
            small = False
            raw, schema = derived, schema_after
    m = mapping.resolve(schema.names(), REQUEST_COLUMNS, REQUIRED, explicit, str(f.path))
    duplicates.check(schema.names(), m, explicit, str(f.path))
    key = batches.batch_key(f.format, size, schema, m) if small else None
    return Opened(f, m, raw, schema, index, plain if key else None, key, size=size)


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
