"""The README cannot go stale: its commands, options and files must exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```(?:sh|bash)\n(.*?)```", README, flags=re.S)


def _cli_lines() -> list[str]:
    lines = []
    for block in _blocks():
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("extractscan "):
                lines.append(line)
    return lines


def test_two_commands_are_make_targets() -> None:
    first = _blocks()[0]
    assert "make demo" in first and "make test" in first
    for target in ("demo", "test", "bench"):
        assert re.search(rf"^{target}:", MAKEFILE, flags=re.M), target
    demo = re.search(r"^demo:.*\n((?:\t.*\n)+)", MAKEFILE, flags=re.M)
    assert demo is not None
    for path in re.findall(r"sample_logs/\S+", demo.group(1)):
        assert (ROOT / path).is_file(), path


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("line", _cli_lines())
def test_readme_cli_lines_use_real_commands_and_options(line: str) -> None:
    argv = shlex.split(line)[1:]
    group = main
    assert isinstance(group, click.Group)
    cmd = group.commands.get(argv[0])
    assert cmd is not None, f"unknown command in README: {line}"
    known = {opt for p in cmd.params for opt in getattr(p, "opts", [])}
    for arg in argv[1:]:
        if arg.startswith("-"):
            assert arg.split("=")[0] in known, f"{arg} is not an option of {argv[0]}"
    result = CliRunner().invoke(main, [argv[0], "--help"])
    assert result.exit_code == 0


def test_readme_mentions_every_command() -> None:
    assert isinstance(main, click.Group)
    for name in main.commands:
        assert f"extractscan {name}" in README, name


def test_readme_pictures_exist_and_make_screenshots_makes_them() -> None:
    pictures = re.findall(r"\]\((docs/[^)]+)\)", README)
    assert {"docs/html-report.png", "docs/terminal-report.svg"} <= set(pictures)
    for path in pictures:
        assert (ROOT / path).is_file(), path
    assert re.search(r"^screenshots:.*\n\t.*docs/screenshots.py", MAKEFILE, flags=re.M)
