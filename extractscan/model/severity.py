"""Severity levels, lowest first (declared once; no data libraries needed)."""

from __future__ import annotations

SEVERITIES: tuple[str, ...] = ("low", "medium", "high", "critical")


def severity_rank(level: str) -> int:
    """Order of a severity level (``low`` = 0 ... ``critical`` = 3)."""
    return SEVERITIES.index(level)
