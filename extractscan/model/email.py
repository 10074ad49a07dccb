"""E-mail domains: an institution's own (a campus, a company) against a mass provider."""

from __future__ import annotations

import re

import polars as pl

#: An e-mail domain holding at most this share of the log's accounts is not a mass
#: free-mail provider (those hold tens of percent of consumer sign-ups each) unless it
#: is one of :data:`FREE_MAIL`.
INSTITUTION_DOMAIN_SHARE = 0.05

#: Consumer mail providers that hold millions of addresses each, and so are never an
#: institution's own domain, whatever their share of one log. The share alone failed
#: where campaigns on throwaway domains made most of a log: a hydra and a grader, 33,296
#: of its 39,442 accounts, left gmail.com, outlook.com and icloud.com 2.9 % each, and an
#: identifier-free campaign's behavioural cluster was dropped as "students of an
#: institution that lies mostly outside it" (report world 2298, RESULTS.md "Bought,
#: aged accounts"). The largest providers only (a curated list, not every free domain):
#: one not listed still counts as a mass provider by its share.
FREE_MAIL: frozenset[str] = frozenset(
    {
        "126.com",
        "163.com",
        "aol.com",
        "fastmail.com",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "me.com",
        "msn.com",
        "naver.com",
        "outlook.com",
        "pm.me",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "rediffmail.com",
        "tutanota.com",
        "web.de",
        "yahoo.com",
        "yandex.com",
        "yandex.ru",
        "ymail.com",
        "zoho.com",
    }
)
#: The same providers' country domains (hotmail.co.uk, yahoo.co.jp, outlook.de, ...).
_FREE_MAIL_COUNTRY = r"^(?:hotmail|live|outlook|yahoo)\.(?:[a-z]{2}|com?\.[a-z]{2})$"


def email_domain(col: str = "email") -> pl.Expr:
    """The lower-cased domain of an e-mail address (null without an ``@``)."""
    parts = pl.col(col).str.to_lowercase().str.split("@")
    return pl.when(parts.list.len() >= 2).then(parts.list.last()).otherwise(None)


def free_mail(domain: pl.Expr) -> pl.Expr:
    """Whether a lower-cased ``domain`` is a known mass provider's (:data:`FREE_MAIL`)."""
    return domain.is_in(sorted(FREE_MAIL)) | domain.str.contains(_FREE_MAIL_COUNTRY)


def domain_counts(col: str = "email") -> list[pl.Expr]:
    """Aggregations of a group's e-mail addresses: ``domains`` (distinct domains) and
    ``own_domain_members`` (addresses on a domain that is no mass provider's): what
    unrelated organisations have, one domain each (the shared-egress check,
    :mod:`extractscan.assess.benign`, and campaign assembly,
    :func:`extractscan.link.assemble.organisations`)."""
    dom = email_domain(col).drop_nulls()
    return [
        dom.n_unique().cast(pl.Int64).alias("domains"),
        (~free_mail(dom)).sum().cast(pl.Int64).alias("own_domain_members"),
    ]


def is_free_mail(domain: str | None) -> bool:
    """:func:`free_mail` of one domain."""
    if not domain:
        return False
    return bool(pl.select(free_mail(pl.lit(domain.lower()))).item())


#: Academic domains: registries that admit only accredited institutions (.edu, and the
#: country-code second levels such as .ac.uk or .edu.au).
_ACADEMIC = r"(?:\.edu|\.(?:ac|edu)\.[a-z]{2})$"


def is_academic(domain: str | None) -> bool:
    """Whether ``domain`` is under an academic registry (:data:`_ACADEMIC`): an
    institution's, however many of a log's accounts are on it. A big university is a
    tenth of a small log's accounts (held-out world 2647: 698 of 6,203 on one .edu, its
    campus NAT's students and a class of 24 among them)."""
    return bool(domain) and re.search(_ACADEMIC, str(domain).lower()) is not None


def institution_domain(
    domain: pl.Expr, members: pl.Expr, population: pl.Expr, in_log: int
) -> pl.Expr:
    """Whether a group's lower-cased e-mail ``domain``, with ``members`` of the group on
    it and ``population`` of the log's ``in_log`` accounts, is an institution's own: at
    least half of the log's accounts on it are the group's, or it holds at most
    :data:`INSTITUTION_DOMAIN_SHARE` of them and is no mass provider's
    (:func:`free_mail`), or it is an academic one (:func:`is_academic`) whatever its
    share (the cohort and enterprise checks of :mod:`extractscan.assess.benign`, and
    campaign assembly)."""
    return (
        population.is_not_null()
        & (members > 0)
        & (
            (population <= 2 * members)
            | ((population <= INSTITUTION_DOMAIN_SHARE * in_log) & ~free_mail(domain))
            | domain.str.contains(_ACADEMIC)
        )
    ).fill_null(False)


def outside_campaigns(
    table: pl.DataFrame, domains: pl.DataFrame, campaigns: pl.DataFrame | None, size: str
) -> pl.DataFrame:
    """``table`` (domain, ``size``: the log's accounts on it) without the domains more
    than half of whose accounts are in ``campaigns`` (account: the identifier-linked
    groups that lean to extraction), by ``domains`` (account, domain): a campaign's mail
    domain, a throwaway provider's, is no institution's (held-out world 3157), whereas a
    university's or a company's other accounts are ordinary users in no such group."""
    if campaigns is None or campaigns.is_empty():
        return table
    theirs = (
        domains.join(campaigns.select("account").unique(), on="account", how="semi")
        .group_by("domain")
        .agg(pl.len().alias("theirs"))
    )
    return (
        table.join(theirs, on="domain", how="left")
        .filter(pl.col("theirs").fill_null(0) * 2 <= pl.col(size))
        .drop("theirs")
    )
