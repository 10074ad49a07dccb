"""Exit codes and the click exceptions that carry a library error's exit code."""

from __future__ import annotations

import click

from extractscan.model.errors import ExtractscanError

EXIT_OK, EXIT_FAIL_ON, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL, EXIT_SKIPPED = 0, 1, 2, 3, 4, 5
#: Out of memory (a Python ``MemoryError``, or a ``ulimit -v`` below what a scan needs).
EXIT_MEMORY = 6
#: Ctrl-C (128 + SIGINT, as shells report it); SIGTERM gives 143 and SIGHUP 129 likewise.
EXIT_INTERRUPTED = 130


def pl_panic() -> type[BaseException]:
    """polars' PanicException (a BaseException: ``except Exception`` misses it)."""
    import polars as pl

    return pl.exceptions.PanicException


class UsageFailure(click.ClickException):
    """A library usage/config error: ``Error: ...``, exit code 2."""

    exit_code = EXIT_USAGE


class InputFailure(click.ClickException):
    """A library input error: ``Error: ...``, exit code 3."""

    exit_code = EXIT_INPUT


class MemoryFailure(click.ClickException):
    """Out of memory: ``Error: ...``, exit code 6."""

    exit_code = EXIT_MEMORY


def ScanError(exc: ExtractscanError) -> click.ClickException:  # noqa: N802 - reads as a class
    """The click exception for a library error, with the library's exit code."""
    from extractscan.report.escape import clean

    cls = {EXIT_USAGE: UsageFailure, EXIT_MEMORY: MemoryFailure}.get(exc.exit_code, InputFailure)
    return cls(clean(str(exc)))
