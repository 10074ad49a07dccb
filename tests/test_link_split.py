"""The link stage split in two threads (template clusters beside the other pairs) gives
exactly what one step after another gives: pairs, link result, template identifiers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import polars as pl
import pytest

import extractscan
import extractscan.link as link_mod
from extractscan.config.settings import LinkConfig
from extractscan.link import grouping
from extractscan.link import pairs as pairs_mod
from extractscan.link.coactivity import CoActivity
from extractscan.link.coincidence import co_rows
from extractscan.link.identifiers import (
    LabelledLater,
    WrapperUses,
    chosen_templates,
    labelled_templates,
    numbered_templates,
    numbered_uses,
    template_cells,
    template_identifiers,
)
from extractscan.link.pairs import (
    candidate_pairs,
    finish,
    late_rows,
    late_values,
    pair_evidence,
    prepare,
    shared_bins,
)
from extractscan.link.weights import weigh_values
from extractscan.run import pipeline
from tests.conftest import campaign_frames


def _world(seed: int) -> tuple[pl.DataFrame, pl.DataFrame, CoActivity]:
    """Random identifiers (cards, exits, user agents, templates) and co-activity bins of
    60 accounts: a crowd sharing a few of each, and loners."""
    rnd = random.Random(seed)
    rows: list[tuple[str, str, str]] = []
    for i in range(60):
        a = f"a{i:02d}"
        rows.append((a, "payment", f"card{rnd.randrange(20)}"))
        rows.extend((a, "ip", f"10.0.0.{rnd.randrange(25)}") for _ in range(rnd.randrange(1, 4)))
        rows.append((a, "user_agent", f"ua{rnd.randrange(6)}"))
    base = pl.DataFrame(rows, schema=["account", "family", "value"], orient="row").unique()
    tmpl = pl.DataFrame(
        [
            (f"a{i:02d}", "template", f"wrapper {rnd.randrange(8)}")
            for i in range(60)
            for _ in range(rnd.randrange(0, 3))
        ],
        schema=["account", "family", "value"],
        orient="row",
    ).unique()
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    bins = pl.DataFrame(
        {
            "account": [f"a{rnd.randrange(60):02d}" for _ in range(400)],
            "tkey": [rnd.randrange(3) for _ in range(400)],
            "minute_bin": [t0 + timedelta(minutes=5 * rnd.randrange(12)) for _ in range(400)],
        },
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
    ).unique()
    texts = pl.DataFrame(
        {"tkey": [0, 1, 2], "template": ["solve #", "grade #", "rate #"]},
        schema={"tkey": pl.UInt64, "template": pl.String},
    )
    return base, tmpl, CoActivity(bins, texts, 60)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("grouped", [True, False])
def test_templates_added_late_give_the_same_pairs(seed: int, grouped: bool) -> None:
    base, tmpl, co = _world(seed)
    cfg = LinkConfig(max_accounts_per_value={"payment": 30, "network": 30})
    ids = pl.concat([base, tmpl])
    with pytest.MonkeyPatch.context() as mp:
        if not grouped:
            mp.setattr(pairs_mod, "anchor_groups", lambda pairs: None)
        want = candidate_pairs(ids, weigh_values(ids, 60, cfg), co, cfg)
        prep = prepare(base, weigh_values(base, 60, cfg), co, cfg)
        values = late_values(prep, weigh_values(tmpl, 60, cfg))
        got = finish(prep, values, late_rows(prep, values, tmpl))
    assert got.rows() == want.rows()
    assert "template" in set(got["family"]) and "co_activity" in set(got["family"])
    assert len(set(got["family"])) >= 4
    # the co-activity rows chance is counted on, known before the templates are added
    co_got = got.filter(pl.col("family") == "co_activity").select("a", "b", "shared_values")
    assert sorted(co_rows(prep).rows()) == sorted(co_got.rows())


def test_late_families_must_support_and_be_numbered() -> None:
    base, tmpl, co = _world(1)
    cfg = LinkConfig()
    prep = prepare(base, weigh_values(base, 60, cfg), co, cfg)
    with pytest.raises(ValueError, match="support families"):
        late_values(prep, weigh_values(base, 60, cfg))  # payment and ip make pairs
    values = late_values(prep, weigh_values(tmpl, 60, cfg))
    stranger = tmpl.with_columns(pl.lit("zz").alias("account"))
    with pytest.raises(ValueError, match="did not number"):
        late_rows(prep, values, stranger)


def test_numbered_templates_are_the_template_identifiers() -> None:
    names = pl.DataFrame(
        {"aid": [11, 12, 13, 14], "account": ["w", "x", "y", "z"]},
        schema={"aid": pl.UInt64, "account": pl.String},
    )
    texts = pl.DataFrame(
        {"tkey": [5, 6, 7, 8], "template": ["b", "a", "c", "d"]},
        schema={"tkey": pl.UInt64, "template": pl.String},
    )
    clusters = pl.DataFrame(
        {"tkey": [5, 6, 7, 8], "cluster": ["a", "a", "c", "a"]},
        schema={"tkey": pl.UInt64, "cluster": pl.String},
    )
    templates = pl.DataFrame(
        {
            "aid": [11, 11, 12, 13, 13, 99],
            "tkey": [5, 6, 7, 8, 7, 5],
            "n": [1, 2, 3, 4, 5, 6],
            "account": ["w", "w", "x", "y", "y", "q"],
        },
        schema={"aid": pl.UInt64, "tkey": pl.UInt64, "n": pl.UInt32, "account": pl.String},
    )
    want = template_identifiers(templates, clusters, names)
    cid = np.array([1, 1, 2, 1], dtype=np.uint32)  # per texts row: a -> 1, c -> 2
    cells = template_cells(templates, texts, names)
    got, keys = numbered_templates(cells, cid, pl.Series(["a", "c"]), names)
    assert (
        sorted(got.rows())
        == sorted(want.rows())
        == [
            ("w", "template", "a"),
            ("x", "template", "c"),
            ("y", "template", "a"),
            ("y", "template", "c"),
        ]
    )
    assert sorted(keys.tolist()) == [1, 2**32 + 2, 2 * 2**32 + 1, 2 * 2**32 + 2]
    # requests per account on chosen clusters, as joining the templates gives them
    known = SimpleNamespace(templates=templates.filter(pl.col("aid") != 99))
    for chosen in (["a"], ["c"], ["a", "c"], ["zz"]):
        values = pl.DataFrame({"value": chosen})
        want_uses = link_mod._template_uses(known, clusters, values)  # type: ignore[arg-type]
        got_uses = numbered_uses(cells, cid, pl.Series(["a", "c"]), names, values)
        assert sorted(got_uses.rows()) == sorted(want_uses.rows())
        assert got_uses.schema == want_uses.schema
    both = numbered_uses(cells, cid, pl.Series(["a", "c"]), names, pl.DataFrame({"value": ["a"]}))
    assert sorted(both.rows()) == [("w", "a", 3), ("y", "a", 4)]
    # the rows of chosen clusters, labelled from the keys: those of the whole, in order
    labels = pl.Series(["a", "c"])
    whole = labelled_templates(keys, labels, names)
    for chosen in (["a"], ["c"], ["a", "c"], ["zz"], []):
        values = pl.DataFrame({"value": chosen}, schema={"value": pl.String})
        picked = chosen_templates(keys, labels, names, values)
        assert picked.equals(whole.filter(pl.col("value").is_in(chosen)))
    assert sorted(chosen_templates(keys, labels, names, pl.DataFrame({"value": ["c"]})).rows()) == [
        ("x", "template", "c"),
        ("y", "template", "c"),
    ]
    # labelled when read: every account's rows are the whole, some accounts' a part of it
    later = LabelledLater(keys, labels, names)
    assert later.rows().equals(whole)
    for some in (["x"], ["w", "y"], ["x", "x", "nobody"], []):
        part = later.rows(pl.Series(some, dtype=pl.String))
        assert part.equals(whole.filter(pl.col("account").is_in(some)))
    assert sorted(later.rows(pl.Series(["y"])).rows()) == [
        ("y", "template", "a"),
        ("y", "template", "c"),
    ]


def test_wrapper_uses_are_counted_once_and_served_by_value() -> None:
    cells = pl.DataFrame(
        {"row": [0, 0, 1, 2, 2, 3], "t": [0, 1, 2, 3, 2, 0], "n": [1, 2, 3, 4, 5, 6]},
        schema={"row": pl.UInt32, "t": pl.UInt32, "n": pl.UInt32},
    )
    names = pl.DataFrame({"aid": [11, 12, 13, 14], "account": ["w", "x", "y", "z"]})
    cid = np.array([1, 1, 2, 3], dtype=np.uint32)  # texts 0, 1 -> a; 2 -> c; 3 -> d
    labels = pl.Series(["a", "c", "d"])
    asked: list[list[str]] = []

    def counted(values: pl.DataFrame) -> pl.DataFrame:
        asked.append(sorted(values["value"].to_list()))
        return numbered_uses(cells, cid, labels, names, values)

    uses = WrapperUses(counted, pl.DataFrame({"value": ["a", "c", "a"]}))
    for chosen in (["a", "c"], ["c"], ["a"], ["a", "a"]):
        got = uses(pl.DataFrame({"value": chosen}))
        want = numbered_uses(cells, cid, labels, names, pl.DataFrame({"value": chosen}))
        assert sorted(got.rows()) == sorted(want.rows())
    assert asked == [["a", "c"]]  # the wrappers counted once, at the first call
    assert sorted(uses(pl.DataFrame({"value": ["c"]})).rows()) == [("x", "c", 3), ("y", "c", 5)]
    # a value that is not a wrapper: counted as asked, the cache untouched
    assert sorted(uses(pl.DataFrame({"value": ["d", "a"]})).rows()) == [
        ("w", "a", 3),
        ("y", "d", 4),
        ("z", "a", 6),
    ]
    assert asked == [["a", "c"], ["a", "d"]]
    plain = WrapperUses(counted, None)
    plain(pl.DataFrame({"value": ["a"]}))
    plain(pl.DataFrame({"value": ["a"]}))
    assert asked[2:] == [["a"], ["a"]]
    assert plain.count() is None and asked[4:] == []  # nothing to count ahead
    # counted ahead (as the link stage's worker does): the first call finds them counted
    ahead = WrapperUses(counted, pl.DataFrame({"value": ["c", "a"]}))
    rows = ahead.count()
    assert rows is not None and asked[4:] == [["a", "c"]]
    assert ahead.count() is rows
    got = ahead(pl.DataFrame({"value": ["c"]}))
    assert sorted(got.rows()) == [("x", "c", 3), ("y", "c", 5)] and asked[4:] == [["a", "c"]]


def _inputs(tmp_path: Path, n_campaign: int) -> tuple[Any, pl.DataFrame, Any]:
    """The link stage's inputs from a scan of the conftest log."""
    req, acc = campaign_frames(n_campaign, 120)
    rp, ap = tmp_path / "requests.csv", tmp_path / "accounts.csv"
    req.write_csv(rp)
    acc.drop("org").write_csv(ap)
    seen: list[tuple[Any, pl.DataFrame, Any]] = []

    def keep(agg: Any, accounts: pl.DataFrame, cfg: Any) -> Any:
        seen.append((agg, accounts, cfg))
        return link_mod.link(agg, accounts, cfg)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline, "link", keep)
        extractscan.scan([rp], accounts=ap)
    return seen[0]


def test_link_in_two_threads_is_link_step_by_step(tmp_path: Path) -> None:
    agg, accounts, cfg = _inputs(tmp_path, 30)
    calls: list[bool] = []
    events: list[str] = []
    real, real_clusters = link_mod.finish, link_mod._clusters

    def spy(prep: Any, values: Any = None, rows: Any = None) -> pl.DataFrame:
        calls.append(values is not None)
        return real(prep, values, rows)

    def clusters(texts: pl.DataFrame) -> Any:
        out = real_clusters(texts)
        events.append("clusters found")
        return out

    def preload(table: pl.DataFrame, link_cfg: LinkConfig) -> None:
        events.append(f"preload {table.height}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(link_mod, "finish", spy)
        mp.setattr(link_mod, "_clusters", clusters)
        mp.setattr(link_mod, "preload", preload)
        got = link_mod.link(agg, accounts, cfg)
    assert calls == [True]  # the split path ran
    # the clustering library is imported once the template clusters no longer need the GIL
    assert events == ["clusters found", f"preload {accounts.height}"]
    with pytest.MonkeyPatch.context() as mp:
        # templates as an anchor family: the step-by-step path (candidate_pairs on all)
        mp.setattr(link_mod, "anchor_families", lambda cfg: {"template"})
        want = link_mod.link(agg, accounts, cfg)
    assert got.evidence.equals(want.evidence)
    assert got.links.equals(want.links)
    assert got.components.equals(want.components)
    assert got.identifiers.sort(pl.all()).equals(want.identifiers.sort(pl.all()))
    # the split path labels its template identifiers when read; the members' alone for
    # the report, which are the members' rows of the whole
    assert got.later is not None and want.later is None
    members = got.identifiers_of(got.components)
    assert members.height < got.identifiers.height
    member = pl.col("account").is_in(want.components["account"].implode())
    expected = want.identifiers.filter(member | (pl.col("family") != "template"))
    assert members.sort(pl.all()).equals(expected.sort(pl.all()))
    assert got.weights.sort("family", "value").equals(want.weights.sort("family", "value"))
    assert got.components.height >= 12
    assert "template" in set(got.evidence["family"])


@pytest.mark.parametrize("seed", [1, 2])
def test_graph_search_groups_are_the_spread_labels(seed: int) -> None:
    rnd = random.Random(seed)
    pairs = pl.DataFrame(
        {"aid": [rnd.randrange(300) for _ in range(250)]},
        schema={"aid": pl.UInt32},
    ).with_columns(
        ((pl.col("aid") + pl.Series([rnd.randrange(1, 9) for _ in range(250)])) % 300)
        .cast(pl.UInt32)
        .alias("bid")
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grouping, "GRAPH_MIN_PAIRS", 10**9)
        want = grouping.anchor_groups(pairs)
        mp.setattr(grouping, "GRAPH_MIN_PAIRS", 0)
        got = grouping.anchor_groups(pairs)
    assert want is not None and got is not None
    assert got.equals(want)
    assert got.schema == want.schema == pl.Schema({"aid": pl.UInt32, "group": pl.UInt32})
    assert got["group"].n_unique() > 1
    # a chain wider than the label rounds: spreading gives up, the search does not
    chain = pl.DataFrame(
        {"aid": list(range(40)), "bid": list(range(1, 41))},
        schema={"aid": pl.UInt32, "bid": pl.UInt32},
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(grouping, "GRAPH_MIN_PAIRS", 10**9)
        assert grouping.anchor_groups(chain) is None
        mp.setattr(grouping, "GRAPH_MIN_PAIRS", 0)
        wide = grouping.anchor_groups(chain)
    assert wide is not None and wide["group"].to_list() == [0] * 41


def test_shared_bins_are_the_cells_two_grouped_accounts_share() -> None:
    # bins (account key, bin key) sorted by bin; keys 10, 11, 12 in group 1 (pair
    # numbers 0-2), key 13 in group 2 (3), key 14 in no group; usable bins 100-103
    held = pl.DataFrame(
        {
            "aid": [10, 11, 13, 10, 13, 11, 12, 10, 11, 12],
            "bkey": [100, 100, 100, 101, 101, 102, 102, 103, 104, 104],
        },
        schema={"aid": pl.UInt64, "bkey": pl.UInt64},
    )
    grouped = pl.DataFrame(
        {"key": [10, 11, 12, 13], "aid": [0, 1, 2, 3], "group": [1, 1, 1, 2]},
        schema={"key": pl.UInt64, "aid": pl.UInt32, "group": pl.UInt32},
    )
    values = pl.DataFrame(
        {"bkey": [100, 101, 102, 103], "vid": [7, 5, 6, 9]},
        schema={"bkey": pl.UInt64, "vid": pl.UInt32},
    )
    got = shared_bins(held, grouped, values.lazy()).sort("vid", "aid")
    # 100: accounts 0 and 1 of group 1 (3 alone in group 2); 101: 0 and 3 in two groups;
    # 102: 1 and 2; 103: 0 alone; 104: not usable
    assert got.rows() == [(1, 6, 1), (2, 6, 1), (0, 7, 1), (1, 7, 1)]
    assert shared_bins(held.head(1), grouped, values.lazy()).is_empty()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shared_bins_keep_what_pair_evidence_keeps(seed: int) -> None:
    # every usable bin of the grouped accounts, paired within groups, gives the same
    # evidence as the cells shared_bins keeps
    rng = np.random.default_rng(seed)
    n = 4000
    bins = (
        pl.DataFrame(
            {
                "aid": rng.integers(1, 60, n).astype(np.uint64),
                "bkey": rng.integers(0, 900, n).astype(np.uint64),
            }
        )
        .unique()
        .sort("bkey", "aid")
    )
    grouped = pl.DataFrame(
        {
            "key": np.arange(1, 50, dtype=np.uint64),
            "aid": np.arange(49, dtype=np.uint32),
            "group": rng.integers(0, 6, 49).astype(np.uint32),
        }
    )
    values = pl.DataFrame(
        {"bkey": np.arange(0, 900, 2, dtype=np.uint64), "vid": np.arange(450, dtype=np.uint32)}
    )
    held = bins.filter(pl.col("aid").is_in(grouped["key"].implode()))
    every = (
        held.rename({"aid": "key"})
        .join(values, on="bkey")
        .join(grouped, on="key")
        .select("aid", "vid", "group")
    )
    kept = shared_bins(held, grouped, values.lazy())
    assert 0 < kept.height < every.height
    attrs = pl.DataFrame(
        {
            "vid": values["vid"],
            "family": "co_activity",
            "df": pl.Series([2] * values.height, dtype=pl.UInt32),
            "weight": 1.0,
            "scale": 1.0,
        }
    )
    want = pair_evidence(every, attrs, None).sort("aid", "bid")
    assert want.height
    assert pair_evidence(kept, attrs, None).sort("aid", "bid").equals(want)
