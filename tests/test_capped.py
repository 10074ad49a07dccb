"""The capped likelihood ratios of sending the wrappers (extractscan.link.capped): exact
values on a tiny table, and their mean is an e-value (expectation 1 under the null)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from extractscan.link.capped import CAPS, charged, charges, gains, mean_llr, ratios, terms


def _llr(q: list[float], r: list[float], n: int, k: list[list[int]]) -> list[float]:
    """The mean log-likelihood ratio of accounts of ``n`` requests, ``k[i][t]`` on
    wrapper ``t``, at the campaign's rates ``q`` and the ordinary rates ``r``."""
    rates = pl.DataFrame({"t": range(len(q)), "q": q, "r": r}).with_columns(
        ratios(pl.col("q"), pl.col("r"))
    )
    charge = rates.select(charges(pl.col("r"))).row(0)
    uses = pl.DataFrame(
        [(i, t, kt) for i, row in enumerate(k) for t, kt in enumerate(row)],
        schema={"account": pl.Int64, "t": pl.Int64, "k": pl.Int64},
        orient="row",
    )
    return (
        uses.join(rates, on="t")
        .group_by("account")
        .agg(gains(pl.col("k")))
        .with_columns(charged(pl.lit(n), [pl.lit(c) for c in charge]))
        .sort("account")
        .select(mean_llr())
        .to_series()
        .to_list()
    )


def test_the_mean_of_the_capped_ratios_on_a_tiny_table() -> None:
    # wrapper 0 is another campaign's (half its requests, never sent by ordinary
    # accounts); wrapper 1 the account's own, sent 3 times in 20 requests
    q, r = [0.5, 0.01], [1e-6, 1e-3]
    got = _llr(q, r, 20, [[0, 3], [0, 0]])
    want = []
    for k1 in (3, 0):
        per = []
        for cap in CAPS:
            rho = [q[t] / r[t] if cap is None else min(q[t] / r[t], cap) for t in (0, 1)]
            charge = sum(r[t] * (rho[t] - 1) for t in (0, 1))
            per.append(k1 * math.log(rho[1]) - 20 * charge)
        want.append(math.log(sum(math.exp(x) for x in per) / len(per)))
    assert got == pytest.approx(want)
    # uncapped, the other campaign's wrapper costs the account 10 nats: -3.27; capped
    # at 10 times the ordinary rate 6.73 nats, and the mean is within ln 6 of that
    assert 3 * math.log(10) - 20 * (0.5 - 1e-6 + 0.009) == pytest.approx(-3.272, abs=1e-3)
    assert 6.73 - math.log(len(CAPS)) < got[0] < 6.73
    assert len(terms()) == len(CAPS) == 6


def test_the_mean_is_an_e_value() -> None:
    # E[exp(llr)] = 1 when the counts are Poisson at the ordinary rates, caps or not:
    # summed exactly over every count of two wrappers up to far in the tail
    # (ratios 6 and 15: capped at 10 or not; the counts' tails under the alternatives,
    # means 18 and 9, are within the sums too)
    q, r, n = [0.06, 0.03], [0.01, 0.002], 300
    grid = [[a, b] for a in range(70) for b in range(45)]
    llr = _llr(q, r, n, grid)
    mean = [n * x for x in r]
    p = [
        math.exp(-mean[0] - mean[1])
        * mean[0] ** a
        / math.factorial(a)
        * mean[1] ** b
        / math.factorial(b)
        for a, b in grid
    ]
    assert sum(p) == pytest.approx(1.0, abs=1e-12)
    assert sum(pi * math.exp(x) for pi, x in zip(p, llr, strict=True)) == pytest.approx(
        1.0, rel=1e-9
    )
