"""Progress on stderr: the stage being run, elapsed time and rows counted so far."""

from __future__ import annotations

import sys
import time
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn


class StageProgress:
    """A callable progress sink for :func:`extractscan.scan`, drawn on stderr.

    On a terminal it shows a live spinner line; otherwise it prints one line per stage
    (so CI logs show where time went). Disabled, it prints nothing.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.console = Console(stderr=True, highlight=False)
        self._live = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._start = time.monotonic()

    def __enter__(self) -> StageProgress:
        if self._live:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=None)
        return self

    def __call__(self, stage: str, rows: int | None) -> None:
        """Report a new stage and, when known, the rows counted so far."""
        if not self.enabled:
            return
        text = stage if rows is None else f"{stage} ({rows:,} rows)"
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=text)
        else:
            elapsed = time.monotonic() - self._start
            self.console.print(f"[{elapsed:6.1f}s] {text}", markup=False)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)
