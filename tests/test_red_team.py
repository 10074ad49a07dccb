"""Issue #16, round two: the red-team cases that crashed, misled or refused readable files.

Each test failed on the code before its fix; one test (or a few) per numbered defect.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from ipaddress import IPv4Address, IPv6Address
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extractscan.cli.main import main
from extractscan.config import Config
from extractscan.ingest.accounts_table import read_accounts

N = 20
BASE = 1_776_852_000  # 2026-04-22T10:00:00Z


def _scan_json(*args: str) -> tuple[int, dict[str, object], str]:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json"])
    data = json.loads(res.stdout) if res.stdout.strip().startswith("{") else {}
    return res.exit_code, data, res.stderr


def _input(data: dict[str, object]) -> dict[str, object]:
    section = data["input"]
    assert isinstance(section, dict)
    return section


# --- defect 10: out-of-range native timestamps -------------------------------------------

EXTREMES: list[tuple[pa.DataType, int]] = [
    (pa.timestamp("s"), 10**13),  # past year 292,277 in microseconds: the cast overflowed
    (pa.timestamp("s"), -(10**13)),
    (pa.timestamp("ms"), 9 * 10**18),
    (pa.timestamp("s", tz="Europe/Paris"), 10**13),
    (pa.date32(), 2**31 - 1),
    (pa.date64(), 10**11 * 86_400_000),
]


@pytest.mark.parametrize(("dtype", "value"), EXTREMES, ids=str)
def test_an_out_of_range_parquet_timestamp_is_a_bad_timestamp_row(
    tmp_path: Path, dtype: pa.DataType, value: int
) -> None:
    """A timestamp[s] of 10^13 in one row of 20 panicked polars (exit 4)."""
    days = [BASE // 86_400 + i for i in range(N)]
    stamps = {
        "date32[day]": days,
        "date64[ms]": [d * 86_400_000 for d in days],
        "timestamp[ms]": [(BASE + 3_600 * i) * 1_000 for i in range(N)],
    }.get(str(dtype), [BASE + 3_600 * i for i in range(N)])
    stamps[7] = value
    pq.write_table(
        pa.table(
            {
                "account": [f"a{i % 4}" for i in range(N)],
                "timestamp": pa.array(stamps, pa.int64()).cast(dtype, safe=False)
                if not pa.types.is_date32(dtype)
                else pa.array(stamps, pa.int32()).cast(dtype),
            }
        ),
        tmp_path / "r.parquet",
    )
    rejects = tmp_path / "rejects.csv"
    code, data, err = _scan_json(str(tmp_path / "r.parquet"), "--rejects-out", str(rejects))
    assert code == 0, err
    assert _input(data)["rejected_by_reason"] == {"bad_timestamp": 1}
    assert _input(data)["rows_analysed"] == N - 1
    # the stored integer, with its unit, where no datetime can hold it (polars reads
    # seconds as milliseconds, and a date64 through its day count)
    shown = pl.read_csv(rejects)["timestamp"].to_list()
    assert len(shown) == 1
    assert shown[0].endswith(" since 1970-01-01")
    if dtype == pa.timestamp("s"):
        assert shown[0].lstrip("'") == f"{value * 1000} ms since 1970-01-01"


def test_an_out_of_range_signup_at_becomes_empty(tmp_path: Path) -> None:
    """The same value through ``signup_at`` of the accounts table panicked too."""
    table = tmp_path / "accounts.parquet"
    pq.write_table(
        pa.table(
            {
                "account": ["a0", "a1", "a2"],
                "signup_at": pa.array([10**13, BASE, -(10**13)], pa.int64()).cast(
                    pa.timestamp("s")
                ),
                "signup_day": pa.array([2**31 - 1, 20_000, 0], pa.int32()).cast(pa.date32()),
            }
        ),
        table,
    )
    got = read_accounts(table, Config(), tmp_path).table
    assert got is not None
    assert got.sort("account")["signup_at"].to_list() == [
        None,
        datetime.fromtimestamp(BASE, UTC),
        None,
    ]
    day = read_accounts(table, Config(columns={"signup_at": "signup_day"}), tmp_path).table
    assert day is not None
    assert day.sort("account")["signup_at"].to_list() == [
        None,
        datetime.combine(date(2024, 10, 4), datetime.min.time(), UTC),
        None,
    ]
    log = tmp_path / "r.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a0\n2026-04-22T10:00:00Z,a1\n")
    code, _, err = _scan_json(str(log), "--accounts", str(table))
    assert code == 0, err


def test_every_native_timestamp_column_is_parsed_without_a_panic() -> None:
    """Each unit and zone at the edges of its range: parsed inside the window, else null."""
    from extractscan.ingest.normalize import parse_timestamp

    for unit in ("ns", "us", "ms"):
        for tz in (None, "UTC", "Asia/Tokyo"):
            phys = pl.Series([-(2**63) + 1, 2**63 - 1, 0, BASE * 10**6], dtype=pl.Int64)
            scale = {"ns": 1_000, "us": 1, "ms": 1 / 1_000}[unit]
            phys[3] = int(BASE * 10**6 * scale)
            col = phys.cast(pl.Datetime(unit, tz))  # type: ignore[arg-type]
            out = pl.DataFrame({"t": col}).select(parse_timestamp(pl.col("t"), col.dtype))
            at = datetime.fromtimestamp(BASE, UTC)
            assert out.to_series().to_list() == [None, None, None, at]


# --- defect 11: deep nesting, undecodable names, an ASCII terminal ------------------------

GOOD_LINE = '{"timestamp": "2026-04-22T10:00:00Z", "account": "a1", "prompt": "hi"}\n'


@pytest.mark.parametrize("opener", ["[", '{"k":'])
def test_a_json_line_nested_100000_deep_is_an_input_error_naming_the_line(
    tmp_path: Path, opener: str
) -> None:
    """Diagnosing it raised RecursionError (exit 4)."""
    closer = "]" if opener == "[" else "}"
    deep = '{"account": "a2", "meta": ' + opener * 100_000 + "1" + closer * 100_000 + "}\n"
    log = tmp_path / "deep.jsonl"
    log.write_text(GOOD_LINE * 3 + deep)
    res = CliRunner().invoke(main, ["scan", str(log), "-q"])
    assert res.exit_code == 3, res.output
    assert "line 4" in res.stderr
    assert "nested" in res.stderr
    ok = tmp_path / "ok.jsonl"
    ok.write_text(GOOD_LINE)
    res = CliRunner().invoke(main, ["scan", str(log), str(ok), "-q", "--skip-errors"])
    assert res.exit_code == 5, res.output


def test_a_file_name_that_is_not_utf8_is_read_and_shown_escaped(tmp_path: Path) -> None:
    """polars could not take the name (exit 4, even with --skip-errors)."""
    import os

    name = os.fsdecode(b"req\xff\xfe.csv")
    (tmp_path / name).write_text(
        "timestamp,account\n2026-04-22T10:00:00Z,a1\nnot a time,a2\n", encoding="utf-8"
    )
    rejects = tmp_path / "out" / "rejects.csv"
    rejects.parent.mkdir()
    for fmt in ("json", "markdown", "terminal"):
        res = CliRunner().invoke(
            main,
            ["scan", str(tmp_path / name), "--format", fmt, "--rejects-out", str(rejects)],
        )
        assert res.exit_code == 0, res.output
        shown = json.loads(res.stdout)["input"]["files"][0]["path"] if fmt == "json" else res.stdout
        # Markdown escapes the backslashes once more
        assert "req\\xff\\xfe.csv" in shown.replace("\\\\", "\\")
    assert pl.read_csv(rejects)["file"].str.ends_with("req\\xff\\xfe.csv").all()
    # a name polars cannot take, compressed and not: JSON lines, Parquet
    jl = tmp_path / os.fsdecode(b"j\xff.jsonl")
    jl.write_text(GOOD_LINE)
    with (tmp_path / os.fsdecode(b"p\xff.parquet")).open("wb") as fh:
        pq.write_table(pa.table({"timestamp": [BASE], "account": ["a3"]}), fh)
    code, data, err = _scan_json(str(jl), str(tmp_path / os.fsdecode(b"p\xff.parquet")))
    assert code == 0, err
    assert _input(data)["rows_read"] == 2


def test_an_ascii_terminal_gets_the_report_not_a_unicode_error(tmp_path: Path) -> None:
    """PYTHONIOENCODING=ascii: UnicodeEncodeError on the first '·' (exit 4)."""
    import os
    import subprocess
    import sys

    log = tmp_path / "r.csv"
    log.write_text("timestamp,account,prompt\n2026-04-22T10:00:00Z,a1,h\u00e9llo \u2603\n")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    for fmt in ("terminal", "markdown", "json"):
        run = subprocess.run(
            [sys.executable, "-m", "extractscan", "scan", str(log), "--format", fmt],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stderr.decode("ascii", "replace")
        assert b"internal error" not in run.stderr
        assert b"1 read" in run.stdout or b'"rows_read": 1' in run.stdout


def test_a_toml_config_nested_100000_deep_is_a_usage_error(tmp_path: Path) -> None:
    """tomllib's RecursionError was an internal error (exit 4)."""
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    log = tmp_path / "r.csv"
    log.write_text("timestamp,account\n2026-04-22T10:00:00Z,a1\n")
    res = CliRunner().invoke(main, ["scan", str(log), "--config", str(deep), "-q"])
    assert res.exit_code == 2, res.output
    assert "nested too deep" in res.stderr


# --- defect 15: an accounts table whose ids do not join ------------------------------------


def _ids_log(tmp_path: Path, ids: list[str]) -> Path:
    log = tmp_path / "r.csv"
    log.write_text(
        "timestamp,account\n"
        + "".join(f"2026-04-22T10:{i:02d}:00Z,{a}\n" for i, a in enumerate(ids))
    )
    return log


def _table(tmp_path: Path, ids: pa.Array) -> Path:
    path = tmp_path / "accounts.parquet"
    pq.write_table(
        pa.table({"account": ids, "payment": [f"card{i}" for i in range(len(ids))]}), path
    )
    return path


def test_float_ids_of_the_accounts_table_join_integer_text_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids 1000.0 (a float column) against log ids "1000": 0 joined, silently."""
    monkeypatch.chdir(tmp_path)
    log = _ids_log(tmp_path, ["1000", "1001", "1002", "1003.0"])
    table = _table(tmp_path, pa.array([1000.0, 1001.0, 1002.0, 1003.0]))
    code, data, err = _scan_json(str(log), "--accounts", str(table))
    assert code == 0, err
    t = _input(data)["accounts_table"]
    assert isinstance(t, dict)
    assert (t["matched_accounts"], t["log_accounts"], t["warning"]) == (4, 4, None)
    assert "warning" not in err
    assert data["schema_version"] == "1.5"
    res = CliRunner().invoke(main, ["scan", str(log), "--accounts", "accounts.parquet", "-q"])
    assert "accounts.parquet: 4 rows; 4 of 4 log accounts matched" in res.stdout


def test_an_accounts_table_that_matches_nothing_is_a_warning_with_its_cause(
    tmp_path: Path,
) -> None:
    log = _ids_log(tmp_path, [f"acct_{i}" for i in range(10)])
    table = _table(tmp_path, pa.array([float(i) for i in range(10)]))
    code, data, err = _scan_json(str(log), "--accounts", str(table))
    assert code == 0, err
    t = _input(data)["accounts_table"]
    assert isinstance(t, dict)
    assert (t["matched_accounts"], t["log_accounts"]) == (0, 10)
    warning = str(t["warning"])
    assert "matched none of the 10 log accounts" in warning
    assert "numbers" in warning and "text" in warning  # the likely cause: the id types
    assert f"warning: {warning}" in err
    res = CliRunner().invoke(
        main, ["scan", str(log), "--accounts", str(table), "--format", "markdown"]
    )
    assert "matched none of the 10 log accounts" in res.stdout
    # under half, with the id types apart: a warning too; leading zeros named as the cause
    log = _ids_log(tmp_path, ["7", "8", "9", "0010", "0011", "0012", "0013"])
    table = _table(tmp_path, pa.array([7, 8, 9, 10, 11, 12, 13]))
    _, data, err = _scan_json(str(log), "--accounts", str(table))
    t = _input(data)["accounts_table"]
    assert isinstance(t, dict)
    assert t["matched_accounts"] == 3
    assert "leading zeros" in str(t["warning"])
    assert "warning: the accounts table matched only 3 of 7" in err


# --- defect 16: --skip-errors skips a file it may not open --------------------------------


@pytest.mark.parametrize("name", ["locked.csv", "locked.jsonl", "locked.csv.gz"])
def test_skip_errors_skips_a_file_that_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Permission denied on a CSV or JSON-lines file was exit 3 even with --skip-errors.
    (Tests run as root, whom chmod 000 does not stop: opening is refused here instead.)"""
    import builtins
    import io

    locked = tmp_path / name
    locked.write_bytes(b"")
    ok = _ids_log(tmp_path, ["a1", "a2"])
    real_open = builtins.open
    real_io_open = io.open

    def refuse(opener):  # type: ignore[no-untyped-def]
        def open_(file, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(file) == str(locked):
                raise PermissionError(13, "Permission denied", str(file))
            return opener(file, *args, **kwargs)

        return open_

    monkeypatch.setattr(builtins, "open", refuse(real_open))
    monkeypatch.setattr(io, "open", refuse(real_io_open))
    import pyarrow as pa_mod

    real_stream = pa_mod.input_stream

    def stream(source, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(source) == str(locked):
            raise PermissionError(13, "Permission denied", str(source))
        return real_stream(source, *args, **kwargs)

    monkeypatch.setattr(pa_mod, "input_stream", stream)
    res = CliRunner().invoke(main, ["scan", str(locked), str(ok), "-q", "--skip-errors"])
    assert res.exit_code == 5, res.output
    assert "1 unreadable file(s) skipped" in res.stderr
    res = CliRunner().invoke(main, ["scan", str(locked), str(ok), "-q"])
    assert res.exit_code == 3
    assert f"{locked}: cannot " in res.stderr
    assert "Permission denied" in res.stderr


# --- defect 17: readable files that were refused -------------------------------------------


def test_a_gzip_log_with_a_250_character_name_is_read(tmp_path: Path) -> None:
    """The scratch copy was named after the input and passed the 255-byte name limit;
    the error named the scratch file."""
    import gzip

    log = tmp_path / ("x" * 243 + ".csv.gz")
    log.write_bytes(gzip.compress(b"timestamp,account\n2026-04-22T10:00:00Z,a1\n"))
    code, data, err = _scan_json(str(log))
    assert code == 0, err
    assert _input(data)["rows_read"] == 1


def test_a_binary_prompt_column_that_is_not_utf8_is_read_with_replacement(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bin.parquet"
    pq.write_table(
        pa.table(
            {
                "timestamp": ["2026-04-22T10:00:00Z"] * 3,
                "account": pa.array([b"a1", b"a\xff2", b"a3"], pa.binary()),
                "prompt": pa.array([b"hi", b"\xff\xfe bad", None], pa.binary()),
            }
        ),
        path,
    )
    code, data, err = _scan_json(str(path))
    assert code == 0, err
    assert _input(data)["rows_analysed"] == 3
    assert _input(data)["accounts_seen"] == 3  # "a\ufffd2" is an account, not a null


def test_a_parquet_map_column_is_kept_as_json_text(tmp_path: Path) -> None:
    path = tmp_path / "map.parquet"
    meta = pa.array([[("k", "v")], [("a", "b")]], pa.map_(pa.string(), pa.string()))
    pq.write_table(
        pa.table(
            {"timestamp": ["2026-04-22T10:00:00Z"] * 2, "account": ["a1", "a2"], "meta": meta}
        ),
        path,
    )
    code, data, err = _scan_json(str(path), "--column", "user_agent=meta")
    assert code == 0, err
    assert _input(data)["rows_read"] == 2
    # every row rejected: an input error (exit 3) that says why
    for column, why in (("timestamp", "2 bad_timestamp"), ("input_tokens", "2 bad_tokens")):
        code, data, err = _scan_json(str(path), "--column", f"{column}=meta")
        assert code == 3 and f"analysed 0 of 2 rows ({why})" in err, (column, err)


def test_a_json_document_whose_key_first_appears_after_record_100_is_read(
    tmp_path: Path,
) -> None:
    records: list[dict[str, object]] = [
        {"timestamp": "2026-04-22T10:00:00Z", "account": f"a{i}"} for i in range(150)
    ]
    records[120]["prompt"] = "late"
    records[130]["input_tokens"] = "12"  # a number written as text, late
    records[10]["input_tokens"] = 5
    path = tmp_path / "late.json"
    path.write_text(json.dumps(records))
    code, data, err = _scan_json(str(path))
    assert code == 0, err
    assert _input(data)["rows_analysed"] == 150
    assert "prompt" in _input(data)["column_mapping"]  # type: ignore[operator]


# --- defect 18: messages -----------------------------------------------------------------


def test_a_5_mb_first_line_gives_a_short_message(tmp_path: Path) -> None:
    """A 50 MB header without a required column gave a 50 MB error message."""
    log = tmp_path / "big.jsonl"
    log.write_text('{"' + "k" * 5_000_000 + '": 1}\n')
    csv_log = tmp_path / "big.csv"
    csv_log.write_text("when," + "x" * 5_000_000 + "\n2026-04-22T10:00:00Z,a1\n")
    for path in (log, csv_log):
        res = CliRunner().invoke(main, ["scan", str(path), "-q"])
        assert res.exit_code == 3
        assert len(res.stderr) < 2_000
        assert "…" in res.stderr
        assert "required column 'timestamp' not found" in res.stderr
        assert "--column timestamp=SOURCE" in res.stderr  # the hint at the end survives


def test_a_ragged_line_after_a_200_kb_field_is_named_by_its_own_line(tmp_path: Path) -> None:
    """Python's csv field limit (128 KiB) stopped the diagnosis at the long field, which
    was named as the culprit."""
    log = tmp_path / "rag.csv"
    log.write_text(
        "timestamp,account,prompt\n"
        f'2026-04-22T10:00:00Z,a1,"{"y" * 200_000}"\n'
        "2026-04-22T10:00:00Z,a2,p\n"
        "2026-04-22T10:00:00Z,a3,p\n"
        "2026-04-22T10:00:00Z,a4,p,extra,more\n"
    )
    res = CliRunner().invoke(main, ["scan", str(log), "-q"])
    assert res.exit_code == 3
    assert "line 5: 5 fields, header has 3" in res.stderr


def test_a_column_mapped_elsewhere_is_named_as_such(tmp_path: Path) -> None:
    """'--column signup_at=timestamp' said "required column 'timestamp' not found;
    columns found: timestamp, ..."."""
    log = _ids_log(tmp_path, ["a1"])
    res = CliRunner().invoke(main, ["scan", str(log), "-q", "--column", "signup_at=timestamp"])
    assert res.exit_code == 3
    assert "not found" not in res.stderr
    assert "column 'timestamp' is mapped to signup_at (--column signup_at=timestamp)" in res.stderr


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        ('{"timestamp": "2026-04-22T10:00:00Z", "account": "a9", "x": NaN}', "NaN"),
        ('{"timestamp": "2026-04-22T10:00:00Z", "account": "a9", "x": -Infinity}', "Infinity"),
        ('{"timestamp": "2026-04-22T10:00:00Z", "account": "a\\ud800", "x": 1.5}', "surrogate"),
    ],
)
def test_json_lines_with_nan_or_a_lone_surrogate_are_named_by_line(
    tmp_path: Path, bad: str, said: str
) -> None:
    log = tmp_path / "r.jsonl"
    log.write_text(GOOD_LINE * 3 + bad + "\n")
    res = CliRunner().invoke(main, ["scan", str(log), "-q"])
    if res.exit_code == 0:  # read: then the value must not have been lost silently
        assert said == "surrogate"
        return
    assert res.exit_code == 3, res.output
    assert "line 4" in res.stderr
    assert said in res.stderr


# --- defect 13: --redact leaves nothing behind ---------------------------------------------


def _planted_scan(tmp_path: Path, s: dict[str, str]) -> list[bytes]:
    """Scan a small campaign with secrets planted in prompts, ids, the accounts table,
    rejected rows and the file's name, with --redact; every output's bytes."""
    from tests.conftest import campaign_frames

    req, acc = campaign_frames(12, 30)
    extra = (
        f" card {s['card']} mail <{s['email']}> from {s['ip4']}, [{s['ip6']}]:443 and {s['mapped']}"
    )
    req = req.with_columns(
        pl.when(pl.col("account") == "c00")
        .then(pl.lit(s["email_id"]))
        .otherwise(pl.col("account"))
        .alias("account"),
        pl.when(pl.col("account").str.starts_with("c"))
        .then(pl.col("prompt") + extra)
        .otherwise(pl.col("prompt"))
        .alias("prompt"),
    )
    acc = acc.with_columns(
        pl.col("account").replace("c00", s["email_id"]),
        pl.when(pl.col("account") == "c01")
        .then(pl.lit(s["card"]))
        .otherwise(pl.col("payment"))
        .alias("payment"),
        pl.when(pl.col("account") == "b001")
        .then(pl.lit(s["email_org"]))
        .otherwise(pl.col("org"))
        .alias("org"),
        pl.when(pl.col("account") == "b002")
        .then(pl.lit(s["ip_country"]))
        .otherwise(pl.lit("DE"))
        .alias("country"),
    )
    bad = pl.DataFrame(
        {
            "timestamp": [f"at {s['email_ts']} from {s['ip_ts']}"],
            "account": ["r1"],
            "prompt": ["p" * 190 + " " + s["email_cut"]],  # cut at 200 characters
        }
    )
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    log = folder / f"r-{s['email_file']}.csv"
    pl.concat([req, bad], how="diagonal").write_csv(log)
    acc.write_csv(folder / "a.csv")
    out: list[bytes] = []
    for fmt in ("json", "markdown", "terminal"):
        ao, ro = tmp_path / f"ao-{fmt}.csv", tmp_path / f"ro-{fmt}.csv"
        res = CliRunner().invoke(
            main,
            ["scan", str(log), "--accounts", str(folder / "a.csv"), "--redact"]
            + ["--format", fmt, "--accounts-out", str(ao), "--rejects-out", str(ro)],
        )
        assert res.exit_code == 0, res.output
        assert "INC-" in res.stdout
        out += [res.stdout_bytes, res.stderr_bytes, ao.read_bytes(), ro.read_bytes()]
    return out


PLANTED = {
    "card": "fp_9c1e77ab30d2",
    "email": "alice.w@corp.example",
    "ip4": "203.0.113.77",
    "ip6": "2001:db8:85a3::8a2e:370:7334",
    "mapped": "::ffff:198.18.4.9",
    "email_id": "boss@corp.example",
    "email_org": "billing@org.example",
    "ip_country": "192.0.2.44",
    "email_ts": "ts@when.example",
    "ip_ts": "198.51.100.231",
    "email_cut": "carol.longname@cut.example",
    "email_file": "eve@files.example",
}
_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=2, max_size=8)
_EMAIL = st.builds(lambda a, b, c: f"{a}.{b}@{c}.example", _LABEL, _LABEL, _LABEL)
_IP4 = st.ip_addresses(v=4).filter(lambda a: a.is_global).map(str)


def _ordinary_v6(a: IPv4Address | IPv6Address) -> bool:
    return isinstance(a, IPv6Address) and a.ipv4_mapped is None and len(str(a)) >= 8


_IP6 = st.ip_addresses(v=6).filter(_ordinary_v6).map(str)


@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@example(secrets=PLANTED)
@given(
    secrets=st.fixed_dictionaries(
        {
            "card": st.text("0123456789abcdef", min_size=10, max_size=16).map("fp_".__add__),
            "email": _EMAIL,
            "ip4": _IP4,
            "ip6": _IP6,
            "mapped": _IP4.map("::ffff:".__add__),
            "email_id": _EMAIL,
            "email_org": _EMAIL,
            "ip_country": _IP4,
            "email_ts": _EMAIL,
            "ip_ts": _IP4,
            "email_cut": _EMAIL,
            "email_file": _EMAIL,
        }
    )
)
def test_redact_masks_planted_secrets_in_every_output(
    tmp_path_factory: pytest.TempPathFactory, secrets: dict[str, str]
) -> None:
    """No planted value appears in any output byte (terminal, Markdown, JSON, progress,
    --accounts-out, --rejects-out). It survived before: cards and IPs quoted in prompts,
    an IPv4-mapped IPv6 (its last three octets), an e-mail in the file's name (every
    report, progress line and the rejects file), an org e-mail and a country IP in the
    accounts table, an e-mail and IP in a rejected row's timestamp, an e-mail cut at 200
    characters."""
    outputs = _planted_scan(tmp_path_factory.mktemp("redact"), secrets)
    for name, value in secrets.items():
        for i, blob in enumerate(outputs):
            assert value.encode() not in blob, (name, i)
    whole = b"".join(outputs)
    mapped_tail = secrets["mapped"].split(":")[-1].split(".", 1)[1]
    if len(mapped_tail) >= 7:  # long enough not to occur by chance
        assert mapped_tail.encode() not in whole  # the mapped address kept its octets
    assert secrets["email_cut"].split("@")[0].encode() + b"@" not in whole


# --- defect 7: JSON-lines typing linear in distinct nested keys -----------------------------


def test_objects_with_many_distinct_keys_are_kept_as_json_text(tmp_path: Path) -> None:
    """A metadata object with a caller-chosen key per line: typed as one struct of every
    key seen, reading grew with the square of the keys (1,000 / 2,000 / 3,000 rows took
    6 / 22 / 69 s). Objects are read as their JSON text instead."""
    import time

    from extractscan.ingest.files import classify, open_lazy

    n = 3_000
    log = tmp_path / "meta.jsonl"
    log.write_text(
        "".join(
            json.dumps(
                {
                    "timestamp": "2026-04-22T10:00:00Z",
                    "account": f"a{i % 50}",
                    "prompt": "hi",
                    "metadata": {f"k{i}": i, "common": "x"},
                    "messages": [{"role": "user", "content": f"q{i}"}],
                }
            )
            + "\n"
            for i in range(n)
        )
    )
    f = classify(log)
    assert f is not None
    schema = open_lazy(f, tmp_path).collect_schema()
    assert schema["metadata"] == pl.String  # not a struct of 3,001 fields
    start = time.monotonic()
    code, data, err = _scan_json(str(log), "--column", "user_agent=metadata")
    assert code == 0, err
    assert _input(data)["rows_analysed"] == n
    assert time.monotonic() - start < 4  # 7.5 s on the 2-core test machine before


def test_a_json_line_nested_1000_deep_that_polars_reads_is_read(tmp_path: Path) -> None:
    """Counting its nested keys must not recurse once per level; typed as 1,000 nested
    lists it took 43 s to read: past 32 levels values are read as JSON text."""
    import time

    start = time.monotonic()
    log = tmp_path / "deep.jsonl"
    log.write_text(GOOD_LINE + '{"account": "a2", "meta": ' + "[" * 1000 + "]" * 1000 + "}\n")
    code, data, err = _scan_json(str(log), "--column", "user_agent=meta")
    assert code == 0, err
    assert _input(data)["rows_read"] == 2
    assert time.monotonic() - start < 5


# --- defect 5: thousands of small files in one read plan -----------------------------------


def _small_files(folder: Path, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        ts = "never" if i == 150 else f"2026-04-22T10:{i % 60:02d}:00Z"
        (folder / f"f{i:04d}.csv").write_text(
            f"timestamp,account,prompt\n{ts},a{i % 40},hello {i}\n2026-04-22T11:00:00Z,a1,x\n"
        )
    for i in range(30):
        (folder / f"j{i:03d}.jsonl").write_text(GOOD_LINE)
        pq.write_table(
            pa.table({"timestamp": [BASE + i], "account": [f"p{i}"]}), folder / f"p{i:03d}.parquet"
        )


def test_many_small_files_are_read_in_one_plan_with_exact_counts(tmp_path: Path) -> None:
    """250 / 1,000 / 2,000 one-row CSVs took 5.5 / 19 / 47 s (each file its own branch
    of the query); 20,000 reached 9.3 GB."""
    import time

    from extractscan.config import Config
    from extractscan.ingest import files
    from extractscan.ingest.batches import read_plan
    from extractscan.ingest.opening import Reading, open_all

    _small_files(tmp_path / "logs", 400)
    found = files.discover([tmp_path / "logs"])
    opened, skipped = open_all(found, Reading(Config(), tmp_path))
    assert not skipped and len(opened) == 460
    assert len(read_plan(opened)) == 3  # one per format (files sorted: f*, j*, p*)
    start = time.monotonic()
    rejects = tmp_path / "rejects.csv"
    code, data, err = _scan_json(str(tmp_path / "logs"), "--rejects-out", str(rejects))
    assert code == 0, err
    assert time.monotonic() - start < 6  # about 8 s before on the 2-core test machine
    section = _input(data)
    assert section["rows_read"] == 400 * 2 + 60
    assert section["rejected_by_reason"] == {"bad_timestamp": 1}
    listed = section["files"]
    assert isinstance(listed, list)
    per_file = {Path(f["path"]).name: f for f in listed}
    assert per_file["f0150.csv"]["rows_rejected"] == 1
    assert per_file["f0151.csv"]["rows_read"] == 2
    assert per_file["p029.parquet"]["rows_read"] == 1
    got = pl.read_csv(rejects)
    assert (Path(got["file"][0]).name, got["row"][0]) == ("f0150.csv", 1)


def test_a_bad_small_file_among_many_is_named_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "logs"
    _small_files(folder, 60)
    (folder / "f0030.csv").write_text(
        "timestamp,account,prompt\n2026-04-22T10:00:00Z,a1,p\n2026-04-22T10:00:00Z,a2,p,x,y\n"
    )
    (folder / "f0031.csv").write_text('timestamp,account,"prompt\n2026-04-22T10:00:00Z,a1,p\n')
    res = CliRunner().invoke(main, ["scan", str(folder), "-q"])
    assert res.exit_code == 3
    assert "f0030.csv" in res.stderr or "f0031.csv" in res.stderr
    code, data, err = _scan_json(str(folder), "--skip-errors")
    assert code == 5, err
    files_skipped = _input(data)["files_skipped"]
    assert isinstance(files_skipped, list)
    skipped = [Path(s["path"]).name for s in files_skipped]
    assert sorted(skipped) == ["f0030.csv", "f0031.csv"]
    assert _input(data)["rows_read"] == 58 * 2 + 60


def test_batched_small_files_give_the_same_findings_as_one_scan_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A campaign split over 60 files of three formats: the same report and rejects
    whether the files are read by three scans or by sixty."""
    import io

    from extractscan.ingest import batches
    from extractscan.report import render
    from extractscan.run.pipeline import scan
    from tests.conftest import campaign_frames

    req, acc = campaign_frames(12, 60)
    req = req.with_row_index("i")
    for k in range(60):
        part = req.filter(pl.col("i") % 60 == k).drop("i")
        if k == 27:  # one rejected row, row 4 of its file
            bad = pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("bad"))
            part = part.with_columns(bad.otherwise(pl.col("timestamp")).alias("timestamp"))
        name = tmp_path / "logs" / f"p{k:03d}"
        name.parent.mkdir(exist_ok=True)
        if k < 20:
            part.write_ndjson(name.with_suffix(".jsonl"))
        elif k < 40:
            part.write_csv(name.with_suffix(".csv"))
        else:
            part.write_parquet(name.with_suffix(".parquet"))
    acc.write_csv(tmp_path / "accounts.csv")

    def run() -> tuple[dict[str, object], pl.DataFrame]:
        f = scan(tmp_path / "logs", accounts=tmp_path / "accounts.csv")
        buf = io.StringIO()
        render(f, "json", buf)
        report = json.loads(buf.getvalue())
        report.pop("generated_at")
        return report, f.rejects

    batched, batched_rejects = run()
    monkeypatch.setattr(batches, "SMALL_FILE", -1)
    alone, alone_rejects = run()
    assert batched == alone
    assert batched_rejects.equals(alone_rejects)
    assert batched_rejects["row"].to_list() == [4]
    assert len(batched["incidents"]) == 1  # type: ignore[arg-type]


# --- defect 6: a cap on decompressed bytes ---------------------------------------------------


@pytest.mark.parametrize("codec", ["gzip", "zstd"])
def test_a_decompression_bomb_is_an_input_error_naming_the_file(tmp_path: Path, codec: str) -> None:
    """33 KB of zstd expanded to 1 GB of blank lines (each a row) and grew to 16 GB: past
    a multiple of its compressed size (and a ceiling) a file is refused."""
    body = b"timestamp,account,prompt\n2026-04-22T10:00:00Z,a1," + b"a" * (6 << 20) + b"\n"
    suffix = ".csv.gz" if codec == "gzip" else ".csv.zst"
    bomb = tmp_path / f"bomb{suffix}"
    with pa.output_stream(str(bomb), compression=codec) as out:
        out.write(body)
    assert bomb.stat().st_size < 64 << 10
    ok = _ids_log(tmp_path, ["a1"])
    res = CliRunner().invoke(main, ["scan", str(bomb), "-q"])
    assert res.exit_code == 3, res.output
    assert f"{bomb}: decompresses to more than" in res.stderr
    assert "decompressed_ratio" in res.stderr  # says how to allow it
    res = CliRunner().invoke(main, ["scan", str(bomb), str(ok), "-q", "--skip-errors"])
    assert res.exit_code == 5
    config = tmp_path / "limits.toml"
    config.write_text("[limits]\ndecompressed_ratio = 100000\n")
    code, data, err = _scan_json(str(bomb), "--config", str(config))
    assert code == 0, err
    assert _input(data)["rows_read"] == 1
    config.write_text('[limits]\ndecompressed_ratio = 100000\ndecompressed_max = "2M"\n')
    res = CliRunner().invoke(main, ["scan", str(bomb), "-q", "--config", str(config)])
    assert res.exit_code == 3
    assert "2,097,152 bytes" in res.stderr


def test_a_parquet_file_without_rows_among_small_files_reads_as_0_rows(tmp_path: Path) -> None:
    """A file read on its own is checked for rows on its own: only text files can hold
    data from which no row is read."""
    empty = pa.table({"timestamp": pa.array([], pa.string()), "account": pa.array([], pa.string())})
    pq.write_table(empty, tmp_path / "a.parquet")
    pq.write_table(empty, tmp_path / "b.parquet")
    code, data, err = _scan_json(str(tmp_path / "a.parquet"), str(_ids_log(tmp_path, ["a1"])))
    assert code == 0, err
    assert _input(data)["rows_read"] == 1
    code, data, err = _scan_json(str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet"))
    assert code == 0, err
    assert _input(data)["rows_read"] == 0
