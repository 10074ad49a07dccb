"""The share an incident's pooled prompts are weighed against (assess/incidents.py,
ordinary_share): the accounts outside incidents, the extraction-heavy ones left out."""

from __future__ import annotations

import polars as pl
import pytest

from extractscan.assess.incidents import ordinary_share
from extractscan.assess.score import contrast_nats
from extractscan.config import Config


def _outside(heavy: int) -> pl.DataFrame:
    """40 ordinary accounts at 5 % and ``heavy`` enterprise keys at 100 %, 500 prompts each."""
    shares = [0.05] * 40 + [1.0] * heavy
    return pl.DataFrame(
        {
            "account": [f"a{i:03d}" for i in range(len(shares))],
            "extraction_share": shares,
            "prompts_measured": [500] * len(shares),
        }
    )


def test_heavy_accounts_outside_incidents_do_not_set_the_ordinary_share() -> None:
    cfg = Config()
    assert ordinary_share(_outside(0), cfg) == pytest.approx(0.05)
    # 10 keys at 100 %: the mean of all would be 0.24
    assert ordinary_share(_outside(10), cfg) == pytest.approx(0.05)
    # only heavy accounts outside: their mean, not nothing
    only = _outside(10).filter(pl.col("extraction_share") == 1.0)
    assert ordinary_share(only, cfg) == pytest.approx(1.0)
    assert ordinary_share(_outside(0).drop("extraction_share"), cfg) is None


def test_a_low_and_slow_campaign_at_three_times_the_ordinary_share_is_unusual() -> None:
    # held-out world 4095: 1,772 of 11,728 prompts; against the mean of all (14.6 %)
    # not unusual, against the ordinary accounts' share far beyond chance
    cfg = Config()
    assert contrast_nats(11_728, 1_772, 0.146) < 0.1 * cfg.contrast_full_nats
    assert contrast_nats(11_728, 1_772, ordinary_share(_outside(10), cfg)) > cfg.contrast_full_nats
