"""Row filters: ``--since``, ``--until``, ``--org`` and ``--account`` narrow a scan.

The filter is applied lazily to each canonical frame right after normalize
(:func:`mark`). A row outside it is not dropped: its ``_reject`` is set to
:data:`FILTERED`, so the row stage leaves it out of every per-account table exactly as
it leaves out a rejected row, yet still counts it (rows per file and reason). The
summary then reports it as filtered, not rejected: rows read = analysed + rejected +
filtered. A dropped row (``LazyFrame.filter``) would be lost from that count, and
counting it in a second query would read the input twice.

A row already rejected (no account, bad timestamp, bad tokens) stays rejected: whether
it lies inside the window cannot be told without a valid timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from extractscan.model.errors import UsageError

#: ``_reject`` of a row outside the filter (counted as filtered, never as rejected).
FILTERED = "_filtered"

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_when(text: str | datetime, *, option: str, end: bool = False) -> datetime:
    """An ISO-8601 date or time as an aware UTC datetime (naive times are UTC).

    A bare date given as an end (``--until 2026-04-28``) means the end of that day
    (the next midnight, exclusive), so the whole day is in.

    Raises:
        UsageError: not an ISO date or time.
    """
    if isinstance(text, datetime):
        return text.replace(tzinfo=UTC) if text.tzinfo is None else text.astimezone(UTC)
    raw = text.strip()
    try:
        when = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"{option}: {text!r} is not an ISO date or time such as 2026-04-22 or "
            "2026-04-22T08:00:00Z"
        ) from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if end and _DATE.match(raw):
        when += timedelta(days=1)
    return when


@dataclass(frozen=True)
class RowFilter:
    """Which rows a scan analyses: ``since <= timestamp < until``, the org and the
    account among those given (empty: any)."""

    since: datetime | None = None
    until: datetime | None = None
    orgs: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        orgs: Iterable[str] = (),
        accounts: Iterable[str] = (),
    ) -> RowFilter:
        """A filter from user values (ISO text or datetimes).

        Raises:
            UsageError: a time is not ISO-8601, or ``since`` is not before ``until``.
        """
        lo = parse_when(since, option="--since") if since is not None else None
        hi = parse_when(until, option="--until", end=True) if until is not None else None
        if lo is not None and hi is not None and lo >= hi:
            raise UsageError(f"--since {lo:%Y-%m-%d %H:%M:%S} is not before --until {hi}")
        return cls(lo, hi, tuple(sorted(set(orgs))), tuple(sorted(set(accounts))))

    @property
    def active(self) -> bool:
        """Whether the filter excludes anything at all."""
        return bool(self.since or self.until or self.orgs or self.accounts)

    def describe(self) -> tuple[tuple[str, str], ...]:
        """(name, value) of each part in use, for the report header."""
        out: list[tuple[str, str]] = []
        if self.since is not None:
            out.append(("since", _iso(self.since)))
        if self.until is not None:
            out.append(("until", _iso(self.until)))
        if self.orgs:
            out.append(("org", ", ".join(self.orgs)))
        if self.accounts:
            out.append(("account", ", ".join(self.accounts)))
        return tuple(out)

    def keep(self, org_accounts: Sequence[str] | None = None) -> pl.Expr:
        """Whether a canonical row is inside the filter.

        Args:
            org_accounts: accounts whose org (in the ``--accounts`` table) is one of
                ``orgs``; a row counts as in the org when its own ``org`` is, or its
                account is one of these.
        """
        parts: list[pl.Expr] = []
        ts = pl.col("timestamp")
        if self.since is not None:
            parts.append(ts >= pl.lit(self.since, dtype=pl.Datetime("us", "UTC")))
        if self.until is not None:
            parts.append(ts < pl.lit(self.until, dtype=pl.Datetime("us", "UTC")))
        if self.orgs:
            in_org = pl.col("org").is_in(pl.Series(self.orgs, dtype=pl.String).implode())
            if org_accounts:
                listed = pl.Series(list(org_accounts), dtype=pl.String).implode()
                in_org = in_org | pl.col("account").is_in(listed)
            parts.append(in_org.fill_null(False))
        if self.accounts:
            listed = pl.Series(self.accounts, dtype=pl.String).implode()
            parts.append(pl.col("account").is_in(listed))
        return pl.all_horizontal(parts) if parts else pl.lit(True)


def mark(
    frame: pl.LazyFrame, row_filter: RowFilter, org_accounts: Sequence[str] | None = None
) -> pl.LazyFrame:
    """``frame`` (canonical, after normalize) with the rows outside ``row_filter``
    marked :data:`FILTERED` in ``_reject`` (rows already rejected keep their reason)."""
    if not row_filter.active:
        return frame
    outside = pl.col("_reject").is_null() & ~row_filter.keep(org_accounts).fill_null(False)
    return frame.with_columns(
        pl.when(outside).then(pl.lit(FILTERED)).otherwise(pl.col("_reject")).alias("_reject")
    )


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
