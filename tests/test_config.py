"""Config: TOML loading, column overrides, validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractscan.config import Config, load_config
from extractscan.errors import UsageError


def test_defaults_and_severity_mapping() -> None:
    cfg = Config()
    assert [cfg.severity_of(s) for s in (0.95, 0.8, 0.79, 0.6, 0.4, 0.39)] == [
        "critical",
        "critical",
        "high",
        "high",
        "medium",
        "low",
    ]


def test_toml_file_and_overrides(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text(
        '[columns]\naccount = "cust"\nip = "addr"\n'
        "[severity]\nhigh = 0.7\n"
        '[scan]\nflag_severity = "high"\n'
        "[link]\nmin_weight = 3.5\n[link.max_accounts_per_value]\nnetwork = 10\n"
    )
    cfg = load_config(p, {"ip": "client"})
    assert cfg.columns == {"account": "cust", "ip": "client"}
    assert cfg.severity == {"critical": 0.8, "high": 0.7, "medium": 0.4}
    assert cfg.flag_severity == "high"
    assert cfg.link.min_weight == 3.5
    assert cfg.link.max_accounts_per_value["network"] == 10
    assert cfg.link.max_accounts_per_value["payment"] == 60


def test_default_file_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "extractscan.toml").write_text('[columns]\naccount = "who"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(None).columns == {"account": "who"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[columns]\nnot_a_column = 'x'\n", "unknown canonical column 'not_a_column'"),
        ("[severity]\nhigh = 0.9\n", "need critical >= high >= medium"),
        ("[scan]\nflag_severity = 'severe'\n", "flag_severity must be one of"),
        ("[nope]\n", "unknown section"),
        ("[link]\nbogus = 1\n", r"unknown key\(s\) \['bogus'\]"),
        ("this is not toml", "not valid TOML"),
    ],
)
def test_bad_config_is_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text)
    with pytest.raises(UsageError, match=message):
        load_config(p)


def test_missing_config_file() -> None:
    with pytest.raises(UsageError, match="config file not found"):
        load_config("/nonexistent/x.toml")
