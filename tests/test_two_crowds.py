"""Two populations behind one crowded exit, a campaign and companies' CI jobs, told
apart by what they send: exact memberships on tiny tables (extractscan.link.two_crowds,
through extractscan.link.unlike.unlike_members)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import Crowded, crowded
from extractscan.link.two_crowds import apart_members
from extractscan.link.unlike import unlike_members
from tests.test_unlike import _pooled

LIGHT = [f"u{i:03d}" for i in range(300)]


def _names(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i:02d}" for i in range(n)]


def _world(
    hydra: int = 30, jobs: int = 30, tie: str = "none", thin: int = 0, paraphrased: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``hydra`` heavy accounts of a campaign (on one card with ``tie="card"``, on one
    e-mail pattern of its own with ``"email"``, else nothing shared; 40 of their 100
    requests on the wrapper W, or each on a wrapper of its own when ``paraphrased``) and
    ``jobs`` companies' CI jobs (each its own card and domain, 60 of 100 requests on the
    review tool's R), plus ``thin`` jobs of ten requests, four on R, behind one exit
    with 40 ordinary accounts. Returns accounts, identifiers, account identifiers (the
    e-mail patterns), extraction counts and wrapper uses."""
    h, j, t = _names("h", hydra), _names("j", jobs), _names("t", thin)
    heavy = h + j + t
    accounts = pl.DataFrame(
        {
            "account": heavy + LIGHT,
            "extraction_share": [0.8] * (hydra + jobs) + [0.9] * thin + [0.05] * 300,
            "prompts_measured": [100] * (hydra + jobs) + [10] * thin + [20] * 300,
            "exchanges": [100] * (hydra + jobs) + [10] * thin + [20] * 300,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    rows = [(a, "ip", "exit") for a in heavy + LIGHT[:40]]
    rows += [(a, "payment", f"card-{a}") for a in j + t]
    rows += [(a, "payment", "card" if tie == "card" else f"card-{a}") for a in h]
    ids = pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")
    pattern = [(a, "a9@relay.example" if tie == "email" else f"a-a@{a}.example") for a in h]
    pattern += [(a, f"a-a@{a}.example") for a in j + t]
    patterns = pl.DataFrame(
        [(a, "email_pattern", v) for a, v in pattern],
        schema=["account", "family", "value"],
        orient="row",
    )
    wrappers = [f"W{a}" if paraphrased else "W" for a in h]
    uses = pl.DataFrame(
        {
            "account": heavy,
            "value": wrappers + ["R"] * (jobs + thin),
            "n": [40] * hydra + [60] * jobs + [4] * thin,
        },
        schema_overrides={"n": pl.UInt32},
    )
    per = uses.group_by("value").agg(pl.col("n").sum().alias("n"))
    extraction = per.with_columns(pl.col("n").alias("ext")).vstack(
        pl.DataFrame(
            {"value": ["E"], "n": [5000], "ext": [0]}, schema=per.schema | {"ext": pl.UInt32}
        )
    )
    return accounts, ids, patterns, extraction, uses


def _with_heavy(accounts: pl.DataFrame, names: list[str]) -> pl.DataFrame:
    """``accounts`` and heavy accounts ``names`` of 100 requests each, 80 % extraction."""
    more = pl.DataFrame(
        {
            "account": names,
            "extraction_share": [0.8] * len(names),
            "prompts_measured": [100] * len(names),
            "exchanges": [100] * len(names),
        },
        schema=accounts.schema,
    )
    return pl.concat([accounts, more])


def _uses(table: pl.DataFrame):  # type: ignore[no-untyped-def]
    def uses(values: pl.DataFrame) -> pl.DataFrame:
        return table.join(values, on="value", how="semi")

    return uses


def _exit_members(frame: pl.DataFrame) -> list[str]:
    return sorted(frame.filter(pl.col("family") == "crowded_ip")["account"])


def _only_left(out: Crowded, kept: list[str], left: list[str]) -> None:
    """The exit's crowd in ``out`` is ``kept``, its evidence too, and the accounts of
    ``left`` left it as no crowd of their own."""
    assert _exit_members(out.identifiers) == kept
    assert sorted(out.unlike["account"]) == left
    assert out.apart.is_empty()
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert sorted({*ip["a"], *ip["b"]}) == kept


def test_a_campaign_without_a_tie_is_told_apart_from_the_jobs_by_what_it_sends() -> None:
    accounts, ids, patterns, extraction, uses = _world()
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert _exit_members(crowd.identifiers) == _names("h", 30) + _names("j", 30)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    # the jobs' R leads (30 accounts on it, as many as on W: ties by the wrapper's text)
    assert _exit_members(out.identifiers) == _names("j", 30)
    assert sorted(out.apart["account"]) == _names("h", 30)
    assert sorted(out.unlike["account"]) == _names("h", 30)
    # two stars: the jobs' around j00, the campaign's around h00 with the weight of 30
    # heavy accounts of the exit's 100 at the rate it was tested at (60 of 360)
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert ip.select("a", "b").rows() == [("h00", a) for a in _names("h", 30)[1:]] + [
        ("j00", a) for a in _names("j", 30)[1:]
    ]
    n, rate = crowd.values.filter(pl.col("family") == "ip").select("n", "rate").row(0)
    q = 30 / n
    nats = n * (q * math.log(q / rate) + (1 - q) * math.log((1 - q) / (1 - rate)))
    assert (n, rate) == (100, pytest.approx(60 / 360))
    assert ip.filter(pl.col("a") == "h00")["weight"].unique().to_list() == [
        pytest.approx(nats / math.log(10))
    ]


def test_a_paraphrasing_campaign_is_one_crowd_whatever_the_jobs_send() -> None:
    # every account of the campaign on a wrapper of its own: unlike the jobs, but unlike
    # each other too, so no crowd of their own: nobody leaves
    accounts, ids, patterns, extraction, uses = _world(paraphrased=True)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns) is crowd


def test_too_few_for_a_crowd_of_their_own_a_second_population_still_leaves() -> None:
    # ten campaign accounts among the 30 jobs and 40 ordinary ones: unlike the jobs,
    # alike each other on a wrapper no job sends, but 10 of 80 is no crowd at the exit's
    # rate: they leave the jobs' crowd, linked by nothing there
    accounts, ids, patterns, extraction, uses = _world(hydra=10)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    _only_left(out, kept=_names("j", 30), left=_names("h", 10))


def test_jobs_on_an_untied_campaigns_exit_leave_it_however_few() -> None:
    # five heavy jobs and three thin ones among a 30-account campaign with nothing shared
    # but the exit: each job sends like the other jobs, so the exit's leave-one-out test
    # kept them, and five are no crowd of their own (held-out world 3058's shape); the
    # thin jobs send more like the jobs than like the campaign and go with them
    accounts, ids, patterns, extraction, uses = _world(jobs=5, thin=3)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    jobs = _names("j", 5) + _names("t", 3)
    assert _exit_members(crowd.identifiers) == sorted(_names("h", 30) + jobs)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    _only_left(out, kept=_names("h", 30), left=jobs)


def test_paraphrasing_accounts_beside_a_campaign_stay_in_its_crowd() -> None:
    # 30 of a campaign's 40 accounts each on a paraphrase of its own, ten on its wrapper
    # W: W leads, and the paraphrasing accounts are unlike those ten, but what they send
    # besides is nobody else's, so they are no second population: everyone stays
    accounts, ids, patterns, extraction, uses = _world(hydra=10, jobs=0)
    cfg = LinkConfig()
    para = _names("p", 30)
    accounts = _with_heavy(accounts, para)
    pairs = (("ip", "exit"), ("payment", "card-{}"))
    ids = pl.concat(
        [
            ids,
            pl.DataFrame(
                [(a, f, v.format(a)) for a in para for f, v in pairs],
                schema=ids.schema,
                orient="row",
            ),
        ]
    )
    mine = pl.DataFrame({"account": para, "value": [f"P{a}" for a in para], "n": [60] * 30})
    uses = pl.concat([uses, mine.cast(uses.schema)])  # type: ignore[arg-type]
    own = mine.select("value", "n", pl.col("n").alias("ext"))
    extraction = pl.concat([extraction, own.cast(extraction.schema)])  # type: ignore[arg-type]
    crowd = crowded(ids, accounts, cfg)
    everyone = sorted(_names("h", 10) + para)
    assert _exit_members(crowd.identifiers) == everyone
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert _exit_members(out.identifiers) == everyone
    assert out.unlike.is_empty()


def test_thin_jobs_go_to_the_crowd_they_send_more_like() -> None:
    # the campaign on one card is the exit's reference; three jobs of ten requests,
    # four on R, are no evidence against it on their own (-4.0 nats, not beyond 4.6)
    # but send more like the other jobs than like it
    accounts, ids, patterns, extraction, uses = _world(jobs=40, tie="card", thin=3)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    jobs = _names("j", 40) + _names("t", 3)
    assert _exit_members(out.identifiers) == _names("h", 30)
    assert sorted(out.apart["account"]) == jobs
    assert sorted(out.unlike["account"]) == jobs
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert ip.filter(pl.col("a") == "j00")["b"].sort().to_list() == jobs[1:]


@pytest.mark.parametrize("tie", ["card", "email"])
def test_with_a_tied_campaign_the_jobs_are_weighed_against_it(tie: str) -> None:
    accounts, ids, patterns, extraction, uses = _world(tie=tie)
    cfg = LinkConfig()
    out = unlike_members(
        crowded(ids, accounts, cfg), accounts, cfg, extraction, _uses(uses), patterns
    )
    assert _exit_members(out.identifiers) == _names("h", 30)
    assert sorted(out.apart["account"]) == _names("j", 30)


def test_a_crowd_of_its_own_leaves_the_exits_where_the_campaign_is_too_few_for_a_core() -> None:
    # two of the campaign's accounts also behind a second exit with all 40 jobs: too few
    # to be its core there, and the jobs were that exit's crowd with them (world 2855)
    accounts, ids, patterns, extraction, uses = _world(jobs=40, tie="card")
    jobs = _names("j", 40)
    second = pl.DataFrame(
        [(a, "ip", "exit 2") for a in ["h00", "h01", *jobs, *LIGHT[40:80]]],
        schema=["account", "family", "value"],
        orient="row",
    )
    ids = pl.concat([ids, second])
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    on_second = crowd.identifiers.filter(pl.col("value") == "exit 2")
    assert sorted(on_second["account"]) == ["h00", "h01", *jobs]
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    kept = out.identifiers.filter(pl.col("family") == "crowded_ip")
    assert sorted(kept.filter(pl.col("value") == "exit 2")["account"]) == ["h00", "h01"]
    # weighed there against every account on the campaign's card (its two there are too
    # few for a core), the jobs are a crowd of their own behind both exits
    assert sorted(out.apart["account"]) == sorted(jobs * 2)
    assert set(out.apart["value"]) == {"exit", "exit 2"}
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    assert not ip.filter(pl.col("a").str.starts_with("h") & pl.col("b").str.starts_with("j")).height


def test_thin_jobs_leave_a_tied_campaigns_exit_with_jobs_too_few_for_a_crowd() -> None:
    # the campaign on one card is the exit's reference; five jobs unlike it leave, too
    # few for a crowd of their own, but alike on R, which no campaign account sends: a
    # second population, and the three thin jobs (-4.0 nats against the campaign, not
    # beyond 4.6) send more like it and go with it (held-out world 3167: 3 of 26 jobs on
    # a hydra's pool stayed, and 32 thin ones joined the pool by their wrappers)
    accounts, ids, patterns, extraction, uses = _world(jobs=5, tie="card", thin=3)
    cfg = LinkConfig()
    out = unlike_members(
        crowded(ids, accounts, cfg), accounts, cfg, extraction, _uses(uses), patterns
    )
    _only_left(out, kept=_names("h", 30), left=_names("j", 5) + _names("t", 3))


def test_thin_jobs_of_a_pool_leave_a_tied_campaigns_exit() -> None:
    # the jobs rotate through a pool of their own (the campaign is not on it) and share
    # the campaign's exit; tested on the pool, not on the exit. The forty that send
    # enough are unlike the campaign's core at the exit: a crowd of their own there.
    # The three thin ones (-4.0 nats against the core) are heavy on R alone, which no
    # core account sends (:mod:`extractscan.link.own_wrappers`), and send like the
    # forty: they are of that crowd (held-out world 3521: 14 thin jobs stayed behind a
    # hydra's exits and tied 145 jobs to its critical incident), and like the forty
    # they leave every other value's crowd, their pool's too
    accounts, ids, patterns, extraction, uses = _world(jobs=40, tie="card", thin=3)
    cfg = LinkConfig()
    thin = _names("t", 3)
    crowd = _pooled(crowded(ids, accounts, cfg), _names("j", 40) + thin)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert _exit_members(out.identifiers) == _names("h", 30)
    assert sorted(out.apart["account"]) == _names("j", 40) + thin
    left = out.unlike.filter(pl.col("account").is_in(thin)).sort("account", "family")
    pool = "P and 1 more subnet"
    assert left.rows() == [
        (t, f, v) for t in thin for f, v in [("crowded_ip", "exit"), ("crowded_pool", pool)]
    ]
    ip = out.evidence.filter(pl.col("family") == "crowded_ip")
    mixed = pl.col("a").str.starts_with("h") & ~pl.col("b").str.starts_with("h")
    assert not ip.filter(mixed).height
    # with the thin jobs alone in a pool of their own (the forty on the exit only) the
    # same: before their own wrappers were weighed, they stayed behind the exit
    crowd = _pooled(crowded(ids, accounts, cfg), thin)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert _exit_members(out.identifiers) == _names("h", 30)
    assert sorted(out.apart["account"]) == _names("j", 40) + thin


def test_a_pools_accounts_unlike_another_crowd_behind_its_value_leave_it() -> None:
    # two accounts of a campaign's proxy pool behind a cloud exit of 30 CI jobs: unlike
    # the jobs, too few for a crowd or a second population there. Unpooled they stay
    # (never out merely for being unlike); pooled they have a crowd of their own, the
    # pool, and leave the jobs' exit. Before, a pool's accounts were tested on the pool
    # alone, so they stayed and tied the jobs to the campaign (held-out world 4510 at
    # 4x: 448 jobs in an identifier-free campaign's critical incident)
    accounts, ids, patterns, extraction, uses = _world(hydra=2)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    both = _names("h", 2) + _names("j", 30)
    assert _exit_members(crowd.identifiers) == both
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    assert _exit_members(out.identifiers) == both
    crowd = _pooled(crowd, _names("h", 2))
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    _only_left(out, kept=_names("j", 30), left=_names("h", 2))
    pool = out.identifiers.filter(pl.col("family") == "crowded_pool")
    assert sorted(pool["account"]) == _names("h", 2)  # still linked by their pool


def test_behind_a_value_with_a_tied_core_the_core_is_the_reference_not_the_jobs() -> None:
    # three of the campaign's accounts off its card (g00-g02, sending its W) and two on
    # it behind a second exit that the forty jobs fill: unlike the jobs, who are most of
    # the exit's heavy accounts, but like the campaign's core (every account on its
    # card, its two there too few for one), so they stay and the jobs leave (held-out
    # world 3521: a hydra's three accounts behind a subnet the jobs filled were out)
    accounts, ids, patterns, extraction, uses = _world(jobs=40, tie="card")
    jobs, off = _names("j", 40), _names("g", 3)
    accounts = _with_heavy(accounts, off)
    second = pl.DataFrame(
        [(a, "ip", "exit 2") for a in ["h00", "h01", *off, *jobs, *LIGHT[40:80]]]
        + [(a, "payment", f"card-{a}") for a in off],
        schema=["account", "family", "value"],
        orient="row",
    )
    ids = pl.concat([ids, second])
    uses = pl.concat(
        [uses, pl.DataFrame({"account": off, "value": "W", "n": 40}, schema=uses.schema)]
    )
    extraction = extraction.with_columns(
        pl.when(pl.col("value") == "W").then(pl.col("n") + 120).otherwise("n").alias("n"),
        pl.when(pl.col("value") == "W").then(pl.col("ext") + 120).otherwise("ext").alias("ext"),
    )
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    on_second = crowd.identifiers.filter(pl.col("value") == "exit 2")
    assert sorted(on_second["account"]) == sorted(["h00", "h01", *off, *jobs])
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    kept = out.identifiers.filter(pl.col("value") == "exit 2")
    assert sorted(kept["account"]) == ["g00", "g01", "g02", "h00", "h01"]


def _taken_out(jobs: int, thin: int) -> tuple[Crowded, pl.DataFrame, pl.DataFrame, TemplateUses]:
    """``jobs`` CI jobs (100 requests, 60 on R) and ``thin`` accounts of ten requests,
    two on a wrapper of their own (a campaign's paraphrasing accounts), behind one exit
    with 40 ordinary accounts: the crowd, the accounts, the extraction counts and the
    wrapper uses."""
    j, p = _names("j", jobs), _names("p", thin)
    accounts = pl.DataFrame(
        {
            "account": j + p + LIGHT,
            "extraction_share": [0.8] * jobs + [0.9] * thin + [0.05] * 300,
            "prompts_measured": [100] * jobs + [10] * thin + [20] * 300,
            "exchanges": [100] * jobs + [10] * thin + [20] * 300,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    ids = pl.DataFrame(
        [(a, "ip", "exit") for a in j + p + LIGHT[:40]],
        schema=["account", "family", "value"],
        orient="row",
    )
    uses = pl.DataFrame(
        {
            "account": j + p,
            "value": ["R"] * jobs + [f"W{a}" for a in p],
            "n": [60] * jobs + [2] * thin,
        },
        schema_overrides={"n": pl.UInt32},
    )
    per = uses.group_by("value").agg(pl.col("n").sum().alias("n"))
    extraction = per.with_columns(pl.col("n").alias("ext")).vstack(
        pl.DataFrame(
            {"value": ["E"], "n": [5000], "ext": [0]}, schema=per.schema | {"ext": pl.UInt32}
        )
    )
    return crowded(ids, accounts, LinkConfig()), accounts, extraction, _uses(uses)


def test_a_crowd_apart_is_those_that_send_alike_not_those_unlike_nobody() -> None:
    # taken out of the exit's crowd: twenty jobs alike on R (+470 nats each among those
    # taken out) and twenty thin accounts each on a wrapper of its own (-5.7 nats with
    # the jobs, -2.5 among themselves: no evidence for sending alike, none against)
    crowd, accounts, extraction, uses = _taken_out(20, 20)
    cfg = LinkConfig()
    out = crowd.identifiers.filter(pl.col("family") == "crowded_ip").select(
        "account", "family", "value"
    )
    jobs, thin = (
        out.filter(pl.col("account").str.starts_with("j")),
        out.filter(pl.col("account").str.starts_with("p")),
    )
    assert (jobs.height, thin.height) == (20, 20)
    apart = apart_members(crowd, out, accounts, cfg, extraction, uses)
    assert sorted(apart["account"]) == _names("j", 20)
    alone = apart_members(crowd, jobs, accounts, cfg, extraction, uses)
    assert alone.equals(apart)
    # the thin accounts alone are no crowd of their own (world 3782: a hydra's thin,
    # paraphrasing accounts were one behind 31 of its exits, with jobs behind 13)
    assert apart_members(crowd, thin, accounts, cfg, extraction, uses).is_empty()
