"""The config file used is named in every report; one found in the working directory is
announced, and ``--config none`` ignores it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.report.escape import for_markdown

#: thresholds no incident reaches: a planted config that hides everything
HIDE_ALL = "[severity]\ncritical = 1e308\nhigh = 1e308\nmedium = 1e308\n"


def _scan(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["scan", *args])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture()
def evidence(
    campaign_logs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], Path]:
    """cd into an evidence folder holding an extractscan.toml."""
    req, acc = campaign_logs
    work = tmp_path / "evidence"
    work.mkdir()
    (work / "extractscan.toml").write_text(HIDE_ALL)
    monkeypatch.chdir(work)
    return [str(req), "--accounts", str(acc), "--fail-on", "high"], work / "extractscan.toml"


def test_a_working_directory_config_is_named_and_announced(
    evidence: tuple[list[str], Path],
) -> None:
    """It was applied silently: --fail-on high exited 0 here and 1 elsewhere."""
    args, toml = evidence
    code, out, err = _scan(*args, "--format", "json", "--quiet")
    assert code == 0  # applied, as documented ...
    assert json.loads(out)["input"]["config_file"] == str(toml)  # ... and named
    assert f"{toml}" in err and "working directory" in err and "--config none" in err
    _, out, _ = _scan(*args, "--format", "markdown")
    assert f"- **Config:** {for_markdown(toml)} (found in the working directory)" in out
    _, out, _ = _scan(*args, "--no-color")
    assert "config" in out and "extractscan.toml" in out and "working directory" in out


def test_config_none_ignores_it_and_an_explicit_one_is_named_as_given(
    evidence: tuple[list[str], Path], tmp_path: Path
) -> None:
    args, _ = evidence
    code, out, err = _scan(*args, "--format", "json", "--quiet", "--config", "none")
    assert code == 1 and json.loads(out)["input"]["config_file"] is None
    assert "working directory" not in err
    _, out, _ = _scan(*args, "--format", "markdown", "--config", "none")
    assert "- **Config:** none (defaults)" in out
    own = tmp_path / "own.toml"
    own.write_text("[scan]\nflag_severity = 'high'\n")
    code, out, err = _scan(*args, "--format", "json", "--quiet", "--config", str(own))
    assert code == 1 and json.loads(out)["input"]["config_file"] == str(own)
    assert "working directory" not in err
