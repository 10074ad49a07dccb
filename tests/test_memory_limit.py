"""``--memory-limit`` kept (issue #16 item 8): rejected rows are split over the passes
like the others and stream to ``--rejects-out`` instead of being held in memory.
Peak memory is measured in ``benchmarks/memory_limit.py``, not here."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import extractscan
from extractscan.cli.main import main
from extractscan.run import memory


def _log(path: Path) -> Path:
    """40 rows: 25 good ones of ten accounts, 15 rejected of three kinds (accounts of
    several slices, and no account), a row outside ``--since`` (filtered, not written)."""
    lines = ["timestamp,account,prompt,input_tokens,output_tokens"]
    lines += [f"2026-04-22T10:{i:02d}:00Z,a{i % 5},hello {i},10,20" for i in range(25)]
    # bad_timestamp, missing_account, bad_tokens
    lines += [f"yesterday,r{i},mail me at user{i}@example.org,10,20" for i in range(8)]
    lines += [f"2026-04-22T11:{i:02d}:00Z,,no account {i},10,20" for i in range(4)]
    lines += [f"2026-04-22T12:{i:02d}:00Z,t{i},tokens {i},-5,20" for i in range(3)]
    lines.append("2026-04-20T12:00:00Z,a0,too early,10,20")  # filtered by --since
    path.with_suffix(".csv").write_text("\n".join(lines) + "\n")
    # Parquet: the row count (and so the passes) is known up front
    pl.read_csv(path.with_suffix(".csv"), infer_schema=False).write_parquet(path)
    return path


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A memory model under which a 1 KB limit takes several passes of a tiny log."""
    monkeypatch.setattr(memory, "BASE_BYTES", 0)
    monkeypatch.setattr(memory, "BYTES_PER_ROW", 1_000)
    monkeypatch.setattr(memory, "AGGREGATION_SHARE", 0.9)


def test_rejected_rows_stream_to_the_file_in_several_passes(tmp_path: Path, passes: None) -> None:
    log = _log(tmp_path / "r.parquet")
    one = extractscan.scan(log, memory_limit=None, since="2026-04-21")
    assert one.input.passes == 1 and one.rejects.height == 15
    for redact in ((), ("--redact",)):
        out = tmp_path / "rejects.csv"
        res = CliRunner().invoke(
            main,
            [
                "scan",
                str(log),
                "--since",
                "2026-04-21",
                "--memory-limit",
                "8K",
                "--rejects-out",
                str(out),
                "--format",
                "json",
                *redact,
            ],
        )
        assert res.exit_code == 0, res.output
        report = json.loads(res.stdout)["input"]
        assert report["passes"] == memory.plan_passes(41, 8 * 1024) == 10
        assert report["rows_read"] == 41 and report["rows_rejected"] == 15
        written = pl.read_csv(out, infer_schema=False)
        assert written.height == report["rows_rejected"]
        # in the order read (file, row), as one pass keeps them in memory
        assert written["row"].to_list() == [str(r) for r in one.rejects["row"]]
        assert written["reason"].to_list() == one.rejects["reason"].to_list()
        prompts = written["prompt"].to_list()
        if redact:
            assert not any("@example.org" in p for p in prompts)
            assert prompts[0] == "mail me at <email-1>"
        else:
            assert prompts[0] == "mail me at user0@example.org"


def test_rejected_rows_are_the_same_in_any_number_of_passes(tmp_path: Path, passes: None) -> None:
    log = _log(tmp_path / "r.parquet")
    one = extractscan.scan(log, memory_limit=None)
    ten = extractscan.scan(log, memory_limit=8 * 1024)
    assert ten.input.passes == 10
    assert ten.rejects.equals(one.rejects)
    assert ten.input.rows_rejected == one.input.rows_rejected == 15


def test_rejects_to_writes_the_rows_and_keeps_none(tmp_path: Path, passes: None) -> None:
    log = _log(tmp_path / "r.parquet")
    one = extractscan.scan(log, memory_limit=None)
    spool = tmp_path / "rejects.parquet"
    f = extractscan.scan(log, memory_limit=8 * 1024, rejects_to=spool)
    assert f.rejects.height == 0 and f.rejects.columns == one.rejects.columns
    assert pl.read_parquet(spool).equals(one.rejects)
