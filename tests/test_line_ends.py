"""Line ends: CR-only (old Mac), CRLF and mixed files read as lines; no silent 0 rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from extractscan.cli.main import main
from extractscan.ingest.lines import lf_line_ends

HEADER = "timestamp,account,prompt\n"
ROWS = "".join(f"2026-04-22T10:{i % 60:02d}:00Z,acct_{i % 50},hello {i}\n" for i in range(2000))


def _scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--quiet"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, (json.loads(r.stdout) if r.exit_code in (0, 1, 5) else {}), r.stderr


def test_a_cr_only_csv_reads_every_row(tmp_path: Path) -> None:
    """It read as one header line: '0 read', 'No incidents found', exit 0."""
    p = tmp_path / "oldmac.csv"
    p.write_bytes((HEADER + ROWS).replace("\n", "\r").encode())
    code, data, _ = _scan(str(p))
    assert code == 0 and data["input"]["rows_read"] == 2000
    assert data["input"]["rows_analysed"] == 2000


def test_cr_only_tsv_jsonl_and_compressed_files_read_every_row(tmp_path: Path) -> None:
    tsv = (HEADER + ROWS).replace(",", "\t").replace("\n", "\r")
    (tmp_path / "a.tsv").write_text(tsv)
    lines = "".join(
        json.dumps({"timestamp": "2026-04-22T10:00:00Z", "account": f"j{i}"}) + "\r"
        for i in range(30)
    )
    (tmp_path / "b.jsonl").write_text(lines)
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress((HEADER + ROWS).replace("\n", "\r").encode()))
    code, data, _ = _scan(str(tmp_path))
    assert code == 0
    rows = {Path(f["path"]).name: f["rows_read"] for f in data["input"]["files"]}
    assert rows == {"a.tsv": 2000, "b.jsonl": 30, "c.csv.gz": 2000}


def test_mixed_line_ends_read_as_lines_and_a_quoted_cr_is_kept(tmp_path: Path) -> None:
    p = tmp_path / "mixed.csv"
    p.write_bytes(
        b"timestamp,account,prompt\r\n"
        b"2026-04-22T10:00:00Z,a,one\r"
        b'2026-04-22T10:01:00Z,b,"two\rlines"\n'
        b"2026-04-22T10:02:00Z,c,three\r\n"
        b"2026-04-22T10:03:00Z,d,four"
    )
    code, data, _ = _scan(str(p))
    assert code == 0 and data["input"]["rows_read"] == 4 and data["input"]["rows_rejected"] == 0
    plain = tmp_path / "plain.csv"
    lf_line_ends(p, plain, quoted=True)
    assert plain.read_bytes().count(b"\n") == 4 and b'"two\rlines"' in plain.read_bytes()


def test_text_with_no_row_read_is_an_input_error_naming_the_file(tmp_path: Path) -> None:
    """An unclosed quote in the header swallowed every line: 0 rows, exit 0."""
    p = tmp_path / "swallowed.csv"
    p.write_text('timestamp,account,"note\n' + ROWS)
    code, _, err = _scan(str(p))
    assert code == 3 and "swallowed.csv" in err and "no row" in err
    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROWS)
    code, data, _ = _scan(str(p), str(good), "--skip-errors")
    assert code == 5 and [f["path"] for f in data["input"]["files_skipped"]] == [str(p)]
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER)
    code, data, _ = _scan(str(header_only))
    assert code == 0 and data["input"]["rows_read"] == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.text("ab,\r", max_size=6), st.sampled_from(["\n", "\r\n", "\r"])),
        max_size=12,
    ),
    st.integers(1, 7),
)
def test_conversion_matches_universal_newlines_outside_quotes(
    tmp_path_factory: object, lines: list[tuple[str, str]], chunk: int
) -> None:
    """Across chunk boundaries: a CR split from its LF is one line end, not two."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        src, dst = Path(d) / "in", Path(d) / "out"
        # fields quoted so that their CRs are content; line ends of any kind between them
        raw = "".join(f'"{text}"{end}' for text, end in lines)
        src.write_bytes(raw.encode())
        lf_line_ends(src, dst, quoted=True, chunk=chunk)
        assert dst.read_bytes().decode() == "".join(f'"{text}"\n' for text, _ in lines)
