"""The input summary of a scan: rows read, analysed and rejected per file, the column
mapping used and the signals switched off for want of a column."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.config import Config
from extractscan.ingest.files import InputFile, shown
from extractscan.ingest.filters import FILTERED, RowFilter
from extractscan.model.findings import AccountsTable, FileSummary, InputSummary, StateSummary
from extractscan.model.schema import SIGNAL_REQUIREMENTS


def input_summary(
    files: list[InputFile],
    counts: pl.DataFrame,
    accounts: pl.DataFrame,
    mappings: list[dict[str, str]],
    acc_mapping: dict[str, str],
    accounts_path: str | Path | None,
    flagged: int,
    skipped: tuple[tuple[str, str], ...] = (),
    *,
    signals_sampled: tuple[tuple[str, str], ...] = (),
    passes: int = 1,
    accounts_table: AccountsTable | None = None,
    config: Config | None = None,
    row_filter: RowFilter | None = None,
    state: StateSummary | None = None,
) -> InputSummary:
    """The :class:`InputSummary` of a scan from its row counts and accounts."""
    per_file = []
    filtered_rows = pl.col("_reject") == FILTERED
    rejected_rows = pl.col("_reject").is_not_null() & ~filtered_rows
    # one group-by, not a filter per file (quadratic: 20,000 files took 6.5 s here)
    by_file = counts.group_by("_file").agg(
        pl.col("n").sum().alias("read"),
        pl.col("n").filter(rejected_rows).sum().alias("rejected"),
        pl.col("n").filter(filtered_rows).sum().alias("out"),
    )
    totals = {int(i): (int(r), int(j), int(o)) for i, r, j, o in by_file.iter_rows()}
    for i, f in enumerate(files):
        read, rejected, out = totals.get(i, (0, 0, 0))
        per_file.append(FileSummary(shown(f), f.label, read, read - rejected - out, rejected, out))
    reasons = (
        counts.filter(rejected_rows)
        .group_by("_reject")
        .agg(pl.col("n").sum())
        .sort(["n", "_reject"], descending=[True, False])
    )
    used: dict[str, list[str]] = {}
    for m in [*mappings, acc_mapping]:
        for canonical, source in m.items():
            used.setdefault(canonical, [])
            if source not in used[canonical]:
                used[canonical].append(source)
    available = set(used)
    off = tuple(
        (signal, "missing column(s): " + ", ".join(c for c in need if c not in available))
        for signal, need in SIGNAL_REQUIREMENTS.items()
        if not all(c in available for c in need)
    )
    read = sum(f.rows_read for f in per_file)
    rejected = sum(f.rows_rejected for f in per_file)
    filtered = sum(f.rows_filtered for f in per_file)
    return InputSummary(
        files=tuple(per_file),
        rows_read=read,
        rows_analysed=read - rejected - filtered,
        rows_rejected=rejected,
        rejected_by_reason=tuple((str(r), int(n)) for r, n in reasons.iter_rows()),
        first_seen=accounts["first_seen"].min() if accounts.height else None,  # type: ignore[arg-type]
        last_seen=accounts["last_seen"].max() if accounts.height else None,  # type: ignore[arg-type]
        accounts_seen=accounts.height,
        accounts_flagged=flagged,
        column_mapping=tuple((c, " | ".join(s)) for c, s in sorted(used.items())),
        accounts_file=str(accounts_path) if accounts_path is not None else None,
        signals_off=off,
        files_skipped=skipped,
        rows_with_replaced_bytes=int(counts["replaced"].sum()),
        signals_sampled=signals_sampled,
        passes=passes,
        accounts_table=accounts_table,
        config_file=config.source if config is not None else None,
        config_implicit=config is not None and config.source_implicit,
        rows_filtered=filtered,
        filters=row_filter.describe() if row_filter is not None else (),
        state=state,
    )
