"""Campaign assembly: linked groups that are pieces of one campaign become one.

An operator who buys cards in pairs and triples, or splits accounts across proxy pools,
leaves many small linked groups; each would be its own incident with its own, lower
severity. Groups whose members are mostly extraction-heavy and whose heavy members use
the same prompt template (near-duplicate cluster, so paraphrased wrappers still match)
are joined: one evidence row between each group's first account and the first account
of the first group on that template, so the cost grows with the groups, not with their
members.

Only groups already linked by infrastructure are assembled: a template alone never
links two accounts (a popular framework's users share one), and ordinary groups (a
family's card, a NAT) are never joined through one.
"""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import EVIDENCE_SCHEMA, tested_values


def assemble(
    comps: pl.DataFrame,
    ids: pl.DataFrame,
    heavy: pl.DataFrame,
    heavy_rate: float,
    cfg: LinkConfig,
) -> pl.DataFrame:
    """Evidence rows (family ``campaign_template``) joining the heavy groups of
    ``comps`` (account, component) whose heavy members share a template cluster.

    A group is heavy when at least half of its members are (``heavy``: account, heavy).
    Only templates used by significantly many heavy accounts count (the crowded-value
    test of :mod:`.crowded`): ordinary requests resold through campaign accounts use the
    same everyday templates as everyone else, and would join unrelated campaigns.
    The weight is the template's rarity, ln(N / accounts on it).
    """
    n_accounts = heavy.height
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    if comps.is_empty():
        return empty
    members = comps.join(heavy, on="account", how="left").with_columns(
        pl.col("heavy").fill_null(False)
    )
    groups = (
        members.group_by("component")
        .agg(pl.col("heavy").mean().alias("share"), pl.col("account").min().alias("first"))
        .filter(pl.col("share") >= 0.5)
    )
    if groups.height < 2:
        return empty
    templates = ids.filter(pl.col("family") == "template")
    if templates.is_empty() or not 0.0 < heavy_rate < 1.0:
        return empty
    tested = tested_values(templates.join(heavy, on="account", how="left"), heavy_rate, cfg)
    enriched = tested.filter("significant").select("value", pl.col("n").alias("df"))
    templates = templates.join(enriched, on="value", how="semi")
    df = enriched
    uses = (
        members.filter("heavy")
        .join(groups.select("component", "first"), on="component")
        .join(templates.select("account", "value"), on="account")
        .select("value", "component", "first")
        .unique()
    )
    # Templates used by two or more heavy groups; the hub is the group with the smallest
    # first account.
    shared = uses.join(
        uses.group_by("value").agg(
            pl.col("first").min().alias("hub"), pl.col("component").n_unique().alias("groups")
        ),
        on="value",
    ).filter((pl.col("groups") >= 2) & (pl.col("first") != pl.col("hub")))
    if shared.is_empty():
        return empty
    base = float(max(n_accounts, 2))
    rows = shared.join(df, on="value").select(
        pl.col("hub").alias("a"),
        pl.col("first").alias("b"),
        pl.lit("campaign_template").alias("family"),
        "value",
        pl.col("groups").cast(pl.UInt32).alias("min_df"),
        (pl.lit(base) / pl.col("df")).log().clip(lower_bound=math.log(2)).alias("weight"),
    )
    return (
        rows.sort("weight", "value", descending=[True, False])
        .group_by("a", "b", "family", maintain_order=True)
        .agg(
            pl.len().cast(pl.UInt32).alias("shared_values"),
            pl.col("value").first().alias("example"),
            pl.col("min_df").min(),
            pl.col("weight").max(),
        )
        .sort("a", "b")
        .select(list(EVIDENCE_SCHEMA))
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
    )
