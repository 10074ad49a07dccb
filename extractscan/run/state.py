"""The ``--state DIR`` of an incremental scan: per-file partial aggregates and the
stored projection of every file read.

A daily scan reads only the files it has not seen, and still analyses the whole window
(every file it is given): each file read leaves its per-file partial aggregates
(:mod:`extractscan.features.partials`) and its per-row projection
(:func:`extractscan.features.aggregate.projection`), zstd Parquet, in the state. The
window's tables are merged from the partials of its files; with ``--org`` or
``--account`` or in several passes (the memory plan) they are recomputed from the
projections instead. Either way the findings equal a full rescan's.

Layout of ``DIR``::

    manifest.json         what the state holds (the commit point, replaced atomically)
    segments/<n>.parquet  the projections of the files one run read (``_fid`` per row)
    partials/<n>/<t>.parquet  the same files' partial aggregates, one table ``t`` each
    lock                  held while a scan uses the state (one scan at a time)

A file is known when its path, size, modification time and a digest of its first and
last MiB match the manifest; a file that changed is read again (its old rows are no
longer used), and a file no longer given is dropped from the window and from the state.
The manifest records what shaped the projections (:func:`shape`: extractscan version,
column mapping, preset, co-activity bin); when any of it differs, the state is set aside
and rebuilt, with a note saying why, never mixed. Row filters (``--since`` ...) are
applied when the window is assembled, so a moving ``--since`` reuses the state.

Nothing is changed until :meth:`State.commit`: new segments (and their partials'
folder) are written under ``.part`` names and renamed, then ``manifest.json`` is
replaced in one rename; an interrupted run leaves the previous manifest, and the files
it had written are removed by the next run.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import polars as pl

from extractscan.config import Config
from extractscan.ingest.files import InputFile, path_text
from extractscan.model.errors import UsageError

#: Version of the state layout; a state of another layout is rebuilt (said in the
#: report's note), never mixed. 2: per-file partial aggregates beside the projections.
STATE_FORMAT = 2

#: Bytes digested at each end of a file to tell a changed file of unchanged size and time.
DIGEST_BYTES = 1 << 20

#: A segment is rewritten without its dropped files' rows once fewer than this share of
#: its rows belong to files still in the window.
COMPACT_BELOW = 0.5


def _tool_version() -> str:
    try:
        return version("extractscan")
    except PackageNotFoundError:
        return "0.0.0"


def shape(cfg: Config, preset: str | None) -> dict[str, Any]:
    """What shapes a file's projection: a state built under another shape is rebuilt."""
    return {
        "state_format": STATE_FORMAT,
        "extractscan": _tool_version(),
        "preset": preset,
        "columns": dict(sorted(cfg.columns.items())),
        "co_activity_minutes": cfg.link.co_activity_minutes,
    }


def identity(path: Path) -> tuple[int, int, str]:
    """(size, modification time in ns, digest of the first and last MiB) of ``path``."""
    st = path.stat()
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        h.update(fh.read(DIGEST_BYTES))
        if st.st_size > DIGEST_BYTES:
            fh.seek(max(DIGEST_BYTES, st.st_size - DIGEST_BYTES))
            h.update(fh.read(DIGEST_BYTES))
    return st.st_size, st.st_mtime_ns, h.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One file held in the state: its identity, where its rows are, its mapping."""

    path: str
    size: int
    mtime_ns: int
    digest: str
    fid: int
    segment: str
    rows: int
    mapping: dict[str, str] = field(default_factory=dict)


def _key(f: InputFile) -> str:
    """The manifest key of an input file: its absolute path (bytes kept as escapes)."""
    return os.fsdecode(f.path.absolute())


class State:
    """An opened state directory (locked until :meth:`close`)."""

    def __init__(self, directory: str | Path, wanted: dict[str, Any]) -> None:
        self.dir = Path(directory)
        if self.dir.exists() and not self.dir.is_dir():
            raise UsageError(f"--state {path_text(self.dir)}: not a folder")
        try:
            (self.dir / "segments").mkdir(parents=True, exist_ok=True)
            (self.dir / "partials").mkdir(exist_ok=True)
            self._lock: IO[str] = (self.dir / "lock").open("w")
        except OSError as exc:
            raise UsageError(f"--state {path_text(self.dir)}: cannot use it: {exc}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            raise UsageError(
                f"--state {path_text(self.dir)} is in use by another scan (one at a time)"
            ) from exc
        self.shape = wanted
        self.entries: dict[str, Entry] = {}
        self.segment_rows: dict[str, int] = {}
        self.note: str | None = None
        self.next_fid = 0
        #: The example prompts the last scan showed (hash -> text), kept so the next
        #: scan reads no file for them (a prompt's text is the same wherever it is).
        self.prompts: str | None = None
        self._load()
        self._collect_garbage()

    def _load(self) -> None:
        path = self.dir / "manifest.json"
        if not path.exists():
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            stored = data["shape"]
            entries = [Entry(**e) for e in data["files"]]
            segment_rows = {str(k): int(v) for k, v in data["segments"].items()}
            next_fid = int(data["next_fid"])
            prompts = data.get("prompts")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.note = f"rebuilt: the manifest could not be read ({type(exc).__name__})"
            return
        if stored != self.shape:
            changed = sorted(
                k for k in {*stored, *self.shape} if stored.get(k) != self.shape.get(k)
            )
            why = ", ".join(f"{k} {stored.get(k)!r} -> {self.shape.get(k)!r}" for k in changed)
            self.note = f"rebuilt: built under another {'/'.join(changed)} ({why})"
            return
        missing = sorted({e.segment for e in entries} - {p.name for p in self._segments()})
        if missing:
            self.note = f"rebuilt: segment {missing[0]} is missing from the state"
            return
        held = {p.name for p in self._partials() if p.is_dir()}
        missing = sorted({e.segment for e in entries} - held)
        if missing:
            self.note = f"rebuilt: the partials of segment {missing[0]} are missing from the state"
            return
        self.entries = {e.path: e for e in entries}
        self.segment_rows = segment_rows
        self.next_fid = next_fid
        if isinstance(prompts, str) and self.segment(prompts).is_file():
            self.prompts = prompts

    def _segments(self) -> list[Path]:
        return list((self.dir / "segments").iterdir())

    def _partials(self) -> list[Path]:
        return list((self.dir / "partials").iterdir())

    def _collect_garbage(self) -> None:
        """Remove what no manifest refers to (left by an interrupted run)."""
        live = {e.segment for e in self.entries.values()} | {self.prompts}
        for p in self._segments():
            if p.name not in live:
                p.unlink(missing_ok=True)
        for p in self._partials():
            if p.name not in live:
                shutil.rmtree(p, ignore_errors=True)
        (self.dir / "manifest.json.part").unlink(missing_ok=True)

    def known(self, f: InputFile) -> Entry | None:
        """The entry of ``f`` when the state holds it unchanged, else ``None``."""
        e = self.entries.get(_key(f))
        if e is None:
            return None
        try:
            size, mtime, digest = identity(f.path)
        except OSError:
            return None
        return e if (size, mtime, digest) == (e.size, e.mtime_ns, e.digest) else None

    def segment(self, name: str) -> Path:
        """The path of a stored segment."""
        return self.dir / "segments" / name

    def partials(self, segment: str) -> Path:
        """The folder of a stored segment's partial aggregates (one Parquet a table)."""
        return self.dir / "partials" / segment

    def new_segment(self) -> tuple[str, Path]:
        """A name for this run's segment and the ``.part`` path to write it to."""
        name = f"{self.next_fid:012d}-{os.getpid()}.parquet"
        return name, self.dir / "segments" / (name + ".part")

    def entry(
        self, f: InputFile, fid: int, segment: str, rows: int, mapping: dict[str, str]
    ) -> Entry:
        """The entry of a file read in this run (its identity taken now)."""
        size, mtime, digest = identity(f.path)
        return Entry(_key(f), size, mtime, digest, fid, segment, rows, dict(mapping))

    def cached_prompts(self) -> dict[int, str]:
        """The example prompts kept by the last scan (hash -> text)."""
        if self.prompts is None:
            return {}
        table = pl.read_parquet(self.segment(self.prompts))
        return {int(k): str(v) for k, v in table.iter_rows()}

    def _write_prompts(self, prompts: dict[int, str]) -> str | None:
        if not prompts:
            return None
        name = f"prompts-{self.next_fid:012d}-{os.getpid()}.parquet"
        keys = sorted(prompts)
        pl.DataFrame(
            {"phash": keys, "prompt": [prompts[k] for k in keys]},
            schema={"phash": pl.UInt64, "prompt": pl.String},
        ).write_parquet(self.segment(name + ".part"), compression="zstd")
        self.segment(name + ".part").replace(self.segment(name))
        return name

    def commit(
        self, window: list[Entry], written: str | None, prompts: dict[int, str] | None = None
    ) -> None:
        """Make ``window`` the state: rename this run's segment into place, rewrite
        mostly-dropped segments, keep the example prompts this scan showed (``None``:
        keep the last ones), then replace the manifest (the commit point)."""
        kept_prompts = self.prompts if prompts is None else self._write_prompts(prompts)
        segments = dict(self.segment_rows)
        if written is not None:
            part = self.segment(written + ".part")
            segments[written] = sum(e.rows for e in window if e.segment == written)
            self.partials(written + ".part").replace(self.partials(written))
            part.replace(self.segment(written))
        window = self._compacted(window, segments)
        live = {e.segment for e in window}
        kept_rows = {k: v for k, v in sorted(segments.items()) if k in live}
        data = {
            "shape": self.shape,
            "next_fid": max([self.next_fid - 1, *(e.fid for e in window)]) + 1,
            "segments": kept_rows,
            "files": [asdict(e) for e in window],
            "prompts": kept_prompts,
        }
        tmp = self.dir / "manifest.json.part"
        with tmp.open("w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.dir / "manifest.json")
        self.entries = {e.path: e for e in window}
        self.segment_rows = kept_rows
        self.prompts = kept_prompts
        self._collect_garbage()

    def _compacted(self, window: list[Entry], segments: dict[str, int]) -> list[Entry]:
        """``window`` with each segment mostly made of dropped files' rows rewritten."""
        out = list(window)
        for seg, total in list(segments.items()):
            mine = [e for e in out if e.segment == seg]
            kept = sum(e.rows for e in mine)
            if not mine or total == 0 or kept >= COMPACT_BELOW * total:
                continue
            name = f"{self.next_fid:012d}-{os.getpid()}-c-{seg}"
            fids = pl.Series([e.fid for e in mine], dtype=pl.Int64).implode()
            pl.scan_parquet(self.segment(seg)).filter(pl.col("_fid").is_in(fids)).sink_parquet(
                self.segment(name + ".part"), compression="zstd"
            )
            shutil.rmtree(self.partials(name + ".part"), ignore_errors=True)
            self.partials(name + ".part").mkdir()
            pl.collect_all(
                [
                    pl.scan_parquet(t)
                    .filter(pl.col("_fid").is_in(fids))
                    .sink_parquet(self.partials(name + ".part") / t.name, lazy=True)
                    for t in sorted(self.partials(seg).iterdir())
                ],
                engine="streaming",
            )
            self.partials(name + ".part").replace(self.partials(name))
            self.segment(name + ".part").replace(self.segment(name))
            segments[name] = kept
            out = [Entry(**(asdict(e) | {"segment": name})) if e.segment == seg else e for e in out]
        return out

    def close(self) -> None:
        """Release the lock."""
        with contextlib.suppress(OSError):
            fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
