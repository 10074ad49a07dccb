"""Stop signals (Ctrl-C, SIGTERM, SIGHUP) turned into an exception, so a stopped scan
cleans up: ``finally`` blocks and context managers remove partial outputs
(:class:`~extractscan.run.outputs.StagedOutputs`) and the scratch folder of
decompressed input. The default action of SIGTERM and SIGHUP ends the process with
both left behind.
"""

from __future__ import annotations

import signal

#: Signals that stop a scan cleanly: Ctrl-C, ``kill`` (and service managers, CI
#: timeouts), a closed terminal.
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class Interrupted(BaseException):
    """A stop signal as an exception: a BaseException, raised past click (which turns
    KeyboardInterrupt into exit 1, the ``--fail-on`` code) and past ``except
    Exception``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """128 + the signal's number, as shells report it: 130, 143, 129."""
        return 128 + self.signum

    @property
    def message(self) -> str:
        """``interrupted`` for Ctrl-C, else ``terminated (SIGTERM)`` and the like."""
        if self.signum == signal.SIGINT:
            return "interrupted"
        return f"terminated ({signal.Signals(self.signum).name})"


def _raise(signum: int, frame: object) -> None:
    for name in STOP_SIGNALS:  # one is enough: a second must not cut the clean-up short
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_IGN)
    raise Interrupted(signum)


def install() -> None:
    """Make every stop signal raise :class:`Interrupted` (in the main thread: a signal
    that arrives while the engine runs is acted on when it returns to Python)."""
    for name in STOP_SIGNALS:
        if hasattr(signal, name):  # SIGHUP is POSIX only
            signal.signal(getattr(signal, name), _raise)
