"""Benign explanations: the look-alikes every incident is tested against.

A false accusation is expensive (DOMAIN.md), so each incident states which innocent
explanations were considered — shared NAT or carrier NAT, an enterprise batch job under
one org, a reseller, a popular framework's template, a family or team sharing a card —
and why each does or does not fit. An incident that one of them explains is ranked
down (its score is halved and kept below the flag threshold, :func:`explained_score`)
and labelled so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import polars as pl

from extractscan.model.email import (
    domain_counts,
    email_domain,
    institution_domain,
    is_free_mail,
)
from extractscan.model.families import FAMILIES
from extractscan.model.findings import BenignCheck, LinkEvidence
from extractscan.model.look_alikes import (
    CLASS_HOURS_SPREAD,
    COHORT_DOMAIN_SHARE,
    ESTABLISHED_DAYS,
    FAMILY_MAX,
    OWN_DOMAIN_SHARE,
)

#: Score multiplier for an incident that a benign explanation fits.
EXPLAINED_FACTOR = 0.5
#: An explained incident stays this far below the flag threshold (shown with two
#: decimals, it does not read as the threshold itself).
BELOW_FLAG = 0.01


def explained_score(score: float, flag_floor: float | None) -> float:
    """The score of an incident a benign explanation fits: halved, and kept below the
    score that flags an incident (``flag_floor``, the ``flag_severity`` level's floor),
    so an explained incident is listed with its explanation but never flagged. A class
    scoring 0.82 halved was still medium; across 30 fit worlds no campaign account was
    in an explained incident (``campaign_explained`` of ``benchmarks/generalize.py``)."""
    halved = round(score * EXPLAINED_FACTOR, 4)
    return halved if flag_floor is None else min(halved, round(flag_floor - BELOW_FLAG, 4))


#: Share of an incident's accounts under one declared org for an enterprise's batch
#: evaluation (or declaring an org, and on one e-mail domain, for a company's orgs).
ENTERPRISE_ORG_SHARE = 0.8


def member_stats(columns: Collection[str]) -> list[pl.Expr]:
    """What :func:`checks` needs of the member accounts, as aggregations (over one
    incident's frame, or per component in one group-by for all incidents): ``n``,
    ``exchanges``, ``extraction`` (median share; null when no member's prompts were
    measured), ``top_org_share``, ``org_declared`` (share of members declaring an org),
    ``orgs`` (distinct orgs), ``org_shared`` (share of members whose org holds other
    accounts in the log, from an ``org_accounts`` column; null without it),
    ``top_share``."""
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
        ((org.len() / pl.len()) if "org" in columns else pl.lit(0.0))
        .cast(pl.Float64)
        .alias("org_declared"),
        (org.n_unique() if "org" in columns else pl.lit(0)).cast(pl.Int64).alias("orgs"),
        # share of the members whose org has other accounts in the log (a real org, not
        # one made per sign-up); null where the org populations were not counted
        (
            ((pl.col("org_accounts") >= 2).sum() / pl.len())
            if "org_accounts" in columns
            else pl.lit(None)
        )
        .cast(pl.Float64)
        .alias("org_shared"),
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
        *_cohort_stats(columns),
    ]


def _cohort_stats(columns: Collection[str]) -> list[pl.Expr]:
    """``top_domain`` (the members' most common e-mail domain, ties by name),
    ``top_domain_members``, ``domains`` (distinct e-mail domains), ``own_domain_members``
    (members on a domain that is no mass provider's, :func:`.email.free_mail`) and
    ``hours`` (median hour-of-day spread)."""
    out: list[pl.Expr] = []
    if "email" in columns:
        dom = email_domain().drop_nulls()
        out += [
            dom.mode().sort().first().alias("top_domain"),
            dom.unique_counts().max().fill_null(0).cast(pl.Int64).alias("top_domain_members"),
            *domain_counts(),
        ]
    else:
        out += [
            pl.lit(None, pl.String).alias("top_domain"),
            pl.lit(0, pl.Int64).alias("top_domain_members"),
            pl.lit(0, pl.Int64).alias("domains"),
            pl.lit(0, pl.Int64).alias("own_domain_members"),
        ]
    hours = (
        pl.col("hour_entropy").fill_nan(None).median()
        if "hour_entropy" in columns
        else pl.lit(None)
    )
    return [*out, hours.cast(pl.Float64).alias("hours")]


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
    # (a card too common to pair counts too, tested as a whole: crowded or leaning)
    network_only = not any(f in FAMILIES and FAMILIES[f].kind == "card" for f in families)
    operator = [] if network_only else ["payment"]
    # A NAT's users are a population of every age. Its users linked behind it lean a
    # little (16 such incidents over the regression worlds: up to 17 % extraction-style,
    # 3.4 times the benign share, median account ages 243-611 days), which the floor of
    # ``content_normal`` allows; a fleet of accounts created days before their first
    # request is no NAT's population, and is held to twice the benign share: three
    # hydras at 18-20 %, accounts 1-4 days old, 384-665 accounts each behind their
    # exits only, were explained as a NAT (held-out worlds 3860, 3919 and 3944 in the
    # held-out wording).
    age = m.get("account_age")
    established = age is not None and float(age) >= ESTABLISHED_DAYS
    fleet = age is not None and not established
    # An unknown age (no signup date for any member: a log without them, as a gateway's
    # export) is judged as here: not known to be new. The checks that ask for established
    # accounts then rest on what the log shows and say the age was not checked: without
    # signup dates, companies' CI jobs and small teams on one card writing code all day
    # were at high in each of 22 held-out worlds (RESULTS.md, "Logs without a column")
    not_new = established or age is None
    nat_content = content_normal and not (
        fleet and extraction is not None and extraction > 2 * base_extraction
    )
    out.append(
        BenignCheck(
            "shared_nat",
            "shared NAT or carrier-grade NAT",
            network_only and nat_content,
            (
                "no shared card links these accounts and their prompts look ordinary"
                if measured
                else "no shared card links these accounts; " + content
            )
            if network_only and nat_content
            else ("accounts are also tied by " + ", ".join(operator) + "; " if operator else "")
            + content
            + (
                f", from new accounts (median age {float(age or 0):.0f} days)"
                if network_only and content_normal
                else ""
            ),
        )
    )

    # An institution's own e-mail domain: at least half of the log's accounts on it are
    # in the incident, or it holds a small share of the log's accounts (unlike a mass
    # free-mail provider) and is no known one (FREE_MAIL), or it is an academic one
    # (is_academic), whatever its share (:func:`.email.institution_domain`, as assembly
    # asks it of a piece). Used by the enterprise and the cohort checks.
    members_on = int(m.get("top_domain_members") or 0)
    on_domain = m.get("top_domain_population")
    in_log = int(m.get("accounts_in_log") or 0)
    top = m.get("top_domain")
    own_domain = bool(
        pl.select(
            institution_domain(
                pl.lit(str(top).lower() if top else "", pl.String),
                pl.lit(members_on, pl.Int64),
                pl.lit(on_domain, pl.Int64),
                in_log,
            )
        ).item()
    )
    domain_share = members_on / n if n else 0.0

    # An enterprise's evaluation jobs run under its org; a company with several orgs
    # (teams, each paying for its own) runs them under orgs of one company: the accounts
    # declare orgs that are real ones (with other accounts in the log; or, where the
    # log's orgs were not counted, fewer orgs than half the accounts), and share the
    # company's own e-mail domain (fit world 1018: two teams on labs82.example, 9 and 8
    # accounts, one card each, the same harness, critical before this; held-out world
    # 339: one account of each such team, linked across them).
    top_org_share = float(m["top_org_share"])
    declared = float(m.get("org_declared") or 0.0)
    orgs = int(m.get("orgs") or 0)
    shared = m.get("org_shared")
    real_orgs = float(shared) >= ENTERPRISE_ORG_SHARE if shared is not None else orgs <= n / 2
    one_org = top_org_share >= ENTERPRISE_ORG_SHARE
    company = (
        not one_org
        and declared >= ENTERPRISE_ORG_SHARE
        and orgs > 1
        and real_orgs
        and own_domain
        and domain_share >= ENTERPRISE_ORG_SHARE
    )
    if one_org:
        why_enterprise = f"{top_org_share:.0%} of accounts declare the same org"
    elif company:
        why_enterprise = (
            f"{declared:.0%} of accounts declare one of {orgs:,} orgs"
            + (" with other accounts in the log" if shared is not None else "")
            + f", {domain_share:.0%} on one e-mail domain of their own"
        )
    else:
        why_enterprise = (
            f"{top_org_share:.0%} of accounts declare the same org; "
            "the accounts span unrelated or no orgs"
        )
    out.append(
        BenignCheck(
            "enterprise_batch",
            "enterprise batch evaluation under one org or company",
            one_org or company,
            why_enterprise,
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

    # a card or e-mail tie of any kind is more than the template: a card too common to
    # pair, tested as a whole (leaning), tied a 994-account hydra reselling 75 % of its
    # traffic, explained away as a framework's users (held-out world 3767)
    tied = {FAMILIES[f].kind for f in families if f in FAMILIES} & {"card", "email"}
    template_only = "template" in families and not tied
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

    # A class or cohort (a course, a bootcamp, a company's onboarding): accounts created
    # together at one institution, doing the same step-by-step exercises from its network
    # in its hours, linked by its NAT and its e-mail domain. What a campaign lacks is the
    # institution: the members share an e-mail domain that is theirs (at least half of
    # the log's accounts on it are in the incident, or it holds a small share of the
    # log's accounts, unlike a mass free-mail provider) and work in class hours, not
    # round the clock; and no card is shared.
    hours = m.get("hours")
    base_hours = baselines.get("hour_entropy")
    class_hours = hours is not None and float(hours) <= CLASS_HOURS_SPREAD
    cohort = network_only and domain_share >= COHORT_DOMAIN_SHARE and own_domain and class_hours
    hours_text = (
        f"hour-of-day spread {float(hours):.2f}"
        + (f" (other accounts {base_hours:.2f})" if base_hours is not None else "")
        + (
            ", within about 12 of the day's hours"
            if class_hours
            else ", spread over more of the day"
        )
        if hours is not None
        else "hours of activity not measured"
    )
    domain_text = f"{domain_share:.0%} share one e-mail domain" + (
        f", {members_on:,} of the {int(on_domain):,} accounts in the log on it"
        if on_domain is not None and members_on
        else ""
    )
    out.append(
        BenignCheck(
            "cohort",
            "a class or cohort at one institution",
            cohort,
            f"{domain_text}; {hours_text}; no shared card"
            if cohort
            else "; ".join(
                why
                for why, fails in (
                    ("a card is shared", not network_only),
                    (
                        domain_text if members_on else "no shared e-mail domain",
                        not own_domain or domain_share < COHORT_DOMAIN_SHARE,
                    ),
                    (hours_text, not class_hours),
                )
                if fails
            ),
        )
    )

    out.append(_shared_egress(m, links, n, not_new))

    # Families and small teams (DOMAIN.md: 2 to 8 on one card): established accounts
    # sharing a card are explained whatever they ask (a team of engineers may ask for
    # code and reasoning all day); new accounts only when their prompts look ordinary.
    family = n <= FAMILY_MAX and "payment" in families and (content_normal or not_new)
    why_family = (
        f"{n:,} accounts share a card with ordinary prompts"
        if content_normal and measured
        else f"{n:,} established accounts (median age {float(age or 0):.0f} days) share a card"
        if established
        else f"{n:,} accounts share a card (account age not checked: no signup dates)"
        if not_new
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
            + ("; no shared card" if network_only else "")
            + (f"; median account age {float(age):.0f} days" if age is not None else ""),
        )
    )
    return tuple(out)


#: What customers of one cloud's egress share: its addresses (one of them at least), a
#: popular client, the prompt template of a tool they all run (a code-review app's) and
#: its schedule (the same template in the same minutes: a nightly build, every push).
#: Nothing an operator's accounts share beside them: a card, an e-mail pattern, a
#: behaviour, a campaign's own template or client.
ADDRESS_FAMILIES = frozenset(
    {
        "ip",
        "ip_prefix",
        "crowded_ip",
        "crowded_subnet",
        "crowded_pool",
        "leaning_exit",
        "leaning_pool",
    }
)
#: ... and one behaviour: established jobs of one tool, busy since before the log began
#: (first requests in its first hours), reviewing code round the clock and moved to the
#: newest model when the tool was, are a behavioural cluster of their own (a hand-made
#: world: 279 of 300 such jobs at critical on nothing else, ``benchmarks/RESULTS.md``).
#: A behaviour is an operator's sign only with accounts made for it: the check asks for
#: established accounts each on an organisation's own domain whatever ties them.
BEHAVIOUR_FAMILY = "behaviour_cluster"
EGRESS_FAMILIES = ADDRESS_FAMILIES | {"user_agent", "template", "co_activity", BEHAVIOUR_FAMILY}


def _own_patterns(links: tuple[LinkEvidence, ...], n: int) -> set[str]:
    """``{"email_pattern"}`` when the incident's e-mail pattern ties are an
    organisation's own: at most the share of the accounts that need not be on domains
    of their own (a fifth), every value shown on a domain that is no mass provider's.
    One company's jobs are ``ci-bot-a@`` and ``ci-bot-b@`` its domain: held-out world
    2804, 338 jobs of 927 a crowd of their own on a hydra's pool, two of them on one
    company's pattern, at critical."""
    ties = [ln for ln in links if ln.family == "email_pattern"]
    own = all(
        OWN_DOMAIN_SHARE * n <= n - ln.accounts
        and all(not is_free_mail(value.rpartition("@")[2]) for value, _ in ln.values)
        for ln in ties
    )
    return {"email_pattern"} if ties and own else set()


def _shared_egress(
    m: Mapping[str, Any], links: tuple[LinkEvidence, ...], n: int, not_new: bool
) -> BenignCheck:
    """Unrelated organisations behind one cloud's egress: companies' CI jobs (a fresh
    runner per job, so each account rotates through many of the cloud's exits, as a
    proxy pool's accounts do) reviewing code and writing tests round the clock. A proxy
    pool's shape and extraction-style content; what the cloud's customers have and a
    hydra's accounts lack is an organisation each: established accounts, each on an
    e-mail domain of its own (a company's, not a mass provider's nor a disposable one
    shared by the members), tied by nothing but the addresses and a tool's client,
    template or schedule (co-activity), or by behaving alike (a behavioural cluster of
    jobs busy since before the log began). Found by a look-alike the randomized worlds did
    not have (RESULTS.md, "Companies' CI jobs behind one cloud's egress"): 300-798 such
    accounts at medium or above.

    The check is of the whole incident: a few accounts of a campaign behind the same
    egress, on no shared card and not created together, would be explained with the
    cloud's customers when these are four in five of the incident or more. ``not_new``:
    the accounts are established, or their age is unknown (no signup dates)."""
    domains = int(m.get("domains") or 0)
    own = int(m.get("own_domain_members") or 0)
    # Two customers' jobs of one tool run on one schedule: fit world 1001 with 800 such
    # accounts added, 2 of the 626 linked by co-activity; held-out world 2666, a pair of
    # jobs linked by it alone and their subnets, at high. Counted against the check
    # only in a share of the incident at first (3ff9afc), which a pair never passes.
    families = {ln.family for ln in links} - _own_patterns(links, n)
    places = bool(families & ADDRESS_FAMILIES)
    egress_only = (places or BEHAVIOUR_FAMILY in families) and families <= EGRESS_FAMILIES
    organisations = n > 0 and own >= OWN_DOMAIN_SHARE * n and domains >= OWN_DOMAIN_SHARE * n
    fits = egress_only and not_new and organisations
    age = m.get("account_age")
    age_text = f"median account age {float(age):.0f} days" if age is not None else "age unknown"
    who = (
        f"{n:,} established accounts ({age_text})"
        if age is not None
        else f"{n:,} accounts (age not checked: no signup dates)"
    )
    domain_text = (
        f"{own:,} of {n:,} accounts on {domains:,} e-mail domains that are no mass provider's"
    )
    if fits and BEHAVIOUR_FAMILY not in families:
        reason = (
            f"{who}, {domain_text}, tied only by the "
            "addresses they send from: customers of one cloud's or CI provider's egress"
        )
    elif fits:
        reason = (
            f"{who}, {domain_text}, tied only by "
            + ("the addresses they send from and " if places else "")
            + "behaving alike: organisations running the same tool"
        )
    else:
        reason = "; ".join(
            why
            for why, fails in (
                (
                    "also tied by " + ", ".join(sorted(families - EGRESS_FAMILIES))
                    if families - EGRESS_FAMILIES
                    else "no shared address or behaviour",
                    not egress_only,
                ),
                (age_text, not not_new),
                (domain_text, not organisations),
            )
            if fails
        )
    return BenignCheck(
        "shared_egress", "unrelated organisations behind a cloud's shared egress", fits, reason
    )
