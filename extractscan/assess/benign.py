"""Benign explanations: the look-alikes every incident is tested against.

A false accusation is expensive (DOMAIN.md), so each incident states which innocent
explanations were considered — shared NAT or carrier NAT, an enterprise batch job under
one org, a reseller, a popular framework's template, a family or team sharing a card —
and why each does or does not fit. An incident that one of them explains is ranked
down (its score is multiplied by :data:`EXPLAINED_FACTOR`) and labelled so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import polars as pl

from extractscan.model.findings import BenignCheck, LinkEvidence

#: Score multiplier for an incident that a benign explanation fits.
EXPLAINED_FACTOR = 0.5
#: Largest family or small team sharing a card (DOMAIN.md: families of 2 to 8).
FAMILY_MAX = 8
#: Accounts at least this old (median, days at first request) are established.
ESTABLISHED_DAYS = 30.0


def member_stats(columns: Collection[str]) -> list[pl.Expr]:
    """What :func:`checks` needs of the member accounts, as aggregations (over one
    incident's frame, or per component in one group-by for all incidents): ``n``,
    ``exchanges``, ``extraction`` (median share; null when no member's prompts were
    measured), ``top_org_share``, ``top_share``."""
    org = pl.col("org").drop_nulls()
    exchanges = pl.col("exchanges").sum()
    return [
        pl.len().alias("n"),
        exchanges.alias("exchanges"),
        (pl.col("extraction_share").median() if "extraction_share" in columns else pl.lit(None))
        .cast(pl.Float64)
        .alias("extraction"),
        ((org.unique_counts().max() / pl.len()) if "org" in columns else pl.lit(None))
        .fill_null(0.0)
        .cast(pl.Float64)
        .alias("top_org_share"),
        pl.when(exchanges > 0)
        .then(pl.col("exchanges").max() / exchanges)
        .otherwise(0.0)
        .cast(pl.Float64)
        .alias("top_share"),
        (
            pl.col("account_age_days").fill_nan(None).median()
            if "account_age_days" in columns
            else pl.lit(None)
        )
        .cast(pl.Float64)
        .alias("account_age"),
    ]


def checks(
    a: pl.DataFrame | Mapping[str, Any],
    links: tuple[LinkEvidence, ...],
    baselines: dict[str, float],
) -> tuple[BenignCheck, ...]:
    """Test the incident's member accounts and link evidence against each look-alike.

    ``a`` is the members' frame, or its :func:`member_stats` already computed.
    """
    m = a.select(member_stats(a.columns)).row(0, named=True) if isinstance(a, pl.DataFrame) else a
    families = {ln.family for ln in links}
    n = int(m["n"])
    exchanges = int(m["exchanges"] or 0)
    # None: no member's prompts were measured (no prompt column or no prompt text).
    # Content then cannot rule a look-alike out, and the reason says it was not checked.
    extraction = None if m["extraction"] is None else float(m["extraction"])
    base_extraction = baselines.get("extraction_share", 0.0)
    measured = extraction is not None
    content_normal = extraction is None or extraction <= max(2 * base_extraction, 0.2)
    content = (
        f"extraction-style prompts {extraction:.0%} vs benign {base_extraction:.0%}"
        if extraction is not None
        else "prompts not measured (no prompt text)"
    )
    out: list[BenignCheck] = []

    # A campus or company NAT also shares its institutional e-mail domain, and its users
    # may do the same homework at the same time; a shared card is what NAT cannot explain.
    network_only = "payment" not in families
    operator = sorted(families & {"payment"})
    out.append(
        BenignCheck(
            "shared_nat",
            "shared NAT or carrier-grade NAT",
            network_only and content_normal,
            (
                "no shared card links these accounts and their prompts look ordinary"
                if measured
                else "no shared card links these accounts; " + content
            )
            if network_only and content_normal
            else ("accounts are also tied by " + ", ".join(operator) + "; " if operator else "")
            + content,
        )
    )

    top_org_share = float(m["top_org_share"])
    out.append(
        BenignCheck(
            "enterprise_batch",
            "enterprise batch evaluation under one org",
            top_org_share >= 0.8,
            f"{top_org_share:.0%} of accounts declare the same org"
            + ("" if top_org_share >= 0.8 else "; the accounts span unrelated or no orgs"),
        )
    )

    # A reseller relays many end users' ordinary traffic (DOMAIN.md: one account, huge
    # volume, many IPs, diverse prompts): one account carrying most of a small group's
    # volume is not enough when that traffic is extraction-style.
    top_share = float(m["top_share"])
    reseller = n <= 3 and top_share >= 0.6 and content_normal
    out.append(
        BenignCheck(
            "reseller",
            "a reseller or aggregator (one big account)",
            reseller,
            f"the busiest account carries {top_share:.1%} of {exchanges:,} exchanges "
            f"across {n:,} accounts"
            + ("" if content_normal or top_share < 0.6 or n > 3 else f"; but {content}"),
        )
    )

    template_only = "template" in families and not (families & {"payment", "email_pattern"})
    framework = template_only and content_normal and "co_activity" not in families
    out.append(
        BenignCheck(
            "framework_template",
            "users of a popular framework's prompt template",
            framework,
            "a shared template is the main tie and the prompts look ordinary"
            if framework
            else "no shared prompt template"
            if "template" not in families
            else "the shared template comes with "
            + ("payment or e-mail links" if not template_only else "timing or extraction content"),
        )
    )

    # Families and small teams (DOMAIN.md: 2 to 8 on one card): established accounts
    # sharing a card are explained whatever they ask (a team of engineers may ask for
    # code and reasoning all day); new accounts only when their prompts look ordinary.
    age = m.get("account_age")
    established = age is not None and float(age) >= ESTABLISHED_DAYS
    family = n <= FAMILY_MAX and "payment" in families and (content_normal or established)
    why_family = (
        f"{n:,} accounts share a card with ordinary prompts"
        if content_normal and measured
        else f"{n:,} established accounts (median age {float(age or 0):.0f} days) share a card"
        if established
        else f"{n:,} accounts share a card; {content}"
    )
    out.append(
        BenignCheck(
            "family_card",
            "a family or small team sharing a card",
            family,
            why_family
            if family
            else f"{n:,} accounts; "
            + (f"extraction-style prompts {extraction:.0%}" if measured else content)
            + ("" if "payment" in families else "; no shared card")
            + (f"; median account age {float(age):.0f} days" if age is not None else ""),
        )
    )
    return tuple(out)
