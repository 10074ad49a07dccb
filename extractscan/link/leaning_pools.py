"""The accounts of a significant block of rotating accounts (:mod:`.rotating_pools`)
that send like a crowd in it, linked in family :data:`.rotating_pools.LEANING_POOL`.

A block is significant on its pooled prompts; a proxy service's customers and a
campus's students may be in it too, so its accounts are weighed a crowd at a time on
the template clusters that lean to extraction (:func:`.leaning_exits.crowds_among`,
each block as one exit), against the accounts in no block, behind no exit tested and
not extraction-heavy, and linked where those that pass are most of the block's measured
accounts not extraction-heavy (the heavy ones are the crowded tests' and
:mod:`.unlike`'s). An account already linked otherwise is weighed too: in held-out world
3999 seven of the hydra's accounts were linked behind one exit (:mod:`.leaning_exits`),
and assembly then joined them to another campaign's incident by a shared wrapper.

Each account is weighed at ``crowded_unlike_alpha`` (:func:`.leave_one_out.unlike_threshold`),
the rate spent per account when a crowd's accounts are weighed against it, not over the
log: the block is significant already, and its crowd is linked only where it is most of
the block. Over the log (12.9 nats in world 3999) the hydra's accounts, 24 prompts each
with 3 on its wrappers at the median, passed in 40 % of cases, short of most of the block.
At 0.001 and 0.1 on 53 worlds no benign figure moved and recall moved with the rate
(RESULTS.md "Pools whose accounts lean together").
"""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import Crowded, heavy_accounts
from extractscan.link.leaning_cards import leaning_star, with_links
from extractscan.link.leaning_exits import crowds_among, leaning_uses
from extractscan.link.leaning_exits import unlike_members as leaning_exit_members
from extractscan.link.leave_one_out import unlike_threshold
from extractscan.link.rotating_pools import LEANING_POOL


def unlike_members(
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
    account_ids: pl.DataFrame | None = None,
) -> Crowded:
    """:func:`.leaning_exits.unlike_members`, then the rotating blocks' accounts that
    send like a crowd in them (:func:`pool_members`)."""
    crowd = leaning_exit_members(crowd, accounts, cfg, extraction, template_uses, account_ids)
    return pool_members(crowd, accounts, cfg, extraction, template_uses)


def pool_members(
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
) -> Crowded:
    """``crowd`` with the evidence and identifiers (family :data:`LEANING_POOL`) of the
    accounts of the significant blocks of :attr:`.Crowded.rotating` that the module's
    test links."""
    blocks = crowd.rotating
    significant = blocks.filter("significant")
    if extraction is None or template_uses is None or significant.is_empty():
        return crowd
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    rest = significant.join(heavy, on="account", how="anti").select("account", "value")
    if rest.is_empty():
        return crowd
    ordinary = (
        accounts.join(blocks, on="account", how="anti")
        .join(crowd.leaning, on="account", how="anti")
        .join(heavy, on="account", how="anti")
    )
    weighed = leaning_uses(extraction, ordinary, template_uses)
    if weighed is None:
        return crowd
    leaning, uses = weighed
    measured = accounts.filter(pl.col("prompts_measured") >= max(cfg.heavy_min_prompts, 1))
    outside = (
        rest.join(measured.select("account"), on="account", how="semi")
        .group_by("value")
        .agg(pl.len().alias("n"))
    )
    bound = unlike_threshold(rest["account"].n_unique(), cfg)
    among = crowds_among(rest, outside, leaning, accounts, cfg, extraction, uses, ordinary, bound)
    if among.is_empty():
        return crowd
    star = among.join(significant.select("value", "measured", "nats").unique("value"), on="value")
    evidence = leaning_star(star, LEANING_POOL)
    named = star.select("account", pl.lit(LEANING_POOL).alias("family"), "value")
    return with_links(crowd, evidence, named)
