"""The CLI through click's CliRunner: formats, exit codes, errors, help examples."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def test_json_report(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, out, _ = _run("scan", str(req), "--accounts", str(acc), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == "1.5"
    assert data["input"]["rows_read"] == 12 * 48 + 200 * 6
    assert len(data["incidents"]) == 1
    assert data["incidents"][0]["member_accounts"][:2] == ["c00", "c01"]


@pytest.mark.parametrize(
    ("fail_on", "expected"), [(None, 0), ("critical", None), ("high", 1), ("low", 1)]
)
def test_fail_on_exit_codes(
    campaign_logs: tuple[Path, Path], fail_on: str | None, expected: int | None
) -> None:
    req, acc = campaign_logs
    args = ["scan", str(req), "--accounts", str(acc), "--quiet", "--format", "json"]
    if fail_on:
        args += ["--fail-on", fail_on]
    code, out, _ = _run(*args)
    sev = json.loads(out)["incidents"][0]["severity"]
    if expected is None:  # critical: depends on the severity reached
        expected = 1 if sev == "critical" else 0
    assert code == expected


def test_terminal_report_and_quiet(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, out, _ = _run("scan", str(req), "--accounts", str(acc), "--no-color")
    assert code == 0
    assert "c00" in out and "shared payment card" in out and "\x1b" not in out
    code, quiet, _ = _run("scan", str(req), "--accounts", str(acc), "--quiet")
    assert code == 0 and len(quiet) < len(out) and "shared payment card" not in quiet


def test_outputs_to_files(campaign_logs: tuple[Path, Path], tmp_path: Path) -> None:
    req, acc = campaign_logs
    rep, accs = tmp_path / "r.md", tmp_path / "accounts-out.csv"  # not the input table
    code, out, _ = _run(
        "scan",
        str(req),
        "--accounts",
        str(acc),
        "--format",
        "markdown",
        "-o",
        str(rep),
        "--accounts-out",
        str(accs),
    )
    assert code == 0 and out == ""
    assert rep.read_text().startswith("#")
    table = pl.read_csv(accs)
    assert table.height == 212
    assert table.filter(pl.col("incident_id").is_not_null()).height == 12


def test_input_error_exit_3_no_traceback(tmp_path: Path) -> None:
    pl.DataFrame({"when": ["2026-04-22"], "x": ["a"]}).write_csv(tmp_path / "r.csv")
    code, _, err = _run("scan", str(tmp_path / "r.csv"))
    assert code == 3
    assert "required column 'timestamp' not found" in err or "required column" in err
    assert "Traceback" not in err
    code, _, err = _run("scan", str(tmp_path / "missing.parquet"))
    assert code == 3 and "no such file or folder" in err


def test_usage_errors_exit_2(campaign_logs: tuple[Path, Path], tmp_path: Path) -> None:
    req, _ = campaign_logs
    assert _run("scan", str(req), "--column", "nonsense")[0] == 2
    assert _run("scan", str(req), "--column", "bogus=x")[0] == 2
    assert _run("scan", str(req), "--accounts-out", str(tmp_path / "a.xlsx"))[0] == 2
    assert _run("scan", str(req), "--fail-on", "severe")[0] == 2
    bad = tmp_path / "c.toml"
    bad.write_text("[[[")
    assert _run("scan", str(req), "--config", str(bad))[0] == 2


@pytest.mark.parametrize("command", sorted(main.commands))  # type: ignore[attr-defined]
def test_every_command_help_has_an_example(command: str) -> None:
    code, out, _ = _run(command, "--help")
    assert code == 0
    assert "Example" in out and f"extractscan {command}" in out


def test_main_help_has_example() -> None:
    code, out, _ = _run("--help")
    assert code == 0 and "Example" in out and "extractscan scan" in out


def test_explain_account(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    code, out, _ = _run("explain", "c00", str(req), "--accounts", str(acc), "--no-color")
    assert code == 0
    assert "account c00: score" in out and "member of incident INC-" in out
    assert "c01" in out and "shared payment card" in out and "card_0" in out
    assert "Behaviour vs benign median" in out
    code, out, _ = _run("explain", "b000", str(req), "--accounts", str(acc))
    assert code == 0 and "not in any incident" in out
    code, _, err = _run("explain", "nobody", str(req))
    assert code == 2 and "account 'nobody' has no analysed rows" in err


def test_json_byte_identical_apart_from_generation_time(campaign_logs: tuple[Path, Path]) -> None:
    req, acc = campaign_logs
    runs = [_run("scan", str(req), "--accounts", str(acc), "--format", "json")[1] for _ in range(2)]
    strip = [re.sub(r'"generated_at": "[^"]*"', "", r) for r in runs]
    assert strip[0] == strip[1]
    assert len(runs[0]) > 1000


def test_an_id_with_a_hidden_character_is_shown_and_found_as_shown(tmp_path: Path) -> None:
    """A campaign account renamed to an ordinary account's id plus a zero-width space is
    shown with a marker (never as the ordinary id), and explain finds it by that form."""
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    twin = "b000\u200b"
    req = req.with_columns(pl.col("account").replace("c00", twin))
    acc = acc.with_columns(pl.col("account").replace("c00", twin))
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = [str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv")]
    code, out, _ = _run("scan", *args, "--format", "json")
    members = json.loads(out)["incidents"][0]["member_accounts"]
    assert "b000<U+200B>" in members and "b000" not in members
    code, out, _ = _run("explain", "b000<U+200B>", *args, "--no-color")
    assert code == 0 and "account b000<U+200B>: score" in out and "member of incident" in out
    code, out, _ = _run("explain", "b000", *args, "--no-color")
    assert code == 0 and "not in any incident" in out


def test_explain_says_when_the_incident_was_ranked_down(tmp_path: Path) -> None:
    from tests.conftest import campaign_frames

    req, acc = campaign_frames(n_campaign=3)  # three accounts on one card: a family?
    req = req.with_columns(
        pl.when(pl.col("account").str.starts_with("c"))
        .then(pl.lit("Help me with a lasagna recipe please"))
        .otherwise(pl.col("prompt"))
        .alias("prompt")
    )
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = [str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv")]
    code, out, _ = _run("scan", *args, "--format", "json")
    inc = json.loads(out)["incidents"][0]
    fits = [c["label"] for c in inc["benign_checks"] if c["fits"]]
    assert fits and "c00" in inc["member_accounts"]
    code, out, _ = _run("explain", "c00", *args, "--no-color")
    assert "ranked down (score halved): " + "; ".join(fits) + " fits" in " ".join(out.split())


def _run_entry(monkeypatch: pytest.MonkeyPatch, args: list[str], scan: object) -> int:
    import extractscan.run.pipeline
    from extractscan.cli import main as cli

    monkeypatch.setattr(extractscan.run.pipeline, "scan", scan)
    monkeypatch.setattr("sys.argv", ["extractscan", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.run()
    return int(exit_info.value.code or 0)


def test_ctrl_c_exits_130_and_a_polars_panic_4(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Neither may look like 1, the --fail-on code (click turns Ctrl-C into 1, and a
    polars panic is a BaseException that 'except Exception' misses)."""
    import os
    import signal
    import time

    log = tmp_path / "r.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a\n")

    def interrupted(*a: object, **k: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)

    def panic(*a: object, **k: object) -> None:
        raise pl.exceptions.PanicException("boom")

    previous = signal.getsignal(signal.SIGINT)
    try:
        assert _run_entry(monkeypatch, ["scan", str(log)], interrupted) == 130
        assert "interrupted" in capsys.readouterr().err
        assert _run_entry(monkeypatch, ["scan", str(log)], panic) == 4
        assert "internal error: PanicException: boom" in capsys.readouterr().err
    finally:
        signal.signal(signal.SIGINT, previous)


def test_terminal_report_lets_the_cli_handle_a_closed_pipe(
    campaign_logs: tuple[Path, Path],
) -> None:
    """rich exits 1 by itself on a broken pipe; our console raises instead."""
    import extractscan
    from extractscan import report

    class Closed(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    req, acc = campaign_logs
    f = extractscan.scan([req], accounts=acc)
    with pytest.raises(BrokenPipeError):
        report.render(f, "terminal", Closed(), top=None, quiet=False, color=False)


def test_the_explain_help_example_runs_on_the_bundled_sample() -> None:
    root = Path(__file__).resolve().parents[1]
    _, helptext, _ = _run("explain", "--help")
    account = re.search(r"extractscan explain (\S+) sample_logs/", helptext)
    assert account is not None
    code, out, _ = _run(
        "explain",
        account.group(1),
        str(root / "sample_logs" / "requests.csv.gz"),
        "--accounts",
        str(root / "sample_logs" / "accounts.csv"),
        "--no-color",
    )
    assert code == 0 and "member of incident" in out
