"""Findings: turn linked components into ranked, explained incidents.

Works on small per-account and per-pair frames only; the rows were aggregated before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl

from extractscan.assess import benign, coordination
from extractscan.assess.score import (
    IncidentParts,
    contrast_nats,
    contrast_part,
    coordination_part,
    links_part,
    scale_part,
)
from extractscan.assess.signals import (
    SIGNAL_FEATURES,
    Context,
    behaviour_signals,
    content_signal,
    coordination_signals,
)
from extractscan.config.settings import Config
from extractscan.features.behaviour import account_key, mean_extraction_share, pooled_extraction
from extractscan.link.coactivity import CoActivity
from extractscan.link.crowded import heavy_accounts
from extractscan.model.families import FAMILIES
from extractscan.model.findings import (
    AccountSummary,
    DayCount,
    Incident,
    LinkEvidence,
    severity_rank,
)
from extractscan.streamed import streamed

if TYPE_CHECKING:
    from polars._typing import JoinStrategy


def incident_id(members: list[str]) -> str:
    """Stable id from the sorted member accounts."""
    digest = hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()
    return f"INC-{digest[:8].upper()}"


#: Looks up prompt texts by their 64-bit hash (see :func:`features.prompt_hash`).
PromptLookup = Callable[[list[int]], dict[int, str]]


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
    co: CoActivity | None = None,
    prompts: PromptLookup | None = None,
) -> list[Incident]:
    """Assemble one :class:`Incident` per component, ranked.

    ``templates`` has one row per (account, tkey) with ``n``, ``distinct`` and the
    ``example`` prompt hash; ``co`` gives the co-activity bins and template texts;
    ``prompts`` turns example hashes into text (one call for all incidents).
    """
    if comps.is_empty():
        return []
    models = models if models is not None else pl.DataFrame()
    newest = coordination.newest_model(models)
    pivots = coordination.pivoted(models, newest)
    members_of = comps.group_by("component").agg(pl.col("account").sort()).sort("component")
    in_comp = comps.select("account")
    baseline_rows = accounts.join(in_comp, on="account", how="anti")
    if baseline_rows.is_empty():
        baseline_rows = accounts
    # Only what was measured on some account outside the incidents: an unmeasured
    # baseline is shown as "-", not as 0 %.
    baselines = {
        f: _median(baseline_rows[f])
        for f in SIGNAL_FEATURES
        if f in baseline_rows.columns and baseline_rows[f].fill_nan(None).drop_nulls().len()
    }
    pooled = ordinary_share(baseline_rows, cfg)
    if pooled is not None:
        baselines["pooled_extraction"] = pooled
    outside = baseline_rows["account"].to_list()
    baselines["pivot_share"] = coordination.pivot_share(outside, pivots)
    texts = (
        co.texts
        if co is not None
        else pl.DataFrame(schema={"tkey": pl.UInt64, "template": pl.String})
    )
    tpl = _member_templates(templates, comps, texts)
    baselines["payload_diversity"] = _outside_diversity(templates, tpl) or 0.0
    # No template bins: no prompt text anywhere, so co-activity was not measured.
    co_measured = co is not None and co.bins.height > 0
    context = Context(pivots=pivots, newest=newest, co_measured=co_measured)
    linked = links.filter(pl.col("linked")).join(
        comps.rename({"account": "a"}), on="a", how="inner"
    )
    on = "pk" if "pk" in evidence.columns and "pk" in linked.columns else ["a", "b"]
    ev = evidence.join(linked.select(on, "component"), on=on, how="inner")
    acc = accounts.join(comps, on="account", how="inner")
    if "org" in accounts.columns:  # how many of the log's accounts each member's org holds
        per_org = accounts.filter(pl.col("org").is_not_null()).group_by("org").len("org_accounts")
        acc = acc.join(per_org, on="org", how="left")
    if not pivots.is_empty():  # joined once, not looked up per incident
        acc = acc.join(pivots.select("account", "pivoted"), on="account", how="left")
    links_of = _links(ev, _top_values(ids, comps, co))
    summary = _summaries(acc, linked, days.join(comps, on="account", how="inner"), tpl)
    if "email" in accounts.columns:  # how many of the log's accounts use each top domain
        tops = {r["top_domain"] for r in summary.values() if r.get("top_domain")}
        on_domain = dict(
            accounts.select(benign.email_domain().alias("d"))
            .filter(pl.col("d").is_in(sorted(tops)))
            .group_by("d")
            .len()
            .iter_rows()
        )
        for r in summary.values():
            r["top_domain_population"] = on_domain.get(r.get("top_domain"))
            r["accounts_in_log"] = accounts.height
    stats = _feature_stats(acc)
    samples = _sample_keys(tpl, cfg.sample_prompts)
    wanted = sorted({h for keys in samples.values() for h in keys})
    found = prompts(wanted) if prompts is not None and wanted else {}
    out: list[Incident] = []
    for comp, members in members_of.iter_rows():
        out.append(
            _incident(
                members,
                summary.get(comp, _NO_MEMBERS),
                links_of.get(comp, ()),
                tuple(found[h] for h in samples.get(comp, ()) if h in found),
                stats.get(comp, {}),
                baselines,
                cfg,
                context,
            )
        )
    out.sort(key=lambda i: (-severity_rank(i.severity), -i.score, i.id))
    return [_with_rank(inc, r) for r, inc in enumerate(out, start=1)]


#: The summary of a component none of whose members is in the accounts table (not made
#: by the pipeline, where every linked account comes from the log).
_NO_MEMBERS: dict[str, Any] = {
    "n": 0,
    "exchanges": 0,
    "extraction": None,
    "top_org_share": 0.0,
    "org_declared": 0.0,
    "orgs": 0,
    "org_shared": None,
    "top_share": 0.0,
    "output_tokens": 0,
    "_has_out": False,
    "volume_cv": None,
    "content": 0.0,
    "first_seen": None,
    "last_seen": None,
    "regrowth": 0.0,
    "limit_hugging": 0.0,
    "top_accounts": [],
}


def _summaries(
    acc: pl.DataFrame, linked: pl.DataFrame, days: pl.DataFrame, tpl: pl.DataFrame
) -> dict[int, dict[str, Any]]:
    """Per component, everything an incident states about its members, in one group-by
    per table for all incidents: volume, tokens, span, content score, coordination
    signals, :func:`benign.member_stats`, the top accounts; pair totals (``pairs``,
    ``link_total``); the busiest days; payload diversity."""
    exchanges = pl.col("exchanges").cast(pl.Float64)
    exprs = [
        *benign.member_stats(acc.columns),
        pl.col("output_tokens").sum().alias("output_tokens"),
        pl.col("output_tokens").is_not_null().any().alias("_has_out"),
        pl.when(pl.len() > 1).then(exchanges.std(ddof=0) / exchanges.mean()).alias("volume_cv"),
        pl.col("score").mean().fill_null(0.0).alias("content"),
        *pooled_extraction(acc.columns),
        pl.col("first_seen").min(),
        pl.col("last_seen").max(),
        coordination.regrowth_share().alias("regrowth"),
        (coordination.limit_hugging_share() if "peak_rpm" in acc.columns else pl.lit(0.0)).alias(
            "limit_hugging"
        ),
        pl.struct("account", "exchanges", "score")
        .sort_by(["exchanges", "account"], descending=[True, False])
        .head(5)
        .alias("top_accounts"),
    ]
    if "pivoted" in acc.columns:
        exprs.append(pl.col("pivoted").fill_null(False).sum().alias("pivoted"))
    out: dict[int, dict[str, Any]] = {
        int(r["component"]): r for r in acc.group_by("component").agg(exprs).iter_rows(named=True)
    }
    pairs = linked.group_by("component").agg(
        pl.len().alias("pairs"), pl.col("total").mean().alias("link_total")
    )
    busiest = (
        days.group_by("component", "day")
        .agg(pl.col("n").sum())
        .sort(["component", "n", "day"], descending=[False, True, False])
        .group_by("component", maintain_order=True)
        .agg(pl.struct("day", "n").head(3).alias("busiest_days"))
    )
    frames = [pairs, busiest]
    if "distinct" in tpl.columns:
        frames.append(
            tpl.group_by("component").agg(
                pl.when(pl.col("n").sum() > 0)
                .then(pl.col("distinct").sum() / pl.col("n").sum())
                .alias("payload_diversity")
            )
        )
    for frame in frames:
        for r in frame.iter_rows(named=True):
            out.setdefault(int(r.pop("component")), dict(_NO_MEMBERS)).update(r)
    return out


def _member_templates(
    templates: pl.DataFrame, comps: pl.DataFrame, texts: pl.DataFrame
) -> pl.DataFrame:
    """Per (component, tkey) of the members' templates: their requests ``n``, distinct
    prompts ``distinct`` (when the rows count them), smallest ``example`` hash and the
    ``template`` text of ``texts``. One streamed group-by of the members' (account,
    template) rows (measured at 28.8M rows, 15.5M rows: 0.3 s instead of 1.3 s joining
    them, and the others, into frames of their own)."""
    sums = [pl.col("n").sum(), pl.col("example").min()]
    if "distinct" in templates.columns:
        sums.append(pl.col("distinct").sum())
    mine = _member_rows(templates.lazy(), comps.lazy(), "inner")
    per = streamed(mine.group_by("component", "tkey").agg(sums))
    return per.join(texts.select("tkey", "template"), on="tkey", how="left")


def _outside_diversity(templates: pl.DataFrame, members: pl.DataFrame) -> float | None:
    """:func:`.coordination.payload_diversity` of the templates of the accounts in no
    component: the whole's counts less the members' (:func:`_member_templates`)."""
    if "distinct" not in members.columns:
        return None
    left = {c: int(templates[c].sum()) - int(members[c].sum()) for c in ("n", "distinct")}
    return coordination.payload_diversity(
        pl.DataFrame([left], schema=dict.fromkeys(left, pl.Int64))
    )


def _member_rows(templates: pl.LazyFrame, comps: pl.LazyFrame, how: JoinStrategy) -> pl.LazyFrame:
    """``templates`` rows of component members with their ``component`` (``inner``), or
    the rows of accounts in no component (``anti``); on the integer ``aid`` key
    (:func:`features.account_key`) when the rows carry it (millions of rows at seed
    scale), else on the account text."""
    if "aid" not in templates.collect_schema():
        return templates.join(comps, on="account", how=how)
    keys = comps.select(account_key(pl.col("account")).alias("aid"), "component")
    return templates.join(keys, on="aid", how=how)


def _top_values(ids: pl.DataFrame, comps: pl.DataFrame, co: CoActivity | None) -> pl.DataFrame:
    """Per (component, family): the values shared by most members (top 5)."""
    vals = streamed(
        ids.lazy()
        .join(comps.lazy(), on="account", how="inner")
        .group_by("component", "family", "value")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= 2)
    )
    if co is not None and not co.bins.is_empty():
        shared = (
            co.unpacked(
                streamed(
                    co.bins.lazy()
                    .join(
                        comps.lazy()
                        .join(co.account_names.lazy(), on="account")
                        .select("aid", "component"),
                        on="aid",
                        how="inner",
                    )
                    .group_by("component", "bkey")
                    .agg(pl.len().alias("n"))
                    .filter(pl.col("n") >= 2)
                ).filter(_in_top(5, "component"))
            )
            .join(co.texts.select("tkey", "template"), on="tkey", how="left")
            .sort(
                ["component", "n", "template", "minute_bin"], descending=[False, True, False, False]
            )
            .group_by("component", maintain_order=True)
            .head(5)
        )
        vals = pl.concat(
            [
                vals,
                shared.select(
                    "component",
                    pl.lit("co_activity").alias("family"),
                    (
                        pl.col("template").fill_null("?")
                        + " @ "
                        + pl.col("minute_bin").dt.strftime("%Y-%m-%d %H:%M")
                    ).alias("value"),
                    "n",
                ),
            ],
            how="vertical_relaxed",
        )
    return (
        vals.filter(_in_top(5, "component", "family"))
        .sort(["component", "family", "n", "value"], descending=[False, False, True, False])
        .group_by("component", "family", maintain_order=True)
        .head(5)
    )


def _in_top(k: int, *by: str) -> pl.Expr:
    """Whether a row's ``n`` is at least the ``k``-th largest of its group's (``by``): the
    rows that can be among the group's ``k`` first by ``n`` descending, whatever breaks
    the ties (a sort of millions of shared bins, 0.5 s at 28.8M rows, cut to thousands)."""
    return pl.col("n") >= pl.col("n").top_k(k).min().over(by)


def _sample_keys(templates: pl.DataFrame, k: int) -> dict[int, tuple[int, ...]]:
    """Per component: example prompt hashes of its ``k`` most used templates (one per
    template), from (component, tkey, template, n, example) rows (one group-by for all)."""
    if templates.is_empty():
        return {}
    top = (
        streamed(
            templates.lazy()
            .group_by("component", "tkey")
            .agg(pl.col("n").sum(), pl.col("example").min(), pl.col("template").first())
        )
        .filter(_in_top(k, "component"))
        .sort(["component", "n", "template", "tkey"], descending=[False, True, False, False])
        .group_by("component", maintain_order=True)
        .agg(pl.col("example").head(k))
    )
    return {int(comp): tuple(int(h) for h in examples) for comp, examples in top.iter_rows()}


def _with_rank(inc: Incident, rank: int) -> Incident:
    from dataclasses import replace

    return replace(inc, rank=rank)


def _feature_stats(acc: pl.DataFrame) -> dict[int, dict[str, float | None]]:
    """Per component: each signal feature's median over its members, as :func:`_median`
    computes it, or ``None`` where no member has a value (one group-by for all)."""
    feats = [f for f in SIGNAL_FEATURES if f in acc.columns]
    if acc.is_empty() or not feats:
        return {}
    exprs = []
    for f in feats:
        col = pl.col(f)
        vals = col.filter(col.is_not_nan()) if acc.schema[f].is_float() else col
        exprs += [vals.median().alias(f), col.is_not_null().any().alias(f"{f}\0has")]
    out: dict[int, dict[str, float | None]] = {}
    for row in acc.group_by("component").agg(exprs).iter_rows(named=True):
        out[int(row["component"])] = {
            f: (float(row[f]) if row[f] is not None else 0.0) if row[f"{f}\0has"] else None
            for f in feats
        }
    return out


def ordinary_share(outside: pl.DataFrame, cfg: Config) -> float | None:
    """The extraction share an incident's pooled prompts are weighed against: the mean
    share of the accounts ``outside`` every incident, each counted once, the
    extraction-heavy ones left out, as the link stage's leaning tests leave them out
    (all of them when every one is heavy). In held-out world 4095 (held-out wording)
    215 enterprise keys at 100 % and 46 CI jobs in no incident made the mean of all
    14.6 % against the ordinary accounts' 5.7 %, and a 40-account low-and-slow campaign
    at 15.1 % over 11,728 prompts was "not unusual": at low, outside the top three."""
    heavy = heavy_accounts(outside, cfg.link).filter("heavy")
    light = outside.join(heavy, on="account", how="anti")
    return mean_extraction_share(light if light.height else outside)


def _median(s: pl.Series) -> float:
    v = s.drop_nulls().drop_nans() if s.dtype.is_float() else s.drop_nulls()
    return float(v.median()) if len(v) else 0.0  # type: ignore[arg-type]


def _incident(
    members: list[str],
    m: dict[str, Any],
    links: tuple[LinkEvidence, ...],
    samples: tuple[str, ...],
    stats: dict[str, float | None],
    baselines: dict[str, float],
    cfg: Config,
    context: Context,
) -> Incident:
    """One incident from its component's :func:`_summaries` row ``m``."""
    exchanges = int(m["exchanges"])
    n_pairs = int(m.get("pairs") or 0)
    volume_cv = m["volume_cv"]
    co_pairs = sum(e.pairs for e in links if e.family == "co_activity")
    co_share = co_pairs / n_pairs if n_pairs else 0.0
    contrast = contrast_nats(m.get("ext_n"), m.get("ext_k"), baselines.get("pooled_extraction"))
    parts = IncidentParts(
        content=float(m["content"]),
        links=links_part(float(m.get("link_total") or 0.0)),
        coordination=coordination_part(volume_cv, co_share),
        scale=scale_part(exchanges),
        contrast=contrast_part(contrast, cfg.contrast_full_nats),
    )
    tested = benign.checks(m, links, baselines)
    score = parts.score
    if any(c.fits for c in tested):
        flag = cfg.severity.get(cfg.flag_severity)  # None: "low" flags everything
        score = benign.explained_score(score, flag)
    signals = (
        behaviour_signals(stats, baselines, volume_cv, co_share if context.co_measured else None)
        + content_signal(m, baselines, contrast, cfg.contrast_full_nats)
        + coordination_signals(members, m, baselines, context)
    )
    return Incident(
        id=incident_id(members),
        rank=0,
        score=score,
        severity=cfg.severity_of(score),
        accounts=len(members),
        exchanges=exchanges,
        output_tokens=int(m["output_tokens"]) if m["_has_out"] else None,
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        links=links,
        signals=signals,
        busiest_days=tuple(DayCount(d["day"], int(d["n"])) for d in m.get("busiest_days") or ()),
        top_accounts=tuple(
            AccountSummary(r["account"], int(r["exchanges"]), float(r["score"]))
            for r in m["top_accounts"]
        ),
        sample_prompts=samples,
        member_accounts=tuple(members),
        benign_checks=tested,
    )


def _links(ev: pl.DataFrame, vals: pl.DataFrame) -> dict[int, tuple[LinkEvidence, ...]]:
    """Per component: the link evidence of each family, strongest first (one group-by
    over every incident's pair evidence ``ev``; ``vals`` gives the top shared values)."""
    if ev.is_empty():
        return {}
    per_fam = (
        ev.group_by("component", "family")
        .agg(
            pl.len().alias("pairs"),
            pl.col("weight").mean().alias("weight"),
            pl.concat_list("a", "b")
            .list.explode(keep_nulls=False, empty_as_null=False)
            .n_unique()
            .alias("accounts"),
        )
        .sort(["component", "weight", "family"], descending=[False, True, False])
    )
    top: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for comp, fam, value, n in vals.select("component", "family", "value", "n").iter_rows():
        top.setdefault((int(comp), str(fam)), []).append((str(value), int(n)))
    out: dict[int, list[LinkEvidence]] = {}
    for comp, fam, pairs, weight, n_acc in per_fam.iter_rows():
        out.setdefault(int(comp), []).append(
            LinkEvidence(
                family=fam,
                label=FAMILIES[fam].label,
                accounts=int(n_acc),
                pairs=int(pairs),
                weight=round(float(weight), 4),
                values=tuple(top.get((int(comp), fam), [])[:5]),
            )
        )
    return {comp: tuple(evidence) for comp, evidence in out.items()}
