"""Heavy accounts behind a crowd's tied core whose extraction requests are their own.

:func:`.two_crowds.core_unlike` weighs each heavy account behind a value against the
value's tied core (the accounts on the crowd's cards or its own e-mail pattern) by its
silence on the core's wrappers: ``n (Q - R)`` nats for an account of ``n`` requests
sending none of them, ``Q`` the core's wrapper requests per request. A campaign that
mixes resold traffic into its accounts sends few of them (``Q`` = 0.25 at three quarters
resold), so a thin account's silence says little: companies' CI jobs of 13 to 16
requests behind a 45-account hydra's one exit were at -3.3 to -4.2 nats against a bound
of 4.6; three sat in its critical incident, and two more joined them as the crowd's mixed
traffic on the wrappers those three sent (stress world 5214, aged accounts). What
the jobs did send is the question asked here: they are extraction-heavy on review and
build requests, wrappers no account of the core sends.

Behind a value, ``p`` is how often a member's request falls outside the others'
wrappers: the share of the core's extraction-wrapper requests that are on wrappers no
other core account sends there (each core account left out in turn, pooled), taken at
its upper Wilson bound, so that a small core is not read as never straying. An account
of the crowd with ``e`` requests on extraction wrappers, ``j`` of them on the core's,
has ``J ~ Binomial(e, 1 - p)``. Where ``j / e`` is below ``1 - p``, the Chernoff bound
``P(J <= j) <= exp(-e KL(j / e || 1 - p))`` holds, so a member reaches
``ln(1 / crowded_unlike_alpha)`` nats with chance at most ``crowded_unlike_alpha``, and
an account that does is out, as the silence test takes one out: the rate bounds the
share of a crowd's accounts lost. With ``j = 0`` the bound is exact, ``e ln(1 / p)``:
at a core's ``p`` of 0.0014 (56 of 51,956 requests, world 5214) five requests on
wrappers of one's own are 33 nats. An account that paraphrases the core's wrappers is
unlike it on every one of them, but then so is the core's own paraphrasing, and ``p``
says how often.
"""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import extraction_wrappers, wilson_lower
from extractscan.link.leave_one_out import unlike_threshold


def own_wrappers(
    reference: pl.DataFrame,
    tested: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
) -> pl.DataFrame:
    """(account, family, value) of the ``tested`` rows (account, family, value) behind a
    value of ``reference`` (account, family, value: the value's tied core), outside it,
    whose requests on extraction wrappers are on wrappers of their own beyond
    ``ln(1 / crowded_unlike_alpha)`` nats (the module's test)."""
    keys = ["family", "value"]
    none = tested.head(0).select("account", *keys)
    rest = tested.join(reference.select(keys).unique(), on=keys, how="semi").join(
        reference, on=["account", *keys], how="anti"
    )
    wrappers = extraction_wrappers(extraction, cfg.heavy_share)
    if rest.is_empty() or wrappers.is_empty():
        return none
    reference = reference.join(rest.select(keys).unique(), on=keys, how="semi")
    accounts = pl.concat([reference.select("account"), rest.select("account")]).unique()
    uses = (
        template_uses(wrappers)
        .join(accounts, on="account", how="semi")
        .select("account", pl.col("value").alias("wrapper"), "n")
    )
    at = ["family", "value", "wrapper"]
    core = reference.select("account", *keys).join(uses, on="account")
    senders = core.group_by(at).agg(pl.col("account").n_unique().alias("senders"))
    p = (
        core.join(senders, on=at)
        .group_by(keys)
        .agg(
            pl.col("n").filter(pl.col("senders") == 1).sum().alias("own"),
            pl.col("n").sum().alias("total"),
        )
        .filter(pl.col("total") > 0)
        .select(
            *keys,
            (1.0 - wilson_lower(1.0 - pl.col("own") / pl.col("total"), pl.col("total"))).alias("p"),
        )
    )
    theirs = senders.select(*at, pl.lit(True).alias("theirs"))
    per = (
        rest.select("account", *keys)
        .join(uses, on="account")
        .join(theirs, on=at, how="left")
        .group_by("account", *keys)
        .agg(
            pl.col("n").sum().cast(pl.Float64).alias("e"),
            pl.col("n").filter(pl.col("theirs").fill_null(False)).sum().cast(pl.Float64).alias("j"),
        )
        .join(p, on=keys)
    )
    share, q = pl.col("j") / pl.col("e"), 1.0 - pl.col("p")
    # e KL(j/e || q), with 0 ln 0 = 0: the Chernoff bound's nats
    kl = pl.when(pl.col("j") > 0).then(share * (share / q).log()).otherwise(0.0) + pl.when(
        pl.col("j") < pl.col("e")
    ).then((1.0 - share) * ((1.0 - share) / pl.col("p")).log()).otherwise(0.0)
    threshold = unlike_threshold(max(per.height, 1), cfg)
    out = per.filter((pl.col("e") > 0) & (share < q) & (pl.col("e") * kl >= threshold))
    return out.select("account", *keys).sort("account", *keys)
