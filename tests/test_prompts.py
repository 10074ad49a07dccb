"""Example prompts looked up by hash (features/prompts.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from extractscan.features.behaviour import prompt_hash
from extractscan.features.prompts import prompt_texts


def _key(text: str) -> int:
    return int(pl.select(prompt_hash(pl.lit(text))).item())


def _frame(*prompts: str | None) -> pl.LazyFrame:
    return pl.LazyFrame({"prompt": list(prompts)}, schema={"prompt": pl.String})


def test_found_in_any_frame_and_missing_left_out() -> None:
    frames = [_frame("a", None), _frame("b"), _frame("c", "d"), _frame("e")]
    keys = [_key("e"), _key("a"), _key("zz"), _key("a")]
    assert prompt_texts(frames, keys) == {_key("a"): "a", _key("e"): "e"}
    assert prompt_texts(frames, []) == {}
    assert prompt_texts([], keys) == {}


def test_frames_after_the_last_hash_found_are_not_read(tmp_path: Path) -> None:
    # the third frame is read with the second (batches of 1, 2, 4...); the fourth, a
    # file that does not exist, would raise if it were read
    missing = pl.scan_parquet(tmp_path / "missing.parquet")
    frames = [_frame("a"), _frame("b"), _frame("c"), missing]
    assert prompt_texts(frames, [_key("c"), _key("a")]) == {_key("a"): "a", _key("c"): "c"}
