"""Rarity weights of shared values.

A value shared by ``df`` of ``N`` accounts weighs ``reliability * ln(N / df)``; values
shared by more accounts than the family's cap are marked ``too_common``.

Reference: Fellegi & Sunter, "A theory for record linkage", JASA 1969, and the
term-frequency adjustment of Splink (``tf_adjustment``): agreement on a rare value is
stronger evidence than agreement on a common one.
"""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.model.families import FAMILIES
from extractscan.streamed import streamed


def family_caps(cfg: LinkConfig) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "family": list(FAMILIES),
            "cap": [
                cfg.max_accounts_per_value.get(k, cfg.max_accounts_per_value.get(f.group, 50))
                for k, f in FAMILIES.items()
            ],
            "reliability": [f.reliability for f in FAMILIES.values()],
        }
    )


def weighed(df: pl.DataFrame, n_accounts: int) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("df") >= 2).alias("shared"),
        (pl.col("df") > pl.col("cap")).alias("too_common"),
        (pl.col("reliability") * (pl.lit(float(max(n_accounts, 2))) / pl.col("df")).log()).alias(
            "weight"
        ),
    )


def weigh_values(ids: pl.DataFrame, n_accounts: int, cfg: LinkConfig) -> pl.DataFrame:
    """Per (family, value): accounts sharing it, IDF weight; too-common values dropped."""
    df = streamed(ids.lazy().group_by("family", "value").agg(pl.len().alias("df")))
    return weighed(df.join(family_caps(cfg), on="family", how="left"), n_accounts)
