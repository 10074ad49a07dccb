"""CI semantics: --fail-on with --baseline fires only on what is new or rose;
--suppress entries (reason, owner, expiry) never fire and expire with a warning."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from extractscan.cli.main import main
from extractscan.model.errors import UsageError
from extractscan.run.suppress import read_suppressions


def _scan(*args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json", "--config", "none"])
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, json.loads(r.stdout) if r.stdout else {}, r.stderr


@pytest.fixture()
def first(campaign_logs: tuple[Path, Path], tmp_path: Path) -> tuple[list[str], dict, Path]:  # type: ignore[type-arg]
    req, acc = campaign_logs
    args = [str(req), "--accounts", str(acc)]
    code, data, _ = _scan(*args)
    assert code == 0 and data["incidents"][0]["severity"] == "critical"
    report = tmp_path / "report.json"
    report.write_text(json.dumps(data))
    return args, data, report


def test_rescan_against_own_report_is_all_known(first: tuple[list[str], dict, Path]) -> None:  # type: ignore[type-arg]
    args, data, report = first
    code, again, err = _scan(*args, "--baseline", str(report), "--fail-on", "high")
    assert code == 0 and "--fail-on" not in err
    assert [i["status"] for i in again["incidents"]] == ["known"] * len(data["incidents"])
    assert [i["id"] for i in again["incidents"]] == [i["id"] for i in data["incidents"]]
    # without the baseline the same scan fires
    code, _, err = _scan(*args, "--fail-on", "high")
    assert code == 1 and "1 incident at or above high" in err


def test_known_incident_that_rose_fires(
    first: tuple[list[str], dict, Path], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    inc = data["incidents"][0]
    inc["severity"] = "medium"
    low = tmp_path / "low.json"
    low.write_text(json.dumps(data))
    code, out, err = _scan(*args, "--baseline", str(low), "--fail-on", "high")
    assert code == 1
    assert out["incidents"][0]["change"]["severity_change"] == "up"
    line = [ln for ln in err.splitlines() if "--fail-on" in ln]
    assert line == [
        f"extractscan: --fail-on high: 1 new or risen incident at or above high: "
        f"{inc['id']} (known, rose from medium to critical)"
    ]
    # under --fail-on medium it was at the level already in the baseline: no fire
    code, _, _ = _scan(*args, "--baseline", str(low), "--fail-on", "medium")
    assert code == 0


def test_new_incident_fires_with_baseline(
    first: tuple[list[str], dict, Path], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({**data, "incidents": []}))
    code, _, err = _scan(*args, "--baseline", str(empty), "--fail-on", "high")
    inc = data["incidents"][0]
    assert code == 1
    assert f"{inc['id']} (new, critical, 12 accounts)" in err


def _toml(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "suppress.toml"
    p.write_text(body)
    return p


def test_suppressed_incident_never_fires(
    first: tuple[list[str], dict, Path], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    inc = data["incidents"][0]
    sup = _toml(
        tmp_path,
        f'[[suppress]]\nincident = "{inc["id"]}"\nreason = "case 4411"\nowner = "tns"\n'
        "expires = 2999-01-01\n",
    )
    code, out, err = _scan(*args, "--suppress", str(sup), "--fail-on", "low")
    assert code == 0 and "warning" not in err
    assert out["incidents"][0]["suppressed"] == [
        {
            "kind": "incident",
            "value": inc["id"],
            "reason": "case 4411",
            "owner": "tns",
            "expires": "2999-01-01",
        }
    ]
    r = CliRunner().invoke(
        main, ["scan", *args, "--suppress", str(sup), "--format", "markdown", "--config", "none"]
    )
    assert f"suppressed (incident {inc['id']}: case 4411; tns; until 2999-01-01)" in r.stdout


def test_accounts_suppress_only_a_whole_incident(
    first: tuple[list[str], dict, Path], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    members = data["incidents"][0]["member_accounts"]
    entry = '[[suppress]]\naccount = "{}"\nreason = "r"\nowner = "o"\nexpires = 2999-01-01\n'
    some = _toml(tmp_path, "".join(entry.format(a) for a in members[:-1]))
    code, out, _ = _scan(*args, "--suppress", str(some), "--fail-on", "high")
    assert code == 1 and out["incidents"][0]["suppressed"] == []
    every = _toml(tmp_path, "".join(entry.format(a) for a in members))
    code, out, _ = _scan(*args, "--suppress", str(every), "--fail-on", "high")
    assert code == 0 and len(out["incidents"][0]["suppressed"]) == len(members)


def test_expired_entry_warns_and_does_not_apply(
    first: tuple[list[str], dict, Path], tmp_path: Path
) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    inc = data["incidents"][0]
    sup = _toml(
        tmp_path,
        f'[[suppress]]\nincident = "{inc["id"]}"\nreason = "r"\nowner = "alice"\n'
        "expires = 2020-01-01\n",
    )
    code, out, err = _scan(*args, "--suppress", str(sup), "--fail-on", "high")
    assert code == 1 and out["incidents"][0]["suppressed"] == []
    assert f"the entry for incident {inc['id']} (owner alice) expired on 2020-01-01" in err
    assert out["expired_suppressions"][0]["expires"] == "2020-01-01"


def test_suppression_file_checked(tmp_path: Path) -> None:
    ok = '[[suppress]]\nvalue = "203.0.113.7"\nreason = "office"\nowner = "netops"\n'
    with pytest.raises(UsageError, match="entry 1: 'expires' is required"):
        read_suppressions(_toml(tmp_path, ok))
    with pytest.raises(UsageError, match="exactly one of incident, account, value"):
        read_suppressions(_toml(tmp_path, '[[suppress]]\nreason = "x"\n'))
    with pytest.raises(UsageError, match="'owner' is required"):
        read_suppressions(
            _toml(tmp_path, '[[suppress]]\naccount = "a"\nreason = "x"\nexpires = 2026-01-01\n')
        )
    s = read_suppressions(_toml(tmp_path, ok + "expires = 2026-06-30\n"), date(2026, 6, 30))
    assert (len(s.active), len(s.expired)) == (1, 0)  # in force on its expiry day
    s = read_suppressions(_toml(tmp_path, ok + "expires = 2026-06-30\n"), date(2026, 7, 1))
    assert (len(s.active), len(s.expired)) == (0, 1)
    code, _, err = _scan(str(tmp_path), "--suppress", str(tmp_path / "nope.toml"))
    assert code == 2 and "cannot read" in err


def test_values_suppress_an_incident_linked_by_nothing_else(
    first: tuple[list[str], dict, Path],  # type: ignore[type-arg]
    tmp_path: Path,
) -> None:
    args, data, _ = first
    values = sorted({v["value"] for ln in data["incidents"][0]["links"] for v in ln["values"]})
    entry = '[[suppress]]\nvalue = {}\nreason = "r"\nowner = "o"\nexpires = 2999-01-01\n'
    every = _toml(tmp_path, "".join(entry.format(json.dumps(v)) for v in values))
    code, out, _ = _scan(*args, "--suppress", str(every), "--fail-on", "high")
    assert code == 0 and {s["value"] for s in out["incidents"][0]["suppressed"]} == set(values)
    some = _toml(tmp_path, "".join(entry.format(json.dumps(v)) for v in values[1:]))
    code, out, _ = _scan(*args, "--suppress", str(some), "--fail-on", "high")
    assert code == 1 and out["incidents"][0]["suppressed"] == []


def test_suppressed_values_redacted(first: tuple[list[str], dict, Path], tmp_path: Path) -> None:  # type: ignore[type-arg]
    args, data, _ = first
    values = sorted({v["value"] for ln in data["incidents"][0]["links"] for v in ln["values"]})
    entry = '[[suppress]]\nvalue = {}\nreason = "r"\nowner = "o"\nexpires = 2999-01-01\n'
    every = _toml(tmp_path, "".join(entry.format(json.dumps(v)) for v in values))
    r = CliRunner().invoke(
        main, ["scan", *args, "--suppress", str(every), "--redact", "--format", "json"]
    )
    assert r.exit_code == 0
    assert "198.51.100." not in r.stdout and "card_0" not in r.stdout
    shown = {s["value"] for s in json.loads(r.stdout)["incidents"][0]["suppressed"]}
    assert "card-1" in shown and "ip-1" in shown
