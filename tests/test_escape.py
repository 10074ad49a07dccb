"""The escaping module: every sink, exact outputs, and a property test."""

from __future__ import annotations

import html
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from extractscan.report.escape import clean, for_csv, for_html, for_markdown, for_terminal

HOSTILE = "[bold red]x\x1b]0;pwned\x07\x1b[2J\u202eevil\u2066\x00\x9b31m\r\nend"


def test_clean_shows_sequences_and_invisible_characters() -> None:
    assert clean(HOSTILE) == "[bold red]x␛]0;pwned␇␛[2J<U+202E>evil<U+2066>␀<U+009B>31m end"
    assert clean("a\tb\nc\u2028d") == "a b c d"
    # a hidden character never makes one account id look like another
    assert clean("acct_1\u200b") == "acct_1<U+200B>" != clean("acct_1")
    assert clean("x\u00ad\u3164\ufe0f\U000e0041\x7f") == "x<U+00AD><U+3164><U+FE0F><U+E0041>␡"
    assert clean("x" * 10, 5) == "xxxx…"
    assert clean(None) == ""


def test_terminal_markup_is_literal() -> None:
    console = Console(width=80, force_terminal=True, color_system="standard", highlight=False)
    with console.capture() as cap:
        console.print(for_terminal(HOSTILE))
    out = cap.get()
    assert "[bold red]x" in out
    assert "\x1b]" not in out and "\x07" not in out and "\u202e" not in out
    assert "\x1b[1m" not in out  # no bold was applied by attacker markup


def test_html_and_markdown() -> None:
    assert for_html("<script>alert('1')</script>") == (
        "&lt;script&gt;alert(&#x27;1&#x27;)&lt;/script&gt;"
    )
    assert for_html('"x\x1b[2J"') == "&quot;x␛[2J&quot;"
    assert for_markdown("<script>alert(1)</script>") == "&lt;script>alert(1)&lt;/script>"
    assert for_markdown("a | b `c` [x](javascript:y)") == "a \\| b \\`c\\` \\[x\\](javascript:y)"


def test_csv_formula_injection() -> None:
    assert [for_csv(v) for v in ("=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\t=x", "ok")] == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "' =x",
        "ok",
    ]


@given(st.text())
def test_clean_leaves_no_control_or_format_characters(text: str) -> None:
    out = clean(text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in out)
    # every character is either kept or shown by a marker: none vanishes
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
    assert len(out) >= len(kept.replace("\u3164", ""))


@given(st.lists(st.one_of(st.none(), st.text()), min_size=1, max_size=20))
def test_csv_column_twin_matches_for_csv(values: list[str | None]) -> None:
    import polars as pl

    from extractscan.report.accounts_out import csv_safe

    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    out = frame.select(csv_safe(pl.col("v")).alias("v"))["v"].to_list()
    assert out == [None if v is None else for_csv(v) for v in values]


@given(st.text())
def test_terminal_render_has_no_escape_from_text(text: str) -> None:
    console = Console(width=60, force_terminal=False, color_system=None)
    with console.capture() as cap:
        console.print(for_terminal(text))
    assert "\x1b" not in cap.get()
    assert Text.from_markup(for_terminal(text)).plain.rstrip(" ") == clean(text).rstrip(" ")


@settings(max_examples=500)
@given(st.text(alphabet="\\[]ab/#@= :"))
def test_terminal_text_keeps_brackets_and_backslashes_as_written(text: str) -> None:
    # the characters of rich markup and its escapes, densely: "\[" once lost its "\"
    shown = Text.from_markup(for_terminal(text), emoji=False).plain  # as our consoles
    assert shown.rstrip(" ") == text.rstrip(" ")
    assert for_terminal("\\[") != "\\[" and Text.from_markup(for_terminal("a\\[b")).plain == "a\\[b"


def test_markdown_values_make_no_links_lists_or_rules() -> None:
    """URLs keep their look but are not autolinked (GFM links "://" and "www."), and a
    prompt cannot start a list or a rule in the blockquote it is shown in."""
    from markdown_it import MarkdownIt

    assert for_markdown("see http://evil.example/x and WWW.evil.example") == (
        "see http&#58;//evil.example/x and WWW&#46;evil.example"
    )
    assert for_markdown("x_www.evil.example") == "x_www&#46;evil.example"  # "_" is no guard
    assert [for_markdown(t) for t in ("---", "- item", "1. x", "  -5", "a-b")] == [
        "\\---",
        "\\- item",
        "1\\. x",
        "-5",
        "a-b",
    ]
    md = MarkdownIt("commonmark")
    for text in (
        "---",
        "- item",
        "1. x",
        "* x",
        "+ x",
        "# h",
        "> q",
        "[l](http://e.x)",
        "<b>x</b>",
    ):
        html_out = md.render("> " + for_markdown(text) + "\n")
        assert html_out.count("<") == html_out.count("<p>") * 2 + 2, (text, html_out)
        shown = html_out.removeprefix("<blockquote>\n<p>").removesuffix("</p>\n</blockquote>\n")
        assert html.unescape(shown) == text
