"""A cluster core's members measured apart from the rest (:func:`measured_apart`), and
groups cut from the core within the noise of what they measured (:func:`within_noise`):
exact values on tiny cores."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from extractscan.link.one_behaviour import (
    BEHAVIOUR_ALPHA,
    SHARES_ALPHA,
    behaviour_groups,
    behaviour_split,
    measured_apart,
    within_noise,
)


def _core(job_measured: int) -> tuple[np.ndarray, np.ndarray]:
    """Nine members grading (95 % rubric, no code) over 100 prompts each, and one job
    reviewing code (no rubric, 50 % code) over ``job_measured`` prompts."""
    shares = np.array([[0.95, 0.0]] * 9 + [[0.0, 0.5]])
    return shares, np.array([100] * 9 + [job_measured])


def test_a_member_measured_well_apart_is_cut_and_a_noisy_one_is_kept() -> None:
    shares, measured = _core(40)
    keep, fringe = np.ones(10, dtype=bool), np.arange(10) == 9
    assert measured_apart(shares, measured, keep, fringe).tolist() == [False] * 9 + [True]
    # the bound: two-sided, over the one fringe member and two shares
    bound = norm.isf(SHARES_ALPHA / (2 * 1 * 2))
    assert round(float(bound), 3) == 2.807
    # its rubric share against the median: |0 - 0.95| / sqrt(q (1 - q) / n), q = 0.475
    z = 0.95 / np.sqrt(0.475 * 0.525 / 40)
    assert z > bound
    # over 2 prompts the same shares are noise: z = 0.95 / sqrt(0.249 / 2) = 2.69
    shares, measured = _core(2)
    assert 0.95 / np.sqrt(0.475 * 0.525 / 2) < bound
    assert not measured_apart(shares, measured, keep, fringe).any()
    # the largest group's members are never tested, however far from the median
    shares, measured = _core(40)
    assert not measured_apart(shares, measured, keep, np.zeros(10, dtype=bool)).any()


def test_only_kept_measured_members_are_tested() -> None:
    shares, measured = _core(40)
    every, fringe = np.ones(10, dtype=bool), np.arange(10) == 9
    keep = every.copy()
    keep[9] = False  # already cut: not reported again
    assert not measured_apart(shares, measured, keep, fringe).any()
    # no prompt measured (no prompt text): nothing to test
    assert not measured_apart(shares, np.array([100] * 9 + [0]), every, fringe).any()
    # a share not measured (NaN) is not evidence either
    shares[9] = [np.nan, np.nan]
    assert not measured_apart(shares, measured, every, fringe).any()
    # one member alone, or no shares: nothing to compare
    assert not measured_apart(shares[:1], measured[:1], every[:1], fringe[:1]).any()
    assert not measured_apart(shares[:, :0], measured, every, fringe).any()


def test_a_lone_member_far_from_the_core_is_its_fringe() -> None:
    # twelve members alike (a unit apart at most) and one 9 units away: kept as the
    # fringe (a group smaller than the least group), the others as the largest group
    rng = np.random.default_rng(3)
    x = np.vstack([rng.uniform(0, 0.5, (12, 3)), [[9.0, 0.0, 0.0]]])
    keep, fringe = behaviour_groups(x, 1.0, 5)
    assert keep.all() and fringe.tolist() == [False] * 12 + [True]


def test_the_fringe_of_a_sampled_core() -> None:
    # a core bigger than the sample: the far member is the fringe whether sampled or not
    rng = np.random.default_rng(4)
    x = np.vstack([rng.uniform(0, 0.5, (2_500, 3)), [[9.0, 0.0, 0.0]]])
    keep, fringe = behaviour_groups(x, 1.0, 5)
    assert keep.all() and np.flatnonzero(fringe).tolist() == [2_500]


def _two_groups(cot: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten accounts: five with a 30 % reasoning share, then five with ``cot``, each over
    30 prompts; one other column (the log volume) alike in both groups."""
    shares = np.array([[0.3]] * 5 + [[cot]] * 5)
    measured = np.full(10, 30.0)
    others = np.array([[7.0], [7.2], [6.8], [7.1], [6.9]] * 2)
    return shares, measured, others


def test_a_group_within_the_noise_of_its_prompts_is_the_same_behaviour() -> None:
    main, rows = np.arange(5), np.arange(5, 10)
    # 36 % against 30 % over 150 prompts each: z = 0.06 / sqrt(0.33 * 0.67 * 2 / 150)
    shares, measured, others = _two_groups(0.36)
    z = 0.06 / np.sqrt(0.33 * 0.67 * (2 / 150))
    assert round(float(z), 2) == 1.11
    assert within_noise(shares, measured, others, rows, main, 1)
    # 60 % against 30 %: z = 5.3, p = 1e-7, below 1e-4 over the two columns
    shares, measured, others = _two_groups(0.6)
    assert 2 * norm.sf(0.3 / np.sqrt(0.45 * 0.55 * (2 / 150))) < BEHAVIOUR_ALPHA / 2
    assert not within_noise(shares, measured, others, rows, main, 1)
    # the same shares, another column far apart beyond its members' spread (Welch's t)
    shares, measured, others = _two_groups(0.3)
    assert within_noise(shares, measured, others, rows, main, 1)
    others[5:] += 3.0
    assert not within_noise(shares, measured, others, rows, main, 1)
    # a column without spread: the same value is alike, another is not
    flat = np.zeros((10, 1))
    assert within_noise(shares, measured, flat, rows, main, 1)
    flat[5:] = 1.0
    assert not within_noise(shares, measured, flat, rows, main, 1)
    # no prompt measured and no other column: nothing says they differ
    assert within_noise(shares, np.zeros(10), np.zeros((10, 0)), rows, main, 1)


def test_a_group_cut_by_its_noise_stays_in_the_core() -> None:
    # ten members alike, five more 3 units away: cut as a group of their own (five is
    # the least group), unless ``same`` says they are the same behaviour; ``same`` is
    # asked with the row numbers of the group and of the largest group
    rng = np.random.default_rng(5)
    x = np.vstack([rng.uniform(0, 0.5, (10, 3)), rng.uniform(0, 0.5, (5, 3)) + 3.0])
    keep, fringe = behaviour_groups(x, 1.0, 5)
    assert keep.tolist() == [True] * 10 + [False] * 5 and not fringe.any()
    asked: list[tuple[list[int], list[int], int]] = []

    def same(rows: np.ndarray, main: np.ndarray, tested: int) -> bool:
        asked.append((rows.tolist(), main.tolist(), tested))
        return True

    keep, fringe = behaviour_groups(x, 1.0, 5, same)
    assert keep.all() and fringe.tolist() == [False] * 10 + [True] * 5
    assert asked == [(list(range(10, 15)), list(range(10)), 1)]
    keep, fringe = behaviour_groups(x, 1.0, 5, lambda rows, main, tested: False)
    assert keep.tolist() == [True] * 10 + [False] * 5


def test_each_group_cut_is_numbered_by_its_lowest_row() -> None:
    # ten members alike, a lone member far away (the fringe), then two groups of their
    # own: six members 3 units away and five 6 units away (five is the least group)
    rng = np.random.default_rng(6)
    x = np.vstack(
        [
            rng.uniform(0, 0.5, (10, 3)),
            [[20.0, 0.0, 0.0]],
            rng.uniform(0, 0.5, (6, 3)) + 3.0,
            rng.uniform(0, 0.5, (5, 3)) + 6.0,
        ]
    )
    keep, fringe, cut = behaviour_split(x, 1.0, 5)
    assert keep.tolist() == [True] * 11 + [False] * 11
    assert fringe.tolist() == [False] * 10 + [True] + [False] * 11
    assert cut.tolist() == [-1] * 11 + [0] * 6 + [1] * 5
    # the same masks as behaviour_groups, which does not number the groups
    assert [m.tolist() for m in behaviour_groups(x, 1.0, 5)] == [keep.tolist(), fringe.tolist()]
    # a group ``same`` keeps is fringe, not cut; the other keeps its number 0
    keep, fringe, cut = behaviour_split(x, 1.0, 5, lambda rows, main, tested: 11 in rows)
    assert cut.tolist() == [-1] * 17 + [0] * 5
    # nothing cut: every row -1
    assert behaviour_split(x[:11], 1.0, 5)[2].tolist() == [-1] * 11


def test_the_groups_cut_from_a_sampled_core_are_those_of_the_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from extractscan.link import one_behaviour

    rng = np.random.default_rng(7)
    x = np.vstack(
        [
            rng.normal(0.0, 0.3, (90, 4)),
            rng.normal(6.0, 0.3, (30, 4)),
            rng.normal(-6.0, 0.3, (20, 4)),
        ]
    )
    whole = behaviour_split(x, 1.0, 5)
    assert whole[2].tolist() == [-1] * 90 + [0] * 30 + [1] * 20
    monkeypatch.setattr(one_behaviour, "SAMPLED", 60)
    sampled = one_behaviour.behaviour_split(x, 1.0, 5)
    assert [m.tolist() for m in sampled] == [m.tolist() for m in whole]


def _member(
    name: str, cot: float, coding: float, exchanges: int, ratio: float
) -> dict[str, object]:
    """A core member: its capability shares over all its requests, volume, token ratio."""
    return {
        "account": name,
        "cot_share": cot,
        "tool_use_share": 0.0,
        "coding_share": coding,
        "rubric_share": 0.0,
        "probing_share": 0.0,
        "token_ratio": ratio,
        "hour_entropy": 0.9,
        "exchanges": exchanges,
        "prompts_measured": exchanges,
    }


def test_each_behaviour_cut_is_a_core_of_its_own_with_the_fringe_it_measures_like() -> None:
    from extractscan.link.one_behaviour import behaviours

    # ten coders, six reasoning accounts (cut: a group of its own) and two thin reasoning
    # accounts, 8 requests each: a pair too small to cut, kept as the coders' fringe,
    # then measured apart from the coders (80 % reasoning over 8 prompts against 0 %)
    # and within the noise of the six: they join the six (fit world 1008)
    coders = [_member(f"code_{i}", 0.0, 0.9, 200 + i, 1.0 + 0.01 * i) for i in range(10)]
    reasoners = [_member(f"cot_{i}", 0.8, 0.0, 200 + i, 5.0 + 0.05 * i) for i in range(6)]
    thin = [_member(f"thin_{i}", 0.75, 0.0, 8 + i, 5.0) for i in range(2)]
    core = pl.DataFrame(coders + reasoners + thin)
    outliers = pl.DataFrame([_member("out_0", 0.5, 0.5, 50, 2.0)])
    parts = behaviours(core, outliers, 5)
    names = [(c["account"].to_list(), o["account"].to_list()) for c, o in parts]
    assert names == [
        (
            [f"code_{i}" for i in range(10)],
            ["out_0"] + [f"cot_{i}" for i in range(6)] + ["thin_0", "thin_1"],
        ),
        (
            [f"cot_{i}" for i in range(6)] + ["thin_0", "thin_1"],
            ["out_0"] + [f"code_{i}" for i in range(10)],
        ),
    ]
    # one behaviour: the core and outliers as given
    alone = pl.DataFrame(coders)
    assert [(c.height, o.height) for c, o in behaviours(alone, outliers, 5)] == [(10, 1)]
