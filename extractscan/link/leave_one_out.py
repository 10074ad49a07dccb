"""The leave-one-out wrapper test of a crowd's heavy accounts (:mod:`.unlike`): per
account and network value, the log-likelihood ratio of its requests on the wrappers the
value's other heavy accounts send, under their rates against the non-heavy accounts'.
"""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import extraction_wrappers, heavy_accounts
from extractscan.link.pool_graph import POOL
from extractscan.model.families import CROWDED_FAMILIES

#: The crowded families tested: the network values a proxy service's customers share.
NETWORK: tuple[str, ...] = tuple(CROWDED_FAMILIES[f] for f in ("ip", "ip_prefix", POOL))

#: Half a request: the smoothing of both rates (as :mod:`.mixed`'s).
_HALF = 0.5


def unlike_threshold(tested: int, cfg: LinkConfig) -> float:
    """The nats of evidence against sending like the others that take an account out:
    ``ln(1 / crowded_unlike_alpha)`` per account, or ``ln(tested / crowded_alpha)`` over
    the log's ``tested`` accounts when ``crowded_unlike_alpha`` is 0."""
    if cfg.crowded_unlike_alpha > 0:
        return -math.log(cfg.crowded_unlike_alpha)
    return math.log(tested / cfg.crowded_alpha)


def leave_one_out(
    identifiers: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
    tested: pl.DataFrame | None = None,
    reference: pl.DataFrame | None = None,
    wrappers: pl.DataFrame | None = None,
    ordinary: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(account, family, value, llr) for each heavy account of ``identifiers`` (account,
    family, value: crowded families) behind a :data:`NETWORK` value whose other heavy
    accounts send requests (the rows of ``tested`` when given): the log-likelihood
    ratio of its requests on their wrappers under their rates against the non-heavy
    accounts' (the module's test). With ``reference`` (account, family, value: some of
    the members), the others are the reference's members only, and an account outside
    it is weighed against all of them (:func:`core_unlike`). ``wrappers`` (value) are
    the template clusters weighed (default: the extraction wrappers) and ``ordinary``
    (account) the accounts whose rates are the ordinary ones (default: the non-heavy).

    Computed without a row per (account, value, wrapper of the value): ``sum_t q_t`` over
    the value's wrappers is ``(S - kw + C/2) / (N - n)`` (``S`` the members' requests on
    the ``C`` wrappers, ``kw`` the account's), less the wrappers only the account sends.
    Accounts, values and wrappers are numbered first: the rows per (account, value,
    wrapper the account sends) are the step's bulk (16M at 28.8M rows when every
    account is tested)."""
    schema = {"account": pl.String, "family": pl.String, "value": pl.String, "llr": pl.Float64}
    none = pl.DataFrame(schema=schema)
    if wrappers is None:
        wrappers = extraction_wrappers(extraction, cfg.heavy_share)
    keyed = identifiers.filter(pl.col("family").is_in(NETWORK)).select("account", "family", "value")
    if tested is not None:  # the values tested, with all their members
        keyed = keyed.join(
            tested.select("family", "value").unique(), on=["family", "value"], how="semi"
        )
    if wrappers.is_empty() or keyed.is_empty():
        return none
    numbered = accounts.select("account", pl.col("exchanges").cast(pl.Float64).alias("ex"))
    numbered = numbered.with_row_index("aid")
    keyed = keyed.with_columns(
        (pl.col("family") + "\x1f" + pl.col("value")).rank("dense").cast(pl.UInt32).alias("vid")
    )
    members = keyed.join(numbered, on="account")
    if reference is None:  # every member is one of the others
        members = members.select("aid", "vid", "ex", pl.lit(1.0).alias("ref"))
    else:
        inside = reference.select("account", "family", "value").unique()
        members = members.join(
            inside.with_columns(pl.lit(1.0).alias("ref")),
            on=["account", "family", "value"],
            how="left",
        ).select("aid", "vid", "ex", pl.col("ref").fill_null(0.0))
    uses = (
        template_uses(wrappers)
        .join(numbered.select("account", "aid"), on="account")
        .join(wrappers.unique().with_row_index("t"), on="value")
        .select("aid", "t", "n")
    )
    if ordinary is None:
        light = numbered.filter(~heavy_accounts(accounts, cfg)["heavy"])
    else:
        light = numbered.join(ordinary.select("account"), on="account", how="semi")
    n_out = float(light["ex"].sum())
    if n_out <= 0:
        return none
    r = (
        uses.join(light.select("aid"), on="aid", how="semi")
        .group_by("t")
        .agg(pl.col("n").sum().alias("k_out"))
        .select("t", ((pl.col("k_out") + _HALF) / n_out).alias("r"))
    )
    volume = members.group_by("vid").agg((pl.col("ex") * pl.col("ref")).sum().alias("N"))
    held = members.select("aid", "vid", "ref").join(uses, on="aid")  # the bulk
    # the value's wrappers: (vid, t, K), and per value S, C and the sum of r
    per_wrapper = (
        held.filter(pl.col("ref") > 0)
        .group_by("vid", "t")
        .agg(pl.col("n").sum().alias("K"))
        .join(r, on="t", how="left")
        .with_columns(pl.col("r").fill_null(_HALF / n_out))
    )
    per_value = per_wrapper.group_by("vid").agg(
        pl.col("K").sum().alias("S"), pl.len().alias("C"), pl.col("r").sum().alias("R")
    )
    if tested is not None:
        chosen = (
            keyed.join(tested, on=["account", "family", "value"], how="semi")
            .join(numbered.select("account", "aid"), on="account")
            .select("aid", "vid")
        )
        members = members.join(chosen, on=["aid", "vid"], how="semi")
        held = held.join(chosen, on=["aid", "vid"], how="semi")
    # the others: every member but the account (a member of the reference leaves it)
    rest = pl.col("N") - pl.col("ex") * pl.col("ref")
    mine = pl.col("k") * pl.col("ref")  # its requests among the others'
    # the account's own requests on them
    own = (
        held.drop("ref")
        .rename({"n": "k"})
        .join(per_wrapper, on=["vid", "t"])
        .join(members, on=["aid", "vid"])
        .join(volume, on="vid")
        .with_columns(((pl.col("K") - mine + _HALF) / rest).alias("q"))
        .group_by("aid", "vid")
        .agg(
            (pl.col("k") * pl.col("ref")).sum().alias("kw"),
            (pl.col("k") * (pl.col("q") / pl.col("r")).log())
            .filter(pl.col("K") > mine)
            .sum()
            .alias("gain"),
            (pl.col("q") - pl.col("r")).filter(pl.col("K") == mine).sum().alias("alone"),
        )
    )
    spread = (pl.col("S") - pl.col("kw") + _HALF * pl.col("C")) / rest - pl.col("R")
    llr = (
        members.join(volume, on="vid")
        .join(per_value, on="vid")
        .filter(rest > 0)
        .join(own, on=["aid", "vid"], how="left")
        .with_columns(pl.col("kw", "gain", "alone").fill_null(0.0))
        .select(
            "aid", "vid", (pl.col("gain") - pl.col("ex") * (spread - pl.col("alone"))).alias("llr")
        )
    )
    names = keyed.select("vid", "family", "value").unique("vid")
    return (
        llr.join(numbered.select("aid", "account"), on="aid")
        .join(names, on="vid")
        .select("account", "family", "value", "llr")
        .sort("family", "value", "account")
    )
