"""The mixed-traffic test's likelihood ratio: an account sending a campaign's wrappers
like its members, against like ordinary accounts (:mod:`.mixed` describes the test).
"""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import extraction_wrappers, heavy_accounts

#: Half a request: the smoothing of both rates.
_HALF = 0.5


def wrapper_llr(
    tested: pl.DataFrame,
    members: pl.DataFrame,
    keys: list[str],
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
    heavy_null: bool = False,
) -> pl.DataFrame:
    """(account, *keys, llr): for each ``tested`` (account, *keys) row, the Poisson
    log-likelihood ratio of the account sending the extraction wrappers like the
    ``members`` (account, *keys) of the same keys against like the non-heavy accounts
    (the module's test; ``tested`` accounts are never members, nor the null). With
    ``heavy_null``, against like the extraction-heavy accounts that are no key's
    members: an extraction-heavy account sends extraction wrappers more than ordinary
    ones by definition (fit world 1032: 26 heavy users behind a NAT had 23-37 nats
    against the non-heavy accounts on the wrappers of a class's cluster). Asked many
    times of one log, :class:`WrapperRates` works out what the calls share once."""
    return WrapperRates(accounts, cfg, extraction, template_uses).llr(
        tested, members, keys, heavy_null=heavy_null
    )


class WrapperRates:
    """:func:`wrapper_llr` on one log, asked many times (the mixed traffic behind the
    crowds, a behavioural box's reference once per clustering pass, the accounts near the
    accepted boxes; one object for all, :func:`extractscan.link.link`): the wrappers,
    the accounts' requests on them and the non-heavy accounts' totals are worked out on
    the first call and kept; each call takes its tested accounts' own requests out of those
    totals (counts, so the same numbers as summing the others; measured at 28.8M rows,
    the behavioural boxes' calls: 0.37 s -> 0.33 s, benchmarks/RESULTS.md)."""

    def __init__(
        self,
        accounts: pl.DataFrame,
        cfg: LinkConfig,
        extraction: pl.DataFrame,
        template_uses: TemplateUses,
    ) -> None:
        self._accounts, self._cfg = accounts, cfg
        self._wrappers = extraction_wrappers(extraction, cfg.heavy_share)
        self._template_uses = template_uses
        self._parts: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, float] | None
        self._parts = None

    def _shared(self) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame, float]:
        """(heavy, uses, exchanges, the non-heavy accounts' requests per wrapper, their
        requests): worked out once."""
        if self._parts is None:
            heavy = heavy_accounts(self._accounts, self._cfg)
            uses = self._template_uses(self._wrappers).rename({"value": "t"})
            exchanges = self._accounts.select("account", pl.col("exchanges").cast(pl.Float64)).join(
                heavy, on="account", how="left"
            )
            plain = heavy.filter(~pl.col("heavy")).select("account")
            totals = (
                uses.join(plain, on="account", how="semi")
                .group_by("t")
                .agg(pl.col("n").sum().alias("k_out"))
            )
            n_plain = float(exchanges.join(plain, on="account", how="semi")["exchanges"].sum())
            self._parts = (heavy, uses, exchanges, totals, n_plain)
        return self._parts

    def llr(
        self,
        tested: pl.DataFrame,
        members: pl.DataFrame,
        keys: list[str],
        *,
        heavy_null: bool = False,
    ) -> pl.DataFrame:
        """:func:`wrapper_llr` of ``tested`` against ``members`` on ``keys``."""
        none = tested.select("account", *keys).head(0).with_columns(pl.lit(0.0).alias("llr"))
        if self._wrappers.is_empty() or tested.is_empty() or members.is_empty():
            return none
        heavy, uses, exchanges, totals, n_plain = self._shared()
        # The accounts under test are not the null: held-out world 549's hydra of 20,347
        # accounts sent 29 requests each, 8 on its wrappers, and its 10,000 thin accounts
        # set the ordinary rate of its own wrappers (their ratios 2 nats, none of them
        # linked; 53 nats with the rate of the others).
        under_test = tested.select("account").unique()
        if heavy_null:
            null = heavy.filter("heavy").join(members, on="account", how="anti").select("account")
            null = null.join(under_test, on="account", how="anti")
            n_out = float(exchanges.join(null, on="account", how="semi")["exchanges"].sum())
            rates_out = (
                uses.join(null, on="account", how="semi")
                .group_by("t")
                .agg(pl.col("n").sum().alias("k_out"))
            )
        else:
            # the non-heavy accounts' totals less the tested ones' own
            out = heavy.filter(~pl.col("heavy")).join(under_test, on="account", how="semi")
            out = out.select("account")
            n_out = n_plain - float(
                exchanges.join(out, on="account", how="semi")["exchanges"].sum()
            )
            theirs = (
                uses.join(out, on="account", how="semi")
                .group_by("t")
                .agg(pl.col("n").sum().alias("k_theirs"))
            )
            rates_out = totals.join(theirs, on="t", how="left").select(
                "t", (pl.col("k_out") - pl.col("k_theirs").fill_null(0)).alias("k_out")
            )
        if n_out <= 0:
            return none
        # The members' requests per key, and their requests on each wrapper.
        volume = (
            members.join(exchanges.select("account", "exchanges"), on="account")
            .group_by(keys)
            .agg(pl.col("exchanges").sum().alias("n_in"))
        )
        rates = (
            members.join(uses, on="account")
            .group_by(*keys, "t")
            .agg(pl.col("n").sum().alias("k_in"))
            .join(volume, on=keys)
            .join(rates_out, on="t", how="left")
            .select(
                *keys,
                "t",
                ((pl.col("k_in") + _HALF) / pl.col("n_in")).alias("q"),
                ((pl.col("k_out").fill_null(0) + _HALF) / n_out).alias("r"),
            )
        )
        spread = rates.group_by(keys).agg((pl.col("q") - pl.col("r")).sum().alias("s"))
        gain = (
            tested.join(uses, on="account")
            .join(rates, on=[*keys, "t"])
            .group_by("account", *keys)
            .agg((pl.col("n") * (pl.col("q") / pl.col("r")).log()).sum().alias("gain"))
        )
        return (
            tested.join(exchanges.select("account", "exchanges"), on="account")
            .join(spread, on=keys)
            .join(gain, on=["account", *keys], how="left")
            .select(
                "account",
                *keys,
                (pl.col("gain").fill_null(0.0) - pl.col("exchanges") * pl.col("s")).alias("llr"),
            )
            .sort(*keys, "account")
        )
