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


#: Families whose values an account may hold many of, each a chance to share one: a
#: reseller's 126 subnets shared one with a campaign account (report worlds 29, 36).
SPREAD_FAMILIES: tuple[str, ...] = ("ip", "ip_prefix")


def spread_excess(ids: pl.DataFrame) -> pl.DataFrame:
    """Per (account, family) of :data:`SPREAD_FAMILIES`: ``x = ln(n / m)`` (at least 0),
    ``n`` the values of the family the account holds in ``ids`` and ``m`` their median
    over accounts (see :func:`spread_adjusted`); no rows when no account holds one."""
    held = (
        ids.lazy()
        .filter(pl.col("family").is_in(list(SPREAD_FAMILIES)))
        .group_by("account", "family")
        .agg(pl.col("value").n_unique().alias("n"))
        .collect()
    )
    median = held.group_by("family").agg(pl.col("n").median().alias("m"))
    return held.join(median, on="family").select(
        "account", "family", (pl.col("n") / pl.col("m")).clip(lower_bound=1.0).log().alias("x")
    )


def spread_adjusted(
    evidence: pl.DataFrame, ids: pl.DataFrame | None = None, excess: pl.DataFrame | None = None
) -> pl.DataFrame:
    """``evidence`` with each :data:`SPREAD_FAMILIES` weight lowered by the family's
    reliability times ``ln(n_a / m) + ln(n_b / m)`` (each at least 0): ``n`` is how many
    values of the family the account holds and ``m`` the median over accounts. Two
    accounts holding ``n_a`` and ``n_b`` values share one by chance about ``n_a * n_b``
    times as often as two holding one each, so a value shared between an aggregator's
    hundred subnets and a campaign's exits says less than the same value shared by two
    accounts with one subnet each. Rows left without weight are dropped; order is kept.
    ``excess`` is :func:`spread_excess` of ``ids`` when already counted."""
    fams = list(SPREAD_FAMILIES)
    if excess is None:
        if ids is None:
            raise ValueError("spread_adjusted: needs the identifiers or their excess")
        excess = spread_excess(ids)
    if excess.is_empty() or not evidence["family"].is_in(fams).any():
        return evidence
    rel = pl.DataFrame(
        {"family": fams, "_rel": [FAMILIES[f].reliability for f in fams]},
        schema={"family": evidence.schema["family"], "_rel": pl.Float64},
    )
    cols = evidence.columns
    ex = excess.with_columns(pl.col("family").cast(evidence.schema["family"]))
    out = (
        evidence.join(rel, on="family", how="left", maintain_order="left")
        .join(
            ex.rename({"account": "a", "x": "_xa"}),
            on=["a", "family"],
            how="left",
            maintain_order="left",
        )
        .join(
            ex.rename({"account": "b", "x": "_xb"}),
            on=["b", "family"],
            how="left",
            maintain_order="left",
        )
        .with_columns(
            pl.when(pl.col("_rel").is_not_null())
            .then(
                pl.col("weight")
                - pl.col("_rel") * (pl.col("_xa").fill_null(0.0) + pl.col("_xb").fill_null(0.0))
            )
            .otherwise(pl.col("weight"))
            .alias("weight")
        )
        .filter(pl.col("weight") > 0)
    )
    return out.select(cols)
