"""Inputs given as URIs (``s3a://bucket/logs/``, ``hdfs://...``, ``file:///...``) on Spark.

Spark's Hadoop file systems read what the local disk does not hold; the per-row work
stays the ingest code of a local file:

1. **Driver, listing** (:func:`discover`): each URI is globbed and folders are listed
   recursively through the Hadoop ``FileSystem`` API (the session's Hadoop
   configuration: credentials, endpoints); a file is kept when its name has a
   supported extension, as for a local folder, and does not start with ``.`` or ``_``
   (Spark's file sources never read those: hidden, metadata and in-progress files).
   Names and sizes come from the listing; a file past Spark's limit for one binary row
   (2 GiB) is refused here, naming it. The rows that size the account slices are
   the Parquet footers' (counted by Spark's Parquet source) and the text files'
   sizes (:func:`planned_rows`); the columns and the mapping are the tasks'.
2. **Executors, per file**: Spark's ``binaryFile`` source reads each file's bytes (one
   file per Arrow batch); the task writes them to its scratch folder under a name with
   the file's extension and opens that copy with the ingest code (type from content,
   ``.gz``/``.zst``, presets, mapping, normalize, repairs): the same rows, rejects and
   row numbers as the file read from a local disk. It then projects and cuts the rows
   by account slice exactly as :mod:`extractscan.run.spark_engine` does, and adds a
   note (:data:`spark_engine.NOTE`) saying how the file was read (its label, column
   mapping and fields) or, with ``--skip-errors``, why it was skipped.
3. The shuffle, the per-slice aggregation and the driver's merge are those of the
   local-path engine; an error names the URI, never the task's copy.

Limits kept: a file is read whole by one task (a Parquet file is not cut into row
ranges: write logs as many files, as Spark writers do), at most 2 GiB each, and its
bytes are held by the task's JVM and Python while it is copied; the example prompts'
lookup reads the files a second time. Presets that join two logs (``bind``) read them
on the driver and take local paths only.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from extractscan.features import aggregate
from extractscan.ingest import files
from extractscan.ingest.filters import RowFilter
from extractscan.ingest.opening import Opened, Reading
from extractscan.model.errors import ExtractscanError, InputError, UsageError
from extractscan.run import spark_engine
from extractscan.run.spark_engine import BLOCK, NOTE, Unit

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Spark's own limit on one ``binaryFile`` row (a file's bytes), unless its
#: ``spark.sql.sources.binaryFile.maxLength`` says less.
MAX_FILE_BYTES = 2**31 - 1
_MAX_KEY = "spark.sql.sources.binaryFile.maxLength"
#: Characters Hadoop's glob reads as a pattern: escaped in a listed file's name.
_GLOB = "\\{}[]*?"
#: Names Spark's file sources skip (hidden and metadata files): left out of a listing.
_HIDDEN = (".", "_")
_SUFFIX = {"parquet": ".parquet", "csv": ".csv", "tsv": ".tsv", "jsonl": ".jsonl"}
_SUFFIX["json"] = ".json"
_ZIPPED = {"gzip": ".gz", "zstd": ".zst"}


def remote_inputs(paths: Sequence[str | Path], engine: str) -> list[str]:
    """The inputs as URIs when they are URIs (``[]``: local paths).

    Raises:
        UsageError: a URI with the polars engine, or URIs and local paths mixed.
    """
    uris = [str(p) for p in paths if files.is_uri(p)]
    if not uris:
        return []
    if engine != "spark":
        local = f" (for {uris[0]}: {_local(uris[0])})" if uris[0].startswith("file:") else ""
        raise UsageError(
            f"{uris[0]}: a URI is read by --engine spark (Spark's Hadoop file systems: "
            "s3a://, gs://, abfss://, hdfs://, file://); the polars engine reads local "
            f"paths{local}"
        )
    if len(uris) < len(paths):
        raise UsageError(
            "give the inputs either as URIs or as local paths, not both (a local file as a "
            "URI: file:///its/absolute/path)"
        )
    return uris


def _local(uri: str) -> str:
    """The local path of a ``file:`` URI."""
    rest = uri[len("file:") :]
    return "/" + rest.lstrip("/") if rest.startswith("//") else rest


def _shown(hadoop: str) -> str:
    """A listed file as reports name it: Hadoop's ``file:/x`` as ``file:///x``."""
    if hadoop.startswith("file:/") and not hadoop.startswith("file://"):
        return "file://" + hadoop[len("file:") :]
    return hadoop


def _hadoop(f: files.InputFile) -> str:
    """The Hadoop path of a listed file (what ``binaryFile`` rows name it by)."""
    uri = f.uri or ""
    return "file:" + uri[len("file://") :] if uri.startswith("file:///") else uri


def _java_reason(exc: Exception) -> str:
    """The Java exception's own sentence, without the stack trace (pyspark's own
    exceptions for some Java ones, such as ``IllegalArgumentException``, hold only it)."""
    java = getattr(exc, "java_exception", None)
    text = str(java.toString()) if java is not None else str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def discover(spark: SparkSession, uris: Sequence[str]) -> list[files.InputFile]:
    """Expand URIs of files, folders (recursively) and globs through Spark's Hadoop
    file systems into a sorted, de-duplicated list (as :func:`files.discover` does for
    local paths).

    Raises:
        InputError: a URI that cannot be listed (no file system for its scheme,
            refused credentials), matches nothing, or holds no supported file, or a
            file past :data:`MAX_FILE_BYTES` (naming it).
    """
    from py4j.protocol import Py4JJavaError
    from pyspark.errors.exceptions.captured import CapturedException

    jvm: Any = spark._jvm
    conf = spark._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    limit = min(int(spark.conf.get(_MAX_KEY, None) or MAX_FILE_BYTES), MAX_FILE_BYTES)
    found: dict[str, files.InputFile] = {}
    for raw in uris:
        try:
            pattern = jvm.org.apache.hadoop.fs.Path(raw)
            fs = pattern.getFileSystem(conf)
            matched = fs.globStatus(pattern)
            listed: list[tuple[str, int]] = []
            for status in matched or []:
                if not status.isDirectory():
                    listed.append((str(status.getPath().toString()), int(status.getLen())))
                    continue
                leaves = fs.listFiles(status.getPath(), True)
                while leaves.hasNext():
                    leaf = leaves.next()
                    listed.append((str(leaf.getPath().toString()), int(leaf.getLen())))
        except (Py4JJavaError, CapturedException) as exc:  # Java's, or as pyspark names it
            why = _java_reason(exc)
            hint = (
                " (the file system's connector must be on Spark's classpath: hadoop-aws for "
                "s3a://, the GCS connector for gs://, hadoop-azure for abfss://)"
                if "ClassNotFoundException" in why or "No FileSystem for scheme" in why
                else ""
            )
            raise InputError(
                f"{raw}: cannot list through Spark's Hadoop file systems: {why}{hint}"
            ) from None
        if not matched:
            pattern_given = any(ch in raw for ch in "*?[{")
            what = "pattern matches no file" if pattern_given else "no such file or folder"
            raise InputError(f"{raw}: {what}")
        one = len(listed) == 1 and len(matched) == 1 and not matched[0].isDirectory()
        kept = 0
        for hadoop, size in listed:
            name = hadoop.rsplit("/", 1)[-1]
            kind = files.classify(Path(name))
            if kind is None:
                continue
            if name.startswith(_HIDDEN):  # Spark's file sources never read these
                if one:
                    raise InputError(
                        f"{_shown(hadoop)}: Spark does not read a file whose name starts "
                        "with '.' or '_' (a hidden or metadata file): rename it"
                    )
                continue
            kept += 1
            shown = _shown(hadoop)
            path = Path(hadoop.split(":", 1)[1]) if ":" in hadoop else Path(hadoop)
            found.setdefault(shown, replace(kind, path=path, uri=shown, size=size))
        if not kept:
            if one:
                raise InputError(f"{raw}: unsupported file type; supported: {_supported()}")
            raise InputError(f"{raw}: holds no supported log file ({_supported()})")
    listed_files = [found[k] for k in sorted(found)]
    for f in listed_files:
        if (f.size or 0) > limit:
            raise InputError(
                f"{f.uri}: {f.size:,} bytes, more than the {limit:,} a Spark task reads "
                "as one file (spark.sql.sources.binaryFile.maxLength); split it, or give "
                "it as a path every executor can read"
            )
    return listed_files


def _supported() -> str:
    return ", ".join(sorted(files.FORMATS)) + " (optionally .gz or .zst)"


def _binary(spark: SparkSession, found: Sequence[files.InputFile]) -> DataFrame:
    """The files' bytes, one ``binaryFile`` row each (path, content)."""
    return _read(spark, "binaryFile", found).select("path", "content")


def planned_rows(spark: SparkSession, found: Sequence[files.InputFile]) -> int:
    """Rows to plan the account slices for: the Parquet files' rows as their footers
    say (counted by Spark's Parquet source, through the same file systems: a Parquet
    log holds about 20 bytes a row, and its size alone under-counted 20 times), the
    other files' estimated from their sizes (:func:`files.estimated_rows`)."""
    parquet = [f for f in found if f.format == "parquet" and not f.compression]
    text = [f for f in found if f.format != "parquet" or f.compression]
    counted = files.estimated_rows(parquet)
    if parquet:
        try:
            counted = _read(spark, "parquet", parquet).count()
        except Exception:  # a file Spark's reader refuses: the task names it, or skips it
            pass
    return counted + files.estimated_rows(text)


def _read(spark: SparkSession, source: str, found: Sequence[files.InputFile]) -> DataFrame:
    """The files read by one of Spark's file sources, each named exactly (its name's
    glob characters escaped)."""
    escaped = ["".join("\\" + c if c in _GLOB else c for c in _hadoop(f)) for f in found]
    return spark.read.format(source).load(escaped)


@contextmanager
def _named(found: Sequence[files.InputFile]) -> Iterator[None]:
    """A Spark failure that names a listed file (one deleted or rewritten since it was
    listed, unreadable to Spark) as an input error naming its URI."""
    try:
        yield
    except ExtractscanError:
        raise
    except Exception as exc:
        text = str(exc)
        named = [f for f in found if _hadoop(f) in text]
        if not named:
            raise
        culprit = max(named, key=lambda f: len(_hadoop(f)))  # x.csv.gz, not x.csv
        first = next((line for line in text.splitlines() if _hadoop(culprit) in line), "")
        raise InputError(f"{culprit.uri}: Spark could not read it: {first.strip()[:300]}") from None


def _local_copy(f: files.InputFile, data: pa.Buffer, folder: Path) -> files.InputFile:
    """``f``'s bytes written into ``folder`` under a name with its extension (its own
    name may be long or odd: the content decides the rest, as for a local file)."""
    path = folder / f"input{_SUFFIX[f.format]}{_ZIPPED.get(f.compression or '', '')}"
    with path.open("wb") as out:
        out.write(memoryview(data))
    return replace(f, path=path, uri=None, size=None)


def _each_file(
    batches: Iterator[pa.RecordBatch], index: dict[str, int]
) -> Iterator[tuple[int, pa.Buffer]]:
    """(file number, bytes) of each ``binaryFile`` row."""
    for batch in batches:
        content = batch.column("content")
        for j, path in enumerate(batch.column("path").to_pylist()):
            i = index.get(path)
            if i is None:
                raise InputError(f"{path}: read by Spark but not listed (renamed meanwhile?)")
            yield i, content[j].as_buffer()


def _note(fields: dict[str, Any]) -> pa.RecordBatch:
    text = json.dumps(fields, sort_keys=True).encode()
    return pa.RecordBatch.from_pylist([{"slice": NOTE, "rows": text}], schema=BLOCK)


def file_blocks(
    f: files.InputFile,
    i: int,
    data: pa.Buffer,
    how: Reading,
    row_filter: RowFilter,
    org_accounts: list[str],
    slices: int,
) -> Iterator[pa.RecordBatch]:
    """The note and the projected-row blocks of file number ``i`` (``data``: its bytes),
    in a task; an empty file yields one empty block, so that its tables keep their
    columns."""
    with tempfile.TemporaryDirectory(prefix="extractscan-spark-") as tmp, ExitStack() as stack:
        here = _local_copy(f, data, Path(tmp))
        try:
            opened, rows = stack.enter_context(
                spark_engine.projected(here, Unit(i), how, row_filter, org_accounts)
            )
        except InputError as exc:
            why = str(exc).replace(str(here.path), f.uri or "")
            if not how.skip_errors:
                raise InputError(why) from None
            yield _note({"file": i, "skipped": why})
            return
        read = {"file": i, "label": opened.file.label, "mapping": opened.mapping}
        yield _note(read | {"fields": opened.schema.names()})
        if rows.height == 0:
            yield pa.RecordBatch.from_pylist(
                [{"slice": 0, "rows": spark_engine.ipc(rows)}], schema=BLOCK
            )
        for k, block in spark_engine.sliced(rows, slices):
            yield pa.RecordBatch.from_pylist([{"slice": k, "rows": block}], schema=BLOCK)


@dataclass(frozen=True)
class Read:
    """What the row stage of URI inputs returns to the driver."""

    aggregates: aggregate.Aggregates
    #: The files read (numbered as ``_file``), as the tasks opened them (label, mapping,
    #: fields; ``raw`` is empty: the rows stayed on the executors).
    opened: list[Opened]
    skipped: list[tuple[str, str]]


def aggregate_uris(
    spark: SparkSession,
    found: list[files.InputFile],
    how: Reading,
    row_filter: RowFilter,
    org_accounts: list[str],
    tell: aggregate.Progress,
) -> Read:
    """Read the listed files on Spark, project, shuffle by account slice and aggregate;
    merge here (:class:`spark_engine.SparkRows` does the same for local paths)."""
    cores = spark.sparkContext.defaultParallelism
    slices = spark_engine.slices_for(planned_rows(spark, found), cores)
    tell(f"reading {len(found)} file(s) on Spark, {slices} account slice(s)", None)
    index = {_hadoop(f): i for i, f in enumerate(found)}

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for i, data in _each_file(batches, index):
            yield from file_blocks(found[i], i, data, how, row_filter, org_accounts, slices)

    # one file's bytes per Arrow batch: a batch of several could pass Arrow's 2 GiB
    with spark_engine.batch_size(spark, 1), _named(found):
        blocks = _binary(spark, found).mapInArrow(read, "slice int, rows binary")
        got = spark_engine.collected(spark_engine.shuffle_and_reduce(blocks, slices, how.cfg))
    tell("merging the account slices", None)
    notes = sorted(
        (json.loads(bytes(r[2])) for r in got if r[0] == NOTE), key=lambda n: int(n["file"])
    )
    numbers = [int(n["file"]) for n in notes]
    unread = [f.uri for i, f in enumerate(found) if i not in set(numbers)]
    if unread or len(numbers) != len(set(numbers)):
        which = unread[0] if unread else "a file"
        raise InputError(f"{which}: listed, but Spark did not read it exactly once")
    skipped = [
        (files.shown(found[int(n["file"])]), str(n["skipped"])) for n in notes if "skipped" in n
    ]
    kept = [n for n in notes if "skipped" not in n]
    if not kept:
        raise InputError("no input file could be read: " + "; ".join(w for _, w in skipped))
    opened = [
        Opened(
            replace(found[int(n["file"])], shown=str(n["label"])),
            dict(n["mapping"]),
            pl.LazyFrame(),
            pl.Schema(dict.fromkeys(n["fields"], pl.String)),
            k,
        )
        for k, n in enumerate(kept)
    ]
    out = spark_engine.tables_of(got)
    if skipped:  # the files read numbered from 0 again, as open_all numbers them
        number = {int(n["file"]): k for k, n in enumerate(kept)}
        for name in ("counts", "rejects"):
            out[name] = [
                t.with_columns(pl.col("_file").replace_strict(number, return_dtype=pl.Int32))
                for t in out[name]
            ]
    return Read(aggregate.merge(out, sliced=True), opened, skipped)


def prompts(
    spark: SparkSession, found: list[files.InputFile], how: Reading
) -> Callable[[list[int]], dict[int, str]]:
    """The example prompts' lookup for URI inputs: every file read again, one
    ``binaryFile`` row each (as :meth:`spark_engine.SparkRows.prompts`)."""
    index = {_hadoop(f): i for i, f in enumerate(found)}

    def texts(keys: list[int]) -> dict[int, str]:
        if not keys:
            return {}

        def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            for i, data in _each_file(batches, index):
                with tempfile.TemporaryDirectory(prefix="extractscan-spark-") as tmp:
                    here = _local_copy(found[i], data, Path(tmp))
                    yield spark_engine.prompt_block(here, how, keys)

        with spark_engine.batch_size(spark, 1), _named(found):
            query = _binary(spark, found).mapInArrow(read, "slice int, rows binary")
            return spark_engine.prompts_of(spark_engine.collected(query))

    return texts


__all__ = ["MAX_FILE_BYTES", "Read", "aggregate_uris", "discover", "prompts", "remote_inputs"]
