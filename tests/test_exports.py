"""Exports for case work: --graph-out (GraphML, GEXF) and --stix-out (STIX 2.1)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
import stix2
from click.testing import CliRunner
from stix2patterns.validator import run_validator

from extractscan.cli.main import main
from extractscan.report.stix import email_regex


def _scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--config", "none"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, json.loads(r.stdout) if r.stdout else {}, r.stderr


@pytest.mark.parametrize("ext", [".graphml", ".gexf"])
def test_graph_has_every_member_and_what_links_them(
    campaign_logs: tuple[Path, Path], tmp_path: Path, ext: str
) -> None:
    req, acc = campaign_logs
    out = tmp_path / f"rings{ext}"
    code, data, _ = _scan(str(req), "--accounts", str(acc), "--graph-out", str(out))
    assert code == 0
    g = nx.read_graphml(out) if ext == ".graphml" else nx.read_gexf(out)
    top = data["incidents"][0]
    accounts = {n: d for n, d in g.nodes(data=True) if d["kind"] == "account"}
    assert sorted(d["label"] for d in accounts.values()) == top["member_accounts"]
    assert {d["incident_id"] for d in accounts.values()} == {top["id"]}
    assert {d["severity"] for d in accounts.values()} == {top["severity"]}
    # the shared card of c00-c03 is a value node used by exactly those four accounts
    card = "payment:card_0"
    assert g.nodes[card]["kind"] == "value"
    assert sorted(g.nodes[n]["label"] for n in g.neighbors(card)) == ["c00", "c01", "c02", "c03"]
    edge = g.edges["account:c00", card]
    assert edge["family"] == "payment" and edge["weight"] > 0
    pair = g.edges["account:c00", "account:c01"]
    assert pair["kind"] == "pair" and pair["linked"] in (True, "true")
    assert "payment" in pair["families"].split(",")
    # benign users are not in it
    assert not any(d["label"].startswith("b") for d in accounts.values())


def test_graph_values_redacted(campaign_logs: tuple[Path, Path], tmp_path: Path) -> None:
    req, acc = campaign_logs
    out = tmp_path / "rings.graphml"
    code, _, _ = _scan(str(req), "--accounts", str(acc), "--graph-out", str(out), "--redact")
    assert code == 0
    g = nx.read_graphml(out)
    text = out.read_text()
    assert "198.51.100." not in text and "card_0" not in text and "@mail.example" not in text
    kinds = Counter(d["family"] for _, d in g.nodes(data=True) if d["kind"] == "value")
    assert kinds["payment"] == 3 and "payment:card-1" in g


def test_graph_out_extension_checked_before_the_scan(tmp_path: Path) -> None:
    code, _, err = _scan(str(tmp_path), "--graph-out", str(tmp_path / "g.png"))
    assert code == 2 and "must end in .graphml or .gexf" in err


def test_stix_bundle_parses_as_stix21(campaign_logs: tuple[Path, Path], tmp_path: Path) -> None:
    req, acc = campaign_logs
    cfg = tmp_path / "share.toml"
    cfg.write_text('[share]\norganisation = "Example AI T&S"\ntlp = "TLP:RED"\n')
    out = tmp_path / "bundle.json"
    r = CliRunner().invoke(
        main,
        ["scan", str(req), "--accounts", str(acc), "--config", str(cfg), "--stix-out", str(out)],
    )
    assert r.exit_code == 0, r.stderr
    bundle = stix2.parse(out.read_text(), allow_custom=False)
    kinds = Counter(o.type for o in bundle.objects)
    # 12 campaign accounts behind 4 exit IPs (198.51.100.0-3), signed up as
    # ops1000..ops1011@mail.example: one campaign, 4 IP and 1 e-mail pattern indicators
    assert kinds == Counter(
        {"marking-definition": 1, "identity": 1, "campaign": 1, "indicator": 5, "relationship": 5}
    )
    [org] = [o for o in bundle.objects if o.type == "identity"]
    [camp] = [o for o in bundle.objects if o.type == "campaign"]
    assert org.name == "Example AI T&S" and camp.created_by_ref == org.id
    assert all(o.spec_version == "2.1" for o in bundle.objects if o.type != "marking-definition")
    assert camp.object_marking_refs == [stix2.TLP_RED.id]
    patterns = sorted(o.pattern for o in bundle.objects if o.type == "indicator")
    assert patterns == [
        "[email-addr:value MATCHES '(?i)^[a-z]+[0-9]+@mail\\\\.example$']",
        *(f"[ipv4-addr:value = '198.51.100.{i}']" for i in range(4)),
    ]
    assert all(not run_validator(p) for p in patterns)  # valid STIX 2.1 patterns
    [email] = [o for o in bundle.objects if o.type == "indicator" and "email" in o.pattern]
    assert email.name.startswith("E-mail pattern of INC-")
    rels = [o for o in bundle.objects if o.type == "relationship"]
    assert {(o.relationship_type, o.target_ref) for o in rels} == {("indicates", camp.id)}
    # the same scan again gives the same object ids
    again = tmp_path / "again.json"
    CliRunner().invoke(
        main,
        ["scan", str(req), "--accounts", str(acc), "--config", str(cfg), "--stix-out", str(again)],
    )
    ids = [o["id"] for o in json.loads(again.read_text())["objects"]]
    assert ids == [o["id"] for o in json.loads(out.read_text())["objects"]]


def test_stix_default_amber_and_refused_with_redact(
    campaign_logs: tuple[Path, Path], tmp_path: Path
) -> None:
    req, acc = campaign_logs
    out = tmp_path / "b.json"
    code, _, _ = _scan(str(req), "--accounts", str(acc), "--stix-out", str(out))
    assert code == 0
    [camp] = [o for o in json.loads(out.read_text())["objects"] if o["type"] == "campaign"]
    assert camp["object_marking_refs"] == [stix2.TLP_AMBER.id]
    code, _, err = _scan(str(req), "--stix-out", str(tmp_path / "c.json"), "--redact")
    assert code == 2 and "cannot be combined with --redact" in err


def test_share_config_checked(tmp_path: Path) -> None:
    from extractscan.config import load_config
    from extractscan.model.errors import UsageError

    bad = tmp_path / "bad.toml"
    bad.write_text('[share]\ntlp = "purple"\n')
    with pytest.raises(UsageError, match=r"\[share\] tlp must be one of"):
        load_config(bad)
    ok = tmp_path / "ok.toml"
    ok.write_text('[share]\ntlp = "green"\n')
    assert load_config(ok).share.tlp == "green"
    assert load_config(ok).share.organisation == "extractscan user"


def test_email_regex_matches_the_addresses_of_its_pattern() -> None:
    regex = email_regex("a.a_9@corp.example")
    assert regex == r"(?i)^[a-z]+\.[a-z]+_[0-9]+@corp\.example$"
    assert re.match(regex, "John.Smith_1987@Corp.Example")
    assert not re.match(regex, "john.smith@corp.example")  # no digits: another pattern
    assert not re.match(regex, "j.s_1@corpXexample")  # the domain's dot is a dot
    assert email_regex("no-at-sign") is None
