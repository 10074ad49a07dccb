"""The report interface: every output format renders the same :class:`Findings`."""

from __future__ import annotations

from typing import Protocol, TextIO

from extractscan.model.findings import Findings


class Report(Protocol):
    """An output format. Implementations escape all log text via extractscan.report.escape."""

    name: str

    def render(
        self,
        findings: Findings,
        stream: TextIO,
        *,
        top: int | None,
        quiet: bool,
        color: bool,
        width: int | None,
        min_severity: str | None = None,
    ) -> None:
        """Write the report for ``findings`` to ``stream``.

        ``min_severity``: incidents below it are summarised in one line each (``None``:
        the findings' flag severity); ``top`` caps the full sections of the others.
        """
        ...
