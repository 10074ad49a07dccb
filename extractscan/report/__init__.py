"""Report formats, registered in one place (a test checks every module is registered)."""

from __future__ import annotations

from typing import TextIO

from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings
from extractscan.report.formats.interface import Report
from extractscan.report.formats.json_report import JsonReport
from extractscan.report.formats.markdown import MarkdownReport
from extractscan.report.formats.terminal import TerminalReport

FORMATS: dict[str, type[Report]] = {
    "terminal": TerminalReport,
    "json": JsonReport,
    "markdown": MarkdownReport,
}


def render(
    findings: Findings,
    fmt: str,
    stream: TextIO,
    *,
    top: int | None = None,
    quiet: bool = False,
    color: bool = False,
    width: int | None = None,
) -> None:
    """Render ``findings`` as ``fmt`` ("terminal", "json" or "markdown") to ``stream``.

    Raises:
        UsageError: unknown format.
    """
    try:
        cls = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}") from None
    cls().render(findings, stream, top=top, quiet=quiet, color=color, width=width)


__all__ = ["FORMATS", "Report", "render"]
