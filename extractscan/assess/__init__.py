"""Assess: score the linked groups, check benign explanations, rank incidents.

One entry point, :func:`assess`, from the per-account table, the row stage's
:class:`Aggregates` and the :class:`LinkResult` to the scored accounts and the ranked
incidents. The steps, one module each: :mod:`.score` (per-account and per-incident
scores), :mod:`.coordination` (pivots, regrowth, limit hugging), :mod:`.benign` (the
look-alikes considered), :mod:`.incidents` (assembly and ranking), :mod:`.timeline`
(per-day and per-hour series for the charts).
"""

from __future__ import annotations

import polars as pl

from extractscan.assess.incidents import PromptLookup, build_incidents
from extractscan.assess.score import account_scores
from extractscan.assess.timeline import with_timelines
from extractscan.config import Config
from extractscan.features.aggregate import Aggregates
from extractscan.link import LinkResult
from extractscan.model.findings import Incident

__all__ = ["assess"]


def assess(
    accounts: pl.DataFrame,
    agg: Aggregates,
    linked: LinkResult,
    cfg: Config,
    prompts: PromptLookup | None = None,
) -> tuple[pl.DataFrame, tuple[Incident, ...]]:
    """Score every account and turn the linked components into ranked incidents.

    Returns the accounts (one row each, with ``score`` and their ``incident_id`` and
    ``incident_severity``, sorted by account) and the incidents, ranked.
    """
    accounts = account_scores(accounts)
    incidents = build_incidents(
        accounts,
        linked.components,
        linked.evidence,
        linked.links,
        linked.identifiers_of(linked.components),
        agg.days,
        agg.templates,
        cfg,
        models=agg.models,
        co=linked.co,
        prompts=prompts,
    )
    incidents = with_timelines(
        incidents, accounts, agg.days, agg.models, agg.hour_counts, co=linked.co
    )
    inc_of = pl.DataFrame(
        {
            "account": [a for i in incidents for a in i.member_accounts],
            "incident_id": [i.id for i in incidents for _ in i.member_accounts],
            "incident_severity": [i.severity for i in incidents for _ in i.member_accounts],
        },
        schema={"account": pl.String, "incident_id": pl.String, "incident_severity": pl.String},
    )
    accounts = accounts.join(inc_of, on="account", how="left").sort("account")
    return accounts, tuple(incidents)
