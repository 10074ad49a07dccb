"""CLI for scheduled scans: the --fail-on reason line, the format taken from -o."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from extractscan.cli.main import main


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["scan", *args, "--config", "none"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def test_quiet_fail_on_says_why(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, out, err = _run(str(req), "--accounts", str(acc), "--quiet", "--fail-on", "high")
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("extractscan: --fail-on")]
    assert len(lines) == 1
    assert lines[0].startswith("extractscan: --fail-on high: 1 incident at or above high: INC-")
    assert "(critical, 12 accounts)" in lines[0]


def test_output_format_from_extension(campaign_logs: tuple[Path, Path], tmp_path: Path) -> None:
    req, acc = campaign_logs
    for name, check in (
        ("r.json", lambda t: json.loads(t)["schema_version"] == "1.5"),
        ("r.md", lambda t: t.startswith("# extractscan incident report")),
        ("r.txt", lambda t: "╭─ extractscan" in t),
    ):
        code, out, err = _run(
            str(req), "--accounts", str(acc), "--quiet", "-o", str(tmp_path / name)
        )
        assert code == 0 and out == ""
        assert check((tmp_path / name).read_text()), name
        assert ("no format for the extension .txt" in err) == (name == "r.txt")
    # --format wins over the extension
    code, _, _ = _run(str(req), "--format", "markdown", "-o", str(tmp_path / "x.json"))
    assert (tmp_path / "x.json").read_text().startswith("# extractscan")
