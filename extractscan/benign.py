"""Benign explanations: the look-alikes every incident is tested against.

A false accusation is expensive (DOMAIN.md), so each incident states which innocent
explanations were considered — shared NAT or carrier NAT, an enterprise batch job under
one org, a reseller, a popular framework's template, a family or team sharing a card —
and why each does or does not fit. An incident that one of them explains is ranked
down (its score is multiplied by :data:`EXPLAINED_FACTOR`) and labelled so.
"""

from __future__ import annotations

import polars as pl

from extractscan.findings import BenignCheck, LinkEvidence

#: Score multiplier for an incident that a benign explanation fits.
EXPLAINED_FACTOR = 0.5


def checks(
    a: pl.DataFrame, links: tuple[LinkEvidence, ...], baselines: dict[str, float]
) -> tuple[BenignCheck, ...]:
    """Test the incident's member accounts ``a`` and link evidence against each look-alike."""
    families = {ln.family for ln in links}
    n = a.height
    exchanges = int(a["exchanges"].sum())
    extraction = _median(a, "extraction_share")
    base_extraction = baselines.get("extraction_share", 0.0)
    content_normal = extraction <= max(2 * base_extraction, 0.2)
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
            "no shared card links these accounts and their prompts look ordinary"
            if network_only and content_normal
            else ("accounts are also tied by " + ", ".join(operator) + "; " if operator else "")
            + f"extraction-style prompts {extraction:.0%} vs benign {base_extraction:.0%}",
        )
    )

    orgs = a["org"].drop_nulls() if "org" in a.columns else pl.Series([], dtype=pl.String)
    top_org_share = (orgs.value_counts(sort=True)["count"][0] / n) if len(orgs) else 0.0
    out.append(
        BenignCheck(
            "enterprise_batch",
            "enterprise batch evaluation under one org",
            top_org_share >= 0.8,
            f"{top_org_share:.0%} of accounts declare the same org"
            + ("" if top_org_share >= 0.8 else "; the accounts span unrelated or no orgs"),
        )
    )

    top_share = float(a["exchanges"].max() or 0) / exchanges if exchanges else 0.0  # type: ignore[arg-type]
    reseller = n <= 3 and top_share >= 0.6
    out.append(
        BenignCheck(
            "reseller",
            "a reseller or aggregator (one big account)",
            reseller,
            f"the busiest account carries {top_share:.0%} of {exchanges:,} exchanges "
            f"across {n:,} accounts",
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

    family = n <= 5 and "payment" in families and content_normal
    out.append(
        BenignCheck(
            "family_card",
            "a family or small team sharing a card",
            family,
            f"{n:,} accounts share a card with ordinary prompts"
            if family
            else f"{n:,} accounts; extraction-style prompts {extraction:.0%}"
            + ("" if "payment" in families else "; no shared card"),
        )
    )
    return tuple(out)


def _median(a: pl.DataFrame, col: str) -> float:
    if col not in a.columns:
        return 0.0
    v = a[col].drop_nulls()
    return float(v.median()) if len(v) else 0.0  # type: ignore[arg-type]
