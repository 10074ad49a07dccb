"""Assess stage: incidents from linked components, through the stage entry points."""

from __future__ import annotations

import polars as pl

from extractscan.assess import assess
from extractscan.assess.incidents import incident_id
from extractscan.config import Config
from extractscan.features.aggregate import Aggregates, aggregate
from extractscan.features.behaviour import finish_accounts
from extractscan.ingest.accounts_table import join_attributes
from extractscan.ingest.normalize import normalize
from extractscan.link import LinkResult, link
from extractscan.model.findings import severity_rank
from tests.conftest import campaign_frames


def _stages(
    n_campaign: int, n_benign: int, cfg: Config | None = None
) -> tuple[pl.DataFrame, Aggregates, LinkResult, Config]:
    cfg = cfg or Config()
    req, acc = campaign_frames(n_campaign, n_benign)
    lf = req.lazy()
    frame = normalize(lf, {c: c for c in req.columns}, lf.collect_schema(), 0)
    agg = aggregate([frame], cfg, lambda stage, rows: None)
    table = acc.with_columns(pl.col("signup_at").str.to_datetime(time_zone="UTC"))
    accounts = join_attributes(finish_accounts(agg.behaviour, agg.hours, agg.templates), table)
    return accounts, agg, link(agg, accounts, cfg), cfg


def test_incident_id_is_the_hash_of_the_sorted_members() -> None:
    assert incident_id(["b", "a"]) == incident_id(["a", "b"])
    assert incident_id(["a", "b"]).startswith("INC-") and len(incident_id(["a"])) == 12
    assert incident_id(["a", "b"]) != incident_id(["a", "b", "c"])


def test_one_component_one_incident_with_exact_figures() -> None:
    accounts, agg, linked, cfg = _stages(12, 200)
    assert linked.components["account"].to_list() == [f"c{i:02d}" for i in range(12)]
    scored, incidents = assess(accounts, agg, linked, cfg)
    assert len(incidents) == 1
    inc = incidents[0]
    members = tuple(f"c{i:02d}" for i in range(12))
    assert inc.member_accounts == members and inc.id == incident_id(list(members))
    assert (inc.rank, inc.accounts, inc.exchanges) == (1, 12, 12 * 48)
    assert inc.output_tokens == 12 * 48 * 400
    pay = next(e for e in inc.links if e.family == "payment")
    assert pay.values == (("card_0", 4), ("card_1", 4), ("card_2", 4))
    assert pay.pairs == 3 * 6  # three cards, each shared by 4 accounts: C(4, 2) pairs each
    # every account is scored; members carry their incident, others none
    assert scored.height == 212 and scored["account"].is_sorted()
    by = dict(zip(scored["account"], scored["incident_id"], strict=True))
    assert by["c00"] == inc.id and by["b000"] is None
    assert set(scored.filter(pl.col("incident_id").is_not_null())["incident_severity"]) == {
        inc.severity
    }


def test_incidents_rank_by_severity_then_score_then_id() -> None:
    accounts, agg, linked, cfg = _stages(12, 200)
    # two incidents: the component split by hand along the cards (c00-c07, c08-c11)
    comps = linked.components.with_columns(
        (pl.col("account") >= "c08").cast(pl.Int64).alias("component")
    )
    split = LinkResult(
        linked.identifiers, linked.weights, linked.co, linked.evidence, linked.links, comps
    )
    _, incidents = assess(accounts, agg, split, cfg)
    assert [i.rank for i in incidents] == [1, 2]
    keys = [(-severity_rank(i.severity), -i.score, i.id) for i in incidents]
    assert keys == sorted(keys)
    assert sorted(i.accounts for i in incidents) == [4, 8]


def test_no_components_no_incidents() -> None:
    accounts, agg, linked, cfg = _stages(0, 20)
    assert linked.components.is_empty()
    scored, incidents = assess(accounts, agg, linked, cfg)
    assert incidents == () and scored["incident_id"].null_count() == 20
