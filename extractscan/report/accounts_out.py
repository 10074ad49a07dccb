"""Write result tables (``--accounts-out``, ``--rejects-out``) as Parquet or CSV.

CSV string cells are cleaned and defused against spreadsheet formulas (OWASP CSV
injection) with polars expressions, the same rules as :func:`extractscan.report.escape.for_csv`
(invisible characters shown as markers, not deleted).
"""

from __future__ import annotations

from collections.abc import Callable
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


#: Rows per batch when a table is copied from a file (:func:`copy_table`).
COPY_BATCH = 100_000


def copy_table(
    source: str | Path,
    path: str | Path,
    like: str | Path | None = None,
    mask: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
) -> int:
    """Write the Parquet table at ``source`` to ``path`` as :func:`write_table` would,
    :data:`COPY_BATCH` rows at a time (``mask`` applied to each), so a table of
    millions of rejected rows is never whole in memory. Returns the rows written.

    Raises:
        UsageError: ``like`` (or ``path``) ends in neither .parquet nor .csv.
    """
    import pyarrow.parquet as pq

    suffix = Path(like if like is not None else path).suffix.lower()
    if suffix not in (".parquet", ".csv"):
        raise UsageError(f"{like or path}: --rejects-out must end in .parquet or .csv")
    reader = pq.ParquetFile(source)
    rows = 0
    writer: pq.ParquetWriter | None = None
    with Path(path).open("wb") as fh:

        def write(batch: pl.DataFrame) -> None:
            nonlocal rows, writer
            batch = mask(batch) if mask is not None else batch
            if suffix == ".csv":
                strings = [c for c, t in batch.schema.items() if t == pl.String]
                batch.with_columns(csv_safe(pl.col(c)).alias(c) for c in strings).write_csv(
                    fh, include_header=rows == 0
                )
            else:
                table = batch.to_arrow()
                writer = writer or pq.ParquetWriter(fh, table.schema)
                writer.write_table(table.cast(writer.schema))
            rows += batch.height

        for batch in reader.iter_batches(batch_size=COPY_BATCH):
            if batch.num_rows:
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)
                write(frame)
        if not rows:  # the header (the schema) of an empty table
            write(pl.DataFrame(schema=pl.read_parquet_schema(source)))
        if writer is not None:
            writer.close()
    return rows
