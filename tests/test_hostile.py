"""A corpus of hostile and messy inputs: never a traceback, nothing lost, nothing injected.

Every case must end as a clear error naming the file (exit 3, or 5 with --skip-errors)
or as a scan whose rows reconcile (read = analysed + rejected, per file), and no output
(terminal at a real width, JSON, Markdown, CSV) may carry a control character, an
escape sequence other than colour, a bidi override or unescaped markup.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractscan.cli.main import main

EVIL = (
    "[bold]x[/bold]\x1b]8;;http://evil.example\x07link\x1b]8;;\x07\x1b[2J\x1b]0;title\x07\u202e\x07"
)
FORMULA = '=HYPERLINK("http://evil.example","click")'
GOOD = {
    "timestamp": "2026-04-22T10:00:00Z",
    "account": "acct_1",
    "ip": "198.51.100.1",
    "user_agent": "sdk/1",
    "prompt": "hello",
    "input_tokens": 5,
    "output_tokens": 7,
}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _csv(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _jsonl(path: Path, records: Sequence[object], extra: str = "") -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + extra, encoding="utf-8")
    return path


def _rows(n: int, **over: object) -> list[dict[str, object]]:
    return [{**GOOD, "account": f"acct_{i}", **over} for i in range(n)]


HEADER = "timestamp,account,ip,user_agent,prompt,input_tokens,output_tokens\n"
LINE = "2026-04-22T10:00:00Z,acct_{i},198.51.100.1,sdk/1,hello,5,7\n"


def corpus(d: Path) -> dict[str, Callable[[], Path]]:
    """Case name -> a function writing the case's file (or folder)."""
    big = "A" * 5_000_000

    def parquet(name: str, frame: pl.DataFrame) -> Path:
        frame.write_parquet(d / name)
        return d / name

    def truncated_gz(name: str, raw: bytes) -> Path:
        blob = gzip.compress(raw)
        (d / name).write_bytes(blob[: len(blob) // 2])
        return d / name

    def mixed_parts() -> Path:
        folder = d / "parts"
        folder.mkdir()
        pl.DataFrame(_rows(3)).write_parquet(folder / "part-0.parquet")
        pl.DataFrame(_rows(2)).rename({"account": "user_id"}).with_columns(
            pl.lit("x").alias("extra")
        ).write_parquet(folder / "part-1.parquet")
        return folder

    def bad_part() -> Path:
        folder = d / "badparts"
        folder.mkdir()
        pl.DataFrame(_rows(3)).write_parquet(folder / "part-0.parquet")
        pl.DataFrame({"foo": [1]}).write_parquet(folder / "part-1.parquet")
        return folder

    lines = "".join(LINE.format(i=i) for i in range(3))
    return {
        "csv_invalid_utf8": lambda: _csv(
            d / "a.csv",
            HEADER.encode() + b"2026-04-22T10:00:00Z,acct_\xff\xfe,1.2.3.4,ua,hi\xc3,1,2\n",
        ),
        "jsonl_invalid_utf8": lambda: _csv(
            d / "a.jsonl", b'{"timestamp":"2026-04-22T10:00:00Z","account":"a\xff","prompt":"x"}\n'
        ),
        "csv_nul_bytes": lambda: _csv(
            d / "n.csv", HEADER + "2026-04-22T10:00:00Z,ac\x00ct,1.2.3.4,u\x00a,h\x00i,1,2\n"
        ),
        "jsonl_nul_bytes": lambda: _jsonl(
            d / "n.jsonl", _rows(2, prompt="a\u0000b", account="x\u0000y")
        ),
        "parquet_nul_bytes": lambda: parquet("n.parquet", pl.DataFrame(_rows(2, prompt="a\x00b"))),
        "csv_ragged": lambda: _csv(
            d / "r.csv", HEADER + lines + "2026-04-22T10:00:00Z,x,1,2,3,4,5,6,7\n"
        ),
        "csv_short_rows": lambda: _csv(
            d / "s.csv", HEADER + lines + "2026-04-22T10:00:00Z,short\n"
        ),
        "csv_unterminated_quote": lambda: _csv(
            d / "u.csv", HEADER + lines + '2026-04-22T10:00:00Z,x,1,u,"open,1,2\n'
        ),
        "csv_duplicate_headers": lambda: _csv(
            d / "dup.csv", "timestamp,account,account,prompt\n2026-04-22T10:00:00Z,a,b,hi\n"
        ),
        "csv_header_only": lambda: _csv(d / "h.csv", HEADER),
        "csv_empty": lambda: _csv(d / "e.csv", ""),
        "jsonl_empty": lambda: _csv(d / "e.jsonl", ""),
        "parquet_empty": lambda: parquet("e.parquet", pl.DataFrame(_rows(1)).clear()),
        "csv_5mb_prompt": lambda: _csv(
            d / "big.csv", HEADER + f"2026-04-22T10:00:00Z,a,1.2.3.4,u,{big},1,2\n"
        ),
        "jsonl_5mb_prompt": lambda: _jsonl(d / "big.jsonl", _rows(1, prompt=big)),
        "parquet_5mb_prompt": lambda: parquet("big.parquet", pl.DataFrame(_rows(1, prompt=big))),
        "csv_mixed_timestamps": lambda: _csv(
            d / "t.csv",
            HEADER + "2026-04-22T10:00:00Z,a,1,u,p,1,2\n1776852000,b,1,u,p,1,2\n"
            "1776852000000,c,1,u,p,1,2\n22/04/2026,d,1,u,p,1,2\n2026-04-22 10:00,e,1,u,p,1,2\n",
        ),
        "jsonl_mixed_timestamps": lambda: _jsonl(
            d / "t.jsonl",
            [{**GOOD, "timestamp": t} for t in ("2026-04-22T10:00:00+02:00", "yesterday")],
        ),
        "jsonl_numbers_as_strings": lambda: _jsonl(
            d / "num.jsonl", _rows(2, input_tokens="12", output_tokens="x7")
        ),
        "parquet_numbers_as_strings": lambda: parquet(
            "num.parquet", pl.DataFrame(_rows(2, input_tokens="12", output_tokens="-3"))
        ),
        "jsonl_nested_where_string": lambda: _jsonl(
            d / "nest.jsonl",
            [GOOD, {**GOOD, "account": {"id": 1}, "prompt": [{"role": "user", "content": "hi"}]}],
        ),
        "jsonl_bad_line": lambda: _jsonl(d / "bad.jsonl", [GOOD], extra="{broken\n"),
        "csv_gz_truncated": lambda: truncated_gz("t.csv.gz", (HEADER + lines * 2000).encode()),
        "jsonl_gz_truncated": lambda: truncated_gz(
            "t.jsonl.gz", (json.dumps(GOOD) + "\n").encode() * 3000
        ),
        "parquet_parts_different_schemas": mixed_parts,
        "parquet_part_without_account": bad_part,
        "csv_attacker_text": lambda: _csv(
            d / "evil.csv",
            HEADER
            + f'2026-04-22T10:00:00Z,"{EVIL}",1.2.3.4,"{EVIL}","{EVIL} {FORMULA}",1,2\n'
            + f'2026-04-22T10:00:00Z,"{FORMULA}",1.2.3.4,ua,p,1,2\n',
        ),
        "jsonl_attacker_text": lambda: _jsonl(
            d / "evil.jsonl", _rows(2, account=EVIL, user_agent=EVIL, prompt=EVIL)
        ),
        "parquet_attacker_text": lambda: parquet(
            "evil.parquet", pl.DataFrame(_rows(2, account=EVIL, prompt=FORMULA))
        ),
        "csv_bom_crlf": lambda: _csv(
            d / "bom.csv", ("\ufeff" + HEADER + lines).replace("\n", "\r\n")
        ),
        "csv_rejected_rows": lambda: _csv(
            d / "rej.csv",
            HEADER + ",a,1,u,p,1,2\n2026-04-22T10:00:00Z,,1,u,p,1,2\n"
            "2026-04-22T10:00:00Z,b,1,u,p,-1,2\n" + lines,
        ),
    }


CASES = sorted(corpus(Path("/nonexistent")))


def _check_output(text: str, *, colored: bool = False) -> None:
    body = re.sub(r"\x1b\[[0-9;]*m", "", text) if colored else text
    assert not CONTROL.search(body), repr(CONTROL.search(body))
    assert "\x1b" not in body
    assert "<script" not in body.lower()


@pytest.mark.parametrize("case", CASES)
def test_hostile_case(case: str, tmp_path: Path) -> None:
    target = corpus(tmp_path)[case]()
    out = tmp_path / "out"
    out.mkdir()
    runner = CliRunner()
    res = runner.invoke(
        main,
        [
            "scan",
            str(target),
            "--format",
            "json",
            "-o",
            str(out / "r.json"),
            "--accounts-out",
            str(out / "a.csv"),
            "--rejects-out",
            str(out / "rej.csv"),
        ],
    )
    assert not (res.exception and not isinstance(res.exception, SystemExit)), res.exception
    assert "Traceback" not in res.output
    assert res.exit_code in (0, 3), res.output
    if res.exit_code == 3:
        assert target.name in res.stderr, res.stderr  # the error names the file
        _check_output(res.stderr)
        skip = runner.invoke(main, ["scan", str(target), "--skip-errors", "--format", "json"])
        assert skip.exit_code in (3, 5) and "Traceback" not in skip.output
        return
    data = json.loads((out / "r.json").read_text())
    s = data["input"]
    assert s["rows_read"] == s["rows_analysed"] + s["rows_rejected"]
    assert s["rows_rejected"] == sum(s["rejected_by_reason"].values())
    for f in s["files"]:
        assert f["rows_read"] == f["rows_analysed"] + f["rows_rejected"]
    raw = (out / "r.json").read_text()
    assert "\\u001b" not in raw and "\\u0000" not in raw and "\u202e" not in raw
    rejects = pl.read_csv(out / "rej.csv", infer_schema=False) if s["rows_rejected"] else None
    if rejects is not None:
        assert rejects.height == s["rows_rejected"]
    for sink in (out / "a.csv", out / "rej.csv"):
        if sink.exists():
            text = sink.read_text()
            _check_output(text.replace("\n", " ").replace("\r", " "))
    for fmt in ("terminal", "markdown", "html"):
        r = runner.invoke(
            main, ["scan", str(target), "--format", fmt], color=True, env={"COLUMNS": "100"}
        )
        assert r.exit_code == 0
        _check_output(r.stdout, colored=True)
        if fmt == "html":  # log text is text: "<" only ever opens the page's own tags
            from tests.test_html import _check_structure

            _check_structure(r.stdout)


def test_formula_cells_are_defused(tmp_path: Path) -> None:
    target = corpus(tmp_path)["csv_attacker_text"]()
    res = CliRunner().invoke(main, ["scan", str(target), "--accounts-out", str(tmp_path / "a.csv")])
    assert res.exit_code == 0
    accounts = pl.read_csv(tmp_path / "a.csv")["account"].to_list()
    assert any(a.startswith("'=HYPERLINK(") for a in accounts)
    assert all(not a.startswith(("=", "+", "-", "@")) for a in accounts)


def test_strict_and_rejects_out(tmp_path: Path) -> None:
    target = corpus(tmp_path)["csv_rejected_rows"]()
    res = CliRunner().invoke(
        main, ["scan", str(target), "--strict", "--rejects-out", str(tmp_path / "rejects.csv")]
    )  # the input is rej.csv: writing the rejects over it is refused (exit 2)
    assert res.exit_code == 3 and "--strict: 3 row(s) rejected" in res.stderr
    rej = pl.read_csv(tmp_path / "rejects.csv", infer_schema=False)
    assert rej.select("row", "reason").rows() == [
        ("1", "bad_timestamp"),
        ("2", "missing_account"),
        ("3", "bad_tokens"),
    ]
    assert rej["file"].to_list() == [str(target)] * 3


def test_skip_errors_lists_the_file_and_exits_5(tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", HEADER + LINE.format(i=1))
    bad = _csv(tmp_path / "ragged.csv", HEADER + "2026-04-22T10:00:00Z,x,1,2,3,4,5,6,7\n")
    res = CliRunner().invoke(main, ["scan", str(good), str(bad)])
    assert res.exit_code == 3 and "ragged.csv" in res.stderr and "line 2" in res.stderr
    res = CliRunner().invoke(
        main, ["scan", str(good), str(bad), "--skip-errors", "--format", "json"]
    )
    assert res.exit_code == 5
    data = json.loads(res.stdout)
    assert [f["path"] for f in data["input"]["files_skipped"]] == [str(bad)]
    assert data["input"]["rows_read"] == 1


@pytest.mark.parametrize("case", ["csv_invalid_utf8", "jsonl_invalid_utf8"])
def test_invalid_utf8_is_replaced_and_counted(tmp_path: Path, case: str) -> None:
    target = corpus(tmp_path)[case]()
    res = CliRunner().invoke(main, ["scan", str(target), "--format", "json"])
    assert res.exit_code == 0
    s = json.loads(res.stdout)["input"]
    assert s["rows_with_replaced_bytes"] == 1 and s["rows_read"] == 1
    assert s["files"][0]["path"] == str(target)


def test_redact_masks_consistently(tmp_path: Path) -> None:
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    req = req.with_columns(pl.lit("mail me at boss@corp.example from 10.1.2.3").alias("prompt"))
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = ["scan", str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv")]
    for fmt in ("json", "markdown", "terminal"):
        res = CliRunner().invoke(main, [*args, "--format", fmt, "--redact"])
        out = res.stdout
        assert "card_0" not in out and "198.51.100" not in out and "boss@corp.example" not in out
        assert "10.1.2.3" not in out and "ops1000@mail.example" not in out
    data = json.loads(CliRunner().invoke(main, [*args, "--format", "json", "--redact"]).stdout)
    pay = next(ln for ln in data["incidents"][0]["links"] if ln["family"] == "payment")
    assert [v["value"] for v in pay["values"]] == ["card-1", "card-2", "card-3"]
    assert "<email-" in data["incidents"][0]["sample_prompts"][0]
    res = CliRunner().invoke(main, [*args, "--redact", "--accounts-out", str(tmp_path / "o.csv")])
    assert "card_0" not in (tmp_path / "o.csv").read_text()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "timestamp": st.one_of(st.text(max_size=25), st.integers(0, 2**42).map(str)),
                "account": st.text(max_size=12),
                "prompt": st.text(max_size=60),
                "input_tokens": st.one_of(st.integers(-5, 10**6).map(str), st.text(max_size=4)),
            }
        ),
        min_size=1,
        max_size=15,
    ),
    st.sampled_from(["csv", "jsonl", "parquet"]),
)
def test_fuzz_ingest_and_render(tmp_path: Path, records: list[dict[str, str]], fmt: str) -> None:
    frame = pl.DataFrame(records, schema=dict.fromkeys(records[0], pl.String))
    path = tmp_path / f"fuzz.{fmt}"
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "jsonl":
        frame.write_ndjson(path)
    else:
        frame.write_parquet(path)
    runner = CliRunner()
    res = runner.invoke(main, ["scan", str(path), "--format", "json"])
    assert not (res.exception and not isinstance(res.exception, SystemExit)), res.exception
    assert res.exit_code in (0, 3)
    if res.exit_code == 0:
        s = json.loads(res.stdout)["input"]
        assert s["rows_read"] == len(records) == s["rows_analysed"] + s["rows_rejected"]
        term = runner.invoke(main, ["scan", str(path)], color=True)
        _check_output(term.stdout, colored=True)


def test_hostile_model_name_in_the_pivot_signal(tmp_path: Path) -> None:
    """The newest model's name (one request is enough to choose it) reaches a signal
    label: every format escapes it, and the text stays visible."""
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    evil = EVIL + "</td><img src=x>|x|"
    req = req.with_columns(pl.lit("model-a").alias("model"))
    last = req.sort("timestamp").tail(1).with_columns(pl.lit(evil).alias("model"))
    pl.concat([req, last]).write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = ["scan", str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv")]
    for fmt in ("terminal", "markdown", "json"):
        res = CliRunner().invoke(main, [*args, "--format", fmt], color=True, env={"COLUMNS": "400"})
        assert res.exit_code == 0, res.output
        line = next(x for x in res.stdout.splitlines() if "moved to newest model" in x)
        _check_output(line, colored=fmt == "terminal")
        if fmt == "markdown":
            assert "<img" not in line and "&lt;img" in line
        elif fmt == "json":
            assert "[bold]x[/bold]␛]8;;" in line and "\\u001b" not in line
        elif fmt == "terminal":  # the markup is shown as text, not applied (maybe wrapped)
            flat = re.sub(r"\x1b\[[0-9;]*m|[\s│]", "", res.stdout)
            assert "[bold]x[/bold]␛]8;;http://evil.example␇link" in flat


def test_file_names_are_not_patterns(tmp_path: Path) -> None:
    """A file named like a glob is that one file: 'x*.csv' does not also read 'xy.csv'."""
    for name, n in (("x*.csv", 2), ("xy.csv", 3), ("req[1].csv", 4)):
        _csv(tmp_path / name, HEADER + "".join(LINE.format(i=i) for i in range(n)))
    for name, n in (("x*.jsonl", 2), ("xy.jsonl", 3), ("req[1].jsonl", 4)):
        _jsonl(tmp_path / name, _rows(n))
    for name, n in (("x*.parquet", 2), ("xy.parquet", 3), ("req[1].parquet", 4)):
        pl.DataFrame(_rows(n)).write_parquet(tmp_path / name)
    res = CliRunner().invoke(main, ["scan", str(tmp_path), "--format", "json"])
    assert res.exit_code == 0, res.output
    files = {Path(f["path"]).name: f["rows_read"] for f in json.loads(res.stdout)["input"]["files"]}
    assert files == {
        f"{stem}.{ext}": n
        for stem, n in (("x*", 2), ("xy", 3), ("req[1]", 4))
        for ext in ("csv", "jsonl", "parquet")
    }


def test_progress_lines_show_file_names_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    from extractscan.run.progress import StageProgress

    with StageProgress() as progress:  # stderr is not a terminal here: plain lines
        progress("reading 1 file(s)", 10)
        progress(f"reading rows: {EVIL}.csv", 10)
    err = capsys.readouterr().err
    _check_output(err)
    assert "[bold]x[/bold]␛]8;;" in err and "10 / 10 rows, 100%" in err


def test_evaluate_table_cleans_truth_labels() -> None:
    from extractscan.lab.evaluate import Evaluation, GroupResult, format_table

    group = GroupResult(EVIL, "campaign\x1b[2J", 3, 3, 1, "high")
    table = format_table(
        Evaluation((group,), 1.0, 1.0, 3, 0, "medium", "campaign\x1b]0;t\x07", 1.0, None, 1.0)
    )
    _check_output(table.replace("\n", " "))
    assert "[bold]x[/bold]␛]8;;" in table


def _input_of(data: dict[str, object] | None) -> dict[str, Any]:
    """The JSON report's ``input`` section."""
    assert data is not None and isinstance(data["input"], dict)
    return data["input"]


def _scan_json(*args: str) -> tuple[int, dict[str, object] | None, str]:
    res = CliRunner().invoke(main, ["scan", *args, "--format", "json", "-q"])
    assert not (res.exception and not isinstance(res.exception, SystemExit)), res.exception
    try:
        return res.exit_code, json.loads(res.stdout), res.stderr
    except json.JSONDecodeError:
        return res.exit_code, None, res.stderr


def test_a_file_that_is_not_parquet_is_an_input_error(tmp_path: Path) -> None:
    bad = _csv(tmp_path / "x.parquet", b"PAR1 not really" * 7)
    good = tmp_path / "ok.parquet"
    pl.DataFrame(_rows(3)).write_parquet(good)
    code, _, err = _scan_json(str(bad), str(good))
    assert code == 3 and "x.parquet" in err and "internal error" not in err
    code, data, _ = _scan_json(str(bad), str(good), "--skip-errors")
    assert code == 5 and data is not None
    assert data["input"]["rows_read"] == 3  # type: ignore[index]


def test_json_lines_types_come_from_every_line(tmp_path: Path) -> None:
    """A number written as text after line 1,000, a key first seen after it, a byte-order
    mark, and an invalid byte after line 1,000: all read, all counted."""
    rows = _rows(1500)
    late = {**GOOD, "account": "late", "input_tokens": "6", "model": "m-1"}
    path = _jsonl(tmp_path / "late.jsonl", [*rows, late])
    code, data, err = _scan_json(str(path))
    assert code == 0, err
    s = _input_of(data)
    assert s["rows_read"] == 1501 == s["rows_analysed"]
    assert "model_mix" not in dict(s["signals_off"])
    bom = _csv(tmp_path / "bom.jsonl", "\ufeff" + json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")
    code, data, err = _scan_json(str(bom))
    assert code == 0 and data["input"]["rows_analysed"] == 2, err  # type: ignore[index]
    lines = "".join(json.dumps(r) + "\n" for r in _rows(1001)).encode()
    late_byte = _csv(
        tmp_path / "b.jsonl",
        lines + b'{"timestamp":"2026-04-22T10:00:00Z","account":"x","prompt":"p\xff"}\n',
    )
    code, data, err = _scan_json(str(late_byte))
    assert code == 0, err
    s = _input_of(data)
    assert s["rows_read"] == 1002 and s["rows_with_replaced_bytes"] == 1


def test_output_paths_and_preset_columns_are_usage_errors(tmp_path: Path) -> None:
    log = _csv(tmp_path / "a.csv", HEADER + LINE.format(i=1))
    for opt in ("-o", "--accounts-out", "--rejects-out"):
        res = CliRunner().invoke(main, ["scan", str(log), opt, str(tmp_path / "no" / "r.csv")])
        assert res.exit_code == 2 and "does not exist" in res.stderr, (opt, res.output)
    # --column overrides a preset field by field; the preset still names a foreign file
    res = CliRunner().invoke(main, ["scan", str(log), "--preset", "litellm", "--column", "ip=x"])
    assert res.exit_code == 3 and "not a LiteLLM SpendLogs export" in res.stderr
    res = CliRunner().invoke(main, ["scan", str(log), "--preset", "litellm"])
    assert res.exit_code == 3 and "not a LiteLLM SpendLogs export" in res.stderr


def test_tsv_as_pandas_and_polars_write_it(tmp_path: Path) -> None:
    """Quoted fields with a tab, a line break or quotes inside are one field each."""
    frame = pl.DataFrame(
        {
            "timestamp": ["2026-04-22T10:00:00Z"] * 3,
            "account": ["a", "b", "c"],
            "prompt": ["tab\there", "line\nbreak", 'she said "hi"'],
        }
    )
    frame.write_csv(tmp_path / "q.tsv", separator="\t")
    code, data, err = _scan_json(str(tmp_path / "q.tsv"))
    assert code == 0 and data["input"]["rows_analysed"] == 3, err  # type: ignore[index]
    assert data["input"]["rows_read"] == 3  # type: ignore[index]


def test_skip_errors_skips_a_repaired_file_that_still_fails(tmp_path: Path) -> None:
    good = _csv(tmp_path / "ok.csv", HEADER + LINE.format(i=1))
    bad = _csv(tmp_path / "bad.jsonl", b'{"timestamp":"2026-04-22T10:00:00Z","who":"a\xff"}\n')
    code, data, err = _scan_json(str(good), str(bad), "--skip-errors")
    assert code == 5 and data is not None, err
    assert [f["path"] for f in data["input"]["files_skipped"]] == [str(bad)]  # type: ignore[index]


def test_replaced_bytes_counted_in_any_text_column_and_skips_said_with_fail_on(
    tmp_path: Path,
) -> None:
    log = _csv(
        tmp_path / "m.csv",
        b"timestamp,account,model,ip\n2026-04-22T10:00:00Z,a,gpt-\xff,1.2.3.4\n"
        b"2026-04-22T10:00:00Z,b,gpt-4,1.2.3.\xfe\n2026-04-22T10:00:00Z,c,gpt-4,1.2.3.4\n",
    )
    code, data, err = _scan_json(str(log))
    assert code == 0 and data["input"]["rows_with_replaced_bytes"] == 2, err  # type: ignore[index]
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    bad = _csv(tmp_path / "bad.csv", HEADER + "2026-04-22T10:00:00Z,x,1,2,3,4,5,6,7\n")
    res = CliRunner().invoke(
        main,
        ["scan", str(tmp_path / "r.csv"), str(bad), "--accounts", str(tmp_path / "a.csv")]
        + ["--skip-errors", "--fail-on", "high", "-q"],
    )
    assert res.exit_code == 1 and "1 unreadable file(s) skipped" in res.stderr


def test_out_of_window_times_are_rejected_with_their_value(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    pl.DataFrame(
        {
            "timestamp": [datetime(9999, 12, 31, tzinfo=UTC), datetime(2026, 4, 22, tzinfo=UTC)],
            "account": ["a", "b"],
        }
    ).write_parquet(tmp_path / "w.parquet")
    code, data, err = _scan_json(
        str(tmp_path / "w.parquet"), "--rejects-out", str(tmp_path / "r.csv")
    )
    assert code == 0 and data["input"]["rejected_by_reason"] == {"bad_timestamp": 1}, err  # type: ignore[index]
    rej = pl.read_csv(tmp_path / "r.csv", infer_schema=False)
    assert rej["timestamp"].to_list() == ["9999-12-31 00:00:00.000000+00:00"]


def test_redact_masks_address_shaped_ids_and_ipv6_everywhere(tmp_path: Path) -> None:
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    req = req.with_columns(
        pl.col("account").replace("c00", "boss@corp.example"),
        pl.col("prompt") + " from 2001:db8::1 at 10:30:45",
    )
    acc = acc.with_columns(pl.col("account").replace("c00", "boss@corp.example"))
    bad = pl.DataFrame({"timestamp": ["never"], "account": ["eve@evil.example"], "prompt": ["hi"]})
    pl.concat([req, bad], how="diagonal").write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = ["scan", str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv"), "--redact"]
    res = CliRunner().invoke(
        main,
        [*args, "--format", "json"]
        + ["--accounts-out", str(tmp_path / "o.csv"), "--rejects-out", str(tmp_path / "j.csv")],
    )
    data = json.loads(res.stdout)
    token = next(a for a in data["incidents"][0]["member_accounts"] if a.startswith("<email-"))
    out = (tmp_path / "o.csv").read_text()
    assert "boss@corp.example" not in out and token in out
    assert "eve@evil.example" not in (tmp_path / "j.csv").read_text()
    prompt = data["incidents"][0]["sample_prompts"][0]
    assert "2001:db8::1" not in prompt and "<ip-" in prompt and "10:30:45" in prompt
