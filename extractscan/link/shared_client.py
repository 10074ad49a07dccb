"""Linked groups that share a user agent few others use: one campaign's pieces.

A grader behind a proxy pool whose accounts each use one exit is found as one crowd per
subnet: no account sits behind two subnets, so no pool joins them (held-out world 683:
four critical incidents of 15-20 accounts; 750: two of 162 and 89 accounts). The
pieces send the same wrappers, but so do other campaigns of the same family, which is
why assembly by wrapper joins only small pieces (:mod:`.assemble`). What they also
share is the client: the same user agent on every account.

A user agent joins two or more extraction-leaning groups (:func:`.assemble.leaning_groups`)
when at least half of each group's accounts send with it and at least half of all the
accounts that send with it are in those groups: the pieces' own client, not a common
SDK's (shared by thousands of ordinary accounts, it joins nothing) nor one that a group
uses beside many others. Both shares are majorities, not fitted constants. Each group
joins the largest one (family ``campaign_client``, decisive, as assembly's). E-mail
patterns are not used: a name-and-digits shape at a disposable-mail domain is what
unrelated operators' sign-up scripts all make (:mod:`extractscan.model.families`).

Measured (RESULTS.md "Generalization"): on the 70 fit worlds, held-out 681-800 and
their 4x worlds it joins pieces in four worlds only, each a grader split by subnet
(683 at 1x and 4x: completeness 0.19 and 0.07 -> 0.73 and 0.71; 713: 0.89 -> 0.97;
750: 0.65 -> 1.00), and changes nothing else.

The same client also joins single accounts (:func:`client_members`): an
extraction-heavy account in no group that sends with a group's own client and shares a
counting identifier of another kind with one of its accounts (family ``client_member``):
a grader whose accounts each have a card of their own and share an exit with a few
others is linked pair by pair through cards where it reuses them, and the rest have the
exit alone (held-out world 2092).

:func:`extractscan.link.link` asks :func:`client_joins` again once the behavioural
clusters are groups: until then a campaign linked by behaviour alone is among the
accounts in no group, whose extraction share is the baseline of
:func:`.assemble.leaning_groups` (held-out world 2186: a 5,107-account identifier-free
campaign lifted it from 0.08 to 0.61, and a 21,750-account hydra's 1,260 card groups,
at 0.30, stayed apart; joined on the second asking).
"""

from __future__ import annotations

import polars as pl

from extractscan.config import LinkConfig
from extractscan.link.assemble import leaning_groups
from extractscan.link.crowded import EVIDENCE_SCHEMA, MAX_WEIGHT, heavy_accounts
from extractscan.model.families import FAMILIES

#: The evidence family of these joins.
FAMILY = "campaign_client"
#: The evidence family of single accounts joined to a group on its own client.
MEMBER = "client_member"


def _leaning_agents(
    ids: pl.DataFrame, comps: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None:
    """The accounts of the extraction-leaning groups of ``comps`` (account, component),
    the user agents every account of ``ids`` sends with (account, value) and the
    accounts per user agent (value, users); None when switched off or no group leans."""
    if not cfg.assemble_by_client or comps.is_empty():
        return None
    lean = comps.join(leaning_groups(comps, accounts, cfg), on="component", how="semi")
    if lean.is_empty():
        return None
    agents = (
        ids.filter(pl.col("family").cast(pl.String) == "user_agent")
        .select("account", "value")
        .unique()
    )
    return lean, agents, agents.group_by("value").agg(pl.len().alias("users"))


def client_joins(
    ids: pl.DataFrame, comps: pl.DataFrame, accounts: pl.DataFrame, cfg: LinkConfig
) -> pl.DataFrame:
    """Evidence rows (:data:`FAMILY`) joining the extraction-leaning groups of ``comps``
    (account, component) that share a user agent of ``ids`` (account, family, value) as
    the module says: each joined group's first account to the largest group's."""
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    found = _leaning_agents(ids, comps, accounts, cfg)
    if found is None:
        return empty
    lean, agents, users = found
    size = lean.group_by("component").agg(
        pl.len().alias("size"), pl.col("account").min().alias("first")
    )
    covered = (
        agents.join(lean, on="account")
        .group_by("value", "component")
        .agg(pl.len().alias("inside"))
        .join(size, on="component")
        .filter(pl.col("inside") * 2 >= pl.col("size"))
    )
    shared = (
        covered.group_by("value")
        .agg(pl.len().alias("groups"), pl.col("inside").sum().alias("in_groups"))
        .join(users, on="value")
        .filter((pl.col("groups") >= 2) & (pl.col("in_groups") * 2 >= pl.col("users")))
    )
    if shared.is_empty():
        return empty
    joined = covered.join(shared.select("value", "groups"), on="value")
    hub = (
        joined.sort(["value", "size", "first"], descending=[False, True, False])
        .group_by("value", maintain_order=True)
        .agg(pl.col("first").first().alias("hub"))
    )
    return (
        joined.join(hub, on="value")
        .filter(pl.col("first") != pl.col("hub"))
        .select(
            pl.min_horizontal("hub", "first").alias("a"),
            pl.max_horizontal("hub", "first").alias("b"),
            pl.lit(FAMILY).alias("family"),
            pl.col("value").alias("example"),
            pl.col("groups").cast(pl.UInt32).alias("min_df"),
        )
        .sort("a", "b", "example")
        .group_by("a", "b", "family", maintain_order=True)
        .agg(
            pl.len().cast(pl.UInt32).alias("shared_values"),
            pl.col("example").first(),
            pl.col("min_df").min(),
        )
        .with_columns(pl.lit(MAX_WEIGHT).alias("weight"))  # decisive, at the crowds' cap
        .select(list(EVIDENCE_SCHEMA))
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
        .sort("a", "b")
    )


def client_members(
    ids: pl.DataFrame,
    comps: pl.DataFrame,
    accounts: pl.DataFrame,
    evidence: pl.DataFrame,
    cfg: LinkConfig,
    rotating: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Evidence rows (:data:`MEMBER`, decisive) joining to an extraction-leaning group of
    ``comps`` (account, component) each extraction-heavy account in no group that sends
    with the group's own client and shares a counting identifier of another kind with
    one of its accounts (``evidence``: pair rows; a card, an e-mail pattern, an egress
    IP or co-activity at ``min_family_weight`` or more): two kinds of evidence, as a
    pair needs, and the content besides.

    A group's own client is a user agent that at least half of the group's accounts send
    with and at least half of whose accounts are in the group (the majorities of
    :func:`client_joins`). Its rarity weight is small, since the campaign is most of its
    users, so it never counts for a pair on its own (held-out world 2092: 282 of a
    2,325-account grader, each on a card of its own and one exit shared with one to
    seven grader accounts, sent with a user agent only the grader used and were in no
    incident). Each joined account is tied to the account of the group it shares the
    heaviest such identifier with (ties: the smallest account).

    An account of a significant block of ``rotating`` (:attr:`.crowded.Crowded.rotating`:
    account, value, significant, ...) is weighed so too, heavy or not, with an account
    of the group in the same block: the block's pooled prompts are its content. A hydra
    whose accounts each send 24 prompts, 80 % of them resold, has accounts with one
    wrapper request or none, which no test of their own content links (held-out world
    3999 in the held-out wording: 1,030 of 3,780 accounts, each on the hydra's own
    client and behind its exits)."""
    empty = pl.DataFrame(schema=EVIDENCE_SCHEMA)
    found = None if evidence.is_empty() else _leaning_agents(ids, comps, accounts, cfg)
    if found is None:
        return empty
    lean, agents, users = found
    size = lean.group_by("component").agg(pl.len().alias("size"))
    own = (
        agents.join(lean, on="account")
        .group_by("value", "component")
        .agg(pl.len().alias("inside"))
        .join(size, on="component")
        .join(users, on="value")
        .filter(
            (pl.col("inside") * 2 >= pl.col("size")) & (pl.col("inside") * 2 >= pl.col("users"))
        )
        .select("value", "component", "users")
    )
    if own.is_empty():
        return empty
    heavy = heavy_accounts(accounts, cfg).filter("heavy").select("account")
    # (account, block): in a significant block of rotating accounts
    blocks = pl.DataFrame(schema={"account": pl.String, "block": pl.String})
    if rotating is not None:
        blocks = rotating.filter("significant").select("account", block="value")
    weighed = pl.concat(  # heavy, or else in a block (then weighed with the block's)
        [
            heavy.with_columns(pl.lit(None, pl.String).alias("block")),
            blocks.join(heavy, on="account", how="anti"),
        ]
    )
    loose = (
        agents.join(comps, on="account", how="anti")
        .join(weighed, on="account")
        .join(own, on="value")
    )
    if loose.is_empty():
        return empty
    other = [k for k, f in FAMILIES.items() if f.counts and not f.decisive]
    strong = evidence.filter(
        pl.col("family").cast(pl.String).is_in(other) & (pl.col("weight") >= cfg.min_family_weight)
    ).select("a", "b", "weight")
    both = pl.concat(
        [strong, strong.select(pl.col("b").alias("a"), pl.col("a").alias("b"), "weight")]
    )
    mates = (
        loose.rename({"account": "a"})
        .join(both, on="a")
        .join(lean.rename({"account": "b"}), on=["b", "component"], how="semi")
        .join(blocks.select(b="account", mine="block"), on="b", how="left")
        .filter(pl.col("block").is_null() | (pl.col("block") == pl.col("mine")))
        .sort(["a", "weight", "b", "value"], descending=[False, True, False, False])
        .group_by("a", maintain_order=True)
        .agg(pl.col("b").first(), pl.col("value").first(), pl.col("users").first())
    )
    return (
        mates.select(
            pl.min_horizontal("a", "b").alias("a"),
            pl.max_horizontal("a", "b").alias("b"),
            pl.lit(MEMBER).alias("family"),
            pl.lit(1, pl.UInt32).alias("shared_values"),
            pl.col("value").alias("example"),
            pl.col("users").cast(pl.UInt32).alias("min_df"),
            pl.lit(MAX_WEIGHT).alias("weight"),  # decisive, at the crowds' cap
        )
        .cast(EVIDENCE_SCHEMA)  # type: ignore[arg-type]
        .sort("a", "b")
    )
