"""Likelihood ratios of sending the wrappers at a campaign's rates, capped.

An account (or a piece) with ``n`` requests, ``k_t`` of them on wrapper ``t``, sending
``t`` at ``rho_t`` times the ordinary rate ``r_t`` has the Poisson likelihood ratio
``exp(sum_t k_t ln(rho_t) - n sum_t r_t (rho_t - 1))`` against sending like ordinary
accounts. Under that null it has expectation 1 for any ``rho`` fixed beforehand, and so
has the mean of several: here ``rho_t`` is ``q_t / r_t`` (``q_t`` the campaign's rate)
capped at each of :data:`CAPS`. The mean is an e-value, so Markov's inequality bounds
the chance that it passes ``1 / alpha`` by ``alpha`` as for one ratio; it costs at most
``ln 6`` nats against the best of its terms.

Why capped: the campaign's rates are those of every account it is measured on, and
where another campaign dominates them (a grader sending half the linked groups'
requests on its two wrappers), the uncapped ratio charges an account for not sending
that campaign's wrappers, ``n (q_t - r_t)``, more than its own wrappers earn (held-out
world 2453: a low-and-slow pair charged 29 nats over its 50 requests, its six uses of
its campaign's wrappers earning 30). Capped at ``c``, the charge is at most ``n r_t (c -
1)``, a fraction of a nat when the ordinary rate is small; a wrapper ordinary accounts
send too earns ``ln(q_t / r_t)`` or less per use at any cap.

References: L. Wasserman, A. Ramdas, S. Balakrishnan, "Universal inference", PNAS 2020
(likelihood ratios as e-values, Markov's inequality for the level); V. Vovk, R. Wang,
"E-values: calibration, combination and applications", Annals of Statistics 2021 (the
mean of e-values is an e-value).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

#: At most how many times the ordinary rate the campaign's rate is taken to be, one
#: likelihood ratio each (``None``: not capped).
CAPS: tuple[float | None, ...] = (1e1, 1e2, 1e3, 1e4, 1e5, None)


def terms() -> list[str]:
    """The columns of the terms, one per cap of :data:`CAPS`."""
    return [f"rho{i}" for i in range(len(CAPS))]


def ratios(q: pl.Expr, r: pl.Expr) -> list[pl.Expr]:
    """``rho_t`` per cap (columns :func:`terms`) from the rates ``q`` (the campaign's)
    and ``r`` (the ordinary accounts'), both per request."""
    ratio = q / r
    return [
        (ratio if cap is None else ratio.clip(upper_bound=cap)).alias(term)
        for cap, term in zip(CAPS, terms(), strict=True)
    ]


def charges(r: pl.Expr) -> list[pl.Expr]:
    """Per term, ``sum_t r_t (rho_t - 1)`` (an aggregation over the wrappers): what
    each request is expected to send beyond the ordinary rate."""
    return [(r * (pl.col(t) - 1)).sum().alias(t) for t in terms()]


def gains(k: pl.Expr) -> list[pl.Expr]:
    """Per term, ``sum_t k_t ln(rho_t)`` (an aggregation over the wrappers used)."""
    return [(k * pl.col(t).log()).sum().alias(t) for t in terms()]


def charged(n: pl.Expr, charge: Sequence[pl.Expr]) -> list[pl.Expr]:
    """Per term, its gain (the columns of :func:`gains`) less ``n`` requests times its
    charge (``charge``, one per term, from :func:`charges`): the log-likelihood ratios."""
    return [(pl.col(t) - n * c).alias(t) for t, c in zip(terms(), charge, strict=True)]


def mean_llr() -> pl.Expr:
    """The log of the terms' mean likelihood ratio, from the columns of :func:`terms`
    (each a log-likelihood ratio); from the largest, so that nothing overflows."""
    cols = terms()
    top = pl.max_horizontal(cols)
    return top + pl.mean_horizontal([(pl.col(t) - top).exp() for t in cols]).log()
