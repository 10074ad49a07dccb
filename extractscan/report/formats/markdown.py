"""Markdown report for a letter or a briefing.

It reads as plain text when pasted into a letter: log text goes through
:func:`extractscan.report.escape.for_markdown`, which escapes only what would render as
something else (ids, IPs, numbers and words stay as written). Sample prompts are
blockquotes, never code fences an attacker could close. The order is a letter's: an
executive summary, the incidents at or above ``min_severity`` in full, one line for each
lesser incident, then every member account and what was scanned, as appendices.
"""

from __future__ import annotations

from typing import TextIO

import polars as pl

from extractscan.model.findings import Findings, Incident
from extractscan.report import wording
from extractscan.report.escape import for_markdown as md
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


def _scanned(f: Findings) -> list[str]:
    s = f.input
    files = ", ".join(md(x.path, 80) for x in s.files[:5])
    return [
        f"- **Files:** {len(s.files)} ({files}{' …' if len(s.files) > 5 else ''})",
        f"- **Rows:** {s.rows_read:,} read, {s.rows_analysed:,} analysed, "
        f"{md(rejected_text(f))} rejected" + (f", {md(filtered_text(s))}" if s.filters else ""),
        *(f"- **Skipped file:** {md(p + ': ' + w, 200)}" for p, w in s.files_skipped),
        f"- **Rows with invalid UTF-8 replaced:** {s.rows_with_replaced_bytes:,}",
        f"- **Time range:** {when(s.first_seen)} to {when(s.last_seen)}",
        f"- **Accounts:** {s.accounts_seen:,} seen, {s.accounts_flagged:,} flagged "
        f"(in incidents at {f.flag_severity} or above)",
        *(
            [f"- **Accounts table:** {md(s.accounts_file, 80)}{md(accounts_table_text(s))}"]
            if s.accounts_file
            else []
        ),
        f"- **Config:** {config_text(s, md)}",
        "- **Columns:** "
        + md(", ".join(f"{c} ← {src}" if c != src else c for c, src in s.column_mapping)),
        "- **Signals off:** " + (md("; ".join(f"{k} ({v})" for k, v in s.signals_off)) or "none"),
        "- **Signals sampled:** "
        + (md("; ".join(f"{k} ({v})" for k, v in s.signals_sampled)) or "none"),
        f"- **Passes over the input:** {s.passes}",
        f"- **Incidents:** {severity_counts(f) if f.incidents else 'No incidents found'}",
        *([f"- **Baseline:** {md(baseline_text(f), 2000)}"] if f.baseline else []),
        f"- **Generated:** {when(f.generated_at)}",
    ]


def _summary(f: Findings, floor: str, shown: tuple[Incident, ...]) -> list[str]:
    s = f.input
    out = [
        "## Summary",
        "",
        md(wording.headline(f, floor)),
        "",
        f"Scanned {s.rows_analysed:,} requests of {s.accounts_seen:,} accounts, "
        f"{when(s.first_seen)} to {when(s.last_seen)}.",
        "",
    ]
    if shown:
        out += [
            "| # | Severity | Incident | Who | How sure | Next step |",
            "|---:|---|---|---|---|---|",
        ]
        out += [
            f"| {i.rank} | {i.severity} | {md(i.id)} | {md(wording.incident_sentence(i))} | "
            f"{md(wording.how_sure(i), 400)} | {md(wording.next_step(i))} |"
            for i in shown
        ]
        out.append("")
    out += [f"**How to read this report.** {md(wording.how_to_read(f, shown))}", ""]
    return out


def _incident(inc: Incident) -> list[str]:
    out = [
        f"## #{inc.rank} {inc.severity.upper()}: incident {md(inc.id)}",
        "",
        f"**Status:** {md(status_text(inc), 400)}",
        "",
        f"Score {inc.score:.2f}; {inc.accounts:,} accounts; {inc.exchanges:,} exchanges"
        + (f"; {inc.output_tokens:,} output tokens" if inc.output_tokens is not None else "")
        + f"; {when(inc.first_seen)} to {when(inc.last_seen)}.",
        "",
        f"**Next step:** {md(wording.next_step(inc))}.",
        "",
        "| Evidence | Accounts | Pairs | Weight | Sample values (accounts sharing) |",
        "|---|---:|---:|---:|---|",
    ]
    for ln in inc.links:
        vals = md("; ".join(f"{short_value(ln.family, v, 60)} ({n:,})" for v, n in ln.values[:3]))
        out.append(
            f"| {md(ln.label)} | {ln.accounts:,} | {ln.pairs:,} | {ln.weight:.1f} | {vals} |"
        )
    out += ["", "| Signal | Value | Benign median | Fired |", "|---|---:|---:|:-:|"]
    for s in inc.signals:
        out.append(
            f"| {md(s.label)} | {signal_value(s, s.value)} | {signal_value(s, s.baseline)} | "
            f"{'yes' if s.fired else 'no'} |"
        )
    if inc.benign_checks:
        out += ["", "| Innocent explanation considered | Fits | Why |", "|---|:-:|---|"]
        out += [
            f"| {md(c.label)} | {'yes' if c.fits else 'no'} | {md(c.reason, 200)} |"
            for c in inc.benign_checks
        ]
    if inc.explained_by:
        out += ["", f"**Ranked down:** {md('; '.join(inc.explained_by))} fits."]
    days = ", ".join(f"{d.day} ({d.exchanges:,})" for d in inc.busiest_days)
    accts = md(", ".join(f"{a.account} ({a.exchanges:,})" for a in inc.top_accounts), 2000)
    out += [
        "",
        f"**Busiest days:** {days}",
        "",
        f"**Busiest accounts:** {accts} (all {inc.accounts:,} in the appendix)",
        "",
        "**Sample prompts:**",
        "",
    ]
    for p in inc.sample_prompts:
        out += [f"> {md(p, 300)}", ""]
    return out


def _members(f: Findings, inc: Incident) -> list[str]:
    """Every member account of ``inc`` with its exchanges, score and first request."""
    out = [f"### {md(inc.id)} ({inc.severity}, {inc.accounts:,} accounts)", ""]
    acc = f.accounts
    cols = [c for c in ("exchanges", "score", "first_seen", "signup_at") if c in acc.columns]
    rows: dict[str, tuple[object, ...]] = {}
    if "account" in acc.columns and cols:
        part = acc.filter(pl.col("account").is_in(list(inc.member_accounts)))
        rows = {r[0]: r[1:] for r in part.select("account", *cols).iter_rows()}
    out += [
        "| Account | " + " | ".join(c.replace("_", " ").capitalize() for c in cols) + " |",
        "|---|" + "---:|" * len(cols),
    ]
    for a in inc.member_accounts:
        vals = rows.get(a, (None,) * len(cols))
        cells = [_cell(c, v) for c, v in zip(cols, vals, strict=True)]
        out.append(f"| {md(a, 80)} | " + " | ".join(cells) + " |")
    return [*out, ""]


def _cell(col: str, value: object) -> str:
    if value is None:
        return "-"
    if col == "score" and isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if hasattr(value, "strftime"):
        return when(value)  # type: ignore[arg-type]
    return md(value, 40)


class MarkdownReport:
    """Summary, incidents at or above ``min_severity`` (``top`` applies), one line for
    each lesser incident, and appendices: member accounts, what was scanned."""

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
        min_severity: str | None = None,
    ) -> None:
        """Write the Markdown document."""
        f = findings
        floor, main, shown, lesser = f.shown(top, min_severity)
        lines = ["# extractscan incident report", "", *_summary(f, floor, shown)]
        if quiet:
            lines += ["## What was scanned", "", *_scanned(f)]
            stream.write("\n".join(lines).rstrip("\n") + "\n")
            return
        for inc in shown:
            lines += _incident(inc)
        if len(main) > len(shown):
            lines += [
                f"*{len(main) - len(shown):,} more incident(s) at {floor} or above not shown "
                "(--top).*",
                "",
            ]
        if lesser:
            lines += [f"## Incidents below {floor}", ""]
            lines += [f"- {md(wording.one_line(i), 1000)}" for i in lesser]
            lines.append("")
        if shown:
            lines += ["## Appendix A: member accounts", ""]
            for inc in shown:
                lines += _members(f, inc)
        lines += ["## Appendix B: what was scanned", "", *_scanned(f)]
        stream.write("\n".join(lines).rstrip("\n") + "\n")
