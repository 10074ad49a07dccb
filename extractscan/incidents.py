"""Findings: turn linked components into ranked, explained incidents.

Works on small per-account and per-pair frames only; the rows were aggregated before.
"""

from __future__ import annotations

import hashlib
import statistics

import polars as pl

from extractscan import benign, coordination
from extractscan.config import Config
from extractscan.features import BEHAVIOUR_FEATURES
from extractscan.findings import (
    AccountSummary,
    DayCount,
    Incident,
    LinkEvidence,
    Signal,
    severity_rank,
)
from extractscan.link import FAMILIES
from extractscan.score import IncidentParts, coordination_part, links_part, scale_part

SIGNAL_FEATURES = (
    "extraction_share",
    "probing_share",
    "rate_limited_share",
    "template_concentration",
    "hour_entropy",
    "token_ratio",
    "account_age_days",
    "req_per_active_hour",
)
#: Direction in which a feature is suspicious (True: higher is worse).
_HIGHER_IS_WORSE = {"account_age_days": False}


def incident_id(members: list[str]) -> str:
    """Stable id from the sorted member accounts."""
    digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
    return f"INC-{digest[:8].upper()}"


def build_incidents(
    accounts: pl.DataFrame,
    comps: pl.DataFrame,
    evidence: pl.DataFrame,
    links: pl.DataFrame,
    ids: pl.DataFrame,
    days: pl.DataFrame,
    templates: pl.DataFrame,
    cfg: Config,
    models: pl.DataFrame | None = None,
) -> list[Incident]:
    """Assemble one :class:`Incident` per component, ranked."""
    if comps.is_empty():
        return []
    models = models if models is not None else pl.DataFrame()
    newest = coordination.newest_model(models)
    pivots = coordination.pivoted(models, newest)
    members_of = comps.group_by("component").agg(pl.col("account").sort()).sort("component")
    in_comp = set(comps["account"].to_list())
    baseline_rows = accounts.filter(~pl.col("account").is_in(list(in_comp)))
    if baseline_rows.is_empty():
        baseline_rows = accounts
    baselines = {
        f: _median(baseline_rows[f]) for f in SIGNAL_FEATURES if f in baseline_rows.columns
    }
    outside = baseline_rows["account"].to_list()
    baselines["pivot_share"] = coordination.pivot_share(outside, pivots)
    baselines["payload_diversity"] = (
        coordination.payload_diversity(templates.filter(pl.col("account").is_in(outside))) or 0.0
    )
    extra: dict[str, object] = {"pivots": pivots, "newest": newest}
    linked = links.filter(pl.col("linked")).join(
        comps.rename({"account": "a"}), on="a", how="inner"
    )
    ev = evidence.join(linked.select("a", "b", "component"), on=["a", "b"], how="inner")
    acc = accounts.join(comps, on="account", how="inner")
    id_in = ids.join(comps, on="account", how="inner")
    day_in = days.join(comps, on="account", how="inner")
    tpl_in = templates.join(comps, on="account", how="inner")
    out: list[Incident] = []
    for comp, members in members_of.iter_rows():
        a = acc.filter(pl.col("component") == comp)
        pair_ev = ev.filter(pl.col("component") == comp)
        pair_tot = linked.filter(pl.col("component") == comp)
        out.append(
            _incident(
                members,
                a,
                pair_ev,
                pair_tot,
                id_in.filter(pl.col("component") == comp),
                day_in.filter(pl.col("component") == comp),
                tpl_in.filter(pl.col("component") == comp),
                baselines,
                cfg,
                extra,
            )
        )
    out.sort(key=lambda i: (-severity_rank(i.severity), -i.score, i.id))
    return [_with_rank(inc, r) for r, inc in enumerate(out, start=1)]


def _with_rank(inc: Incident, rank: int) -> Incident:
    from dataclasses import replace

    return replace(inc, rank=rank)


def _median(s: pl.Series) -> float:
    v = s.drop_nulls().drop_nans() if s.dtype.is_float() else s.drop_nulls()
    return float(v.median()) if len(v) else 0.0  # type: ignore[arg-type]


def _incident(
    members: list[str],
    a: pl.DataFrame,
    pair_ev: pl.DataFrame,
    pair_tot: pl.DataFrame,
    ids: pl.DataFrame,
    days: pl.DataFrame,
    templates: pl.DataFrame,
    baselines: dict[str, float],
    cfg: Config,
    extra: dict[str, object],
) -> Incident:
    exchanges = int(a["exchanges"].sum())
    out_tok = a["output_tokens"].drop_nulls()
    n_pairs = pair_tot.height
    vol = a["exchanges"].cast(pl.Float64).to_list()
    volume_cv = statistics.pstdev(vol) / statistics.fmean(vol) if len(vol) > 1 else None
    co_pairs = pair_ev.filter(pl.col("family") == "co_activity").height
    co_share = co_pairs / n_pairs if n_pairs else 0.0
    parts = IncidentParts(
        content=float(a["score"].mean() or 0.0),  # type: ignore[arg-type]
        links=links_part(float(pair_tot["total"].mean() or 0.0)),  # type: ignore[arg-type]
        coordination=coordination_part(volume_cv, co_share),
        scale=scale_part(exchanges),
    )
    links = _links(pair_ev, ids)
    tested = benign.checks(a, links, baselines)
    score = parts.score
    if any(c.fits for c in tested):
        score = round(score * benign.EXPLAINED_FACTOR, 4)
    signals = _signals(a, baselines, volume_cv, co_share) + _coordination_signals(
        members, a, templates, baselines, extra
    )
    return Incident(
        id=incident_id(members),
        rank=0,
        score=score,
        severity=cfg.severity_of(score),
        accounts=len(members),
        exchanges=exchanges,
        output_tokens=int(out_tok.sum()) if len(out_tok) else None,
        first_seen=a["first_seen"].min(),  # type: ignore[arg-type]
        last_seen=a["last_seen"].max(),  # type: ignore[arg-type]
        links=links,
        signals=signals,
        busiest_days=_days(days),
        top_accounts=_top_accounts(a),
        sample_prompts=_samples(templates, cfg.sample_prompts),
        member_accounts=tuple(members),
        benign_checks=tested,
    )


def _links(pair_ev: pl.DataFrame, ids: pl.DataFrame) -> tuple[LinkEvidence, ...]:
    if pair_ev.is_empty():
        return ()
    per_fam = (
        pair_ev.group_by("family")
        .agg(
            pl.len().alias("pairs"),
            pl.col("weight").mean().alias("weight"),
            pl.concat_list("a", "b")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .n_unique()
            .alias("accounts"),
        )
        .sort("weight", "family", descending=[True, False])
    )
    vals = (
        ids.group_by("family", "value")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= 2)
        .sort("family", "n", "value", descending=[False, True, False])
    )
    out = []
    for fam, pairs, weight, n_acc in per_fam.iter_rows():
        top = vals.filter(pl.col("family") == fam).head(5)
        out.append(
            LinkEvidence(
                family=fam,
                label=FAMILIES[fam].label,
                accounts=int(n_acc),
                pairs=int(pairs),
                weight=round(float(weight), 4),
                values=tuple((str(v), int(n)) for _, v, n in top.iter_rows()),
            )
        )
    return tuple(out)


def _signals(
    a: pl.DataFrame, baselines: dict[str, float], volume_cv: float | None, co_share: float
) -> tuple[Signal, ...]:
    out = []
    for feat in SIGNAL_FEATURES:
        if feat not in a.columns:
            continue
        value = _median(a[feat])
        if a[feat].drop_nulls().is_empty():
            continue
        base = baselines.get(feat, 0.0)
        worse = value > base if _HIGHER_IS_WORSE.get(feat, True) else value < base
        margin = abs(value - base) > max(0.1 * abs(base), 0.02)
        label, unit = BEHAVIOUR_FEATURES[feat]
        out.append(Signal(feat, label, round(value, 4), round(base, 4), unit, worse and margin))
    if volume_cv is not None:
        out.append(
            Signal(
                "volume_cv",
                "spread of per-account volume (low = load-balanced)",
                round(volume_cv, 4),
                1.0,
                "",
                volume_cv < 0.5,
            )
        )
    out.append(
        Signal(
            "co_activity_share",
            "linked pairs active on the same template in the same minutes",
            round(co_share, 4),
            0.0,
            "%",
            co_share > 0.2,
        )
    )
    return tuple(out)


def _coordination_signals(
    members: list[str],
    a: pl.DataFrame,
    templates: pl.DataFrame,
    baselines: dict[str, float],
    extra: dict[str, object],
) -> tuple[Signal, ...]:
    out = []
    diversity = coordination.payload_diversity(templates)
    if diversity is not None:
        base = baselines.get("payload_diversity", 0.0)
        out.append(
            Signal(
                "payload_diversity",
                "distinct payloads per request on shared templates (support bots repeat)",
                round(diversity, 4),
                round(base, 4),
                "%",
                diversity > 0.9 and a.height > 2,
            )
        )
    grow = coordination.regrowth(a)
    out.append(
        Signal(
            "regrowth",
            "accounts joining after others went quiet",
            round(grow, 4),
            0.0,
            "%",
            grow > 0.2,
        )
    )
    newest = extra.get("newest")
    pivots = extra.get("pivots")
    if isinstance(newest, coordination.NewestModel) and isinstance(pivots, pl.DataFrame):
        share = coordination.pivot_share(members, pivots)
        base = baselines.get("pivot_share", 0.0)
        out.append(
            Signal(
                "model_pivot",
                f"moved to newest model {newest.name} within a day of its release",
                round(share, 4),
                round(base, 4),
                "%",
                share > max(0.5, 3 * base),
            )
        )
    hug = coordination.limit_hugging(a)
    out.append(
        Signal(
            "limit_hugging",
            "peak rate held just under a shared per-minute ceiling",
            round(hug, 4),
            0.0,
            "%",
            hug > 0.8,
        )
    )
    return tuple(out)


def _days(days: pl.DataFrame) -> tuple[DayCount, ...]:
    top = (
        days.group_by("day")
        .agg(pl.col("n").sum())
        .sort(["n", "day"], descending=[True, False])
        .head(3)
    )
    return tuple(DayCount(d, int(n)) for d, n in top.iter_rows())


def _top_accounts(a: pl.DataFrame) -> tuple[AccountSummary, ...]:
    top = a.sort(["exchanges", "account"], descending=[True, False]).head(5)
    return tuple(
        AccountSummary(r["account"], int(r["exchanges"]), float(r["score"]))
        for r in top.iter_rows(named=True)
    )


def _samples(templates: pl.DataFrame, k: int) -> tuple[str, ...]:
    """Example prompts of the incident's most used templates (one per template)."""
    top = (
        templates.group_by("template")
        .agg(pl.col("n").sum(), pl.col("example").min())
        .sort(["n", "template"], descending=[True, False])
        .head(k)
    )
    return tuple(top["example"].to_list())
