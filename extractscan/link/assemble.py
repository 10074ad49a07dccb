"""Campaign assembly: linked groups that are pieces of one campaign become one.

An operator who buys cards in pairs and triples, or splits accounts across proxy pools,
leaves many small linked groups; each would be its own incident with its own, lower
severity. Groups whose members use the same prompt template (near-duplicate cluster, so
paraphrased wrappers still match) are joined when that template is specific to linked
groups: of its ``n`` users, ``m`` are in some linked group, far more than the share of
all accounts that are (the crowded-value test of :mod:`.crowded`, with "in a linked
group" in place of "extraction-heavy"). Everyday templates (the ordinary requests a
hydra resells, a popular coding idiom, a framework's system prompt) are used inside and
outside groups alike and join nothing.

One evidence row joins each group's first account to the first account of the first
group on that template, so the cost grows with the groups, not with their members.
Only groups already linked by infrastructure are assembled: a template alone never
links two accounts.
"""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.features.behaviour import mean_extraction_share, pooled_extraction
from extractscan.link.crowded import EVIDENCE_SCHEMA, surprise, tested_values, wilson_lower


def leaning_groups(comps: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(component) of the groups whose pooled prompts are significantly more
    extraction-style than the accounts in no group: ``k`` of their ``n`` measured
    prompts against those accounts' mean share, with the bound and family-wise rate of
    :mod:`.crowded` (a family or a team with ordinary prompts is not; three low-and-slow
    accounts mixing a fifth of extraction prompts into resold traffic are, over their
    hundreds of requests)."""
    if "prompts_measured" not in accounts.columns or comps.is_empty():
        return comps.select("component").head(0)
    # The baseline is the accounts outside every group, each counted once.
    base = mean_extraction_share(accounts.join(comps, on="account", how="anti"))
    if base is None or not 0.0 < base < 1.0:
        return comps.select("component").head(0)
    per = (
        comps.join(accounts, on="account")
        .group_by("component")
        .agg(pooled_extraction(accounts.columns))
        .filter(pl.col("ext_n") > 0)
    )
    threshold = math.log(max(per.height, 1) / cfg.crowded_alpha) if cfg.crowded_alpha else math.inf
    return per.filter(surprise(pl.col("ext_n"), pl.col("ext_k"), base) >= threshold).select(
        "component"
    )


def assemble(
    comps: pl.DataFrame,
    ids: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Evidence rows (family ``campaign_template``) joining the extraction-leaning
    groups of ``comps`` (account, component) that share a template specific to linked
    groups (:func:`leaning_groups`).

    With ``extraction`` (value, n, ext: requests and extraction-style requests per
    template), only extraction templates join: the lower Wilson bound of their
    extraction share reaches ``heavy_share``. A hydra resells everyday requests through
    all its accounts, so everyday templates are used mostly inside its groups too; the
    wrapper is what asks for the reasoning.

    The weight is the template's rarity, ln(N / accounts on it).
    """
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    if extraction is not None:
        share = pl.col("ext").cast(pl.Float64) / pl.col("n")
        wrappers = extraction.filter(
            (pl.col("n") > 0) & (wilson_lower(share, pl.col("n")) >= cfg.heavy_share)
        ).select("value")
        ids = ids.filter(pl.col("family") == "template").join(wrappers, on="value", how="semi")
    n_accounts = accounts.height
    templates = ids.filter(pl.col("family") == "template")
    inside = comps.select("account").unique().height
    if comps.is_empty() or templates.is_empty() or not 0 < inside < n_accounts:
        return empty
    leaning = comps.join(leaning_groups(comps, accounts, cfg), on="component", how="semi")
    firsts = leaning.group_by("component").agg(pl.col("account").min().alias("first"))
    # Only templates two or more leaning groups use could join anything: those are the
    # hypotheses tested (and counted for the family-wise rate).
    candidates = (
        templates.join(leaning, on="account")
        .group_by("value")
        .agg(pl.col("component").n_unique().alias("groups"))
        .filter(pl.col("groups") >= 2)
        .select("value")
    )
    in_group = comps.select("account", pl.lit(True).alias("heavy")).unique("account")
    tested = tested_values(
        templates.join(candidates, on="value", how="semi").join(in_group, on="account", how="left"),
        inside / n_accounts,
        cfg,
    )
    specific = tested.filter("significant").select("value", pl.col("n").alias("df"))
    if specific.is_empty():
        return empty
    uses = (
        templates.join(specific, on="value", how="semi")
        .join(leaning, on="account")
        .join(firsts, on="component")
        .select("value", "component", "first")
    )
    uses = uses.select("value", "component", "first").unique()
    # Only pieces take part: groups of at most ``assemble_max_accounts``. Per template the
    # hub is the largest piece on it (ties: the smallest first account) and every other
    # piece on it joins the hub. Larger groups are linked by their own infrastructure and
    # are never joined this way: two campaigns that send the same wrapper (or the same
    # generic coding request) stay two incidents.
    sizes = comps.group_by("component").agg(pl.len().alias("size"))
    uses = uses.join(sizes, on="component").filter(pl.col("size") <= cfg.assemble_max_accounts)
    hubs = (
        uses.sort(["value", "size", "first"], descending=[False, True, False])
        .group_by("value", maintain_order=True)
        .agg(pl.col("first").first().alias("hub"), pl.len().alias("groups"))
    )
    shared = uses.join(hubs, on="value").filter(
        (pl.col("groups") >= 2) & (pl.col("first") != pl.col("hub"))
    )
    if shared.is_empty():
        return empty
    base = float(max(n_accounts, 2))
    rows = shared.join(specific, on="value").select(
        pl.min_horizontal("hub", "first").alias("a"),
        pl.max_horizontal("hub", "first").alias("b"),
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
