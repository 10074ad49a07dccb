"""``extractscan explain`` as JSON (for a case file or a script) and as Markdown (for a
letter), with every partner; and an explanation with its addresses and cards masked
(``--redact``) by the same tokens a redacted scan report uses."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any, TextIO

from extractscan.model.families import FAMILIES
from extractscan.report.escape import clean
from extractscan.report.escape import for_markdown as md
from extractscan.report.explain import (
    Explanation,
    fmt_value,
    partner_status,
    render_explanation,
    where_text,
)
from extractscan.report.redact import Redactor

#: ``explain --format`` names.
EXPLAIN_FORMATS = ("terminal", "json", "markdown")


def explanation_dict(e: Explanation) -> dict[str, Any]:
    """The explanation as JSON-ready data (log text cleaned as in the JSON report)."""
    return {
        "account": clean(e.account),
        "score": e.score,
        "exchanges": e.exchanges,
        "incident": e.incident,
        "severity": e.severity,
        "ranked_down_by": list(e.ranked_down_by),
        "components": [{"name": n, "weight": w, "value": v} for n, w, v in e.components],
        "features": [
            {"label": label, "value": v, "benign_median": b, "unit": u}
            for label, v, b, u in e.features
        ],
        "partners_total": len(e.partners),
        "partners": [
            {
                "account": clean(p.account),
                "linked": p.linked,
                "same_org": p.same_org,
                "total": round(p.total, 4),
                "evidence": [
                    {
                        "family": x.family,
                        "label": x.label,
                        "weight": round(x.weight, 4),
                        "example": clean(x.example),
                    }
                    for x in p.evidence
                ],
            }
            for p in e.partners
        ],
    }


def render_json(e: Explanation, stream: TextIO) -> None:
    """Write the explanation as one JSON document."""
    json.dump(explanation_dict(e), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def render_markdown(e: Explanation, stream: TextIO) -> None:
    """Write the explanation as Markdown, every partner in a table."""
    out = [
        f"# Account {md(e.account, 200)}",
        "",
        md(f"Score {e.score:.2f}, {e.exchanges:,} exchanges, {where_text(e)}."),
        "",
        "## Score components (weighted mean of those measured)",
        "",
        "| Component | Weight | Value |",
        "|---|---:|---:|",
        *(
            f"| {md(n)} | {w:.2f} | {'not measured' if v is None else f'{v:.2f}'} |"
            for n, w, v in e.components
        ),
        "",
        "## Behaviour vs benign median",
        "",
        "| Feature | Value | Benign median |",
        "|---|---:|---:|",
        *(
            f"| {md(label)} | {fmt_value(v, u)} | {fmt_value(b, u)} |"
            for label, v, b, u in e.features
        ),
        "",
        f"## Accounts sharing identifiers ({len(e.partners):,}; strongest first)",
        "",
    ]
    if not e.partners:
        out.append("No other account shares a usable identifier with this one.")
    else:
        out += ["| Account | Linked | Evidence total | Evidence (weight, example) |"]
        out += ["|---|---|---:|---|"]
        for p in e.partners:
            ev = "; ".join(f"{x.label} {x.weight:.1f} ({clean(x.example, 50)})" for x in p.evidence)
            out.append(f"| {md(p.account, 80)} | {partner_status(p)} | {p.total:.1f} | {md(ev)} |")
    stream.write("\n".join(out) + "\n")


def render(
    e: Explanation, fmt: str, stream: TextIO, *, color: bool = False, width: int | None = None
) -> None:
    """Write the explanation as ``fmt`` (one of :data:`EXPLAIN_FORMATS`)."""
    if fmt == "json":
        render_json(e, stream)
    elif fmt == "markdown":
        render_markdown(e, stream)
    else:
        render_explanation(e, stream, color=color, width=width)


def redact_explanation(e: Explanation, r: Redactor) -> Explanation:
    """The explanation with e-mails, IPs and cards masked by ``r``'s tokens (those of
    the redacted scan report of the same findings: :func:`redact.redactor_for`)."""
    partners = []
    for p in e.partners:
        evidence = []
        for x in p.evidence:
            kind = FAMILIES[x.family].kind if x.family in FAMILIES else "text"
            example = r.text(x.example) if kind == "text" else r.token(kind, x.example)
            evidence.append(replace(x, example=example))
        partners.append(replace(p, account=r.text(p.account), evidence=tuple(evidence)))
    return replace(e, account=r.text(e.account), partners=tuple(partners))
