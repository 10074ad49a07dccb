"""Link: tie accounts together through shared identifiers, weighted by rarity.

One entry point, :func:`link`, from the row stage's :class:`Aggregates` and the
per-account table to a :class:`LinkResult`. The steps, one module each:

- :mod:`.fingerprint`: near-duplicate clusters of prompt templates (MinHash/LSH);
- :mod:`.identifiers`: (account, family, value) rows of templates and attributes;
- :mod:`.weights`: rarity weight of every shared value, caps for too-common ones;
- :mod:`.coactivity`: accounts using one template in the same minutes;
- :mod:`.pairs`: candidate pairs and their per-family evidence (:mod:`.values`: the
  usable values numbered in example order; :mod:`.shared_bins`: the co-activity bins
  two accounts of one group share, the only bins numbered on the grouped path);
- :mod:`.coincidence`: co-activity weighed by what chance does not explain;
- :mod:`.crowded`: crowded values tested as a whole (heavy accounts behind them);
- :mod:`.mixed`: the campaign's non-heavy accounts behind them, by its wrappers
  (:mod:`.wrapper_rates`: the likelihood ratio it and the behavioural boxes ask);
- :mod:`.lone`: heavy accounts behind a linked subnet only, by evidence of another kind;
- :mod:`.synchrony`: accounts sharing nothing but created, started and switching models
  together with the same behaviour, beyond chance (:mod:`.box_reference`: the campaign's
  own accounts out of a box's reference);
- :mod:`.decide`: the link decision per pair;
- :mod:`.grouping`: connected groups of linked accounts;
- :mod:`.assemble`: pieces of one campaign joined into one group (:mod:`.capped`: the
  likelihood ratios of sending a campaign's wrappers that its pieces are tested on).

The template clusters are found in a worker thread beside the pairs that do not need
them (see :func:`link`); the output does not depend on the threads' timing.

Reference: Fellegi & Sunter, "A theory for record linkage", JASA 1969; splink's
``blocking.py`` / ``predict.py`` / ``connected_components.py`` split.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np
import polars as pl

from extractscan.config import Config
from extractscan.features.aggregate import Aggregates
from extractscan.link.assemble import TemplateUses, assemble, leaning_groups
from extractscan.link.behaviour_groups import (
    outside_institutions,
    respecting_groups,
    star_identifiers,
)
from extractscan.link.coactivity import CROWDED_BIN_ACCOUNTS, CoActivity
from extractscan.link.coincidence import bin_span, chance_factors, co_rows, with_factors
from extractscan.link.crowded import Crowded, extraction_wrappers
from extractscan.link.decide import decide_links
from extractscan.link.fingerprint import text_clusters as _clusters
from extractscan.link.grouping import components
from extractscan.link.identifiers import (
    LabelledLater,
    WrapperUses,
    account_identifiers,
    chosen_templates,
    numbered_uses,
    template_cells,
    template_identifiers,
    template_keys,
)
from extractscan.link.leaning_cards import crowded
from extractscan.link.leaning_pools import unlike_members
from extractscan.link.lone import lone_members
from extractscan.link.mixed import mixed_members
from extractscan.link.pairs import (
    Prepared,
    anchor_families,
    candidate_pairs,
    finish,
    late_values,
    pair_keys,
    prepare,
)
from extractscan.link.shared_client import client_joins, client_members
from extractscan.link.synchrony import preload, synchrony
from extractscan.link.weights import (
    family_caps,
    spread_adjusted,
    spread_excess,
    weigh_values,
    weighed,
)
from extractscan.link.wrapper_rates import WrapperRates
from extractscan.streamed import streamed

__all__ = ["CROWDED_BIN_ACCOUNTS", "LinkResult", "link"]


@dataclass(frozen=True)
class LinkResult:
    """What the linking stage hands the assessment stage.

    Attributes:
        listed: (account, family, value) of the identifiers, the template ones too unless
            ``later`` holds them (see :attr:`identifiers`).
        weights: per (family, value): accounts sharing it (``df``), rarity ``weight``,
            ``shared`` and ``too_common``.
        co: the co-activity bins and template texts.
        evidence: per (pair, family): shared values, example, weight, pair key ``pk``.
        links: per pair: family totals and the decision (``linked``, ``same_org``).
        components: (account, component) of the linked groups, numbered by size.
        later: the template identifiers as numbers, labelled when read (or None).
    """

    listed: pl.DataFrame
    weights: pl.DataFrame
    co: CoActivity
    evidence: pl.DataFrame
    links: pl.DataFrame
    components: pl.DataFrame
    later: LabelledLater | None = None

    @cached_property
    def identifiers(self) -> pl.DataFrame:
        """(account, family, value) of every identifier family, in no particular order."""
        return self.identifiers_of(None)

    def identifiers_of(self, accounts: pl.DataFrame | None) -> pl.DataFrame:
        """:attr:`identifiers` of the accounts of ``accounts`` (account), or of every
        account (None): the template ones labelled for those accounts only."""
        if self.later is None:
            return self.listed
        names = None if accounts is None else accounts["account"]
        return pl.concat([self.listed, self.later.rows(names)])

    def sample_rate(self, cfg: Config) -> float:
        """Share of crowded co-activity bins counted (1.0: every bin)."""
        return self.co.sample_rate(cfg.link)

    def pairs(self) -> pl.DataFrame:
        """Evidence rows with their pair's decision, for the findings (no pair key)."""
        return self.evidence.join(
            self.links.select("pk", "total", "linked", "same_org"), on="pk", maintain_order="left"
        ).drop("pk")


def link(agg: Aggregates, accounts: pl.DataFrame, cfg: Config) -> LinkResult:
    """Link the accounts of ``accounts`` (one row each, with attributes) from ``agg``.

    The template clusters (single-threaded NumPy and Python, a third of the stage at
    seed scale) are found in a worker thread, which then counts the accounts' requests on
    the extraction wrappers, numbers their template cells by cluster and adds the template
    identifiers to the pairs (:func:`.pairs.finish`, once the main thread has prepared
    them). Meanwhile the main thread
    joins the accounts' templates to their cells, weighs and pairs the identifiers that
    do not need clusters (:func:`.pairs.prepare`, polars without the GIL), tests the
    crowded values and then, once the clusters are found, weighs the pairs' co-activity
    against chance (:func:`.coincidence.chance_factors`) and tests the mixed traffic
    behind the crowds (:func:`.mixed.mixed_members`) and counts the network values each
    account holds (:func:`.weights.spread_excess`); the worker then writes out the
    wrappers' rows assembly reads. The template identifiers' texts are written when read
    (:class:`.identifiers.LabelledLater`): the report reads the incident members' only.
    The same output as
    one step after another (tested): each part has the same inputs either way, and they
    are joined in a fixed order.
    Measured on the 28.8M-row world (``benchmarks/RESULTS.md``, "Linking at seed
    scale: the link stage's parts").
    """
    pool = ThreadPoolExecutor(1, thread_name_prefix="extractscan-templates")
    done = False
    tmpl: pl.DataFrame | None = None  # the template identifiers, when not split
    later: LabelledLater | None = None  # ... or their numbers, labelled when read
    try:
        acct = account_identifiers(accounts)
        base = pl.concat([agg.row_ids, acct])
        # Template identifiers are added late when they are a support family of their
        # own and name accounts the pairs number (the bins' names).
        names = agg.names if "aid" in agg.templates.columns else None
        split = (
            names is not None
            and "template" not in anchor_families(cfg.link)
            and "template" not in base["family"].unique().to_list()
        )
        found = pool.submit(_clusters, agg.texts)
        co = CoActivity(
            agg.bins,
            agg.texts.select("tkey", "template"),  # looked up by key only: in any order
            accounts.height,
            names=agg.names,
            tids=agg.tids,
            origin=agg.bin_origin,
        )
        prep = base_weights = cells = None
        counted: Future[tuple[pl.DataFrame | None, pl.DataFrame | None, WrapperUses]] | None
        paired: Future[tuple[pl.DataFrame, pl.DataFrame]] | None
        counted = paired = None
        if split and names is not None:
            cells = template_cells(agg.templates, agg.texts, names)
            # the requests on the extraction wrappers counted in the worker once it has
            # found the clusters (tasks run in turn), then the cells numbered by cluster:
            # mixed traffic needs the counts, the template pairs the numbers
            counted = pool.submit(_counted_uses, found, cells, names, cfg)
            keyed = pool.submit(lambda: template_keys(cells, found.result()[2]))
            base_weights = weigh_values(base, accounts.height, cfg.link)
            prep = prepare(base, base_weights, co, cfg.link)
            # the template identifiers weighed and added to the pairs there next
            paired = pool.submit(_template_pairs, prep, keyed, found, names, accounts.height, cfg)
        crowd = crowded(base, accounts, cfg.link)
        texts, clusters, cid, labels = found.result()
        # The clustering library is imported now, for synchrony at the end: an import
        # holds the GIL, which the template clusters needed until now.
        preload(accounts, cfg.link)
        wrapped: Future[pl.DataFrame] | None = None
        if prep is not None and base_weights is not None and cells is not None:
            assert names is not None and counted is not None and paired is not None
            # Co-activity beyond chance needs the pairs' co-activity rows only (no template
            # pairs) and the clusters' extraction counts: worked out while the worker
            # counts the wrappers' uses (measured at 28.8M rows: this took 1.2-1.9 s
            # after the pairs; the clusters' extraction counts made here too, 0.05 s).
            early = _cluster_extraction(texts, clusters)
            chance = _chance(co_rows(prep), accounts, agg, clusters, early, cfg)
            ext, wrappers, counted_uses = counted.result()
            uses: TemplateUses = counted_uses
            # Mixed traffic needs no template pairs: tested while the worker numbers the
            # template cells and adds them to the pairs.
            crowd = unlike_members(crowd, accounts, cfg.link, ext, uses, acct)
            rates = _rates(accounts, cfg, ext, uses)
            crowd = mixed_members(crowd, base, accounts, cfg.link, ext, uses, rates)
            # the network values held per account, counted here while the worker numbers
            # the template cells and pairs them (measured at 28.8M rows: the main thread
            # waited 0.5 s for the wrappers' counts when they came after the numbers)
            excess = spread_excess(base)
            keys = keyed.result()
            # the wrappers' rows (assembly reads them) are made in the thread while the
            # evidence is decided
            if wrappers is not None:  # assembly reads the wrappers' template rows only
                wrapped = pool.submit(chosen_templates, keys, labels, names, wrappers)
            later = LabelledLater(keys, labels, names)
            pairs, tmpl_weights = paired.result()
            weights = pl.concat([base_weights, tmpl_weights])
        else:
            ext = _cluster_extraction(texts, clusters)
            tmpl = template_identifiers(agg.templates, clusters, agg.names)
            every = pl.concat([agg.row_ids, tmpl, acct])
            weights = weigh_values(every, accounts.height, cfg.link)
            pairs = candidate_pairs(every, weights, co, cfg.link)
            uses = partial(_template_uses, agg, clusters)
            crowd = unlike_members(crowd, accounts, cfg.link, ext, uses, acct)
            rates = _rates(accounts, cfg, ext, uses)
            crowd = mixed_members(crowd, base, accounts, cfg.link, ext, uses, rates)
            co_pairs = pairs.filter(pl.col("family") == "co_activity")
            chance = _chance(co_pairs, accounts, agg, clusters, ext, cfg)
            excess = spread_excess(base)
        # the network values' spread, then co-activity beyond chance
        evidence = with_factors(spread_adjusted(pairs, excess=excess), chance)
        crowd = lone_members(crowd, evidence, cfg.link)
        if crowd.evidence.height:
            evidence = _with_keys([evidence, crowd.evidence])
        links = decide_links(evidence, accounts, cfg.link)
        pieces = components(links, 2) if cfg.link.assemble_by_template else None
        wrapper_rows = wrapped.result() if wrapped is not None else None
        done = True
    finally:
        # On success the worker has nothing left to do (the wrappers' rows were read).
        pool.shutdown(wait=not done, cancel_futures=not done)
    groups = pieces  # the groups of ``links``, while nothing joins them
    if pieces is not None:
        # assembly reads the template rows only: when split, these are all of them, and
        # with extraction counts only the wrappers' rows (taken from the numbered keys)
        if wrapper_rows is not None:
            templates = wrapper_rows
        elif later is not None:
            templates = later.rows()
        else:
            templates = _identifiers(agg, tmpl, acct, crowd)
        kind = pl.col("family").cast(pl.String)
        cards, places = base.filter(kind == "payment"), base.filter(kind == "ip")
        joins = assemble(pieces, templates, accounts, cfg.link, ext, uses, cards, places)
        if joins.height:
            evidence = _with_keys([evidence, joins])
            links = decide_links(evidence, accounts, cfg.link)
            groups = None
    # Pieces that share their own client (a grader split by subnet) are one campaign.
    if groups is None:
        groups = components(links, 2)
    clients = client_joins(base, groups, accounts, cfg.link)
    if clients.height:
        evidence = _with_keys([evidence, clients])
        links = decide_links(evidence, accounts, cfg.link)
        groups = None
    # Heavy accounts left out of a campaign on its own client and one identifier shared.
    if groups is None:
        groups = components(links, 2)
    members = client_members(base, groups, accounts, evidence, cfg.link, crowd.rotating)
    if members.height:
        evidence = _with_keys([evidence, members])
        links = decide_links(evidence, accounts, cfg.link)
        groups = None
    # Behavioural clusters come whole, after assembly: joined by a template, one was
    # merged with another operator's campaign (fit world 1002).
    if groups is None:
        groups = components(links, 2)
    campaigns = groups.join(leaning_groups(groups, accounts, cfg.link), on="component", how="semi")
    # the wrapper rates of the mixed traffic, asked again by every behavioural box
    mixed = None if rates is None else partial(rates.llr, keys=["box"])
    behaving = synchrony(accounts, cfg.link, campaigns, groups, mixed)
    if behaving.height:
        behaving = outside_institutions(respecting_groups(behaving, groups), accounts, campaigns)
    ids = _identifiers(agg, tmpl, acct, crowd)
    if behaving.height:
        evidence = _with_keys([evidence, behaving])
        ids = pl.concat([ids, star_identifiers(behaving)])
        links = decide_links(evidence, accounts, cfg.link)
        # Pieces on their own client, asked again once the behavioural clusters are
        # groups: until then a campaign linked by behaviour alone is in no group, and its
        # heavy accounts are the baseline an extraction-leaning group is measured against
        # (held-out world 2186: a 5,107-account identifier-free campaign lifted it from
        # 0.08 to 0.6, and a hydra's 1,260 card groups, at 0.30, leaned on nothing).
        again = _new_evidence(
            client_joins(base, components(links, 2), accounts, cfg.link), evidence
        )
        if again.height:
            evidence = _with_keys([evidence, again])
            links = decide_links(evidence, accounts, cfg.link)
    elif cfg.min_incident_accounts == 2:
        # the same links and the same least size: the groups as found (0.15 s at 28.8M)
        return LinkResult(ids, weights, co, evidence, links, groups, later)
    comps = components(links, cfg.min_incident_accounts)
    return LinkResult(ids, weights, co, evidence, links, comps, later)


def _rates(
    accounts: pl.DataFrame, cfg: Config, ext: pl.DataFrame | None, uses: TemplateUses
) -> WrapperRates | None:
    """The log's wrapper rates (:class:`.wrapper_rates.WrapperRates`, worked out when
    first asked; once, not again for the boxes: at 28.8M rows their first call 0.21 ->
    0.14 s), when the mixed traffic is tested and the extraction counts are known."""
    if ext is None or not cfg.link.crowded_mixed:
        return None
    return WrapperRates(accounts, cfg.link, ext, uses)


def _identifiers(
    agg: Aggregates, tmpl: pl.DataFrame | None, acct: pl.DataFrame, crowd: Crowded
) -> pl.DataFrame:
    """(account, family, value) of the identifiers: the rows', the templates' (``tmpl``;
    none when they are labelled later), the accounts' attributes and, when it links any,
    the crowded values'."""
    ids = pl.concat([agg.row_ids, acct] if tmpl is None else [agg.row_ids, tmpl, acct])
    return pl.concat([ids, crowd.identifiers, crowd.apart]) if crowd.evidence.height else ids


def _template_weights(
    keys: np.ndarray, labels: pl.Series, n_accounts: int, cfg: Config
) -> pl.DataFrame:
    """:func:`.weights.weigh_values` of the template identifiers, from their packed
    (account row, cluster number) keys: accounts per cluster counted by number."""
    df = np.bincount((keys % 2**32).astype(np.int64), minlength=len(labels) + 1)[1:]
    counted = pl.DataFrame(
        {
            "family": pl.repeat("template", len(labels), dtype=pl.String, eager=True),
            "value": labels,
            "df": pl.Series(df, dtype=pl.UInt32),
        }
    ).filter(pl.col("df") > 0)
    return weighed(counted.join(family_caps(cfg.link), on="family", how="left"), n_accounts)


def _template_rows(
    prep: Prepared, values: pl.DataFrame, keys: np.ndarray, labels: pl.Series, names: pl.DataFrame
) -> pl.DataFrame:
    """:func:`.pairs.late_rows` of the template identifiers, from their packed keys:
    (aid, vid) mapped by number, or by text when an account is not numbered."""
    numbered = pl.DataFrame(
        {"value": labels, "c": pl.int_range(1, len(labels) + 1, eager=True)}
    ).join(values.filter(pl.col("family") == "template").select("value", "vid"), on="value")
    vid_of = np.full(len(labels) + 1, -1, dtype=np.int64)
    vid_of[numbered["c"].to_numpy()] = numbered["vid"].to_numpy()
    aid_of = names.select("account").join(prep.acc, on="account", how="left", maintain_order="left")
    if aid_of["aid"].null_count():
        raise ValueError("template rows: an account of the names is not numbered")
    vid = vid_of[(keys % 2**32).astype(np.int64)]
    usable = vid >= 0
    aid = aid_of["aid"].to_numpy()[(keys[usable] // 2**32).astype(np.int64)]
    return pl.DataFrame(
        {"aid": pl.Series(aid, dtype=pl.UInt32), "vid": pl.Series(vid[usable], dtype=pl.UInt32)}
    )


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


def _counted_uses(
    found: Future[tuple[pl.DataFrame, pl.DataFrame, np.ndarray, pl.Series]],
    cells: pl.DataFrame,
    names: pl.DataFrame,
    cfg: Config,
) -> tuple[pl.DataFrame | None, pl.DataFrame | None, WrapperUses]:
    """Once the template clusters are ``found``: the clusters' extraction counts
    (:func:`_cluster_extraction`), the extraction wrappers and their uses per account,
    counted (:class:`.identifiers.WrapperUses`). Run in the worker thread after the
    cells are numbered, while the main thread tests the crowded values: mixed traffic
    then finds the counts made (measured at 28.8M rows: 0.7 s of its 1.2 s)."""
    texts, clusters, cid, labels = found.result()
    ext = _cluster_extraction(texts, clusters)
    wrappers = _wrappers(ext, cfg)
    uses = WrapperUses(partial(numbered_uses, cells, cid, labels, names), wrappers)
    uses.count()
    return ext, wrappers, uses


def _template_pairs(
    prep: Prepared,
    keyed: Future[np.ndarray],
    found: Future[tuple[pl.DataFrame, pl.DataFrame, np.ndarray, pl.Series]],
    names: pl.DataFrame,
    n_accounts: int,
    cfg: Config,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The pairs with the template identifiers added (:func:`.pairs.finish`) and those
    identifiers' weights, from ``prep`` and the numbered template keys. Run in the worker
    thread while the main thread tests the crowded values and the mixed traffic, which
    need neither (measured at 28.8M rows: 0.6 s taken out of the stage's serial tail)."""
    keys, labels = keyed.result(), found.result()[3]
    tmpl_weights = _template_weights(keys, labels, n_accounts, cfg)
    values = late_values(prep, tmpl_weights)
    pairs = finish(prep, values, _template_rows(prep, values, keys, labels, names))
    return pairs, tmpl_weights


def _chance(
    co: pl.DataFrame,
    accounts: pl.DataFrame,
    agg: Aggregates,
    clusters: pl.DataFrame,
    extraction: pl.DataFrame | None,
    cfg: Config,
) -> pl.DataFrame | None:
    """:func:`.coincidence.chance_factors` of the co-activity rows ``co`` (a, b,
    shared_values), counted on the templates that are not extraction wrappers
    (``extraction``: :func:`_cluster_extraction`); None without volumes (nothing to
    adjust)."""
    if "exchanges" not in accounts.columns:
        return None
    span = bin_span(accounts, cfg.link.co_activity_minutes)
    volume = accounts.select("account", "exchanges")
    everyday = _everyday(clusters, extraction, cfg.link.heavy_share)
    return chance_factors(co, agg.templates, volume, span, everyday, names=agg.names)


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
    wrappers = extraction_wrappers(extraction, heavy_share).rename({"value": "cluster"})
    return clusters.join(wrappers, on="cluster", how="anti").select("tkey")


def _wrappers(extraction: pl.DataFrame | None, cfg: Config) -> pl.DataFrame | None:
    """(value) of the extraction wrappers (:func:`.crowded.extraction_wrappers`), or None
    when the row stage did not count extraction requests."""
    return None if extraction is None else extraction_wrappers(extraction, cfg.link.heavy_share)


def _new_evidence(rows: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """``rows`` whose (a, b, family) is not in ``evidence`` yet."""
    if rows.is_empty():
        return rows
    seen = evidence.select("a", "b", pl.col("family").cast(pl.String)).unique()
    return rows.join(seen, on=["a", "b", "family"], how="anti", maintain_order="left")


def _with_keys(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Evidence parts concatenated, with pair keys made anew over all of them and in
    pair-key order (as :func:`candidate_pairs` gives its own)."""
    cols = ["a", "b", "family", "shared_values", "example", "min_df", "weight"]
    ev = pl.concat([p.select(cols) for p in parts], how="vertical_relaxed")
    return pair_keys(ev).sort("pk", "family")
