"""NumPy's huge-page advice, turned off while a scan runs.

On Linux NumPy marks every array of 4 MiB or more ``madvise(MADV_HUGEPAGE)``. Where the
kernel's transparent-huge-page ``defrag`` setting is ``madvise`` (a common default), the
first touch of such memory may stall in synchronous compaction and reclaim while the
kernel looks for a free huge page, and the advice stays on the memory after NumPy frees
it (NumPy issue #31590). The scan's arrays are written once or twice, so huge pages
save little; the stalls cost much. Measured on the 28.8M-row world (linking alone, its
saved inputs, 3 alternations in one process, ``benchmarks/RESULTS.md``): system CPU
4.2-4.5 s with the advice, 2.9-3.0 s without; the stage 11.2-11.4 s against 10.4-10.7 s.

A user who set ``NUMPY_MADVISE_HUGEPAGE`` keeps NumPy's own choice; so does a NumPy
without the (private) switch.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: The environment variable NumPy reads at import (``0``: no huge-page advice).
ENV_VAR = "NUMPY_MADVISE_HUGEPAGE"

_lock = threading.Lock()
_depth = 0
_before = True


def _switch() -> Callable[[bool], bool] | None:
    """NumPy's ``_set_madvise_hugepage`` (returns the previous setting), or None."""
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x
        try:
            from numpy.core import multiarray  # type: ignore[no-redef]
        except ImportError:
            return None
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    return switch if callable(switch) else None


@contextmanager
def no_huge_page_advice() -> Iterator[None]:
    """NumPy gives no huge-page advice inside the block (nested and concurrent blocks
    share one setting; the first in turns it off, the last out restores it), unless
    :data:`ENV_VAR` is set."""
    global _depth, _before
    switch = None if ENV_VAR in os.environ else _switch()
    if switch is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _before = bool(switch(False))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                switch(_before)
