"""Crowded values tested as a whole, and campaign assembly: exact values on tiny tables."""

from __future__ import annotations

import importlib
import math
from dataclasses import replace

import polars as pl
import pytest

from extractscan.config import LinkConfig
from extractscan.link.assemble import assemble, leaning_groups, wrapper_leaning
from extractscan.link.crowded import (
    _threshold,
    concentrated,
    crowded,
    heavy_accounts,
    surprise,
    wilson_lower,
)
from extractscan.link.lone import lone_members


def _accounts(heavy: list[str], light: list[str], prompts: int = 200) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "account": heavy + light,
            "extraction_share": [0.8] * len(heavy) + [0.05] * len(light),
            "prompts_measured": [prompts] * (len(heavy) + len(light)),
        },
        schema_overrides={"prompts_measured": pl.UInt32},
    )


def test_surprise_is_n_times_the_relative_entropy() -> None:
    out = pl.DataFrame({"n": [10, 10, 10], "k": [10, 5, 1]}).select(
        surprise(pl.col("n"), pl.col("k"), 0.1).alias("s")
    )["s"]
    assert out[0] == pytest.approx(10 * math.log(1 / 0.1))
    half = 0.5 * math.log(0.5 / 0.1) + 0.5 * math.log(0.5 / 0.9)
    assert out[1] == pytest.approx(10 * half)
    assert out[2] == 0.0  # not above the rate: no evidence


def test_wilson_lower_bound() -> None:
    got = pl.select(wilson_lower(pl.lit(0.5), pl.lit(4))).item()
    z = 1.6449
    want = (0.5 + z * z / 8 - z * math.sqrt(0.25 / 4 + z * z / 64)) / (1 + z * z / 4)
    assert got == pytest.approx(want)
    # two of four prompts is not heavy; 440 of 800 is
    acc = pl.DataFrame(
        {"account": ["few", "many"], "extraction_share": [0.5, 0.55], "prompts_measured": [4, 800]}
    )
    assert heavy_accounts(acc, LinkConfig())["heavy"].to_list() == [False, True]


def test_a_proxy_exit_links_its_heavy_accounts_and_a_nat_nothing() -> None:
    heavy = [f"h{i:02d}" for i in range(12)]
    light = [f"u{i:03d}" for i in range(300)]
    accounts = _accounts(heavy + ["x0", "x1"], light)
    ids = pl.DataFrame(
        {
            "account": heavy + light[:40] + light[40:140] + ["x0", "x1"],
            "family": ["ip"] * (12 + 40 + 100 + 2),
            "value": ["exit"] * (12 + 40) + ["nat"] * 100 + ["nat"] * 2,
        }
    )
    found = crowded(ids, accounts, LinkConfig())
    assert found.heavy_rate == pytest.approx(14 / 314)
    sig = found.values.filter("significant")
    assert sig.select("value", "n", "k").rows() == [("exit", 52, 12)]
    # a star around the first heavy account: 11 rows, not 66 pairs
    ev = found.evidence
    assert ev.height == 11 and set(ev["a"]) == {"h00"} and set(ev["family"]) == {"crowded_ip"}
    assert ev["b"].to_list() == heavy[1:] and ev["example"].unique().to_list() == ["exit"]
    assert found.identifiers["account"].to_list() == heavy


def test_no_heavy_accounts_no_test() -> None:
    accounts = _accounts([], [f"u{i}" for i in range(20)])
    ids = pl.DataFrame({"account": ["u0", "u1", "u2"], "family": ["ip"] * 3, "value": ["a"] * 3})
    found = crowded(ids, accounts, LinkConfig())
    assert found.evidence.is_empty() and found.values.is_empty()


def test_assembly_joins_small_pieces_on_an_extraction_wrapper_only() -> None:
    pieces = [[f"c{g}{i}" for i in range(3)] for g in range(4)]  # four card triples
    family = ["f0", "f1", "f2"]
    others = [f"o{i:03d}" for i in range(200)]
    comps = pl.DataFrame(
        {
            "account": [a for p in pieces for a in p] + family,
            "component": [g for g, p in enumerate(pieces) for _ in p] + [4] * 3,
        }
    )
    accounts = pl.DataFrame(
        {
            "account": [a for p in pieces for a in p] + family + others,
            "extraction_share": [0.6] * 12 + [0.05] * 3 + [0.05] * 200,
            "prompts_measured": [300] * 12 + [300] * 3 + [50] * 200,
        }
    )
    assert sorted(leaning_groups(comps, accounts, LinkConfig())["component"]) == [0, 1, 2, 3]
    campaign = [a for p in pieces for a in p]
    ids = pl.DataFrame(
        {
            "account": campaign + campaign + family + others[:30],
            "family": ["template"] * (24 + 3 + 30),
            "value": ["wrapper"] * 12 + ["everyday"] * 12 + ["everyday"] * 3 + ["everyday"] * 30,
        }
    )
    extraction = pl.DataFrame(
        {"value": ["wrapper", "everyday"], "n": [3600, 5000], "ext": [3500, 100]}
    )
    rows = assemble(comps, ids, accounts, LinkConfig(), extraction)
    # each piece joins the largest group on the wrapper (ties: the first account)
    assert rows.select("a", "b", "family", "example").rows() == [
        ("c00", "c10", "campaign_template", "wrapper"),
        ("c00", "c20", "campaign_template", "wrapper"),
        ("c00", "c30", "campaign_template", "wrapper"),
    ]
    # the everyday template would join the family too, were it not for its content
    everyday = extraction.with_columns(pl.lit(4000).alias("ext"))
    joined = assemble(comps, ids, accounts, LinkConfig(), everyday)
    assert "f0" not in set(joined["a"]) | set(joined["b"])


def test_crowded_families_are_decisive_and_redactable() -> None:
    from extractscan.model.families import CROWDED_FAMILIES, FAMILIES

    for source, crowd in CROWDED_FAMILIES.items():
        # a proxy pool is made of subnets, not a column of the log: redacted as one
        kind = FAMILIES["ip_prefix" if source == "ip_pool" else source].kind
        assert FAMILIES[crowd].decisive and FAMILIES[crowd].kind == kind


def test_pieces_lean_on_the_campaigns_wrappers_when_their_content_share_is_low() -> None:
    # Five low-and-slow pairs: 80 requests each, a fifth of them extraction prompts, all
    # on the campaign's wrapper; a family pair that once used the wrapper; 300 ordinary
    # accounts, three of which used it once; everyone sends an everyday template too.
    pairs = [[f"p{g}{i}" for i in range(2)] for g in range(5)]
    family = ["f0", "f1"]
    others = [f"o{i:03d}" for i in range(300)]
    campaign = [a for p in pairs for a in p]
    comps = pl.DataFrame(
        {
            "account": campaign + family,
            "component": [g for g, p in enumerate(pairs) for _ in p] + [5, 5],
        }
    )
    accounts = pl.DataFrame(
        {
            "account": campaign + family + others,
            "extraction_share": [0.2] * 10 + [0.05] * 2 + [0.1] * 300,
            "prompts_measured": [40] * 12 + [60] * 300,
            "exchanges": [40] * 12 + [60] * 300,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    cfg = LinkConfig()
    # against the everyday share of reasoning prompts, no pair leans on content alone
    assert leaning_groups(comps, accounts, cfg).is_empty()
    uses = pl.DataFrame(
        {
            "account": campaign + ["f0"] + others[:3] + campaign + family + others,
            "value": ["wrapper"] * 14 + ["everyday"] * 312,
            "n": [8] * 10 + [1] * 4 + [30] * 312,
        }
    )
    specific = pl.DataFrame({"value": ["wrapper"], "df": [14]})

    def counts(values: pl.DataFrame) -> pl.DataFrame:
        return uses.join(values, on="value", how="semi")

    got = wrapper_leaning(comps, specific, counts, accounts, cfg)
    assert sorted(got["component"]) == [0, 1, 2, 3, 4]  # not the family (5)
    # a generic template that groups use as much as everyone leans nobody
    generic = pl.DataFrame({"value": ["everyday"], "df": [312]})
    assert wrapper_leaning(comps, generic, counts, accounts, cfg).is_empty()
    # through assembly: the pairs join into one group, the family stays apart
    ids = uses.select("account", pl.lit("template").alias("family"), "value")
    extraction = pl.DataFrame({"value": ["wrapper", "everyday"], "n": [84, 9360], "ext": [84, 900]})
    rows = assemble(comps, ids, accounts, cfg, extraction, counts)
    assert rows.select("a", "b", "example").rows() == [
        ("p00", "p10", "wrapper"),
        ("p00", "p20", "wrapper"),
        ("p00", "p30", "wrapper"),
        ("p00", "p40", "wrapper"),
    ]
    assert assemble(comps, ids, accounts, cfg, extraction).is_empty()  # without the counts


def test_pieces_lean_on_their_wrappers_when_another_campaign_dominates_the_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A grader of 10 accounts sends 6,000 of the groups' 10,400 requests on its rubric
    # (held-out world 2453's grader: half the groups' requests on two wrappers). Five
    # low-and-slow pairs, 100 requests each, 8 on their campaign's wrapper per account
    # (which three of 300 ordinary accounts used once): at the groups' pooled rates each
    # pair is charged 117 nats for not grading, more than its 16 uses at 40 times the
    # ordinary rate earn (59 nats); with the rates capped, it leans. A family pair that sent
    # the wrapper once does not, nor does a pair with no uses.
    pairs = [[f"p{g}{i}" for i in range(2)] for g in range(5)]
    grader = [f"g{i}" for i in range(10)]
    family, idle = ["f0", "f1"], ["i0", "i1"]
    others = [f"o{i:03d}" for i in range(300)]
    campaign = [a for p in pairs for a in p]
    comps = pl.DataFrame(
        {
            "account": campaign + family + idle + grader,
            "component": [g for g, p in enumerate(pairs) for _ in p] + [5, 5, 6, 6] + [7] * 10,
        }
    )
    accounts = pl.DataFrame(
        {
            "account": campaign + family + idle + grader + others,
            "extraction_share": [0.1] * 14 + [0.9] * 10 + [0.1] * 300,
            "prompts_measured": [100] * 14 + [900] * 10 + [60] * 300,
            "exchanges": [100] * 14 + [900] * 10 + [60] * 300,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    uses = pl.DataFrame(
        {
            "account": campaign + ["f0"] + others[:3] + grader,
            "value": ["wrapper"] * 14 + ["rubric"] * 10,
            "n": [8] * 10 + [1] * 4 + [600] * 10,
        }
    )
    specific = pl.DataFrame({"value": ["wrapper", "rubric"], "df": [14, 10]})

    def counts(values: pl.DataFrame) -> pl.DataFrame:
        return uses.join(values, on="value", how="semi")

    cfg = LinkConfig()
    pieces = comps.filter(pl.col("component") < 7)
    # the pairs' content alone is ordinary
    assert leaning_groups(pieces, accounts, cfg).is_empty()
    got = wrapper_leaning(comps, specific, counts, accounts, cfg, pieces)
    assert sorted(got["component"]) == [0, 1, 2, 3, 4]
    # at the groups' rates alone (the uncapped term) none does
    with monkeypatch.context() as m:
        m.setattr(importlib.import_module("extractscan.link.capped"), "CAPS", (None,))
        assert wrapper_leaning(comps, specific, counts, accounts, cfg, pieces).is_empty()


def test_a_crowd_is_tested_again_at_the_rate_of_the_accounts_behind_none() -> None:
    # a hydra of 60 heavy accounts on three cards is most of the log: at its heavy rate
    # (66 of 104) four heavy accounts alone behind one exit are within chance; at the
    # rate of the 44 accounts behind no significant card (6 heavy), they are not
    hydra = [f"h{i:02d}" for i in range(60)]
    grader = [f"g{i}" for i in range(4)]
    ordinary = [f"u{i:02d}" for i in range(40)]
    accounts = _accounts(hydra + grader + ordinary[:2], ordinary[2:])
    ids = pl.DataFrame(
        {
            "account": hydra + grader + ordinary,
            "family": ["payment"] * 60 + ["ip"] * 44,
            "value": [f"card{i // 20}" for i in range(60)]
            + ["exit"] * 4
            + [f"home{i}" for i in range(40)],
        }
    )
    found = crowded(ids, accounts, LinkConfig())
    assert found.heavy_rate == pytest.approx(66 / 104)
    values = found.values.sort("value")
    assert values.select("value", "n", "k", "significant").rows() == [
        ("card0", 20, 20, True),
        ("card1", 20, 20, True),
        ("card2", 20, 20, True),
        ("exit", 4, 4, True),
    ]
    # the cards at the first rate, the exit at the second; the threshold is ln(4 / 0.01)
    assert values["nats"][0] == pytest.approx(20 * math.log(104 / 66))
    assert values["nats"][3] == pytest.approx(4 * math.log(44 / 6))
    assert 4 * math.log(104 / 66) < math.log(4 / 0.01) < 4 * math.log(44 / 6)
    assert set(found.identifiers.filter(pl.col("value") == "exit")["account"]) == set(grader)


def test_a_later_round_finds_crowds_not_institutions_a_little_heavier() -> None:
    # a company's NAT with 25 heavy users of 1,000 (2.5 %): within chance at the first
    # round's rate (a hydra of 400 heavy accounts on 20 cards), beyond the second's
    # (50 heavy of 6,000); but a crowd has at least heavy_share of its accounts heavy
    hydra = [f"h{i:03d}" for i in range(400)]
    nat = [f"n{i:04d}" for i in range(1000)]
    ordinary = [f"u{i:04d}" for i in range(5000)]
    accounts = _accounts(hydra + nat[:25] + ordinary[:25], nat[25:] + ordinary[25:])
    ids = pl.DataFrame(
        {
            "account": hydra + nat,
            "family": ["payment"] * 400 + ["ip"] * 1000,
            "value": [f"card{i // 20:02d}" for i in range(400)] + ["nat"] * 1000,
        }
    )
    found = crowded(ids, accounts, LinkConfig())
    nat_value = found.values.filter(pl.col("value") == "nat")
    assert nat_value.select("n", "k", "nats", "significant").rows() == [(1000, 25, 0.0, False)]
    # the second round's rate would have found it: 25 of 1,000 against 50 of 6,000
    second = 1000 * (
        (0.025 * math.log(0.025 / (50 / 6000))) + 0.975 * math.log(0.975 / (1 - 50 / 6000))
    )
    assert second > math.log(21 / 0.01)
    assert set(found.identifiers["value"]) == {f"card{i:02d}" for i in range(20)}


@pytest.mark.parametrize(("per_card", "found"), [(3, True), (4, False)])
def test_accounts_linked_by_their_own_cards_leave_the_null(per_card: int, found: bool) -> None:
    # A campaign of 360 heavy accounts on cards of three (each linked by its card alone)
    # makes heavy accounts common (401 of 1,037); a grader's 21 heavy accounts behind one
    # exit among 36 other customers are then within chance (21 of 57), but far beyond the
    # rate of the accounts outside the card groups (41 of 677). Cards of four do not
    # link on their own (strong_card_accounts = 3), so their accounts stay in the null.
    campaign = [f"c{i:03d}" for i in range(360)]
    grader = [f"g{i:02d}" for i in range(21)]
    customers = [f"p{i:02d}" for i in range(36)]
    loners = [f"h{i:02d}" for i in range(20)]
    ordinary = [f"u{i:03d}" for i in range(600)]
    accounts = _accounts(campaign + grader + loners, customers + ordinary)
    ids = pl.DataFrame(
        {
            "account": campaign + grader + customers,
            "family": ["payment"] * 360 + ["ip"] * 57,
            "value": [f"card{i // per_card:03d}" for i in range(360)] + ["exit"] * 57,
        }
    )
    out = crowded(ids, accounts, LinkConfig())
    exit_value = out.values.filter(pl.col("value") == "exit")
    assert exit_value.select("n", "k").rows() == [(57, 21)]
    assert exit_value["significant"].to_list() == [found]
    linked = set(out.identifiers.filter(pl.col("value") == "exit")["account"])
    assert linked == (set(grader) if found else set())
    rate = 41 / 677
    nats = 57 * ((21 / 57) * math.log(21 / 57 / rate) + (36 / 57) * math.log(36 / 57 / (1 - rate)))
    expected = nats if found else 0.0
    assert exit_value["nats"][0] == pytest.approx(expected)


def test_a_proxy_pool_links_the_heavy_accounts_rotating_through_its_subnets() -> None:
    # Three subnets, each too thin to link anyone on its own terms (no exit is
    # significant, subnets do not corroborate): twelve heavy accounts each rotate
    # through two of them, which makes them one pool. A heavy account behind one
    # subnet only and a heavy account behind a NAT's subnet stay out.
    nets = ["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"]
    heavy = [f"p{i:02d}" for i in range(12)]
    light = [f"u{i:03d}" for i in range(300)]
    accounts = _accounts([*heavy, "lone", "student"], light)
    rows: list[tuple[str, str]] = []
    for i, a in enumerate(heavy):
        rows += [(a, nets[i % 3]), (a, nets[(i + 1) % 3])]
    rows += [("lone", nets[0])]
    rows += [(u, nets[j % 3]) for j, u in enumerate(light[:60])]  # one subnet each
    rows += [(u, nets[j % 3]) for j, u in enumerate(light[60:62])] + [
        (u, nets[(j + 1) % 3]) for j, u in enumerate(light[60:62])
    ]  # two customers of the proxy service rotating too
    rows += [(u, "192.168.0.0/24") for u in light[100:200]] + [("student", "192.168.0.0/24")]
    ids = pl.DataFrame(
        {"account": [a for a, _ in rows], "family": "ip_prefix", "value": [v for _, v in rows]}
    )
    found = crowded(ids, accounts, LinkConfig())
    sig = found.values.filter("significant").sort("family", "value")
    assert sig.select("family", "value", "n", "k").rows() == [
        ("ip_pool", "10.0.1.0/24 and 2 more subnets", 14, 12),
        ("ip_prefix", "10.0.1.0/24", 30, 9),
        ("ip_prefix", "10.0.2.0/24", 30, 8),
        ("ip_prefix", "10.0.3.0/24", 29, 8),
    ]
    # the pool's accounts: every account behind two of its subnets, heavy or not
    assert sorted(found.pools["account"].to_list()) == sorted([*heavy, "u060", "u061"])
    assert set(found.pools["value"]) == {"10.0.1.0/24 and 2 more subnets"}
    # linked: the pool's heavy accounts (through the pool and, once confirmed by it,
    # their subnets), the pool as a star around the first; not "lone" nor "student"
    ids_of = found.identifiers
    assert sorted(ids_of["account"].unique().to_list()) == heavy
    pool = ids_of.filter(pl.col("family") == "crowded_pool")
    assert pool["account"].to_list() == heavy
    star = found.evidence.filter(pl.col("family") == "crowded_pool")
    assert star.height == 11 and set(star["a"]) == {"p00"}
    assert set(ids_of["family"]) == {"crowded_pool", "crowded_subnet"}


def test_a_pool_of_subnets_none_significant_on_its_own() -> None:
    # A hydra thinner still (held-out world 851): ten subnets, each with 6 of the pool's
    # heavy accounts among 46 (2.4 nats at the population's heavy rate of 100 / 2,100,
    # below the ln(tested / 0.01) needed), 30 heavy accounts each rotating through two
    # of them. The ten are one pool, beyond chance as a whole. Two other subnets joined
    # by three benign heavy accounts that rotate, with 40 light accounts rotating too,
    # are a pool within chance: nobody is linked through it.
    nets = [f"10.0.{i}.0/24" for i in range(10)]
    pool = [f"p{i:02d}" for i in range(30)]
    light = [f"u{i:04d}" for i in range(2000)]
    others = [f"h{i:02d}" for i in range(70)]  # heavy, behind nothing tested here
    accounts = _accounts([*pool, *others], light)
    rows: list[tuple[str, str]] = []
    for i, a in enumerate(pool):
        rows += [(a, nets[i % 10]), (a, nets[(i + 1) % 10])]
    rows += [(u, nets[j % 10]) for j, u in enumerate(light[:400])]  # one subnet each
    office = ["192.168.1.0/24", "192.168.2.0/24"]
    rows += [(a, net) for a in [*others[:3], *light[400:440]] for net in office]
    ids = pl.DataFrame(
        {"account": [a for a, _ in rows], "family": "ip_prefix", "value": [v for _, v in rows]}
    )
    found = crowded(ids, accounts, LinkConfig())
    p = 100 / 2100
    subnets = found.values.filter(pl.col("family") == "ip_prefix").sort("value")
    assert subnets.select("value", "n", "k", "significant").rows() == [
        *[(net, 46, 6, False) for net in nets],
        ("192.168.1.0/24", 43, 3, False),
        ("192.168.2.0/24", 43, 3, False),
    ]
    tested = subnets.height + 2  # and the two pools
    assert subnets["nats"][0] == pytest.approx(46 * _kl(6 / 46, p))
    assert (subnets["nats"] < math.log(tested / 0.01)).all()
    pools = found.values.filter(pl.col("family") == "ip_pool").sort("value")
    assert pools.select("value", "n", "k", "significant").rows() == [
        ("10.0.0.0/24 and 9 more subnets", 30, 30, True),
        ("192.168.1.0/24 and 1 more subnet", 43, 3, False),
    ]
    assert pools["nats"][0] == pytest.approx(30 * math.log(1 / p))
    assert sorted(found.identifiers["account"].unique().to_list()) == pool
    assert set(found.identifiers["family"]) == {"crowded_pool"}


def _kl(q: float, p: float) -> float:
    return q * math.log(q / p) + (1 - q) * math.log((1 - q) / (1 - p))


def test_no_pool_without_a_heavy_account_rotating_between_two_subnets() -> None:
    from extractscan.link.pool_graph import proxy_pools

    sig = pl.DataFrame({"family": ["ip_prefix"] * 2, "value": ["n1", "n2"]})
    rows = pl.DataFrame(
        {
            "account": ["h1", "h2", "u1", "u1"],
            "family": ["ip_prefix"] * 4,
            "value": ["n1", "n2", "n1", "n2"],
            "heavy": [True, True, False, False],
        }
    )
    # only a light account sits behind both: no bridge, no pool
    assert proxy_pools(rows, sig).members.is_empty()
    h3 = rows.filter(pl.col("account") == "u1").with_columns(
        pl.lit("h3").alias("account"), pl.lit(True).alias("heavy")
    )
    bridged = pl.concat([rows, h3])
    assert proxy_pools(bridged, sig).members.rows() == [
        ("h3", "ip_pool", "n1 and 1 more subnet"),
        ("u1", "ip_pool", "n1 and 1 more subnet"),
    ]


def test_an_account_spread_thin_does_not_tie_an_office_into_its_pool() -> None:
    from extractscan.link.pool_graph import SPREAD_RATIO, proxy_pools

    # Ten heavy accounts sending from fresh residential addresses (60 of 100 subnets
    # each) and an office of six heavy accounts rotating through two of its three
    # subnets; two of the ten touch an office subnet by chance (held-out world 2001 at
    # 4x). Without the cut the two make one pool of 103 subnets and 16 accounts.
    homes = [f"20.0.{j}.0/24" for j in range(100)]
    office = [f"10.1.{j}.0/24" for j in range(3)]
    rows_of: list[tuple[str, str]] = []
    for i in range(10):
        rows_of += [(f"s{i:02d}", homes[(7 * i + t) % 100]) for t in range(60)]
    for i in range(6):
        rows_of += [(f"o{i}", office[i % 3]), (f"o{i}", office[(i + 1) % 3])]
    rows_of += [("s00", office[0]), ("s01", office[1])]
    assert 61 > SPREAD_RATIO * 2
    rows = pl.DataFrame(
        {
            "account": [a for a, _ in rows_of],
            "family": "ip_prefix",
            "value": [v for _, v in rows_of],
            "heavy": True,
        }
    )
    tested = pl.DataFrame({"family": "ip_prefix", "value": homes + office})
    pools = proxy_pools(rows, tested).members.group_by("value").agg(pl.col("account").sort())
    assert sorted(pools.rows()) == [
        ("10.1.0.0/24 and 2 more subnets", [f"o{i}" for i in range(6)]),
        ("20.0.0.0/24 and 99 more subnets", [f"s{i:02d}" for i in range(10)]),
    ]


def _lone_world() -> tuple[pl.DataFrame, pl.DataFrame]:
    # 10 heavy accounts behind one exit of a subnet, 2 more alone on exits of the same
    # subnet shared with ordinary users, 300 ordinary users elsewhere
    heavy = [f"h{i:02d}" for i in range(12)]
    light = [f"u{i:03d}" for i in range(300)]
    exits = ["10.0.0.5"] * 10 + ["10.0.0.7", "10.0.0.8"] + ["10.0.0.7"] * 3 + ["10.0.0.8"] * 3
    on_subnet = heavy + light[:6]
    ids = pl.DataFrame(
        {
            "account": on_subnet + on_subnet + light[6:],
            "family": ["ip"] * 18 + ["ip_prefix"] * 18 + ["ip"] * 294,
            "value": exits + ["10.0.0.0/24"] * 18 + [f"9.9.{i}.1" for i in range(294)],
        }
    )
    return ids, _accounts(heavy, light)


def _pairs(*rows: tuple[str, str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["a", "b", "family", "weight"], orient="row")


def test_an_account_alone_behind_a_linked_subnet_joins_on_another_kind_of_evidence() -> None:
    ids, accounts = _lone_world()
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    linked = crowd.identifiers.filter(pl.col("family") == "crowded_subnet")["account"].to_list()
    assert linked == [f"h{i:02d}" for i in range(10)]
    assert crowd.lone["account"].to_list() == ["h10", "h11"]
    pairs = _pairs(
        ("h03", "h10", "email_pattern", 4.6),  # a throwaway e-mail pattern of a member
        ("h04", "h11", "template", 5.0),  # support only
        ("h11", "u001", "email_pattern", 4.6),  # an account not linked through the subnet
        ("h02", "h11", "ip_prefix", 3.0),  # the subnet's own kind
        ("h05", "h11", "email_pattern", 1.0),  # too weak to count
    )
    joined = lone_members(crowd, pairs, cfg)
    new = joined.evidence.join(crowd.evidence, on=["a", "b", "family"], how="anti")
    assert new.select("a", "b", "family", "example").rows() == [
        ("h00", "h10", "crowded_subnet", "10.0.0.0/24")
    ]
    assert (
        new["weight"].to_list()
        == crowd.evidence.filter(pl.col("family") == "crowded_subnet")["weight"].unique().to_list()
    )
    assert joined.identifiers.join(
        crowd.identifiers, on=["account", "family", "value"], how="anti"
    ).rows() == [("h10", "crowded_subnet", "10.0.0.0/24")]
    # nothing to add: the same crowd
    assert lone_members(crowd, pairs.head(0), cfg) is crowd


def test_the_error_rate_is_spent_per_accounts() -> None:
    # 100 values tested at crowded_alpha 0.01: ln(100 / 0.01) = 9.21 nats in a log of
    # up to crowded_alpha_accounts (10,000) accounts; in one of 40,000, 0.04 false
    # crowds are allowed: ln(100 / 0.04) = 7.82
    cfg = LinkConfig()
    assert _threshold(100, cfg, 5_000) == pytest.approx(math.log(100 / 0.01))
    assert _threshold(100, cfg, 40_000) == pytest.approx(math.log(100 / 0.04))
    # four times the values in four times the accounts: the same threshold
    assert _threshold(400, cfg, 160_000) == pytest.approx(_threshold(100, cfg, 40_000))
    whole = replace(cfg, crowded_alpha_accounts=0)
    assert _threshold(400, whole, 160_000) == pytest.approx(math.log(400 / 0.01))
    assert _threshold(100, replace(cfg, crowded_alpha=0.0), 40_000) == math.inf


def _replicated(copies: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``copies`` copies of a log: a grader of 300 heavy accounts on 15 cards of 20, a
    hydra behind three exits of one subnet (three heavy accounts and three resold-only
    on each exit) and 1,000 ordinary accounts at home (20 of them heavy)."""
    heavy: list[str] = []
    light: list[str] = []
    rows: list[tuple[str, str, str]] = []
    for r in range(copies):
        grader = [f"r{r}g{i:03d}" for i in range(300)]
        heavy += grader
        rows += [(a, "payment", f"r{r}card{i // 20:02d}") for i, a in enumerate(grader)]
        for e in range(3):
            hydra = [f"r{r}e{e}h{i}" for i in range(3)]
            resold = [f"r{r}e{e}l{i}" for i in range(3)]
            heavy += hydra
            light += resold
            for a in hydra + resold:
                rows += [(a, "ip", f"10.{r}.0.{e}"), (a, "ip_prefix", f"10.{r}.0.0/24")]
        home = [f"r{r}u{i:04d}" for i in range(1000)]
        heavy += home[:20]
        light += home[20:]
        rows += [(a, "ip", f"home{r}-{i}") for i, a in enumerate(home)]
    ids = pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")
    return ids, _accounts(heavy, light)


@pytest.mark.parametrize("copies", [1, 4])
def test_the_same_crowds_are_found_in_a_log_four_times_the_size(copies: int) -> None:
    # Over the whole log, the hydra's exits are significant in one copy and in none of
    # four (the threshold rises by ln 4 with the values tested). Spent per 1,000
    # accounts, the threshold is the same in both, and the exits are found in both. Its
    # subnet, found in the first round, leaves its accounts to its exits' later test
    # (COARSE).
    ids, accounts = _replicated(copies)
    exits = pl.col("value").str.starts_with("10.") & (pl.col("family") == "ip")
    cfg = replace(LinkConfig(), crowded_alpha_accounts=1_000)
    found = crowded(ids, accounts, cfg)
    values = found.values.filter(exits)
    assert values.height == 3 * copies and values["significant"].all()
    subnet = found.values.filter(pl.col("family") == "ip_prefix")
    assert subnet.height == copies and subnet["significant"].all()
    whole = replace(cfg, crowded_alpha_accounts=0)
    family_wise = crowded(ids, accounts, whole).values.filter(exits)
    assert family_wise["significant"].sum() == (3 if copies == 1 else 0)
    linked = found.identifiers.filter(pl.col("family") == "crowded_ip")
    assert linked["value"].str.starts_with("10.").all()
    assert linked["account"].n_unique() == 9 * copies


def test_accounts_sending_from_fresh_addresses_meet_on_an_exit_by_chance() -> None:
    # three heavy accounts of an identifier-free campaign, each sending from 40 addresses
    # nobody else uses, meet on one exit (3 heavy of 3): not a crowd. A hydra's three
    # heavy accounts on two shared exits each are one; so is the exit an ordinary
    # account sending from many fresh addresses shares with them (it is not heavy).
    fresh = ["f0", "f1", "f2"]
    hydra = ["h0", "h1", "h2"]
    ordinary = [f"u{i:03d}" for i in range(300)]
    accounts = _accounts(fresh + hydra, ["wanderer", *ordinary])
    rows: list[tuple[str, str, str]] = []
    for a in fresh:
        rows += [(a, "ip", f"{a}-home{i}") for i in range(40)] + [(a, "ip", "met")]
    for a in hydra:
        rows += [(a, "ip", "exit1"), (a, "ip", "exit2")]
    rows += [("wanderer", "ip", f"w{i}") for i in range(40)] + [("wanderer", "ip", "exit1")]
    rows += [(a, "ip", f"home-{a}") for a in ordinary]
    ids = pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")
    kept = concentrated(ids.join(heavy_accounts(accounts, LinkConfig()), on="account"))
    assert set(kept.filter(pl.col("value") == "met")["account"]) == set()
    assert set(kept.filter(pl.col("value") == "exit1")["account"]) == {*hydra, "wanderer"}
    found = crowded(ids, accounts, replace(LinkConfig(), crowded_alpha=0.5))
    assert set(found.values.filter("significant")["value"]) == {"exit1", "exit2"}
    assert set(found.identifiers["account"]) == set(hydra)
