"""The row stage of an incremental scan (``--state DIR``): read only the files the state
does not hold, store what is kept of them, and aggregate the whole window from the state.

Two steps with one seam each (:mod:`extractscan.features.aggregate`): the new files'
rows become projections (:func:`~extractscan.features.aggregate.projection`, written to
a new segment) and per-file partial aggregates
(:func:`~extractscan.features.aggregate.stored_partials`, written beside it); then the
window's tables are merged from the partials of every file of the window
(:func:`~extractscan.features.aggregate.merged`; under ``--since``/``--until`` see
:func:`merged_window`), or, with ``--org``/``--account`` or in several passes,
:func:`~extractscan.features.aggregate.aggregate` runs over their projections
(``projected=True``) exactly as it runs over the rows of a full scan. The state changes
only when the scan has finished (:meth:`Window.commit`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from extractscan.config import Config
from extractscan.features import aggregate, partials
from extractscan.features.prompts import prompt_texts
from extractscan.ingest import filters
from extractscan.ingest.files import InputFile, path_text
from extractscan.ingest.filters import RowFilter
from extractscan.ingest.opening import Opened, Reading, collect_repairing, open_all, read_plan
from extractscan.model.findings import StateSummary
from extractscan.run.state import Entry, State


@dataclass
class Window:
    """The files of an incremental scan and what the state holds of them."""

    state: State
    #: Every file analysed, in the order given: its entry (from the state or read now).
    files: list[InputFile]
    entries: list[Entry]
    #: The files read in this run (opened), by path, for example prompts.
    opened: dict[Path, Opened]
    #: The segment this run wrote (``None``: no file was read).
    written: str | None
    skipped: list[tuple[str, str]]
    from_state: int
    #: Example prompts kept in the state, and those this scan looked up (to keep).
    cached: dict[int, str]
    looked_up: dict[int, str] | None = None

    @property
    def mappings(self) -> list[dict[str, str]]:
        """The column mapping of each file, as when it was read."""
        return [e.mapping for e in self.entries]

    def rows(self) -> pl.LazyFrame:
        """The window's stored projections, ``_file`` numbered in the window's order."""
        if not self.entries:
            return pl.LazyFrame()
        number = self.number()
        fids = pl.Series(list(number), dtype=pl.Int64)
        rows = self.stored().filter(pl.col("_fid").is_in(fids.implode()))
        return rows.with_columns(
            pl.col("_fid")
            .replace_strict(fids, pl.Series(list(number.values()), dtype=pl.Int32))
            .alias("_file")
        ).drop("_fid")

    def stored(self) -> pl.LazyFrame:
        """The stored projections of the window's segments (every file's, with ``_fid``)."""
        segs = sorted({e.segment for e in self.entries})
        return pl.concat([pl.scan_parquet(self._path(s)) for s in segs], how="vertical")

    def parts(self) -> dict[str, pl.LazyFrame]:
        """The stored partial aggregates of the window's segments, one query a table
        (every file of each segment: :func:`aggregate.merged` keeps the window's)."""
        segs = sorted({e.segment for e in self.entries})
        folders = [self.state.partials(s + (".part" if s == self.written else "")) for s in segs]
        return {t: pl.scan_parquet([f / f"{t}.parquet" for f in folders]) for t in partials.PARTS}

    def number(self) -> dict[int, int]:
        """Each file's ``_fid`` -> its number in the window (``_file``)."""
        return {e.fid: i for i, e in enumerate(self.entries)}

    def _path(self, segment: str) -> Path:
        return self.state.segment(segment + (".part" if segment == self.written else ""))

    def summary(self, note: str | None) -> StateSummary:
        """What the report says about the state."""
        return StateSummary(
            directory=path_text(self.state.dir),
            files_from_state=self.from_state,
            files_read=len(self.files) - self.from_state,
            note=note,
        )

    def prompts(self, how: Reading) -> Callable[[list[int]], dict[int, str]]:
        """Example prompts by hash, read again from the files that hold them only."""

        def texts(keys: list[int]) -> dict[int, str]:
            found = {k: self.cached[k] for k in keys if k in self.cached}
            rest = [k for k in keys if k not in found]
            found |= self._read_prompts(rest, how) if rest else {}
            self.looked_up = found
            return found

        return texts

    def _read_prompts(self, keys: list[int], how: Reading) -> dict[int, str]:
        """Prompts by hash, each read from one file of the window that holds it (a
        prompt's text is the same wherever it is): a file read in this run if one
        holds it, else the first."""
        fresh = [i for i, f in enumerate(self.files) if f.path in self.opened]
        is_fresh = pl.col("_file").is_in(pl.Series(fresh, dtype=pl.Int32).implode())
        held = (
            self.rows()
            .filter(pl.col("phash").is_in(pl.Series(keys, dtype=pl.UInt64).implode()))
            .group_by("phash")
            .agg(pl.col("_file").sort_by(~is_fresh, pl.col("_file")).first())
            .collect(engine="streaming")["_file"]
            .unique()
            .sort()
            .to_list()
        )
        files = [self.files[i] for i in held]
        again = [f for f in files if f.path not in self.opened]
        opened = [self.opened[f.path] for f in files if f.path in self.opened]
        if again:
            opened += open_all(again, how)[0]
        return prompt_texts(read_plan(_renumbered(opened)), keys) if opened else {}

    def commit(self) -> None:
        """Make this window the state (see :meth:`State.commit`)."""
        self.state.commit(self.entries, self.written, self.looked_up)


def _renumbered(opened: Sequence[Opened]) -> list[Opened]:
    return [replace(o, index=i) for i, o in enumerate(opened)]


def read_new(
    state: State,
    found: list[InputFile],
    opened_new: Callable[[list[InputFile]], tuple[list[Opened], list[tuple[str, str]]]],
    how: Reading,
    tell: aggregate.Progress,
) -> Window:
    """Read the files of ``found`` the state does not hold into a new segment.

    No row filter is applied here: the state keeps every row of a file, and the filter
    marks the window's rows (:func:`aggregated`).
    """
    known = {f.path: state.known(f) for f in found}
    fresh = [f for f in found if known[f.path] is None]
    written: str | None = None
    opened: list[Opened] = []
    skipped: list[tuple[str, str]] = []
    new_entries: dict[Path, Entry] = {}
    if fresh:
        tell(f"reading {len(fresh)} new file(s); {len(found) - len(fresh)} from the state", None)
        opened, skipped = opened_new(fresh)
        name, part = state.new_segment()
        base = state.next_fid

        def project(frames: list[Opened]) -> None:
            rows = pl.concat(read_plan(frames), how="vertical")
            aggregate.projection(rows, how.cfg).with_columns(
                (pl.col("_file").cast(pl.Int64) + base).alias("_fid")
            ).drop("_file").sink_parquet(part, compression="zstd")
            # the partials from the stored projection: the regexes ran once, above
            folder = state.partials(name + ".part")
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            stored = pl.scan_parquet(part)
            pl.collect_all(
                [
                    q.sink_parquet(folder / f"{t}.parquet", compression="zstd", lazy=True)
                    for t, q in aggregate.stored_partials(stored).items()
                ],
                engine="streaming",
            )

        if opened:
            _, opened, skipped = collect_repairing(opened, skipped, how, project)
            per_file = dict(pl.scan_parquet(part).group_by("_fid").len().collect().iter_rows())
            written = name
            for o in opened:
                fid = base + o.index
                new_entries[o.file.path] = state.entry(
                    o.file, fid, name, int(per_file.get(fid, 0)), o.mapping
                )
    files: list[InputFile] = []
    entries: list[Entry] = []
    for f in found:
        e = known[f.path] or new_entries.get(f.path)
        if e is not None:
            files.append(f)
            entries.append(e)
    return Window(
        state,
        files,
        entries,
        {o.file.path: o for o in opened},
        written,
        skipped,
        from_state=len(found) - len(fresh),
        cached=state.cached_prompts(),
    )


def aggregated(
    window: Window,
    row_filter: RowFilter,
    org_accounts: list[str],
    cfg: Config,
    tell: aggregate.Progress,
    passes: int,
) -> aggregate.Aggregates:
    """The window's tables, from the state (equal to a full rescan's): merged from the
    per-file partials (:func:`merged_window`), or, with ``--org``/``--account`` (which
    cut inside every file's tables) or in several passes (the memory plan slices the
    rows by account), aggregated from the projections."""
    if passes == 1 and not (row_filter.orgs or row_filter.accounts):
        tell("merging the per-file tables kept in the state", None)
        return merged_window(window, row_filter, tell)
    rows = window.rows().pipe(filters.mark, row_filter, org_accounts)
    # progress names the file whose stored rows are being aggregated
    names = [
        f.path.name + (" (from the state)" if e.segment != window.written else "")
        for f, e in zip(window.files, window.entries, strict=True)
    ]
    return aggregate.aggregate([rows], cfg, tell, names, passes, projected=True)


def merged_window(
    window: Window, row_filter: RowFilter, tell: aggregate.Progress | None = None
) -> aggregate.Aggregates:
    """The window's tables merged from its files' partials, under a time filter
    (``--since``/``--until``) or none.

    A file whose analysed rows all lie inside the filter's times is merged as stored; one
    whose rows all lie outside adds only its row counts (its analysed rows counted as
    filtered) and its rejected rows; the partials of a file across a bound are made
    again from its stored projection with the filter's marks (a moving ``--since`` cuts
    one file a day at most).
    """
    parts, number = window.parts(), window.number()
    if not row_filter.active:
        return aggregate.merged(parts, number, tell)
    spans = (
        parts["behaviour"]
        .group_by("_fid")
        .agg(pl.col("first_seen").min(), pl.col("last_seen").max())
        .collect()
    )
    since, until = row_filter.since, row_filter.until
    # a file without an analysed row has nothing to filter: merged as stored
    inside, outside = set(number), set()
    for fid, lo, hi in spans.iter_rows():
        if fid not in number:
            continue
        if (since is not None and hi < since) or (until is not None and lo >= until):
            inside.discard(fid)
            outside.add(fid)
        elif (since is not None and lo < since) or (until is not None and hi >= until):
            inside.discard(fid)
    across = set(number) - inside - outside

    def of(q: pl.LazyFrame, fids: set[int]) -> pl.LazyFrame:
        return q.filter(pl.col("_fid").is_in(pl.Series(sorted(fids), dtype=pl.Int64).implode()))

    kept = {t: of(q, inside) for t, q in parts.items()}
    filtered = of(parts["counts"], outside).with_columns(
        pl.col("_reject").fill_null(pl.lit(filters.FILTERED))
    )
    kept["counts"] = pl.concat([kept["counts"], filtered])
    kept["rejects"] = of(parts["rejects"], inside | outside)
    if across:
        rows = of(window.stored(), across).pipe(filters.mark, row_filter)
        again = aggregate.stored_partials(rows)
        kept = {t: pl.concat([q, again[t]]) for t, q in kept.items()}
    return aggregate.merged(kept, number, tell)
