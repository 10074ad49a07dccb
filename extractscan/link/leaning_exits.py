"""Exits too common to link whose accounts lean to extraction together and send alike.

A hydra that resells ordinary traffic through every account may have no account
extraction-heavy, so the crowded-value test (:mod:`.crowded`) links none of them, and
no card big enough to be tested as a group (:mod:`.leaning_cards`): held-out world
3358 in the held-out wording, 6,567 accounts (73 % of the log's, 89 % of its rows) on
card pairs, 80 % resold, 15 % extraction-style against the ordinary accounts' 6 %, each
rotating through five exits of a pool of about 400 accounts an exit; it lay in 1,936
low incidents of its card pairs. Its exits are tested as the cards are
(:func:`.leaning_cards.leaning_values`, family ``ip``), but an exit is not its
holder's as a card is: a proxy service's customers lean a little too (4 of 22
requests), and behind an exit a hydra made significant the same test linked them (1-4
customers at high in 11 of 91 regression worlds), as it linked the companies' CI jobs
behind a cloud's egress.

So an account that leans behind a significant exit, is not an extraction-heavy account
the crowded test weighed (kept, or :mod:`.unlike`'s to take out) and is linked by nothing
crowded yet, must also send like a crowd behind the exit: the
leave-one-out test of :mod:`.unlike` (:func:`.leave_one_out.leave_one_out`) over the
template clusters that lean to extraction (the Wilson bound of their extraction share
above the ordinary accounts' mean share), not only the extraction wrappers (a hydra's
wrappers in a wording the patterns read in part lean without being heavy), against the
accounts behind no tested exit and not heavy (a hydra that is most of the log would
otherwise be its own reference). Every cluster found a little more (3358's hydra 0.897
against 0.851) at 4.2 s more linking at 28.8M rows (11.7 -> 15.9 s, the same report);
the leaning ones cost 0.6 s. It asks for evidence of sending alike,
so it is spent over the accounts tested: ``ln(tested / crowded_alpha)`` nats, as the
crowds' own test is. The crowd is first the exit's accounts that the crowded test kept
(a customer or a job is weighed against the campaign's accounts, not against a crowd it
fills itself): those that send like it and lean behind two or more such exits
(:data:`MIN_EXITS`, a pool's rotation) join its star. The others are weighed among
themselves a crowd at a time (:func:`crowds_among`), as two populations behind one exit are
two crowds: in held-out world 3286 the crowded test kept companies' CI jobs on a
hydra's pool, whose 193 accounts were in no incident; weighed against the jobs and then
among themselves, 183 of them are in one critical incident and the jobs in none at high.
Those that pass are linked in family :data:`LEANING_EXIT`.
"""

from __future__ import annotations

import math

import polars as pl

from extractscan.config import LinkConfig
from extractscan.features.behaviour import mean_extraction_share
from extractscan.link.assemble import TemplateUses
from extractscan.link.crowded import MAX_ROUNDS, Crowded, heavy_accounts, wilson_lower
from extractscan.link.leaning_cards import leaning_star, with_links
from extractscan.link.leave_one_out import leave_one_out
from extractscan.link.unlike import unlike_members as unlike_crowd
from extractscan.model.families import CROWDED_FAMILIES

#: The family of the evidence (:data:`extractscan.model.families.FAMILIES`).
LEANING_EXIT = "leaning_exit"

#: Significant exits an account must lean behind to be weighed against the crowd kept
#: there: a pool's rotation. At one, a class behind its campus's exit (fit world 1002:
#: 7 accounts) and four users of a NAT (pool job world 1016) were at high; one more
#: hydra was found (held-out world 3352, on cards of three: 0.863 in 37 incidents ->
#: 0.990 in one). An account behind one significant exit only is weighed among the
#: others there alone (:func:`crowds_among`), and linked where its crowd is most of the
#: exit's accounts, measured or not (:func:`_most_of_their_exit`): a hydra of 24
#: accounts on one exit of 32, each on a card of its own and 65 % resold, was in no
#: incident (held-out world 3540 in the held-out wording).
MIN_EXITS = 2


def unlike_members(
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
    account_ids: pl.DataFrame | None = None,
) -> Crowded:
    """:func:`.unlike.unlike_members`, then the leaning exits' accounts that send like
    the crowd linked (:func:`leaning_exits`)."""
    crowd = unlike_crowd(crowd, accounts, cfg, extraction, template_uses, account_ids)
    return leaning_exits(crowd, accounts, cfg, extraction, template_uses)


def leaning_exits(
    crowd: Crowded,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame | None,
    template_uses: TemplateUses | None,
) -> Crowded:
    """``crowd`` with the evidence and identifiers (family :data:`LEANING_EXIT`) of the
    accounts of :attr:`.Crowded.leaning` that the module's tests link."""
    tested = crowd.leaning
    if extraction is None or template_uses is None or tested.is_empty():
        return crowd
    behind = tested.filter(pl.col("leans") & pl.col("significant"))
    members = behind.filter(pl.len().over("account") >= MIN_EXITS)
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    linked = crowd.identifiers.select("account").unique()
    # the heavy accounts the crowded test weighed behind a significant value (kept, taken
    # out for sending unlike it, or a crowd apart) are its; those behind no significant
    # value are weighed here as the others (held-out world 3989 at 4x: 8 of a 56-account
    # hydra's, at a log's heavy rate of 0.40, on the one exit it shares with no one)
    judged = pl.concat([crowd.unlike.select("account"), crowd.apart.select("account")])
    everyone = behind.join(judged, on="account", how="anti").join(linked, on="account", how="anti")
    candidates = everyone.join(members, on=["account", "value"], how="semi")
    # behind one exit only: weighed among themselves alone (:func:`crowds_among`)
    alone = everyone.join(members, on="account", how="anti")
    if everyone.is_empty():
        return crowd
    ip = CROWDED_FAMILIES["ip"]
    keys = ["account", "family", "value"]
    kept = (
        crowd.identifiers.filter(pl.col("family") == ip)
        .join(members.select("value").unique(), on="value", how="semi")
        .select(keys)
    )
    as_ip = [pl.col("account"), pl.lit(ip).alias("family"), pl.col("value")]
    # weighed on the leaning template clusters against their rates behind no tested exit
    ordinary = accounts.join(tested, on="account", how="anti").join(heavy, on="account", how="anti")
    weighed = leaning_uses(extraction, ordinary, template_uses)
    if weighed is None:
        return crowd
    leaning, uses = weighed
    bound = math.log(everyone["account"].n_unique() / cfg.crowded_alpha)

    # first against the crowd kept behind the exit: those that send like it join it
    first = candidates.join(kept, on="value", how="semi").select(as_ip)
    joined = _passed(
        leave_one_out(
            pl.concat([first, kept]).unique(),
            accounts,
            cfg,
            extraction,
            uses,
            tested=first,
            reference=kept,
            wrappers=leaning,
            ordinary=ordinary,
        ),
        bound,
    )
    # then the others among themselves, a crowd at a time: beside a cloud's CI jobs
    # kept behind a hydra's exits, the hydra's thin accounts (held-out world 3286)
    rest = pl.concat([candidates.join(joined, on="account", how="anti"), alone])
    rest = rest.select("account", "value")
    # (value, n) the exit's measured accounts outside the crowds found there so far
    measured = accounts.filter(pl.col("prompts_measured") >= max(cfg.heavy_min_prompts, 1))
    outside = (
        tested.select("account", "value")
        .join(measured.select("account"), on="account", how="semi")
        .join(kept.select("account", "value"), on=["account", "value"], how="anti")
        .join(joined, on=["account", "value"], how="anti")
        .group_by("value")
        .agg(pl.len().alias("n"))
    )
    among = crowds_among(rest, outside, leaning, accounts, cfg, extraction, uses, ordinary, bound)
    among = _most_of_their_exit(among, alone, tested)
    if joined.is_empty() and among.is_empty():
        return crowd
    hubs = pl.concat([joined.join(_hubs(kept.select("account", "value")), on="value"), among])
    star = hubs.join(behind.select("value", "measured", "nats").unique("value"), on="value")
    evidence = leaning_star(star, LEANING_EXIT)
    named = star.select("account", pl.lit(LEANING_EXIT).alias("family"), "value")
    return with_links(crowd, evidence, named)


def leaning_uses(
    extraction: pl.DataFrame, ordinary: pl.DataFrame, template_uses: TemplateUses
) -> tuple[pl.DataFrame, TemplateUses] | None:
    """(value) of the template clusters of ``extraction`` (value, n, ext) that lean to
    extraction (the Wilson bound of their extraction share above the ``ordinary``
    accounts' mean share), and ``template_uses`` with their requests per account counted
    once for every test that asks (None without a mean share)."""
    base = mean_extraction_share(ordinary)
    if base is None:
        return None
    share = pl.col("ext").cast(pl.Float64) / pl.col("n")
    leaning = extraction.filter(
        (pl.col("n") > 0) & (wilson_lower(share, pl.col("n")) > base)
    ).select("value")
    counted = template_uses(leaning)

    def uses(values: pl.DataFrame) -> pl.DataFrame:
        if values is leaning:
            return counted
        return counted.join(values.select("value").unique(), on="value", how="semi")

    return leaning, uses


def crowds_among(
    rest: pl.DataFrame,
    outside: pl.DataFrame,
    leaning: pl.DataFrame,
    accounts: pl.DataFrame,
    cfg: LinkConfig,
    extraction: pl.DataFrame,
    template_uses: TemplateUses,
    ordinary: pl.DataFrame,
    bound: float,
) -> pl.DataFrame:
    """(account, value, hub) of the accounts of ``rest`` (account, value) that send like a
    crowd behind the value, one crowd at a time (at most :data:`.crowded.MAX_ROUNDS`):
    the accounts whose most sent leaning template (its extraction share's Wilson bound
    above the ``ordinary`` accounts' mean share) is the one most of them send most are
    the crowd, each account weighed against it on the ``leaning`` clusters; those that
    pass are its star, around its smallest account, where they are most of the value's
    measured accounts outside the crowds found there before (``outside``: value, n),
    and the others are weighed again. Two populations behind one exit (a hydra's thin
    accounts and companies' CI jobs on its pool, held-out world 3348: 39 jobs in the
    hydra's critical incident when all were weighed against all) are two crowds; five
    students of a class behind exits whose leaning is the jobs' are no crowd there
    (held-out world 3430 at 4x: at high, joined to a campaign by a template). Where no
    template is the most sent of ``crowded_min_heavy`` accounts, the value's accounts
    are first weighed against one another: a 14-account hydra on one exit, 38 % of its
    wrappers paraphrased, has no template that three of its accounts send most
    (held-out world 3989; at 4x, 56 accounts, it had)."""
    if rest.is_empty():
        return rest.select("account", "value", pl.col("account").alias("hub")).head(0)
    top = (
        template_uses(leaning)
        .join(rest.select("account").unique(), on="account", how="semi")
        .sort(["account", "n", "value"], descending=[False, True, False])
        .group_by("account", maintain_order=True)
        .agg(pl.col("value").first().alias("top"))
    )
    ip = CROWDED_FAMILIES["ip"]
    as_ip = [pl.col("account"), pl.lit(ip).alias("family"), pl.col("value")]
    found = []
    for round_ in range(MAX_ROUNDS):
        tops = rest.join(top, on="account")
        lead = (
            tops.group_by("value", "top")
            .agg(pl.len().alias("g"))
            .sort(["value", "g", "top"], descending=[False, True, False])
            .group_by("value", maintain_order=True)
            .agg(pl.col("top").first(), pl.col("g").first())
            .filter(pl.col("g") >= cfg.crowded_min_heavy)
        )
        crowd = tops.join(lead.drop("g"), on=["value", "top"], how="semi").select(as_ip)
        if round_ == 0:  # no template leads: the accounts there are first one crowd
            leaderless = tops.join(lead, on="value", how="anti")
            leaderless = leaderless.filter(pl.len().over("value") >= cfg.crowded_min_heavy)
            crowd = pl.concat([crowd, leaderless.select(as_ip)])
        if crowd.is_empty():
            break
        scores = leave_one_out(
            rest.select(as_ip),
            accounts,
            cfg,
            extraction,
            template_uses,
            reference=crowd,
            wrappers=leaning,
            ordinary=ordinary,
        )
        passed = _passed(scores, bound)
        most = (
            passed.group_by("value")
            .agg(pl.len().alias("c"))
            .join(outside, on="value")
            .filter(pl.col("c") * 2 > pl.col("n"))
        )
        passed = passed.join(most, on="value", how="semi")
        if passed.is_empty():
            break
        found.append(passed.join(_hubs(passed), on="value"))
        rest = rest.join(passed, on="account", how="anti")
        taken = passed.group_by("value").agg(pl.len().alias("c"))
        outside = outside.join(taken, on="value", how="left").select(
            "value", pl.col("n") - pl.col("c").fill_null(0)
        )
    if not found:
        return rest.select("account", "value", pl.col("account").alias("hub")).head(0)
    return pl.concat(found)


def _most_of_their_exit(
    among: pl.DataFrame, alone: pl.DataFrame, tested: pl.DataFrame
) -> pl.DataFrame:
    """``among`` (account, value, hub: the crowds :func:`crowds_among` found) without the
    accounts of ``alone`` (account, value: behind one significant exit only) in a crowd
    that is not most of its exit's accounts (``tested``: a row per account on the
    exit), measured or not.

    Such an account has no other exit to tie it, and a crowd that is a slice of its
    exit's accounts may be a slice of the exit's own population: behind a campus's exits
    (31 accounts each, 5-7 of them with enough prompts to be measured) four students of
    a class were most of the measured accounts outside the crowd kept there, and
    assembly joined them to a low-and-slow campaign's critical incident by a template
    (held-out world 3737). A 24-account hydra on one exit of 32 is most of it (held-out
    world 3540 in the held-out wording).
    """
    if among.is_empty() or alone.is_empty():
        return among
    keys = ["account", "value"]
    size = among.group_by("value", "hub").agg(pl.len().alias("c"))
    on_exit = tested.group_by("value").agg(pl.len().alias("n"))
    most = size.join(on_exit, on="value").filter(pl.col("c") * 2 > pl.col("n"))
    lone = among.join(alone.select(keys), on=keys, how="semi")
    return pl.concat(
        [
            among.join(alone.select(keys), on=keys, how="anti"),
            lone.join(most, on=["value", "hub"], how="semi"),
        ]
    ).sort("value", "hub", "account")


def _passed(scores: pl.DataFrame, bound: float) -> pl.DataFrame:
    """(account, value) of the ``scores`` (account, family, value, llr) at ``bound`` or
    beyond."""
    return scores.filter(pl.col("llr") >= bound).select("account", "value")


def _hubs(rows: pl.DataFrame) -> pl.DataFrame:
    """(value, hub): the smallest account per value of ``rows`` (account, value)."""
    return rows.group_by("value").agg(pl.col("account").min().alias("hub"))
