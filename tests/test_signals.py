"""A signal mid-scan (SIGTERM, SIGHUP) cleans up like Ctrl-C: no partial output, no
scratch file, and an exit code that says which signal (128 + its number)."""

from __future__ import annotations

import gzip
import os
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

LOG = "timestamp,account,prompt\n" + "".join(
    f"2026-04-22T10:{i:02d}:00Z,acct_{i % 7},hello {i}\n" for i in range(40)
)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _Unhandled(Exception):
    """Raised if the CLI installed no handler (the default would kill pytest)."""


def _unhandled(signum: int, frame: object) -> None:
    raise _Unhandled(signum)


@pytest.fixture()
def guarded() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _unhandled)
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def _run_entry(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> int:
    from extractscan.cli import main as cli

    monkeypatch.setattr("sys.argv", ["extractscan", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    return int(exit_info.value.code or 0)


def _signalled(signum: int) -> None:
    os.kill(os.getpid(), signum)
    time.sleep(5)  # the handler raises before this ends
    raise AssertionError("no signal handler raised")


@pytest.mark.usefixtures("guarded")
def test_sigterm_mid_scan_removes_the_decompressed_scratch_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from extractscan.ingest import files

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    log = tmp_path / "r.csv.gz"
    log.write_bytes(gzip.compress(LOG.encode()))
    plain_path = files.plain_path

    def then_terminated(f: files.InputFile, scratch: Path, *limits: object) -> Path:
        path = plain_path(f, scratch, *limits)  # type: ignore[arg-type]
        assert path.is_file() and path.is_relative_to(tmp)  # decompressed into TMPDIR
        _signalled(signal.SIGTERM)
        return path

    monkeypatch.setattr(files, "plain_path", then_terminated)
    assert _run_entry(monkeypatch, ["scan", str(log), "--quiet"]) == 143
    assert "terminated (SIGTERM)" in capsys.readouterr().err
    assert list(tmp.iterdir()) == []


@pytest.mark.usefixtures("guarded")
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_a_signal_while_writing_leaves_no_partial_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int, code: int
) -> None:
    """A truncated --accounts-out was left behind (230,770 of 1,000,000 rows)."""
    from extractscan.report import accounts_out

    log = tmp_path / "r.csv"
    log.write_text(LOG)
    out = tmp_path / "out"
    out.mkdir()
    (out / "rejects.csv").write_text("an earlier run's rejects\n")
    write_table = accounts_out.write_table

    def half_then_signal(df: object, path: Path, like: str | Path | None = None) -> None:
        write_table(df.head(3), path, like=like)  # type: ignore[attr-defined]
        _signalled(signum)

    monkeypatch.setattr(accounts_out, "write_table", half_then_signal)
    args = ["scan", str(log), "--quiet", "--accounts-out", str(out / "accounts.csv")]
    args += ["--rejects-out", str(out / "rejects.csv"), "-o", str(out / "report.md")]
    assert _run_entry(monkeypatch, args) == code
    assert sorted(p.name for p in out.iterdir()) == ["rejects.csv"]
    assert (out / "rejects.csv").read_text() == "an earlier run's rejects\n"
