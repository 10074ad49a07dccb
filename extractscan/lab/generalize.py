"""Generalization metrics: how a scan did on one labelled world, and across many.

The measures of issue #15 ("Done when"), per world:

- per campaign: **recall** at high/critical (its accounts in incidents at >= high, over
  its accounts; also at >= medium, the bar of issue #21), **completeness** (the share of
  its accounts in the one incident holding most of them, any severity) and the number of
  **incidents** it is split into (incidents holding any of its accounts);
- **benign FPR**: benign accounts in incidents at >= medium over benign accounts;
- **benign groups at >= high**: look-alike groups (any benign truth group) with an
  account in an incident at high or critical;
- **P@3**: the top ``k = min(3, campaigns)`` incidents are all campaign incidents (more
  than half of their members are campaign accounts);
- **precision at high**: campaign accounts over all accounts in incidents at >= high.

Across worlds, :func:`summarize` gives the worst value, the 5 % worst (5th percentile,
or 95th for measures where lower is better, linear interpolation), the median and the
mean (for P@3, the share of worlds where it holds).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from extractscan.model.findings import SEVERITIES, Findings, severity_rank

_HIGH = severity_rank("high")
_MEDIUM = severity_rank("medium")


@dataclass(frozen=True)
class ScoredIncident:
    """What the metrics need of an incident."""

    rank: int
    severity: str
    members: tuple[str, ...]
    #: A benign explanation fits it (ranked down): counted apart for campaigns.
    explained: bool = False


@dataclass(frozen=True)
class CampaignMetrics:
    """How one planted campaign fared."""

    group: str
    accounts: int
    recall_high: float
    recall_medium: float
    completeness: float
    incidents: int
    best_rank: int | None


@dataclass(frozen=True)
class WorldMetrics:
    """How a scan fared on one world."""

    campaigns: tuple[CampaignMetrics, ...]
    benign_accounts: int
    benign_flagged: int  #: benign accounts in incidents at >= medium
    benign_groups_high: tuple[str, ...]
    p_at_3: bool
    precision_high: float | None  #: ``None``: nothing at >= high
    incidents: int
    #: Campaign accounts in incidents a benign explanation fits (wrongly explained).
    campaign_explained: int = 0

    @property
    def benign_fpr(self) -> float:
        """Benign accounts at >= medium over benign accounts."""
        return self.benign_flagged / self.benign_accounts if self.benign_accounts else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the JSON results."""
        return {
            "campaigns": [c.__dict__ for c in self.campaigns],
            "benign_accounts": self.benign_accounts,
            "benign_flagged": self.benign_flagged,
            "benign_fpr": self.benign_fpr,
            "benign_groups_high": list(self.benign_groups_high),
            "p_at_3": self.p_at_3,
            "precision_high": self.precision_high,
            "incidents": self.incidents,
            "campaign_explained": self.campaign_explained,
        }


def from_findings(findings: Findings) -> tuple[ScoredIncident, ...]:
    """The incidents of a scan."""
    return tuple(
        ScoredIncident(i.rank, i.severity, tuple(i.member_accounts), bool(i.explained_by))
        for i in findings.incidents
    )


def from_report(path: str | Path) -> tuple[ScoredIncident, ...]:
    """The incidents of a JSON report."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(
        ScoredIncident(
            int(i["rank"]),
            str(i["severity"]),
            tuple(i["member_accounts"]),
            any(c.get("fits") for c in i.get("benign_checks", ())),
        )
        for i in data["incidents"]
    )


def world_metrics(incidents: Sequence[ScoredIncident], truth: pl.DataFrame) -> WorldMetrics:
    """Score ``incidents`` against ``truth`` (account, group, kind).

    An account listed in several incidents counts at its highest severity.
    """
    sev = {s: i for i, s in enumerate(SEVERITIES)}
    members = pl.DataFrame(
        [(a, inc.rank, sev[inc.severity]) for inc in incidents for a in inc.members],
        schema={"account": pl.String, "rank": pl.Int64, "sev": pl.Int64},
        orient="row",
    )
    t = truth.select(pl.col("account").cast(pl.String), "group", "kind")
    best = members.group_by("account").agg(pl.col("sev").max())
    j = t.join(best, on="account", how="left").with_columns(pl.col("sev").fill_null(-1))
    inc_groups = members.join(t, on="account", how="inner")
    per_inc = inc_groups.group_by("rank", "group").len()
    campaigns = []
    sizes = t.filter(pl.col("kind") == "campaign").group_by("group").len().sort("group")
    for group, n in sizes.iter_rows():
        mine = j.filter(pl.col("group") == group)
        pieces = per_inc.filter(pl.col("group") == group)
        sizes_in = pieces["len"].to_list()
        ranks = pieces["rank"].to_list()
        campaigns.append(
            CampaignMetrics(
                group=group,
                accounts=int(n),
                recall_high=int((mine["sev"] >= _HIGH).sum()) / n,
                recall_medium=int((mine["sev"] >= _MEDIUM).sum()) / n,
                completeness=max(sizes_in, default=0) / n,
                incidents=pieces.height,
                best_rank=min(ranks, default=None),
            )
        )
    benign = j.filter(pl.col("kind") != "campaign")
    high_groups = benign.filter(pl.col("sev") >= _HIGH)["group"].unique().sort().to_list()
    kind_of = dict(zip(t["account"].to_list(), t["kind"].to_list(), strict=True))
    ranked = sorted(incidents, key=lambda i: i.rank)
    k = min(3, len(campaigns))
    top = ranked[:k]
    p3 = len(top) == k and all(_is_campaign(i, kind_of) for i in top)
    at_high = j.filter(pl.col("sev") >= _HIGH)
    precision = (
        int((at_high["kind"] == "campaign").sum()) / at_high.height if at_high.height else None
    )
    return WorldMetrics(
        campaigns=tuple(campaigns),
        benign_accounts=benign.height,
        benign_flagged=int((benign["sev"] >= _MEDIUM).sum()),
        benign_groups_high=tuple(high_groups),
        p_at_3=p3,
        precision_high=precision,
        incidents=len(incidents),
        campaign_explained=sum(
            kind_of.get(a) == "campaign" for inc in incidents if inc.explained for a in inc.members
        ),
    )


def _is_campaign(inc: ScoredIncident, kind_of: dict[str, str]) -> bool:
    campaign = sum(kind_of.get(a) == "campaign" for a in inc.members)
    return campaign * 2 > len(inc.members)


@dataclass(frozen=True)
class Summary:
    """A measure across worlds: worst, 5 % worst and median."""

    name: str
    higher_is_better: bool
    values: int
    worst: float
    p5: float
    median: float
    mean: float  #: for P@3: the share of worlds where it holds


def _summary(name: str, values: Sequence[float], higher_is_better: bool) -> Summary:
    if not values:
        nan = float("nan")
        return Summary(name, higher_is_better, 0, nan, nan, nan, nan)
    arr = np.asarray(values, dtype=np.float64)
    worst = float(arr.min() if higher_is_better else arr.max())
    p5 = float(np.percentile(arr, 5 if higher_is_better else 95))
    median, mean = float(np.median(arr)), float(arr.mean())
    return Summary(name, higher_is_better, arr.size, worst, p5, median, mean)


def summarize(worlds: Iterable[WorldMetrics]) -> tuple[Summary, ...]:
    """Worst / 5 % worst / median of every measure; campaign measures pool the campaigns
    of all worlds, world measures take one value per world."""
    ws = list(worlds)
    camps = [c for w in ws for c in w.campaigns]
    return (
        _summary("campaign recall at >= high", [c.recall_high for c in camps], True),
        _summary("campaign recall at >= medium", [c.recall_medium for c in camps], True),
        _summary("completeness", [c.completeness for c in camps], True),
        _summary("incidents per campaign", [c.incidents for c in camps], False),
        _summary("benign FPR at >= medium", [w.benign_fpr for w in ws], False),
        _summary("benign groups at >= high", [len(w.benign_groups_high) for w in ws], False),
        _summary("P@3", [float(w.p_at_3) for w in ws], True),
        _summary(
            "precision at >= high",
            [w.precision_high for w in ws if w.precision_high is not None],
            True,
        ),
    )
