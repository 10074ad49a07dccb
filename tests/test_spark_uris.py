"""Inputs as URIs on the Spark engine (``extractscan/run/spark_uris.py``): a ``file://``
folder or glob gives the findings of the same files read by local path.

Only ``file://`` is tested (no network here); the listing and reading go through the
same Hadoop ``FileSystem`` and ``binaryFile`` calls as ``s3a://`` or ``gs://`` would.
The Spark tests share the session of ``tests/conftest.py``.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.ingest import files
from extractscan.lab.simulate import simulate
from extractscan.model.errors import InputError, UsageError
from extractscan.model.findings import Findings, severity_rank
from extractscan.run import spark_uris
from extractscan.run.pipeline import scan

#: Rows of the generated log (enough for a handful of incidents, small enough to be quick).
GENERATED_ROWS = 40_000


def _tiny(folder: Path) -> tuple[Path, Path]:
    """Two small files: a CSV and a Parquet file whose last two rows are rejected (no
    account; a timestamp that is not one)."""
    rows: list[dict[str, str | None]] = [
        {
            "timestamp": f"2026-04-22T{h:02d}:{(i * 7) % 60:02d}:00Z",
            "account": f"t{i}",
            "prompt": f"Explain step by step. Task: {i} {h}",
        }
        for i in range(4)
        for h in range(6)
    ]
    rows.append({**rows[0], "account": None})
    rows.append({**rows[1], "timestamp": "yesterday"})
    frame = pl.DataFrame(rows)
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / "a.csv", folder / "b.parquet"
    frame.head(10).write_csv(a)
    frame.slice(10).write_parquet(b)
    return a, b


def test_uris_are_told_apart_from_local_paths() -> None:
    assert files.is_uri("s3a://bucket/logs/2026-11-*/")
    assert files.is_uri("file:///data/x.csv")
    assert files.is_uri("abfss://c@acct.dfs.core.windows.net/logs")
    for local in ("logs/x.csv", "/data/x.csv", "C://x.csv", "./s3a:/x", Path("s3a://b/x")):
        assert not files.is_uri(local)


@pytest.mark.parametrize(
    ("paths", "engine", "message"),
    [
        (["s3a://bucket/logs/"], "polars", r"s3a://bucket/logs/: a URI is read by --engine spark"),
        (["file:///data/logs/"], "polars", r"\(for file:///data/logs/: /data/logs/\)"),
        (["s3a://b/x.csv", "logs/"], "spark", "either as URIs or as local paths, not both"),
    ],
)
def test_a_uri_the_engine_cannot_read_is_a_usage_error(
    paths: list[str], engine: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        spark_uris.remote_inputs(paths, engine)
    assert spark_uris.remote_inputs(["logs/", Path("x.csv")], "polars") == []


def test_the_cli_says_a_uri_needs_the_spark_engine(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["scan", "s3a://bucket/logs/", "--config", "none", "-q"])
    assert r.exit_code == 2
    assert "a URI is read by --engine spark" in r.stderr
    assert "Traceback" not in r.output + r.stderr
    a, _ = _tiny(tmp_path)
    args = ["scan", str(a), "--accounts", "s3a://bucket/accounts.csv", "--config", "none"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert "--accounts s3a://bucket/accounts.csv: the accounts table is read on this" in r.stderr


@dataclass(frozen=True)
class Logs:
    """A folder of generated logs and the findings of the polars engine on it."""

    folder: Path
    accounts: Path
    local: Findings


@pytest.fixture(scope="module")
def logs() -> Iterator[Logs]:
    """The generated log as a gzipped CSV and a Parquet file in a subfolder, the tiny
    log's two files (with rejected rows) and files that are no log (left out)."""
    with tempfile.TemporaryDirectory(prefix="extractscan-uri-test-") as tmp:
        simulate(GENERATED_ROWS, 11, Path(tmp) / "sim")
        rows = pl.read_parquet(Path(tmp) / "sim" / "requests.parquet")
        folder = Path(tmp) / "logs"
        (folder / "part-b").mkdir(parents=True)
        with gzip.open(folder / "part-a.csv.gz", "wb") as fh:
            fh.write(rows.head(rows.height // 2).write_csv().encode())
        rows.slice(rows.height // 2).write_parquet(folder / "part-b" / "x.parquet")
        _tiny(folder / "part-c")
        (folder / "_SUCCESS").write_text("")
        (folder / "part-c" / "notes.txt").write_text("not a log")
        accounts = Path(tmp) / "sim" / "accounts.csv"
        local = scan(folder, accounts=accounts, config=None)
        yield Logs(folder, accounts, local)


def _flagged(f: Findings) -> set[str]:
    floor = severity_rank(f.flag_severity)
    return {a for i in f.incidents if severity_rank(i.severity) >= floor for a in i.member_accounts}


def _same_findings(uri: Findings, local: Findings) -> None:
    i, j = local.input, uri.input
    assert (j.rows_read, j.rows_analysed, j.rows_rejected) == (
        i.rows_read,
        i.rows_analysed,
        i.rows_rejected,
    )
    assert (j.rows_read, j.rows_rejected) == (GENERATED_ROWS + 26, 2)
    assert j.column_mapping == i.column_mapping
    assert len(_flagged(local)) > 20
    assert _flagged(uri) == _flagged(local)
    top, uri_top = local.incidents[0], uri.incidents[0]
    assert (uri_top.id, uri_top.severity, uri_top.accounts) == (top.id, top.severity, top.accounts)
    assert [x.id for x in uri.incidents] == [x.id for x in local.incidents]
    # the input section names each file by its URI, read as the local path was
    assert [(f.path, f.format, f.rows_read, f.rows_rejected) for f in j.files] == [
        (f"file://{f.path}", f.format, f.rows_read, f.rows_rejected) for f in i.files
    ]
    assert [f.format for f in j.files] == ["csv+gzip", "parquet", "csv", "parquet"]
    assert uri.rejects.drop("file").equals(local.rejects.drop("file"))
    assert uri.rejects["file"].to_list() == [f"file://{p}" for p in local.rejects["file"]]


@pytest.mark.parametrize("pattern", ["{}/", "{}/part-*"])
def test_a_file_uri_folder_or_glob_finds_what_the_local_path_finds(
    spark: Any, logs: Logs, pattern: str
) -> None:
    uri = "file://" + pattern.format(logs.folder)
    got = scan(uri, accounts=logs.accounts, config=None, engine="spark")
    _same_findings(got, logs.local)
    # the session's own Arrow batch size is put back after the scan
    assert spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch") == "10000"


def test_a_uri_that_lists_nothing_is_an_input_error(spark: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a log")
    cases = {
        f"file://{tmp_path}/missing/": "no such file or folder",
        f"file://{tmp_path}/nothing-*.csv": "pattern matches no file",
        f"file://{tmp_path}/": "holds no supported log file",
        f"file://{tmp_path}/notes.txt": "unsupported file type",
        "nosuch://bucket/logs/": r'cannot list through Spark.s Hadoop file systems: .*"nosuch"',
        # no connector jar here: Hadoop names the missing class, we name the jar
        "s3a://bucket/logs/": r"cannot list .*S3AFileSystem not found \(the file system.s "
        r"connector must be on Spark.s classpath: hadoop-aws",
        # pyspark raises its own IllegalArgumentException for this one
        "hdfs://no-such-host:1/logs/": r"cannot list .*UnknownHostException: no-such-host",
    }
    for uri, message in cases.items():
        with pytest.raises(InputError, match=f"^{_escaped(uri)}: {message}"):
            scan(uri, config=None, engine="spark")


def _escaped(text: str) -> str:
    import re

    return re.escape(text)


def test_a_file_past_the_binary_row_limit_is_refused_naming_it(spark: Any, tmp_path: Path) -> None:
    a, _ = _tiny(tmp_path)
    key = "spark.sql.sources.binaryFile.maxLength"
    spark.conf.set(key, "100")
    try:
        with pytest.raises(InputError, match=rf"^file://{a}: \d+ bytes, more than the 100 a Spark"):
            scan(f"file://{tmp_path}/", config=None, engine="spark")
    finally:
        spark.conf.unset(key)


def test_a_bad_line_in_a_uri_file_names_the_uri_and_line(spark: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = ["timestamp,account,prompt"] + ["2026-04-22T10:00:00Z,a1,hi"] * 30
    bad.write_text("\n".join([*lines, "2026-04-22T10:00:00Z,a1,hi,extra,more"]) + "\n")
    _tiny(tmp_path)
    with pytest.raises(InputError, match=rf"^file://{bad}: cannot read as csv: line 32: 5 fields"):
        scan(f"file://{tmp_path}/", config=None, engine="spark")
    # --skip-errors: the file is listed as skipped; the others' rows and rejects keep
    # their own file (numbered without the skipped one)
    got = scan(f"file://{tmp_path}/", config=None, engine="spark", skip_errors=True)
    assert [(p, why[:40]) for p, why in got.input.files_skipped] == [
        (f"file://{bad}", f"file://{bad}: cannot read as csv"[:40])
    ]
    assert [f.path for f in got.input.files] == [
        f"file://{tmp_path}/a.csv",
        f"file://{tmp_path}/b.parquet",
    ]
    assert (got.input.rows_read, got.input.rows_rejected) == (26, 2)
    assert got.rejects.select("file", "row", "reason").rows() == [
        (f"file://{tmp_path}/b.parquet", 15, "missing_account"),
        (f"file://{tmp_path}/b.parquet", 16, "bad_timestamp"),
    ]


def test_the_cli_reads_uris_on_the_spark_engine(spark: Any, tmp_path: Path) -> None:
    _tiny(tmp_path / "logs")
    rejects = tmp_path / "rejects.csv"
    args = ["scan", f"file://{tmp_path}/logs/", "--config", "none", "--format", "json", "-q"]
    r = CliRunner().invoke(main, [*args, "--engine", "spark", "--rejects-out", str(rejects)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["input"]["rows_read"], data["input"]["rows_rejected"]) == (26, 2)
    assert [f["path"] for f in data["input"]["files"]] == [
        f"file://{tmp_path}/logs/a.csv",
        f"file://{tmp_path}/logs/b.parquet",
    ]
    assert pl.read_csv(rejects)["file"].to_list() == [f"file://{tmp_path}/logs/b.parquet"] * 2


def test_an_output_inside_a_scanned_file_uri_folder_is_refused(tmp_path: Path) -> None:
    from extractscan.run.outputs import check_outputs

    (tmp_path / "logs").mkdir()
    inside = str(tmp_path / "logs" / "report.json")
    with pytest.raises(UsageError, match="is inside the scanned folder"):
        check_outputs([f"file://{tmp_path}/logs/"], {"-o": inside})
    check_outputs([f"file://{tmp_path}/logs/"], {"-o": str(tmp_path / "report.json")})


def test_odd_names_and_an_empty_file_are_read_as_from_a_local_folder(
    spark: Any, tmp_path: Path
) -> None:
    # names Hadoop would read as a glob, and a CSV with a header only
    a, b = _tiny(tmp_path / "logs")
    odd = tmp_path / "logs" / "odd [1] {x}*.csv"
    a.rename(odd)
    (tmp_path / "logs" / "empty.csv").write_text("timestamp,account,prompt\n")
    local = scan(tmp_path / "logs", config=None)
    got = scan(f"file://{tmp_path}/logs/", config=None, engine="spark")
    assert [(f.path, f.rows_read, f.rows_rejected) for f in got.input.files] == [
        (f"file://{f.path}", f.rows_read, f.rows_rejected) for f in local.input.files
    ]
    assert [f.rows_read for f in got.input.files] == [16, 0, 10]
    assert got.rejects.drop("file").equals(local.rejects.drop("file"))
    # a hidden name (Spark's file sources skip it): left out of a folder, refused by name
    hidden = tmp_path / "logs" / "_part.parquet"
    b.rename(hidden)
    got = scan(f"file://{tmp_path}/logs/", config=None, engine="spark")
    assert [f.rows_read for f in got.input.files] == [0, 10]
    with pytest.raises(InputError, match=r"_part\.parquet: Spark does not read a file whose"):
        scan(f"file://{hidden}", config=None, engine="spark")


def test_parquet_rows_are_counted_for_the_plan_text_estimated(spark: Any, tmp_path: Path) -> None:
    a, b = _tiny(tmp_path)
    found = spark_uris.discover(spark, [f"file://{tmp_path}/"])
    # b.parquet: 16 rows from its footer; a.csv: its size / 400 bytes a row
    assert spark_uris.planned_rows(spark, found) == 16 + a.stat().st_size // 400
    b.write_text("not parquet")  # refused by Spark's reader: the size estimate instead
    found = spark_uris.discover(spark, [f"file://{tmp_path}/"])
    assert spark_uris.planned_rows(spark, found) == files.estimated_rows(found)


def test_a_file_gone_since_it_was_listed_is_an_input_error_naming_it(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, _ = _tiny(tmp_path)
    listed = spark_uris.discover

    def then_gone(session: Any, uris: list[str]) -> list[files.InputFile]:
        found = listed(session, uris)
        a.unlink()
        return found

    monkeypatch.setattr(spark_uris, "discover", then_gone)
    with pytest.raises(InputError, match=rf"^file://{a}: Spark could not read it: .*"):
        scan(f"file://{tmp_path}/", config=None, engine="spark")


def test_every_format_and_a_filter_read_through_a_uri_as_by_path(
    spark: Any, tmp_path: Path
) -> None:
    import pyarrow as pa

    rows = [
        {
            "timestamp": f"2026-04-2{d}T10:{m:02d}:00Z",
            "user_id": f"u{m % 3}",
            "prompt": f"p {d} {m}",
        }
        for d in (1, 2)
        for m in range(5)
    ]
    folder = tmp_path / "logs"
    folder.mkdir()
    lines = "".join(json.dumps(r) + "\n" for r in rows).encode()
    with pa.output_stream(str(folder / "a.jsonl.zst"), compression="zstd") as out:
        out.write(lines)
    (folder / "b.json").write_text(json.dumps({"Records": rows}))
    (folder / "c.log").write_text(json.dumps(rows))  # one document named as JSON lines
    pl.DataFrame(rows).write_csv(folder / "d.tsv", separator="\t")
    args: dict[str, Any] = {"config": None, "since": "2026-04-22"}
    local = scan(folder, **args)
    got = scan(f"file://{folder}/", **args, engine="spark")
    assert [(f.path, f.format, f.rows_read, f.rows_filtered) for f in got.input.files] == [
        (f"file://{f.path}", f.format, f.rows_read, f.rows_filtered) for f in local.input.files
    ]
    assert [f.format for f in got.input.files] == [
        "jsonl+zstd",
        "json (records under 'Records')",
        "json (by content; named jsonl)",
        "tsv",
    ]
    assert (got.input.rows_read, got.input.rows_filtered) == (40, 20)
    assert got.input.column_mapping == local.input.column_mapping
