"""Ingest: discovery of files, folders and globs; compressed formats; clear errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from extractscan.ingest.files import classify, discover, open_lazy, parquet_rows
from extractscan.model.errors import InputError

FRAME = pl.DataFrame(
    {"timestamp": ["2026-04-22T00:00:00Z", "2026-04-22T00:01:00Z"], "account": ["a", "b"]}
)


def _write_all(d: Path) -> None:
    FRAME.write_parquet(d / "p.parquet")
    FRAME.write_csv(d / "c.csv")
    FRAME.write_csv(d / "t.tsv", separator="\t")
    FRAME.write_ndjson(d / "j.jsonl")
    (d / "j.ndjson.gz").write_bytes(gzip.compress((d / "j.jsonl").read_bytes()))
    with pa.output_stream(str(d / "c.csv.zst"), compression="zstd") as out:
        out.write((d / "c.csv").read_bytes())
    (d / "README.txt").write_text("not a log")


@pytest.mark.parametrize(
    ("name", "fmt", "comp"),
    [
        ("a.parquet", "parquet", None),
        ("a.CSV.GZ", "csv", "gzip"),
        ("a.tsv", "tsv", None),
        ("a.ndjson.zst", "jsonl", "zstd"),
        ("a.jsonl", "jsonl", None),
        ("a.txt", None, None),
        ("a.gz", None, None),
    ],
)
def test_classify(name: str, fmt: str | None, comp: str | None) -> None:
    info = classify(Path(name))
    assert (info.format if info else None) == fmt
    if info:
        assert info.compression == comp


def test_every_format_reads_the_same_rows(tmp_path: Path) -> None:
    _write_all(tmp_path)
    files = discover([tmp_path])
    assert [f.path.name for f in files] == [
        "c.csv",
        "c.csv.zst",
        "j.jsonl",
        "j.ndjson.gz",
        "p.parquet",
        "t.tsv",
    ]
    for f in files:
        df = open_lazy(f, tmp_path).collect()
        assert df.height == 2, f.path
        assert df["account"].to_list() == ["a", "b"]


def test_glob_and_dedup(tmp_path: Path) -> None:
    _write_all(tmp_path)
    files = discover([str(tmp_path / "*.csv*"), tmp_path / "c.csv"])
    assert [f.path.name for f in files] == ["c.csv", "c.csv.zst"]


def test_parquet_rows_from_metadata(tmp_path: Path) -> None:
    _write_all(tmp_path)
    assert parquet_rows(discover([tmp_path / "p.parquet"])) == 2
    assert parquet_rows(discover([tmp_path])) is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d / "missing.csv", "no such file or folder"),
        (lambda d: (d / "x.txt").write_text("x") and d / "x.txt", "unsupported file type"),
        (lambda d: str(d / "*.nothing"), "pattern matches no supported log file"),
        (lambda d: (d / "empty").mkdir() or d / "empty", "folder holds no supported log file"),
    ],
)
def test_discover_errors(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        discover([setup(tmp_path)])


def test_empty_csv_and_bad_gzip_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    (tmp_path / "bad.csv.gz").write_bytes(b"not gzip at all")
    (tmp_path / "bad.parquet").write_bytes(b"nope")
    for name, msg in [
        ("e.csv", "file is empty"),
        ("bad.csv.gz", "cannot decompress"),
        ("bad.parquet", "cannot read as parquet"),
    ]:
        f = discover([tmp_path / name])[0]
        with pytest.raises(InputError, match=msg) as info:
            open_lazy(f, tmp_path).collect()
        assert name in str(info.value)
