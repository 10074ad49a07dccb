"""Memory the CLI reserves and running out of it (issue #16 item 12): the 40,000-row
sample scans under ``ulimit -v 1500000``; a lower limit is warned about up front; a
``MemoryError`` is exit code 6 with a message, never a traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from extractscan.cli import resources
from extractscan.cli.failures import EXIT_MEMORY

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "extractscan", "scan"]


def _limited(kib: int, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's scan under ``ulimit -v kib``, without the caps' variables set."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (kib * 1024, resource.RLIM_INFINITY))

    env = {
        k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", *resources.THREAD_VARS)
    }
    return subprocess.run(
        [*CLI, *args, "-q"],
        preexec_fn=limit,  # noqa: PLW1509 - no threads in this process need it
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc arenas, RLIMIT_AS")
def test_the_sample_scans_under_ulimit_v_1500000() -> None:
    """It aborted (SIGABRT, 134): 1.49 GB of address space was reserved before a row
    was read, half of it glibc's per-thread malloc arenas."""
    sample = ROOT / "sample_logs"
    done = _limited(
        1_500_000, str(sample / "requests.csv.gz"), "--accounts", str(sample / "accounts.csv")
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ulimit" not in done.stderr  # no warning: 1.5 GB is enough


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS")
def test_a_low_ulimit_v_is_warned_about_up_front(tmp_path: Path) -> None:
    log = tmp_path / "r.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a1\n")
    done = _limited(800_000, str(log))
    assert done.returncode == 0, done.stderr[-2000:]  # a one-row log fits even so
    assert done.stderr.startswith("warning: ulimit -v is 800,000 KiB, below the about 1,100,000")
    assert "raise ulimit -v" in done.stderr


def test_the_caps_are_set_only_when_the_user_has_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    resources.limit_reservations()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "4")
    resources.limit_reservations()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"


def test_running_out_of_memory_is_exit_6_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import extractscan.run.pipeline
    from extractscan.cli import main as cli

    def scan(*args: object, **kwargs: object) -> None:
        raise MemoryError

    log = tmp_path / "r.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a1\n")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # run() sets it otherwise
    monkeypatch.setattr(extractscan.run.pipeline, "scan", scan)
    monkeypatch.setattr("sys.argv", ["extractscan", "scan", str(log), "-q"])
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    assert exit_info.value.code == EXIT_MEMORY == 6
    err = capsys.readouterr().err
    assert err.startswith("Error: out of memory")
    assert "Traceback" not in err and "internal error" not in err


def test_a_library_that_cannot_be_mapped_counts_as_out_of_memory() -> None:
    """Under a low ``ulimit -v`` scikit-learn's import said "scipy is broken"."""
    try:
        try:
            raise ImportError("_cyutility.so: failed to map segment from shared object")
        except ImportError as inner:
            raise ImportError("The `scipy` install you are using seems to be broken") from inner
    except ImportError as exc:
        assert resources.ran_out(exc)
    assert resources.ran_out(MemoryError())
    assert not resources.ran_out(ImportError("No module named 'sklearn'"))
    assert not resources.ran_out(ValueError("failed to map segment"))
