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

from extractscan.model.errors import InputError
from extractscan.model.findings import SEVERITIES, severity_rank
from extractscan.report.escape import clean


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
    #: Mean share of each incident's members that belong to its largest truth group.
    mean_purity: float | None = None
    #: Best (lowest) rank of an incident whose members are mostly benign.
    best_benign_rank: int | None = None
    #: ROC AUC of the per-account score, campaign vs benign (needs an accounts table).
    score_auc: float | None = None


def roc_auc(scores: list[float], positive: list[bool]) -> float | None:
    """Area under the ROC curve (Mann-Whitney U with tie correction).

    Reference: Hanley & McNeil, "The meaning and use of the area under a ROC curve",
    Radiology 1982: AUC equals P(score of a positive > score of a negative).
    """
    n_pos = sum(positive)
    n_neg = len(positive) - n_pos
    if not n_pos or not n_neg:
        return None
    ranks = pl.Series(scores, dtype=pl.Float64).rank("average")
    pos_rank_sum = float(ranks.filter(pl.Series(positive)).sum())
    return (pos_rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def evaluate(
    truth: str | Path,
    report: str | Path,
    min_severity: str | None = None,
    accounts: str | Path | None = None,
) -> Evaluation:
    """Compare a report's incidents with ``truth.csv`` (account, group, kind).

    ``accounts`` (the ``--accounts-out`` table) adds the ROC AUC of the account score.
    """
    try:
        data = json.loads(Path(report).read_text(encoding="utf-8"))
        incidents = data["incidents"]
        level = min_severity or data.get("flag_severity", "medium")
        t = pl.read_csv(truth, schema_overrides={"account": pl.String}, glob=False)
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
    purities: list[float] = []
    best_benign: int | None = None
    kind_of = dict(zip(t["account"].to_list(), t["kind"].to_list(), strict=True))
    group_of = dict(zip(t["account"].to_list(), t["group"].to_list(), strict=True))
    for inc in incidents:
        members = inc["member_accounts"]
        groups_in = [group_of.get(a, "unknown") for a in members]
        purities.append(max(groups_in.count(g) for g in set(groups_in)) / len(groups_in))
        benign = sum(kind_of.get(a) == "benign" for a in members)
        if benign * 2 > len(members) and (best_benign is None or inc["rank"] < best_benign):
            best_benign = inc["rank"]
    auc = None
    if accounts is not None:
        a = _read_table(accounts).join(t, on="account", how="inner")
        auc = roc_auc(a["score"].fill_null(0.0).to_list(), (a["kind"] == "campaign").to_list())
    return Evaluation(
        mean_purity=sum(purities) / len(purities) if purities else None,
        best_benign_rank=best_benign,
        score_auc=auc,
        groups=groups,
        precision=tp / flagged.height if flagged.height else 1.0,
        recall=tp / camp if camp else 1.0,
        flagged=flagged.height,
        false_positives=flagged.height - tp,
        min_severity=level,
        top_incident_kind=top_kind,
    )


def _read_table(path: str | Path) -> pl.DataFrame:
    try:
        if str(path).endswith(".parquet"):
            return pl.read_parquet(path, columns=["account", "score"], glob=False)
        return pl.read_csv(
            path, columns=["account", "score"], schema_overrides={"account": pl.String}, glob=False
        )
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise InputError(f"{path}: cannot read accounts table: {exc}") from exc


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
            f"{clean(g.group):<22} {clean(g.kind):<9} {g.accounts:>9,} {g.flagged:>8,} {rate:>7} "
            f"{rank:>9} {g.top_severity or '-':>12}"
        )
    lines.append(
        f"precision {ev.precision:.4f}  recall {ev.recall:.4f}  flagged {ev.flagged:,}  "
        f"false positives {ev.false_positives:,}  "
        f"rank-1 incident: {clean(ev.top_incident_kind or '-')}"
    )
    purity = "-" if ev.mean_purity is None else f"{ev.mean_purity:.4f}"
    auc = "-" if ev.score_auc is None else f"{ev.score_auc:.4f}"
    lines.append(
        f"mean incident purity {purity}  best benign-majority incident rank "
        f"{ev.best_benign_rank or '-'}  account-score ROC AUC {auc}"
    )
    lines.append("(rate = recall for campaign groups, false-positive rate for benign groups)")
    return "\n".join(lines)
