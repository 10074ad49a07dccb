"""Coordination and content signals of a group of accounts (small per-account frames).

- payload diversity: distinct prompts per request on the group's templates; a campaign
  sends one wrapper with very diverse payloads, a support bot repeats its payloads;
- regrowth: accounts joining after others went quiet (banned or rotated hydra heads);
- synchronized pivot: accounts that moved most of their traffic to the newest model
  within a day of its first appearance in the log;
- rate-limit hugging: accounts whose peak requests per minute sit just under a common
  ceiling.

Reference: Cao et al., "Uncovering Large Groups of Active Malicious Accounts in Online
Social Networks" (SynchroTrap, CCS 2014) for loose synchrony of coordinated accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from extractscan.streamed import streamed

DAY = timedelta(days=1)


@dataclass(frozen=True)
class NewestModel:
    """The model that appeared last in the log, and when."""

    name: str
    first_day: date


def newest_model(models: pl.DataFrame) -> NewestModel | None:
    """From per-(account, model, day) counts: the model whose first day is latest.

    Only a model that appears after the log's first day counts as newly released.
    """
    if models.is_empty():
        return None
    first = models.group_by("model").agg(pl.col("day").min()).sort(["day", "model"])
    if first.height < 2 or first["day"][-1] == first["day"][0]:
        return None
    return NewestModel(str(first["model"][-1]), first["day"][-1])


def payload_diversity(templates: pl.DataFrame) -> float | None:
    """Distinct prompts per request over the group's templates (1 = every prompt new)."""
    if templates.is_empty() or "distinct" not in templates.columns:
        return None
    n = int(templates["n"].sum())
    return float(templates["distinct"].sum()) / n if n else None  # type: ignore[arg-type]


def regrowth(a: pl.DataFrame) -> float:
    """Share of accounts that first appeared after another account of the group went quiet."""
    return float(a.select(regrowth_share()).item()) if a.height else 0.0


def regrowth_share() -> pl.Expr:
    """:func:`regrowth` as an aggregation (per group in a group-by, or over a frame)."""
    last = pl.col("last_seen")
    first_quiet = last.filter(last < last.max() - DAY).min()
    share = (pl.col("first_seen") > first_quiet).mean()
    return (
        pl.when((pl.len() >= 2) & first_quiet.is_not_null())
        .then(share.cast(pl.Float64))
        .otherwise(0.0)
    )


def pivoted(models: pl.DataFrame, newest: NewestModel | None) -> pl.DataFrame:
    """Per account: True if it used the newest model within a day of its first appearance
    and sent most of its later traffic there."""
    if newest is None or models.is_empty():
        return pl.DataFrame(schema={"account": pl.String, "pivoted": pl.Boolean})
    after = models.filter(pl.col("day") >= pl.lit(newest.first_day))
    on_new = pl.col("model") == newest.name
    # The newest model's rows as columns first: no filter inside the aggregation.
    return streamed(
        after.lazy()
        .with_columns(
            pl.when(on_new).then(pl.col("n")).otherwise(0).alias("_n_new"),
            pl.when(on_new).then(pl.col("day")).alias("_day_new"),
        )
        .group_by("account")
        .agg(
            (
                (pl.col("_n_new").sum() / pl.col("n").sum() >= 0.5)
                & (pl.col("_day_new").min() <= newest.first_day + DAY)  # type: ignore[operator]
            )
            .fill_null(False)
            .alias("pivoted")
        )
    )


def pivot_share(accounts: list[str], pivots: pl.DataFrame) -> float:
    """Share of ``accounts`` that pivoted to the newest model."""
    if not accounts or pivots.is_empty():
        return 0.0
    hit = pivots.filter(pl.col("account").is_in(accounts) & pl.col("pivoted")).height
    return hit / len(accounts)


def limit_hugging(a: pl.DataFrame) -> float:
    """Share of accounts whose peak requests per minute is within 10 % of the group's
    common ceiling (the largest peak), when that ceiling is at least 5 per minute."""
    if "peak_rpm" not in a.columns or not a.height:
        return 0.0
    return float(a.select(limit_hugging_share()).item())


def limit_hugging_share() -> pl.Expr:
    """:func:`limit_hugging` as an aggregation (needs a ``peak_rpm`` column)."""
    peaks = pl.col("peak_rpm").drop_nulls()
    ceiling = peaks.max().cast(pl.Float64)
    return (
        pl.when((pl.len() >= 2) & (ceiling >= 5))
        .then((peaks >= 0.9 * ceiling).mean().cast(pl.Float64))
        .otherwise(0.0)
    )
