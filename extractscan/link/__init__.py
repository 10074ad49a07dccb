"""Link: tie accounts together through shared identifiers, weighted by rarity.

One entry point, :func:`link`, from the row stage's :class:`Aggregates` and the
per-account table to a :class:`LinkResult`. The steps, one module each:

- :mod:`.fingerprint`: near-duplicate clusters of prompt templates (MinHash/LSH);
- :mod:`.identifiers`: (account, family, value) rows of templates and attributes;
- :mod:`.weights`: rarity weight of every shared value, caps for too-common ones;
- :mod:`.coactivity`: accounts using one template in the same minutes;
- :mod:`.pairs`: candidate pairs and their per-family evidence;
- :mod:`.coincidence`: co-activity weighed by what chance does not explain;
- :mod:`.crowded`: crowded values tested as a whole (heavy accounts behind them);
- :mod:`.mixed`: the campaign's non-heavy accounts behind them, by its wrappers;
- :mod:`.synchrony`: accounts sharing nothing but created, started and switching models
  together with the same behaviour, beyond chance;
- :mod:`.decide`: the link decision per pair;
- :mod:`.grouping`: connected groups of linked accounts;
- :mod:`.assemble`: pieces of one campaign joined into one group.

Reference: Fellegi & Sunter, "A theory for record linkage", JASA 1969; splink's
``blocking.py`` / ``predict.py`` / ``connected_components.py`` split.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import polars as pl

from extractscan.config import Config
from extractscan.features.aggregate import Aggregates
from extractscan.link import fingerprint
from extractscan.link.assemble import assemble, leaning_groups
from extractscan.link.behaviour_groups import respecting_groups, star_identifiers
from extractscan.link.coactivity import CROWDED_BIN_ACCOUNTS, CoActivity
from extractscan.link.coincidence import bin_span, chance_adjusted
from extractscan.link.crowded import crowded, wilson_lower
from extractscan.link.decide import decide_links
from extractscan.link.grouping import components
from extractscan.link.identifiers import account_identifiers, template_identifiers
from extractscan.link.mixed import mixed_members, wrapper_llr
from extractscan.link.pairs import candidate_pairs, pair_keys
from extractscan.link.synchrony import synchrony
from extractscan.link.weights import spread_adjusted, weigh_values
from extractscan.streamed import streamed

__all__ = ["CROWDED_BIN_ACCOUNTS", "LinkResult", "link"]


@dataclass(frozen=True)
class LinkResult:
    """What the linking stage hands the assessment stage.

    Attributes:
        identifiers: (account, family, value) of every identifier family.
        weights: per (family, value): accounts sharing it (``df``), rarity ``weight``,
            ``shared`` and ``too_common``.
        co: the co-activity bins and template texts.
        evidence: per (pair, family): shared values, example, weight, pair key ``pk``.
        links: per pair: family totals and the decision (``linked``, ``same_org``).
        components: (account, component) of the linked groups, numbered by size.
    """

    identifiers: pl.DataFrame
    weights: pl.DataFrame
    co: CoActivity
    evidence: pl.DataFrame
    links: pl.DataFrame
    components: pl.DataFrame

    def sample_rate(self, cfg: Config) -> float:
        """Share of crowded co-activity bins counted (1.0: every bin)."""
        return self.co.sample_rate(cfg.link)

    def pairs(self) -> pl.DataFrame:
        """Evidence rows with their pair's decision, for the findings (no pair key)."""
        return self.evidence.join(
            self.links.select("pk", "total", "linked", "same_org"), on="pk", maintain_order="left"
        ).drop("pk")


def link(agg: Aggregates, accounts: pl.DataFrame, cfg: Config) -> LinkResult:
    """Link the accounts of ``accounts`` (one row each, with attributes) from ``agg``."""
    texts = agg.texts.sort("template")
    near = fingerprint.clusters(texts["template"].to_list(), texts["n"].to_list())
    clusters = texts.select("tkey", "template").join(near, on="template").select("tkey", "cluster")
    ids = pl.concat(
        [
            agg.row_ids,
            template_identifiers(agg.templates, clusters, agg.names),
            account_identifiers(accounts),
        ]
    )
    weights = weigh_values(ids, accounts.height, cfg.link)
    co = CoActivity(
        agg.bins,
        texts.select("tkey", "template"),
        accounts.height,
        names=agg.names,
        tids=agg.tids,
        origin=agg.bin_origin,
    )
    evidence = spread_adjusted(candidate_pairs(ids, weights, co, cfg.link), ids)
    ext = _cluster_extraction(texts, clusters)
    if "exchanges" in accounts.columns:
        span = bin_span(co, cfg.link.co_activity_minutes)
        volume = accounts.select("account", "exchanges")
        everyday = _everyday(clusters, ext, cfg.link.heavy_share)
        evidence = chance_adjusted(evidence, agg.templates, volume, span, everyday)
    uses = partial(_template_uses, agg, clusters)
    crowd = mixed_members(crowded(ids, accounts, cfg.link), ids, accounts, cfg.link, ext, uses)
    if crowd.evidence.height:
        evidence = _with_keys([evidence, crowd.evidence])
        ids = pl.concat([ids, crowd.identifiers])
    links = decide_links(evidence, accounts, cfg.link)
    if cfg.link.assemble_by_template:
        pieces = components(links, 2)
        joins = assemble(pieces, ids, accounts, cfg.link, ext, uses)
        if joins.height:
            evidence = _with_keys([evidence, joins])
            links = decide_links(evidence, accounts, cfg.link)
    # Behavioural clusters come whole, after assembly: joined by a template, one was
    # merged with another operator's campaign (fit world 1002).
    groups = components(links, 2)
    campaigns = groups.join(leaning_groups(groups, accounts, cfg.link), on="component", how="semi")
    mixed = None
    if ext is not None and cfg.link.crowded_mixed:
        mixed = partial(
            wrapper_llr,
            keys=["box"],
            accounts=accounts,
            cfg=cfg.link,
            extraction=ext,
            template_uses=uses,
        )
    behaving = synchrony(accounts, cfg.link, campaigns, groups, mixed)
    if behaving.height:
        behaving = respecting_groups(behaving, groups)
    if behaving.height:
        evidence = _with_keys([evidence, behaving])
        ids = pl.concat([ids, star_identifiers(behaving)])
        links = decide_links(evidence, accounts, cfg.link)
    comps = components(links, cfg.min_incident_accounts)
    return LinkResult(ids, weights, co, evidence, links, comps)


def _template_uses(agg: Aggregates, clusters: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """(account, value, n): requests per account on the template clusters ``values``
    (:data:`.assemble.TemplateUses`), selected on the integer template key first."""
    keys = clusters.join(values.rename({"value": "cluster"}), on="cluster", how="semi")
    return streamed(
        agg.templates.lazy()
        .select("account", "tkey", "n")
        .join(keys.lazy(), on="tkey")
        .group_by("account", pl.col("cluster").alias("value"))
        .agg(pl.col("n").sum())
    )


def _cluster_extraction(texts: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame | None:
    """(value, n, ext): requests and extraction-style requests per template cluster (the
    ``template`` identifier's value), or None when the row stage did not count them."""
    if "ext" not in texts.columns:
        return None
    return (
        texts.select("tkey", "n", "ext")
        .join(clusters, on="tkey")
        .group_by(pl.col("cluster").alias("value"))
        .agg(pl.col("n").sum(), pl.col("ext").sum())
    )


def _everyday(
    clusters: pl.DataFrame, extraction: pl.DataFrame | None, heavy_share: float
) -> pl.DataFrame | None:
    """(tkey) of the templates whose cluster is not an extraction wrapper (the lower
    Wilson bound of its extraction share below ``heavy_share``), or None when the row
    stage did not count extraction requests (every template then)."""
    if extraction is None:
        return None
    share = pl.col("ext").cast(pl.Float64) / pl.col("n")
    wrappers = extraction.filter(
        (pl.col("n") > 0) & (wilson_lower(share, pl.col("n")) >= heavy_share)
    ).select(pl.col("value").alias("cluster"))
    return clusters.join(wrappers, on="cluster", how="anti").select("tkey")


def _with_keys(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Evidence parts concatenated, with pair keys made anew over all of them and in
    pair-key order (as :func:`candidate_pairs` gives its own)."""
    cols = ["a", "b", "family", "shared_values", "example", "min_df", "weight"]
    ev = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")
    return pair_keys(ev).sort("pk", "family")
