"""A hydra spread thin over a big proxy pool, end to end on a generated world
(extractscan.link.pool_graph.proxy_pools, extractscan.link.mixed.value_prior).

The scenario is held-out world 427's at a quarter of its accounts, its low-and-slow
campaign left out: 80 accounts with a card each, rotating through 12 of about 130
exits in 14 subnets (7 accounts an exit), 21 requests each, three quarters resold,
among NATs, a carrier pool, families, enterprise jobs, resellers, framework and proxy
users. Before pools it was three incidents of 22, 35 and 23 accounts.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

import extractscan
from extractscan.lab.world_gen import generate_world
from extractscan.lab.worlds import load
from extractscan.model.findings import Findings
from extractscan.report.redact import redact

SCENARIO = Path(__file__).parent / "fixtures" / "pool_hydra.toml"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Findings, pl.DataFrame]:
    out = tmp_path_factory.mktemp("pool")
    generate_world(load(SCENARIO), out)
    truth = pl.read_csv(out / "truth.csv", schema_overrides={"account": pl.String})
    return extractscan.scan(out / "requests.parquet", accounts=out / "accounts.csv"), truth


def test_the_pool_makes_the_hydra_one_incident(scanned: tuple[Findings, pl.DataFrame]) -> None:
    found, truth = scanned
    hydra = set(truth.filter(pl.col("kind") == "campaign")["account"])
    assert len(hydra) == 80
    top = found.incidents[0]
    assert top.severity in ("high", "critical")
    assert set(top.member_accounts) == hydra
    pools = [ln for ln in top.links if ln.family == "crowded_pool"]
    assert len(pools) == 1
    (value, accounts), *more = pools[0].values
    assert not more and re.fullmatch(r"\d+\.\d+\.\d+\.0/24 and \d+ more subnets?", value)
    # 13 heavy accounts and 59 that passed the wrapper test with the pool's prior: the
    # pool holds all 14 of the hydra's subnets, 9 of them significant on their own (44
    # passed while the pool was those 9, 39 while the accounts under test counted in the
    # ordinary rate of the wrappers, 61 while the prior's threshold counted the accounts
    # tested only); the other 8 are in the incident through pairs (exits, e-mail
    # patterns, templates)
    assert accounts == 72
    # no benign account at medium or above
    benign = set(truth.filter(pl.col("kind") == "benign")["account"])
    flagged = {
        a
        for i in found.incidents
        if i.severity in ("medium", "high", "critical")
        for a in i.member_accounts
    }
    assert not flagged & benign


def test_a_pool_is_redacted_as_a_subnet(scanned: tuple[Findings, pl.DataFrame]) -> None:
    found, _ = scanned
    masked = redact(found)
    pools = [ln for ln in masked.incidents[0].links if ln.family == "crowded_pool"]
    (value, _), *_ = pools[0].values
    assert value.startswith("net-") and not re.search(r"\d+\.\d+\.\d+\.\d+", value)
