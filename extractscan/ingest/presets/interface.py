"""The preset interface: one real export format mapped onto the canonical schema."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from extractscan.ingest.files import InputFile
from extractscan.model.schema import PRESET_REJECT

__all__ = ["PRESET_REJECT", "Preset"]


class Preset(Protocol):
    """A reader for one gateway or cloud log format.

    ``read`` returns a lazy frame whose columns are canonical names (any subset of
    :data:`extractscan.model.schema.REQUEST_COLUMNS`, text or native dtypes; normalize casts
    them) and optionally :data:`PRESET_REJECT`. It must keep one output row per input
    record so that rows read = analysed + rejected.
    """

    name: str
    summary: str
    docs_url: str
    #: The fields the required canonical columns are read from (named in the error for
    #: a file of which no row could be analysed).
    looks_for: dict[str, tuple[str, ...]]

    def read(self, f: InputFile, path: Path) -> pl.LazyFrame:
        """Open ``path`` (the plain, decompressed file behind ``f``) lazily."""
        ...
