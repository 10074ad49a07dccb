"""Library errors. The CLI maps each to an exit code; the library never exits."""

from __future__ import annotations

#: Longest message an error carries: a 50 MB first line (a header, a JSON key) made a
#: 50 MB message. Longer ones keep their start (the file) and end (the hint), cut by "…".
MAX_MESSAGE = 1_000


def shorten(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text``, or its first and last characters around " … " if it is past ``limit``."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return f"{text[: limit - tail - 3]} … {text[-tail:]}"


class ExtractscanError(Exception):
    """Base class of every error extractscan raises on purpose; the message is cut to
    :data:`MAX_MESSAGE` characters (:func:`shorten`)."""

    exit_code = 3

    def __init__(self, message: str = "") -> None:
        super().__init__(shorten(str(message)))


class UsageError(ExtractscanError):
    """Bad options or configuration (exit code 2)."""

    exit_code = 2


class InputError(ExtractscanError):
    """An input file cannot be read or lacks what the scan needs (exit code 3)."""

    exit_code = 3


class OutOfMemory(ExtractscanError):
    """The scan ran out of memory or address space, or would (exit code 6)."""

    exit_code = 6
