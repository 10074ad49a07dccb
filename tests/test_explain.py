"""``extractscan explain``: every partner (or how many more), three formats, -o,
--redact with the scan report's tokens, boxes and tables at a fixed width."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from extractscan.cli.explain_command import FORMATS
from extractscan.cli.main import main
from extractscan.model.findings import Findings
from extractscan.report.explain import TERMINAL_PARTNERS, explain
from extractscan.report.explain_formats import EXPLAIN_FORMATS
from tests.test_terminal import SAMPLE, assert_unbroken

ACCOUNT = "acct_03f361ffcc"


def _partners(f: Findings, account: str) -> set[str]:
    pairs = f.pairs.filter((pl.col("a") == account) | (pl.col("b") == account))
    return set(pairs["a"].to_list() + pairs["b"].to_list()) - {account}


def test_every_partner_strongest_first(sample_findings: Findings) -> None:
    e = explain(sample_findings, ACCOUNT)
    want = _partners(sample_findings, ACCOUNT)
    assert len(want) == 53 and {p.account for p in e.partners} == want
    keys = [(not p.linked, -p.total, p.account) for p in e.partners]
    assert keys == sorted(keys)
    assert all(
        [x.weight for x in p.evidence] == sorted((x.weight for x in p.evidence), reverse=True)
        for p in e.partners
    )


def test_terminal_at_80_columns_counts_what_it_does_not_show() -> None:
    res = CliRunner().invoke(main, ["explain", ACCOUNT, *SAMPLE, "--width", "80", "--no-color"])
    assert res.exit_code == 0, res.output
    assert_unbroken(res.stdout, 80)
    assert "Accounts sharing identifiers (53; strongest first)" in res.stdout
    more = 53 - TERMINAL_PARTNERS
    assert f"{more} more (--format json or markdown lists every one)" in res.stdout
    shown = re.findall(r"^  (acct_\w+) ", res.stdout, flags=re.M)
    assert len(shown) == TERMINAL_PARTNERS


def test_json_and_markdown_list_every_partner(tmp_path: Path, sample_findings: Findings) -> None:
    assert FORMATS == EXPLAIN_FORMATS
    out = tmp_path / "e.json"
    res = CliRunner().invoke(main, ["explain", ACCOUNT, *SAMPLE, "-o", str(out)])
    assert res.exit_code == 0 and res.stdout == "", res.output
    data = json.loads(out.read_text())
    assert data["account"] == ACCOUNT and data["incident"] == "INC-437D8037"
    assert data["partners_total"] == len(data["partners"]) == 53
    assert {p["account"] for p in data["partners"]} == _partners(sample_findings, ACCOUNT)
    first = data["partners"][0]
    assert first["linked"] and first["evidence"][0]["family"] == "crowded_pool"
    res = CliRunner().invoke(main, ["explain", ACCOUNT, *SAMPLE, "--format", "markdown"])
    md = res.stdout
    assert md.startswith(f"# Account {ACCOUNT}\n") and "\\" not in md
    assert "## Accounts sharing identifiers (53; strongest first)" in md
    assert len(re.findall(r"^\| acct_\w+ \| (yes|no|same org) \|", md, flags=re.M)) == 53
    res = CliRunner().invoke(main, ["explain", ACCOUNT, *SAMPLE, "-o", str(tmp_path / "no" / "x")])
    assert res.exit_code == 2 and "does not exist" in res.stderr


def test_redact_uses_the_scan_reports_tokens(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["explain", ACCOUNT, *SAMPLE, "--format", "json", "--redact"])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", text)
    assert "card_" not in text and "@quickinbox" not in text
    data = json.loads(text)
    ev = {x["family"]: x["example"] for x in data["partners"][0]["evidence"]}
    scan = CliRunner().invoke(main, ["scan", *SAMPLE, "--format", "json", "--redact"]).stdout
    report = json.loads(scan)
    values = {v["value"] for i in report["incidents"] for ln in i["links"] for v in ln["values"]}
    assert ev["crowded_payment"].startswith("card-") and ev["crowded_payment"] in values
    assert ev["crowded_subnet"].startswith("net-") and ev["crowded_subnet"] in values
    for fmt in ("terminal", "markdown"):
        out = (
            CliRunner()
            .invoke(main, ["explain", ACCOUNT, *SAMPLE, "--format", fmt, "--redact", "--no-color"])
            .stdout
        )
        assert "card_" not in out and "162.152" not in out and ev["crowded_payment"] in out
