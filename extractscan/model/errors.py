"""Library errors. The CLI maps each to an exit code; the library never exits."""

from __future__ import annotations


class ExtractscanError(Exception):
    """Base class of every error extractscan raises on purpose."""

    exit_code = 3


class UsageError(ExtractscanError):
    """Bad options or configuration (exit code 2)."""

    exit_code = 2


class InputError(ExtractscanError):
    """An input file cannot be read or lacks what the scan needs (exit code 3)."""

    exit_code = 3
