"""Address space: what the CLI reserves before any work, so a ``ulimit -v`` holds.

Measured on the 40,000-row sample (issue #16 item 12, 2 cores): the scan reserved
1.49 GB of address space before reading a row, 0.77 GB of it glibc's per-thread malloc
arenas (64 MiB each, reserved as soon as one of polars', Arrow's, OpenBLAS's or
OpenMP's threads first allocates; up to 8 per core) and about 0.1 GB OpenBLAS's
per-thread buffers. Under ``ulimit -v 1500000`` the next allocation failed inside
polars, which aborts the process (SIGABRT, exit 134). Capping the arenas at two and
OpenBLAS at one thread (the behavioural clustering does no linear algebra worth a
thread pool) brings the reservation to about 0.6 GB; the resident memory is the same.

Both are set only when the user has not set them, and before any of those libraries
is imported (:func:`limit_reservations` runs first in the CLI's entry point).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

from extractscan.model.errors import shorten
from extractscan.run.memory import address_space_limit

#: glibc's mallopt parameter for the arena cap (malloc.h).
M_ARENA_MAX = -8
#: Arenas kept: one for the main thread and one shared by all others.
ARENA_MAX = 2
#: The thread-count variables set when unset (read by OpenBLAS as it loads).
THREAD_VARS = {"OPENBLAS_NUM_THREADS": "1"}
#: About the smallest ``ulimit -v`` the 40,000-row sample scan runs in, in bytes
#: (measured: 1,100,000 KiB runs, 1,000,000 KiB now runs and now aborts, 900,000 KiB
#: aborts; a one-row log runs in 600,000 KiB). A lower limit is warned about up front:
#: past it polars aborts (SIGABRT, exit 134) when an allocation fails, and a thread it
#: could not start may leave it waiting.
MIN_ADDRESS_SPACE = 1_100_000 * 1024


def limit_reservations() -> None:
    """Cap glibc's malloc arenas and OpenBLAS's threads unless the user set them."""
    for name, value in THREAD_VARS.items():
        os.environ.setdefault(name, value)
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    except (OSError, AttributeError):  # not glibc (musl has no arenas to cap)
        return


def address_space_warning() -> str | None:
    """A warning when ``ulimit -v`` is below :data:`MIN_ADDRESS_SPACE`, else ``None``."""
    limit = address_space_limit()
    if limit is None or limit >= MIN_ADDRESS_SPACE:
        return None
    return shorten(
        f"warning: ulimit -v is {limit // 1024:,} KiB, below the about "
        f"{MIN_ADDRESS_SPACE // 1024:,} KiB of address space a scan of a few thousand rows "
        "needs (libraries and thread pools reserve about 0.6 GB before a row is read); "
        "if it runs out, polars aborts the scan (exit 134): raise ulimit -v"
    )


def out_of_memory() -> str:
    """The message of a scan that ran out of memory (exit code 6)."""
    limit = address_space_limit()
    said = f" (ulimit -v is {limit // 1024:,} KiB)" if limit is not None else ""
    return (
        f"Error: out of memory{said}: give the scan more memory, or lower --memory-limit "
        "so it reads the rows in more passes, or scan fewer files at a time"
    )


#: What the loader says when a library cannot be mapped for want of address space
#: (scikit-learn's import under a low ``ulimit -v`` surfaced as "scipy is broken").
_NO_SPACE = ("failed to map segment", "cannot allocate memory")


def ran_out(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it came from) is running out of memory: a
    ``MemoryError``, or a library that could not be loaded for want of address space."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, MemoryError) or (
            isinstance(cur, ImportError | OSError) and any(s in str(cur).lower() for s in _NO_SPACE)
        ):
            return True
        cur = cur.__cause__ or cur.__context__
    return False
