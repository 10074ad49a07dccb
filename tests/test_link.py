"""Link: rarity weights, caps, org exemption, evidence; components vs brute force."""

from __future__ import annotations

import math
import random

import polars as pl
import pytest

from extractscan.config.settings import LinkConfig
from extractscan.features.behaviour import account_key
from extractscan.features.bins import sorted_bins
from extractscan.features.identifiers import email_pattern
from extractscan.link import grouping
from extractscan.link import pairs as pairs_mod
from extractscan.link import values as values_mod
from extractscan.link.coactivity import CoActivity
from extractscan.link.decide import decide_links
from extractscan.link.grouping import anchor_groups, components, numbered_components
from extractscan.link.identifiers import template_identifiers
from extractscan.link.pairs import candidate_pairs, pair_evidence, pair_keys
from extractscan.link.weights import weigh_values


def _ids(rows: list[tuple[str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["account", "family", "value"], orient="row")


def test_email_pattern() -> None:
    df = pl.DataFrame({"e": ["Ops1042@Mail.Example", "jane.doe@uni.example", None, "x"]})
    df = pl.concat([df, pl.DataFrame({"e": ["jane.doe@gmail.com"]})])
    assert df.select(email_pattern(pl.col("e"))).to_series().to_list() == [
        "a9@mail.example",
        "a.a@uni.example",
        None,
        None,
        None,
    ]


def test_idf_weight_and_cap() -> None:
    ids = _ids(
        [
            ("a", "payment", "card1"),
            ("b", "payment", "card1"),
            ("c", "ip", "1.1.1.1"),
            ("d", "ip", "1.1.1.1"),
            ("e", "ip", "1.1.1.1"),
            ("a", "ip", "9.9.9.9"),
        ]
    )
    cfg = LinkConfig(max_accounts_per_value={"payment": 5, "network": 2})
    w = weigh_values(ids, 10, cfg).sort("family", "value")
    rows = {(r["family"], r["value"]): r for r in w.iter_rows(named=True)}
    assert rows[("payment", "card1")]["weight"] == pytest.approx(1.0 * math.log(10 / 2))
    assert rows[("ip", "1.1.1.1")]["too_common"] is True
    assert rows[("ip", "9.9.9.9")]["shared"] is False


def test_links_need_two_families_or_a_strong_card_and_skip_same_org() -> None:
    ids = _ids(
        [
            # a-b: card + ip -> linked
            ("a", "payment", "card1"),
            ("b", "payment", "card1"),
            ("a", "ip", "1.1.1.1"),
            ("b", "ip", "1.1.1.1"),
            # c-d: ip and its /24 only -> one merged family -> not linked
            ("c", "ip", "2.2.2.2"),
            ("d", "ip", "2.2.2.2"),
            ("c", "ip_prefix", "2.2.2.0/24"),
            ("d", "ip_prefix", "2.2.2.0/24"),
            # e-f: same org, card + ip -> expected, not linked
            ("e", "payment", "card9"),
            ("f", "payment", "card9"),
            ("e", "ip", "3.3.3.3"),
            ("f", "ip", "3.3.3.3"),
        ]
    )
    accounts = pl.DataFrame(
        {"account": list("abcdef"), "org": [None, None, None, None, "acme", "acme"]}
    )
    cfg = LinkConfig(min_weight=1.0, min_family_weight=0.5, strong_weight=100.0)
    w = weigh_values(ids, 6, cfg)
    ev = candidate_pairs(ids, w)
    links = decide_links(ev, accounts, cfg).sort("a", "b")
    got = {
        (r["a"], r["b"]): (r["linked"], r["families"], r["same_org"])
        for r in links.iter_rows(named=True)
    }
    assert got == {
        ("a", "b"): (True, 2, False),
        ("c", "d"): (False, 1, False),
        ("e", "f"): (False, 2, True),
    }
    ab = ev.filter((pl.col("a") == "a") & (pl.col("b") == "b")).sort("family")
    assert ab["family"].to_list() == ["ip", "payment"]
    assert ab["weight"].to_list() == pytest.approx([0.8 * math.log(3), math.log(3)])
    assert ab["example"].to_list() == ["1.1.1.1", "card1"]


def test_co_activity_needs_repeats() -> None:
    ids = _ids(
        [
            ("a", "co_activity", "t @ 1"),
            ("b", "co_activity", "t @ 1"),
            ("c", "co_activity", "t @ 2"),
            ("d", "co_activity", "t @ 2"),
            ("c", "co_activity", "t @ 3"),
            ("d", "co_activity", "t @ 3"),
            ("c", "co_activity", "t @ 4"),
            ("d", "co_activity", "t @ 4"),
            ("e", "co_activity", "t @ 5"),
            ("f", "co_activity", "t @ 5"),
            ("e", "co_activity", "t @ 6"),
            ("f", "co_activity", "t @ 6"),
        ]
    )
    ev = candidate_pairs(ids, weigh_values(ids, 100, LinkConfig()), restrict=False).sort("a")
    full = 0.8 * math.log(50)
    # a-b met once: coincidence, no evidence; e-f twice: 2/3; c-d three times: full
    assert ev["a"].to_list() == ["c", "e"]
    assert ev["weight"].to_list() == pytest.approx([full, full * 2 / 3])
    assert ev["shared_values"].to_list() == [3, 2]


def test_supporting_families_never_link_alone() -> None:
    ids = _ids(
        [
            ("a", "user_agent", "sdk/1"),
            ("b", "user_agent", "sdk/1"),
            ("a", "template", "t"),
            ("b", "template", "t"),
            ("a", "ip", "1.1.1.1"),
            ("b", "ip", "1.1.1.1"),
        ]
    )
    accounts = pl.DataFrame(
        {"account": ["a", "b"], "org": [None, None]},
        schema={"account": pl.String, "org": pl.String},
    )
    cfg = LinkConfig(min_weight=0.1, min_family_weight=0.0)
    links = decide_links(candidate_pairs(ids, weigh_values(ids, 1000, cfg)), accounts, cfg)
    assert links.select("families", "linked").row(0) == (1, False)


def _brute_components(nodes: list[str], edges: list[tuple[str, str]]) -> set[frozenset[str]]:
    parent = {n: n for n in nodes}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        parent[find(a)] = find(b)
    groups: dict[str, set[str]] = {}
    for n in nodes:
        groups.setdefault(find(n), set()).add(n)
    return {frozenset(g) for g in groups.values()}


@pytest.mark.parametrize("seed", range(20))
def test_components_match_brute_force_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [f"n{i:02d}" for i in range(rng.randint(2, 40))]
    pairs = []
    for _ in range(rng.randint(0, 60)):
        a, b = sorted(rng.sample(nodes, 2))
        pairs.append((a, b, rng.random() < 0.6))
    df = pl.DataFrame(
        pairs, schema={"a": pl.String, "b": pl.String, "linked": pl.Boolean}, orient="row"
    )
    got = components(df, 2)
    comps = {frozenset(g) for g in got.group_by("component").agg("account")["account"].to_list()}
    linked_edges = [(a, b) for a, b, ok in pairs if ok]
    used = sorted({n for e in linked_edges for n in e})
    want = {g for g in _brute_components(used, linked_edges) if len(g) >= 2}
    assert comps == want
    sizes = got.group_by("component").len().sort("component")["len"].to_list()
    assert sizes == sorted(sizes, reverse=True)
    # numbered pairs (label spreading in polars) give the same table, numbering included
    assert components(pair_keys(df), 2).rows() == got.rows()


def test_numbered_components_fall_back_when_a_group_is_too_wide() -> None:
    chain = [(f"n{i:03d}", f"n{i + 1:03d}", True) for i in range(3 * grouping.GROUP_ROUNDS)]
    df = pl.DataFrame(
        chain + [("x1", "x2", True)],
        schema={"a": pl.String, "b": pl.String, "linked": pl.Boolean},
        orient="row",
    )
    numbered = pair_keys(df)
    assert numbered_components(numbered, 2) is None  # too wide for 32 rounds
    got = components(numbered, 2)
    assert got.group_by("component").len().sort("component")["len"].to_list() == [97, 2]
    assert got.rows() == components(df, 2).rows()


def test_co_activity_discounted_for_heavy_users() -> None:
    # x and y share 3 bins, but each has 200 bins of activity: 3 / 200 = 1.5 % overlap,
    # 0.3 of the 5 % needed for full weight
    rows = [(acct, "co_activity", f"t @ {i}") for acct in ("x", "y") for i in range(3)]
    rows += [("x", "co_activity", f"t @ x{i}") for i in range(197)]
    rows += [("y", "co_activity", f"t @ y{i}") for i in range(197)]
    ids = _ids(rows)
    ev = candidate_pairs(ids, weigh_values(ids, 100, LinkConfig()), restrict=False)
    assert ev["weight"].to_list() == pytest.approx([0.8 * math.log(50) * 0.3])


def test_content_evidence_only_for_pairs_sharing_an_identifier() -> None:
    # c-d meet three times on a template but share nothing else: a content-only pair can
    # never link, so it is not enumerated; a-b share an IP too and get both families.
    rows = [(x, "co_activity", f"t @ {i}") for x in "abcd" for i in range(3)]
    rows += [("a", "ip", "1.1.1.1"), ("b", "ip", "1.1.1.1")]
    ids = _ids(rows)
    ev = candidate_pairs(ids, weigh_values(ids, 100, LinkConfig()))
    got = sorted(ev.select("a", "b", "family").iter_rows())
    assert got == [("a", "b", "co_activity"), ("a", "b", "ip")]


@pytest.mark.parametrize("seed", range(12))
def test_restricted_pairs_decide_exactly_like_full_enumeration(seed: int) -> None:
    rng = random.Random(seed)
    accts = [f"u{i:02d}" for i in range(rng.randint(3, 30))]
    fams = {
        "payment": ["card1", "card2", "card3"],
        "email_pattern": ["a9@x.io", "a9@y.io"],
        "ip": ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"],
        "ip_prefix": ["1.1.1.0/24", "2.2.2.0/24"],
        "user_agent": ["sdk/1", "sdk/2"],
        "template": ["t1", "t2", "t3"],
        "co_activity": [f"t @ {i}" for i in range(8)],
    }
    rows = {
        (a, fam, rng.choice(vals))
        for a in accts
        for fam, vals in fams.items()
        for _ in range(rng.randint(0, 3 if fam == "co_activity" else 1))
    }
    ids = _ids(sorted(rows))
    orgs = [rng.choice([None, None, "acme"]) for _ in accts]
    accounts = pl.DataFrame(
        {"account": accts, "org": orgs}, schema={"account": pl.String, "org": pl.String}
    )
    cfg = LinkConfig(min_weight=2.0, min_family_weight=0.8, strong_weight=3.0)
    w = weigh_values(ids, len(accts) * 3, cfg)
    full = candidate_pairs(ids, w, cfg=cfg, restrict=False)
    fast = candidate_pairs(ids, w, cfg=cfg)

    def linked(ev: pl.DataFrame) -> pl.DataFrame:
        out = decide_links(ev, accounts, cfg).filter(pl.col("linked")).sort("a", "b")
        return out.with_columns(pl.col("total").round(9))

    want = linked(full)
    assert linked(fast).rows() == want.rows()
    # evidence without its pair key (numbered here instead) decides the same links
    assert linked(fast.drop("pk")).drop("pk").rows() == want.drop("pk").rows()
    # ... and the evidence of every linked pair is complete
    keys = want.select("a", "b")

    def of_linked(ev: pl.DataFrame) -> list[tuple[object, ...]]:
        return ev.join(keys, on=["a", "b"]).with_columns(pl.col("weight").round(9)).rows()

    assert of_linked(fast) == of_linked(full)
    # pairing support values within anchored groups gives the same evidence as not
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pairs_mod, "anchor_groups", lambda pairs: None)
        ungrouped = candidate_pairs(ids, w, cfg=cfg)
    assert fast.equals(ungrouped)


def _pairs(edges: list[tuple[int, int]]) -> pl.DataFrame:
    return pl.DataFrame(edges, schema={"aid": pl.UInt32, "bid": pl.UInt32}, orient="row")


def test_anchor_groups_number_each_group_by_its_smallest_account() -> None:
    got = anchor_groups(_pairs([(4, 7), (2, 4), (9, 11), (7, 8)]))
    assert got is not None
    assert got.rows() == [(2, 2), (4, 2), (7, 2), (8, 2), (9, 9), (11, 9)]


def test_anchor_groups_give_up_on_a_group_wider_than_the_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = _pairs([(i, i + 1) for i in range(6)])  # labels need 6 rounds to cross it
    monkeypatch.setattr(grouping, "GROUP_ROUNDS", 3)
    assert anchor_groups(chain) is None
    monkeypatch.setattr(grouping, "GROUP_ROUNDS", 7)
    got = anchor_groups(chain)
    assert got is not None and set(got["group"].to_list()) == {0}


def _bins_as_text(
    bins: pl.DataFrame, texts: pl.DataFrame, anchor: pl.DataFrame, path: str
) -> pl.DataFrame:
    """The pairs of ``anchor`` with co-activity ``bins`` (account, tkey, minute_bin) as
    integer bins, checked equal to the same bins given as text values (a missing text
    "?"): paired within anchored groups, without groups (too wide), or as anchors
    themselves (every family enumerated)."""
    as_text = bins.join(texts, on="tkey", how="left").select(
        "account",
        pl.lit("co_activity").alias("family"),
        (
            pl.col("template").fill_null("?")
            + " @ "
            + pl.col("minute_bin").dt.strftime("%Y-%m-%d %H:%M")
        ).alias("value"),
    )
    cfg = LinkConfig()
    ids_text = pl.concat([anchor, as_text])
    restrict = path != "all_anchors"
    with pytest.MonkeyPatch.context() as mp:
        if path == "ungrouped":
            mp.setattr(pairs_mod, "anchor_groups", lambda pairs: None)
        want = candidate_pairs(
            ids_text, weigh_values(ids_text, 50, cfg), cfg=cfg, restrict=restrict
        )
        co = CoActivity(bins, texts, 50)
        got = candidate_pairs(anchor, weigh_values(anchor, 50, cfg), co, cfg, restrict=restrict)
    assert got.rows() == want.rows()
    return got


@pytest.mark.parametrize("path", ["grouped", "ungrouped", "all_anchors"])
def test_integer_co_activity_matches_text_values(path: str) -> None:
    from datetime import UTC, datetime, timedelta

    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    bins = pl.DataFrame(
        {
            "account": ["a", "b", "a", "b", "a", "b", "c", "c"],
            "tkey": [7, 7, 7, 7, 9, 9, 7, 9],
            "minute_bin": [t0, t0, t0 + timedelta(minutes=5)] * 2 + [t0, t0],
        },
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
    ).unique()
    texts = pl.DataFrame(
        {"tkey": [7, 9], "template": ["solve #", "grade #"]},
        schema={"tkey": pl.UInt64, "template": pl.String},
    )
    anchor = _ids([("a", "ip", "1.1.1.1"), ("b", "ip", "1.1.1.1"), ("c", "ip", "1.1.1.1")])
    # bins paired within anchored groups, without groups (too wide), or as anchors
    # themselves (every family enumerated): the same evidence as text values
    got = _bins_as_text(bins, texts, anchor, path)
    # a and c meet twice (7 and 9 at t0); b meets each of them once
    assert [r[:3] for r in got.rows() if r[2] == "co_activity"] == [("a", "c", "co_activity")]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("path", ["grouped", "ungrouped", "all_anchors"])
def test_numbered_bins_give_the_examples_of_text_values(seed: int, path: str) -> None:
    # Many bins of equal rarity: only the bins two accounts of one group share are
    # numbered on the grouped path, after the values given as text; every pair's
    # example and sums are those of the same bins given as text values.
    from datetime import UTC, datetime, timedelta

    rng = random.Random(seed)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    accts = [f"u{i:02d}" for i in range(24)]
    bins = pl.DataFrame(
        {
            "account": [rng.choice(accts) for _ in range(600)],
            "tkey": [rng.randrange(4) for _ in range(600)],
            "minute_bin": [t0 + timedelta(minutes=5 * rng.randrange(15)) for _ in range(600)],
        },
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
    ).unique()
    texts = pl.DataFrame(
        {"tkey": [0, 1, 2], "template": ["solve #", "grade #", "rate #"]},  # 3: no text
        schema={"tkey": pl.UInt64, "template": pl.String},
    )
    # four exits, each shared by six accounts: four anchored groups
    anchor = _ids([(a, "ip", f"10.0.0.{i // 6}") for i, a in enumerate(accts)])
    got = _bins_as_text(bins, texts, anchor, path)
    examples = got.filter(pl.col("family") == "co_activity")["example"]
    assert examples.len() >= 10 and examples.n_unique() >= 5


def test_bin_keys_round_trip_templates_and_minutes() -> None:
    from datetime import UTC, datetime

    t = [datetime(1969, 7, 20, 20, 17, tzinfo=UTC), datetime(9999, 12, 31, 23, 55, tzinfo=UTC)]
    bins = pl.DataFrame(
        {"account": ["a", "b", "a"], "tkey": [2**64 - 1, 5, 5], "minute_bin": [t[0], t[1], t[1]]},
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
    )
    co = CoActivity(bins, pl.DataFrame(schema={"tkey": pl.UInt64, "template": pl.String}), 2)
    assert co.bins.columns == ["aid", "bkey"] and co.bins["bkey"].n_unique() == 2
    back = co.unpacked(co.bins).join(co.account_names, on="aid").sort("account", "tkey")
    assert back.select("account", "tkey", "minute_bin").rows() == [
        ("a", 5, t[1]),
        ("a", 2**64 - 1, t[0]),
        ("b", 5, t[1]),
    ]


def test_sorted_bins_are_distinct_and_sorted_by_bin_then_account() -> None:
    bins = pl.DataFrame(
        {"aid": [3, 1, 3, 2, 1, 3], "bkey": [9, 9, 9, 4, 4, 9]},
        schema={"aid": pl.UInt64, "bkey": pl.UInt64},
    )
    out = sorted_bins(bins)
    assert out.rows() == [(1, 4), (2, 4), (1, 9), (3, 9)]
    assert out["bkey"].flags["SORTED_ASC"]  # what lets polars group and join in one sweep


def test_bin_keys_refuse_a_span_they_cannot_count() -> None:
    from datetime import UTC, datetime

    from extractscan.model.errors import InputError

    t = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 55, tzinfo=UTC)]
    bins = pl.DataFrame(
        {"account": ["a", "b"], "tkey": [5, 5], "minute_bin": t},
        schema={"account": pl.String, "tkey": pl.UInt64, "minute_bin": pl.Datetime("us", "UTC")},
    )
    texts = pl.DataFrame(schema={"tkey": pl.UInt64, "template": pl.String})
    with pytest.raises(InputError, match="8,000 years"):
        CoActivity(bins, texts, 2)


#: The value attributes :func:`pair_evidence` reads.
_ATTRS_SCHEMA = {
    "vid": pl.UInt32,
    "family": pl.String,
    "df": pl.UInt32,
    "weight": pl.Float64,
    "scale": pl.Float64,
}


@pytest.mark.parametrize("seed", range(5))
def test_pair_evidence_is_exact_and_independent_of_row_order(seed: int) -> None:
    """Sums over pair rows are fixed point: the streaming engine adds rows in no fixed
    order, and the evidence must come out the same every run (and match brute force)."""
    rng = random.Random(seed)
    n_vals = 40
    attrs = pl.DataFrame(
        {
            "vid": list(range(n_vals)),
            "family": [rng.choice(["co_activity", "ip", "template"]) for _ in range(n_vals)],
            "df": [rng.randint(2, 9) for _ in range(n_vals)],
            "weight": [rng.uniform(0.1, 5.0) for _ in range(n_vals)],
            "scale": [rng.choice([1.0, 1.0, 1 / 0.3]) for _ in range(n_vals)],
        },
        schema=_ATTRS_SCHEMA,
    )
    rows = sorted({(rng.randrange(12), rng.randrange(n_vals)) for _ in range(300)})
    u = pl.DataFrame(rows, schema={"aid": pl.UInt32, "vid": pl.UInt32}, orient="row")
    key = ["aid", "bid", "family"]
    want = pair_evidence(u, attrs, None).sort(key)
    for k in range(3):
        got = pair_evidence(u.sample(fraction=1.0, shuffle=True, seed=k), attrs, None)
        assert got.sort(key).equals(want)
    # brute force: every pair of accounts sharing a value, per family
    at = {r["vid"]: r for r in attrs.iter_rows(named=True)}
    by_vid: dict[int, list[int]] = {}
    for a, v in rows:
        by_vid.setdefault(v, []).append(a)
    sums: dict[tuple[int, int, str], list[float]] = {}
    for v, accs in by_vid.items():
        for a in accs:
            for b in accs:
                if a < b:
                    s = sums.setdefault((a, b, at[v]["family"]), [0.0, 0.0])
                    s[0] += at[v]["scale"]
                    s[1] += at[v]["weight"] * at[v]["scale"]
    assert want.height == len(sums)
    for r in want.iter_rows(named=True):
        n, wsum = sums[(r["aid"], r["bid"], r["family"])]
        assert r["shared_values"] == round(n)
        assert r["mean_weight"] == pytest.approx(wsum / n, abs=1e-6)


def test_pair_evidence_within_groups_pairs_only_accounts_of_one_cell() -> None:
    """Grouped rows pair within (value, group) cells; an account alone in its cell (most
    of them at seed scale) pairs with no one, and only the ``keep`` pairs are kept."""
    attrs = pl.DataFrame(
        {
            "vid": [0, 1, 2],
            "family": ["co_activity", "co_activity", "user_agent"],
            "df": [3, 2, 4],
            "weight": [2.0, 1.0, 0.5],
            "scale": [1.0, 1.0, 1.0],
        },
        schema=_ATTRS_SCHEMA,
    )
    # value 0: accounts 1, 2 in group 7 and 3 in group 8 (alone); value 1: 4 alone in
    # group 8, 5 alone in group 9; value 2: 1, 2, 6 in group 7
    rows = [(1, 0, 7), (2, 0, 7), (3, 0, 8), (4, 1, 8), (5, 1, 9), (1, 2, 7), (2, 2, 7), (6, 2, 7)]
    u = pl.DataFrame(
        rows, schema={"aid": pl.UInt32, "vid": pl.UInt32, "group": pl.UInt32}, orient="row"
    )
    got = pair_evidence(u, attrs, None).sort("aid", "bid", "family")
    assert got.select("aid", "bid", "family", "shared_values").rows() == [
        (1, 2, "co_activity", 1),
        (1, 2, "user_agent", 1),
        (1, 6, "user_agent", 1),
        (2, 6, "user_agent", 1),
    ]
    keep = pl.DataFrame({"aid": [1], "bid": [6]}, schema={"aid": pl.UInt32, "bid": pl.UInt32})
    kept = pair_evidence(u, attrs, keep)
    assert kept.select("aid", "bid", "family", "example_vid").rows() == [(1, 6, "user_agent", 2)]
    alone = pair_evidence(u.filter(pl.col("vid") == 1), attrs, None)
    assert alone.is_empty() and alone.schema == got.schema


def test_template_identifiers_on_integer_keys_match_account_texts() -> None:
    templates = pl.DataFrame(
        {
            "account": ["u1", "u1", "u2", "u3", "u3"],
            "tkey": [1, 2, 1, 3, 4],
        },
        schema={"account": pl.String, "tkey": pl.UInt64},
    ).with_columns(account_key(pl.col("account")).alias("aid"))
    clusters = pl.DataFrame(
        {"tkey": [1, 2, 3, 4], "cluster": ["solve #", "solve #", "grade #", "rate #"]},
        schema={"tkey": pl.UInt64, "cluster": pl.String},
    )
    names = templates.select("aid", "account").unique()
    want = [
        ("u1", "template", "solve #"),
        ("u2", "template", "solve #"),
        ("u3", "template", "grade #"),
        ("u3", "template", "rate #"),
    ]
    by_text = template_identifiers(templates.drop("aid"), clusters)
    by_key = template_identifiers(templates, clusters, names)
    assert sorted(by_text.rows()) == want  # u1's two templates of one cluster: one row
    assert sorted(by_key.rows()) == want


def test_decide_links_merges_groups_and_takes_evidence_in_any_order() -> None:
    ev = pl.DataFrame(
        [
            ("a", "b", "ip", 1, "1.1.1.1", 2, 0.9),
            ("a", "b", "ip_prefix", 1, "1.1.1.0/24", 3, 0.7),  # same group: max, not sum
            ("a", "b", "user_agent", 1, "sdk/1", 2, 0.4),  # adds weight, not a family
            ("c", "d", "payment", 1, "card1", 2, 2.5),
            ("c", "d", "ip", 1, "2.2.2.2", 4, 0.6),
            ("e", "f", "payment", 1, "card2", 9, 0.2),
        ],
        schema={
            "a": pl.String,
            "b": pl.String,
            "family": pl.String,
            "shared_values": pl.UInt32,
            "example": pl.String,
            "min_df": pl.UInt32,
            "weight": pl.Float64,
        },
        orient="row",
    )
    accounts = pl.DataFrame({"account": list("abcdef"), "org": ["x", "y", "o", "o", None, "o"]})
    cfg = LinkConfig(min_weight=1.5, min_family_weight=0.5, strong_weight=10.0)
    want = [
        ("a", "b", 1.3, 1, 0.0, None, False, False),
        ("c", "d", 3.1, 2, 2.5, 2, True, False),  # one org: expected, not linked
        ("e", "f", 0.2, 0, 0.2, 9, False, False),
    ]
    for seed in range(3):
        got = decide_links(ev.sample(fraction=1.0, shuffle=True, seed=seed), accounts, cfg)
        assert [r[:8] for r in got.with_columns(pl.col("total").round(9)).rows()] == want
    cfg_card = LinkConfig(min_weight=1.5, min_family_weight=0.5, strong_card_accounts=9)
    assert decide_links(ev, accounts, cfg_card)["linked"].to_list() == [False, False, True]


@pytest.mark.parametrize("big_df", [False, True])
def test_values_in_example_order_match_sorting_on_the_texts(big_df: bool) -> None:
    from datetime import UTC, datetime, timedelta

    # Reference: co-activity bins take their template's text ("?" when missing) and
    # sort with the plain values on (family, df, text, minute, value), the bin last.
    rng = random.Random(5)
    t0 = datetime(2026, 5, 1, tzinfo=UTC)
    texts = pl.DataFrame(
        {"tkey": [1, 2, 3, 4], "template": ["grade #", "solve #", "rate #", "argue #"]},
        schema={"tkey": pl.UInt64, "template": pl.String},
    )
    rows = []
    for tid, tkey in enumerate([1, 2, 3, 4, 5, 6]):  # 5 and 6 have no text: they tie
        for minute in rng.sample(range(50), 12):
            df = rng.randint(2, 4) + (2**30 if big_df and minute % 3 == 0 else 0)
            rows.append((tkey, tid * 2**32 + minute, t0 + timedelta(minutes=minute), df))
    bins = pl.DataFrame(
        rows,
        schema={
            "tkey": pl.UInt64,
            "bkey": pl.UInt64,
            "minute_bin": pl.Datetime("us", "UTC"),
            "df": pl.UInt32,
        },
        orient="row",
    ).with_columns(weight=pl.lit(1.0), scale=pl.lit(1.0))
    plain = _ids([("a", "ip", "9.9.9.9"), ("b", "ip", "1.1.1.1"), ("c", "payment", "card")])
    plain = plain.select(
        "family",
        "value",
        pl.Series("df", [2, 2, 3], pl.UInt32),
        pl.lit(1.0).alias("weight"),
        pl.col("value").alias("text"),
        pl.lit(None, pl.UInt64).alias("tkey"),
        pl.lit(None, pl.UInt64).alias("bkey"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("minute_bin"),
        pl.lit(1.0).alias("scale"),
    )
    got = values_mod.in_example_order(plain, bins, texts)
    named = got.join(texts, on="tkey", how="left").with_columns(
        pl.when(pl.col("bkey").is_null())
        .then(pl.col("text"))
        .otherwise(pl.col("template").fill_null("?"))
        .alias("text")
    )
    assert named.height == bins.height + plain.height
    want = named.sort("family", "df", "text", "minute_bin", "value", "bkey", nulls_last=True)
    assert named["bkey"].to_list() == want["bkey"].to_list()
    assert named["value"].to_list() == want["value"].to_list()
    assert got["text"].null_count() == bins.height  # bins carry their key, not the text
