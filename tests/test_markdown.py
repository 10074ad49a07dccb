"""The Markdown report for letters: plain text where the data is ordinary, inert where
it is hostile, a summary on top and every member account in an appendix."""

from __future__ import annotations

import html
import io
import re
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from extractscan import report
from extractscan.model.findings import Findings
from extractscan.report.escape import clean, for_markdown

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _md(f: Findings, **kw: object) -> str:
    buf = io.StringIO()
    report.render(f, "markdown", buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def test_ordinary_text_is_left_as_written() -> None:
    for text in (
        "162.152.196.10",
        "acct_371e788977",
        "file_reader, sql_query",
        "the account's top template",
        "share (HTTP 429) of 1,234 requests: 5.3x",
        "rate the following response from # to #",
        "a9@fastmail-pool.example",
        "2026-04-22 (1,469)",
        "a < b & c > d",
        "-5",
    ):
        assert for_markdown(text) == text, text


def test_what_would_render_is_escaped() -> None:
    cases = {
        "<script>alert(1)</script>": "&lt;script>alert(1)&lt;/script>",
        "a | b `c` [x](javascript:y)": "a \\| b \\`c\\` \\[x\\](javascript:y)",
        "![i](http://x/y.png)": "!\\[i\\](http&#58;//x/y.png)",
        "_x_ and *y* and ~~z~~": "\\_x\\_ and \\*y\\* and \\~\\~z\\~\\~",
        "# heading": "\\# heading",
        "> quote": "\\> quote",
        "- item": "\\- item",
        "1. item": "1\\. item",
        "1) item": "1\\) item",
        "---": "\\---",
        "&amp; &#x27;": "&amp;amp; &amp;#x27;",
        "back\\slash": "back\\\\slash",
        "see www.evil.example": "see www&#46;evil.example",
    }
    for text, want in cases.items():
        assert for_markdown(text) == want, text


def _visible(rendered: str) -> str:
    """The text a reader sees in rendered HTML, and the tags left."""
    return html.unescape(re.sub(r"<[^>]*>", "", rendered))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \\`*_[]()|~<>&#;!-+.:/=wabc019\"'\u200b\x1b\n", max_size=30))
def test_markdown_renders_exactly_the_text_and_no_markup(text: str) -> None:
    """Rendered by a CommonMark + GFM-tables renderer, in a blockquote and in a table
    cell, the value makes no element and shows exactly its cleaned text."""
    want = " ".join(clean(text).split())
    quote = GFM.render("> " + for_markdown(text) + "\n")
    tags = set(re.findall(r"</?([a-z0-9]+)", quote))
    assert tags <= {"blockquote", "p"}, (text, quote)
    assert " ".join(_visible(quote).split()) == want, (text, quote)
    table = GFM.render("| a | b |\n|---|---|\n| " + for_markdown(text) + " | x |\n")
    tags = set(re.findall(r"</?([a-z0-9]+)", table))
    assert tags <= {"table", "thead", "tbody", "tr", "th", "td"}, (text, table)
    cells = re.findall(r"<td>(.*?)</td>", table, flags=re.S)
    assert len(cells) == 2 and " ".join(_visible(cells[0]).split()) == want, (text, table)


def test_sample_markdown_reads_as_plain_text(sample_findings: Findings) -> None:
    out = _md(sample_findings)
    # no backslash escape and no character reference anywhere: ids, IPs, numbers, words
    assert "\\" not in out and "&" not in out
    for word in ("162.152.196.10", "acct_371e788977", "account's", "(proxy exit)"):
        assert word in out, word
    head = out.split("\n## #1 ")[0]
    assert "## Summary" in head
    assert "4 incidents at medium or above (3 critical, 1 high): 87 accounts made" in head
    assert "| 1 | critical | INC-437D8037 | 40 accounts tied by" in head
    assert "since 2026-04-22" in head and "none fits" in head and "suspend or throttle" in head
    assert "Score 0-1:" in head and "critical 0.80+, high 0.60+, medium 0.40+" in head
    # lesser incidents: one line each, no tables
    lesser = out.split("## Incidents below medium\n\n")[1].split("\n\n")[0].splitlines()
    assert len(lesser) == 5 and all(x.startswith("- #") and " low " in x for x in lesser)
    assert "## #5 " not in out
    # every member account of every incident shown, in the appendix
    appendix = out.split("## Appendix A: member accounts")[1].split("## Appendix B")[0]
    for inc in sample_findings.at_or_above("medium"):
        assert f"### {inc.id} ({inc.severity}, {inc.accounts} accounts)" in appendix
        for a in inc.member_accounts:
            assert f"\n| {a} | " in appendix, a
    assert len(sample_findings.incidents[0].member_accounts) == 40
    rows = sum(i.accounts for i in sample_findings.at_or_above("medium"))
    assert appendix.count("\n| acct_") == rows == 87
    assert "## Appendix B: what was scanned" in out and "- **Config:** none (defaults)" in out


def test_min_severity_and_top(sample_findings: Findings) -> None:
    out = _md(sample_findings, min_severity="critical", top=2)
    assert "## #1 CRITICAL" in out and "## #2 CRITICAL" in out and "## #3 " not in out
    assert "*1 more incident(s) at critical or above not shown (--top).*" in out
    assert "## Incidents below critical" in out and "- #4 high INC-591230FD:" in out
    low = _md(sample_findings, min_severity="low")
    assert "## #9 LOW" in low and "Incidents below" not in low
    quiet = _md(sample_findings, quiet=True)
    assert "## Summary" in quiet and "## #1" not in quiet and "Appendix" not in quiet


def test_no_incident_says_so(sample_findings: Findings) -> None:
    out = _md(replace(sample_findings, incidents=()))
    assert "No incident at medium or above." in out and "Appendix A" not in out


def test_summary_says_what_an_incident_rests_on(sample_findings: Findings) -> None:
    from extractscan.model.findings import LinkEvidence
    from extractscan.report import wording

    first = sample_findings.incidents[0]
    assert wording.how_sure(first) == (
        "score 0.88; identifier-linked; 7 innocent explanations tested, none fits"
    )
    cluster = replace(first, links=(LinkEvidence("behaviour_cluster", "alike", 40, 39, 9.0, ()),))
    assert "; behavioural cluster; " in wording.how_sure(cluster)
    assert wording.next_step(cluster).startswith("corroborate")
    assert wording.next_step(first).startswith("suspend or throttle")
    out = _md(replace(sample_findings, incidents=(cluster,)))
    assert "| 1 | critical | INC-437D8037 | 40 accounts tied by synchronised signup" in out
