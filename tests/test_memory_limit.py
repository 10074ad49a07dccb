"""``--memory-limit`` kept (issue #16 item 8): rejected rows are split over the passes
like the others and stream to ``--rejects-out`` instead of being held in memory.
Peak memory is measured in ``benchmarks/memory_limit.py``, not here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

import extractscan
from extractscan.cli.main import main
from extractscan.model.errors import UsageError
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
    monkeypatch.setattr(memory, "BYTES_PER_ACCOUNT", 0)


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


def _accounts_log(path: Path, accounts: int) -> Path:
    """40 requests of ``accounts`` accounts (Parquet: the row count is known)."""
    pl.DataFrame(
        {
            "timestamp": [f"2026-04-22T10:{i:02d}:00Z" for i in range(40)],
            "account": [f"acct_{i % accounts}" for i in range(40)],
        }
    ).write_parquet(path)
    return path


def test_many_accounts_below_the_limit_are_refused_after_the_first_pass(
    tmp_path: Path, passes: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1M distinct accounts at 700M ran on to 1.7 GiB: passes divide the rows, not the
    accounts that linking and scoring hold at once."""
    monkeypatch.setattr(memory, "BYTES_PER_ACCOUNT", 1_000)
    calls: list[str] = []

    def tell(stage: str, rows: int | None) -> None:
        calls.append(stage)

    # 40 rows: 6 passes within 10,000 bytes; 40 accounts need about 4,000 + 40,000
    log = _accounts_log(tmp_path / "many.parquet", 40)
    with pytest.raises(UsageError) as refused:
        extractscan.scan(log, memory_limit=10_000, progress=tell)
    assert re.fullmatch(
        r"--memory-limit 0\.0 GiB is below the about 0\.0 GiB estimated for about \d+ "
        r"accounts \(linking and scoring hold every account at once, whatever the passes\); "
        r"raise the limit, or scan fewer accounts at a time \(--org, --account, fewer files\)",
        str(refused.value),
    )
    assert calls[-1] == "reading rows (pass 1 of 6): many.parquet"  # after the first pass
    # the default limit says so and goes on; two accounts fit
    monkeypatch.setattr(memory, "auto_memory_limit", lambda: 10_000)
    calls.clear()
    f = extractscan.scan(log, progress=tell)
    assert f.input.passes == 6 and f.accounts.height == 40
    assert any(
        c.endswith("above the memory limit: scan fewer accounts at a time if it runs out")
        for c in calls
    )
    few = _accounts_log(tmp_path / "few.parquet", 2)
    assert extractscan.scan(few, memory_limit=10_000).accounts.height == 2


def test_the_account_floor() -> None:
    rows_part = (1 - memory.AGGREGATION_SHARE) * memory.BYTES_PER_ROW * 1_000_000
    assert memory.account_floor(1_000_000, 1_000_000) == pytest.approx(
        memory.BASE_BYTES + rows_part + 1_200 * 1_000_000
    )
    plan = memory.plan(1_000_000, 700 * 2**20)
    assert plan.check_accounts(1_000_000, 1_000) is None  # a thousand accounts fit
    with pytest.raises(UsageError, match="below the about 1.7 GiB estimated for about 1,000,000"):
        plan.check_accounts(1_000_000, 1_001_634)
    assert memory.plan(1_000_000, None).check_accounts(1_000_000, 10**7) is None
