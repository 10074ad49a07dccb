"""Accounts that lean to extraction, weighed in groups (a card, an exit, a block of
rotating accounts): the per-account rows the leaning tests of :mod:`.leaning_cards` and
:mod:`.rotating_pools` pool, and the ordinary share they are weighed against."""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.features.behaviour import mean_extraction_share
from extractscan.link.crowded import heavy_accounts, wilson_lower


def leaning_accounts(
    groups: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig
) -> tuple[pl.DataFrame, float] | None:
    """The rows of ``groups`` (account, value) with ``leans`` (measured, the Wilson bound
    of its share above the ordinary share), ``is_measured`` (at least
    ``heavy_min_prompts`` measured prompts), ``heavy``, ``k`` and ``m`` (its
    extraction-style and measured prompts), and the ordinary share: the mean share of
    the accounts in no group and not extraction-heavy. None without one."""
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    others = accounts.join(groups, on="account", how="anti").join(heavy, on="account", how="anti")
    base = mean_extraction_share(others)
    if base is None or not 0.0 < base < 1.0:
        return None
    share = pl.col("extraction_share").fill_nan(None).fill_null(0.0)
    n = pl.col("prompts_measured").cast(pl.Float64)
    measured = pl.col("prompts_measured") >= max(cfg.heavy_min_prompts, 1)
    each = (
        groups.join(
            accounts.select("account", "extraction_share", "prompts_measured"), on="account"
        )
        .join(heavy.with_columns(pl.lit(True).alias("heavy")), on="account", how="left")
        .with_columns(
            (measured & (wilson_lower(share, n) > base)).alias("leans"),
            measured.alias("is_measured"),
            pl.col("heavy").fill_null(False),
            (share * n).alias("k"),
            n.alias("m"),
        )
    )
    return each, base
