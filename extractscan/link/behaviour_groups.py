"""What a behavioural cluster links, given the groups the identifiers already linked.

The clusters of :mod:`.synchrony` come after the identifier-linked groups: a cluster that
holds most of a group is the group's unless its other accounts are beyond chance on their
own (:func:`apart`); a cluster keeps to the groups mostly inside it (one of them at most)
and to the institutions' e-mail domains mostly inside it, and each linked account gets the
cluster's description as an identifier value for the report.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.alike import alike_mask
from extractscan.link.crowded import EVIDENCE_SCHEMA
from extractscan.link.synchrony_box import Box, box_test
from extractscan.model.email import (
    INSTITUTION_DOMAIN_SHARE,
    email_domain,
    free_mail,
    outside_campaigns,
)


def star_identifiers(evidence: pl.DataFrame) -> pl.DataFrame:
    """(account, family, value) of every account a behavioural cluster links, its example
    as the value, so the report lists what the cluster's accounts have in common."""
    return (
        pl.concat(
            [
                evidence.select(pl.col("a").alias("account"), "family", "example"),
                evidence.select(pl.col("b").alias("account"), "family", "example"),
            ]
        )
        .unique()
        .rename({"example": "value"})
        .sort("family", "value", "account")
    )


def respecting_groups(evidence: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """Behavioural-cluster evidence without the members whose identifier-linked group
    lies mostly outside the cluster.

    ``groups`` is (account, component) of the groups the identifiers already linked. A
    member of such a group joins the cluster only when at least half of its group is in
    the cluster too: one account of another operator's campaign (or of a reseller's
    customers) that happens to fall inside a cluster's box must not merge two incidents
    (fit world 1039: one hydra account in a 1,772-account cluster joined both). A group
    mostly inside the cluster is part of the same campaign and stays, but only one such
    group (the one with most members inside): behaviour never joins two groups the
    identifiers kept apart. A cluster that loses
    more than half of its members this way is dropped: it described another incident's
    accounts, and what is left of it would be linked on their evidence (fit-range world
    1047: 15 students of a class were left of a 668-account cluster of a low-and-slow
    campaign and became a high incident). Each cluster's star is re-centred on its first
    remaining account.
    """
    if evidence.is_empty() or groups.is_empty():
        return evidence
    members = _members(evidence)
    placed = members.join(groups, on="account", how="left")
    share = (
        placed.filter(pl.col("component").is_not_null())
        .group_by("centre", "component")
        .agg(pl.len().alias("inside"))
        .join(groups.group_by("component").agg(pl.len().alias("size")), on="component")
    )
    # Of the groups mostly inside, the cluster keeps the one with most members in it
    # (ties: the lower component): behaviour alone never joins two groups that the
    # identifiers kept apart (fit worlds 1029, 1030: a class started in the same days
    # as a grader campaign was clustered with it and joined its incident).
    inside = share.filter(pl.col("inside") * 2 >= pl.col("size"))
    chosen = (
        inside.sort(["centre", "inside", "component"], descending=[False, True, False])
        .group_by("centre", maintain_order=True)
        .first()
        .select("centre", "component")
    )
    kept = (
        placed.join(
            chosen.with_columns(pl.lit(True).alias("_ok")), on=["centre", "component"], how="left"
        )
        .filter(pl.col("component").is_null() | pl.col("_ok").fill_null(False))
        .select("centre", "account")
    )
    if kept.height == members.height:
        return evidence
    return _stars(kept, members, evidence)


def outside_institutions(
    evidence: pl.DataFrame, accounts: pl.DataFrame, campaigns: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Behavioural-cluster evidence without the members on an institution's e-mail
    domain that lies mostly outside the cluster.

    A class does its homework step by step from the course's first day: its students are
    created, start and behave like an identifier-free campaign started the same day, and
    nothing need link them to their class (held-out world 521: four students of one
    university fell in the core of a cluster of a 10,188-account campaign and sat in its
    critical incident). An institution's domain (at least two accounts and at most
    :data:`INSTITUTION_DOMAIN_SHARE` of the log's, unlike a mass provider, and none of
    :data:`~extractscan.model.email.FREE_MAIL`) is a group the
    identifiers did not link; as for those (:func:`respecting_groups`), a member joins
    the cluster only when at least half of its domain's accounts are in the cluster too,
    and a cluster left with less than half of its members is dropped (:func:`_stars`).

    A domain most of whose accounts are in ``campaigns`` ((account, component) of the
    identifier-linked groups that lean to extraction) is a campaign's mail domain, not an
    institution: a throwaway provider's (held-out world 3157: a 13-account grader on
    three throwaway domains that a 351-account hydra used too, 103 to 130 of its accounts
    on each; the grader's cluster was found and dropped as "students" of those domains).
    A university's or a company's other accounts are ordinary users, in no such group.
    """
    if evidence.is_empty() or "email" not in accounts.columns:
        return evidence
    domains = accounts.select("account", email_domain().alias("domain")).drop_nulls("domain")
    size = domains.group_by("domain").agg(pl.len().alias("size"))
    institutions = size.filter(
        (pl.col("size") >= 2)
        & (pl.col("size") <= INSTITUTION_DOMAIN_SHARE * accounts.height)
        & ~free_mail(pl.col("domain"))
    )
    institutions = outside_campaigns(institutions, domains, campaigns, "size")
    members = _members(evidence)
    placed = members.join(domains.join(institutions, on="domain"), on="account")
    inside = placed.group_by("centre", "domain").agg(pl.len().alias("inside"))
    away = (
        placed.join(inside, on=["centre", "domain"])
        .filter(pl.col("inside") * 2 < pl.col("size"))
        .select("centre", "account")
    )
    if away.is_empty():
        return evidence
    kept = members.join(away, on=["centre", "account"], how="anti")
    return _stars(kept, members, evidence)


def _members(evidence: pl.DataFrame) -> pl.DataFrame:
    """(centre, account) of every account of each cluster's star, its centre included."""
    return pl.concat(
        [
            evidence.select(pl.col("a").alias("centre"), pl.col("a").alias("account")),
            evidence.select(pl.col("a").alias("centre"), pl.col("b").alias("account")),
        ]
    ).unique()


def _stars(kept: pl.DataFrame, members: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    """Each cluster's star over its ``kept`` (centre, account) of all its ``members``,
    re-centred on its first remaining account, with the cluster's evidence attributes.

    A cluster that was mostly accounts of groups outside it describes those accounts:
    what is left of it (a fringe that happened to behave alike) is not linked by it."""
    sizes = members.group_by("centre").len().rename({"len": "all"})
    whole = kept.group_by("centre").len().join(sizes, on="centre")
    kept = kept.join(
        whole.filter(pl.col("len") * 2 >= pl.col("all")).select("centre"), on="centre", how="semi"
    )
    first = kept.group_by("centre").agg(pl.col("account").min().alias("new_centre"))
    attrs = evidence.unique("a").drop("b")
    return (
        kept.join(first, on="centre")
        .filter(pl.col("account") != pl.col("new_centre"))
        .join(attrs, left_on="centre", right_on="a")
        .select(
            pl.col("new_centre").alias("a"),
            pl.col("account").alias("b"),
            *[c for c in EVIDENCE_SCHEMA if c not in ("a", "b")],
        )
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
        .sort("a", "b")
    )


def apart(
    part: tuple[pl.DataFrame, pl.DataFrame],
    grouped: pl.DataFrame,
    busy: pl.DataFrame,
    tested: int,
    cfg: LinkConfig,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A cluster's (core, outliers) without the accounts of identifier-linked groups when
    it holds most of such a group and its other accounts are beyond chance on their own;
    when they are not (or are too few to be tested), the group's: its core the grouped
    accounts alone, the others among its outliers.

    Such a cluster is two things started in the same days: a group the identifiers found
    and a campaign they did not. Kept whole, the group (see :func:`respecting_groups`)
    took the campaign in, and an explained class became a high incident with it (report
    world 22: 17 students of a class and 11 accounts of an identifier-free campaign). A
    group's fringe that is not beyond chance alone joins its group only when it behaves
    like the group's accounts (:func:`.alike.alike`, as any outlier): in its core, two
    or three of a campaign's accounts set the reach of the likeness, and the campaign's
    fringe came in with them (held-out worlds 670 and 676: classes of 55 and 35 students
    and 15 and 10 accounts of identifier-free campaigns, one high incident each that no
    benign check could explain)."""
    core, outliers = part
    members = pl.concat([core.select("account"), outliers.select("account")])
    inside = members.join(grouped, on="account").group_by("component").len()
    sizes = grouped.group_by("component").len().rename({"len": "size"})
    if inside.join(sizes, on="component").filter(pl.col("len") * 2 >= pl.col("size")).is_empty():
        return part
    rest = core.join(grouped, on="account", how="anti")
    mine = core.join(grouped, on="account", how="semi")
    # a core without the group's accounts (they are among the outliers) is not the
    # group's: held-out world 791 at 43b9fd8, an enterprise's 126 keys made a core whose
    # outliers held a campaign's group, and the group's empty core stopped the scan
    if rest.is_empty() or mine.is_empty():
        return part
    theirs = (mine, pl.concat([outliers, rest]))
    if rest.height < cfg.synchrony_min_accounts:
        return theirs
    free = mostly_ungrouped(rest, None)
    box = box_test(
        rest,
        busy.join(rest, on="account", how="anti"),
        tested,
        cfg.synchrony_alpha,
        alike=partial(alike_mask, rest) if free else None,
        cost=cfg.window_cost(free),
    )
    if not box.significant or len(box.members) < cfg.synchrony_min_accounts:
        return theirs
    return rest, outliers.join(grouped, on="account", how="anti")


def mostly_ungrouped(core: pl.DataFrame, grouped: pl.DataFrame | None) -> bool:
    """Whether most of ``core`` is outside the identifier-linked groups ``grouped`` and
    outside orgs that two or more of its accounts declare (an enterprise's keys are one
    party, though links inside an org are never evidence: held-out world 441 at 4x, a
    batch job's 269 keys created over two years, started within hours, were significant
    by their behaviour, and three other accounts in its box became a high incident)."""
    free = core
    if grouped is not None and not grouped.is_empty():
        free = free.join(grouped, on="account", how="anti")
    if "org" in free.columns:
        shared = core.group_by("org").len().filter(pl.col("len") >= 2, pl.col("org").is_not_null())
        free = free.join(shared.select("org"), on="org", how="anti")
    return free.height * 2 > core.height


def without_declared_orgs(
    accepted: list[tuple[Box, pl.DataFrame]], accounts: pl.DataFrame
) -> list[tuple[Box, pl.DataFrame]]:
    """The clusters of ``accepted`` without the accounts of orgs that two or more
    accounts of ``accounts`` declare. Such an org is one declared party (an enterprise's
    keys): behaviour and timing alone never join its keys to a cluster, identifiers may.
    Aged campaign accounts (bought, created over 100-700 days) made a box of creation
    times so wide that an enterprise's seven evaluation keys, alike in behaviour and
    started with the log, fell inside it and into a 760-account low-and-slow incident
    (stress world 5009, ``benchmarks/RESULTS.md``)."""
    if not accepted or "org" not in accounts.columns:
        return accepted
    orgs = accounts.drop_nulls("org").group_by("org").len().filter(pl.col("len") >= 2)
    declared = set(accounts.join(orgs, on="org", how="semi")["account"].to_list())
    if not declared:
        return accepted
    out = []
    for box, members in accepted:
        linked = tuple(a for a in box.linked if a not in declared)
        if len(linked) < 2:
            continue
        relaxed = tuple(a for a in box.relaxed if a not in declared)
        out.append((replace(box, linked=linked, relaxed=relaxed), members))
    return out
