"""The row stage on Spark (``--engine spark``): the same polars code, on many machines.

The row stage splits where ``--state`` splits it (:mod:`extractscan.run.incremental`):

1. **Per row** (one Spark task per file, or per :data:`SPLIT_ROWS` rows of a Parquet
   file): the task opens its file with the ingest code (:func:`open_all`, presets,
   mapping, normalize, repairs), marks the filtered rows and computes the row
   projection (:func:`aggregate.projection`), then cuts it by account slice (the
   account key ``aid`` modulo the number of slices) into Arrow IPC blocks, one row of
   a ``mapInArrow`` output each.
2. **Shuffle**: Spark repartitions the blocks on their slice, so every row of an
   account reaches one task.
3. **Per account slice**: the task aggregates its rows with
   :func:`aggregate.slice_tables` (``projected=True``), exactly as a pass of the memory
   plan does, and returns each table as an Arrow IPC block.
4. **Driver**: the slices' tables are concatenated and merged
   (:func:`aggregate.merge`: texts and counts summed, rejected rows in the order read)
   into the :class:`Aggregates` the link stage reads; link, assess and report run
   unchanged on it.

Every table is exact (no sketch): an account's rows all meet in one task, and the only
cross-slice tables (per-template texts, row counts) are sums. Spark sees rows only as
opaque Arrow blocks, so no column type goes through Spark's type system.

The files must be readable at the same path from the driver and every executor (a
local disk in local mode; a shared mount such as NFS, DBFS ``/dbfs/...`` or a FUSE
bucket mount on a cluster): the ingest code opens them by path. Inputs given as URIs
(``s3a://``, ``hdfs://``, ...) are listed and read through Spark's Hadoop file systems
by :mod:`extractscan.run.spark_uris`, which reuses the projection, the shuffle and the
merge below.
"""

from __future__ import annotations

import io
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from extractscan.config import Config
from extractscan.features import aggregate
from extractscan.features.prompts import prompt_texts
from extractscan.ingest import files, filters
from extractscan.ingest.filters import RowFilter
from extractscan.ingest.opening import Opened, Reading, collect_repairing, open_all, read_plan
from extractscan.model.errors import InputError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Rows of one account slice (one aggregation task): about 0.5 GiB of projected rows in
#: a task's scratch folder and the polars state of its accounts (see README "Beyond one
#: machine").
SLICE_ROWS = 2_000_000
#: A Parquet file with more rows is read by several tasks of at most this many rows...
SPLIT_ROWS = 1_000_000
#: ... and fewer when there are fewer parts than cores, but not below this many.
MIN_SPLIT_ROWS = 100_000
#: Arrow blocks per ``mapInArrow`` batch: a block holds thousands of rows, so Spark's
#: default of 10,000 records a batch would hold whole slices in one batch.
BLOCKS_PER_BATCH = 16

BLOCK = pa.schema([("slice", pa.int32()), ("rows", pa.binary())])
TABLE = pa.schema([("slice", pa.int32()), ("name", pa.string()), ("rows", pa.binary())])


@dataclass(frozen=True)
class Unit:
    """The rows one reading task reads: a file (its place among the opened files) or,
    for a large Parquet file, ``length`` rows from ``offset``."""

    file: int
    offset: int = 0
    length: int | None = None


def units(opened: Sequence[Opened], parallelism: int = 1) -> list[Unit]:
    """The reading tasks: one per file, a Parquet file of known rows cut every
    :data:`SPLIT_ROWS` rows, or into smaller parts (down to :data:`MIN_SPLIT_ROWS`) so
    that every one of ``parallelism`` cores reads (the footer says how many rows;
    polars reads only the row groups a part needs, and ``_row`` keeps counting from the
    file's first row)."""
    rows_of = {
        o.index: files.parquet_rows([o.file]) if o.file.format == "parquet" else None
        for o in opened
    }
    total = sum(n or 0 for n in rows_of.values())
    split = min(SPLIT_ROWS, max(math.ceil(total / parallelism), MIN_SPLIT_ROWS))
    out: list[Unit] = []
    for o in opened:
        rows = rows_of[o.index]
        if rows is None or rows <= split:
            out.append(Unit(o.index))
            continue
        out += [Unit(o.index, lo, split) for lo in range(0, rows, split)]
    return out


def slices_for(rows: int, parallelism: int) -> int:
    """Account slices for ``rows`` rows: at most :data:`SLICE_ROWS` rows each, and at
    least two per core so that every core aggregates."""
    return max(2 * parallelism, math.ceil(rows / SLICE_ROWS), 1)


def ipc(frame: pl.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="lz4")
    return buf.getvalue()


def _unit_frame(opened: list[Opened], unit: Unit) -> pl.LazyFrame:
    """The canonical rows of ``unit`` (``opened``: its one file, opened in the task)."""
    rows = pl.concat(read_plan(opened), how="vertical")
    if unit.length is not None:
        rows = rows.slice(unit.offset, unit.length)
    return rows.with_columns(pl.lit(unit.file, dtype=pl.Int32).alias("_file"))


def _open_unit(file: files.InputFile, how: Reading) -> list[Opened]:
    """``file``, opened in a task. A file that fails there fails the scan with its
    reason (``--skip-errors`` skips only the files the driver cannot open)."""
    opened, _ = open_all([file], replace(how, skip_errors=False))
    return opened


@contextmanager
def projected(
    file: files.InputFile,
    unit: Unit,
    how: Reading,
    row_filter: RowFilter,
    org_accounts: list[str],
) -> Iterator[tuple[Opened, pl.DataFrame]]:
    """The file as opened and the projected rows of ``unit`` (``file``: its file),
    memory-mapped from a scratch folder that lasts as long as the context."""
    with tempfile.TemporaryDirectory(prefix="extractscan-spark-") as tmp:
        # a file that fails here raises its own reason (not "no input file could be read")
        local = replace(how, scratch=Path(tmp), skip_errors=False)
        out = Path(tmp) / "projection.arrow"

        def sink(opened: list[Opened]) -> None:
            rows = _unit_frame(opened, unit).pipe(filters.mark, row_filter, org_accounts)
            aggregate.projection(rows, how.cfg).sink_ipc(out)

        _, used, _ = collect_repairing(_open_unit(file, local), [], local, sink)
        yield used[0], pl.read_ipc(out)


def sliced(rows: pl.DataFrame, slices: int) -> Iterator[tuple[int, bytes]]:
    """(slice, Arrow IPC block) of projected ``rows``, cut by account slice."""
    part = (pl.col("aid").fill_null(0) % slices).cast(pl.Int32).alias("_slice")
    for chunk in rows.iter_slices(200_000):
        for (k,), block in (
            chunk.with_columns(part).partition_by("_slice", as_dict=True, include_key=False).items()
        ):
            yield int(k), ipc(block)  # type: ignore[call-overload]


def project_unit(
    found: list[files.InputFile],
    unit: Unit,
    how: Reading,
    row_filter: RowFilter,
    org_accounts: list[str],
    slices: int,
) -> Iterator[tuple[int, bytes]]:
    """(slice, Arrow IPC block of projected rows) for the rows of ``unit``: the per-row
    part of the row stage, run inside a Spark task (usable without Spark)."""
    with projected(found[unit.file], unit, how, row_filter, org_accounts) as (_, rows):
        yield from sliced(rows, slices)


def aggregate_blocks(blocks: Iterator[bytes], cfg: Config) -> dict[str, pl.DataFrame] | None:
    """The tables of one account slice from its projected-row blocks (``None``: no
    block), the per-account part of the row stage; the blocks are spooled to a scratch
    folder and streamed, so a task holds the polars state of its accounts, not its rows.
    """
    with tempfile.TemporaryDirectory(prefix="extractscan-spark-") as tmp:
        paths: list[Path] = []
        for block in blocks:
            path = Path(tmp) / f"{len(paths)}.arrow"
            path.write_bytes(block)
            paths.append(path)
        if not paths:
            return None
        rows = pl.scan_ipc(paths)
        return aggregate.slice_tables(rows, cfg, projected=True)


class SparkRows:
    """The row stage of one scan on a Spark session."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def aggregate(
        self,
        opened: list[Opened],
        how: Reading,
        row_filter: RowFilter,
        org_accounts: list[str],
        tell: aggregate.Progress,
    ) -> aggregate.Aggregates:
        """Read, project, shuffle by account slice and aggregate on Spark; merge here."""
        cores = self.spark.sparkContext.defaultParallelism
        todo = units(opened, cores)
        files_of = [o.file for o in opened]
        rows = files.parquet_rows(files_of) or files.estimated_rows(files_of)
        slices = slices_for(rows, cores)
        tell(f"reading {len(todo)} part(s) on Spark, {slices} account slice(s)", None)
        cfg = how.cfg

        def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for batch in batches:
                for u in batch.column("id").to_pylist():
                    unit = todo[int(u)]
                    for k, block in project_unit(
                        files_of, unit, how, row_filter, org_accounts, slices
                    ):
                        yield pa.RecordBatch.from_pylist(
                            [{"slice": k, "rows": block}], schema=BLOCK
                        )

        parts = self.spark.range(0, len(todo), 1, numPartitions=max(len(todo), 1))
        blocks = parts.mapInArrow(read, "slice int, rows binary")
        with batch_size(self.spark, BLOCKS_PER_BATCH):
            got = collected(shuffle_and_reduce(blocks, slices, cfg))
        tell("merging the account slices", None)
        out = tables_of(got)
        if not out["behaviour"]:  # no row at all: the empty tables, from the schema
            empty = pl.concat([o.frame for o in opened], how="vertical").head(0)
            for name, frame in aggregate.slice_tables(
                aggregate.projection(empty, cfg), cfg, projected=True
            ).items():
                out[name].append(frame)
        return aggregate.merge(out, sliced=True)

    def prompts(
        self, found: list[files.InputFile], how: Reading
    ) -> Callable[[list[int]], dict[int, str]]:
        """The example prompts' lookup (:func:`prompt_texts`), one Spark task a file."""

        def texts(keys: list[int]) -> dict[int, str]:
            if not keys:
                return {}

            def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
                for batch in batches:
                    for u in batch.column("id").to_pylist():
                        yield prompt_block(found[int(u)], how, keys)

            parts = self.spark.range(0, len(found), 1, numPartitions=max(len(found), 1))
            return prompts_of(collected(parts.mapInArrow(read, "slice int, rows binary")))

        return texts


def prompt_block(file: files.InputFile, how: Reading, keys: list[int]) -> pa.RecordBatch:
    """The prompts of ``keys`` that ``file`` holds, as one Arrow IPC block (in a task)."""
    with tempfile.TemporaryDirectory(prefix="extractscan-spark-") as tmp:
        got = prompt_texts(read_plan(_open_unit(file, replace(how, scratch=Path(tmp)))), keys)
    frame = pl.DataFrame(
        {"key": list(got), "prompt": list(got.values())},
        schema={"key": pl.UInt64, "prompt": pl.String},
    )
    return pa.RecordBatch.from_pylist([{"slice": 0, "rows": ipc(frame)}], schema=BLOCK)


def prompts_of(got: list[tuple[Any, ...]]) -> dict[int, str]:
    """The prompts found by the tasks (the first one found of each key, in file order)."""
    found_texts: dict[int, str] = {}
    for _, block in sorted(got):
        for k, p in pl.read_ipc(io.BytesIO(block)).iter_rows():
            found_texts.setdefault(int(k), str(p))
    return found_texts


#: The ``slice`` of a block that is no account slice's rows but what a task says about
#: its file (:mod:`extractscan.run.spark_uris`): passed through the shuffle as it is.
NOTE = -1


def shuffle_and_reduce(blocks: Any, slices: int, cfg: Config) -> Any:
    """The Spark query that repartitions projected-row ``blocks`` (slice int, rows
    binary) by account slice and aggregates each slice (:func:`aggregate_blocks`):
    rows of (slice, table name, Arrow IPC block); a :data:`NOTE` block comes out as
    (``NOTE``, ``"note"``, its bytes)."""
    from pyspark.sql import functions as F

    def reduce(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        first: list[int] = []
        notes: list[bytes] = []

        def blocks() -> Iterator[bytes]:
            for batch in batches:
                for k, rows in zip(
                    batch.column("slice").to_pylist(), batch.column("rows").to_pylist(), strict=True
                ):
                    if k == NOTE:
                        notes.append(rows)
                        continue
                    first.append(k)
                    yield rows

        tables = aggregate_blocks(blocks(), cfg)
        for note in notes:
            yield pa.RecordBatch.from_pylist(
                [{"slice": NOTE, "name": "note", "rows": note}], schema=TABLE
            )
        if tables is None:
            return
        key = min(first)
        for name, frame in tables.items():
            yield pa.RecordBatch.from_pylist(
                [{"slice": key, "name": name, "rows": ipc(frame)}], schema=TABLE
            )

    shuffled = blocks.repartition(slices, F.col("slice"))
    return shuffled.mapInArrow(reduce, "slice int, name string, rows binary")


def tables_of(got: list[tuple[Any, ...]]) -> dict[str, list[pl.DataFrame]]:
    """The slices' tables (table -> one frame per slice, in slice order) of the rows
    :func:`shuffle_and_reduce` collected (its notes left out)."""
    out: dict[str, list[pl.DataFrame]] = {t: [] for t in aggregate.TABLES}
    for k, name, block in sorted(got, key=lambda r: (r[0], r[1])):
        if k != NOTE:
            out[name].append(pl.read_ipc(io.BytesIO(block)))
    return out


def collected(frame: Any) -> list[tuple[Any, ...]]:
    """The rows of a Spark query; a task's input error is raised here as one."""
    try:
        return [tuple(r) for r in frame.collect()]
    except Exception as exc:
        message = str(exc)
        found = re.search(r"extractscan\.model\.errors\.(InputError|UsageError): (.+)", message)
        if found is None:
            raise
        kind = InputError if found.group(1) == "InputError" else UsageError
        raise kind(found.group(2).strip()) from None


def require_spark() -> None:
    """Raise a usage error when pyspark or Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise UsageError("--engine spark needs pyspark: pip install 'extractscan[spark]'") from None


@contextmanager
def batch_size(spark: SparkSession, records: int) -> Iterator[None]:
    """``records`` rows per Arrow batch while a query runs (:data:`BLOCKS_PER_BATCH`
    blocks; one file of a URI input); the session's own setting (a notebook's) is put
    back after."""
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    before = spark.conf.get(key, None)
    spark.conf.set(key, records)
    try:
        yield
    finally:
        if before is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, before)


@contextmanager
def session(master: str | None = None) -> Iterator[SparkRows]:
    """A Spark session for one scan: the active one (``spark-submit``, a notebook, a
    test) unless ``master`` names another, else a new one (``local[*]`` unless Spark's
    own configuration names a master), stopped at the end."""
    require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        if master not in (None, active.sparkContext.master):
            raise UsageError(
                f"--spark-master {master}: this process already runs a Spark session "
                f"on {active.sparkContext.master} (one per process)"
            )
        yield SparkRows(active)
        return
    # the executors' Python is this one (extractscan and polars installed)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("extractscan")
    if master is not None:
        builder = builder.master(master)
    # the per-account tables come back to the driver, which holds them anyway: not
    # capped at Spark's default of 1 GiB of results
    builder = builder.config("spark.driver.maxResultSize", "0")
    try:
        spark = builder.config("spark.ui.showConsoleProgress", "false").getOrCreate()
    except Exception as exc:  # no Java, a master that cannot be reached, ...
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise UsageError(
            f"--engine spark: Spark did not start (it needs Java 17): {first}"
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")  # progress is ours; errors come as exceptions
    try:
        yield SparkRows(spark)
    finally:
        spark.stop()


__all__ = [
    "BLOCK",
    "MIN_SPLIT_ROWS",
    "NOTE",
    "SLICE_ROWS",
    "SPLIT_ROWS",
    "TABLE",
    "SparkRows",
    "Unit",
    "aggregate_blocks",
    "batch_size",
    "collected",
    "ipc",
    "project_unit",
    "projected",
    "prompt_block",
    "prompts_of",
    "session",
    "shuffle_and_reduce",
    "sliced",
    "slices_for",
    "tables_of",
    "units",
]
