"""A scan that analyses none of the rows it read is an input error, never a clean run.

A preset or a column mapping that does not fit the file (a Helicone export under
``--preset openai-chat``) rejected every row as ``missing_account`` and exited 0 with
"No incidents found". The error names what the reader looked for and the fields the
file has, so the fix (another preset, or ``--column``) can be read off the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from extractscan.ingest import documents, files
from extractscan.ingest.filters import FILTERED
from extractscan.ingest.opening import Opened
from extractscan.ingest.presets import Preset
from extractscan.model.errors import InputError
from extractscan.model.schema import REQUIRED

#: Fields listed in the message at most.
MAX_LISTED = 40


def require_analysed(
    opened: Sequence[Opened], counts: pl.DataFrame, reader: Preset | None, scratch: Path
) -> None:
    """Raise when rows were read and every one was rejected.

    Args:
        opened: the files read, in ``_file`` order.
        counts: rows per (``_file``, ``_reject``) with ``n``.
        reader: the preset used, if any.
        scratch: the scan's scratch folder (where compressed inputs were expanded).

    Raises:
        InputError: naming the first file read, the reasons, the fields looked for and
            the fields the file has.
    """
    if not opened or counts.height == 0:
        return
    read = int(counts["n"].sum())
    rejected = counts.filter(pl.col("_reject").is_not_null() & (pl.col("_reject") != FILTERED))
    if read == 0 or int(rejected["n"].sum()) < read:
        return
    reasons = (
        rejected.group_by("_reject")
        .agg(pl.col("n").sum())
        .sort(["n", "_reject"], descending=[True, False])
    )
    why = ", ".join(f"{n:,} {r}" for r, n in reasons.iter_rows())
    first = opened[int(counts.sort("_file")["_file"][0])]
    if reader is not None:
        looked = reader.looks_for
        what = f"--preset {reader.name}"
    else:
        looked = {c: (first.mapping[c],) for c in REQUIRED if c in first.mapping}
        what = "the column mapping"
    sought = "; ".join(f"{c} in {', '.join(srcs)}" for c, srcs in looked.items())
    f = first.file
    try:
        if f.uri is not None:  # read by a Spark task: the columns it found
            fields = first.schema.names()
        else:
            # the records as they were read (a JSON document's, under its wrapper key)
            src, plain = files.by_content(f, files.plain_path(f, scratch), scratch)
            fields = documents.sample_fields(plain, src.format)
    except (OSError, InputError):
        fields = []
    shown = ", ".join(files.path_text(x)[:60] for x in fields[:MAX_LISTED])
    more = " …" if len(fields) > MAX_LISTED else ""
    raise InputError(
        f"{f.uri or f.path}: {what} analysed 0 of {read:,} rows ({why}): it looks for {sought}; "
        f"the file's fields: {shown or '(none found)'}{more}. Another --preset may fit, "
        "or map a field with --column account=FIELD (a path such as userIdentity.arn works)"
    )
