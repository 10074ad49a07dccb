"""Evaluate a JSON report against ground truth from ``extractscan simulate``.

An account is *flagged* when it belongs to an incident at or above the report's
``flag_severity`` (or ``min_severity``). Per group: accounts, flagged, recall (campaign
groups) or false-positive rate (benign groups), the best incident rank reached and the
highest severity reached; overall: precision and recall of flagged accounts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from extractscan.errors import InputError
from extractscan.findings import SEVERITIES, severity_rank


@dataclass(frozen=True)
class GroupResult:
    """How one ground-truth group fared."""

    group: str
    kind: str
    accounts: int
    flagged: int
    best_rank: int | None
    top_severity: str | None

    @property
    def rate(self) -> float:
        """Recall for a campaign group, false-positive rate for a benign one."""
        return self.flagged / self.accounts if self.accounts else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Per-group results and overall precision and recall."""

    groups: tuple[GroupResult, ...]
    precision: float
    recall: float
    flagged: int
    false_positives: int
    min_severity: str
    top_incident_kind: str | None


def evaluate(truth: str | Path, report: str | Path, min_severity: str | None = None) -> Evaluation:
    """Compare a report's incidents with ``truth.csv`` (account, group, kind)."""
    try:
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        incidents = data["incidents"]
        level = min_severity or data.get("flag_severity", "medium")
        t = pl.read_csv(truth, schema_overrides={"account": pl.String})
    except (OSError, ValueError, KeyError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"cannot read report or truth: {exc}") from exc
    if level not in SEVERITIES:
        raise InputError(f"{report}: unknown severity {level!r}")
    rows = [
        (acc, inc["rank"], inc["severity"]) for inc in incidents for acc in inc["member_accounts"]
    ]
    members = pl.DataFrame(
        rows, schema={"account": pl.String, "rank": pl.Int64, "severity": pl.String}, orient="row"
    ).with_columns(
        pl.col("severity")
        .replace_strict({s: i for i, s in enumerate(SEVERITIES)}, return_dtype=pl.Int64)
        .alias("sev")
    )
    floor = severity_rank(level)
    j = t.join(members, on="account", how="left").with_columns(
        (pl.col("sev") >= floor).fill_null(False).alias("flagged")
    )
    per = (
        j.group_by("group", "kind")
        .agg(
            pl.len().alias("accounts"),
            pl.col("flagged").sum().alias("flagged"),
            pl.col("rank").min().alias("best_rank"),
            pl.col("sev").max().alias("sev"),
        )
        .sort("kind", "group", descending=[True, False])
    )
    groups = tuple(
        GroupResult(g, k, int(n), int(f), r, SEVERITIES[s] if s is not None else None)
        for g, k, n, f, r, s in per.iter_rows()
    )
    flagged = j.filter(pl.col("flagged"))
    tp = flagged.filter(pl.col("kind") == "campaign").height
    camp = j.filter(pl.col("kind") == "campaign").height
    top_kind = None
    first = [inc for inc in incidents if inc["rank"] == 1]
    if first:
        kinds = t.filter(pl.col("account").is_in(first[0]["member_accounts"]))["kind"]
        top_kind = kinds.mode().sort()[0] if len(kinds) else None
    return Evaluation(
        groups=groups,
        precision=tp / flagged.height if flagged.height else 1.0,
        recall=tp / camp if camp else 1.0,
        flagged=flagged.height,
        false_positives=flagged.height - tp,
        min_severity=level,
        top_incident_kind=top_kind,
    )


def format_table(ev: Evaluation) -> str:
    """Plain-text table for the terminal and for RESULTS.md."""
    lines = [
        f"flagged = member of an incident at severity >= {ev.min_severity}",
        f"{'group':<22} {'kind':<9} {'accounts':>9} {'flagged':>8} {'rate':>7} "
        f"{'best rank':>9} {'top severity':>12}",
    ]
    for g in ev.groups:
        rate = f"{g.rate:.3f}"
        rank = "-" if g.best_rank is None else str(g.best_rank)
        lines.append(
            f"{g.group:<22} {g.kind:<9} {g.accounts:>9,} {g.flagged:>8,} {rate:>7} "
            f"{rank:>9} {g.top_severity or '-':>12}"
        )
    lines.append(
        f"precision {ev.precision:.4f}  recall {ev.recall:.4f}  flagged {ev.flagged:,}  "
        f"false positives {ev.false_positives:,}  rank-1 incident: {ev.top_incident_kind or '-'}"
    )
    lines.append("(rate = recall for campaign groups, false-positive rate for benign groups)")
    return "\n".join(lines)
