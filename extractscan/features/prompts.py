"""Example prompts: the text of a few prompts, looked up by hash after the scan."""

from __future__ import annotations

import polars as pl

from extractscan.features.behaviour import prompt_hash


def prompt_texts(frames: list[pl.LazyFrame], keys: list[int]) -> dict[int, str]:
    """The text of the prompts with these hashes (a second, narrow read of the input).

    Only the few example prompts a report shows are looked up, so no prompt text is
    held per account or per template during the scan.
    """
    if not keys:
        return {}
    h = prompt_hash(pl.col("prompt"))
    # Rejected rows are not filtered out: a prompt with the same hash has the same text
    # wherever it is, and reading the prompt column alone skips the row checks.
    found = (
        pl.concat(frames, how="vertical")
        .select("prompt")
        .filter(h.is_in(pl.Series(keys, dtype=pl.UInt64).implode()))
        .group_by(h.alias("key"))
        .agg(pl.col("prompt").first())
        .collect(engine="streaming")
    )
    return {int(k): str(p) for k, p in found.iter_rows()}
