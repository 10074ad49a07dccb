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

from dataclasses import dataclass

import networkx as nx
import polars as pl

from extractscan.config import LinkConfig


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
    """Distinct (account, family, value) pairs of the network and client families."""
    parts = [
        rows.select("account", pl.lit(fam).alias("family"), pl.col(col).alias("value"))
        for fam, col in (("ip", "ip"), ("ip_prefix", "ip_prefix"), ("user_agent", "user_agent"))
    ]
    return pl.concat(parts).drop_nulls("value").unique()


def template_bins(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Distinct (account, template, minute_bin): the raw material of the content families."""
    return (
        rows.filter(pl.col("template").is_not_null())
        .select("account", "template", "minute_bin")
        .unique()
    )


def content_identifiers(bins: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Template values keyed by near-duplicate cluster; co-activity by exact wrapper.

    Paraphrased wrappers of one campaign share a cluster (MinHash/LSH, see
    :mod:`extractscan.fingerprint`), so the template family survives paraphrase.
    Co-activity keeps the exact wrapper: keyed by cluster, ordinary users of popular
    templates met in the same minutes too often (measured: benign false positives on
    every seed at 200k rows).
    """
    b = bins.join(clusters, on="template", how="left").with_columns(
        pl.coalesce("cluster", "template").alias("cluster")
    )
    tpl = b.select("account", pl.lit("template").alias("family"), pl.col("cluster").alias("value"))
    co = b.select(
        "account",
        pl.lit("co_activity").alias("family"),
        (pl.col("template") + " @ " + pl.col("minute_bin").dt.strftime("%Y-%m-%d %H:%M")).alias(
            "value"
        ),
    )
    return pl.concat([tpl, co]).unique()


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


def weigh_values(ids: pl.DataFrame, n_accounts: int, cfg: LinkConfig) -> pl.DataFrame:
    """Per (family, value): accounts sharing it, IDF weight; too-common values dropped."""
    caps = pl.DataFrame(
        {
            "family": list(FAMILIES),
            "cap": [
                cfg.max_accounts_per_value.get(k, cfg.max_accounts_per_value.get(f.group, 50))
                for k, f in FAMILIES.items()
            ],
            "reliability": [f.reliability for f in FAMILIES.values()],
        }
    )
    df = ids.group_by("family", "value").agg(pl.len().alias("df"))
    return df.join(caps, on="family", how="left").with_columns(
        (pl.col("df") >= 2).alias("shared"),
        (pl.col("df") > pl.col("cap")).alias("too_common"),
        (pl.col("reliability") * (pl.lit(float(max(n_accounts, 2))) / pl.col("df")).log()).alias(
            "weight"
        ),
    )


def candidate_pairs(ids: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """Every pair of accounts sharing a usable value, with per-family evidence."""
    usable = weights.filter(pl.col("shared") & ~pl.col("too_common")).select(
        "family", "value", "df", "weight"
    )
    v = ids.join(usable, on=["family", "value"], how="inner")
    pairs = v.join(
        v.select("family", "value", pl.col("account").alias("b")), on=["family", "value"]
    )
    pairs = pairs.filter(pl.col("account") < pl.col("b")).rename({"account": "a"})
    per_family = pairs.group_by("a", "b", "family").agg(
        pl.len().alias("shared_values"),
        pl.col("weight").max().alias("max_weight"),
        pl.col("weight").mean().alias("mean_weight"),
        pl.col("value").sort_by("df", "value").first().alias("example"),
        pl.col("df").min().alias("min_df"),
    )
    activity = ids.filter(pl.col("family") == "co_activity").group_by("account").len()
    per_family = (
        per_family.join(activity.rename({"account": "a", "len": "n_a"}), on="a", how="left")
        .join(activity.rename({"account": "b", "len": "n_b"}), on="b", how="left")
        .with_columns(
            (pl.col("shared_values") / pl.min_horizontal("n_a", "n_b") / CO_ACTIVITY_OVERLAP)
            .clip(upper_bound=1.0)
            .fill_null(1.0)
            .alias("overlap")
        )
        .drop("n_a", "n_b")
    )
    return (
        per_family.with_columns(
            pl.when(
                (pl.col("family") == "co_activity") & (pl.col("shared_values") < CO_ACTIVITY_MIN)
            )
            .then(0.0)
            .when(pl.col("family") == "co_activity")
            .then(
                pl.col("mean_weight")
                * (pl.col("shared_values").clip(upper_bound=CO_ACTIVITY_FULL) / CO_ACTIVITY_FULL)
                * pl.col("overlap")
            )
            .otherwise(pl.col("max_weight"))
            .alias("weight")
        )
        .drop("max_weight", "mean_weight", "overlap")
        .filter(pl.col("weight") > 0)
    )


def decide_links(evidence: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """Per pair: merged-family weights, total, and whether the pair is linked."""
    groups = pl.DataFrame(
        {
            "family": list(FAMILIES),
            "group": [f.group for f in FAMILIES.values()],
            "counts": [f.counts for f in FAMILIES.values()],
        }
    )
    merged = (
        evidence.join(groups, on="family")
        .group_by("a", "b", "group")
        .agg(pl.col("weight").max(), pl.col("counts").any(), pl.col("min_df").min())
    )
    per_pair = merged.group_by("a", "b").agg(
        pl.col("weight").sum().alias("total"),
        ((pl.col("weight") >= cfg.min_family_weight) & pl.col("counts")).sum().alias("families"),
        pl.col("weight").filter(pl.col("group") == "payment").max().fill_null(0.0).alias("pay"),
        pl.col("min_df").filter(pl.col("group") == "payment").min().alias("pay_df"),
    )
    orgs = accounts.select("account", "org")
    per_pair = (
        per_pair.join(orgs.rename({"account": "a", "org": "org_a"}), on="a", how="left")
        .join(orgs.rename({"account": "b", "org": "org_b"}), on="b", how="left")
        .with_columns(
            (pl.col("org_a").is_not_null() & (pl.col("org_a") == pl.col("org_b")))
            .fill_null(False)
            .alias("same_org")
        )
    )
    linked = ~pl.col("same_org") & (
        ((pl.col("total") >= cfg.min_weight) & (pl.col("families") >= cfg.min_families))
        | (pl.col("pay") >= cfg.strong_weight)
        | (pl.col("pay_df") <= cfg.strong_card_accounts).fill_null(False)
    )
    return per_pair.with_columns(linked.alias("linked")).drop("org_a", "org_b")


def components(pairs: pl.DataFrame, min_size: int) -> pl.DataFrame:
    """Connected groups of linked accounts: (account, component) for groups >= min_size.

    Components are numbered by size (largest first), ties by smallest account id, so
    numbering is deterministic.
    """
    graph: nx.Graph = nx.Graph()
    linked = pairs.filter(pl.col("linked")).select("a", "b")
    graph.add_edges_from(linked.iter_rows())
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
