"""Wordings written apart from the detector: valid sets, worlds written in them, and the
capability patterns' reach on the sets they were widened on (issue #15)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from extractscan.features.capabilities import matches
from extractscan.lab import paraphrase, world_gen
from extractscan.lab.simulate import _SLOTS
from extractscan.lab.wordings import WORDINGS, load
from extractscan.lab.worlds import CAMPAIGN_KINDS, draw_world

FOREIGN = [name for name in WORDINGS if name != "own"]


def _filled(text: str, rng: np.random.Generator) -> str:
    return re.sub(
        r"\{(\w+)\}",
        lambda m: str(rng.choice(np.asarray(_SLOTS[m.group(1).rstrip("2")]))),
        text,
    )


@pytest.mark.parametrize("name", FOREIGN)
def test_every_set_is_in_the_worlds_grammar(name: str) -> None:
    wording = load(name)
    assert wording is not None
    assert set(wording.wrappers) == set(paraphrase.WRAPPERS)
    assert len(wording.benign) >= 60
    rng = np.random.default_rng(0)
    for grammar in (w for ws in wording.wrappers.values() for w in ws):
        assert grammar.count("||") <= 1, grammar
        for _ in range(5):
            text = paraphrase.expand(grammar, rng)
            assert not set("[]|") & set(text), text
            assert set(re.findall(r"\{(\w+)\}", text)) <= {*_SLOTS, *(s + "2" for s in _SLOTS)}
            assert "{" not in re.sub(r"\{\w+\}", "", text), text
    assert not any("{" in p or "}" in p for p in wording.benign)


def test_the_own_wording_is_none_and_an_unknown_one_an_error() -> None:
    assert load("own") is None
    with pytest.raises(ValueError, match="unknown wording 'nope'"):
        load("nope")


@pytest.mark.parametrize(
    ("name", "least"), [("dev-a", 0.7), ("dev-b", 0.7), ("dev-c", 0.45), ("dev-d", 0.55)]
)
def test_the_patterns_reach_the_sets_they_were_widened_on(name: str, least: float) -> None:
    # of the expanded wrappers 34 %, 32 %, 17 % and 15 % matched a capability on 87fb10c,
    # 78 %, 78 %, 51 % and 62 % after the two widenings; the held-out set is measured in
    # benchmarks/RESULTS.md only
    wording = load(name)
    assert wording is not None
    rng = np.random.default_rng(3)
    texts = [
        _filled(paraphrase.expand(w, rng), rng)
        for ws in wording.wrappers.values()
        for w in ws
        for _ in range(20)
    ]
    share = sum(bool(matches(t)) for t in texts) / len(texts)
    assert share >= least
    # ... and few of the ordinary one-off look-alikes written beside them (2-6 of ~70)
    assert sum(bool(matches(p)) for p in wording.benign) / len(wording.benign) <= 0.1


def test_a_world_in_another_wording(tmp_path: Path) -> None:
    world_gen.generate_world(
        draw_world(11, 20_000, kinds=CAMPAIGN_KINDS), tmp_path, wording="dev-a"
    )
    wording = load("dev-a")
    assert wording is not None
    rows = pl.read_parquet(tmp_path / "requests.parquet").join(
        pl.read_csv(tmp_path / "truth.csv", schema_overrides={"account": pl.String}),
        on="account",
    )
    prompts = rows["prompt"]
    # none of the worlds' own campaign wrappers (every campaign family's), their
    # openings checked
    openings = (
        t.split("{")[0][:30].lower()
        for family in paraphrase.FAMILY_CAPABILITIES
        for t in world_gen._BASE[family]
    )
    own = [o for o in openings if len(o) >= 20]  # not "implement " alone
    assert len(own) >= 10
    lowered = prompts.str.to_lowercase()
    for opening in own:
        assert not lowered.str.starts_with(opening).any(), opening
    # the set's benign look-alikes are among the ordinary users' requests
    benign = rows.filter(pl.col("kind") == "benign")["prompt"]
    assert benign.is_in(list(wording.benign)).sum() > 0
    # and the campaigns send requests of their own (the set's wrappers)
    campaign = rows.filter(pl.col("kind") == "campaign")
    assert campaign.height and not campaign["prompt"].is_in(benign.implode()).all()
