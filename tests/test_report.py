"""Report formats on hand-made findings: content, escaping in every sink, determinism."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import jsonschema
import polars as pl
import pytest

from extractscan import report
from extractscan.model.errors import UsageError
from extractscan.model.findings import (
    AccountSummary,
    DayCount,
    FileSummary,
    Findings,
    Incident,
    InputSummary,
    LinkEvidence,
    Signal,
)
from extractscan.report.accounts_out import write_table

EVIL = "[bold red]x\x1b]0;pwned\x07\x1b[2J\u202e<script>alert(1)</script>|=cmd"
T0 = datetime(2026, 4, 22, tzinfo=UTC)


def _incident(rank: int, severity: str, account: str = EVIL) -> Incident:
    return Incident(
        id=f"INC-{rank:08d}",
        rank=rank,
        score=0.9 - rank / 10,
        severity=severity,
        accounts=2,
        exchanges=1234,
        output_tokens=5678,
        first_seen=T0,
        last_seen=T0,
        links=(LinkEvidence("payment", "shared payment card", 2, 1, 3.21, ((EVIL, 2),)),),
        signals=(Signal("extraction_share", "share of extraction prompts", 0.8, 0.05, "%", True),),
        busiest_days=(DayCount(date(2026, 4, 22), 1234),),
        top_accounts=(AccountSummary(account, 1000, 0.91),),
        sample_prompts=(EVIL,),
        member_accounts=(account, "b"),
    )


def findings(n: int = 3) -> Findings:
    summary = InputSummary(
        files=(FileSummary(f"logs/{EVIL}.csv", "csv", 10, 9, 1),),
        rows_read=10,
        rows_analysed=9,
        rows_rejected=1,
        rejected_by_reason=(("bad_timestamp", 1),),
        first_seen=T0,
        last_seen=T0,
        accounts_seen=5,
        accounts_flagged=2,
        column_mapping=(("account", "user_id"),),
        accounts_file=None,
        signals_off=(("model_mix", "missing column(s): model"),),
    )
    incs = tuple(_incident(i + 1, s) for i, s in enumerate(["critical", "high", "low"][:n]))
    return Findings(summary, incs, T0, "medium", pl.DataFrame({"account": [EVIL]}))


def _render(fmt: str, **kw: object) -> str:
    buf = io.StringIO()
    report.render(findings(), fmt, buf, width=120, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_registry_is_complete() -> None:
    pkg = Path(report.__file__).parent / "formats"
    modules = {p.stem for p in pkg.glob("*.py")} - {"__init__", "interface", "common"}
    assert {cls.__module__.rsplit(".", 1)[1] for cls in report.FORMATS.values()} == modules
    with pytest.raises(UsageError):
        report.render(findings(), "xml", io.StringIO())


@pytest.mark.parametrize("color", [True, False])
def test_terminal_escapes_attacker_text(color: bool) -> None:
    out = _render("terminal", color=color)
    assert "\x1b]" not in out and "\x07" not in out and "\u202e" not in out
    assert "\x1b[2J" not in out
    assert "[bold red]x" in re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "shared payment card" in out and "1,234" in out


def test_terminal_top_and_quiet() -> None:
    out = _render("terminal", top=1)
    assert "INC-00000001" in out and "INC-00000002" not in out
    assert "1 more incident(s) at medium or above not shown (use --top)" in out
    assert "below medium: one line each" in out and "#3 low INC-00000003: score 0.60" in out
    quiet = _render("terminal", quiet=True)
    assert "INC-00000001" not in quiet and "1 critical, 1 high, 0 medium, 1 low" in quiet


def test_markdown_is_inert() -> None:
    out = _render("markdown")
    assert "<script>" not in out and "\x1b" not in out and "\u202e" not in out
    assert "&lt;script>alert(1)&lt;/script>\\|=cmd" in out
    assert "```" not in out
    assert out.startswith("# extractscan incident report")


def test_json_is_valid_deterministic_and_clean() -> None:
    a, b = _render("json"), _render("json")
    assert a == b
    data = json.loads(a)
    schema = json.loads(resources.files("extractscan.report").joinpath("schema.json").read_text())
    jsonschema.validate(data, schema)
    assert len(data["incidents"]) == 3  # --top does not apply to JSON
    assert data["generated_at"] == "2026-04-22T00:00:00Z"
    assert "\x1b" not in a and "\\u001b" not in a and "\u202e" not in a
    assert (
        data["incidents"][0]["member_accounts"][0]
        == "[bold red]x␛]0;pwned␇␛[2J<U+202E><script>alert(1)</script>|=cmd"
    )


def test_accounts_out_csv_is_formula_safe(tmp_path: Path) -> None:
    df = pl.DataFrame(
        {"account": ['=HYPERLINK("x")', "ok", " +1", "a\x1b[31mb"], "n": [1, 2, 3, 4]}
    )
    write_table(df, tmp_path / "a.csv")
    back = pl.read_csv(tmp_path / "a.csv")
    assert back["account"].to_list() == ['\'=HYPERLINK("x")', "ok", "' +1", "a␛[31mb"]
    write_table(df, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet").equals(df)
    with pytest.raises(UsageError):
        write_table(df, tmp_path / "a.xlsx")


def test_terminal_cells_of_several_log_texts_cannot_make_a_tag_between_them() -> None:
    # an unclosed "[" in one value and a "]" in the next: escaped one by one, the two
    # made a live tag across the "; " (MarkupError, or a link that hid the text)
    from dataclasses import replace

    inc = replace(
        _incident(1, "high"),
        links=(
            LinkEvidence(
                "ip",
                "shared egress IP",
                2,
                1,
                1.0,
                (("[link=https://evil.example/", 3), ("]click here", 2)),
            ),
            LinkEvidence("user_agent", "same user agent", 2, 1, 1.0, (("[/x", 3), ("y]", 2))),
        ),
        top_accounts=(AccountSummary("[/u1", 5, 0.5), AccountSummary("u2]", 4, 0.4)),
    )
    f = findings(1)
    f = replace(f, incidents=(inc,))
    buf = io.StringIO()
    report.render(f, "terminal", buf, width=200, color=False)
    out = buf.getvalue()
    assert "[link=https://evil.example/ (3)" in out and "]click here (2)" in out
    assert "[/x (3)" in out and "y] (2)" in out
    assert "[/u1 (5, score 0.50), u2] (4, score 0.40)" in out


def test_co_activity_values_keep_their_minute_when_cut() -> None:
    from extractscan.report.formats.common import short_value

    long = "imagine and articulate the internal reasoning behind a completed response"
    assert short_value("co_activity", f"{long} @ 2026-04-22 10:05", 60) == (
        "imagine and articulate the internal… @ 2026-04-22 10:05"
    )
    assert short_value("ip", "1.2.3.4 @ x", 60) == "1.2.3.4 @ x"
    assert short_value("user_agent", "a" * 70, 10) == "aaaaaaaaa…"


def test_an_unmeasured_baseline_is_shown_as_a_dash(tmp_path: Path) -> None:
    """Campaign prompts, but no prompt on any account outside the incidents: the content
    signals have no benign median (JSON null, "-" on screen), and do not fire on it."""
    from click.testing import CliRunner

    from extractscan.cli.main import main
    from tests.conftest import campaign_frames

    req, acc = campaign_frames()
    req = req.with_columns(
        pl.when(pl.col("account").str.starts_with("b"))
        .then(None)
        .otherwise("prompt")
        .alias("prompt")
    )
    req.write_csv(tmp_path / "r.csv")
    acc.write_csv(tmp_path / "a.csv")
    args = ["scan", str(tmp_path / "r.csv"), "--accounts", str(tmp_path / "a.csv")]
    res = CliRunner().invoke(main, [*args, "--format", "json"])
    data = json.loads(res.stdout)
    schema = json.loads(resources.files("extractscan.report").joinpath("schema.json").read_text())
    jsonschema.validate(data, schema)
    sig = {s["name"]: s for s in data["incidents"][0]["signals"]}
    assert sig["extraction_share"]["baseline"] is None and not sig["extraction_share"]["fired"]
    assert sig["extraction_share"]["value"] == 1.0
    md = CliRunner().invoke(main, [*args, "--format", "markdown"]).stdout
    assert "| share of prompts eliciting reasoning/tools/code/grading | 100% | - | no |" in md
    res = CliRunner().invoke(main, ["explain", "b000", *args[1:], "--no-color"])
    line = next(x for x in res.stdout.splitlines() if "share of prompts eliciting" in x)
    assert line.split()[-2:] == ["-", "-"]


def test_incident_kind_says_what_the_incident_rests_on() -> None:
    from dataclasses import replace

    def ev(family: str) -> LinkEvidence:
        return LinkEvidence(family, family, 2, 1, 1.0, (("v", 2),))

    base = _incident(1, "high")
    assert base.kind == "identifier-linked"  # a shared card
    behaviour = replace(base, links=(ev("behaviour_cluster"), ev("template"), ev("co_activity")))
    assert behaviour.kind == "behavioural cluster"  # templates and timing never link alone
    both = replace(base, links=(ev("crowded_ip"), ev("behaviour_cluster")))
    assert both.kind == "identifier-linked + behavioural cluster"
    assert replace(base, links=(ev("campaign_template"),)).kind == "identifier-linked"
    assert json.loads(_render("json"))["incidents"][0]["kind"] == "identifier-linked"
