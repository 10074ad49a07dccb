"""Link: tie accounts together through shared identifiers, weighted by rarity.

Each identifier family yields (account, value) pairs. A value shared by ``df`` of ``N``
accounts weighs ``reliability * ln(N / df)``; values shared by more accounts than the
family's cap (NAT, carrier NAT, a framework's system prompt) are dropped. Correlated
families are merged before adding (ip with its /24 into ``network``). Two accounts are
linked when their evidence reaches ``min_weight`` from at least ``min_families`` merged
families, or when a shared payment alone reaches ``strong_weight`` or is shared by no more
than ``strong_card_accounts`` accounts (a card of two or three accounts is rare however
small the log). Pairs inside one declared org are expected, not evidence.

Reference: Fellegi & Sunter, "A theory for record linkage", JASA 1969, and the
term-frequency adjustment of Splink (``tf_adjustment``): agreement on a rare value is
stronger evidence than agreement on a common one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import polars as pl

from extractscan.config.settings import LinkConfig
from extractscan.features.behaviour import account_key
from extractscan.model.errors import InputError
from extractscan.streamed import streamed


@dataclass(frozen=True)
class Family:
    """An identifier family: how strongly agreement counts and what it is called."""

    group: str
    reliability: float
    label: str
    #: Whether agreement counts towards ``min_families``; supporting families (user
    #: agent, template) add weight but never make a link on their own.
    counts: bool = True


FAMILIES: dict[str, Family] = {
    "payment": Family("payment", 1.0, "shared payment card"),
    "email_pattern": Family("email", 0.6, "same e-mail pattern and domain"),
    "ip": Family("network", 0.8, "shared egress IP"),
    "ip_prefix": Family("network", 0.5, "shared IP subnet (/24, /48)"),
    "user_agent": Family("user_agent", 0.3, "same user agent", counts=False),
    "template": Family("template", 0.5, "same prompt template (near-duplicate)", counts=False),
    "co_activity": Family("co_activity", 0.8, "same template in the same minutes"),
}

#: Co-activity counts only when a pair co-occurs in at least ``CO_ACTIVITY_MIN`` time
#: bins (one coincidence is noise) and in full from ``CO_ACTIVITY_FULL`` bins.
CO_ACTIVITY_MIN = 2
CO_ACTIVITY_FULL = 3
#: ... and counts in full only when the shared bins are at least this share of the
#: smaller of the two accounts' (template, bin) sets (overlap coefficient), so heavy
#: users of popular templates, who meet everyone now and then, do not link.
#: Reference: SynchroTrap (Cao et al., CCS 2014) compares users' action sets by set
#: similarity over time windows rather than by raw coincidence counts.
CO_ACTIVITY_OVERLAP = 0.05


#: Large public mail providers: a name-shaped address there says nothing about who
#: operates an account, so e-mail patterns are compared on other domains only.
FREEMAIL: tuple[str, ...] = (
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "yahoo.com",
    "ymail.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
    "126.com",
    "naver.com",
)


def email_pattern(email: pl.Expr) -> pl.Expr:
    """Shape of the local part (letters -> ``a``, digits -> ``9``) plus the domain.

    Null for addresses at the big public providers of :data:`FREEMAIL`.
    """
    e = email.str.to_lowercase().str.strip_chars()
    local = e.str.extract(r"^([^@]+)@", 1)
    domain = e.str.extract(r"@(.+)$", 1)
    shape = local.str.replace_all(r"[a-z]+", "a").str.replace_all(r"[0-9]+", "9")
    return pl.when(~domain.is_in(list(FREEMAIL))).then(shape + "@" + domain)


def row_identifiers(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Distinct (aid, family, value) pairs of the network and client families.

    ``aid`` is the account's row-level key (:func:`features.account_key`). The /24
    (/48) prefix is derived from the distinct (aid, ip) pairs, not per row.
    """
    # Each part deduplicated on its own (one unique over all three cost 2 s more at
    # 28.8M rows); distinct IPs give distinct rows already, their prefixes may repeat.
    ips = rows.select("aid", "ip").drop_nulls("ip").unique()
    parts = [
        ips.select("aid", pl.lit("ip").alias("family"), pl.col("ip").alias("value")),
        ips.select(
            "aid", pl.lit("ip_prefix").alias("family"), ip_prefix(pl.col("ip")).alias("value")
        )
        .drop_nulls("value")
        .unique(),
        rows.select(
            "aid", pl.lit("user_agent").alias("family"), pl.col("user_agent").alias("value")
        )
        .drop_nulls("value")
        .unique(),
    ]
    return pl.concat(parts)


def ip_prefix(ip: pl.Expr) -> pl.Expr:
    """The /24 of an IPv4 address or the /48 of an IPv6 address (null otherwise)."""
    ip = ip.str.strip_chars()
    v4 = ip.str.extract(r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$", 1)
    v6 = ip.str.to_lowercase().str.extract(r"^([0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f]{0,4}):", 1)
    return pl.coalesce(v4 + ".0/24", v6 + "::/48")


def template_bins(rows: pl.LazyFrame) -> pl.LazyFrame:
    """(aid, hkey, minute_bin) of every request with a prompt head: the raw material of
    co-activity.

    Keys are 64-bit hashes of the account and the prompt head (see
    :func:`features.with_row_features`), so the table holds no text however many rows
    it has. Not deduplicated here: :func:`aggregate.resolve` deduplicates once heads
    are templates (a second unique in the streaming pass cost 3.8 s at 28.8M rows and
    removed under 1 % of them).
    """
    return rows.filter(pl.col("hkey").is_not_null()).select("aid", "hkey", "minute_bin")


def template_identifiers(
    templates: pl.DataFrame, clusters: pl.DataFrame, names: pl.DataFrame | None = None
) -> pl.DataFrame:
    """(account, "template", cluster) from per-account templates and their clusters.

    Paraphrased wrappers of one campaign share a cluster (MinHash/LSH, see
    :mod:`extractscan.link.fingerprint`), so the template family survives paraphrase.
    ``clusters`` maps ``tkey`` to the ``cluster`` text (its leader template). With
    ``names`` (aid -> account) and an ``aid`` column in ``templates`` (as
    :func:`aggregate.resolve` gives them), rows are deduplicated on that integer key
    and named afterwards. Collected on the streaming engine: 2.6 s instead of 5.8 s at
    28.8M rows (15.5M template rows, 7.7M identifiers), where the eager ``unique()``
    alone took 3.4 s.
    """
    # Deduplicated on an integer cluster number (millions of rows), then labelled.
    numbered = clusters.select(
        "tkey", "cluster", pl.col("cluster").rank("dense").cast(pl.UInt32).alias("_cid")
    )
    key = "aid" if names is not None and "aid" in templates.columns else "account"
    pairs = (
        templates.lazy()
        .select(key, "tkey")
        .join(numbered.lazy().select("tkey", "_cid"), on="tkey", how="inner")
        .select(key, "_cid")
        .unique()
    )
    if names is not None and key == "aid":
        pairs = pairs.join(names.lazy().select("aid", "account"), on="aid").select(
            "account", "_cid"
        )
    return streamed(
        pairs.join(numbered.lazy().select("_cid", "cluster").unique(), on="_cid").select(
            "account", pl.lit("template").alias("family"), pl.col("cluster").alias("value")
        )
    )


def account_identifiers(accounts: pl.DataFrame) -> pl.DataFrame:
    """(account, family, value) from account attributes (payment, e-mail pattern)."""
    pay = accounts.select(
        "account", pl.lit("payment").alias("family"), pl.col("payment").alias("value")
    )
    mail = accounts.select(
        "account",
        pl.lit("email_pattern").alias("family"),
        email_pattern(pl.col("email")).alias("value"),
    )
    return pl.concat([pay, mail]).drop_nulls("value").unique()


def _caps(cfg: LinkConfig) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "family": list(FAMILIES),
            "cap": [
                cfg.max_accounts_per_value.get(k, cfg.max_accounts_per_value.get(f.group, 50))
                for k, f in FAMILIES.items()
            ],
            "reliability": [f.reliability for f in FAMILIES.values()],
        }
    )


def _weighed(df: pl.DataFrame, n_accounts: int) -> pl.DataFrame:
    return df.with_columns(
        (pl.col("df") >= 2).alias("shared"),
        (pl.col("df") > pl.col("cap")).alias("too_common"),
        (pl.col("reliability") * (pl.lit(float(max(n_accounts, 2))) / pl.col("df")).log()).alias(
            "weight"
        ),
    )


def weigh_values(ids: pl.DataFrame, n_accounts: int, cfg: LinkConfig) -> pl.DataFrame:
    """Per (family, value): accounts sharing it, IDF weight; too-common values dropped."""
    df = streamed(ids.lazy().group_by("family", "value").agg(pl.len().alias("df")))
    return _weighed(df.join(_caps(cfg), on="family", how="left"), n_accounts)


#: A co-activity bin's key packs the template number (``tid``) in the high 32 bits and
#: the bin's minute, counted from the log's earliest bin (:func:`bin_origin`), in the low
#: 32: one 64-bit integer instead of (tkey, minute_bin), which the group-bys and joins
#: over the bins (about one row per request) handle much faster.
_BIN_SHIFT = 2**32


def bin_origin(minute_bin: pl.Series) -> int:
    """The epoch minute of the earliest bin, from which :func:`bin_key` counts minutes.

    Raises:
        InputError: the timestamps span 2^32 minutes (8,000 years) or more, which only
            placeholder dates at both ends of the calendar produce.
    """
    minutes = minute_bin.dt.epoch("s") // 60
    if minutes.is_null().all():
        return 0
    lo, hi = int(minutes.min()), int(minutes.max())  # type: ignore[arg-type]
    if hi - lo >= _BIN_SHIFT:
        raise InputError(
            f"timestamps span more than 8,000 years ({str(minute_bin.min())} to "
            f"{str(minute_bin.max())}): check the timestamp column for placeholder dates"
        )
    return lo


def template_numbers(tkeys: pl.Series) -> pl.DataFrame:
    """(tid, tkey): the distinct template keys numbered in key order (for :func:`bin_key`)."""
    return (
        tkeys.rename("tkey").cast(pl.UInt64).to_frame().unique().sort("tkey").with_row_index("tid")
    )


def bin_key(tid: pl.Expr, minute_bin: pl.Expr, origin: int) -> pl.Expr:
    """The packed 64-bit key of a (template number, minute bin) pair; ``origin`` from
    :func:`bin_origin` of the same bins."""
    minutes = minute_bin.dt.epoch("s") // 60 - origin
    return tid.cast(pl.UInt64) * _BIN_SHIFT + minutes.cast(pl.UInt64)


def sorted_bins(bins: pl.DataFrame) -> pl.DataFrame:
    """Distinct (aid, bkey) rows sorted by ``bkey`` then ``aid``.

    Sorted and deduplicated in one go (rows equal to the one before are dropped):
    measured at 28.8M rows, 0.6 s more than a hash unique, but polars then groups and
    joins the sorted key in a single sweep (bins per key: 0.1 s instead of 4.2 s).
    """
    out = bins.select("aid", "bkey").sort("bkey", "aid")
    repeat = (pl.col("bkey") == pl.col("bkey").shift()) & (pl.col("aid") == pl.col("aid").shift())
    return out.filter(~repeat.fill_null(False))


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
        if id(cfg) not in self._cache:
            df = self.bins.group_by("bkey").agg(pl.len().cast(pl.UInt32).alias("df"))
            caps = _caps(cfg).filter(pl.col("family") == "co_activity")
            w = self.unpacked(
                _weighed(df.join(caps, how="cross"), self.n_accounts).filter(
                    pl.col("shared") & ~pl.col("too_common")
                )
            )
            rate = _rate(w)
            key = pl.struct("tkey", "minute_bin").hash(seed=SAMPLE_SEED)
            crowded = pl.col("df") > CROWDED_BIN_ACCOUNTS
            self._cache[id(cfg)] = w.filter(
                ~crowded | (key < int(rate * float(2**64 - 1)))
            ).with_columns(
                pl.when(crowded).then(1.0 / rate).otherwise(1.0).alias("scale"),
                pl.lit(rate).alias("rate"),
            )
        return self._cache[id(cfg)]

    def sample_rate(self, cfg: LinkConfig) -> float:
        """Share of crowded bins (more than :data:`CROWDED_BIN_ACCOUNTS` accounts) that
        are counted: 1.0 unless counting every pair in them would exceed
        :data:`CO_ACTIVITY_PAIR_BUDGET` pair rows."""
        w = self.weights(cfg)
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


#: Families that can make a pair a candidate. A link needs two counting families of
#: which co-activity can be only one, or a shared card (see :func:`decide_links`), so
#: every linkable pair shares a payment, e-mail pattern or network value; the other
#: families (co-activity, user agent, template) are computed for those pairs only.
#: That changes no decision and keeps pair counting linear in the accounts, where
#: co-activity alone grows with the square of the traffic density (measured: 11 M
#: raw co-activity pairs at 4 M rows against 0.9 M candidate pairs).
ANCHORS: tuple[str, ...] = ("payment", "email_pattern", "ip", "ip_prefix")

#: Largest self-join (rows of account pairs sharing a value) built at once; bigger
#: ones run in value-hash slices so memory stays bounded.
PAIR_ROWS_PER_SLICE = 20_000_000


def candidate_pairs(
    ids: pl.DataFrame,
    weights: pl.DataFrame,
    co: CoActivity | None = None,
    cfg: LinkConfig | None = None,
    *,
    restrict: bool = True,
) -> pl.DataFrame:
    """Pairs of accounts sharing a usable value, with per-family evidence.

    Pairs come from the :data:`ANCHORS` families; the other families add evidence to
    those pairs only (``restrict=False`` enumerates every family in full). ``co`` adds
    co-activity from integer bins. Accounts and values are numbered first, so the pair
    self-joins run on integers. Columns: ``a``, ``b`` (a < b), ``family``,
    ``shared_values``, ``example``, ``min_df``, ``weight``, and ``pk``: the pair's
    64-bit key (the two accounts' numbers in account order, see :func:`pair_keys`),
    which later joins and group-bys over the pairs use instead of the two texts.
    """
    cfg = cfg or LinkConfig()
    anchors = set(ANCHORS) if restrict and cfg.min_families >= 2 else set(FAMILIES)
    acc_parts = [ids.select("account")]
    if co is not None:
        acc_parts.append(co.account_names.select("account"))
    acc = streamed(pl.concat(acc_parts).lazy().unique()).sort("account").with_row_index("aid")
    # Usable values, numbered in example order: rarest first, then by text.
    val_parts = [
        weights.filter(pl.col("shared") & ~pl.col("too_common")).select(
            "family",
            "value",
            pl.col("df").cast(pl.UInt32),
            "weight",
            pl.col("value").alias("text"),
            pl.lit(None, pl.UInt64).alias("bkey"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias("minute_bin"),
            pl.lit(1.0).alias("scale"),
        )
    ]
    if co is not None:
        cw = co.weights(cfg)
        val_parts.append(
            cw.join(co.texts.select("tkey", "template"), on="tkey", how="left").select(
                pl.lit("co_activity").alias("family"),
                pl.lit(None, pl.String).alias("value"),
                "df",
                "weight",
                pl.col("template").fill_null("?").alias("text"),
                "bkey",
                "minute_bin",
                "scale",
            )
        )
    v = (
        _in_example_order(val_parts)
        .with_row_index("vid")
        .with_columns(pl.col("family").is_in(sorted(anchors)).alias("anchor"))
    )
    u_parts = [
        ids.lazy()
        .join(v.lazy().select("family", "value", "vid"), on=["family", "value"])
        .join(acc.lazy(), on="account")
        .select("aid", "vid")
    ]
    if co is not None:
        # The bins' 64-bit account keys map to the pair numbering through the (small)
        # names table, so the (large) bins never carry account text.
        key_to_aid = (
            co.account_names.rename({"aid": "key"}).join(acc, on="account").select("key", "aid")
        )
        u_parts.append(
            co.bins.lazy()
            .rename({"aid": "key"})
            .join(v.lazy().filter(pl.col("bkey").is_not_null()).select("bkey", "vid"), on="bkey")
            .join(key_to_aid.lazy(), on="key")
            .select("aid", "vid")
        )
    u = streamed(
        pl.concat(u_parts)
        .join(v.lazy().select("vid", "anchor"), on="vid")
        .select("aid", "vid", "anchor")
    )
    attrs = v.select("vid", "family", "df", "weight", "scale")
    anchor_ev = _pair_evidence(u.filter(pl.col("anchor")), attrs, None)
    keys = streamed(anchor_ev.lazy().select("aid", "bid").unique())
    support = u.filter(~pl.col("anchor"))
    groups = anchor_groups(keys)
    if groups is not None:
        # Only pairs inside one anchored group can be kept: pairing each value's
        # accounts within their group (an account in none has no pair to support)
        # enumerates a fraction of the pairs (measured: 18M instead of 156M at 28.8M).
        support = support.join(groups, on="aid")
    support_ev = _pair_evidence(support, attrs, keys)
    ev = pl.concat([anchor_ev, support_ev])
    # Co-activity counts in full only when the shared bins are a fair share of the
    # smaller account's (template, bin) activity.
    act_parts = [
        ids.filter(pl.col("family") == "co_activity")
        .group_by("account")
        .agg(pl.len().cast(pl.Int64).alias("n"))
    ]
    if co is not None:
        act_parts.append(
            streamed(
                co.bins.lazy()
                .group_by("aid")
                .agg(pl.len().cast(pl.Int64).alias("n"))
                .join(co.account_names.lazy(), on="aid")
                .select("account", "n")
            )
        )
    activity = (
        pl.concat(act_parts)
        .group_by("account")
        .agg(pl.col("n").sum())
        .join(acc, on="account")
        .select("aid", "n")
    )
    # Labelled only for the values that are some pair's example (a few of the millions).
    labels = v.join(ev.select(pl.col("example_vid").alias("vid")).unique(), on="vid").select(
        pl.col("vid").alias("example_vid"),
        pl.when(pl.col("bkey").is_null())
        .then(pl.col("text"))
        .otherwise(pl.col("text") + " @ " + pl.col("minute_bin").dt.strftime("%Y-%m-%d %H:%M"))
        .alias("example"),
    )
    shared = pl.col("shared_values")
    co_weight = (
        pl.when(shared < CO_ACTIVITY_MIN)
        .then(0.0)
        .otherwise(
            pl.col("mean_weight")
            * (shared.clip(upper_bound=CO_ACTIVITY_FULL) / CO_ACTIVITY_FULL)
            * (shared / pl.min_horizontal("n_a", "n_b") / CO_ACTIVITY_OVERLAP)
            .clip(upper_bound=1.0)
            .fill_null(1.0)
        )
    )
    # Activity is looked up for the co-activity rows only (thousands of the millions).
    is_co = pl.col("family") == "co_activity"
    co_rows = (
        ev.filter(is_co)
        .join(activity.rename({"n": "n_a"}), on="aid", how="left")
        .join(activity.rename({"aid": "bid", "n": "n_b"}), on="bid", how="left")
        .with_columns(co_weight.alias("weight"))
        .drop("n_a", "n_b")
    )
    rest = ev.filter(~is_co).with_columns(pl.col("max_weight").alias("weight"))
    # Numbers follow account order (``acc`` is sorted), so sorting on them is sorting on
    # the account texts; the texts are then picked by number (no join).
    out = pl.concat([co_rows, rest]).filter(pl.col("weight") > 0).sort("aid", "bid", "family")
    account = acc["account"]
    out = out.with_columns(
        account.gather(out["aid"]).alias("a"), account.gather(out["bid"]).alias("b")
    ).join(labels, on="example_vid", how="left", maintain_order="left")
    return out.select(
        "a", "b", "family", "shared_values", "example", "min_df", "weight", _pair_key("aid", "bid")
    )


_VALUE_ORDER = ("family", "df", "text", "minute_bin", "value")


def _in_example_order(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """The usable values sorted by family, rarity, text, bin (examples are the first).

    Co-activity bins are most of the rows and share a few thousand template texts, so
    they sort on the texts' rank (an integer) instead of the texts; "co_activity" sorts
    before every other family name, so the two sorted parts concatenate in order.
    """
    values = pl.concat(parts)
    is_co = pl.col("family") == "co_activity"
    co = values.filter(is_co)
    rest = values.filter(~is_co).sort(*_VALUE_ORDER, nulls_last=True)
    if co.is_empty() or co["minute_bin"].null_count() or co["value"].null_count() < co.height:
        # co-activity given as plain values: the general sort
        return pl.concat([co.sort(*_VALUE_ORDER, nulls_last=True), rest])
    rank = co.select("text").unique().with_columns(pl.col("text").rank("dense").alias("_rank"))
    co = co.join(rank, on="text").sort("df", "_rank", "minute_bin").drop("_rank")
    return pl.concat([co, rest])


def _pair_evidence(u: pl.DataFrame, attrs: pl.DataFrame, keep: pl.DataFrame | None) -> pl.DataFrame:
    """Per (aid, bid, family) evidence from (aid, vid) rows, in bounded slices.

    ``keep`` (aid, bid): only these pairs are kept (semi-join in each slice).
    """
    empty = pl.DataFrame(
        schema={
            "aid": pl.UInt32,
            "bid": pl.UInt32,
            "family": pl.String,
            "shared_values": pl.UInt32,
            "max_weight": pl.Float64,
            "mean_weight": pl.Float64,
            "example_vid": pl.UInt32,
            "min_df": pl.UInt32,
        }
    )
    if u.is_empty() or (keep is not None and keep.is_empty()):
        return empty
    on = ["vid", "group"] if "group" in u.columns else ["vid"]
    df = streamed(u.lazy().group_by(on).len())
    work = int((df["len"].cast(pl.Int64) ** 2).sum())
    slices = max(1, -(-work // PAIR_ROWS_PER_SLICE))
    # Pairs and families as single integers: the pair rows (tens of millions at seed
    # scale) are joined and grouped on one 64-bit key instead of two keys and a text.
    families = attrs.select("family").unique().sort("family").with_row_index("fam")
    attrs = attrs.join(families, on="family").select(
        "vid", pl.col("fam").cast(pl.UInt8), "df", "weight", "scale"
    )
    keep_keys = keep.select(_pair_key("aid", "bid")) if keep is not None else None
    u = u.select("aid", *on)
    partial = []
    for k in range(slices):
        part = (u.filter(pl.col("vid") % slices == k) if slices > 1 else u).lazy()
        pairs = (
            part.join(part.rename({"aid": "bid"}), on=on)
            .filter(pl.col("aid") < pl.col("bid"))
            .select("vid", _pair_key("aid", "bid"))
        )
        if keep_keys is not None:
            pairs = pairs.join(keep_keys.lazy(), on="pk", how="semi")
        partial.append(
            streamed(
                pairs.join(attrs.lazy(), on="vid")
                .group_by("pk", "fam")
                .agg(
                    _fixed(pl.col("scale")).sum().alias("n"),
                    pl.col("weight").max().alias("wmax"),
                    _fixed(pl.col("weight") * pl.col("scale")).sum().alias("wsum"),
                    pl.col("vid").min().alias("example_vid"),
                    pl.col("df").min().alias("min_df"),
                )
            )
        )
    # One slice (the usual case) has one row per (pk, fam) already: no second group-by.
    combined = (
        partial[0]
        if len(partial) == 1
        else pl.concat(partial)
        .group_by("pk", "fam")
        .agg(
            pl.col("n").sum(),
            pl.col("wmax").max(),
            pl.col("wsum").sum(),
            pl.col("example_vid").min(),
            pl.col("min_df").min(),
        )
    )
    merged = (
        combined.lazy()
        .with_columns(
            (pl.col("n") / _FIXED_UNIT).round().alias("shared_values"),
            pl.col("wmax").alias("max_weight"),
            (pl.col("wsum") / pl.col("n")).alias("mean_weight"),
        )
        .join(families.lazy(), on="fam")
        .select(
            (pl.col("pk") // 2**32).alias("aid"),
            (pl.col("pk") % 2**32).alias("bid"),
            *empty.columns[2:],
        )
    )
    return streamed(merged.cast(dict(empty.schema.items())))


#: Sums over pair rows (sample scales, weights) are added in fixed point, in units of
#: 1/2^24: integer sums do not depend on the order rows are added in, which the
#: streaming engine does not fix, so the evidence is the same every run. The rounding
#: (6e-8 of a unit per row) is far below any threshold, and an int64 holds 2.7e7 rows of
#: the largest possible term (weight 20 at sample scale 1000) per pair and family.
_FIXED_UNIT = 2**24


def _fixed(x: pl.Expr) -> pl.Expr:
    return (x * _FIXED_UNIT).round().cast(pl.Int64)


#: Rounds of label spreading :func:`anchor_groups` tries before giving up (a label
#: moves one link a round, so this bounds the width of a group it can number).
GROUP_ROUNDS = 32


def anchor_groups(pairs: pl.DataFrame) -> pl.DataFrame | None:
    """Connected groups of the ``pairs`` (aid, bid) graph: (aid, group), group = the
    smallest aid of the group; ``None`` if a group is wider than :data:`GROUP_ROUNDS`
    links (then nothing is restricted to groups, which is slower but the same).

    Each round gives every account the smallest label among itself and its partners,
    until no label changes.
    """
    edges = pl.concat(
        [
            pairs.select("aid", "bid"),
            pairs.select(pl.col("bid").alias("aid"), pl.col("aid").alias("bid")),
        ]
    )
    labels = edges.select(pl.col("aid").unique().sort()).with_columns(pl.col("aid").alias("group"))
    for _ in range(GROUP_ROUNDS):
        spread = streamed(
            edges.lazy()
            .join(labels.lazy().rename({"aid": "bid", "group": "theirs"}), on="bid")
            .group_by("aid")
            .agg(pl.col("theirs").min())
        )
        new = labels.join(spread, on="aid", how="left", maintain_order="left").select(
            "aid", pl.min_horizontal("group", "theirs").alias("group")
        )
        if new["group"].equals(labels["group"]):
            return labels
        labels = new
    return None


def _numbered_components(linked: pl.DataFrame, min_size: int) -> pl.DataFrame | None:
    """:func:`components` of pairs with a pair key, found by :func:`anchor_groups`
    (measured 0.5 s against 2.5 s through networkx for 430k links); ``None`` if a group
    is too wide for it."""
    nums = linked.select(
        (pl.col("pk") // 2**32).alias("aid"), (pl.col("pk") % 2**32).alias("bid"), "a", "b"
    )
    groups = anchor_groups(nums)
    if groups is None:
        return None
    names = pl.concat(
        [
            nums.select("aid", pl.col("a").alias("account")),
            nums.select(pl.col("bid").alias("aid"), pl.col("b").alias("account")),
        ]
    ).unique("aid")
    members = groups.join(names, on="aid").select("account", "group")
    # numbered by size (largest first), ties by smallest account, as networkx's are
    order = (
        members.group_by("group")
        .agg(pl.len().alias("size"), pl.col("account").min().alias("first"))
        .filter(pl.col("size") >= min_size)
        .sort(["size", "first"], descending=[True, False])
        .with_row_index("component")
        .select("group", pl.col("component").cast(pl.Int64))
    )
    return (
        members.join(order, on="group").sort("component", "account").select("account", "component")
    )


def _pair_key(a: str, b: str) -> pl.Expr:
    """One 64-bit key for a pair of 32-bit account numbers (``a`` in the high half)."""
    return (pl.col(a).cast(pl.UInt64) * 2**32 + pl.col(b).cast(pl.UInt64)).alias("pk")


def pair_keys(evidence: pl.DataFrame) -> pl.DataFrame:
    """``evidence`` (``a``, ``b`` texts) with a pair key ``pk`` made the way
    :func:`candidate_pairs` makes it (accounts numbered in text order, ``a``'s number in
    the high 32 bits), but numbering only the accounts in ``evidence``: the keys match
    those of other frames only if they were numbered by the same call."""
    numbers = (
        pl.concat([evidence["a"], evidence["b"]]).unique().sort().to_frame("a").with_row_index("n")
    )
    return (
        evidence.join(numbers, on="a", how="left")
        .join(numbers.rename({"a": "b", "n": "m"}), on="b", how="left")
        .with_columns(_pair_key("n", "m"))
        .drop("n", "m")
    )


def decide_links(evidence: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """Per pair: merged-family weights, total, and whether the pair is linked.

    One row per pair, in pair-key order: ``pk`` (added by :func:`pair_keys` if
    ``evidence`` lacks it), which :func:`candidate_pairs` gives sorted. A family group's
    weight is the largest of its families' (ip and its /24 count once, as
    ``network``); the total adds the groups in a fixed order. One group-by on the
    sorted key, with the texts taken from each pair's first row and the orgs compared
    only for pairs whose two accounts both have one (millions of pairs at seed scale:
    measured 1.9 s instead of 4.8 s with two group-bys carrying the texts).
    """
    ev = evidence if "pk" in evidence.columns else pair_keys(evidence)
    if not ev["pk"].is_sorted():
        ev = ev.sort("pk", maintain_order=True)
    ev = ev.with_columns(pl.col("pk").set_sorted())
    group_names = sorted({f.group for f in FAMILIES.values()})
    counts = {g: any(f.counts for f in FAMILIES.values() if f.group == g) for g in group_names}
    family = pl.col("family")

    def best(group: str) -> pl.Expr:
        members = [k for k, f in FAMILIES.items() if f.group == group]
        return pl.when(family.is_in(members)).then(pl.col("weight")).max().alias(f"_{group}")

    per_pair = ev.group_by("pk", maintain_order=True).agg(
        *(best(g) for g in group_names),
        pl.when(family == "payment").then(pl.col("min_df")).min().alias("pay_df"),
    )
    # one row per pair key, as the group-by makes them (a null key is one group)
    new_key = pl.col("pk").ne_missing(pl.col("pk").shift()) | (pl.int_range(pl.len()) == 0)
    first = ev.filter(new_key).select("a", "b")
    weights = {g: pl.col(f"_{g}") for g in group_names}
    per_pair = per_pair.hstack(first).select(
        "a",
        "b",
        pl.sum_horizontal(*(w.fill_null(0.0) for w in weights.values())).alias("total"),
        pl.sum_horizontal(
            *(
                (w >= cfg.min_family_weight).fill_null(False)
                for g, w in weights.items()
                if counts[g]
            )
        )
        .cast(pl.UInt32)
        .alias("families"),
        weights["payment"].fill_null(0.0).alias("pay"),
        "pay_df",
        "pk",
    )
    orgs = accounts.select("account", "org").drop_nulls("org")
    with_org = orgs["account"].implode()
    same = (
        per_pair.filter(pl.col("a").is_in(with_org) & pl.col("b").is_in(with_org))
        .select("pk", "a", "b")
        .join(orgs.rename({"account": "a", "org": "org_a"}), on="a")
        .join(orgs.rename({"account": "b", "org": "org_b"}), on="b")
        .filter(pl.col("org_a") == pl.col("org_b"))
    )
    same_org = pl.col("pk").is_in(same["pk"].implode())
    linked = ~pl.col("same_org") & (
        ((pl.col("total") >= cfg.min_weight) & (pl.col("families") >= cfg.min_families))
        | (pl.col("pay") >= cfg.strong_weight)
        | (pl.col("pay_df") <= cfg.strong_card_accounts).fill_null(False)
    )
    return (
        per_pair.with_columns(same_org.alias("same_org"))
        .with_columns(linked.alias("linked"))
        .select("a", "b", "total", "families", "pay", "pay_df", "same_org", "linked", "pk")
    )


def components(pairs: pl.DataFrame, min_size: int) -> pl.DataFrame:
    """Connected groups of linked accounts: (account, component) for groups >= min_size.

    Components are numbered by size (largest first), ties by smallest account id, so
    numbering is deterministic.
    """
    linked = pairs.filter(pl.col("linked"))
    if "pk" in linked.columns:  # numbered pairs: label spreading in polars
        found = _numbered_components(linked, min_size)
        if found is not None:
            return found
    graph: nx.Graph = nx.Graph()
    graph.add_edges_from(linked.select("a", "b").iter_rows())
    comps = [sorted(c) for c in nx.connected_components(graph) if len(c) >= min_size]
    comps.sort(key=lambda c: (-len(c), c[0]))
    rows_a: list[str] = []
    rows_c: list[int] = []
    for i, members in enumerate(comps):
        rows_a.extend(members)
        rows_c.extend([i] * len(members))
    return pl.DataFrame(
        {"account": rows_a, "component": rows_c},
        schema={"account": pl.String, "component": pl.Int64},
    )
