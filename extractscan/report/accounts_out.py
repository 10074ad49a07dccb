"""Write result tables (``--accounts-out``, ``--rejects-out``) as Parquet or CSV.

CSV string cells are cleaned and defused against spreadsheet formulas (OWASP CSV
injection) with polars expressions, the same rules as :func:`extractscan.report.escape.for_csv`
(invisible characters shown as markers, not deleted).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.model.errors import UsageError
from extractscan.report.escape import clean_column


def csv_safe(col: pl.Expr) -> pl.Expr:
    """Polars twin of :func:`extractscan.report.escape.for_csv` for a whole column."""
    s = clean_column(col)
    return pl.when(s.str.contains(r"^ *[=+\-@\t\r]")).then("'" + s).otherwise(s)


def write_table(df: pl.DataFrame, path: str | Path, like: str | Path | None = None) -> None:
    """Write a result table (accounts, rejected rows) to ``path`` (``.parquet`` or ``.csv``).

    Args:
        df: the table.
        path: where to write it.
        like: the name that decides the format when ``path`` is a temporary file
            written in its place (default: ``path``).

    Raises:
        UsageError: any other extension.
    """
    p = Path(path)
    suffix = Path(like if like is not None else path).suffix.lower()
    if suffix == ".parquet":
        df.write_parquet(p)
    elif suffix == ".csv":
        strings = [c for c, t in df.schema.items() if t == pl.String]
        df.with_columns(csv_safe(pl.col(c)).alias(c) for c in strings).write_csv(p)
    else:
        raise UsageError(f"{like or p}: --accounts-out must end in .parquet or .csv")
