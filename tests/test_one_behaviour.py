"""A cluster core's members measured apart from the rest (:func:`measured_apart`):
exact values on tiny cores."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from extractscan.link.one_behaviour import SHARES_ALPHA, behaviour_groups, measured_apart


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
