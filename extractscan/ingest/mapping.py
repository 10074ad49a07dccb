"""Map a file's own column names onto the canonical schema.

Order of precedence for each canonical column: an explicit mapping (``--column`` or the
config's ``[columns]`` table), the canonical name itself, then the known aliases of
:data:`extractscan.model.schema.ALIASES`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from functools import lru_cache

from extractscan.model.errors import InputError
from extractscan.model.schema import ALIASES, normalise_name


def resolve(
    columns: Sequence[str],
    wanted: Sequence[str],
    required: Sequence[str],
    explicit: dict[str, str],
    where: str,
) -> dict[str, str]:
    """Return ``{canonical: source}`` for every ``wanted`` column that can be found.

    Args:
        columns: the columns the file has.
        wanted: canonical columns to look for.
        required: canonical columns that must be found.
        explicit: user mapping ``{canonical: source}``; only entries in ``wanted`` apply.
        where: file name for error messages.

    Raises:
        InputError: an explicitly mapped or a required column is missing; the message
            names the file, the columns found and the closest matches.
    """
    try:  # thousands of files of one shape: mapped once (normalising names cost 0.2 ms)
        return dict(_resolved(tuple(columns), tuple(wanted), tuple(required), _items(explicit)))
    except InputError:
        return _resolve(columns, wanted, required, explicit, where)


def _items(explicit: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(explicit.items()))


@lru_cache(maxsize=256)
def _resolved(
    columns: tuple[str, ...],
    wanted: tuple[str, ...],
    required: tuple[str, ...],
    explicit: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str], ...]:
    return tuple(_resolve(columns, wanted, required, dict(explicit), "").items())


def _resolve(
    columns: Sequence[str],
    wanted: Sequence[str],
    required: Sequence[str],
    explicit: dict[str, str],
    where: str,
) -> dict[str, str]:
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(normalise_name(c), c)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for canonical in wanted:
        if canonical in explicit:
            source = explicit[canonical]
            if source not in columns:
                raise InputError(missing(where, canonical, columns, source, explicit=True))
            mapping[canonical] = source
            used.add(source)
    for canonical in wanted:
        if canonical in mapping:
            continue
        for name in (canonical, *ALIASES.get(canonical, ())):
            # the exact name first: a file with "ACCOUNT" and "account" maps "account"
            found = name if name in columns else by_norm.get(normalise_name(name))
            if found is not None and found not in used:
                mapping[canonical] = found
                used.add(found)
                break
    for canonical in required:
        if canonical not in mapping:
            taken = _taken(where, canonical, columns, explicit)
            raise InputError(taken or missing(where, canonical, columns, canonical, explicit=False))
    return mapping


def _cut(name: str, limit: int = 60) -> str:
    """A column name for a message: at most ``limit`` characters, cut with "…"."""
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _taken(
    where: str, canonical: str, columns: Sequence[str], explicit: dict[str, str]
) -> str | None:
    """The message for a required column whose own name (or alias) is in the file but
    mapped to another canonical column by ``--column``, if that is why it is missing."""
    names = {normalise_name(n) for n in (canonical, *ALIASES.get(canonical, ()))}
    for other, source in explicit.items():
        if other != canonical and source in columns and normalise_name(source) in names:
            return (
                f"{where}: required column {canonical!r}: the file's column {_cut(source)!r} "
                f"is mapped to {other} (--column {other}={_cut(source)}); map {canonical} "
                f"too with --column {canonical}=SOURCE"
            )
    return None


#: Words of alias names too common to suggest a column by (``user_agent`` is no account).
_GENERIC = frozenset({"id", "at", "name", "address", "code", "time", "date", "agent", "key"})


def _words(name: str) -> list[str]:
    """A column name's words, lower case (split at separators and camelCase)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def missing(
    where: str, canonical: str, columns: Sequence[str], asked: str, *, explicit: bool
) -> str:
    """The message for a column not found: the file, what was asked, the columns found
    (sorted), the closest ones and how to map one."""
    # a column that is another canonical column's name or alias (user_agent) is never
    # suggested for this one
    others = {
        normalise_name(n)
        for other, aliases in ALIASES.items()
        if other != canonical
        for n in (other, *aliases)
    }
    pool = {normalise_name(c): c for c in sorted(columns) if normalise_name(c) not in others}
    names = [asked, *ALIASES.get(canonical, ())]
    # first a column with one of the words of the canonical name or its aliases in its
    # name (external_user, request_user_id for account), then the closest spellings
    words = {w for n in names for w in _words(n)} - _GENERIC
    close = [c for c in pool.values() if words & set(_words(c))]
    for n in names:
        for m in difflib.get_close_matches(normalise_name(n), list(pool), n=3, cutoff=0.6):
            if pool[m] not in close:
                close.append(pool[m])
    ordered = sorted(columns)
    found = ", ".join(_cut(c) for c in ordered[:40]) + (" …" if len(columns) > 40 else "")
    what = (
        f"column {asked!r} mapped to {canonical!r} not found"
        if explicit
        else f"required column {canonical!r} not found"
    )
    hint = f"; closest: {', '.join(_cut(c) for c in close[:3])}" if close else ""
    fix = f"; map it with --column {canonical}=SOURCE"
    return f"{where}: {what}; columns found: {found or '(none)'}{hint}{fix}"
