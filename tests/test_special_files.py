"""Files that are not regular files (FIFOs): refused by name, never waited on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.config.settings import load_config
from extractscan.model.errors import UsageError

LOG = "timestamp,account\n2026-04-22T10:00:00Z,acct_1\n"


def test_a_fifo_config_is_a_usage_error_not_a_hang(tmp_path: Path) -> None:
    """Reading it blocked forever (no writer)."""
    log = tmp_path / "r.csv"
    log.write_text(LOG)
    fifo = tmp_path / "c.toml"
    os.mkfifo(fifo)
    run = subprocess.run(
        [sys.executable, "-m", "extractscan", "scan", str(log), "--config", str(fifo), "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert f"--config {fifo}: not a regular file" in run.stderr
    with pytest.raises(UsageError, match="not a regular file"):
        load_config(fifo)
    with pytest.raises(UsageError, match="cannot read"):
        load_config(tmp_path)  # a folder


def test_a_fifo_input_is_named_as_not_a_regular_file(tmp_path: Path) -> None:
    """It was reported as 'no such file or folder'."""
    log = tmp_path / "r.csv"
    log.write_text(LOG)
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for args in (["scan", str(fifo)], ["scan", str(log), "--accounts", str(fifo)]):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 3, args
        assert f"{fifo}: not a regular file" in r.stderr
        assert "no such file" not in r.stderr
