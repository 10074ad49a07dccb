"""Heavy accounts behind a crowded network value that send unlike the others there are
taken out of it: exact values on a tiny table (extractscan.link.unlike)."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import polars as pl
import pytest

from extractscan.config import LinkConfig
from extractscan.link.crowded import Crowded, crowded
from extractscan.link.unlike import leave_one_out, unlike_members
from extractscan.link.wrapper_rates import wrapper_llr

HEAVY = [f"h{i:02d}" for i in range(12)]
LIGHT = [f"u{i:03d}" for i in range(300)]
# a customer of the proxy service behind the hydra's exit: 40 requests, half of them
# reasoning prompts of its own (ten on a template only it sends), none on the hydra's
CUSTOMER = "c"


def _world(
    carded: bool = False, requests: int = 40
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The hydra's twelve heavy accounts behind one exit and on one card, the customer
    (``requests`` of them, a quarter on its own template) behind the exit (and on the card
    when ``carded``), 40 ordinary accounts there too."""
    everyone = [*HEAVY, CUSTOMER, *LIGHT]
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [0.8] * 12 + [0.5] + [0.05] * 300,
            "prompts_measured": [100] * 12 + [requests] + [20] * 300,
            "exchanges": [100] * 12 + [requests] + [20] * 300,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    behind = [*HEAVY, CUSTOMER, *LIGHT[:40]]
    paying = [*HEAVY, CUSTOMER] if carded else HEAVY
    ids = pl.DataFrame(
        {
            "account": behind + paying,
            "family": ["ip"] * len(behind) + ["payment"] * len(paying),
            "value": ["exit"] * len(behind) + ["card"] * len(paying),
        }
    )
    uses = pl.DataFrame(
        {
            "account": [*HEAVY, "u000", CUSTOMER],
            "value": ["W"] * 13 + ["X"],
            "n": [60] * 12 + [1, requests // 4],
        },
        schema_overrides={"n": pl.UInt32},
    )
    extraction = pl.DataFrame({"value": ["W", "X", "E"], "n": [721, 10, 5000], "ext": [721, 10, 0]})
    return accounts, ids, extraction, uses


def _uses(table: pl.DataFrame):  # type: ignore[no-untyped-def]
    def uses(values: pl.DataFrame) -> pl.DataFrame:
        return table.join(values, on="value", how="semi")

    return uses


def test_the_customer_is_taken_out_of_the_exit() -> None:
    accounts, ids, extraction, uses = _world()
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert sorted(set(crowd.identifiers["account"])) == sorted([*HEAVY, CUSTOMER])
    llr = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses))
    # cards are not tested: the exit's 13 heavy accounts
    assert set(llr["family"]) == {"crowded_ip"} and llr.height == 13
    n_out = 300 * 20  # the non-heavy accounts; u000 sent W once
    r_w, r_x = 1.5 / n_out, 0.5 / n_out
    # the customer: the others send W only (X is its own), 720 of their 1,200 requests
    q_w = 720.5 / 1200
    want_c = -40 * (q_w - r_w)
    # a hydra account: the others' W is 660 of 1,140 and X 10 of 1,140
    q_w, q_x = 660.5 / 1140, 10.5 / 1140
    want_h = 60 * math.log(q_w / r_w) - 100 * (q_w - r_w + q_x - r_x)
    got = dict(zip(llr["account"], llr["llr"], strict=True))
    assert got[CUSTOMER] == pytest.approx(want_c)
    assert [got[a] for a in HEAVY] == pytest.approx([want_h] * 12)
    assert want_c < -math.log(13 / cfg.crowded_alpha) < 0 < want_h
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses))
    assert CUSTOMER not in out.identifiers["account"].to_list()
    assert out.identifiers.equals(crowd.identifiers.filter(pl.col("account") != CUSTOMER))
    # the customer was the hub of the exit's star (the smallest account): it is now
    # around h00, with the same weight; the card's is as it was
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert ip.select("a", "b").rows() == [("h00", h) for h in HEAVY[1:]]
    before = crowd.evidence.filter(pl.col("family") == "crowded_ip")
    assert before.select("a", "b").rows() == [(CUSTOMER, h) for h in HEAVY]
    assert set(ip["weight"]) == set(before["weight"]) and len(set(ip["weight"])) == 1
    card = crowd.evidence.filter(pl.col("family") == "crowded_payment")
    assert card.select("a", "b").rows() == [("h00", h) for h in HEAVY[1:]]
    assert out.evidence.filter(pl.col("family") == "crowded_payment").equals(card)


def test_a_leaning_cards_evidence_outlives_the_test() -> None:
    # a card too common to pair whose accounts lean (tested as a whole, on no exit):
    # its star is not redrawn from the crowded values, and it stays (world 3767)
    from extractscan.link.leaning_cards import LEANING_CARD, leaning_star, with_links

    accounts, ids, extraction, uses = _world()
    cfg = LinkConfig()
    leaning = LIGHT[100:140]
    members = pl.DataFrame(
        {"account": leaning, "value": "common card", "hub": leaning[0], "measured": 40}
    ).with_columns(pl.lit(60.0).alias("nats"))
    star = leaning_star(members, LEANING_CARD)
    linked = members.select("account", pl.lit(LEANING_CARD).alias("family"), "value")
    crowd = with_links(crowded(ids, accounts, cfg), star, linked)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses))
    assert CUSTOMER not in out.identifiers["account"].to_list()
    assert out.evidence.filter(pl.col("family") == LEANING_CARD).equals(star)
    assert star.height == 39


def test_a_customer_with_ten_requests_is_taken_out_at_the_rate_per_account() -> None:
    # ten requests, five reasoning prompts (heavy by the Wilson bound), none on the
    # hydra's wrapper: the others' rate expects six of them (world 2202 at 4x)
    accounts, ids, extraction, uses = _world(requests=10)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert CUSTOMER in crowd.identifiers["account"].to_list()
    llr = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses))
    got = dict(zip(llr["account"], llr["llr"], strict=True))[CUSTOMER]
    q_w, r_w = 720.5 / 1200, 1.5 / (300 * 20)
    assert got == pytest.approx(-10 * (q_w - r_w))  # -6.0 nats
    # beyond ln(1 / 0.01) = 4.6 per account; not beyond ln(13 / 0.01) = 7.2 over the log
    assert -math.log(13 / cfg.crowded_alpha) < got < math.log(cfg.crowded_unlike_alpha)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses))
    assert out.identifiers.equals(crowd.identifiers.filter(pl.col("account") != CUSTOMER))
    # over the log (0), and at a rate of 1 in 1,000 (6.9 nats), its silence is not
    # enough; but the hydra on its card is the exit's core, and the customer's 2
    # requests on X, which no hydra account sends, are 2 ln(1 / p) = 10.5 nats at the
    # core's p = 0.0053 (none of its 720 requests off W, at the upper Wilson bound):
    # out at those rates as well (extractscan.link.own_wrappers)
    assert -10 * (q_w - r_w) > math.log(0.001)
    for alpha in (0.0, 0.001):
        stricter = replace(cfg, crowded_unlike_alpha=alpha)
        out = unlike_members(crowd, accounts, stricter, extraction, _uses(uses))
        assert out.identifiers.equals(crowd.identifiers.filter(pl.col("account") != CUSTOMER))


def test_an_account_on_a_linked_card_is_not_tested_on_its_exits() -> None:
    accounts, ids, extraction, uses = _world(carded=True)
    crowd = crowded(ids, accounts, LinkConfig())
    assert CUSTOMER in crowd.identifiers.filter(pl.col("family") == "crowded_payment")["account"]
    assert unlike_members(crowd, accounts, LinkConfig(), extraction, _uses(uses)) is crowd


def test_switched_off_or_without_counts_nothing_changes() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = crowded(ids, accounts, LinkConfig())
    off = replace(LinkConfig(), crowded_unlike=False)
    assert unlike_members(crowd, accounts, off, extraction, _uses(uses)) is crowd
    assert unlike_members(crowd, accounts, LinkConfig(), None, _uses(uses)) is crowd
    # a customer who sends like the hydra stays
    like = uses.with_columns(
        pl.when(pl.col("account") == CUSTOMER).then(pl.lit("W")).otherwise("value").alias("value")
    )
    assert unlike_members(crowd, accounts, LinkConfig(), extraction, _uses(like)) is crowd


@pytest.mark.parametrize("core", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_the_sums_are_the_wrapper_test_with_the_account_left_out(seed: int, core: bool) -> None:
    """The closed form equals :func:`.mixed.wrapper_llr` run once per account with the
    value's other heavy accounts as members (``core``: the other members of a random
    reference), on random worlds."""
    rng = np.random.default_rng(seed)
    n_acc, n_t = 40, 6
    accts = [f"a{i:02d}" for i in range(n_acc)]
    heavy = rng.random(n_acc) < 0.5
    ex = rng.integers(12, 200, n_acc)
    accounts = pl.DataFrame(
        {
            "account": accts,
            "extraction_share": np.where(heavy, 0.9, 0.0),
            "prompts_measured": ex,
            "exchanges": ex,
        }
    )
    rows = [
        (a, f"t{t}", int(rng.integers(1, 10)))
        for a in accts
        for t in range(n_t)
        if rng.random() < 0.3
    ]
    uses = pl.DataFrame(rows, schema=["account", "value", "n"], orient="row")
    extraction = pl.DataFrame(
        {"value": [f"t{t}" for t in range(n_t)], "n": [100] * n_t, "ext": [90] * n_t}
    )
    values = ["v0", "v1", "v2"]
    members = pl.DataFrame(
        [
            (a, fam, v)
            for i, a in enumerate(accts)
            if heavy[i]
            for fam, v in zip(["crowded_ip", "crowded_subnet", "crowded_pool"], values, strict=True)
            if rng.random() < 0.6
        ],
        schema=["account", "family", "value"],
        orient="row",
    )
    cfg = LinkConfig()
    # with a reference, the others are its members only (the account left out if one)
    reference = members.filter(pl.Series(rng.random(members.height) < 0.5)) if core else None
    got = leave_one_out(members, accounts, cfg, extraction, _uses(uses), reference=reference)
    want = []
    for account, family, value in members.iter_rows():
        others = (members if reference is None else reference).filter(
            (pl.col("family") == family)
            & (pl.col("value") == value)
            & (pl.col("account") != account)
        )
        if others.is_empty():
            continue
        tested = pl.DataFrame({"account": [account], "family": [family], "value": [value]})
        one = wrapper_llr(
            tested, others, ["family", "value"], accounts, cfg, extraction, _uses(uses)
        )
        want.extend(one.rows())
    want_d = {(a, f, v): x for a, f, v, x in want}
    got_d = {(a, f, v): x for a, f, v, x in got.iter_rows()}
    assert got_d.keys() == want_d.keys() and len(got_d) > 10
    for k, x in want_d.items():
        assert got_d[k] == pytest.approx(x), k


def _pooled(crowd: Crowded, pooled: list[str]) -> Crowded:
    """``crowd`` with a linked proxy pool of the accounts ``pooled`` (tested as the exit)."""
    pool_ids = pl.DataFrame(
        {
            "account": pooled,
            "family": ["crowded_pool"] * len(pooled),
            "value": ["P and 1 more subnet"] * len(pooled),
        }
    )
    pool_value = crowd.values.head(1).with_columns(
        family=pl.lit("ip_pool"), value=pl.lit("P and 1 more subnet")
    )
    return replace(
        crowd,
        identifiers=pl.concat([crowd.identifiers, pool_ids]),
        values=pl.concat([crowd.values, pool_value]),
    )


def test_an_account_in_a_proxy_pool_is_tested_on_the_pool_and_leaves_its_exits_too() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = _pooled(crowded(ids, accounts, LinkConfig()), [*HEAVY, CUSTOMER])
    cfg = LinkConfig()
    # tested on the pool alone: the same members and requests as the exit's
    tested = crowd.identifiers.filter(pl.col("family") == "crowded_pool")
    llr = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses), tested)
    assert llr.height == 13 and set(llr["family"]) == {"crowded_pool"}
    both = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses))
    assert both.height == 26
    on_exit = both.filter(pl.col("family") == "crowded_ip")
    assert llr["llr"].to_list() == pytest.approx(on_exit["llr"].to_list())
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses))
    assert CUSTOMER not in out.identifiers["account"].to_list()
    assert out.identifiers.height == crowd.identifiers.height - 2
    assert set(out.evidence["family"]) == {"crowded_ip", "crowded_payment", "crowded_pool"}
    assert CUSTOMER not in out.evidence["a"].to_list() + out.evidence["b"].to_list()


def test_nobody_is_taken_out_of_a_crowd_whose_accounts_each_send_their_own_wrappers() -> None:
    # a campaign whose every account paraphrases its wrappers: each account's wrapper is
    # its own template cluster, so each is unlike the others; the customer as well
    accounts, ids, extraction, _ = _world()
    own = pl.DataFrame(
        {
            "account": [*HEAVY, CUSTOMER],
            "value": [f"W{i}" for i in range(12)] + ["X"],
            "n": [60] * 12 + [10],
        },
        schema_overrides={"n": pl.UInt32},
    )
    wrappers = pl.DataFrame(
        {"value": own["value"], "n": own["n"].cast(pl.Int64), "ext": own["n"].cast(pl.Int64)}
    )
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    llr = leave_one_out(crowd.identifiers, accounts, cfg, wrappers, _uses(own))
    assert (llr["llr"] <= -math.log(13 / cfg.crowded_alpha)).all()
    assert unlike_members(crowd, accounts, cfg, wrappers, _uses(own)) is crowd


JOBS = [f"j{i:02d}" for i in range(14)]


def _two_populations(
    tie: str,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """A campaign run from the same cloud as companies' CI jobs: the hydra's twelve heavy
    accounts (on one card, or on one e-mail pattern of their own when ``tie`` is
    ``"email"``) and fourteen jobs, each on its own card and domain, behind one exit; the
    hydra sends its wrapper W, the jobs the review tool's R. Each job sends like the
    other jobs, half of the exit's heavy accounts: the leave-one-out test keeps them."""
    accounts, ids, extraction, _ = _world()
    jobs = pl.DataFrame(
        {
            "account": JOBS,
            "extraction_share": [0.8] * 14,
            "prompts_measured": [100] * 14,
            "exchanges": [100] * 14,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    accounts = pl.concat([accounts.filter(pl.col("account") != CUSTOMER), jobs])
    behind = [*HEAVY, *JOBS, *LIGHT[:40]]
    rows = [(a, "ip", "exit") for a in behind] + [(j, "payment", f"card-{j}") for j in JOBS]
    if tie == "card":
        rows += [(h, "payment", "card") for h in HEAVY]
    ids = pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")
    domains = [(h, "email_pattern", "a9@relay.example") for h in HEAVY] + [
        (j, "email_pattern", f"a-a@{j}.example") for j in JOBS
    ]
    patterns = pl.DataFrame(domains, schema=["account", "family", "value"], orient="row")
    uses = pl.DataFrame(
        {"account": [*HEAVY, *JOBS], "value": ["W"] * 12 + ["R"] * 14, "n": [60] * 26},
        schema_overrides={"n": pl.UInt32},
    )
    extraction = extraction.vstack(pl.DataFrame({"value": ["R"], "n": [840], "ext": [840]}))
    return accounts, ids, extraction, uses, patterns


@pytest.mark.parametrize("tie", ["card", "email"])
def test_jobs_behind_a_campaigns_exit_are_weighed_against_its_tied_accounts(tie: str) -> None:
    accounts, ids, extraction, uses, patterns = _two_populations(tie)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    exit_members = crowd.identifiers.filter(pl.col("family") == "crowded_ip")["account"]
    assert sorted(exit_members) == sorted([*HEAVY, *JOBS])
    # every heavy account passes against the others: each job sends like 13 of 25
    llr = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses))
    assert llr.height == 26 and (llr["llr"] > 0).all()
    # the hydra's accounts are tied by more than the exit: against them, no job sends W
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert sorted(out.identifiers.filter(pl.col("family") == "crowded_ip")["account"]) == HEAVY
    assert out.unlike.sort("account").rows() == [(j, "crowded_ip", "exit") for j in JOBS]
    # the jobs send alike and are a crowd of their own there: a star of their own, with
    # the weight of 14 heavy accounts of the exit's 66 at the rate it was tested at
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    hydra = [("h00", h) for h in HEAVY[1:]]
    assert ip.select("a", "b").rows() == hydra + [("j00", j) for j in JOBS[1:]]
    (n, rate), k = crowd.values.filter(pl.col("family") == "ip").select("n", "rate").row(0), 14
    q = k / n
    nats = n * (q * math.log(q / rate) + (1 - q) * math.log((1 - q) / (1 - rate)))
    weights = dict(zip(ip["a"], ip["weight"], strict=False))
    assert n == 66 and weights["j00"] == pytest.approx(nats / math.log(10))
    assert weights["h00"] == crowd.evidence.filter(pl.col("family") == "crowded_ip")["weight"][0]
    assert sorted(out.apart["account"]) == JOBS
    # without the e-mail patterns, the hydra on one pattern has no tie beyond the exit:
    # the jobs' R leads (14 accounts to W's 12), and the hydra's accounts, alike on a
    # wrapper no job sends, are a second population, too few for a crowd of their own
    if tie == "email":
        untied = unlike_members(crowd, accounts, cfg, extraction, _uses(uses))
        kept = untied.identifiers.filter(pl.col("family") == "crowded_ip")["account"]
        assert sorted(kept) == JOBS
        assert sorted(untied.unlike["account"]) == HEAVY and untied.apart.is_empty()


def test_a_tied_core_that_sends_unlike_itself_weighs_nobody() -> None:
    # the hydra's accounts each on a wrapper of their own (paraphrased): no reference
    accounts, ids, extraction, uses, patterns = _two_populations("card")
    own = uses.with_columns(
        pl.when(pl.col("value") == "W")
        .then(pl.lit("W") + pl.col("account"))
        .otherwise("value")
        .alias("value")
    )
    extraction = extraction.vstack(
        pl.DataFrame({"value": [f"W{h}" for h in HEAVY], "n": [60] * 12, "ext": [60] * 12})
    )
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert unlike_members(crowd, accounts, cfg, extraction, _uses(own), patterns) is crowd


def test_two_jobs_unlike_the_campaign_are_no_crowd_of_their_own() -> None:
    accounts, ids, extraction, uses, patterns = _two_populations("card")
    gone = JOBS[2:]
    accounts = accounts.filter(~pl.col("account").is_in(gone))
    ids = ids.filter(~pl.col("account").is_in(gone))
    uses = uses.filter(~pl.col("account").is_in(gone))
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert sorted(out.unlike["account"]) == JOBS[:2] and out.apart.is_empty()
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert ip.select("a", "b").rows() == [("h00", h) for h in HEAVY[1:]]


def test_jobs_behind_an_exit_with_few_of_the_campaigns_tied_accounts_are_weighed_against_all() -> (
    None
):
    # the hydra's twelve on one card behind its exit; behind a second exit only two of
    # them, with three jobs: too few for a core there, so every account on their card is
    # the reference (held-out world 2911: a job on three exits of a 19-account hydra with
    # one or two of its accounts each was linked to it at critical)
    accounts, ids, extraction, uses, patterns = _two_populations("card")
    jobs = JOBS[:3]
    second = [(a, "ip", "exit2") for a in [*HEAVY[:2], *jobs]]
    ids = pl.concat(
        [
            ids.filter(~((pl.col("family") == "ip") & pl.col("account").is_in(JOBS))),
            pl.DataFrame(second, schema=["account", "family", "value"], orient="row"),
        ]
    )
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    behind = crowd.identifiers.filter(pl.col("value") == "exit2")["account"]
    assert sorted(behind) == [*HEAVY[:2], *jobs]
    # alone, each sends like one or two of the four others: kept
    llr = leave_one_out(crowd.identifiers, accounts, cfg, extraction, _uses(uses))
    assert (llr.filter(pl.col("value") == "exit2")["llr"] > 0).all()
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert out.unlike.filter(pl.col("value") == "exit2").sort("account").rows() == [
        (j, "crowded_ip", "exit2") for j in jobs
    ]
    kept = out.identifiers.filter(pl.col("value") == "exit2")["account"]
    assert sorted(kept) == HEAVY[:2]


def test_a_pools_accounts_are_weighed_against_a_tied_core_on_their_exits() -> None:
    # the fourteen jobs rotate through the cloud's addresses: a proxy pool of their own,
    # alike on it; behind the exit they share with the hydra's twelve (on one card), they
    # are still weighed against the hydra (held-out world 2982: 48 jobs of a pool in the
    # subnets of a grader on one exit per account, 144 jobs at high with it)
    accounts, ids, extraction, uses, patterns = _two_populations("card")
    cfg = LinkConfig()
    crowd = _pooled(crowded(ids, accounts, cfg), JOBS)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    on_exit = out.identifiers.filter(pl.col("family") == "crowded_ip")["account"]
    assert sorted(on_exit) == HEAVY
    # ... and stay the pool's crowd, where they send alike
    assert sorted(out.identifiers.filter(pl.col("family") == "crowded_pool")["account"]) == JOBS
    assert sorted(out.unlike["account"]) == JOBS and set(out.unlike["value"]) == {"exit"}


def test_unlike_a_party_behind_one_value_is_unlike_it_behind_every_value_it_is_the_reference() -> (
    None
):
    from extractscan.link.unlike import _against_the_same_ties

    # the job "j" is unlike the card's accounts behind exit a (near the bound, say), and
    # tested behind exits b (the same card's accounts its reference) and c (another
    # card's): it leaves b too, not c
    out = pl.DataFrame(
        [("j", "crowded_ip", "a")], schema=["account", "family", "value"], orient="row"
    )
    reference = pl.DataFrame(
        [("h1", "crowded_ip", "a"), ("h2", "crowded_ip", "b"), ("g1", "crowded_ip", "c")],
        schema=["account", "family", "value"],
        orient="row",
    )
    ties = pl.DataFrame({"account": ["h1", "h2", "g1"], "tie": ["card", "card", "other"]})
    tested = pl.DataFrame(
        [("j", "crowded_ip", v) for v in "abc"] + [("k", "crowded_ip", "b")],
        schema=["account", "family", "value"],
        orient="row",
    )
    left = _against_the_same_ties(out, reference, ties, tested)
    assert left.rows() == [("j", "crowded_ip", "a"), ("j", "crowded_ip", "b")]
    assert _against_the_same_ties(out.head(0), reference, ties, tested).is_empty()
