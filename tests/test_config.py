"""Config: TOML loading, column overrides, validation errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractscan.config.settings import Config, load_config
from extractscan.model.errors import UsageError


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
    assert cfg.link.crowded_alpha_accounts == 10_000  # the default
    p.write_text("[link]\ncrowded_alpha_accounts = 0\n")
    assert load_config(p).link.crowded_alpha_accounts == 0  # over the whole log
    assert cfg.link.crowded_unlike_alpha == 0.01  # the default, per account tested
    p.write_text("[link]\ncrowded_unlike_alpha = 0\n")
    assert load_config(p).link.crowded_unlike_alpha == 0.0  # over the whole log


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
        ("severity = 3\n", r"\[severity\] must be a table"),
        ('columns = "x"\n', r"\[columns\] must be a table"),
        ("[severity]\nhigh = true\n", "high must be a number >= 0, got True"),
        ("[scan]\nmin_incident_accounts = 'two'\n", "min_incident_accounts must be an integer"),
        ("[scan]\nmin_incident_accounts = -5\n", "must be an integer >= 2, got -5"),
        ("[scan]\nsample_prompts = 'many'\n", "sample_prompts must be an integer >= 0"),
        ("[link]\nmin_weight = 'heavy'\n", "min_weight must be a number >= 0"),
        ("[link]\nco_activity_minutes = 0\n", "co_activity_minutes must be an integer >= 1"),
        ("[link]\nmax_accounts_per_value = 5\n", "max_accounts_per_value\\] must be a table"),
        ("[link.max_accounts_per_value]\nnetwork = 'lots'\n", "network must be an integer >= 1"),
        ("[link.max_accounts_per_value]\nnetwrok = 3\n", "unknown family 'netwrok'"),
        ("[link]\nmin_weight = nan\n", "min_weight must be a number >= 0, got nan"),
        (
            "[link]\ncrowded_alpha_accounts = 2.5\n",
            "crowded_alpha_accounts must be an integer >= 0",
        ),
        ("[link]\ncrowded_alpha_accounts = -1\n", "must be an integer >= 0, got -1"),
        ("[link]\ncrowded_unlike_alpha = -0.5\n", "crowded_unlike_alpha must be a number >= 0"),
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


def test_numeric_settings_are_typed(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[link]\nmin_weight = 5\nmin_families = 3\n[severity]\ncritical = 1\n")
    cfg = load_config(p)
    assert cfg.link.min_weight == 5.0 and isinstance(cfg.link.min_weight, float)
    assert cfg.link.min_families == 3 and cfg.severity["critical"] == 1.0


def test_caps_by_family_or_by_group(tmp_path: Path) -> None:
    p = tmp_path / "c.toml"
    p.write_text("[link.max_accounts_per_value]\nip = 30\nnetwork = 90\n")
    caps = load_config(p).link.max_accounts_per_value
    assert caps["ip"] == 30 and caps["network"] == 90
