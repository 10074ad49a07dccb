"""Duplicate column names: which column a row's account is read from is never a silent
choice.

A CSV header may name two columns alike (two ``prompt``, two ``customer_id``); polars
reads the second as ``prompt_duplicated_0``, and the mapping would take the first
without a word. When the name the mapping chose for a canonical column has such a
twin, the file is refused with both column positions, unless ``--column`` (or the
config's ``[columns]``) names the one to use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractscan.model.errors import InputError

#: How polars names the second, third ... column of one name in a CSV header.
_TWIN = re.compile(r"^(?P<base>.+)_duplicated_(?P<k>\d+)$")


def twins(columns: Sequence[str]) -> dict[str, list[int]]:
    """Column name -> the 0-based positions of every column read under that header
    name (only names that occur more than once)."""
    seen: dict[str, list[int]] = {}
    present = set(columns)
    for i, c in enumerate(columns):
        m = _TWIN.match(c)
        base = m.group("base") if m and m.group("base") in present else c
        seen.setdefault(base, []).append(i)
    return {name: pos for name, pos in seen.items() if len(pos) > 1}


def check(
    columns: Sequence[str], mapping: dict[str, str], explicit: dict[str, str], where: str
) -> None:
    """Refuse a file whose mapped column shares its name with another column.

    Args:
        columns: the columns as read (polars' names, in file order).
        mapping: ``{canonical: source}`` chosen for the file.
        explicit: the user's ``--column`` mapping (a choice made there is kept).
        where: the file, for the message.

    Raises:
        InputError: naming the file, the canonical field and both column positions
            (1-based), and how to choose one.
    """
    dup = twins(columns)
    for canonical, source in mapping.items():
        if canonical in explicit:
            continue
        m = _TWIN.match(source)
        base = m.group("base") if m and m.group("base") in dup else source
        if base not in dup:
            continue
        positions = dup[base]
        cols = " and ".join(str(p + 1) for p in positions)
        choices = " or ".join(f"--column {canonical}={columns[p]}" for p in positions)
        raise InputError(
            f"{where}: columns {cols} are both named {base!r}, which maps to {canonical!r}: "
            f"which one to use must not be a silent choice; choose with {choices} "
            "(columns in file order)"
        )
