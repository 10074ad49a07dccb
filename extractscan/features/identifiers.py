"""Row-level identifiers: (account key, family, value) rows from the streaming pass.

The network and client families (IP, IP prefix, user agent) come from every row;
e-mail patterns from the account attributes (:func:`email_pattern`); the raw
material of co-activity (:func:`template_bins`).
"""

from __future__ import annotations

import polars as pl

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


def row_identifiers(rows: pl.LazyFrame, by: tuple[str, ...] = ("aid",)) -> pl.LazyFrame:
    """Distinct (aid, family, value) pairs of the network and client families.

    ``aid`` is the account's row-level key (:func:`features.account_key`). The /24
    (/48) prefix is derived from the distinct (aid, ip) pairs, not per row. ``by``: the
    key columns (an incremental scan's per-file partials add the file's ``_fid``).
    """
    # Each part deduplicated on its own (one unique over all three cost 2 s more at
    # 28.8M rows); distinct IPs give distinct rows already, their prefixes may repeat.
    ips = rows.select(*by, "ip").drop_nulls("ip").unique()
    parts = [
        ips.select(*by, pl.lit("ip").alias("family"), pl.col("ip").alias("value")),
        ips.select(*by, pl.lit("ip_prefix").alias("family"), ip_prefix(pl.col("ip")).alias("value"))
        .drop_nulls("value")
        .unique(),
        rows.select(*by, pl.lit("user_agent").alias("family"), pl.col("user_agent").alias("value"))
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


def template_bins(rows: pl.LazyFrame, by: tuple[str, ...] = ("aid",)) -> pl.LazyFrame:
    """(aid, hkey, minute_bin) of every request with a prompt head: the raw material of
    co-activity.

    Keys are 64-bit hashes of the account and the prompt head (see
    :func:`features.with_row_features`), so the table holds no text however many rows
    it has. Not deduplicated here: :func:`aggregate.resolve` deduplicates once heads
    are templates (a second unique in the streaming pass cost 3.8 s at 28.8M rows and
    removed under 1 % of them).
    """
    return rows.filter(pl.col("hkey").is_not_null()).select(*by, "hkey", "minute_bin")
