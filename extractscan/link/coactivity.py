"""Co-activity: accounts using the same template in the same minutes.

Reference: SynchroTrap (Cao et al., CCS 2014): loosely synchronised actions over
time windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from extractscan.config import LinkConfig
from extractscan.features.behaviour import account_key
from extractscan.features.bins import _BIN_SHIFT, bin_key, bin_origin, sorted_bins, template_numbers
from extractscan.link.weights import family_caps, weighed


@dataclass(frozen=True)
class CoActivity:
    """Co-activity material kept as integers: distinct (aid, bkey) rows, sorted by bkey.

    ``bkey`` packs the template and the minute bin (:func:`bin_key`); ``tids`` maps the
    template number back to ``tkey`` and ``origin`` is the minute the bins count from.
    Packed bins flagged sorted (as :func:`sorted_bins` gives them) are taken as they are,
    so they must be distinct; any others go through :func:`sorted_bins` here, which
    sorts and deduplicates them. ``bins`` has about one row per request, so its
    account column is the 64-bit ``aid`` key and ``names`` maps it to the account text
    (joins on it stay integer joins). ``bins`` may also be given as (``account`` or
    ``aid``, ``tkey``, ``minute_bin``) rows; they are keyed and packed here.
    ``texts`` maps ``tkey`` to the template text (to label examples); ``n_accounts`` is
    the number of accounts in the log (the IDF base).
    """

    bins: pl.DataFrame
    texts: pl.DataFrame
    n_accounts: int
    names: pl.DataFrame | None = None
    tids: pl.DataFrame | None = None
    origin: int = 0
    _cache: dict[int, pl.DataFrame] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        bins = self.bins
        if "aid" in bins.columns:
            if self.names is None:
                raise ValueError("CoActivity: bins keyed by aid need names (aid -> account)")
        else:
            bins = bins.with_columns(account_key(pl.col("account")).alias("aid"))
            # frozen dataclass: normalised once, at construction
            names = bins.select("aid", "account").unique().sort("account")
            object.__setattr__(self, "names", names)
        if "bkey" in bins.columns:
            if self.tids is None:
                raise ValueError("CoActivity: packed bins need tids (tid -> tkey)")
        else:
            tids = template_numbers(bins["tkey"])
            origin = bin_origin(bins["minute_bin"])
            bins = bins.join(tids, on="tkey").select(
                "aid", bin_key(pl.col("tid"), pl.col("minute_bin"), origin).alias("bkey")
            )
            object.__setattr__(self, "tids", tids)
            object.__setattr__(self, "origin", origin)
        if not bins["bkey"].flags["SORTED_ASC"]:  # given here, not by :func:`sorted_bins`
            bins = sorted_bins(bins)
        object.__setattr__(self, "bins", bins.select("aid", "bkey"))

    @property
    def account_names(self) -> pl.DataFrame:
        """(aid, account) of the accounts in :attr:`bins` (and possibly others)."""
        assert self.names is not None  # set in __post_init__
        return self.names

    def unpacked(self, frame: pl.DataFrame) -> pl.DataFrame:
        """``frame`` with ``tkey`` and ``minute_bin`` (UTC) added from its ``bkey``."""
        assert self.tids is not None  # set in __post_init__
        minutes = (pl.col("bkey") % _BIN_SHIFT).cast(pl.Int64) + self.origin
        return (
            frame.with_columns(
                (pl.col("bkey") // _BIN_SHIFT).cast(pl.UInt32).alias("tid"),
                (minutes * 60_000_000).cast(pl.Datetime("us", "UTC")).alias("minute_bin"),
            )
            .join(self.tids, on="tid", how="left")
            .drop("tid")
        )

    def weights(self, cfg: LinkConfig) -> pl.DataFrame:
        """Per usable bin (``bkey``, with its ``tkey`` and ``minute_bin``): accounts
        active (``df``), IDF weight, and
        ``scale``: 1 for a bin counted in full, 1/rate for a sampled crowded bin (see
        :meth:`sample_rate`); crowded bins left out of the sample are not returned."""
        return self.unpacked(self.usable(cfg))

    def usable(self, cfg: LinkConfig) -> pl.DataFrame:
        """:meth:`weights` without ``tkey`` and ``minute_bin`` (``bkey``, ``df``,
        ``weight``, ``scale``, ``rate``), in ``bkey`` order: the pairs unpack only the
        bins two accounts of one group share (82,000 of the 4.3M at 28.8M rows)."""
        if id(cfg) not in self._cache:
            # Accounts per bin as run lengths of the sorted keys (bkey order, 0.2 s of
            # CPU for 28.6M bins against 0.7 s for a hash group-by); a bin of one
            # account is not shared, so it is dropped before weighing.
            df = (
                self.bins.select(pl.col("bkey").rle())
                .unnest("bkey")
                .select(pl.col("value").alias("bkey"), pl.col("len").cast(pl.UInt32).alias("df"))
                .filter(pl.col("df") >= 2)
            )
            caps = family_caps(cfg).filter(pl.col("family") == "co_activity")
            w = weighed(df.join(caps, how="cross"), self.n_accounts).filter(
                pl.col("shared") & ~pl.col("too_common")
            )
            rate = _rate(w)
            crowded = pl.col("df") > CROWDED_BIN_ACCOUNTS
            if rate < 1.0:
                # the crowded bins' sample, by a hash of (template, minute): unpacked
                # for it, the crowded ones only
                key = pl.struct("tkey", "minute_bin").hash(seed=SAMPLE_SEED)
                drawn = self.unpacked(w.filter(crowded).select("bkey")).filter(
                    key < int(rate * float(2**64 - 1))
                )
                w = w.filter(~crowded | pl.col("bkey").is_in(drawn["bkey"].implode()))
            self._cache[id(cfg)] = w.select(
                "bkey",
                "df",
                "weight",
                pl.when(crowded).then(1.0 / rate).otherwise(1.0).alias("scale"),
                pl.lit(rate).alias("rate"),
            )
        return self._cache[id(cfg)]

    def sample_rate(self, cfg: LinkConfig) -> float:
        """Share of crowded bins (more than :data:`CROWDED_BIN_ACCOUNTS` accounts) that
        are counted: 1.0 unless counting every pair in them would exceed
        :data:`CO_ACTIVITY_PAIR_BUDGET` pair rows."""
        w = self.usable(cfg)
        return float(w["rate"][0]) if w.height else 1.0


#: A co-activity bin with more accounts than this is "crowded": a pair-counting cost
#: of df^2 that grows with the square of traffic density.
CROWDED_BIN_ACCOUNTS = 32
#: Pair rows co-activity may enumerate. Above it, crowded bins are sampled by a fixed
#: hash of (template, bin) at the rate that fits, and each sampled bin counts 1/rate
#: (Horvitz-Thompson), so shared-bin counts stay unbiased; quiet bins (where small
#: campaigns meet) are always counted in full. Measured: 11 M rows at 4 M log rows
#: (no sampling); about 1 billion at 28.8 M rows (sampled).
CO_ACTIVITY_PAIR_BUDGET = 60_000_000
SAMPLE_SEED = 7


def _rate(w: pl.DataFrame) -> float:
    sq = pl.col("df").cast(pl.Float64) ** 2
    work = w.select(
        sq.sum().alias("all"),
        sq.filter(pl.col("df") > CROWDED_BIN_ACCOUNTS).sum().alias("crowded"),
    ).row(0)
    total, crowded = float(work[0] or 0.0), float(work[1] or 0.0)
    if total <= CO_ACTIVITY_PAIR_BUDGET or crowded == 0:
        return 1.0
    room = CO_ACTIVITY_PAIR_BUDGET - (total - crowded)
    return max(min(room / crowded, 1.0), 0.001)
