"""Campaign assembly: linked groups that are pieces of one campaign become one.

An operator who buys cards in pairs and triples, or splits accounts across proxy pools,
leaves many small linked groups; each would be its own incident with its own, lower
severity. Groups whose members use the same prompt template (near-duplicate cluster, so
paraphrased wrappers still match) are joined when that template is specific to linked
groups: of its ``n`` users, ``m`` are in some linked group, far more than the share of
all accounts that are (the crowded-value test of :mod:`.crowded`, with "in a linked
group" in place of "extraction-heavy"). Everyday templates (the ordinary requests a
hydra resells, a popular coding idiom, a framework's system prompt) are used inside and
outside groups alike and join nothing.

One evidence row joins each group's first account to the first account of the first
group on that template, so the cost grows with the groups, not with their members.
Only groups already linked by infrastructure are assembled: a template alone never
links two accounts.

A family or a small team sharing a card is explained as such by the benign checks
(:mod:`extractscan.assess.benign`: at most ``FAMILY_MAX`` accounts on one card,
established), but not once assembly has joined fifty of them into one incident. Teams
busy with step-by-step prompts send the templates a class sends too, and those are
"specific to linked groups" when the teams and the class are the linked groups (fit
worlds 1001-1020 with teams: a team incident at high in every one). So such a group
(:func:`households`) takes part only when most of the wrappers it sends are the
pieces' own (no account outside the pieces sends them: a campaign's wrappers, not a
class's), and is joined only through one of those; one template that by chance only
teams sent is not enough (fit world 1013: twelve teams on one). Nor is one that only
households send: teams of one course send the same homework and nobody else may (fit
world 1001, stress world 5001), so a household joins only through a wrapper that a
piece which is not a household sends too. A household is also behind one address (a
home, an office): bought, aged accounts in pairs on one card, each behind addresses of
its own, are pieces like any other (stress worlds 5001-5012). A campaign whose every
piece is aged, on one card and behind one address, looks like families to every
identifier and is not assembled.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import polars as pl

from extractscan.config import LinkConfig
from extractscan.features.behaviour import mean_extraction_share, pooled_extraction
from extractscan.link.capped import charged, charges, gains, mean_llr, ratios
from extractscan.link.crowded import (
    EVIDENCE_SCHEMA,
    extraction_wrappers,
    heavy_accounts,
    surprise,
    tested_values,
)
from extractscan.model.email import (
    domain_counts,
    email_domain,
    institution_domain,
    outside_campaigns,
)
from extractscan.model.look_alikes import (
    CLASS_HOURS_SPREAD,
    COHORT_DOMAIN_SHARE,
    ESTABLISHED_DAYS,
    FAMILY_MAX,
    OWN_DOMAIN_SHARE,
)

#: Requests per account on the given template clusters: called with a frame of
#: ``value`` (cluster texts), returns (account, value, n), one row per account and value.
TemplateUses = Callable[[pl.DataFrame], pl.DataFrame]


def leaning_groups(comps: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig) -> pl.DataFrame:
    """(component) of the groups whose pooled prompts are significantly more
    extraction-style than the accounts in no group: ``k`` of their ``n`` measured
    prompts against those accounts' mean share, with the bound and family-wise rate of
    :mod:`.crowded` (a family or a team with ordinary prompts is not; three low-and-slow
    accounts mixing a fifth of extraction prompts into resold traffic are, over their
    hundreds of requests)."""
    if "prompts_measured" not in accounts.columns or comps.is_empty():
        return comps.select("component").head(0)
    # The baseline is the accounts outside every group, each counted once.
    base = mean_extraction_share(accounts.join(comps, on="account", how="anti"))
    if base is None or not 0.0 < base < 1.0:
        return comps.select("component").head(0)
    per = (
        comps.join(accounts, on="account")
        .group_by("component")
        .agg(pooled_extraction(accounts.columns))
        .filter(pl.col("ext_n") > 0)
    )
    threshold = math.log(max(per.height, 1) / cfg.crowded_alpha) if cfg.crowded_alpha else math.inf
    return per.filter(surprise(pl.col("ext_n"), pl.col("ext_k"), base) >= threshold).select(
        "component"
    )


def assemble(
    comps: pl.DataFrame,
    ids: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None = None,
    template_uses: TemplateUses | None = None,
    cards: pl.DataFrame | None = None,
    places: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Evidence rows (family ``campaign_template``) joining the extraction-leaning
    groups of ``comps`` (account, component) that share a template specific to linked
    groups (:func:`leaning_groups`).

    With ``extraction`` (value, n, ext: requests and extraction-style requests per
    template), only extraction templates join: the lower Wilson bound of their
    extraction share reaches ``heavy_share``. A hydra resells everyday requests through
    all its accounts, so everyday templates are used mostly inside its groups too; the
    wrapper is what asks for the reasoning.

    With ``template_uses`` (requests per account on given template clusters), a piece
    that does not lean on content also leans when its requests on the specific wrappers
    are beyond chance (:func:`wrapper_leaning`).

    With ``cards`` (account, value: the payment identifiers), a family or small team on
    one card (:func:`households`; with ``places``, the network addresses, also behind
    one address) takes part only when at least half of the wrappers it sends are sent by
    pieces alone, and joins only through one of those that a piece which is not such a
    household sends too.

    The weight is the template's rarity, ln(N / accounts on it).
    """
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    if extraction is not None:
        wrappers = extraction_wrappers(extraction, cfg.heavy_share)
        ids = ids.filter(pl.col("family") == "template").join(wrappers, on="value", how="semi")
    n_accounts = accounts.height
    templates = ids.filter(pl.col("family") == "template")
    inside = comps.select("account").unique().height
    if comps.is_empty() or templates.is_empty() or not 0 < inside < n_accounts:
        return empty
    # Templates two or more groups use are the hypotheses tested (and counted for the
    # family-wise rate): those specific to linked groups can join pieces.
    candidates = (
        templates.join(comps, on="account")
        .group_by("value")
        .agg(pl.col("component").n_unique().alias("groups"))
        .filter(pl.col("groups") >= 2)
        .select("value")
    )
    in_group = comps.select("account", pl.lit(True).alias("heavy")).unique("account")
    # The null is the ordinary accounts: an extraction-heavy account in no group is not
    # one (an identifier-free campaign on the same wrappers is not yet linked), so it is
    # neither inside nor outside. An everyday coding request that a low-and-slow
    # campaign's resold traffic sends from every one of its accounts was "specific":
    # 82 of its 1,622 users in groups at a rate of 2.7 % (13.6 nats), and it joined a
    # grader's piece to that campaign (held-out world 3060); 1,056 of its users were
    # ordinary accounts.
    unknown = (
        heavy_accounts(accounts, cfg)
        .filter("heavy")
        .join(in_group, on="account", how="anti")
        .select("account")
    )
    judged = templates.join(candidates, on="value", how="semi")
    tested = tested_values(
        judged.join(unknown, on="account", how="anti").join(in_group, on="account", how="left"),
        inside / (n_accounts - unknown.height),
        cfg,
    )
    users = judged.group_by("value").agg(pl.len().alias("df"))
    specific = tested.filter("significant").select("value").join(users, on="value")
    if specific.is_empty():
        return empty
    lean = leaning_groups(comps, accounts, cfg)
    if template_uses is not None:
        # only the pieces that do not lean on content are tested on the wrappers
        rest = comps.join(lean, on="component", how="anti")
        if not rest.is_empty():
            lean = pl.concat(
                [lean, wrapper_leaning(comps, specific, template_uses, accounts, cfg, rest)]
            ).unique()
    leaning = comps.join(lean, on="component", how="semi")
    firsts = leaning.group_by("component").agg(pl.col("account").min().alias("first"))
    uses = (
        templates.join(specific, on="value", how="semi")
        .join(leaning, on="account")
        .join(firsts, on="component")
        .select("value", "component", "first")
    )
    uses = uses.select("value", "component", "first").unique()
    # Only pieces take part: groups of at most ``assemble_max_accounts``. Per template the
    # hub is the largest piece on it (ties: the smallest first account) and every other
    # piece on it joins the hub. Larger groups are linked by their own infrastructure and
    # are never joined this way: two campaigns that send the same wrapper (or the same
    # generic coding request) stay two incidents.
    sizes = comps.group_by("component").agg(pl.len().alias("size"))
    uses = uses.join(sizes, on="component").filter(pl.col("size") <= cfg.assemble_max_accounts)
    # households, groups of organisations' jobs (their wrappers are their tool's,
    # which other organisations' jobs outside every piece send too) and classes
    orgs = organisations(comps, accounts)
    homes = pl.concat([orgs, institutions(comps, accounts, cards, leaning)]).unique()
    if cards is not None:
        homes = pl.concat([households(comps, accounts, cards, places), homes]).unique()
    if homes.height:
        # a template is the pieces' own when every account sending it is in a piece
        small = uses.select("component").unique()
        in_pieces = leaning.join(small, on="component", how="semi")["account"].implode()
        sent = templates.select("account", "value").unique()
        own = sent.group_by("value").agg(pl.col("account").is_in(in_pieces).all().alias("own"))
        # a household takes part only when most of the wrappers it sends are the pieces'
        # own (a team's step-by-step prompts are mostly a class's too, and one that
        # only teams sent is chance), and then only through one of those; organisations
        # only when all of them are (their tool's templates are other jobs' too)
        org = pl.col("component").is_in(orgs["component"].implode())
        mostly = (
            sent.join(comps.join(homes, on="component", how="semi"), on="account")
            .select("component", "value")
            .unique()
            .join(own, on="value")
            .group_by("component")
            .agg(pl.col("own").mean())
            .filter(pl.col("own") >= pl.when(org).then(1.0).otherwise(0.5))
            .select("component")
        )
        # and joins only pieces that are not all households: teams in the same
        # course send the same homework templates, and by chance nobody else did
        # (fit world 1001, stress world 5001: teams at high)
        others = uses.join(homes, on="component", how="anti")
        uses = pl.concat(
            [
                others,
                uses.join(mostly, on="component", how="semi")
                .join(own.filter("own").select("value"), on="value", how="semi")
                .join(others.select("value").unique(), on="value", how="semi"),
            ]
        )
    hubs = (
        uses.sort(["value", "size", "first"], descending=[False, True, False])
        .group_by("value", maintain_order=True)
        .agg(pl.col("first").first().alias("hub"), pl.len().alias("groups"))
    )
    shared = uses.join(hubs, on="value").filter(
        (pl.col("groups") >= 2) & (pl.col("first") != pl.col("hub"))
    )
    if shared.is_empty():
        return empty
    base = float(max(n_accounts, 2))
    rows = shared.join(specific, on="value").select(
        pl.min_horizontal("hub", "first").alias("a"),
        pl.max_horizontal("hub", "first").alias("b"),
        pl.lit("campaign_template").alias("family"),
        "value",
        pl.col("groups").cast(pl.UInt32).alias("min_df"),
        (pl.lit(base) / pl.col("df")).log().clip(lower_bound=math.log(2)).alias("weight"),
    )
    return (
        rows.sort("weight", "value", descending=[True, False])
        .group_by("a", "b", "family", maintain_order=True)
        .agg(
            pl.len().cast(pl.UInt32).alias("shared_values"),
            pl.col("value").first().alias("example"),
            pl.col("min_df").min(),
            pl.col("weight").max(),
        )
        .sort("a", "b")
        .select(list(EVIDENCE_SCHEMA))
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
    )


def households(
    comps: pl.DataFrame,
    accounts: pl.DataFrame,
    cards: pl.DataFrame,
    places: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(component) of the groups of ``comps`` (account, component) that the benign checks
    explain as a family or small team: at most ``FAMILY_MAX`` accounts, all on one card
    of ``cards`` (account, value), their median account age at first request at least
    ``ESTABLISHED_DAYS`` or unknown (no signup date: not known to be new, as the check
    judges it); with ``places`` (account, value: network addresses), all
    behind one address as well (a home or an office). Bought, aged accounts in pairs on
    one card, each behind addresses of its own, are not a household (stress worlds
    5001-5012: low-and-slow campaigns on accounts created 100-700 days before). Without
    signup dates, 269 accounts of 47 teams were assembled into one critical incident
    (held-out world 4473 without them, RESULTS.md "Logs without a column")."""
    none = comps.select("component").head(0)
    if cards.is_empty() or comps.is_empty():
        return none
    sizes = comps.group_by("component").agg(pl.len().alias("size"))
    sizes = sizes.filter(pl.col("size") <= FAMILY_MAX)
    whole = _all_on_one(comps.join(sizes, on="component"), cards)
    if places is not None:
        whole = _all_on_one(comps.join(whole, on="component").join(sizes, on="component"), places)
    return (
        comps.join(whole, on="component", how="semi")
        .join(_ages(accounts), on="account")
        .group_by("component")
        .agg(pl.col("account_age_days").median().alias("age"))
        .filter(_not_new("age"))
        .select("component")
        .sort("component")
    )


def _ages(accounts: pl.DataFrame) -> pl.DataFrame:
    """(account, account_age_days), the age null where the log has no signup dates."""
    if "account_age_days" in accounts.columns:
        return accounts.select("account", "account_age_days")
    return accounts.select("account", pl.lit(None, dtype=pl.Float64).alias("account_age_days"))


def _not_new(age: str) -> pl.Expr:
    """A group's median ``age`` at least ``ESTABLISHED_DAYS``, or unknown."""
    return pl.col(age).is_null() | (pl.col(age) >= ESTABLISHED_DAYS)


def organisations(comps: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """(component) of the groups of ``comps`` (account, component) that the benign checks
    explain as unrelated organisations (:mod:`extractscan.assess.benign`, the shared
    egress): their median account age at least ``ESTABLISHED_DAYS`` or unknown, at least
    ``OWN_DOMAIN_SHARE`` of the accounts on e-mail domains that are no mass provider's,
    and about as many domains as accounts. Seven companies' jobs linked by two of their
    cloud's exits were assembled into a low-and-slow campaign's critical incident
    through an everyday coding request that the campaign's resold traffic and the jobs
    send, and few accounts outside linked groups do (held-out world 2798)."""
    none = comps.select("component").head(0)
    if "email" not in accounts.columns or comps.is_empty():
        return none
    return (
        comps.join(
            _ages(accounts).join(accounts.select("account", "email"), on="account"), on="account"
        )
        .group_by("component")
        .agg(
            pl.len().alias("n"),
            pl.col("account_age_days").median().alias("age"),
            *domain_counts(),
        )
        .filter(
            _not_new("age"),
            pl.col("own_domain_members") >= OWN_DOMAIN_SHARE * pl.col("n"),
            pl.col("domains") >= OWN_DOMAIN_SHARE * pl.col("n"),
        )
        .select("component")
        .sort("component")
    )


def institutions(
    comps: pl.DataFrame,
    accounts: pl.DataFrame,
    cards: pl.DataFrame | None = None,
    leaning: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(component) of the groups of ``comps`` (account, component) that the benign checks
    explain as a class or cohort at one institution: at least ``COHORT_DOMAIN_SHARE`` of
    the accounts on one e-mail domain that is an institution's
    (:func:`.email.institution_domain`), a median hour-of-day spread within
    ``CLASS_HOURS_SPREAD``, and no card of ``cards`` (account, value) shared inside. Six
    students of a class behind their campus's exits, linked as a leaning exit's crowd,
    were assembled into a low-and-slow campaign's high incident through the class's
    step-by-step templates, which the class's other 72 students send too (held-out
    world 3840 in the held-out wording).

    A domain more than half of whose accounts are in the pieces that lean (``leaning``,
    account) is a campaign's mail domain, not an institution, as for the behavioural
    clusters (:func:`.behaviour_groups.outside_institutions`): two thin accounts of a
    hydra on its throwaway domain, 20 requests each and so within a class's hours by
    chance, were one in the same world."""
    none = comps.select("component").head(0)
    if not {"email", "hour_entropy"} <= set(accounts.columns) or comps.is_empty():
        return none
    domains = accounts.select("account", email_domain().alias("domain"))
    population = domains.drop_nulls("domain").group_by("domain").agg(pl.len().alias("population"))
    population = outside_campaigns(population, domains, leaning, "population")
    members = comps.join(domains, on="account")
    top = (
        members.drop_nulls("domain")
        .group_by("component", "domain")
        .agg(pl.len().alias("on"))
        .sort(["component", "on", "domain"], descending=[False, True, False])
        .group_by("component", maintain_order=True)
        .agg(pl.col("domain").first(), pl.col("on").first())
        .join(population, on="domain")
    )
    hours = (
        comps.join(accounts.select("account", "hour_entropy"), on="account")
        .group_by("component")
        .agg(pl.len().alias("n"), pl.col("hour_entropy").fill_nan(None).median().alias("hours"))
    )
    classes = top.join(hours, on="component").filter(
        pl.col("on") >= COHORT_DOMAIN_SHARE * pl.col("n"),
        pl.col("hours") <= CLASS_HOURS_SPREAD,
        institution_domain(pl.col("domain"), pl.col("on"), pl.col("population"), accounts.height),
    )
    if cards is not None and not cards.is_empty():
        paying = comps.join(cards.select("account", "value").unique(), on="account")
        shared = paying.group_by("component", "value").agg(pl.len().alias("k"))
        classes = classes.join(shared.filter(pl.col("k") >= 2), on="component", how="anti")
    return classes.select("component").sort("component")


def _all_on_one(sized: pl.DataFrame, values: pl.DataFrame) -> pl.DataFrame:
    """(component) of ``sized`` (account, component, size) whose accounts all hold one
    value of ``values`` (account, value)."""
    return (
        sized.join(values.select("account", "value").unique(), on="account")
        .group_by("component", "value")
        .agg(pl.len().alias("on"), pl.col("size").first())
        .filter(pl.col("on") == pl.col("size"))
        .select("component")
        .unique()
    )


def wrapper_leaning(
    comps: pl.DataFrame,
    specific: pl.DataFrame,
    template_uses: TemplateUses,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    tested: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """(component) of the pieces (at most ``assemble_max_accounts``; of ``tested``
    (account, component) when given, else of ``comps``) whose requests on
    the templates ``specific`` to linked groups are better explained by the groups'
    rates than by the rates of the accounts in no group.

    A low-and-slow pair that hides a fifth of extraction prompts in resold traffic is not
    significantly extraction-style over its 80 requests against the everyday share of
    reasoning prompts (:func:`leaning_groups`), but those 15 to 20 prompts use the
    campaign's wrappers, which ordinary accounts seldom send. Per template ``t``, ``q_t``
    and ``r_t`` are the requests on it per request inside groups and outside them
    (smoothed by half a request). A piece with ``n`` requests, ``k_t`` of them on ``t``,
    has the mean of the Poisson likelihood ratios of :mod:`.capped` (the groups' rates
    ``q_t``, capped) against sending like ordinary accounts. Under that null it has
    expectation 1, so by Markov's inequality it passes ``ln(pieces / crowded_alpha)``
    with probability at most ``crowded_alpha / pieces``: the family-wise rate of
    :mod:`.crowded` over the pieces tested, whatever the templates. Capped, because the
    groups' rates are every group's: a grader sending half the groups' requests on its
    two wrappers charged a low-and-slow pair about 29 nats over its 50 requests for not
    sending them, more than its six uses of its own campaign's wrappers earned (held-out
    world 2453: 55 pairs and triples left at low). A generic template that groups use a
    little more than others (a coding request) counts for little; a family sharing a
    card that once used a campaign's wrapper is not beyond chance.
    Request counts are exact (``exchanges`` and the template counts), not the sampled
    content measures.

    Reference: L. Wasserman, A. Ramdas, S. Balakrishnan, "Universal inference", PNAS
    2020 (likelihood ratios as e-values, Markov's inequality for the level).
    """
    none = comps.select("component").head(0)
    if "exchanges" not in accounts.columns or specific.is_empty():
        return none
    sizes = comps.group_by("component").agg(pl.len().alias("size"))
    pieces = (comps if tested is None else tested).join(
        sizes.filter(pl.col("size") <= cfg.assemble_max_accounts), on="component", how="semi"
    )
    if pieces.is_empty():
        return none
    member = comps.select("account", "component").unique("account")
    uses = template_uses(specific.select("value")).join(member, on="account", how="left")
    exchanges = accounts.select("account", "exchanges").join(member, on="account", how="left")
    n_in = float(exchanges.filter(pl.col("component").is_not_null())["exchanges"].sum())
    n_out = float(exchanges.filter(pl.col("component").is_null())["exchanges"].sum())
    if n_in <= 0 or n_out <= 0:
        return none
    rates = (
        uses.group_by("value")
        .agg(
            pl.col("n").filter(pl.col("component").is_not_null()).sum().alias("k_in"),
            pl.col("n").filter(pl.col("component").is_null()).sum().alias("k_out"),
        )
        .with_columns(((pl.col("k_out") + 0.5) / n_out).alias("r"))
        .select("value", "r", *ratios((pl.col("k_in") + 0.5) / n_in, pl.col("r")))
    )
    spread = rates.select(charges(pl.col("r"))).row(0)
    gain = (
        uses.join(pieces, on=["account", "component"], how="inner")
        .join(rates, on="value")
        .group_by("component")
        .agg(gains(pl.col("n")))
    )
    per = (
        pieces.join(exchanges.select("account", "exchanges"), on="account")
        .group_by("component")
        .agg(pl.col("exchanges").sum().alias("n"))
        .join(gain, on="component")
        .with_columns(charged(pl.col("n"), [pl.lit(s) for s in spread]))
    )
    if per.is_empty():
        return none
    per = per.with_columns(mean_llr().alias("llr"))
    threshold = math.log(per.height / cfg.crowded_alpha) if cfg.crowded_alpha else math.inf
    return per.filter(pl.col("llr") >= threshold).select("component")
