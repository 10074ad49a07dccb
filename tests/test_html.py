"""The HTML report: one self-contained page, charts, every member account, hostile log
text shown as text (checked by parsing and in a real headless browser), deterministic."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from extractscan import report
from extractscan.cli.main import main
from extractscan.model.findings import Findings
from extractscan.report.escape import clean

SCRIPT = "<script>document.body.setAttribute('data-pwned','script')</script>"
IMG = "<img src=x id=planted onerror=\"document.body.setAttribute('data-pwned','img')\">"
EVIL = f"\x1b[2J{SCRIPT}{IMG}[bold]x[/bold] $x^2$ _u |a|b| ](javascript:alert(1))"
#: Elements the page itself is made of (HTML and matplotlib's SVG).
ALLOWED = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong", "em",
    "span", "a", "table", "thead", "tbody", "tr", "th", "td", "section", "div", "figure",
    "figcaption", "blockquote", "ul", "li", "svg", "g", "path", "defs", "clippath", "use",
    "text", "rect",
}  # fmt: skip


class Page(HTMLParser):
    """Tags, attributes and text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html(f: Findings, **kw: object) -> str:
    buf = io.StringIO()
    report.render(f, "html", buf, **kw)  # type: ignore[arg-type]
    return buf.getvalue()


def _check_structure(out: str) -> Page:
    page = Page()
    page.feed(out)
    assert page.tags <= ALLOWED, page.tags - ALLOWED
    names = {k for k, _ in page.attrs}
    assert not any(k.startswith("on") for k in names), names
    links = {v for k, v in page.attrs if k in ("href", "src", "xlink:href", "action")}
    assert all(v and v.startswith("#") for v in links), links
    assert "\x1b" not in out
    return page


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Path]:
    """A campaign whose account ids, prompts, user agents and model names are hostile."""
    from tests.conftest import campaign_frames

    d = tmp_path_factory.mktemp("hostile")
    req, acc = campaign_frames()
    rename = {"c00": EVIL, "c01": IMG}
    req = req.with_columns(
        pl.col("account").replace(rename),
        (pl.col("prompt") + " " + EVIL),
        pl.lit(EVIL).alias("user_agent"),
        pl.when(pl.col("timestamp") > "2026-04-23T12")
        .then(pl.lit(SCRIPT + " $model"))
        .otherwise(pl.lit("model-a"))
        .alias("model"),
    )
    acc = acc.with_columns(pl.col("account").replace(rename))
    req.write_csv(d / "r.csv")
    acc.write_csv(d / "a.csv")
    return [str(d / "r.csv"), "--accounts", str(d / "a.csv"), "--config", "none"], d


def test_hostile_text_is_text(hostile: tuple[list[str], Path]) -> None:
    args, d = hostile
    out_file = d / "r.html"
    res = CliRunner().invoke(main, ["scan", *args, "-o", str(out_file)])
    assert res.exit_code == 0, res.output
    out = out_file.read_text()
    page = _check_structure(out)
    text = "".join(page.text)
    assert clean(EVIL) in text and clean(IMG) in text  # shown, whole, as text
    assert "<script" not in out.lower().replace("&lt;script", "")
    assert out.count("<figure>") == 5
    assert "Content-Security-Policy" in out and "default-src 'none'" in out


def test_sample_page(sample_findings: Findings) -> None:
    out = _html(sample_findings)
    page = _check_structure(out)
    main_incidents = sample_findings.at_or_above("medium")
    assert len(main_incidents) == 4
    sections = out.split('<section class=incident id="incident-')[1:]
    assert len(sections) == 4
    text = "".join(page.text)
    for inc, sec in zip(main_incidents, sections, strict=True):
        assert sec.count("<figure>") == 5 and sec.count("<svg") == 5
        assert "Requests per day (UTC)" in sec and "Model share per day" in sec
        assert "Activity by hour of the week against the benign median" in sec
        assert "Innocent explanations tested" in sec and "does not fit" in sec
        assert "Sample prompts" in sec and sec.count("<blockquote>") == len(inc.sample_prompts)
        members = sec.split(f"Member accounts ({inc.accounts})")[1]
        assert all(f"<td>{a}</td>" in members for a in inc.member_accounts)
    assert "Incidents below medium" in text and "#9 low INC-5CE2E20B" in text
    ids = re.findall(r' id="([^"]+)"', out)
    assert len(ids) == len(set(ids))  # ids unique across the inline SVGs


def test_same_input_same_bytes_apart_from_generated_at(sample_findings: Findings) -> None:
    a = _html(sample_findings, top=1)
    later = replace(sample_findings, generated_at=datetime(2030, 1, 1, tzinfo=UTC))
    b = _html(later, top=1)
    assert a != b
    drop = re.compile(r"<p class=note>Generated [^<]*</p>")
    assert drop.sub("", a) == drop.sub("", b)


def test_cli_format_from_extension(tmp_path: Path) -> None:
    from tests.test_terminal import SAMPLE

    res = CliRunner().invoke(main, ["scan", *SAMPLE, "-o", str(tmp_path / "r.html"), "--top", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_nothing_from_the_data_runs_in_a_browser(hostile: tuple[list[str], Path]) -> None:
    """Chromium loads the page and dumps its DOM: the planted <script> did not run, the
    planted <img> is no element (its text is shown), and the page fetched nothing."""
    args, d = hostile
    page = d / "b.html"
    res = CliRunner().invoke(main, ["scan", *args, "-o", str(page)])
    assert res.exit_code == 0, res.output
    dom = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={d / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "<h1>extractscan incident report</h1>" in dom  # the page did load
    assert "data-pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]
    assert 'id="planted"' not in dom and "<img" not in dom
    assert "&lt;img src=x id=planted onerror=" in dom


def test_redacted_page_has_no_address_or_card(tmp_path: Path) -> None:
    from tests.test_terminal import SAMPLE

    out = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["scan", *SAMPLE, "--redact", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text()
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", page)
    assert "card_" not in page and "@fastmail-pool.example" not in page
    assert "card-1" in page and page.count("<figure>") == 20
