"""``--redact-key``: the token -> value table, 0600, never in the report."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.report.redact import Redactor, write_key
from tests.test_terminal import SAMPLE


def test_write_key_lists_every_token_in_order(tmp_path: Path) -> None:
    r = Redactor({"card": {"card_b", "card_a"}, "email": {"x@y.example"}})
    assert r.text("mail x@y.example from 10.0.0.1") == "mail <email-1> from <ip-1>"
    write_key(r, tmp_path / "k.json")
    rows = json.loads((tmp_path / "k.json").read_text())["tokens"]
    assert rows == [
        {"token": "card-1", "kind": "card", "value": "card_a"},
        {"token": "card-2", "kind": "card", "value": "card_b"},
        {"token": "email-1", "kind": "email", "value": "x@y.example"},
        {"token": "ip-1", "kind": "ip", "value": "10.0.0.1"},
    ]


def test_scan_and_explain_write_a_private_key(tmp_path: Path) -> None:
    key, out = tmp_path / "key.json", tmp_path / "r.md"
    res = CliRunner().invoke(
        main, ["scan", *SAMPLE, "--redact", "--redact-key", str(key), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    table = {r["token"]: r["value"] for r in json.loads(key.read_text())["tokens"]}
    report = out.read_text()
    assert "card_a01b8197e8ac" not in report and "162.152.196.10" not in report
    token = next(t for t, v in table.items() if v == "card_a01b8197e8ac")
    assert f"{token} (21)" in report  # the report's token traces back through the key
    ip = next(t for t, v in table.items() if v == "162.152.196.10")
    assert ip.startswith("ip-") and f"{ip} (12)" in report
    assert str(key) not in report and "redact-key" not in report
    res = CliRunner().invoke(main, ["scan", *SAMPLE, "--redact-key", str(tmp_path / "k2.json")])
    assert res.exit_code == 2 and "--redact-key needs --redact" in res.stderr
    ekey = tmp_path / "ekey.json"
    res = CliRunner().invoke(
        main,
        ["explain", "acct_03f361ffcc", *SAMPLE, "--redact", "--redact-key", str(ekey)]
        + ["--format", "json"],
    )
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(ekey.stat().st_mode) == 0o600
    assert json.loads(ekey.read_text()) == json.loads(key.read_text())
    assert json.loads(res.stdout)["account"] == "acct_03f361ffcc"
