"""Non-heavy accounts behind a crowded value joined by the wrappers they send: exact
values on a tiny table (extractscan.link.mixed)."""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl
import pytest

from extractscan.config import LinkConfig
from extractscan.link.crowded import crowded
from extractscan.link.mixed import _tested_pairs, mixed_members

HEAVY = [f"h{i:02d}" for i in range(12)]
LIGHT = [f"u{i:03d}" for i in range(300)]
# behind the exit with the heavy accounts: a hydra account mixing resold traffic into 20
# requests (6 on the wrapper), the proxy service's customer (none) and an account that
# once pasted the wrapper
BEHIND = ["m0", "c0", "once"]


def _world() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict[str, int]]:
    everyone = HEAVY + LIGHT + BEHIND
    share = [0.8] * 12 + [0.05] * 300 + [0.3, 0.0, 0.05]
    accounts = pl.DataFrame(
        {
            "account": everyone,
            "extraction_share": share,
            "prompts_measured": [100] * 12 + [20] * 303,
            "exchanges": [100] * 12 + [20] * 303,
        },
        schema_overrides={"prompts_measured": pl.UInt32, "exchanges": pl.UInt32},
    )
    ids = pl.DataFrame(
        {
            "account": HEAVY + LIGHT[:40] + BEHIND,
            "family": ["ip"] * 55,
            "value": ["exit"] * 55,
        }
    )
    wrapper = {**dict.fromkeys(HEAVY, 60), "m0": 6, "once": 1, "u000": 1, "u001": 1}
    extraction = pl.DataFrame(
        {"value": ["W", "E"], "n": [sum(wrapper.values()), 5000]}
    ).with_columns(pl.Series("ext", [sum(wrapper.values()), 0]))
    return accounts, ids, extraction, wrapper


def _uses(wrapper: dict[str, int]):  # type: ignore[no-untyped-def]
    def uses(values: pl.DataFrame) -> pl.DataFrame:
        assert values["value"].to_list() == ["W"]  # the everyday template is no wrapper
        return pl.DataFrame(
            {"account": list(wrapper), "value": ["W"] * len(wrapper), "n": list(wrapper.values())},
            schema_overrides={"n": pl.UInt32},
        )

    return uses


def test_the_campaigns_mixed_account_joins_the_exit_and_its_customers_do_not() -> None:
    accounts, ids, extraction, wrapper = _world()
    cfg = LinkConfig()
    crowd = crowded(ids, accounts, cfg)
    assert crowd.identifiers["account"].to_list() == HEAVY
    tested = _tested_pairs(crowd, ids, accounts, cfg, extraction, _uses(wrapper))
    q = (12 * 60 + 0.5) / (12 * 100)
    n_out = 303 * 20
    r = (6 + 1 + 1 + 1 + 0.5) / n_out
    want = {
        "m0": 6 * math.log(q / r) - 20 * (q - r),
        "c0": -20 * (q - r),
        "once": math.log(q / r) - 20 * (q - r),
    }
    got = dict(zip(tested["account"], tested["llr"], strict=True))
    # every non-heavy account behind the exit is tested: the 40 ordinary ones too
    assert tested.height == 43
    assert {a: got[a] for a in want} == pytest.approx(want)
    assert got["u000"] == pytest.approx(want["once"]) and got["u002"] == pytest.approx(want["c0"])
    assert set(tested["family"]) == {"crowded_ip"}
    # 43 pairs tested: the bar is ln(43 / alpha) = 8.37
    out = mixed_members(crowd, ids, accounts, cfg, extraction, _uses(wrapper))
    added = out.evidence.join(crowd.evidence, on=["a", "b", "family"], how="anti")
    assert added.rows() == [("h00", "m0", "crowded_ip", 1, "exit", 55, crowd.evidence["weight"][0])]
    assert sorted(out.identifiers["account"]) == sorted([*HEAVY, "m0"])


def test_switched_off_or_without_counts_nothing_changes() -> None:
    accounts, ids, extraction, wrapper = _world()
    crowd = crowded(ids, accounts, LinkConfig())
    off = replace(LinkConfig(), crowded_mixed=False)
    assert mixed_members(crowd, ids, accounts, off, extraction, _uses(wrapper)) is crowd
    assert mixed_members(crowd, ids, accounts, LinkConfig(), None, _uses(wrapper)) is crowd


def test_an_extraction_heavy_account_is_weighed_against_the_other_heavy_ones() -> None:
    from extractscan.link.mixed import wrapper_llr

    accounts, _, extraction, wrapper = _world()
    wrapper = {**wrapper, **dict.fromkeys(HEAVY[6:], 30)}
    # members: the first six heavy accounts (60 requests of 100 on the wrapper); tested:
    # a seventh (30 of 100) and the mixed account (6 of 20)
    members = pl.DataFrame({"account": HEAVY[:6], "box": [0] * 6})
    tested = pl.DataFrame({"account": ["h06", "m0"], "box": [0, 0]})
    args = (members, ["box"], accounts, LinkConfig(), extraction, _uses(wrapper))
    q = (6 * 60 + 0.5) / (6 * 100)

    def llr(r: float) -> list[float]:
        return [30 * math.log(q / r) - 100 * (q - r), 6 * math.log(q / r) - 20 * (q - r)]

    # against the non-heavy accounts (303 of 20 requests, 9 on the wrapper)
    light = wrapper_llr(tested, *args)
    assert light["llr"].to_list() == pytest.approx(llr((6 + 1 + 1 + 1 + 0.5) / (303 * 20)))
    assert light["llr"][0] > 90
    # against the heavy accounts that are no members (six of 100 requests, 30 on it)
    heavy = wrapper_llr(tested, *args, heavy_null=True)
    assert heavy["llr"].to_list() == pytest.approx(llr((6 * 30 + 0.5) / (6 * 100)))
    assert heavy["llr"][0] < 0
