"""Ingest: find input files and open each as a lazy polars frame of its own columns.

Formats by extension: ``.parquet``, ``.csv``, ``.tsv``, ``.jsonl``/``.ndjson``/``.log``
(JSON lines), ``.json`` (one document), each optionally ``.gz`` or ``.zst``. Compressed
text is decompressed once into a scratch directory as a stream (pyarrow's codecs), so
polars can still scan it lazily.
"""

from __future__ import annotations

import codecs
import glob
import hashlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from extractscan.config import Limits
from extractscan.ingest import documents
from extractscan.ingest.json_lines import scan_json_lines
from extractscan.ingest.lines import LINE_FORMATS, PROBE_BYTES, bare_cr, holds_data, lf_line_ends
from extractscan.model.errors import InputError

FORMATS: dict[str, str] = {
    ".parquet": "parquet",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".log": "jsonl",  # gateway and cloud exports (Azure, CloudWatch) are JSON lines in .log
}
COMPRESSIONS: dict[str, str] = {".gz": "gzip", ".zst": "zstd"}


@dataclass(frozen=True)
class InputFile:
    """One input file and how to read it."""

    path: Path
    format: str
    compression: str | None
    #: How the file was read, when its content decided (see :func:`by_content`).
    shown: str | None = None
    #: A file listed through Spark's Hadoop file systems (``--engine spark``): its URI
    #: as shown and its size in bytes (``path`` is then the URI's path part, not a
    #: local file: the Spark tasks read the bytes).
    uri: str | None = None
    size: int | None = None

    @property
    def label(self) -> str:
        """Format as shown to the user, e.g. ``csv+gzip``, or what its content was read
        as (``jsonl+gzip (by content; named json)``, ``json (records under 'Records')``)."""
        if self.shown is not None:
            return self.shown
        return f"{self.format}+{self.compression}" if self.compression else self.format


#: A URI (``s3a://bucket/logs/``, ``file:///data/x.csv``): a scheme of two or more
#: characters (not a drive letter), then ``://``.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")


def is_uri(raw: str | Path) -> bool:
    """Whether an input as given is a URI (read through Spark), not a local path."""
    return isinstance(raw, str) and _URI.match(raw) is not None


def shown(f: InputFile) -> str:
    """The file as reports name it: its URI, else its path (:func:`path_text`)."""
    return f.uri if f.uri is not None else path_text(f.path)


def classify(path: Path) -> InputFile | None:
    """Return how to read ``path``, or ``None`` if its extension is not supported."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = None
    if suffixes and suffixes[-1] in COMPRESSIONS:
        compression = COMPRESSIONS[suffixes.pop()]
    if not suffixes or suffixes[-1] not in FORMATS:
        return None
    return InputFile(path, FORMATS[suffixes[-1]], compression)


def discover(paths: Sequence[str | Path]) -> list[InputFile]:
    """Expand files, folders (recursively) and globs into a sorted, de-duplicated list.

    Raises:
        InputError: a path does not exist, has an unsupported extension, or a folder or
            glob holds no supported file.
    """
    if not paths:
        raise InputError("no input paths given")
    found: dict[Path, InputFile] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = [f for f in sorted(p.rglob("*")) if f.is_file() and classify(f)]
            if not files:
                raise InputError(f"{p}: folder holds no supported log file ({_supported()})")
        elif p.is_file():
            if classify(p) is None:
                raise InputError(f"{p}: unsupported file type; supported: {_supported()}")
            files = [p]
        elif any(ch in str(raw) for ch in "*?["):
            files = [
                Path(f)
                # Path.glob cannot take an absolute pattern; users give either.
                for f in sorted(glob.glob(str(raw), recursive=True))  # noqa: PTH207
                if Path(f).is_file() and classify(Path(f))
            ]
            if not files:
                raise InputError(f"{raw}: pattern matches no supported log file")
        elif p.exists():  # a FIFO, socket or device: reading it could wait forever
            raise InputError(f"{p}: not a regular file (a FIFO, socket or device)")
        else:
            raise InputError(f"{p}: no such file or folder")
        for f in files:
            info = classify(f)
            if info is not None:
                found.setdefault(f.resolve(), InputFile(f, info.format, info.compression))
    return [found[k] for k in sorted(found, key=str)]


def _supported() -> str:
    return ", ".join(sorted(FORMATS)) + " (optionally .gz or .zst)"


def path_text(path: str | Path) -> str:
    """A path as text any sink can write: the bytes of a name that is not UTF-8 shown
    as ``\\xff`` (Python holds them as lone surrogates, which polars, pyarrow and
    every UTF-8 writer refuse)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_named(f: InputFile, scratch: Path) -> Path:
    """``f.path``, or a link to it in ``scratch`` under a UTF-8 name if its own name is
    not UTF-8 (polars and pyarrow take UTF-8 paths only)."""
    if path_text(f.path) == str(f.path):
        return f.path
    link = scratch / f"{_digest(f)}_name"
    if not link.is_symlink():
        link.symlink_to(f.path.resolve())
    return link


def _decompressed(f: InputFile, scratch: Path, limits: Limits) -> Path:
    """Stream-decompress ``f`` into ``scratch`` and return the plain file's path.

    Scratch files are named by a digest of the input's path, never by its name: a
    250-character name plus a prefix passed the 255-byte limit of a file name.

    Raises:
        InputError: the file is not valid, or decompresses past
            :meth:`Limits.decompressed_limit` of its size (a decompression bomb).
    """
    assert f.compression is not None
    target = scratch / f"{_digest(f)}_plain"
    if target.exists():
        return target
    size = f.path.stat().st_size
    limit = limits.decompressed_limit(size)
    written = 0
    try:
        with (
            pa.input_stream(str(_utf8_named(f, scratch)), compression=f.compression) as src,
            target.open("wb") as dst,
        ):
            while block := src.read(8 << 20):
                written += len(block)
                if written > limit:
                    raise _TooBig
                dst.write(block)
    except _TooBig:
        target.unlink(missing_ok=True)
        raise InputError(
            f"{f.path}: decompresses to more than {limit:,} bytes (the limit for its "
            f"{size:,} compressed bytes: {limits.decompressed_ratio}x, at most "
            f"{limits.decompressed_max:,}); a decompression bomb, or raise "
            "decompressed_ratio / decompressed_max in the config's [limits]"
        ) from None
    except (OSError, pa.ArrowException) as exc:
        target.unlink(missing_ok=True)
        raise InputError(f"{f.path}: cannot decompress ({f.compression}): {exc}") from exc
    return target


class _TooBig(Exception):
    """A file decompressed past its limit (caught in :func:`_decompressed`)."""


def plain_path(f: InputFile, scratch: Path, limits: Limits | None = None) -> Path:
    """The uncompressed file behind ``f`` (decompressed into ``scratch`` if needed,
    within ``limits``), with LF line ends (a copy in ``scratch``) if its first block
    ends lines with a bare CR."""
    if f.compression:
        path = _decompressed(f, scratch, limits or Limits())
    else:
        path = _utf8_named(f, scratch)
    if f.format not in LINE_FORMATS:
        return path
    quoted = f.format != "jsonl"
    target = scratch / f"{_digest(f)}_lf"
    if target.exists():
        return target
    with path.open("rb") as fh:
        head = fh.read(PROBE_BYTES + 1)
    if not bare_cr(head[:PROBE_BYTES], quoted, whole=len(head) <= PROBE_BYTES):
        return path
    try:
        lf_line_ends(path, target, quoted=quoted)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise InputError(f"{f.path}: cannot convert its line ends: {exc}") from exc
    return target


def by_content(f: InputFile, plain: Path, scratch: Path) -> tuple[InputFile, Path]:
    """How to read ``f`` (whose plain bytes are at ``plain``) from what it holds, and
    the file to read.

    A ``.json`` that holds JSON lines (a BigQuery export) is read as JSON lines, a
    ``.jsonl``, ``.log`` or ``.csv`` that holds one JSON document as a document; a
    document's records (under a wrapper key such as ``Records``: see
    ``ingest/documents.py``) are written as JSON lines into ``scratch`` and read as
    such. The returned file's label says what was decided.

    Raises:
        InputError: a document too large to parse whole, or not valid JSON.
    """
    if f.format == "parquet":
        return f, plain
    named = classify(f.path)
    declared = named.format if named is not None else f.format
    found = documents.sniff(plain) or f.format
    zipped = f"+{f.compression}" if f.compression else ""
    moved = f" (by content; named {declared})" if found != declared else ""
    if found == "json":
        target = scratch / f"{_digest(f)}_records"
        key = documents.to_json_lines(plain, target, str(f.path))
        under = f" (records under {key!r})" if key is not None else ""
        return InputFile(f.path, "jsonl", f.compression, f"json{zipped}{moved}{under}"), target
    if found == f.format:
        return f, plain
    moved_file = InputFile(f.path, found, f.compression, f"{found}{zipped}{moved}")
    return moved_file, plain_path(moved_file, scratch)


def _digest(f: InputFile) -> str:
    # the absolute path, not the resolved one: resolving cost 0.1 ms a file, and the
    # digest only keeps the scratch copies of different inputs apart
    return hashlib.sha1(os.fsencode(f.path.absolute())).hexdigest()[:12]


def require_rows_of(f: InputFile, path: Path, lf: pl.LazyFrame) -> pl.LazyFrame:
    """``lf``, unless it reads no row from a text file that holds data rows: a silent
    0 would look like a clean log (a reader error is left to the scan, which names the
    line). Other formats (Parquet: no rows is a valid file) are returned as they are."""
    if f.format not in LINE_FORMATS:
        return lf
    try:
        empty = lf.head(1).collect().height == 0
    except pl.exceptions.PolarsError:
        return lf
    if empty and holds_data(path, f.format):
        raise InputError(
            f"{f.path}: {f.path.stat().st_size:,} bytes of data but no row read as "
            f"{f.label} (an unclosed quote in the header, or line ends not recognised)"
        )
    return lf


def open_lazy(
    f: InputFile,
    scratch: Path,
    require_rows: bool = True,
    plain: Path | None = None,
    limits: Limits | None = None,
) -> pl.LazyFrame:
    """Open ``f`` lazily with every column; text formats read every column as text.

    With ``require_rows`` a text file with data from which no row is read is refused
    here (one query per file); without, the caller checks (``ingest/batches.py`` counts
    the rows of many small files in one scan).

    Raises:
        InputError: the file is empty, unreadable or not of its declared format.
    """
    path = plain or plain_path(f, scratch, limits)
    try:
        if f.format == "parquet":
            pq.read_schema(path)  # fail early, naming the file, on a non-Parquet file
            # ``glob=False``: discover() expanded the globs; a name with '[' or '*' is
            # one file (globbed, 'x*.csv' also read 'xy.csv' under its own name)
            return pl.scan_parquet(path, glob=False)
        if f.format in ("csv", "tsv"):
            if path.stat().st_size == 0:
                raise InputError(f"{f.path}: file is empty (no header row)")
            lf = pl.scan_csv(
                path,
                separator="\t" if f.format == "tsv" else ",",
                infer_schema=False,
                encoding="utf8-lossy",
                glob=False,
            )
            return require_rows_of(f, path, lf) if require_rows else lf
        if path.stat().st_size == 0:
            raise InputError(f"{f.path}: file is empty")
        if f.format == "json":  # one document: an array of records or one record
            # types from every record: from the first 100 only, a key first seen
            # later refused the file
            return pl.read_json(path, infer_schema_length=None).lazy()
        # Types from every line: from the first 1,000 only, a later "6" in a number
        # column failed the file and a key first seen later was dropped (one more read
        # of the file); objects too wide to type are read as JSON text (json_lines.py)
        lf = scan_json_lines(path)
        return require_rows_of(f, path, lf) if require_rows else lf
    except InputError:
        raise
    except (OSError, pl.exceptions.PolarsError, pa.ArrowException) as exc:
        raise InputError(f"{f.path}: cannot read as {f.label}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def utf8_repaired(f: InputFile, scratch: Path) -> InputFile:
    """A copy of ``f`` (decompressed) with invalid UTF-8 replaced by U+FFFD and a leading
    byte-order mark removed (the JSON reader refuses one).

    Streams the file in 8 MiB chunks through an incremental decoder; used only after a
    reader has refused the file for its encoding. The rows keep their U+FFFD characters
    and are counted as ``rows_with_replaced_bytes``.
    """
    src = plain_path(f, scratch)
    target = scratch / f"{_digest(f)}_utf8"
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    with src.open("rb") as raw, target.open("w", encoding="utf-8") as out:
        for chunk in iter(lambda: raw.read(8 << 20), b""):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return InputFile(target, f.format, None)


def _footer_rows(f: InputFile) -> int | None:
    """Rows a Parquet footer declares; ``None`` for an unreadable file (opening it
    raises the :class:`InputError` that names it, or ``--skip-errors`` skips it); ``None``
    for a URI too (not on this machine: its size plans)."""
    if f.uri is not None:
        return None
    try:
        return int(pq.ParquetFile(f.path).metadata.num_rows)
    except (OSError, ValueError, pa.ArrowException):  # ValueError: a name not UTF-8
        return None


def parquet_rows(files: Iterable[InputFile]) -> int | None:
    """Total rows declared by Parquet footers, or ``None`` if any file is not Parquet
    (or its footer cannot be read)."""
    total = 0
    for f in files:
        n = _footer_rows(f) if f.format == "parquet" and not f.compression else None
        if n is None:
            return None
        total += n
    return total


#: Rough bytes per row of a text log (for planning only: JSON lines with prompts).
TEXT_BYTES_PER_ROW = 400
#: Rough compression ratio of gzip/zstd logs (for planning only).
COMPRESSION_RATIO = 5


def estimated_rows(files: Iterable[InputFile]) -> int:
    """Rows a set of files probably holds: Parquet footers, else sizes (an estimate)."""
    total = 0
    for f in files:
        n = _footer_rows(f) if f.format == "parquet" and not f.compression else None
        if n is not None:
            total += n
            continue
        size = f.size if f.size is not None else f.path.stat().st_size
        total += size * (COMPRESSION_RATIO if f.compression else 1) // TEXT_BYTES_PER_ROW
    return total
