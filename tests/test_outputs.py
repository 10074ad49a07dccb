"""Outputs never touch inputs, never collide, and are never left half written."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.run.outputs import StagedOutputs, check_outputs

LOG = "timestamp,account,prompt\n" + "".join(
    f"2026-04-22T10:{i:02d}:00Z,acct_{i % 7},hello {i}\n" for i in range(40)
)


def _run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def _log(folder: Path, name: str = "requests.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(LOG)
    return folder / name


def test_an_output_naming_an_input_is_refused_and_the_input_kept(tmp_path: Path) -> None:
    log = _log(tmp_path / "x")
    code, _, err = _run("scan", str(log), "--accounts-out", str(log))
    assert code == 2 and "is an input" in err and str(log) in err
    assert log.read_text() == LOG
    pq = tmp_path / "r.parquet"
    pl.read_csv(log).write_parquet(pq)
    before = pq.read_bytes()
    code, _, err = _run("scan", str(pq), "--format", "json", "-o", str(pq))
    assert code == 2 and pq.read_bytes() == before


def test_an_output_reaching_an_input_through_a_link_is_refused(tmp_path: Path) -> None:
    log = _log(tmp_path)
    (tmp_path / "soft.csv").symlink_to(log)
    os.link(log, tmp_path / "hard.csv")
    for out in ("soft.csv", "hard.csv"):
        code, _, err = _run("scan", str(log), "--rejects-out", str(tmp_path / out))
        assert code == 2 and "is an input" in err, out
    assert log.read_text() == LOG


def test_the_accounts_table_and_config_are_inputs_too(tmp_path: Path) -> None:
    log = _log(tmp_path / "logs")
    acc = tmp_path / "accounts.csv"
    acc.write_text("account,payment\nacct_1,card_1\n")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[scan]\nflag_severity = 'high'\n")
    code, _, _ = _run("scan", str(log), "--accounts", str(acc), "--accounts-out", str(acc))
    assert code == 2 and acc.read_text().startswith("account,payment")
    code, _, _ = _run("scan", str(log), "--config", str(cfg), "-o", str(cfg))
    assert code == 2 and "flag_severity" in cfg.read_text()


def test_two_outputs_on_one_file_are_refused(tmp_path: Path) -> None:
    log = _log(tmp_path / "logs")
    a = str(tmp_path / "a.csv")
    code, _, err = _run("scan", str(log), "-o", a, "--accounts-out", a, "--rejects-out", a)
    assert code == 2 and "same file" in err
    assert not Path(a).exists()


def test_an_output_inside_a_scanned_folder_is_refused_with_advice(tmp_path: Path) -> None:
    """Run twice, the second scan read the first's rejects file as a log."""
    logs = tmp_path / "logs"
    _log(logs)
    rejects = logs / "rejects.csv"
    for _ in range(2):
        code, _, err = _run("scan", str(logs), "--rejects-out", str(rejects))
        assert code == 2
        assert "inside the scanned folder" in err and "elsewhere" in err
        assert not rejects.exists()
    code, _, err = _run("scan", str(logs / "*.csv"), "--rejects-out", str(rejects))
    assert code == 2 and "matches the input pattern" in err
    code, _, _ = _run("scan", str(logs), "--rejects-out", str(tmp_path / "rejects.csv"))
    assert code == 0 and (tmp_path / "rejects.csv").is_file()


def test_outputs_are_checked_before_any_scanning(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    _log(logs)
    (logs / "broken.csv").write_bytes(b"")  # an input error, if the scan started
    code, _, _ = _run("scan", str(logs), "-o", str(logs / "report.md"))
    assert code == 2


def test_check_outputs_allows_a_device_twice_and_a_separate_file(tmp_path: Path) -> None:
    log = _log(tmp_path / "logs")
    check_outputs([str(log)], {"-o": os.devnull, "--accounts-out": os.devnull})
    check_outputs([str(log)], {"-o": str(tmp_path / "r.md"), "--rejects-out": None})


def test_a_failed_write_leaves_no_partial_file_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractscan import report

    log = _log(tmp_path / "logs")
    out = tmp_path / "out"
    out.mkdir()
    (out / "r.md").write_text("previous report")

    def half(findings: object, fmt: str, fh: object, **kw: object) -> None:
        fh.write("# half a report")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "render", half)
    code, _, err = _run(
        "scan", str(log), "-o", str(out / "r.md"), "--accounts-out", str(out / "a.csv")
    )
    assert code == 2 and "No space left" in err
    assert sorted(p.name for p in out.iterdir()) == ["r.md"]
    assert (out / "r.md").read_text() == "previous report"


def test_staged_outputs_appear_only_on_success_with_ordinary_permissions(tmp_path: Path) -> None:
    final = tmp_path / "r.md"
    with StagedOutputs() as staged:
        temp = staged.path(final)
        temp.write_text("done")
        assert temp.parent == tmp_path and temp != final and not final.exists()
    assert final.read_text() == "done" and list(tmp_path.iterdir()) == [final]
    umask = os.umask(0)
    os.umask(umask)
    assert final.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(RuntimeError), StagedOutputs() as staged:
        staged.path(tmp_path / "x.md").write_text("partial")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == [final]
