"""Behavioural clusters (link/synchrony.py): a synchronized group is found; a group of
ordinary accounts of the same size and the same behaviour is not."""

from __future__ import annotations

import importlib
import math
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from extractscan.config.settings import LinkConfig
from extractscan.features.behaviour import newest_model_use
from extractscan.ingest import files
from extractscan.link.behaviour_groups import (
    outside_institutions,
    respecting_groups,
    star_identifiers,
)
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.synchrony import EARLY_ROWS, _found, preload, preload_early, synchrony
from extractscan.link.synchrony_box import box_test
from extractscan.run.memory import MemoryPlan

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
        "3); chance among 275 other accounts 1e-45"
    )


def test_a_synchronized_group_on_bought_aged_accounts_is_found_by_the_last_pass() -> None:
    # report worlds 2336, 2358 and 2360: identifier-free campaigns on accounts created over
    # 100-700 days, started within hours and on the new model within hours of each other,
    # spread so far in the signup coordinate that they were in no cluster of their own
    days = np.random.default_rng(5).uniform(100, 700, 30)
    aged = [
        dict(r, signup_at=T0 - timedelta(days=float(d)))
        for r, d in zip(_synchronized(), days, strict=True)
    ]
    ev = synchrony(_table(_background() + aged), LinkConfig())
    assert set(ev["a"]) | set(ev["b"]) == {f"sync_{i:02d}" for i in range(30)}
    # the ordinary accounts created as long ago are not: the same table without them
    assert synchrony(_table(_background()), LinkConfig()).is_empty()


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
    # no subset of the times is beyond chance: the box reports the one nearest its
    # threshold (a single window, the smallest correction), 87 % of the accounts inside it
    assert round(box.p, 3) == 0.867
    assert box.nats == 0.0


def test_a_synchronized_group_inside_one_org_is_not_joined_by_behaviour() -> None:
    # an enterprise's keys share one declared org: one party, whose behaviour and
    # timing alone link nothing (decide_links sets links inside an org aside as well)
    rows = _background() + [dict(r, org="org-1") for r in _synchronized()]
    assert synchrony(_table(rows), LinkConfig()).is_empty()
    # one key per org is no declared party: the same accounts are linked
    rows = _background() + [dict(r, org=f"org-{i}") for i, r in enumerate(_synchronized())]
    assert synchrony(_table(rows), LinkConfig()).height == 29


def test_an_enterprises_keys_inside_a_campaigns_box_are_left_out_of_its_star() -> None:
    # stress world 5009: an enterprise's seven keys, alike and inside the wide box of a
    # campaign of aged accounts, were joined to it by behaviour alone
    keys = [dict(r, account=f"ent_{i}", org="org-e") for i, r in enumerate(_synchronized()[:5])]
    ev = synchrony(_table(_background() + _synchronized() + keys), LinkConfig())
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(1, 30)]
    # the same keys without their declared org are in the cluster
    loose = [dict(k, org=None) for k in keys]
    ev = synchrony(_table(_background() + _synchronized() + loose), LinkConfig())
    assert {f"ent_{i}" for i in range(5)} <= set(ev["a"].to_list() + ev["b"].to_list())


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


def test_preload_early_imports_once_before_the_row_stage_of_a_big_scan() -> None:
    assert preload_early(EARLY_ROWS - 1, LinkConfig()) is None  # small: decided later
    assert preload_early(EARLY_ROWS, LinkConfig(synchrony_alpha=0)) is None  # no clustering
    thread = preload_early(EARLY_ROWS, LinkConfig())
    assert thread is not None
    # one import per process: the later, account-based preload joins the same thread
    assert preload_early(10 * EARLY_ROWS, LinkConfig()) is thread
    assert preload(_table(_background()), LinkConfig()) is thread
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert "sklearn.neighbors" in sys.modules


def test_the_scan_preloads_from_its_estimated_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractscan.run import pipeline

    seen: list[int] = []
    monkeypatch.setattr(pipeline, "preload_early", lambda rows, cfg: seen.append(rows))
    log = tmp_path / "log.csv"
    log.write_text(
        "timestamp,account_id,prompt\n2026-04-22T10:00:00Z,a,hello\n2026-04-22T10:01:00Z,b,hello\n",
        encoding="utf-8",
    )
    pipeline.scan([log])
    assert seen == [files.estimated_rows(files.discover([log]))]
    # a scan short of memory (several passes) loads it later, only if it clusters
    monkeypatch.setattr(pipeline.memory, "plan", lambda rows, limit: MemoryPlan(2, "test"))
    pipeline.scan([log])
    assert len(seen) == 1


def _star(centre: str, others: list[str], example: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "a": [centre] * len(others),
            "b": others,
            "family": "behaviour_cluster",
            "shared_values": 3,
            "example": example,
            "min_df": len(others) + 1,
            "weight": 12.0,
        }
    ).cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]


def test_a_cluster_does_not_take_one_account_of_a_group_that_lies_outside_it() -> None:
    # Cluster 1: a1..a5 plus h1, one of hydra h1..h4 (linked by identifiers elsewhere),
    # and g1, g2 of group g1..g3 (two of three inside: the same campaign, kept).
    # Cluster 2 is centred on h0, one of hydra h0..h9 mostly outside it: re-centred.
    ev = pl.concat(
        [
            _star("a1", ["a2", "a3", "a4", "a5", "g1", "g2", "h1"], "one"),
            _star("b0", ["b1", "b2", "b3"], "two"),
        ]
    ).with_columns(pl.when(pl.col("a") == "b0").then(pl.lit("h0")).otherwise("a").alias("a"))
    groups = pl.DataFrame(
        {
            "account": ["h0", "h1", "h2", "h3", "h4", "g1", "g2", "g3"],
            "component": [0, 0, 0, 0, 0, 1, 1, 1],
        },
        schema={"account": pl.String, "component": pl.Int64},
    )
    got = respecting_groups(ev, groups)
    assert got.select("a", "b", "example").rows() == [
        ("a1", "a2", "one"),
        ("a1", "a3", "one"),
        ("a1", "a4", "one"),
        ("a1", "a5", "one"),
        ("a1", "g1", "one"),
        ("a1", "g2", "one"),
        ("b1", "b2", "two"),
        ("b1", "b3", "two"),
    ]
    assert got.schema == pl.Schema(EVIDENCE_SCHEMA)
    # nothing to respect: unchanged
    assert respecting_groups(ev, groups.clear()).equals(ev)
    assert respecting_groups(ev, groups.filter(pl.col("component") == 1)).equals(ev)


def test_a_free_mail_provider_is_no_institution_however_small_its_share() -> None:
    # report world 2298: a hydra on throwaway domains was most of the log, so gmail.com
    # and the like held 2.9 % each, and an identifier-free campaign's cluster (personal
    # addresses at those providers, a few of each provider's accounts) was dropped as
    # students of institutions lying outside it
    ev = _star("c00", [f"c{i:02d}" for i in range(1, 10)], "one")
    providers = ["gmail.com", "outlook.com", "yahoo.co.uk"]
    camp = [f"c{i:02d}" for i in range(10)]
    users = [f"u{i:02d}" for i in range(30)]  # ten more on each provider
    rest = [f"h{i:04d}" for i in range(1_000)]  # the hydra, on a throwaway domain

    def log(domains: list[str]) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "account": camp + users + rest,
                "email": [f"{a}@{domains[i % 3]}" for i, a in enumerate(camp + users)]
                + [f"{a}@quickinbox.example" for a in rest],
            }
        )

    assert outside_institutions(ev, log(providers)).equals(ev)
    # the same shares on three domains of nobody's knowledge: institutions, dropped
    assert outside_institutions(ev, log(["a.example", "b.example", "c.example"])).is_empty()


def test_a_campaigns_mail_domain_is_no_institution() -> None:
    # held-out world 3157: a grader's 13 accounts on three throwaway domains that a
    # 351-account hydra (an identifier-linked group leaning to extraction) used too; the
    # grader's cluster was dropped as "students" of institutions lying outside it
    grader = [f"g{i:02d}" for i in range(12)]
    hydra = [f"h{i:03d}" for i in range(90)]
    users = [f"u{i:04d}" for i in range(2_000)]
    domains = ["relay.example", "pool.example", "inbox.example"]
    accounts = pl.DataFrame(
        {
            "account": grader + hydra + users,
            "email": [f"{a}@{domains[i % 3]}" for i, a in enumerate(grader + hydra)]
            + [f"{a}@gmail.com" for a in users],
        }
    )
    ev = _star("g00", grader[1:], "grader")
    hydra_group = pl.DataFrame({"account": hydra, "component": [7] * len(hydra)})
    assert outside_institutions(ev, accounts, hydra_group).equals(ev)
    # without the campaign group the domains are institutions lying outside the cluster
    assert outside_institutions(ev, accounts).is_empty()
    assert outside_institutions(ev, accounts, hydra_group.clear()).is_empty()
    # a domain less than half of whose accounts are the group's (15 of each domain's
    # 34) is still an institution: the group's accounts must be most of it
    half = hydra_group.filter(pl.col("account") < "h045")
    assert outside_institutions(ev, accounts, half).is_empty()


def test_a_cluster_does_not_take_students_of_an_institution_that_lies_outside_it() -> None:
    # Cluster 1: c1..c6 on a mass provider, s1 and s2 of a university whose other 8
    # students are outside it (held-out world 521: four students in a campaign's
    # incident), and t1..t3 of a small domain all three inside (kept). Cluster 2 is
    # centred on s3, of the same university: re-centred. 300 more accounts on the mass
    # provider: the log's 323 accounts, of which the university holds 3 %, the provider
    # 96 %.
    ev = pl.concat(
        [
            _star("c1", ["c2", "c3", "c4", "c5", "c6", "s1", "s2", "t1", "t2", "t3"], "one"),
            _star("s3", ["d1", "d2", "d3"], "two"),
        ]
    )
    uni = [f"s{i}" for i in range(1, 11)]
    mass = [f"c{i}" for i in range(1, 7)] + [f"d{i}" for i in range(1, 4)]
    mass += [f"x{i:03d}" for i in range(300)]
    accounts = pl.DataFrame(
        {
            "account": [*uni, *mass, "t1", "t2", "t3", "n1"],
            "email": [f"{a}@uni7.example.edu" for a in uni]
            + [f"{a}@mail.example" for a in mass]
            + [f"{a}@lab.example" for a in ("t1", "t2", "t3")]
            + [None],
        }
    )
    got = outside_institutions(ev, accounts)
    assert got.select("a", "b", "example").rows() == [
        ("c1", "c2", "one"),
        ("c1", "c3", "one"),
        ("c1", "c4", "one"),
        ("c1", "c5", "one"),
        ("c1", "c6", "one"),
        ("c1", "t1", "one"),
        ("c1", "t2", "one"),
        ("c1", "t3", "one"),
        ("d1", "d2", "two"),
        ("d1", "d3", "two"),
    ]
    assert got.schema == pl.Schema(EVIDENCE_SCHEMA)
    # half of the university inside: its students stay
    half = accounts.filter(~pl.col("account").is_in(["s4", "s5", "s6", "s7", "s8", "s9"]))
    assert outside_institutions(ev.filter(pl.col("a") == "c1"), half).equals(
        ev.filter(pl.col("a") == "c1")
    )
    # without e-mail addresses: unchanged
    assert outside_institutions(ev, accounts.drop("email")).equals(ev)
    # a cluster mostly of students whose university lies mostly outside it describes
    # them: its other two accounts are not linked by it (as for identifier-linked groups)
    students = _star("s1", ["s2", "s3", "s4", "c1", "c2"], "class")
    assert outside_institutions(students, accounts).is_empty()


def test_the_config_default_of_the_window_cost_is_the_box_tests() -> None:
    from extractscan.link.synchrony_box import WINDOW_COST

    assert LinkConfig().synchrony_window_cost == WINDOW_COST == 2.0


def test_another_campaigns_accounts_are_not_the_ordinary_background() -> None:
    # 25 accounts of another (identifier-linked) campaign started in the same hours,
    # with scattered behaviour, sit inside the synchronized group's box: against a
    # background that counts them as ordinary the box is common; without them it is not.
    rng = np.random.default_rng(5)
    others = []
    for i in range(25):
        row = _account(
            f"other_{i:02d}",
            T0 - 20 * H + i * 30 * M,
            W0 + 31 * H + i * 10 * M,
            RELEASE + 4 * H + i * 5 * M,
        )
        shares = rng.dirichlet([0.3] * 5)
        row.update(
            {f"{c}_share": float(v) for c, v in zip(SHARE_NAMES, shares, strict=True)},
            exchanges=int(rng.integers(30, 3000)),
            token_ratio=float(rng.uniform(0.2, 20)),
            hour_entropy=float(rng.uniform(0.3, 1.0)),
        )
        others.append(row)
    accounts = _table(_background() + _synchronized(24) + others)
    assert synchrony(accounts, LinkConfig()).is_empty()
    campaigns = pl.DataFrame({"account": [f"other_{i:02d}" for i in range(25)]})
    ev = synchrony(accounts, LinkConfig(), campaigns)
    linked = set(ev["a"]) | set(ev["b"])
    assert {f"sync_{i:02d}" for i in range(24)} <= linked
    assert not any(a.startswith("bg_") for a in linked)


SHARE_NAMES = ("cot", "tool_use", "coding", "rubric", "probing")


def test_a_campaign_that_is_all_the_candidates_is_clustered_beside_ordinary_accounts() -> None:
    from extractscan.link.synchrony import candidates, cluster, vectors

    # The only extraction-heavy accounts are the synchronized ones: alone, they are the
    # root of HDBSCAN's hierarchy and come out as noise; beside a sample of the ordinary
    # busy accounts they are one dense cluster.
    ordinary = [dict(r, extraction_share=0.05, cot_share=0.05) for r in _background(300)]
    accounts = _table(ordinary + _synchronized(40))
    alone = candidates(accounts, LinkConfig())
    assert alone.height == 40
    labels, _ = cluster(vectors(alone), LinkConfig().synchrony_min_accounts)
    assert set(labels.tolist()) == {-1}
    ev = synchrony(accounts, LinkConfig())
    assert set(ev["a"]) | set(ev["b"]) == {f"sync_{i:02d}" for i in range(40)}


def test_a_cluster_that_was_mostly_another_groups_accounts_is_dropped() -> None:
    # six of the cluster's eight accounts belong to a 20-account group mostly outside it:
    # the two left over are not linked on the evidence of the six
    ev = _star("k0", ["k1", "k2", "k3", "k4", "k5", "x1", "x2"], "mostly theirs")
    groups = pl.DataFrame(
        {"account": ["k0", "k1", "k2", "k3", "k4", "k5"] + [f"m{i:02d}" for i in range(14)]},
    ).with_columns(pl.lit(7, pl.Int64).alias("component"))
    assert respecting_groups(ev, groups).is_empty()
    # half of them left: the cluster stays, re-centred
    half = _star("k0", ["k1", "k2", "x1", "x2", "x3"], "half")
    got = respecting_groups(half, groups)
    assert got.select("a", "b").rows() == [("x1", "x2"), ("x1", "x3")]


def test_behaviour_never_joins_two_groups_the_identifiers_keptapart() -> None:
    # a cluster holding two whole groups (a campaign's three accounts and a class's two)
    # and two unlinked accounts keeps the larger group and the unlinked ones
    ev = _star("c0", ["c1", "c2", "s0", "s1", "u0", "u1"], "together")
    groups = pl.DataFrame(
        {"account": ["c0", "c1", "c2", "s0", "s1"], "component": [3, 3, 3, 8, 8]},
        schema={"account": pl.String, "component": pl.Int64},
    )
    got = respecting_groups(ev, groups)
    assert got.select("a", "b").rows() == [("c0", "c1"), ("c0", "c2"), ("c0", "u0"), ("c0", "u1")]


def test_unclustered_candidates_join_a_box_only_when_they_behave_alike() -> None:
    from extractscan.link.synchrony import alike

    core = _table(_synchronized(6))
    close = dict(_synchronized(1)[0], account="near", cot_share=0.78)
    far = dict(_synchronized(1)[0], account="far", cot_share=0.1, rubric_share=0.7)
    noise = _table([close, far])
    assert alike(core, noise)["account"].to_list() == ["near"]
    assert alike(core.head(1), noise).height == 2  # no core to measure against


def test_a_small_synchronized_group_is_beyond_chance() -> None:
    # 14 accounts inside a box that holds no ordinary account: the smoothed share of the
    # whole box (1/301) put them below the bound; all windows but one, times that one's
    # share, does not
    accounts = _table(_background() + _synchronized(14))
    group = accounts.filter(pl.col("account").str.starts_with("sync_"))
    rest = accounts.join(group, on="account", how="anti")
    box = box_test(group, rest, tested=1, alpha=0.01)
    assert len(box.members) == 14
    assert box.significant
    assert round(box.p, 6) == 0.000169
    assert round(box.nats, 1) == 64.4
    # ln(7 subsets / 0.01) + 2 * 3 windows * ln(314 accounts); at N a window, 23.8
    assert round(box.threshold, 1) == 41.0
    assert round(box_test(group, rest, tested=1, alpha=0.01, cost=1.0).threshold, 1) == 23.8
    ev = synchrony(accounts, LinkConfig())
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(1, 14)]


def test_a_group_started_with_a_campaign_is_kept_apart_from_it() -> None:
    # a class (an identifier-linked group) created, started and moved to the new model in
    # the same hours as a campaign that shares nothing, with the same behaviour: one
    # cluster, but the campaign is beyond chance on its own, so the class stays out
    sync = _synchronized(30)
    for i, row in enumerate(sync[:15]):
        row["account"] = f"class_{i:02d}"
    accounts = _table(_background() + sync)
    grouped = pl.DataFrame(
        {"account": [f"class_{i:02d}" for i in range(15)], "component": [0] * 15},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    whole = synchrony(accounts, LinkConfig())
    assert whole.height == 29  # without the groups: the class and the campaign together
    ev = synchrony(accounts, LinkConfig(), grouped=grouped)
    assert ev["a"].unique().to_list() == ["sync_15"]
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(16, 30)]


def test_a_second_pass_cluster_that_continues_a_first_one_is_merged_into_it() -> None:
    from extractscan.link.alike import merged_passes as _merged
    from extractscan.link.synchrony_box import Box

    rows = _synchronized(30)
    core1, core2 = _table(rows[:20]), _table(rows[20:])
    day = 24.0

    def box(core: pl.DataFrame, start: float) -> Box:
        accounts = tuple(core["account"].to_list())
        return Box(
            accounts,
            accounts,
            core.height,
            {"signup_at": (start, start + day)},
            300,
            1e-4,
            90.0,
            40.0,
        )

    first = [(box(core1, 0.0), core1)]
    # the fringe: created the day after, the same behaviour -> one cluster
    merged = _merged(first, [(box(core2, 1.5 * day), core2)])
    assert len(merged) == 1
    assert merged[0][0].linked == tuple(f"sync_{i:02d}" for i in range(30))
    assert merged[0][0].windows == {"signup_at": (0.0, 2.5 * day)}
    assert merged[0][1].height == 30
    # an account the first box linked for its chosen windows only and the second near
    # every window is no longer "relaxed" in the merged box
    one = replace(box(core1, 0.0), relaxed=("sync_00", "sync_01"))
    two = replace(box(core2, 1.5 * day), linked=(*box(core2, 0).linked, "sync_00"))
    assert _merged([(one, core1)], [(two, core2)])[0][0].relaxed == ("sync_01",)
    # created a week later: another cluster
    assert len(_merged(first, [(box(core2, 7 * day), core2)])) == 2
    # the same days, other behaviour (ordinary prompts, other token ratio): another cluster
    other = core2.with_columns(extraction_share=0.1, cot_share=0.1, token_ratio=1.0)
    assert len(_merged(first, [(box(other, 1.5 * day), other)])) == 2


def test_clusters_of_one_pass_that_continue_each_other_are_one() -> None:
    from extractscan.link.alike import merged_within
    from extractscan.link.synchrony_box import Box

    rows = _synchronized(30)
    cores = [_table(rows[:12]), _table(rows[12:20]), _table(rows[20:])]
    day = 24.0

    def box(core: pl.DataFrame, start: float) -> Box:
        accounts = tuple(core["account"].to_list())
        windows = {"signup_at": (start, start + day)}
        return Box(accounts, accounts, core.height, windows, 300, 1e-4, 90.0, 40.0)

    # the second created the day after the first, the third a week later: the first two
    # are one cluster (with the first's test), the third another
    found = merged_within(
        [
            (box(cores[0], 0.0), cores[0]),
            (box(cores[1], 1.5 * day), cores[1]),
            (box(cores[2], 7 * day), cores[2]),
        ]
    )
    assert [b.linked for b, _ in found] == [
        tuple(f"sync_{i:02d}" for i in range(20)),
        tuple(f"sync_{i:02d}" for i in range(20, 30)),
    ]
    assert found[0][0].windows == {"signup_at": (0.0, 2.5 * day)}
    assert [c.height for _, c in found] == [20, 10]
    assert merged_within([]) == []


def _per_subset(
    members: pl.DataFrame, background: pl.DataFrame, tested: int, alpha: float
) -> tuple[float, float, float]:
    """The box test counted on the frames, one query per count and subset (as it was
    written first): the reference :func:`weigh_box`'s counts by inside-pattern must equal."""
    import itertools
    import math

    from extractscan.link.synchrony_box import _surprise, fit_box, hours

    windows = fit_box(members).windows
    subsets = [s for r in range(1, 4) for s in itertools.combinations(sorted(windows), r)]
    best = (1.0, 0.0, math.inf)
    n_bg = background.height
    for chosen in subsets:
        within = {c: hours(c).is_between(*windows[c]).fill_null(False) for c in chosen}
        share = {}
        for c in chosen:
            t = pl.concat([members.select(hours(c)), background.select(hours(c))])[c]
            t = t.drop_nulls()
            share[c] = int(t.is_between(*windows[c]).sum()) / max(t.len(), 1)
        p = math.prod(share.values())
        for c in chosen:
            rest = pl.all_horizontal([w for d, w in within.items() if d != c] or [pl.lit(True)])
            p = max(p, (background.filter(rest).height + 1) / (n_bg + 1) * share[c])
        inside = pl.all_horizontal(list(within.values()))
        bg_inside = background.filter(inside).height
        p = min(1.0, max(p, bg_inside / max(n_bg, 1)))
        k = members.filter(inside).height + bg_inside
        total = n_bg + members.height
        nats = _surprise(total, k, p)
        threshold = math.log(tested * len(subsets) / alpha) + 2 * len(chosen) * math.log(total)
        if nats - threshold > best[1] - best[2]:
            best = (p, nats, threshold)
    return best


def test_the_clusters_own_accounts_need_only_the_windows_the_test_chose() -> None:
    # Held-out world 2083: a campaign switched to the newest model over 11 hours and the
    # box's newest-model window left 8 of its 33 accounts out, though the test chose the
    # signup and first-request windows alone. Here the core meets the new model over a
    # week (most of the background does too: no evidence there), four of the cluster's
    # own accounts meet it half a day after the window, one starts two days late.
    sync = _synchronized(30)
    for i, r in enumerate(sync):
        r["newest_model_at"] = RELEASE + i * 340 * M
    late = [
        _account(f"late_{i}", T0 - 20 * H + i * H, W0 + 31 * H + i * 10 * M, RELEASE + 175 * H)
        for i in range(4)
    ]
    far = _account("far", T0 - 20 * H, W0 + 80 * H, RELEASE + 10 * H)
    accounts = _table(_background() + sync + late + [far])
    group = accounts.filter(pl.col("account").str.starts_with("sync_"))
    outliers = accounts.filter(pl.col("account").str.contains("^(late_|far)"))
    rest = accounts.join(group, on="account", how="anti").join(outliers, on="account", how="anti")
    box = box_test(group, rest, tested=1, alpha=0.01, outliers=outliers)
    assert box.significant and set(box.windows) == {"signup_at", "first_seen", "newest_model_at"}
    assert box.chosen == ("first_seen", "signup_at")
    assert set(box.linked) == set(group["account"]) | {f"late_{i}" for i in range(4)}
    # linked for the windows chosen only: the four and the core's first and last to meet
    # the new model (outside the central 90 % and three hours); they stay candidates of
    # the second pass
    assert box.relaxed == (*(f"late_{i}" for i in range(4)), "sync_00", "sync_29")
    found = _found([(box, group)])["account"].to_list()
    assert found == [a for a in box.linked if a not in box.relaxed] and len(found) == 28


@pytest.mark.parametrize("seed", range(6))
def test_the_box_test_by_inside_pattern_equals_counting_each_subset(seed: int) -> None:
    # random groups and backgrounds, with missing times (outside every window) and
    # groups from tight to loose: the same floats to the last bit
    rng = np.random.default_rng(seed)
    sync = _synchronized(int(rng.integers(8, 40)))
    spread = float(rng.uniform(0.2, 30))
    for r in sync:
        r["first_seen"] += int(rng.integers(0, int(60 * spread))) * M  # type: ignore[operator]
    rows = _background(int(rng.integers(50, 400))) + sync
    for r in rows:
        if rng.random() < 0.1:
            r[str(rng.choice(["signup_at", "first_seen", "newest_model_at"]))] = None
    accounts = _table(rows)
    group = accounts.filter(pl.col("account").str.starts_with("sync_"))
    rest = accounts.join(group, on="account", how="anti")
    box = box_test(group, rest, tested=3, alpha=0.01)
    assert box.windows and box.members
    assert (box.p, box.nats, box.threshold) == _per_subset(group, rest, 3, 0.01)


def test_each_clusters_box_is_fitted_once_and_weighed_once_a_round(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # two synchronized groups a week apart among the ordinary accounts
    second = [
        dict(r, account=str(r["account"]).replace("sync", "late"))
        | {k: r[k] + timedelta(days=7) for k in ("signup_at", "first_seen")}  # type: ignore[operator]
        | {"newest_model_at": r["newest_model_at"] + 30 * H}  # type: ignore[operator]
        for r in _synchronized(30)
    ]
    accounts = _table(_background() + _synchronized(30) + second)
    module = sys.modules["extractscan.link.synchrony"]
    calls = {"alike": 0, "fit_box": 0, "weigh_box": 0}
    for name in calls:
        original = getattr(module, name)

        def counted(*a: object, _f: object = original, _n: str = name) -> object:
            calls[_n] += 1
            return _f(*a)  # type: ignore[operator]

        monkeypatch.setattr(module, name, counted)
    ev = synchrony(accounts, LinkConfig())
    linked = set(ev["a"]) | set(ev["b"])
    assert {f"sync_{i:02d}" for i in range(30)} | {f"late_{i:02d}" for i in range(30)} == linked
    # each cluster's box fitted once, with the accounts alike its core among its outliers
    # and among the noise (two calls), however many rounds weighed it
    assert calls["alike"] == 2 * calls["fit_box"]
    assert calls["weigh_box"] > calls["fit_box"] > 0
    # (the last pass, with the established accounts' signups on one bound, clusters the
    # background left over: two more boxes, each fitted once and weighed once)
    assert calls == {"alike": 18, "fit_box": 9, "weigh_box": 10}


def test_a_non_heavy_account_in_the_box_joins_by_the_wrappers_it_sends() -> None:
    # ordinary accounts of ordinary content beside the campaign, and accounts that mix
    # resold traffic into 24 requests (not extraction-heavy): two inside the box, two
    # just outside its margin (on the new model 2 hours after its window), one far away
    plain = [
        {**row, "account": f"plain_{i:03d}", "extraction_share": 0.05, "exchanges": 24}
        for i, row in enumerate(_background(200))
    ]
    sync = _synchronized()
    mixed = [
        {**sync[5], "account": name, "extraction_share": 0.25, "exchanges": 24}
        for name in ("mix_a", "mix_b")
    ]
    newest = sync[28]["newest_model_at"] + 2 * H  # type: ignore[operator]
    near = [
        {**sync[5], "account": name, "newest_model_at": newest, "extraction_share": 0.25}
        | {"exchanges": 24}
        for name in ("near_a", "near_b")
    ]
    late = {**_background(1)[0], "account": "late", "extraction_share": 0.25, "exchanges": 24}
    accounts = _table(_background() + sync + plain + mixed + near + [late]).with_columns(
        pl.col("prompts_measured").cast(pl.Int64).clip(upper_bound=pl.col("exchanges"))
    )
    seen: list[tuple[pl.DataFrame, pl.DataFrame, bool]] = []

    def wrappers(
        tested: pl.DataFrame, members: pl.DataFrame, *, heavy_null: bool = False
    ) -> pl.DataFrame:
        seen.append((tested, members, heavy_null))
        llr = {"mix_a": 7.0, "mix_b": 4.0, "near_a": 7.0, "near_b": 5.5, "late": 20.0}
        return tested.with_columns(pl.col("account").replace_strict(llr, default=0.0).alias("llr"))

    ev = synchrony(accounts, LinkConfig(), wrappers=wrappers)
    # first, before the box's test, the accounts that are not candidates inside its time
    # windows (those sending its wrappers beyond chance leave its reference; at 7 nats
    # none does here, the bar counting every one asked)
    inside = set(seen[0][0]["account"])
    assert {"mix_a", "mix_b"} <= inside and not {"near_a", "near_b", "late"} & inside
    assert not {a for a in inside if a.startswith(("sync_", "bg_"))}
    # then, once the box is accepted, the accounts near it (a pass clustering the rest
    # may ask about its own boxes in between)
    joins = next(i for i, (t, _, _) in enumerate(seen) if "near_a" in set(t["account"]))
    tested, members, heavy_null = seen[joins]
    # the non-heavy accounts near the box are tested, the late one is not
    assert sorted(tested["account"]) == ["mix_a", "mix_b", "near_a", "near_b"]
    assert not heavy_null
    # unlinked candidates near the box (if any) against the other extraction-heavy accounts
    assert all(h and t["account"].str.starts_with("bg_").all() for t, _, h in seen[joins + 1 :])
    assert sorted(members["account"]) == [f"sync_{i:02d}" for i in range(30)]
    # no plain account near the box: the chance of each region is 1/201, and the bar is
    # ln(M / 0.01) for the M accounts tested. Inside the box (both regions) mix_a has
    # 7 + ln 201 = 12.30 nats, mix_b 4 + 5.30; just outside, inside the box widened by
    # its width only, near_a has 7 + ln(201 / 2) = 11.61, near_b 5.5 + 4.61
    bar = math.log((200 + 5 + 300) / 0.01)
    assert 4 + math.log(201) < 5.5 + math.log(201 / 2) < bar < 7 + math.log(201 / 2)
    assert ev["a"].unique().to_list() == ["sync_00"]
    assert ev["b"].to_list() == ["mix_a", "near_a"] + [f"sync_{i:02d}" for i in range(1, 30)]
    assert synchrony(accounts, LinkConfig())["b"].to_list() == [
        f"sync_{i:02d}" for i in range(1, 30)
    ]


def test_a_clusters_core_keeps_its_largest_group_of_alike_accounts() -> None:
    from extractscan.link.one_behaviour import main_behaviour

    # twelve accounts a step of 0.5 units apart, four 5 units beyond the last of them
    x = np.zeros((16, 3))
    x[:12, 0] = np.arange(12) * 0.5
    x[12:, 0] = 10.5 + np.arange(4) * 0.1
    assert main_behaviour(x, 1.0, 4).tolist() == [True] * 12 + [False] * 4
    # a larger least reach joins them; a group of four is fringe when five make a group
    assert main_behaviour(x, 5.0, 4).all()
    assert main_behaviour(x, 1.0, 5).all()
    assert main_behaviour(x[:2], 1.0, 2).tolist() == [True, True]  # too few to cut


def test_a_big_core_is_cut_on_a_sample_as_it_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractscan.link import one_behaviour

    rng = np.random.default_rng(3)
    x = np.vstack([rng.normal(0.0, 0.3, (90, 4)), rng.normal(6.0, 0.3, (30, 4))])
    whole = one_behaviour.main_behaviour(x, 1.0, 5)
    assert whole.tolist() == [True] * 90 + [False] * 30
    monkeypatch.setattr(one_behaviour, "SAMPLED", 40)
    assert one_behaviour.main_behaviour(x, 1.0, 5).tolist() == whole.tolist()


def test_a_class_inside_a_campaigns_weeks_is_cut_from_its_cluster() -> None:
    # report world 254: a low-and-slow campaign whose signups spread over weeks is a
    # sparse cloud in time; a class started in its last days fell into its cluster's
    # core and box, and became part of a critical incident. The class writes half as many
    # reasoning prompts and gets a third of the output per input token.
    rng = np.random.default_rng(5)

    def spread(name: str, share: float, **kw: object) -> dict[str, object]:
        """An account signed up, started and pivoted anywhere in the campaign's weeks."""
        return dict(
            _account(
                name,
                T0 - timedelta(days=float(rng.uniform(0, 40))),
                W0 + float(rng.uniform(0, 48)) * H,
                RELEASE + float(rng.uniform(0, 60)) * H,
            ),
            cot_share=share + float(rng.normal(0, 0.02)),
            extraction_share=share,
            **kw,
        )

    campaign = [spread(f"camp_{i:03d}", 0.72) for i in range(120)]
    students = [
        spread(f"class_{i:02d}", 0.45, exchanges=30, prompts_measured=30) for i in range(15)
    ]
    accounts = _table(_background() + campaign + students)
    linked = set(synchrony(accounts, LinkConfig())["b"].to_list())
    assert not any(a.startswith("class_") for a in linked)
    assert sum(a.startswith("camp_") for a in linked) >= 100


def _ordinary(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """``rows`` with everyday behaviour: no extraction-style prompts, short answers,
    daytime hours, a quarter of the requests."""
    everyday = {
        "exchanges": 30,
        "prompts_measured": 30,
        "extraction_share": 0.0,
        "cot_share": 0.0,
        "token_ratio": 1.5,
        "hour_entropy": 0.5,
    }
    return [dict(r, **everyday) for r in rows]


def _loose(n: int) -> list[dict[str, object]]:
    """Created within two days, first requests on the log's first day, on the new model
    within a day: times alone that ordinary accounts often share."""
    return [
        _account(
            f"sync_{i:02d}",
            T0 - 48 * H + i * (48 * 60 // n) * M,
            W0 + i * (20 * 60 // n) * M,
            RELEASE + i * (24 * 60 // n) * M,
        )
        for i in range(n)
    ]


def test_the_behaviour_window_finds_a_small_group_the_times_alone_do_not() -> None:
    # held-out world 365: 13 accounts created within a day, started on the log's first
    # day; alone, their times are not beyond chance among a few thousand accounts. Alike
    # in behaviour (what ordinary accounts are not), they are.
    from extractscan.link.synchrony import alike_mask

    accounts = _table(_ordinary(_background(2000)) + _loose(13))
    group = accounts.filter(pl.col("account").str.starts_with("sync_"))
    rest = accounts.join(group, on="account", how="anti")
    times_only = box_test(group, rest, tested=1, alpha=0.01)
    assert not times_only.significant
    assert "behaviour" not in times_only.chosen
    box = box_test(group, rest, tested=1, alpha=0.01, alike=partial(alike_mask, group))
    assert box.significant
    assert box.chosen == ("behaviour", "signup_at")
    # the product of the shares: 13 of 2,013 alike, 19 of 2,013 created in those days
    assert round(box.p, 8) == 6.096e-05
    assert round(box.nats, 1) == 47.8
    assert round(box.threshold, 1) == 37.7
    # accounts behaving alike in the background make the window common: 300 of them
    # with the group's behaviour and spread times, and the group is no longer beyond
    # chance by its behaviour (nor its times)
    alike_bg = _table(_ordinary(_background(2000)) + _background(300)[:300] + _loose(13))
    alike_bg = alike_bg.unique("account", keep="last", maintain_order=True)
    group = alike_bg.filter(pl.col("account").str.starts_with("sync_"))
    rest = alike_bg.join(group, on="account", how="anti")
    crowded = box_test(group, rest, tested=1, alpha=0.01, alike=partial(alike_mask, group))
    assert not crowded.significant


def test_a_clusters_outliers_are_its_own_side_of_the_test() -> None:
    # held-out world 400: three accounts of a 25-account campaign, outliers of its
    # cluster inside its box, were counted as ordinary accounts there and raised the
    # chance 40-fold; the cluster's outliers are counted with it
    from extractscan.link.synchrony_box import Times, fit_box, weigh_box

    accounts = _table(_background() + _synchronized(15))
    outliers = accounts.filter(pl.col("account").is_in(["sync_05", "sync_06", "sync_07"]))
    core = accounts.filter(pl.col("account").str.starts_with("sync_")).join(
        outliers, on="account", how="anti"
    )
    fitted = fit_box(core, outliers)
    assert fitted.counted == tuple(f"sync_{i:02d}" for i in range(15))
    assert len(fitted.boxed) == 12
    ordinary = accounts.filter(pl.col("account").str.starts_with("bg_"))
    box = weigh_box(fitted, Times.of(ordinary), 1, 0.01)
    assert box.significant
    assert (round(box.nats, 2), round(box.threshold, 2)) == (69.15, 41.07)
    # the same outliers in the background: 3 of 303 inside the box is its chance
    as_ordinary = weigh_box(fitted, Times.of(pl.concat([ordinary, outliers])), 1, 0.01)
    assert not as_ordinary.significant
    assert as_ordinary.p == 3 / 303


def test_the_behaviour_window_is_not_tested_for_an_identifier_linked_group() -> None:
    # accounts alike in behaviour, created in the same two days: sharing nothing, they
    # are a behavioural cluster beyond chance; tied by the identifiers into one group
    # (a class: one party, so its members behave alike and start together), their
    # behaviour is no evidence beside their times, which alone are not beyond chance
    rows = _ordinary(_background(2000)) + _loose(13)
    accounts = _table(rows)
    ev = synchrony(accounts, LinkConfig())
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(1, 13)]
    assert "of these times and behaviour" in ev["example"][0]
    grouped = pl.DataFrame(
        {"account": [f"sync_{i:02d}" for i in range(13)], "component": [0] * 13},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    assert synchrony(accounts, LinkConfig(), grouped=grouped).is_empty()
    # at N (not N^2) a window, the times alone are beyond chance: the class becomes a
    # behavioural cluster (why a group's cluster keeps synchrony_window_cost at 2, while
    # a cluster mostly outside the groups pays synchrony_free_window_cost, 1)
    assert (LinkConfig().window_cost(True), LinkConfig().window_cost(False)) == (1.0, 2.0)
    cheap = LinkConfig(synchrony_window_cost=1.0)
    assert synchrony(accounts, cheap, grouped=grouped)["b"].to_list() == [
        f"sync_{i:02d}" for i in range(1, 13)
    ]


def test_a_cluster_that_respecting_groups_drops_leaves_its_other_accounts_to_the_second_pass() -> (
    None
):
    # held-out world 403: 16 accounts of an identifier-free campaign were clustered with
    # 187 of a 1,800-account hydra's; the cluster, mostly accounts of a group lying mostly
    # outside it, is dropped, and its 16 accounts were then left out of the second pass
    sync = _synchronized(45)
    for i, row in enumerate(sync[:30]):
        row["account"] = f"grp_{i:03d}"
    later = [
        _account(
            f"grp_{i:03d}",
            T0 + 200 * H + (i - 30) * 40 * M,
            W0 + 80 * H + (i - 30) * 10 * M,
            RELEASE + 40 * H + (i - 30) * 5 * M,
        )
        for i in range(30, 100)
    ]
    accounts = _table(_ordinary(_background(2000)) + sync + later)
    grouped = pl.DataFrame(
        {"account": [f"grp_{i:03d}" for i in range(100)], "component": [0] * 100},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    ev = respecting_groups(synchrony(accounts, LinkConfig(), grouped=grouped), grouped)
    stars = ev.group_by("a").agg(pl.col("b").sort()).sort("a")
    assert stars["a"].to_list() == ["grp_030", "sync_30"]
    assert stars["b"][0].to_list() == [f"grp_{i:03d}" for i in range(31, 100)]
    assert stars["b"][1].to_list() == [f"sync_{i:02d}" for i in range(31, 45)]


def test_the_behaviour_window_is_not_tested_for_keys_of_one_org() -> None:
    # held-out world 441 at 4x: an enterprise batch job's keys (one declared org, whose
    # links are never evidence, so no identifier-linked group) were significant by their
    # behaviour; a core mostly under orgs two of its accounts declare is one party
    from extractscan.link.behaviour_groups import mostly_ungrouped

    core = _table(_synchronized(10))
    assert mostly_ungrouped(core, None)
    keys = core.with_columns(
        org=pl.when(pl.int_range(pl.len()) < 6).then(pl.lit("org-acme")).otherwise(None)
    )
    assert not mostly_ungrouped(keys, None)
    # one account per org: sign-ups of their own, not one party
    own = core.with_columns(org=pl.format("org-{}", pl.col("account")))
    assert mostly_ungrouped(own, None)
    grouped = pl.DataFrame(
        {"account": [f"sync_{i:02d}" for i in range(5)], "component": [0] * 5},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    assert not mostly_ungrouped(core, grouped)  # half in a group: not most outside
    assert mostly_ungrouped(core, grouped.head(4))


def test_a_groups_cluster_takes_other_accounts_only_when_they_behave_like_the_group() -> None:
    from extractscan.link.behaviour_groups import apart

    # held-out worlds 670 and 676: a class (an identifier-linked group) and three accounts
    # of an identifier-free campaign created in the same days, in one cluster's core; the
    # three are too few to be tested on their own. The cluster is the class's: the three
    # join its outliers, which the class's likeness then judges (they write twice the
    # reasoning prompts and get four times the output), so they no longer set its reach
    sync = _synchronized(18)
    students = [
        dict(row, account=f"class_{i:02d}", extraction_share=0.35, cot_share=0.35, token_ratio=1.8)
        for i, row in enumerate(sync[:15])
    ]
    campaign = [dict(row, account=f"camp_{i:02d}") for i, row in enumerate(sync[15:])]
    fringe = [dict(campaign[0], account=f"camp_{i:02d}") for i in range(3, 7)]
    core, outliers = _table(students + campaign), _table(fringe)
    grouped = pl.DataFrame(
        {"account": [f"class_{i:02d}" for i in range(15)], "component": [0] * 15},
        schema={"account": pl.String, "component": pl.UInt32},
    )
    busy = _table(_background() + students + campaign + fringe)
    got_core, got_outliers = apart((core, outliers), grouped, busy, 1, LinkConfig())
    assert got_core["account"].to_list() == [f"class_{i:02d}" for i in range(15)]
    assert sorted(got_outliers["account"].to_list()) == [f"camp_{i:02d}" for i in range(7)]
    # with the three in the core, all of the campaign's fringe behaved like it; without
    # them, none does
    from extractscan.link.alike import alike

    assert alike(core, outliers).height == 4
    assert alike(got_core, got_outliers).is_empty()
    # a cluster that holds less than half of every group is left as it was
    wider = pl.concat(
        [
            grouped,
            pl.DataFrame(
                {"account": [f"away_{i:02d}" for i in range(16)], "component": [0] * 16},
                schema=grouped.schema,
            ),
        ]
    )
    part = (core, outliers)
    assert apart(part, wider, busy, 1, LinkConfig()) is part
    # a cluster whose group is all among its outliers (the core: an enterprise's keys,
    # in no group) is left as it was: the group's core would be empty (held-out world
    # 791 at 43b9fd8 stopped the scan)
    keys, class_ = _table(campaign), _table(students)
    assert set(grouped["account"]) == set(class_["account"])
    part = (keys, class_)
    assert apart(part, grouped, busy, 1, LinkConfig()) is part


def test_a_box_of_no_accounts_has_no_windows() -> None:
    from extractscan.link.synchrony_box import fit_box

    empty = _table(_synchronized(3)).head(0)
    fitted = fit_box(empty)
    assert fitted.windows == {} and fitted.boxed == () and fitted.linked == ()


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_groups_within_reach_are_the_radius_graphs_components(seed: int) -> None:
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import NearestNeighbors, radius_neighbors_graph

    from extractscan.link.one_behaviour import within_reach

    # clouds of points and a few strays (several groups of each size), and points on a
    # grid, where many pairs lie exactly at the reach: the same groups, numbered by
    # their lowest row, as the components of scikit-learn's radius graph
    rng = np.random.default_rng(seed)
    x = np.vstack([rng.normal(c, 0.4, (n, 4)) for c, n in ((0, 300), (3, 120), (6, 40))])
    x = np.vstack([x, rng.uniform(-5, 10, (30, 4))])[rng.permutation(490)]
    grid = rng.integers(0, 4, (400, 6)) * 0.5
    grid[rng.random(400) < 0.1, 2] = -1e4  # a missing value: far from every other
    for points in (x, grid):
        own = NearestNeighbors(n_neighbors=2).fit(points).kneighbors(points)[0][:, 1]
        for reach in (0.3, 0.5, 1.0, 2.5, float(np.quantile(own, 0.95)), float(np.median(own))):
            graph = radius_neighbors_graph(points, reach, mode="connectivity")
            labels = connected_components(graph, directed=False)[1]
            _, first = np.unique(labels, return_index=True)
            want = np.argsort(np.argsort(first))[labels]  # numbered by lowest row
            assert within_reach(points, reach).tolist() == want.tolist()
    assert within_reach(np.zeros((1, 3)), 1.0).tolist() == [0]
    assert within_reach(np.array([[0.0], [1.0], [2.5]]), 1.0).tolist() == [0, 0, 1]


def _random_world(seed: int) -> tuple[pl.DataFrame, pl.DataFrame | None, pl.DataFrame | None]:
    """A background and one to four blocks of accounts started together, each with its
    own spread and behaviour, some under an org, some times missing, parts of blocks (and
    a few background accounts) in identifier-linked groups, some of those as campaigns."""
    rng = np.random.default_rng(seed)
    rows = _background(int(rng.integers(50, 400)))
    groups: list[tuple[str, int]] = []
    for b in range(int(rng.integers(1, 5))):
        n = int(rng.integers(3, 60))
        spread, share = float(rng.uniform(0.2, 5)), float(rng.uniform(0.05, 0.95))
        ratio, entropy = float(rng.uniform(0.5, 8)), float(rng.uniform(0.3, 1.0))
        org = f"org{b}" if rng.random() < 0.3 else ""
        for i in range(n):
            row = _account(
                f"b{b}_{i:03d}",
                T0 - 24 * H + rng.uniform(0, spread) * 24 * H,
                W0 + 30 * H + rng.uniform(0, spread) * 6 * H,
                RELEASE + 3 * H + rng.uniform(0, spread) * 6 * H,
            )
            row.update(
                extraction_share=share,
                cot_share=share,
                token_ratio=ratio,
                hour_entropy=entropy,
                exchanges=int(rng.integers(5, 300)),
                org=org if rng.random() < 0.9 else "",
            )
            for c in ("signup_at", "newest_model_at"):
                if rng.random() < 0.05:
                    row[c] = None
            rows.append(row)
        if rng.random() < 0.7:
            members = [f"b{b}_{i:03d}" for i in range(n) if rng.random() < rng.uniform(0.2, 1.0)]
            members += [f"bg_{j:03d}" for j in rng.integers(0, 50, int(rng.integers(0, 5)))]
            groups += [(m, b) for m in dict.fromkeys(members)]
    accounts = _table(rows)
    if not groups:
        return accounts, None, None
    grouped = pl.DataFrame(
        groups, schema={"account": pl.String, "component": pl.UInt32}, orient="row"
    )
    campaigns = grouped.select("account").head(int(rng.integers(0, grouped.height + 1)))
    return accounts, grouped, campaigns


@pytest.mark.parametrize("seed", range(100, 108))
def test_random_worlds_give_evidence_rows_and_never_stop_the_scan(seed: int) -> None:
    # seed 104 stopped with a TypeError before d26038d (a cluster's core emptied by
    # apart), as held-out world 791 did
    accounts, grouped, campaigns = _random_world(seed)
    ev = synchrony(accounts, LinkConfig(), campaigns, grouped)
    assert ev.schema == pl.Schema(EVIDENCE_SCHEMA)
    # every linked account is one of the log's, each linked once per cluster centre
    assert set(ev["a"]) | set(ev["b"]) <= set(accounts["account"])
    assert ev.select("a", "b").is_unique().all()


def test_clustering_only_the_wanted_rows_labels_them_as_every_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A sample is clustered and the other rows take their nearest sampled row's label:
    # asked for the first rows only (the candidates before the background), those rows
    # get the labels and cores they get when every row is looked up, the others none.
    sync = importlib.import_module("extractscan.link.synchrony")

    monkeypatch.setattr(sync, "MAX_CLUSTERED", 200)
    rng = np.random.default_rng(5)
    centres = rng.uniform(0, 50, (4, 5))
    x = np.vstack([c + rng.normal(0, 0.3, (120, 5)) for c in centres])
    x = np.vstack([x, rng.uniform(0, 50, (120, 5))])[rng.permutation(600)]
    every, every_core = sync.cluster(x, 10)
    first, first_core = sync.cluster(x, 10, 250)
    assert np.array_equal(first[:250], every[:250])
    assert np.array_equal(first_core[:250], every_core[:250])
    assert len(set(every[:250].tolist()) - {-1}) >= 3
    # beyond them: only the sampled rows keep a label
    assert (first[250:] == -1).sum() > (every[250:] == -1).sum()


def test_the_campaigns_own_accounts_inside_its_box_do_not_make_it_common() -> None:
    # Ten extraction-heavy accounts created, started and moved to the new model together,
    # and three of the same campaign at the same times that are not extraction-heavy
    # (a quarter of 20 requests): clustered apart, they sit in the box's reference and
    # its chance has a floor, the reference's share inside the box (3 of 303), so the
    # ten are not beyond chance. Sending the ten's wrappers beyond chance, the three
    # are not ordinary accounts of those days: out of the reference, the box is found,
    # and then they join it by the same wrappers (fit world 1003 in another hand's
    # wording: 10 of 19 accounts clustered, 3 more inside the box). At the cost of a
    # group's windows (2 ln N): at a free cluster's 1 ln N the ten are beyond chance
    # with the three in the reference too.
    cfg = LinkConfig(synchrony_free_window_cost=2.0)
    sync = _synchronized(10)
    heavy = [
        {**row, "extraction_share": 0.45, "cot_share": 0.45, "exchanges": 60}
        | {"prompts_measured": 60}
        for row in sync
    ]
    thin = [
        {**row, "account": f"thin_{i}", "extraction_share": 0.25, "cot_share": 0.25}
        | {"exchanges": 20, "prompts_measured": 20}
        for i, row in enumerate(sync[2:5])
    ]
    accounts = _table(_background() + heavy + thin)
    seen: list[pl.DataFrame] = []

    def wrappers(
        tested: pl.DataFrame, members: pl.DataFrame, *, heavy_null: bool = False
    ) -> pl.DataFrame:
        seen.append(tested)
        sends = pl.col("account").str.starts_with("thin_")
        return tested.with_columns(pl.when(sends).then(30.0).otherwise(0.0).alias("llr"))

    assert synchrony(accounts, cfg).is_empty()
    assert synchrony(accounts, LinkConfig())["b"].to_list() == [
        f"sync_{i:02d}" for i in range(1, 10)
    ]
    ev = synchrony(accounts, cfg, wrappers=wrappers)
    # first asked of the accounts inside the box's time windows that are not candidates
    assert seen[0]["account"].to_list() == ["thin_0", "thin_1", "thin_2"]
    assert ev["a"].unique().to_list() == ["sync_00"]
    assert ev["b"].to_list() == [f"sync_{i:02d}" for i in range(1, 10)] + [
        "thin_0",
        "thin_1",
        "thin_2",
    ]

    def silent(
        tested: pl.DataFrame, members: pl.DataFrame, *, heavy_null: bool = False
    ) -> pl.DataFrame:
        return tested.with_columns(pl.lit(0.0).alias("llr"))

    # sending nothing of theirs, they stay in the reference: nothing found
    assert synchrony(accounts, cfg, wrappers=silent).is_empty()


def test_a_campaign_cut_from_another_partys_core_is_a_cluster_of_its_own() -> None:
    # held-out world 4195: HDBSCAN put 15 accounts of an identifier-free campaign in one
    # cluster with 275 accounts of other parties; the core was cut to its largest group
    # of alike accounts and the campaign, one of the groups cut, was tested on its own
    # only in the last pass (14 of its accounts, 26.6 nats against 26.6). Here twenty
    # busy coders of every age and start share the cluster with twelve synchronized
    # reasoning accounts: the coders are kept as its core, and their box is not beyond
    # chance; the twelve, cut, are a cluster of their own, which is.
    from extractscan.link.synchrony import significant_boxes

    rng = np.random.default_rng(8)
    coders = [
        dict(
            _account(
                f"code_{i:02d}",
                T0 - timedelta(days=float(rng.uniform(0, 700))),
                W0 + float(rng.uniform(0, 240)) * H,
                RELEASE + float(rng.uniform(0, 200)) * H,
            ),
            cot_share=0.0,
            coding_share=0.9,
            token_ratio=1.0,
            hour_entropy=0.5,
        )
        for i in range(20)
    ]
    campaign = _synchronized(12)
    one = [pl.lit(0).alias("_cluster"), pl.lit(True).alias("_core")]
    cand = _table(coders + campaign).with_columns(one)
    busy = _table(_background() + coders + campaign)
    boxes = significant_boxes(cand, busy, [0], LinkConfig())
    assert [list(box.linked) for box, _ in boxes] == [[f"sync_{i:02d}" for i in range(12)]]
    # the coders alone, their own cluster: nothing beyond chance
    alone = cand.filter(pl.col("account").str.starts_with("code_"))
    assert significant_boxes(alone, busy, [0], LinkConfig()) == []
