"""Cards too common to link their accounts whose accounts lean to extraction together.

A card shared by more accounts than ``max_accounts_per_value["payment"]`` gives no
pairwise evidence (:mod:`.weights`), one shared by more than ``N exp(-strong_weight)`` of
a log's ``N`` accounts too little to link them on its own, and the crowded test
(:mod:`.crowded`) links only its extraction-heavy accounts. A hydra that resells
ordinary traffic through every account has none: held-out world 3306 in the held-out
wording, 114 accounts on one card sending 14 % of the log's requests, 74 % of them
resold, 17 % extraction-style against about 6 % for the log's ordinary users; no
account reached ``heavy_share`` and the hydra was in no incident.

Such a card, with more accounts than a family or a team (``FAMILY_MAX``), is tested as
a group against the accounts on no such card and not extraction-heavy: its accounts
*lean* when the lower Wilson bound of their own extraction share is above those
accounts' mean share (over at least ``heavy_min_prompts`` measured prompts, as a heavy
account; the heavy accounts left out, as an unlinked campaign may be a third of the
log's: fit world 1005 in another hand's wording, where six cards of 49-63 accounts of a
hydra at 21 % leaned on nothing beside an identifier-free campaign at 59 %); a card
links its leaning accounts when most of its measured accounts lean and their pooled
prompts are beyond the crowds' family-wise bound (``crowded_alpha`` over the cards
tested). A card whose accounts are mostly ordinary (a reseller's customers, a company's
staff) is not linked however many of them lean a little; an enterprise's keys on one
card lean and are linked, as by the crowded test, and its incident's benign checks then
say so.
"""

from __future__ import annotations

import math
from dataclasses import replace

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.crowded import (
    EVIDENCE_SCHEMA,
    LEANING_SCHEMA,
    MAX_WEIGHT,
    Crowded,
    star_evidence,
    surprise,
)
from extractscan.link.crowded import crowded as crowded_values
from extractscan.link.leaning_accounts import leaning_accounts
from extractscan.link.rotating_pools import rotating_pools
from extractscan.model.families import FAMILIES
from extractscan.model.look_alikes import FAMILY_MAX

#: The family of the evidence (:data:`extractscan.model.families.FAMILIES`).
LEANING_CARD = "leaning_card"


def crowded(ids: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> Crowded:
    """:func:`.crowded.crowded` with the leaning cards' evidence and identifiers added
    (the accounts they link, family :data:`LEANING_CARD`, the card as the value), and
    the egress IPs tested the same way in :attr:`.Crowded.leaning`, for
    :mod:`.leaning_exits` to weigh once the wrappers are counted, and the blocks of
    rotating accounts in :attr:`.Crowded.rotating` (:mod:`.rotating_pools`)."""
    crowd = replace(
        crowded_values(ids, accounts, cfg),
        leaning=leaning_values(ids, accounts, cfg, "ip"),
        rotating=rotating_pools(ids, accounts, cfg),
    )
    cards = leaning_cards(ids, accounts, cfg)
    if cards.is_empty():
        return crowd
    linked = pl.concat(
        [
            cards.select(pl.col(c).alias("account"), "family", pl.col("example").alias("value"))
            for c in ("a", "b")
        ]
    ).unique()
    return with_links(crowd, cards, linked)


def with_links(crowd: Crowded, evidence: pl.DataFrame, linked: pl.DataFrame) -> Crowded:
    """``crowd`` with more ``evidence`` rows and the (account, family, value) of the
    accounts they link added to its identifiers."""
    return replace(
        crowd,
        evidence=pl.concat([crowd.evidence, evidence]).sort("a", "b", "family"),
        identifiers=pl.concat([crowd.identifiers, linked.cast(crowd.identifiers.schema)])
        .unique()
        .sort("family", "value", "account"),
    )


def leaning_cards(ids: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """Evidence rows (:data:`.crowded.EVIDENCE_SCHEMA`, family :data:`LEANING_CARD`)
    linking the leaning accounts of every significant card of ``ids`` (account,
    family, value) too common for pairwise evidence, as a star around the smallest."""
    tested = leaning_values(ids, accounts, cfg, "payment")
    members = tested.filter(pl.col("leans") & pl.col("significant"))
    hub = members.group_by("value").agg(pl.col("account").min().alias("hub"))
    return leaning_star(members.join(hub, on="value"), LEANING_CARD)


def leaning_values(
    ids: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig, family: str
) -> pl.DataFrame:
    """(account, value, leans, significant, measured, nats) of every account on a value
    of ``family`` in ``ids`` (account, family, value) tested as a group (the module's
    test: too common to link on its own, more accounts than a family): whether the
    account leans, whether its value is significant, the value's measured accounts and
    its leaning accounts' pooled surprise. Empty where nothing is tested."""
    none = pl.DataFrame(schema=LEANING_SCHEMA)
    cap = cfg.max_accounts_per_value.get(FAMILIES[family].group)
    need = {"extraction_share", "prompts_measured"}
    if cap is None or not need <= set(accounts.columns) or not cfg.crowded_alpha:
        return none
    values = (
        ids.filter(pl.col("family").cast(pl.String) == family)
        .select("account", pl.col("value").cast(pl.String))
        .unique()
    )
    # too common to link its accounts on its own (beyond the cap, or a rarity weight
    # below strong_weight), and more accounts than a family or a team holds
    alone = min(cap, accounts.height * math.exp(-cfg.strong_weight / FAMILIES[family].reliability))
    common = values.filter(pl.len().over("value") > max(FAMILY_MAX, alone))
    if common.is_empty():
        return none
    weighed = leaning_accounts(common, accounts, cfg)
    if weighed is None:
        return none
    each, base = weighed
    per = each.group_by("value").agg(
        pl.col("is_measured").sum().cast(pl.UInt32).alias("measured"),
        pl.col("leans").sum().alias("leaning"),
        pl.col("k").filter("leans").sum().alias("k"),
        pl.col("m").filter("leans").sum().alias("m"),
    )
    threshold = math.log(common["value"].n_unique() / cfg.crowded_alpha)
    per = per.with_columns(surprise(pl.col("m"), pl.col("k"), base).alias("nats")).with_columns(
        (
            (pl.col("leaning") * 2 > pl.col("measured"))
            & (pl.col("leaning") >= 2)
            & (pl.col("nats") >= threshold)
        ).alias("significant")
    )
    return (
        each.join(per.select("value", "significant", "measured", "nats"), on="value")
        .select(list(LEANING_SCHEMA))
        .cast(LEANING_SCHEMA)  # type: ignore[arg-type]
        .sort("value", "account")
    )


def leaning_star(members: pl.DataFrame, family: str) -> pl.DataFrame:
    """Evidence rows (:data:`.crowded.EVIDENCE_SCHEMA`) of ``members`` (account, value,
    hub, measured, nats): each account linked to its value's ``hub`` in ``family``,
    weighed by the value's surprise."""
    star = members.filter(pl.col("account") != pl.col("hub")).select(
        pl.col("hub").alias("a"),
        pl.col("account").alias("b"),
        pl.lit(family).alias("family"),
        "value",
        pl.col("measured").cast(pl.UInt32).alias("n"),
        (pl.col("nats") / math.log(10)).clip(upper_bound=MAX_WEIGHT).alias("weight"),
    )
    if star.is_empty():
        return pl.DataFrame(schema=EVIDENCE_SCHEMA)
    return star_evidence(star)
