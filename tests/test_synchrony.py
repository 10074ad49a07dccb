"""Behavioural clusters (link/synchrony.py): a synchronized group is found; a group of
ordinary accounts of the same size and the same behaviour is not."""

from __future__ import annotations

import importlib
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from extractscan.config.settings import LinkConfig
from extractscan.features.behaviour import newest_model_use
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.synchrony import box_test, preload, star_identifiers, synchrony

T0 = datetime(2026, 4, 1, tzinfo=UTC)  # signups count back from here
W0 = datetime(2026, 4, 22, tzinfo=UTC)  # the log's first day
RELEASE = datetime(2026, 4, 29, 10, tzinfo=UTC)  # the newest model's release
H = timedelta(hours=1)
M = timedelta(minutes=1)


def _account(name: str, signup: datetime, first: datetime, newest: datetime) -> dict[str, object]:
    """An extraction-heavy account with the same behaviour as every other here."""
    return {
        "account": name,
        "exchanges": 120,
        "extraction_share": 0.8,
        "prompts_measured": 120,
        "cot_share": 0.8,
        "tool_use_share": 0.0,
        "coding_share": 0.0,
        "rubric_share": 0.0,
        "probing_share": 0.0,
        "token_ratio": 5.0,
        "hour_entropy": 0.98,
        "signup_at": signup,
        "first_seen": first,
        "newest_model": "model-z",
        "newest_model_at": newest,
        "org": "",
    }


def _background(n: int = 300) -> list[dict[str, object]]:
    """Ordinary accounts: signed up over two years, first seen over ten days, meeting
    the new model over eight days (seeded draws, in whole minutes)."""
    rng = np.random.default_rng(21)
    minutes = rng.integers(0, [700 * 1440, 240 * 60, 200 * 60], size=(n, 3)).tolist()
    return [
        _account(f"bg_{i:03d}", T0 - m[0] * M, W0 + m[1] * M, RELEASE + m[2] * M)
        for i, m in enumerate(minutes)
    ]


def _synchronized(n: int = 30) -> list[dict[str, object]]:
    """Created within a day, first requests within six hours, on the new model within
    three hours of each other."""
    return [
        _account(
            f"sync_{i:02d}",
            T0 - 24 * H + i * 48 * M,
            W0 + 30 * H + i * 12 * M,
            RELEASE + 3 * H + i * 6 * M,
        )
        for i in range(n)
    ]


def _table(rows: list[dict[str, object]]) -> pl.DataFrame:
    """The per-account table (no org: an empty one)."""
    return pl.DataFrame(rows).with_columns(pl.col("org").replace("", None))


def test_a_synchronized_group_is_linked_as_a_star() -> None:
    accounts = _table(_background() + _synchronized())
    ev = synchrony(accounts, LinkConfig())
    assert ev.schema == pl.Schema(EVIDENCE_SCHEMA)
    assert ev["a"].unique().to_list() == ["sync_00"]
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(1, 30)]
    assert ev["family"].unique().to_list() == ["behaviour_cluster"]
    assert ev["shared_values"].unique().to_list() == [3]
    assert ev["min_df"].unique().to_list() == [30]
    assert ev["weight"].unique().to_list() == [20.0]
    assert ev["example"][0] == (
        "30 accounts alike: created within 0.9 days, first requests within 5.4 hours, "
        "93% on model-z within 2.7 hours of each other; median 80% extraction-style prompts, "
        "output/input 5.0x, hour spread 0.98; spans hold 90% of a core of 30 (28 inside all "
        "3); chance among 300 other accounts 1e-28"
    )


def test_ordinary_accounts_of_the_same_size_and_behaviour_are_not_linked() -> None:
    # the same table, the thirty accounts now drawn like the background
    accounts = _table(_background(330))
    assert synchrony(accounts, LinkConfig()).is_empty()
    # and as a group of its own, tested against the rest, they are far from significant
    group = accounts.filter(pl.col("account").is_in([f"bg_{i:03d}" for i in range(300, 330)]))
    rest = accounts.join(group, on="account", how="anti")
    box = box_test(group, rest, tested=1, alpha=0.01)
    assert not box.significant
    assert len(box.members) == 24
    assert round(box.p, 3) == 0.704
    assert box.nats == 0.0


def test_a_synchronized_group_inside_one_org_is_found_but_its_links_are_not_evidence() -> None:
    # an enterprise's keys share one declared org: decide_links sets them aside
    from extractscan.link.decide import decide_links

    rows = _background() + [dict(r, org="org-1") for r in _synchronized()]
    accounts = _table(rows)
    ev = synchrony(accounts, LinkConfig())
    assert ev.height == 29
    links = decide_links(ev, accounts, LinkConfig())
    assert links["same_org"].all() and not links["linked"].any()


def test_off_and_too_few_requests() -> None:
    accounts = _table(_background() + _synchronized())
    assert synchrony(accounts, LinkConfig(synchrony_alpha=0.0)).is_empty()
    assert synchrony(accounts, LinkConfig(synchrony_min_requests=121)).is_empty()


def test_newest_model_use_is_each_accounts_first_request_to_the_latest_model() -> None:
    day = W0.date()
    models = pl.DataFrame(
        {
            "account": ["a", "a", "a", "b", "b"],
            "model": ["m1", "m2", "m2", "m1", "m1"],
            "day": [day, day + timedelta(days=7), day + timedelta(days=8), day, day],
            "n": [3, 2, 5, 1, 1],
            "first": [W0, W0 + 170 * H, W0 + 193 * H, W0 + H, W0 + 2 * H],
        }
    )
    out = newest_model_use(models)
    assert out.rows() == [("a", "m2", W0 + 170 * H)]
    # one model only, or every model from the first day on: no newly released model
    assert newest_model_use(models.filter(pl.col("model") == "m1")).is_empty()


@pytest.mark.parametrize("clustered", [5_000, 1_000])
def test_a_campaign_that_is_most_accounts_links_no_ordinary_ones(
    clustered: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3,000 synchronized accounts among 1,000 ordinary ones of varied behaviour (all
    # clustered, or a sample of 1,000): tested against everyone, a chunk of the ordinary
    # accounts looked rare (the campaign's mass lies outside its windows; 835 ordinary
    # accounts were linked before the reference left the accepted campaign out)
    module = importlib.import_module("extractscan.link.synchrony")  # not the function
    monkeypatch.setattr(module, "MAX_CLUSTERED", clustered)
    rng = np.random.default_rng(3)
    spread = rng.integers(0, [700 * 1440, 240 * 60, 200 * 60], size=(1_000, 3)).tolist()
    rows = [
        _account(f"bg_{i:04d}", T0 - m[0] * M, W0 + m[1] * M, RELEASE + m[2] * M)
        for i, m in enumerate(spread)
    ]
    sync = rng.integers(0, [3 * 1440, 8 * 60, 4 * 60], size=(3_000, 3)).tolist()
    rows += [
        _account(f"sync_{i:04d}", T0 - m[0] * M, W0 + 30 * H + m[1] * M, RELEASE + 3 * H + m[2] * M)
        for i, m in enumerate(sync)
    ]
    accounts = _table(rows).with_columns(
        cot_share=pl.Series(rng.uniform(0.5, 0.9, 4_000)),
        token_ratio=pl.Series(rng.uniform(3, 7, 4_000)),
    )
    ev = synchrony(accounts, LinkConfig())
    linked = set(ev["a"]) | set(ev["b"])
    assert not {a for a in linked if a.startswith("bg_")}
    assert len(linked) == 3_000


def test_star_identifiers_give_every_linked_account_the_clusters_description() -> None:
    ev = synchrony(_table(_background() + _synchronized()), LinkConfig())
    ids = star_identifiers(ev)
    assert ids.columns == ["account", "family", "value"]
    assert ids["account"].to_list() == [f"sync_{i:02d}" for i in range(30)]
    assert ids["value"].unique().to_list() == [ev["example"][0]]


def test_preload_imports_the_clustering_library_only_when_it_will_cluster() -> None:
    assert preload(_table(_background()[:5]), LinkConfig()) is None  # too few candidates
    assert preload(_table(_background()), LinkConfig(synchrony_alpha=0)) is None
    thread = preload(_table(_background()), LinkConfig())
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "sklearn.cluster" in sys.modules
