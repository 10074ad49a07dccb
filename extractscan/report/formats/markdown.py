"""Markdown report for a letter or a briefing.

All log text goes through :func:`extractscan.report.escape.for_html` (HTML and Markdown syntax
escaped); sample prompts are blockquotes, never code fences an attacker could close.
"""

from __future__ import annotations

from typing import TextIO

from extractscan.model.findings import Findings, Incident
from extractscan.report.escape import for_html
from extractscan.report.formats.common import (
    accounts_table_text,
    baseline_text,
    config_text,
    filtered_text,
    rejected_text,
    severity_counts,
    short_value,
    signal_value,
    status_text,
    when,
)


def _headline(f: Findings) -> list[str]:
    s = f.input
    files = ", ".join(for_html(x.path, 80) for x in s.files[:5])
    lines = [
        "# extractscan incident report",
        "",
        f"- **Files:** {len(s.files)} ({files}{' …' if len(s.files) > 5 else ''})",
        f"- **Rows:** {s.rows_read:,} read, {s.rows_analysed:,} analysed, "
        f"{for_html(rejected_text(f))} rejected"
        + (f", {for_html(filtered_text(s))}" if s.filters else ""),
        *(f"- **Skipped file:** {for_html(p + ': ' + w, 200)}" for p, w in s.files_skipped),
        f"- **Rows with invalid UTF-8 replaced:** {s.rows_with_replaced_bytes:,}",
        f"- **Time range:** {when(s.first_seen)} to {when(s.last_seen)}",
        f"- **Accounts:** {s.accounts_seen:,} seen, {s.accounts_flagged:,} flagged "
        f"(in incidents at {f.flag_severity} or above)",
        *(
            [f"- **Accounts table:** {for_html(s.accounts_file, 80)}{accounts_table_text(s)}"]
            if s.accounts_file
            else []
        ),
        f"- **Config:** {config_text(s, for_html)}",
        "- **Columns:** " + ", ".join(f"{c} ← {for_html(src, 40)}" for c, src in s.column_mapping),
        "- **Signals off:** "
        + (for_html("; ".join(f"{k} ({v})" for k, v in s.signals_off)) or "none"),
        "- **Signals sampled:** "
        + (for_html("; ".join(f"{k} ({v})" for k, v in s.signals_sampled)) or "none"),
        f"- **Passes over the input:** {s.passes}",
        f"- **Incidents:** {severity_counts(f) if f.incidents else 'No incidents found'}",
        *([f"- **Baseline:** {for_html(baseline_text(f), 2000)}"] if f.baseline else []),
        f"- **Generated:** {when(f.generated_at)}",
        "",
    ]
    return lines


def _incident(inc: Incident) -> list[str]:
    out = [
        f"## #{inc.rank} {inc.severity.upper()} — incident {for_html(inc.id)}",
        "",
        f"**Status:** {for_html(status_text(inc), 400)}",
        "",
        f"Score {inc.score:.2f}; {inc.accounts:,} accounts; {inc.exchanges:,} exchanges"
        + (f"; {inc.output_tokens:,} output tokens" if inc.output_tokens is not None else "")
        + f"; {when(inc.first_seen)} to {when(inc.last_seen)}.",
        "",
        "| Evidence | Accounts | Pairs | Weight | Sample values (accounts sharing) |",
        "|---|---:|---:|---:|---|",
    ]
    for ln in inc.links:
        vals = "; ".join(
            f"{for_html(short_value(ln.family, v, 60))} ({n:,})" for v, n in ln.values[:3]
        )
        out.append(
            f"| {for_html(ln.label)} | {ln.accounts:,} | {ln.pairs:,} | {ln.weight:.1f} | {vals} |"
        )
    out += ["", "| Signal | Value | Benign median | Fired |", "|---|---:|---:|:-:|"]
    for s in inc.signals:
        out.append(
            f"| {for_html(s.label)} | {signal_value(s, s.value)} | {signal_value(s, s.baseline)} | "
            f"{'yes' if s.fired else 'no'} |"
        )
    if inc.benign_checks:
        out += ["", "| Benign explanation considered | Fits | Why |", "|---|:-:|---|"]
        out += [
            f"| {for_html(c.label)} | {'yes' if c.fits else 'no'} | {for_html(c.reason, 200)} |"
            for c in inc.benign_checks
        ]
    if inc.explained_by:
        out += ["", f"**Ranked down:** {for_html('; '.join(inc.explained_by))} fits."]
    days = ", ".join(f"{d.day} ({d.exchanges:,})" for d in inc.busiest_days)
    accts = ", ".join(f"{for_html(a.account, 40)} ({a.exchanges:,})" for a in inc.top_accounts)
    out += [
        "",
        f"**Busiest days:** {days}",
        "",
        f"**Top accounts:** {accts}",
        "",
        "**Sample prompts:**",
        "",
    ]
    for p in inc.sample_prompts:
        out += [f"> {for_html(p, 300)}", ""]
    return out


class MarkdownReport:
    """Headline plus one section per incident (``top`` applies)."""

    name = "markdown"

    def render(
        self,
        findings: Findings,
        stream: TextIO,
        *,
        top: int | None,
        quiet: bool,
        color: bool,
        width: int | None,
    ) -> None:
        """Write the Markdown document."""
        lines = _headline(findings)
        if not quiet:
            shown = findings.incidents[:top] if top else findings.incidents
            for inc in shown:
                lines += _incident(inc)
            hidden = len(findings.incidents) - len(shown)
            if hidden > 0:
                lines.append(f"*{hidden:,} more incident(s) not shown.*")
        stream.write("\n".join(lines).rstrip("\n") + "\n")
