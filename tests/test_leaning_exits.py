"""Exits too common to pair whose accounts lean to extraction together and send like the
exit's crowd (link/leaning_exits): a hydra's thin accounts are linked, a proxy
service's customers and companies' CI jobs behind the same exits are not."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.leaning_cards import crowded
from extractscan.link.leaning_exits import LEANING_EXIT, leaning_exits, unlike_members
from extractscan.model.families import FAMILIES

CFG = LinkConfig()  # max_accounts_per_value["network"] = 16

HYDRA = [f"h{i:02d}" for i in range(30)]  # 15 % extraction-style, 30 of 200 on W
CUSTOMERS = [f"p{i}" for i in range(5)]  # 15 % too, every request on ordinary templates
JOBS = [f"j{i}" for i in range(10)]  # a company's jobs: 15 %, 100 of 200 on their own J
KEPT = [f"k{i}" for i in range(5)]  # heavy accounts of the hydra: the crowded test's
ORDINARY = [f"u{i:03d}" for i in range(500)]  # 5 %, 100 requests, behind no tested exit


def _world(
    jobs: bool = False, kept: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(accounts, ids, extraction, uses): the hydra's accounts, the customers (and the
    jobs, and the heavy accounts) behind exits e1 and e2, h29 behind e1 only; 500
    ordinary accounts on exits of their own."""
    behind = [*HYDRA, *CUSTOMERS, *(JOBS if jobs else []), *(KEPT if kept else [])]
    everyone = [*behind, *ORDINARY]
    share = {**dict.fromkeys(behind, 0.15), **dict.fromkeys(KEPT, 0.8)}
    measured = {**dict.fromkeys(behind, 200), **dict.fromkeys(ORDINARY, 100)}
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": [share.get(a, 0.05) for a in everyone],
            "prompts_measured": [measured[a] for a in everyone],
            "exchanges": [measured[a] for a in everyone],
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    rows = [(a, "e1") for a in behind] + [(a, "e2") for a in behind if a != "h29"]
    rows += [(u, f"own{u}") for u in ORDINARY]
    ids = pl.DataFrame(
        {"account": [r[0] for r in rows], "family": "ip", "value": [r[1] for r in rows]}
    )
    uses = pl.DataFrame(
        [(h, "W", 30) for h in HYDRA]
        + [(h, "O", 170) for h in HYDRA]
        + [(p, "O", 200) for p in CUSTOMERS]
        + [(j, "J", 100) for j in JOBS]
        + [(j, "O", 100) for j in JOBS]
        + [(k, "W", 160) for k in KEPT]
        + [(k, "O", 40) for k in KEPT]
        + [(u, "O", 100) for u in ORDINARY],
        schema={"account": pl.String, "value": pl.String, "n": pl.UInt32},
        orient="row",
    )
    # extraction-style: half of W, 30 % of J (code review), 5 % of O
    totals = uses.group_by("value").agg(pl.col("n").sum()).sort("value")
    part = pl.col("value").replace_strict({"W": 0.5, "J": 0.3, "O": 0.05})
    extraction = totals.with_columns((pl.col("n") * part).cast(pl.Int64).alias("ext"))
    return accounts, ids, extraction, uses


def _uses(table: pl.DataFrame):  # type: ignore[no-untyped-def]
    def uses(values: pl.DataFrame) -> pl.DataFrame:
        return table.join(values, on="value", how="semi")

    return uses


def _linked(accounts: pl.DataFrame, ids: pl.DataFrame, extraction, uses):  # type: ignore[no-untyped-def]
    crowd = crowded(ids, accounts, CFG)
    out = leaning_exits(crowd, accounts, CFG, extraction, _uses(uses))
    return crowd, out


def test_the_hydras_accounts_are_linked_and_the_customers_are_not() -> None:
    accounts, ids, extraction, uses = _world()
    crowd, out = _linked(accounts, ids, extraction, uses)
    # nobody is heavy: the crowded test links no one; both exits tested and significant
    assert crowd.identifiers.is_empty()
    tested = crowd.leaning
    assert sorted(tested["value"].unique()) == ["e1", "e2"]
    assert tested.filter(~pl.col("leans")).is_empty()  # 15 % > 5 %, 200 prompts each
    assert tested["significant"].all() and set(tested["measured"]) == {35, 34}
    ev = out.evidence.filter(pl.col("family") == LEANING_EXIT)
    # h29 leans behind one exit only: not a pool's rotation, weighed among the others
    # there alone (no crowd kept there to join), and the hydra is most of the exit
    assert ev.select("a", "b").rows() == [("h00", h) for h in HYDRA[1:]]
    assert ev.filter(pl.col("b") == "h29")["shared_values"].to_list() == [1]
    assert set(ev.filter(pl.col("b") != "h29")["shared_values"]) == {2}
    # min_df: the fewest measured accounts behind the exits a pair shares (35 on e1)
    assert ev.filter(pl.col("b") == "h29")["min_df"].to_list() == [35]
    assert set(ev.filter(pl.col("b") != "h29")["min_df"]) == {34}
    named = out.identifiers.filter(pl.col("family") == LEANING_EXIT)
    assert sorted(set(named["account"])) == HYDRA
    assert named.height == 59  # each behind both exits, h29 behind e1


def test_two_populations_behind_the_exits_are_two_crowds() -> None:
    # without heavy accounts behind the exits, the hydra and a company's jobs both lean
    # there: the accounts whose most sent leaning template is the one most of them send
    # most (W) are the first crowd, the jobs (J) the second; two stars, never one
    accounts, ids, extraction, uses = _world(jobs=True)
    _, out = _linked(accounts, ids, extraction, uses)
    ev = out.evidence.filter(pl.col("family") == LEANING_EXIT)
    hydra = [("h00", h) for h in HYDRA[1:]]
    assert ev.select("a", "b").rows() == hydra + [("j0", j) for j in JOBS[1:]]
    # with the hydra's heavy accounts kept by the crowded test, the hydra's thin accounts
    # send like them and join their star; the jobs do not, and are a crowd of their own.
    # h29, behind one exit, is weighed among the others there alone: the jobs' crowd
    # leads there and it is too few for one of its own
    accounts, ids, extraction, uses = _world(jobs=True, kept=True)
    crowd, out = _linked(accounts, ids, extraction, uses)
    assert set(crowd.identifiers["account"]) == set(KEPT)
    ev = out.evidence.filter(pl.col("family") == LEANING_EXIT)
    assert ev.select("a", "b").rows() == [("j0", j) for j in JOBS[1:]] + [
        ("k0", h) for h in HYDRA[:29]
    ]
    assert out.identifiers.filter(pl.col("family") != LEANING_EXIT).equals(crowd.identifiers)
    named = out.identifiers.filter(pl.col("family") == LEANING_EXIT)
    assert not set(named["account"]) & set(CUSTOMERS)


def test_nothing_is_added_without_counts_or_candidates() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = crowded(ids, accounts, CFG)
    assert leaning_exits(crowd, accounts, CFG, None, _uses(uses)) is crowd
    assert leaning_exits(crowd, accounts, CFG, extraction, None) is crowd
    # every leaning account already linked by something crowded: nothing to test
    linked = crowd.leaning.select("account", pl.lit("crowded_ip").alias("family"), "value")
    done = replace(crowd, identifiers=linked)
    assert leaning_exits(done, accounts, CFG, extraction, _uses(uses)) is done
    # extraction-heavy accounts the crowded test took out are its: not tested here
    share = pl.col("extraction_share")
    heavy = accounts.with_columns(
        pl.when(share > 0.1).then(0.9).otherwise(share).alias(share.meta.output_name())
    )
    again = crowded(ids, heavy, CFG)
    assert again.leaning["leans"].all() and again.leaning["significant"].all()
    out_of_it = again.identifiers.select("account", "family", "value")
    unlinked = replace(again, identifiers=again.identifiers.head(0), unlike=out_of_it)
    assert leaning_exits(unlinked, heavy, CFG, extraction, _uses(uses)) is unlinked


def test_heavy_accounts_no_crowd_weighed_are_weighed_as_the_others() -> None:
    """Held-out world 3989 at 4x: a log whose heavy rate is 0.40 (two campaigns of
    thousands) leaves 8 heavy accounts of a 56-account hydra on its one exit short of a
    crowd; nothing else weighs them, so the leaning test weighs them with the others."""
    accounts, ids, extraction, uses = _world()
    share = pl.col("extraction_share")
    heavy = accounts.with_columns(
        pl.when(pl.col("account").is_in([*HYDRA[:5], *ORDINARY[:300]]))
        .then(0.9)
        .otherwise(share)
        .alias(share.meta.output_name())
    )
    crowd = crowded(ids, heavy, CFG)
    # 5 heavy of 35 behind e1 and e2, at the log's rate of 305 in 535: no crowd
    assert crowd.identifiers.is_empty() and not crowd.values["significant"].any()
    out = leaning_exits(crowd, heavy, CFG, extraction, _uses(uses))
    named = out.identifiers.filter(pl.col("family") == LEANING_EXIT)
    assert sorted(set(named["account"])) == HYDRA


def test_the_wrapper_runs_the_unlike_test_first_and_the_family_is_an_address() -> None:
    accounts, ids, extraction, uses = _world()
    crowd = crowded(ids, accounts, CFG)
    out = unlike_members(crowd, accounts, CFG, extraction, _uses(uses))
    assert out.evidence.equals(
        leaning_exits(crowd, accounts, CFG, extraction, _uses(uses)).evidence
    )
    family = FAMILIES[LEANING_EXIT]
    assert family.decisive and family.kind == "ip"
    from extractscan.assess.benign import ADDRESS_FAMILIES

    assert LEANING_EXIT in ADDRESS_FAMILIES


LONE = [f"c{i:02d}" for i in range(20)]


def _behind_one_exit(
    ordinary: int, light: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(accounts, ids, uses) of :func:`_world` with twenty more accounts (:data:`LONE`)
    that lean like the hydra (30 of 200 on W) behind one exit, e3, shared with
    ``ordinary`` of the ordinary accounts (who then use it instead of their own; with
    ``light``, each with two requests: too few to be measured)."""
    accounts, ids, extraction, uses = _world()
    if light:
        few = pl.col("account").is_in(ORDINARY[:ordinary])
        accounts = accounts.with_columns(
            pl.when(few).then(2).otherwise(pl.col(c)).cast(pl.UInt32).alias(c)
            for c in ("prompts_measured", "exchanges")
        )
    lone = LONE
    moved = ORDINARY[:ordinary]
    more = pl.DataFrame(
        {
            "account": lone,
            "extraction_share": 0.15,
            "prompts_measured": 200,
            "exchanges": 200,
        },
        schema=accounts.schema,
    )
    ids = ids.filter(~pl.col("account").is_in(moved))
    e3 = pl.DataFrame({"account": [*lone, *moved], "family": "ip", "value": "e3"})
    lone_uses = pl.DataFrame(
        [(c, "W", 30) for c in lone] + [(c, "O", 170) for c in lone],
        schema=uses.schema,
        orient="row",
    )
    return pl.concat([accounts, more]), pl.concat([ids, e3]), pl.concat([uses, lone_uses])


def test_accounts_behind_one_exit_only_are_linked_where_they_are_most_of_it() -> None:
    # twenty accounts that lean like the hydra behind one exit each, e3: with six
    # ordinary accounts there a significant exit, and a crowd among themselves (no crowd
    # kept there to join); with 24 the exit is no longer mostly theirs and not tested
    for ordinary, significant in [(6, True), (24, False)]:
        accounts, ids, uses = _behind_one_exit(ordinary)
        totals = uses.group_by("value").agg(pl.col("n").sum()).sort("value")
        part = pl.col("value").replace_strict({"W": 0.5, "J": 0.3, "O": 0.05})
        extraction = totals.with_columns((pl.col("n") * part).cast(pl.Int64).alias("ext"))
        crowd, out = _linked(accounts, ids, extraction, uses)
        e3 = crowd.leaning.filter(pl.col("value") == "e3")
        assert set(e3.filter("leans")["account"]) == set(LONE)
        assert e3["significant"].to_list() == [significant] * (20 + ordinary)
        named = out.identifiers.filter(
            (pl.col("family") == LEANING_EXIT) & (pl.col("value") == "e3")
        )
        assert sorted(named["account"]) == (LONE if significant else [])
        ev = out.evidence.filter(pl.col("a") == "c00")
        assert ev["b"].to_list() == (LONE[1:] if significant else [])


def test_accounts_behind_one_exit_only_are_no_slice_of_its_light_accounts() -> None:
    # the same twenty behind e3 with 24 accounts of two requests each: the exit is still
    # significant (most of its measured accounts lean), but the twenty are no longer
    # most of its accounts, and they have no other exit to tie them (held-out world
    # 3737: four students of a class behind their campus's exit of 31, 7 measured)
    accounts, ids, uses = _behind_one_exit(24, light=True)
    totals = uses.group_by("value").agg(pl.col("n").sum()).sort("value")
    part = pl.col("value").replace_strict({"W": 0.5, "J": 0.3, "O": 0.05})
    extraction = totals.with_columns((pl.col("n") * part).cast(pl.Int64).alias("ext"))
    crowd, out = _linked(accounts, ids, extraction, uses)
    e3 = crowd.leaning.filter(pl.col("value") == "e3")
    assert e3.height == 44 and e3["significant"].all() and set(e3["measured"]) == {20}
    assert out.identifiers.filter(pl.col("value") == "e3").is_empty()
    # the hydra behind e1 and e2 as before
    named = out.identifiers.filter(pl.col("family") == LEANING_EXIT)
    assert sorted(set(named["account"])) == HYDRA


def test_a_crowd_no_template_leads_is_weighed_as_one() -> None:
    """Held-out world 3989: a 14-account hydra on one exit, 38 % of its wrappers
    paraphrased, has no template that three of its accounts send most; its accounts are
    weighed against one another, and linked as the exit's crowd."""
    accounts, ids, extraction, uses = _world()
    few = [f"q{i}" for i in range(10)]
    more = pl.DataFrame(
        {"account": few, "extraction_share": 0.15, "prompts_measured": 200, "exchanges": 200},
        schema=accounts.schema,
    )
    own = pl.DataFrame(  # each its own most sent wrapper, and the shared W beside it
        [(q, f"W{i}", 18) for i, q in enumerate(few)]
        + [(q, "W", 12) for q in few]
        + [(q, "O", 170) for q in few],
        schema=uses.schema,
        orient="row",
    )
    uses = pl.concat([uses, own])
    totals = uses.group_by("value").agg(pl.col("n").sum()).sort("value")
    part = pl.when(pl.col("value") == "O").then(0.05).when(pl.col("value") == "J").then(0.3)
    extraction = totals.with_columns(
        (pl.col("n") * part.otherwise(0.5)).cast(pl.Int64).alias("ext")
    )
    e4 = pl.DataFrame({"account": few, "family": "ip", "value": "e4"})
    crowd, out = _linked(pl.concat([accounts, more]), pl.concat([ids, e4]), extraction, uses)
    assert crowd.leaning.filter(pl.col("value") == "e4")["significant"].all()
    named = out.identifiers.filter(pl.col("value") == "e4")
    assert sorted(named["account"]) == few
