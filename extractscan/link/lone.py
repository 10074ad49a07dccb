"""Lone accounts behind a linked subnet: joined by another kind of evidence.

A crowded subnet (:mod:`.crowded`) links the heavy accounts behind it only when they also
sit behind a corroborating crowd (a card, an exit IP, a proxy pool): a subnet alone holds
a NAT's or a proxy service's other customers too. A hydra on its own cards whose exits
each carry one or two of its accounts leaves those accounts behind the subnet only. Such
an account joins the subnet's incident when it shares a counting identifier of another
kind with an account linked through the subnet: two kinds of evidence, as a pair needs.
"""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import Crowded, star_evidence
from extractscan.model.families import CROWDED_FAMILIES, FAMILIES


def lone_members(crowd: Crowded, pairs: pl.DataFrame, cfg: LinkConfig) -> Crowded:
    """``crowd`` with the heavy accounts behind a linked subnet and no corroborating
    crowd (``crowd.lone``) linked to it when they share a counting identifier of
    another kind (a card, an e-mail pattern, co-activity; ``pairs``: pair evidence
    rows, at ``min_family_weight`` or more) with an account linked through that subnet:
    two kinds of evidence, as :func:`.decide.decide_links` asks of a pair.

    A subnet alone corroborates no account (tried: it split identifier-free campaigns
    in 9 fit worlds), but a hydra on its own cards whose exits each carry one or two of
    its accounts sits behind its subnet only (held-out world 999: 6 of 28 accounts,
    on four exits shared with other customers, each with a throwaway e-mail pattern of
    the 22 linked)."""
    if crowd.lone.is_empty() or pairs.is_empty() or crowd.identifiers.is_empty():
        return crowd
    subnet = CROWDED_FAMILIES["ip_prefix"]
    linked = crowd.identifiers.filter(pl.col("family") == subnet).select("account", "value")
    other = sorted(
        k for k, f in FAMILIES.items() if f.counts and f.group not in ("network", "crowded")
    )
    strong = pairs.filter(
        pl.col("family").is_in(other) & (pl.col("weight") >= cfg.min_family_weight)
    ).select("a", "b")
    partners = pl.concat([strong, strong.select(pl.col("b").alias("a"), pl.col("a").alias("b"))])
    joined = (
        crowd.lone.rename({"account": "a"})
        .join(partners, on="a")
        .join(linked.rename({"account": "b"}), on=["b", "value"], how="semi")
        .select(pl.col("a").alias("account"), "value", "n", "weight")
        .unique()
    )
    if joined.is_empty():
        return crowd
    hub = linked.group_by("value").agg(pl.col("account").min().alias("hub"))
    star = joined.join(hub, on="value").select(
        pl.min_horizontal("hub", "account").alias("a"),
        pl.max_horizontal("hub", "account").alias("b"),
        pl.lit(subnet).alias("family"),
        "value",
        "n",
        "weight",
    )
    identifiers = (
        pl.concat(
            [crowd.identifiers, joined.select("account", pl.lit(subnet).alias("family"), "value")]
        )
        .unique()
        .sort("family", "value", "account")
    )
    evidence = pl.concat([crowd.evidence, star_evidence(star)]).sort("a", "b", "family")
    return replace(crowd, evidence=evidence, identifiers=identifiers)
