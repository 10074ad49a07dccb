"""One read plan for thousands of small files: files of one shape read by one scan.

Each input file was its own branch of the row query, mapped and normalized on its own:
250 / 1,000 / 2,000 one-row CSVs took 5.5 / 19 / 47 s, and 20,000 reached 9.3 GB before
the first row was counted (the query optimizer and the streaming engine pay per branch).
Small files (at most :data:`SMALL_FILE` bytes) of the same format, columns, dtypes and
column mapping that follow one another in the input list are read by one multi-file
scan of at most :data:`MAX_FILES` files and :data:`MAX_BYTES` bytes: the file's index
and row number come from the path column polars adds and from each file's row count
(counted once per batch by :func:`count_rows`, which also finds a file with data from
which no row is read). A batch's rows are read into memory before the row features
run, up to :data:`MATERIALIZED_BYTES` in all: evaluated per file, the features cost
0.25 ms a file in polars' per-chunk overhead (4,096 one-row files: 2.8 s, not 0.7).
"""

from __future__ import annotations

import glob
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Protocol

import polars as pl

from extractscan.ingest.lines import holds_data
from extractscan.ingest.normalize import normalize

#: Files up to this size may share a scan (bigger ones are read on their own).
SMALL_FILE = 1 << 20
#: Files and bytes one scan reads at most.
MAX_FILES = 4_096
MAX_BYTES = 64 << 20
#: Bytes of small files read into memory in all (past it, batches are scanned lazily).
MATERIALIZED_BYTES = 512 << 20
#: Formats read by a multi-file scan.
FORMATS = ("csv", "tsv", "jsonl", "parquet")
_PATH = "_extractscan_path"


class Member(Protocol):
    """What a batch needs of an opened file (see ``opening.Opened``)."""

    @property
    def index(self) -> int: ...
    @property
    def plain(self) -> Path | None: ...
    @property
    def raw(self) -> pl.LazyFrame: ...
    @property
    def schema(self) -> pl.Schema: ...
    @property
    def mapping(self) -> dict[str, str]: ...
    @property
    def batch(self) -> Hashable | None: ...
    @property
    def size(self) -> int: ...
    @property
    def rows(self) -> int | None: ...
    @property
    def frame(self) -> pl.LazyFrame: ...


def batchable(fmt: str, size: int) -> bool:
    """Whether a file of this format and size may share a scan."""
    return fmt in FORMATS and size <= SMALL_FILE


def batch_key(fmt: str, size: int, schema: pl.Schema, mapping: dict[str, str]) -> Hashable | None:
    """What files must share to be read by one scan; ``None``: read on its own."""
    if not batchable(fmt, size):
        return None
    return (fmt, tuple(schema.items()), tuple(sorted(mapping.items())))


def runs(members: Sequence[Member]) -> list[list[Member]]:
    """Consecutive members with one batch key, at most :data:`MAX_FILES` files and
    :data:`MAX_BYTES` bytes each (a member without a key, or with its rows not counted,
    is a run of its own): the rows keep the order of the input list."""
    out: list[list[Member]] = []
    size = 0
    for m in members:
        last = out[-1] if out else None
        if (
            last is not None
            and m.batch is not None
            and m.rows is not None
            and last[0].batch == m.batch
            and last[0].rows is not None
            and len(last) < MAX_FILES
            and size + m.size <= MAX_BYTES
        ):
            last.append(m)
            size += m.size
        else:
            out.append([m])
            size = m.size
    return out


def _scan(fmt: str, paths: list[str], schema: pl.Schema) -> pl.LazyFrame:
    """One scan of ``paths`` with the path of each row's file in :data:`_PATH`."""
    if fmt in ("csv", "tsv"):
        return pl.scan_csv(
            paths,
            separator="\t" if fmt == "tsv" else ",",
            infer_schema=False,
            encoding="utf8-lossy",
            glob=False,
            include_file_paths=_PATH,
        )
    if fmt == "parquet":
        return pl.scan_parquet(paths, glob=False, include_file_paths=_PATH)
    # the dtypes each file was typed with on its own (all equal in a batch); the names
    # escaped, as scan_ndjson expands globs
    escaped = [glob.escape(p) for p in paths]
    return pl.scan_ndjson(escaped, schema=schema, include_file_paths=_PATH)


def count_rows(fmt: str, members: Sequence[Member]) -> dict[int, int] | None:
    """Rows each member holds (by index), read by one scan; ``None`` if the scan fails
    (the members are then read one by one, which names the bad file and line)."""
    paths = [str(m.plain) for m in members]
    try:
        got = (
            _scan(fmt, paths, members[0].schema)
            .group_by(_PATH)
            .agg(pl.len().alias("n"))
            .collect(engine="streaming")
        )
    except pl.exceptions.PolarsError:
        return None
    by_path = dict(zip(got[_PATH].to_list(), got["n"].to_list(), strict=True))
    return {m.index: int(by_path.get(p, 0)) for m, p in zip(members, paths, strict=True)}


def without_rows(fmt: str, members: Sequence[Member], rows: dict[int, int]) -> list[Member]:
    """Members from which no row is read although they hold data (an unclosed quote in
    the header): an input error each, never a silent 0 (as ``files._require_rows``)."""
    text = fmt in ("csv", "tsv", "jsonl")
    return [
        m
        for m in members
        if text and rows[m.index] == 0 and m.plain is not None and holds_data(m.plain, fmt)
    ]


def read_plan(members: Sequence[Member]) -> list[pl.LazyFrame]:
    """The lazy canonical frames to read: one per batch of small files of one shape,
    one per other file; rows keep the order of ``members``."""
    plan: list[pl.LazyFrame] = []
    budget = MATERIALIZED_BYTES
    for run in runs(members):
        if len(run) == 1:
            plan.append(run[0].frame)
            continue
        first = run[0]
        fmt = str(first.batch[0]) if isinstance(first.batch, tuple) else ""
        paths = [str(m.plain) for m in run]
        offsets: dict[str, int] = {}
        start = 0
        for m, p in zip(run, paths, strict=True):
            offsets[p] = start
            start += m.rows or 0
        index = {p: m.index for m, p in zip(run, paths, strict=True)}
        raw = _scan(fmt, paths, first.schema).with_row_index("_batch_row")
        size = sum(m.size for m in run)
        if size <= budget:  # one chunk in memory: the row features run once, not per file
            budget -= size
            raw = raw.collect(engine="streaming").lazy()
        path = pl.col(_PATH)
        plan.append(
            normalize(
                raw,
                first.mapping,
                first.schema,
                path.replace_strict(index, return_dtype=pl.Int32),
                pl.col("_batch_row").cast(pl.Int64)
                - path.replace_strict(offsets, return_dtype=pl.Int64),
            )
        )
    return plan
