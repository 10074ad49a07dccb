"""The row stage on Spark (``--engine spark``): the same findings as the polars engine.

The split itself (per-row projection by unit, aggregation by account slice, merge) is
checked without Spark; the Spark tests run in local mode on one session per module and
are skipped when pyspark or Java is missing (``.ci/run`` installs the extra).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.config import load_config
from extractscan.features import aggregate
from extractscan.ingest import files
from extractscan.ingest.filters import RowFilter
from extractscan.ingest.opening import Reading, open_all, read_plan
from extractscan.lab.simulate import simulate
from extractscan.model.errors import InputError, UsageError
from extractscan.model.findings import Findings, severity_rank
from extractscan.run import spark_engine
from extractscan.run.pipeline import scan

#: Rows of the generated log both engines scan (the done-when of issue #20).
GENERATED_ROWS = 400_000


def _log(tmp: Path) -> tuple[Path, Path]:
    """A tiny log with every kind of row: campaign and benign accounts, a rejected row
    (no account), a bad timestamp, in two files (CSV and Parquet)."""
    rows = [
        {
            "timestamp": f"2026-04-22T{h:02d}:{(i * 7) % 60:02d}:00Z",
            "account": f"c{i}",
            "ip": f"198.51.100.{i // 2}",
            "prompt": f"Explain the reasoning step by step. Task: topic {i} {h}",
            "input_tokens": 50,
            "output_tokens": 400,
        }
        for i in range(6)
        for h in range(12)
    ] + [
        {
            "timestamp": f"2026-04-23T{9 + j:02d}:00:00Z",
            "account": f"b{i}",
            "ip": f"203.0.{i}.1",
            "prompt": f"a recipe for {i} {j}",
            "input_tokens": 40,
            "output_tokens": 60,
        }
        for i in range(10)
        for j in range(3)
    ]
    rows.append({**rows[0], "account": None})
    rows.append({**rows[1], "timestamp": "yesterday"})
    frame = pl.DataFrame(rows)
    a, b = tmp / "a.csv", tmp / "b.parquet"
    frame.head(60).write_csv(a)
    frame.slice(60).write_parquet(b, row_group_size=20)
    return a, b


def test_units_cut_large_parquet_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = _log(tmp_path)
    monkeypatch.setattr(spark_engine, "SPLIT_ROWS", 20)
    opened, _ = open_all(files.discover([a, b]), Reading(load_config(None), tmp_path))
    # b.parquet holds 44 rows: cut every 20; a CSV is never cut
    assert spark_engine.units(opened) == [
        spark_engine.Unit(0),
        spark_engine.Unit(1, 0, 20),
        spark_engine.Unit(1, 20, 20),
        spark_engine.Unit(1, 40, 20),
    ]
    # fewer parts than cores: cut smaller (here to 22 rows, not below MIN_SPLIT_ROWS)
    monkeypatch.setattr(spark_engine, "SPLIT_ROWS", 1_000)
    monkeypatch.setattr(spark_engine, "MIN_SPLIT_ROWS", 10)
    assert spark_engine.units(opened, parallelism=2) == [
        spark_engine.Unit(0),
        spark_engine.Unit(1, 0, 22),
        spark_engine.Unit(1, 22, 22),
    ]
    assert spark_engine.slices_for(10, 2) == 4
    assert spark_engine.slices_for(5_000_001, 1) == 3


def _split_tables(paths: list[Path], tmp: Path, slices: int) -> aggregate.Aggregates:
    """The Spark engine's row stage without Spark: every unit projected and cut by
    slice, each slice aggregated, then merged."""
    cfg = load_config(None)
    how = Reading(cfg, tmp)
    opened, _ = open_all(files.discover(paths), how)
    found = [o.file for o in opened]
    per_slice: dict[int, list[bytes]] = {}
    for unit in spark_engine.units(opened):
        for k, block in spark_engine.project_unit(found, unit, how, RowFilter.of(), [], slices):
            per_slice.setdefault(k, []).append(block)
    out: dict[str, list[pl.DataFrame]] = {t: [] for t in aggregate.TABLES}
    for k in sorted(per_slice):
        tables = spark_engine.aggregate_blocks(iter(per_slice[k]), cfg)
        assert tables is not None
        for name, frame in tables.items():
            out[name].append(frame)
    return aggregate.merge(out, sliced=True)


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    keys = [c for c in frame.columns if frame.schema[c] != pl.List]
    return frame.sort(keys, nulls_last=True)


@pytest.mark.parametrize("slices", [1, 3])
def test_split_row_stage_equals_one_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slices: int
) -> None:
    a, b = _log(tmp_path)
    monkeypatch.setattr(spark_engine, "SPLIT_ROWS", 20)  # b.parquet read by three units
    split = _split_tables([a, b], tmp_path, slices)
    cfg = load_config(None)
    opened, _ = open_all(files.discover([a, b]), Reading(cfg, tmp_path))
    whole = aggregate.aggregate(read_plan(opened), cfg, lambda s, n: None)
    assert split.rows_read == whole.rows_read == 104
    # the rejected rows keep their file and row number (counted from each file's start)
    assert split.rejects.select("_file", "_row", "_reject").rows() == [
        (1, 42, "missing_account"),
        (1, 43, "bad_timestamp"),
    ]
    assert split.rejects.equals(whole.rejects)
    assert _sorted(split.counts).equals(_sorted(whole.counts))
    for name in ("behaviour", "hours", "days", "row_ids", "models", "texts", "names"):
        assert _sorted(getattr(split, name)).equals(_sorted(getattr(whole, name))), name
    assert split.bin_origin == whole.bin_origin
    assert split.bins.sort("aid", "bkey").equals(whole.bins.sort("aid", "bkey"))
    assert split.behaviour.height == 16


def test_without_pyspark_the_engine_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # import pyspark raises ImportError
    with pytest.raises(UsageError, match=r"pip install 'extractscan\[spark\]'"):
        spark_engine.require_spark()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spark-master", "local[2]"], "--spark-master needs --engine spark"),
        (["--engine", "spark", "--state", "st"], "--state is not available with --engine"),
    ],
)
def test_engine_options_that_do_not_go_together(
    tmp_path: Path, args: list[str], message: str
) -> None:
    a, _ = _log(tmp_path)
    args = [str(tmp_path / "state") if x == "st" else x for x in args]
    r = CliRunner().invoke(main, ["scan", str(a), "--config", "none", "-q", *args])
    assert r.exit_code == 2 and message in r.stderr


def _flagged(f: Findings) -> set[str]:
    floor = severity_rank(f.flag_severity)
    return {a for i in f.incidents if severity_rank(i.severity) >= floor for a in i.member_accounts}


@pytest.fixture(scope="module")
def generated() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="extractscan-spark-test-") as tmp:
        simulate(GENERATED_ROWS, 11, tmp)
        yield Path(tmp)


def test_spark_engine_finds_what_the_polars_engine_finds(spark: Any, generated: Path) -> None:
    args: dict[str, Any] = {"accounts": generated / "accounts.csv", "config": None}
    ours = scan(generated / "requests.parquet", **args)
    theirs = scan(generated / "requests.parquet", **args, engine="spark")
    assert theirs.input.rows_read == ours.input.rows_read == GENERATED_ROWS
    assert theirs.input.rows_analysed + theirs.input.rows_rejected == GENERATED_ROWS
    flagged, spark_flagged = _flagged(ours), _flagged(theirs)
    assert len(flagged) > 100
    jaccard = len(flagged & spark_flagged) / len(flagged | spark_flagged)
    assert jaccard >= 0.99
    top, spark_top = ours.incidents[0], theirs.incidents[0]
    assert (spark_top.id, spark_top.severity, spark_top.accounts) == (
        top.id,
        top.severity,
        top.accounts,
    )
    assert spark_top.score == pytest.approx(top.score)
    assert [i.id for i in theirs.incidents] == [i.id for i in ours.incidents]
    # the session's own Arrow batch size is put back after the scan
    assert spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch") == "10000"


def test_spark_engine_counts_rejects_and_filters_like_polars(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = _log(tmp_path)
    monkeypatch.setattr(spark_engine, "SPLIT_ROWS", 20)
    args: dict[str, Any] = {"config": None, "since": "2026-04-22T06:00:00Z"}
    ours = scan([a, b], **args)
    theirs = scan([a, b], **args, engine="spark")
    i, j = ours.input, theirs.input
    assert (j.rows_read, j.rows_analysed, j.rows_rejected, j.rows_filtered) == (
        i.rows_read,
        i.rows_analysed,
        i.rows_rejected,
        i.rows_filtered,
    )
    assert j.rows_read == j.rows_analysed + j.rows_rejected + j.rows_filtered == 104
    assert j.rows_filtered == 36  # hours 0-5 of the six c accounts
    assert theirs.rejects.equals(ours.rejects)
    assert theirs.rejects.select("file", "row", "reason").rows() == [
        (str(b), 43, "missing_account"),
        (str(b), 44, "bad_timestamp"),
    ]


def test_a_bad_line_read_by_a_spark_task_names_the_file_and_line(
    spark: Any, tmp_path: Path
) -> None:
    # the driver opens the file (its header); the task finds the ragged line
    bad = tmp_path / "bad.csv"
    lines = ["timestamp,account,prompt"] + ["2026-04-22T10:00:00Z,a1,hi"] * 3000
    bad.write_text("\n".join([*lines, "2026-04-22T10:00:00Z,a1,hi,extra,more"]) + "\n")
    with pytest.raises(InputError, match=r"bad\.csv: cannot read as csv: line 3002: 5 fields"):
        scan(bad, config=None, engine="spark")


def test_a_running_session_is_used_and_left_as_it_was(spark: Any) -> None:
    key = "spark.sql.execution.arrow.maxRecordsPerBatch"
    spark.conf.set(key, "777")
    with spark_engine.session() as rows:
        assert rows.spark is spark
    assert spark.conf.get(key) == "777"  # not changed by a scan (checked after one too)
    spark.conf.unset(key)
    with (
        pytest.raises(UsageError, match=r"already runs a Spark session on local\[2\]"),
        spark_engine.session("local[3]"),
    ):
        pass
    assert not spark.sparkContext._jsc.sc().isStopped()


def test_the_cli_runs_the_spark_engine(spark: Any, tmp_path: Path) -> None:
    a, b = _log(tmp_path)
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    args = ["scan", str(a), str(b), "--config", "none", "--format", "json", "-q"]
    r = CliRunner().invoke(main, [*args, "--engine", "spark", "--rejects-out", str(rejects)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["input"]["rows_read"], data["input"]["rows_rejected"]) == (104, 2)
    written = pl.read_csv(rejects)
    assert written.select("file", "row", "reason").rows() == [
        (str(b), 43, "missing_account"),
        (str(b), 44, "bad_timestamp"),
    ]


def test_a_spark_that_does_not_start_is_a_usage_error(
    spark: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.sql import SparkSession

    def fails(self: Any) -> None:
        raise RuntimeError("[JAVA_GATEWAY_EXITED] Java gateway process exited")

    monkeypatch.setattr(SparkSession, "getActiveSession", classmethod(lambda cls: None))
    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", fails)
    with (
        pytest.raises(UsageError, match=r"Spark did not start .*JAVA_GATEWAY_EXITED"),
        spark_engine.session("local[1]"),
    ):
        pass
