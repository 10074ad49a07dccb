"""Benign explanations: each look-alike fits exactly where it should, with its reason."""

from __future__ import annotations

import polars as pl

from extractscan.assess.benign import checks
from extractscan.model.findings import LinkEvidence


def _links(*families: str) -> tuple[LinkEvidence, ...]:
    return tuple(LinkEvidence(f, f, 2, 1, 1.0, ()) for f in families)


def _accounts(n: int, extraction: float, org: str | None = None, volumes: list[int] | None = None):  # type: ignore[no-untyped-def]
    return pl.DataFrame(
        {
            "account": [f"a{i}" for i in range(n)],
            "exchanges": volumes or [10] * n,
            "extraction_share": [extraction] * n,
            "org": [org] * n,
        },
        schema_overrides={"org": pl.String},
    )


BASE = {"extraction_share": 0.05}


def _fits(result: tuple) -> list[str]:  # type: ignore[type-arg]
    return [c.name for c in result if c.fits]


def test_campaign_fits_nothing() -> None:
    r = checks(_accounts(40, 0.7), _links("payment", "ip", "co_activity"), BASE)
    assert _fits(r) == []
    nat = next(c for c in r if c.name == "shared_nat")
    assert nat.reason == (
        "accounts are also tied by payment; extraction-style prompts 70% vs benign 5%"
    )


def test_campus_nat_fits_shared_nat() -> None:
    r = checks(_accounts(15, 0.1), _links("ip", "ip_prefix", "email_pattern", "co_activity"), BASE)
    assert _fits(r) == ["shared_nat"]


def test_a_fleet_of_new_accounts_leaning_behind_exits_is_no_nats_population() -> None:
    # 18 % extraction-style against a benign 5 %: within the floor a NAT's users of
    # every age are allowed (a NAT's linked users lean a little), not twice the share
    def aged(days: float) -> pl.DataFrame:
        return _accounts(40, 0.18).with_columns(pl.lit(days).alias("account_age_days"))

    behind = _links("leaning_exit", "crowded_subnet")
    assert "shared_nat" in _fits(checks(aged(480.0), behind, BASE))
    fleet = checks(aged(2.0), behind, BASE)
    nat = next(c for c in fleet if c.name == "shared_nat")
    assert not nat.fits and nat.reason == (
        "extraction-style prompts 18% vs benign 5%, from new accounts (median age 2 days)"
    )
    # ordinary content from new accounts (a new office behind its NAT) still fits, and
    # without sign-up dates nothing says they are new
    assert "shared_nat" in _fits(
        checks(aged(2.0).with_columns(pl.lit(0.08).alias("extraction_share")), behind, BASE)
    )
    assert "shared_nat" in _fits(checks(_accounts(40, 0.18), behind, BASE))


def test_enterprise_org_family_reseller_framework() -> None:
    assert "enterprise_batch" in _fits(checks(_accounts(6, 0.9, org="acme"), _links("ip"), BASE))
    assert _fits(checks(_accounts(3, 0.05), _links("payment", "ip"), BASE)) == ["family_card"]
    big = _accounts(2, 0.05, volumes=[900, 100])
    assert "reseller" in _fits(checks(big, _links("ip", "co_activity"), BASE))
    # one account carrying most of two accounts' extraction traffic is not a reseller
    pair = checks(_accounts(2, 0.86, volumes=[230, 153]), _links("ip", "co_activity"), BASE)
    reseller = next(c for c in pair if c.name == "reseller")
    assert not reseller.fits and reseller.reason == (
        "the busiest account carries 60.1% of 383 exchanges across 2 accounts; "
        "but extraction-style prompts 86% vs benign 5%"
    )
    assert _fits(checks(_accounts(30, 0.05), _links("template", "user_agent"), BASE)) == [
        "shared_nat",
        "framework_template",
    ]


def test_a_template_beside_a_card_of_any_kind_is_no_frameworks_users() -> None:
    # a hydra reselling most of its traffic (18 % extraction-style): its cards too common
    # to pair tie it as a whole (leaning), beside a template some of its accounts share
    for card in ("payment", "crowded_payment", "leaning_card", "email_pattern"):
        r = checks(_accounts(30, 0.18), _links(card, "template"), BASE)
        framework = next(c for c in r if c.name == "framework_template")
        assert not framework.fits, card
        assert framework.reason == "the shared template comes with payment or e-mail links"
    # a network tie is not one: the template is still the main tie
    r = checks(_accounts(30, 0.05), _links("crowded_ip", "template"), BASE)
    assert "framework_template" in _fits(r)


def test_a_class_at_one_institution_fits_cohort_and_a_campaign_does_not() -> None:
    from extractscan.assess.benign import member_stats

    def stats(emails: list[str], hours: float, population: int | None) -> dict[str, object]:
        n = len(emails)
        frame = _accounts(n, 0.4).with_columns(
            pl.Series("email", emails), pl.lit(hours).alias("hour_entropy")
        )
        m = frame.select(member_stats(frame.columns)).row(0, named=True)
        return dict(m, top_domain_population=population, accounts_in_log=5_000)

    base = dict(BASE, hour_entropy=0.81)
    students = [f"s{i}.x@Uni15.example.edu" for i in range(18)] + ["me@mail.example"] * 2
    m = stats(students, 0.68, 21)
    assert (m["top_domain"], m["top_domain_members"], m["hours"]) == ("uni15.example.edu", 18, 0.68)
    r = checks(m, _links("crowded_ip", "email_pattern", "template"), base)
    assert _fits(r) == ["cohort"]
    cohort = next(c for c in r if c.name == "cohort")
    assert cohort.reason == (
        "90% share one e-mail domain, 18 of the 21 accounts in the log on it; "
        "hour-of-day spread 0.68 (other accounts 0.81), within about 12 of the day's hours; "
        "no shared card"
    )
    # a campaign round the clock on a free-mail provider, with a card: every reason given
    campaign = stats([f"u{i}@mail.example" for i in range(20)], 0.99, 700)
    r = checks(campaign, _links("payment", "crowded_ip"), base)
    assert _fits(r) == []
    assert next(c for c in r if c.name == "cohort").reason == (
        "a card is shared; 100% share one e-mail domain, 20 of the 700 accounts in the log "
        "on it; hour-of-day spread 0.99 (other accounts 0.81), spread over more of the day"
    )
    # its own throwaway domain is not enough when it works round the clock
    own = stats([f"u{i}@x7k.example" for i in range(20)], 0.99, 20)
    assert "cohort" not in _fits(checks(own, _links("crowded_ip"), base))
    # part of a class linked: a domain with a small share of the log is an institution's
    assert "cohort" in _fits(checks(dict(m, top_domain_population=200), _links("ip"), base))
    # a mass provider (a fifth of the log) is not
    mass = dict(m, top_domain="mail.example", top_domain_population=1_000)
    assert "cohort" not in _fits(checks(mass, _links("ip"), base))
    # an academic domain is an institution's, however big a share of the log (a class
    # of a big university whose campus NAT carries its other students: world 2647)
    assert "cohort" in _fits(checks(dict(m, top_domain_population=1_000), _links("ip"), base))
    # without the population count (explain on its own) the domain is not taken as theirs
    assert "cohort" not in _fits(checks(dict(m, top_domain_population=None), _links("ip"), base))


def test_two_teams_of_one_company_fit_the_enterprise_check() -> None:
    from extractscan.assess.benign import member_stats

    def stats(orgs: list[str | None], emails: list[str], population: int) -> dict[str, object]:
        frame = _accounts(len(orgs), 1.0).with_columns(
            pl.Series("org", orgs, dtype=pl.String), pl.Series("email", emails)
        )
        m = frame.select(member_stats(frame.columns)).row(0, named=True)
        return dict(m, top_domain_population=population, accounts_in_log=100_000)

    # fit world 1018: two orgs of 9 and 8 accounts on labs82.example, one harness
    orgs: list[str | None] = [*["org-e3"] * 9, *["org-38"] * 8]
    staff = [f"p{i}.q@labs82.example" for i in range(17)]
    m = stats(orgs, staff, 17)
    assert (m["org_declared"], m["orgs"], m["top_org_share"]) == (1.0, 2, 9 / 17)
    r = checks(m, _links("co_activity", "email_pattern", "template", "user_agent"), BASE)
    ent = next(c for c in r if c.name == "enterprise_batch")
    assert ent.fits and ent.reason == (
        "100% of accounts declare one of 2 orgs, 100% on one e-mail domain of their own"
    )
    # an org of its own per account (a campaign's sign-ups) is not a company
    own = stats([f"o{i}" for i in range(17)], staff, 17)
    ent = next(
        c for c in checks(own, _links("email_pattern"), BASE) if c.name == "enterprise_batch"
    )
    assert not ent.fits and ent.reason == (
        "6% of accounts declare the same org; the accounts span unrelated or no orgs"
    )
    # nor are orgs on a mass free-mail provider, or accounts that mostly declare none
    free = stats(orgs, [f"u{i}@mail.example" for i in range(17)], 30_000)
    assert "enterprise_batch" not in _fits(checks(free, _links("email_pattern"), BASE))
    few = stats(["org-e3"] * 3 + ["org-38"] * 3 + [None] * 11, staff, 17)
    assert "enterprise_batch" not in _fits(checks(few, _links("email_pattern"), BASE))


def test_a_pair_from_two_teams_fits_when_their_orgs_have_other_accounts() -> None:
    from extractscan.assess.benign import member_stats

    # held-out world 339: one account of each of two teams on labs51.example linked
    def pair(org_accounts: list[int]) -> dict[str, object]:
        frame = _accounts(2, 1.0).with_columns(
            pl.Series("org", ["org-01", "org-b7"]),
            pl.Series("email", ["mei.k@labs51.example", "femi.h@labs51.example"]),
            pl.Series("org_accounts", org_accounts, dtype=pl.UInt32),
        )
        m = frame.select(member_stats(frame.columns)).row(0, named=True)
        return dict(m, top_domain_population=14, accounts_in_log=11_351)

    teams = pair([7, 7])
    assert teams["org_shared"] == 1.0
    ent = next(
        c for c in checks(teams, _links("email_pattern"), BASE) if c.name == "enterprise_batch"
    )
    assert ent.fits and ent.reason == (
        "100% of accounts declare one of 2 orgs with other accounts in the log, "
        "100% on one e-mail domain of their own"
    )
    # orgs made one per sign-up (nobody else in them) are not a company's teams
    signups = pair([1, 1])
    assert signups["org_shared"] == 0.0
    assert "enterprise_batch" not in _fits(checks(signups, _links("email_pattern"), BASE))


def test_an_explained_incident_is_halved_and_kept_below_the_flag_threshold() -> None:
    from extractscan.assess.benign import explained_score

    assert explained_score(0.6, 0.4) == 0.3  # halved
    assert explained_score(0.82, 0.4) == 0.39  # 0.41 would still be flagged at medium
    assert explained_score(0.82, None) == 0.41  # flag_severity "low": halved only


def test_companies_ci_jobs_behind_one_clouds_egress_fit_shared_egress() -> None:
    from extractscan.assess.benign import member_stats

    def stats(emails: list[str], age: float) -> dict[str, object]:
        n = len(emails)
        frame = _accounts(n, 0.3).with_columns(
            pl.Series("email", emails), pl.lit(age).alias("account_age_days")
        )
        return frame.select(member_stats(frame.columns)).row(0, named=True)

    def links(co_activity: int, *more: str) -> tuple[LinkEvidence, ...]:
        pool = tuple(
            LinkEvidence(f, f, 10, 9, 20.0, ()) for f in ("crowded_pool", "crowded_ip", *more)
        )
        return (*pool, LinkEvidence("co_activity", "co_activity", co_activity, 1, 1.0, ()))

    companies = [f"ci-bot@co{1000 + i}.example" for i in range(9)] + ["dev@gmail.com"]
    m = stats(companies, 540.0)
    assert (m["domains"], m["own_domain_members"]) == (10, 9)
    r = checks(m, links(2, "template", "user_agent"), BASE)
    assert _fits(r) == ["shared_egress"]
    egress = next(c for c in r if c.name == "shared_egress")
    assert egress.reason == (
        "10 established accounts (median account age 540 days), 9 of 10 accounts on 10 "
        "e-mail domains that are no mass provider's, tied only by the addresses they send "
        "from: customers of one cloud's or CI provider's egress"
    )

    def why(m: dict[str, object], ties: tuple[LinkEvidence, ...]) -> str:
        r = checks(m, ties, BASE)
        assert "shared_egress" not in _fits(r)
        return next(c.reason for c in r if c.name == "shared_egress")

    # co-activity is the tool's schedule, however many it ties (a pair of jobs: world 2666)
    assert "shared_egress" in _fits(checks(m, links(10), BASE))
    # a shared card or an e-mail pattern is an operator's
    assert why(m, links(2, "payment")) == "also tied by payment"
    assert why(m, links(2, "email_pattern", "behaviour_cluster")) == "also tied by email_pattern"
    # a tool's template and client alone are no shared egress
    assert why(m, _links("template", "user_agent")) == "no shared address or behaviour"
    # one tool's jobs behaving alike, with or without the cloud's addresses
    alike = next(c for c in checks(m, _links("behaviour_cluster"), BASE) if c.fits)
    assert (alike.name, alike.reason) == (
        "shared_egress",
        "10 established accounts (median account age 540 days), 9 of 10 accounts on 10 "
        "e-mail domains that are no mass provider's, tied only by behaving alike: "
        "organisations running the same tool",
    )
    both = next(c for c in checks(m, links(2, "behaviour_cluster"), BASE) if c.fits)
    assert "tied only by the addresses they send from and behaving alike" in both.reason

    # one company's two jobs on its own pattern are the organisation's (world 2804); on a
    # mass provider, or more than a fifth of the accounts, an operator's
    def pattern(value: str, accounts: int) -> tuple[LinkEvidence, ...]:
        tie = LinkEvidence("email_pattern", "email_pattern", accounts, 1, 5.9, ((value, 2),))
        return (*links(2), tie)

    assert "shared_egress" in _fits(checks(m, pattern("a.a.a@co1003.example", 2), BASE))
    assert why(m, pattern("a.a@gmail.com", 2)) == "also tied by email_pattern"
    assert why(m, pattern("a.a.a@co1003.example", 3)) == "also tied by email_pattern"
    # new accounts; accounts on one disposable domain or on mass providers
    assert why(stats(companies, 3.0), links(2)) == "median account age 3 days"
    throwaway = stats([f"u{i}@mailbox-relay.example" for i in range(10)], 540.0)
    assert why(throwaway, links(2)) == (
        "10 of 10 accounts on 1 e-mail domains that are no mass provider's"
    )
    personal = stats([f"u{i}@gmail.com" for i in range(9)] + ["x@co1.example"], 540.0)
    assert (
        why(personal, links(2))
        == "1 of 10 accounts on 2 e-mail domains that are no mass provider's"
    )


def test_without_signup_dates_the_checks_for_established_accounts_say_age_not_checked() -> None:
    """No signup date for any member (a gateway's export): the age is unknown, not new.
    Companies' CI jobs and a small team writing code all day are explained, and the
    reason says the age was not checked; a fleet of known new accounts still is not."""
    from extractscan.assess.benign import member_stats

    def stats(emails: list[str], age: float | None) -> dict[str, object]:
        frame = _accounts(len(emails), 0.3).with_columns(pl.Series("email", emails))
        if age is not None:
            frame = frame.with_columns(pl.lit(age).alias("account_age_days"))
        return frame.select(member_stats(frame.columns)).row(0, named=True)

    pool = tuple(LinkEvidence(f, f, 10, 9, 20.0, ()) for f in ("crowded_pool", "crowded_ip"))
    jobs = stats([f"ci-bot@co{1000 + i}.example" for i in range(10)], None)
    assert jobs["account_age"] is None
    egress = next(c for c in checks(jobs, pool, BASE) if c.name == "shared_egress")
    assert (egress.fits, egress.reason) == (
        True,
        "10 accounts (age not checked: no signup dates), 10 of 10 accounts on 10 e-mail "
        "domains that are no mass provider's, tied only by the addresses they send from: "
        "customers of one cloud's or CI provider's egress",
    )
    team = stats([f"dev{i}@co1.example" for i in range(5)], None)
    family = next(c for c in checks(team, _links("payment", "ip"), BASE) if c.name == "family_card")
    assert (family.fits, family.reason) == (
        True,
        "5 accounts share a card (account age not checked: no signup dates)",
    )
    # known to be new: neither fits, as before
    new = stats([f"dev{i}@co1.example" for i in range(5)], 3.0)
    assert "family_card" not in _fits(checks(new, _links("payment", "ip"), BASE))
    fleet = stats([f"ci-bot@co{1000 + i}.example" for i in range(10)], 3.0)
    assert "shared_egress" not in _fits(checks(fleet, pool, BASE))


def test_academic_domains() -> None:
    from extractscan.model.email import is_academic

    academic = ["uni15.example.edu", "CS.Ox.AC.UK", "unimelb.edu.au", "x.edu"]
    assert all(is_academic(d) for d in academic)
    others = ["gmail.com", "edu.example", "education.com", "mail.ac", "ac.uk.example", "", None]
    assert not any(is_academic(d) for d in others)
