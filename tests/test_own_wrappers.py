"""Heavy accounts behind a tied core whose extraction requests are on wrappers of their
own: exact verdicts on tiny tables (extractscan.link.own_wrappers), and thin jobs beside
a tied campaign taken out of its exit (through extractscan.link.unlike.unlike_members)."""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import crowded
from extractscan.link.own_wrappers import own_wrappers
from extractscan.link.unlike import unlike_members
from tests.test_two_crowds import _exit_members, _names, _only_left, _uses, _world


def _rows(pairs: list[tuple[str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(a, "crowded_ip", v) for a, v in pairs],
        schema=["account", "family", "value"],
        orient="row",
    )


def _core_uses(strays: int) -> pl.DataFrame:
    """a and b send 100 requests on W, c ``100 - strays`` on W and ``strays`` on C, a
    wrapper no other core account sends; d 5 on R, f 3 on W and 1 on R, g 2 on R, h 1
    on R, k (behind another exit) 50 on R."""
    return pl.DataFrame(
        {
            "account": ["a", "b", "c", "c", "d", "f", "f", "g", "h", "k"],
            "value": ["W", "W", "W", "C", "R", "W", "R", "R", "R", "R"],
            "n": [100, 100, 100 - strays, strays, 5, 3, 1, 2, 1, 50],
        },
        schema_overrides={"n": pl.UInt32},
    )


def test_the_accounts_heavy_on_wrappers_of_their_own_beyond_the_bound_are_out() -> None:
    # the core a, b, c behind exit X strays from the others' wrappers on 4 of its 300
    # requests: p = 0.0338 at the upper Wilson bound. d's 5 requests on R, none on W:
    # 5 ln(1 / p) = 16.9 nats; g's 2: 6.8; h's 1: 3.4; f's 3 on W and 1 on R:
    # 4 KL(0.75 || 1 - p) = 1.2. The bound is ln(1 / 0.01) = 4.6 nats.
    reference = _rows([("a", "X"), ("b", "X"), ("c", "X")])
    tested = _rows([("d", "X"), ("f", "X"), ("g", "X"), ("h", "X"), ("k", "Y")])
    extraction = pl.DataFrame(
        {"value": ["W", "C", "R", "E"], "n": [1000, 100, 100, 5000], "ext": [1000, 100, 100, 0]},
        schema_overrides={"n": pl.UInt32, "ext": pl.UInt32},
    )
    cfg = LinkConfig()
    out = own_wrappers(reference, tested, cfg, extraction, _uses(_core_uses(4)))
    # k is behind Y, where no core is: not weighed
    assert out.rows() == [("d", "crowded_ip", "X"), ("g", "crowded_ip", "X")]
    bound = -math.log(cfg.crowded_unlike_alpha)
    p = 0.03377553
    assert 2 * math.log(1 / p) > bound > math.log(1 / p)
    # a core that strays on 40 of its requests (p = 0.176): g's 2 requests are 3.5 nats
    # and it stays; d's 5 are 8.7
    again = own_wrappers(reference, tested, cfg, extraction, _uses(_core_uses(40)))
    assert again["account"].to_list() == ["d"]
    # without extraction wrappers, or without tested accounts outside the core: nothing
    none = extraction.with_columns(pl.lit(0, dtype=pl.UInt32).alias("ext"))
    assert own_wrappers(reference, tested, cfg, none, _uses(_core_uses(4))).is_empty()
    assert own_wrappers(reference, reference, cfg, extraction, _uses(_core_uses(4))).is_empty()


def test_thin_jobs_alone_beside_a_tied_campaign_leave_its_exit() -> None:
    # three jobs of ten requests, four on the review tool's R, behind a campaign's exit
    # whose 30 accounts share a card: against the campaign they are at -4.0 nats, not
    # beyond 4.6, and no second population takes them (too few); every extraction
    # request they send is on R, which no campaign account sends (stress world 5214:
    # three jobs of 13-16 requests in an aged hydra's critical incident)
    accounts, ids, patterns, extraction, uses = _world(jobs=0, tie="card", thin=3)
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert _exit_members(crowd.identifiers) == _names("h", 30) + _names("t", 3)
    out = unlike_members(crowd, accounts, cfg, extraction, _uses(uses), patterns)
    _only_left(out, kept=_names("h", 30), left=_names("t", 3))


def test_a_campaigns_thin_accounts_that_paraphrase_at_its_rate_stay() -> None:
    # the campaign's accounts each send W and one paraphrase of their own (p about 1/21);
    # three thin accounts off its card send 3 on W and 1 paraphrase each: 0.5 nats
    accounts, ids, patterns, extraction, uses = _world(jobs=0, tie="card", thin=3)
    hydra, thin = _names("h", 30), _names("t", 3)
    own = pl.DataFrame(
        {"account": hydra, "value": [f"P{a}" for a in hydra], "n": 2}, schema=uses.schema
    )
    theirs = pl.DataFrame(
        {
            "account": thin + thin,
            "value": ["W"] * 3 + [f"P{a}" for a in thin],
            "n": [3] * 3 + [1] * 3,
        },
        schema=uses.schema,
    )
    uses = pl.concat([uses.filter(~pl.col("account").is_in(thin)), own, theirs])
    extraction = pl.concat(
        [
            extraction.filter(pl.col("value") != "R"),
            pl.DataFrame(
                {"value": [f"P{a}" for a in hydra + thin], "n": 100, "ext": 100},
                schema=extraction.schema,
            ),
        ]
    )
    cfg = LinkConfig()
    out = unlike_members(
        crowded(ids, accounts, cfg), accounts, cfg, extraction, _uses(uses), patterns
    )
    assert _exit_members(out.identifiers) == hydra + thin
