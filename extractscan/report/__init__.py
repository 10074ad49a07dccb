"""Report formats, registered in one place (a test checks every module is registered)."""

from __future__ import annotations

from importlib import import_module
from typing import TextIO

from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings
from extractscan.model.registry import FORMAT_CLASSES
from extractscan.report.formats.interface import Report


def _load(spec: str) -> type[Report]:
    module, _, name = spec.partition(":")
    cls: type[Report] = getattr(import_module(module), name)
    return cls


FORMATS: dict[str, type[Report]] = {name: _load(spec) for name, spec in FORMAT_CLASSES.items()}


def render(
    findings: Findings,
    fmt: str,
    stream: TextIO,
    *,
    top: int | None = None,
    quiet: bool = False,
    color: bool = False,
    width: int | None = None,
    min_severity: str | None = None,
) -> None:
    """Render ``findings`` as ``fmt`` (a name of :data:`FORMATS`) to ``stream``.

    Raises:
        UsageError: unknown format.
    """
    try:
        cls = FORMATS[fmt]
    except KeyError:
        raise UsageError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}") from None
    cls().render(
        findings,
        stream,
        top=top,
        quiet=quiet,
        color=color,
        width=width,
        min_severity=min_severity,
    )


__all__ = ["FORMATS", "Report", "render"]
