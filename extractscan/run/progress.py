"""Progress on stderr: the stage being run, rows read so far against the total, rows/s.

The pipeline reports rows as the streaming engine reads them (one call per batch, with
the file being read); Parquet footers give the total up front, so the bar is a real
percentage there; for text formats the count runs without a total.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from extractscan.report.escape import clean


class StageProgress:
    """A callable progress sink for :func:`extractscan.scan`, drawn on stderr.

    On a terminal it shows a live spinner line; otherwise it prints one line per stage
    (so CI logs show where time went). Disabled, it prints nothing.
    """

    def __init__(self, enabled: bool = True, mask: Callable[[str], str] | None = None) -> None:
        """``mask`` rewrites each line before it is shown (``--redact``: a file's name
        may hold an e-mail address)."""
        self.enabled = enabled
        self.mask = mask
        self.console = Console(stderr=True, highlight=False, emoji=False)
        self._live = enabled and sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._start = time.monotonic()
        self._total: int | None = None
        self._last_stage = ""
        self._last_log = 0.0

    def __enter__(self) -> StageProgress:
        if self._live:
            self._progress = Progress(
                SpinnerColumn(),
                # plain text: the description names the file being read (attacker-chosen)
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("starting", total=None)
        return self

    #: Seconds between "reading rows" lines when stderr is not a terminal (CI logs).
    LOG_EVERY = 10.0

    def __call__(self, stage: str, rows: int | None) -> None:
        """Report a stage and, when known, the rows read so far.

        The first stage (``reading ...``) may carry the total rows known up front.
        Stages of the form ``reading rows...: FILE`` are per-batch updates.
        """
        if not self.enabled:
            return
        if self.mask is not None:
            stage = self.mask(stage)
        stage = clean(stage, 200)  # names the file being read: no escapes, no controls
        now = time.monotonic()
        elapsed = max(now - self._start, 1e-9)
        first = self._last_stage == ""
        if first and rows is not None:
            self._total = rows
        head = stage.split(":", 1)[0]
        reading = head.startswith("reading rows")
        text = stage
        if first and rows is not None:
            text = f"{stage}: {rows:,} rows to read"
        elif rows is not None:
            of = f" / {self._total:,}" if self._total else ""
            pct = f", {100 * rows / self._total:.0f}%" if self._total and reading else ""
            text = f"{stage} ({rows:,}{of} rows{pct}, {rows / elapsed:,.0f} rows/s)"
        if self._progress is not None and self._task is not None:
            done = rows if reading else None
            self._progress.update(
                self._task, description=text, total=self._total if done else None, completed=done
            )
        elif head != self._last_stage.split(":", 1)[0] or (
            reading
            and (now - self._last_log >= self.LOG_EVERY or (self._total and rows == self._total))
        ):
            self.console.print(f"[{elapsed:6.1f}s] {text}", markup=False, soft_wrap=True)
            self._last_log = now
        self._last_stage = stage

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)
