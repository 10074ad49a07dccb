"""Wording shared by the human-readable formats (terminal and Markdown)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from extractscan.model.findings import SEVERITIES, Findings, Incident, InputSummary, Signal
from extractscan.report.escape import clean


def when(value: datetime | None) -> str:
    """A UTC time to the minute."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def signal_value(s: Signal, value: float | None) -> str:
    """A signal value in its unit ("-" where it was not measured)."""
    if value is None:
        return "-"
    if s.unit == "%":
        return f"{value * 100:.0f}%"
    if s.unit == "x":
        return f"{value:.1f}x"
    if s.unit:
        return f"{value:,.1f} {s.unit}"
    return f"{value:.2f}"


def severity_counts(f: Findings) -> str:
    """E.g. ``1 critical, 0 high, 2 medium, 5 low``."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for inc in f.incidents:
        counts[inc.severity] += 1
    return ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES))


def rejected_text(f: Findings) -> str:
    """Rejected rows with their reasons."""
    s = f.input
    if not s.rows_rejected:
        return "0"
    reasons = ", ".join(f"{r}: {n:,}" for r, n in s.rejected_by_reason)
    return f"{s.rows_rejected:,} ({reasons})"


def accounts_table_text(s: InputSummary) -> str:
    """E.g. ``: 212 rows; 180 of 4,000 log accounts matched; 3 rows without an account
    id not used; 2 accounts on rows with different values (the smallest value used)``,
    with the warning of a table that joined (almost) nothing (empty without a table)."""
    t = s.accounts_table
    if t is None:
        return ""
    out = f": {_n(t.rows, 'row')}; {t.matched_accounts:,} of {t.log_accounts:,} log accounts"
    out += " matched"
    if t.warning:
        out += f" (warning: {t.warning})"
    if t.without_account:
        out += f"; {_n(t.without_account, 'row')} without an account id not used"
    if t.conflicting_accounts:
        out += (
            f"; {_n(t.conflicting_accounts, 'account')} on several rows with different values "
            "(the smallest value used)"
        )
    return out


def short_value(family: str, value: str, width: int) -> str:
    """A linking value cleaned and cut to ``width`` characters; a co-activity value
    ("template @ minute") keeps its minute and cuts the template instead (cut from the
    end, three bins of one template looked the same)."""
    text = clean(value)
    if family == "co_activity" and " @ " in text and len(text) > width:
        template, _, minute = text.rpartition(" @ ")
        return cut_words(template, max(8, width - len(minute) - 3)) + " @ " + minute
    return cut_words(text, width)


def cut_words(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters with "…", at a word's end when one ends in
    the last third (a template cut mid-word read as another word)."""
    if len(text) <= width:
        return text
    head = text[: max(0, width - 1)]
    space = head.rfind(" ")
    if space >= width * 2 // 3:
        head = head[:space]
    return head.rstrip() + "…"


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def config_text(s: InputSummary, escape: Callable[[str, int], str]) -> str:
    """The config file the scan used, escaped for the medium by ``escape(text, max_len)``,
    with where it came from when it was picked up from the working directory."""
    if s.config_file is None:
        return "none (defaults)"
    where = " (found in the working directory)" if s.config_implicit else ""
    return escape(s.config_file, 120) + where


def filtered_text(s: InputSummary) -> str:
    """E.g. ``1,200 filtered (since 2026-04-22T00:00:00Z; org acme)`` (empty without a
    filter)."""
    if not s.filters:
        return ""
    how = "; ".join(f"{k} {v}" for k, v in s.filters)
    return f"{s.rows_filtered:,} filtered ({how})"


def status_text(inc: Incident) -> str:
    """``new``, or ``known (was high, +12/-3 accounts)``, plus any suppression."""
    text = inc.status
    c = inc.change
    if c is not None:
        sev = f"was {c.previous_severity}" if inc.severity_change else "same severity"
        text += f" ({sev}; +{c.accounts_added:,}/-{c.accounts_removed:,} accounts)"
    if inc.suppressed:
        s = inc.suppressed[0]
        text += f"; suppressed ({s.kind} {s.value}: {s.reason}; {s.owner}; until {s.expires})"
    return text


def baseline_text(f: Findings) -> str:
    """E.g. ``old.json: 2 known, 1 new; resolved: INC-1A2B3C4D (high, 12 accounts)``."""
    b = f.baseline
    if b is None:
        return ""
    known = sum(i.status == "known" for i in f.incidents)
    resolved = ", ".join(f"{r.id} ({r.severity}, {r.accounts:,} accounts)" for r in b.resolved)
    return (
        f"{b.file}: {known:,} known, {len(f.incidents) - known:,} new, "
        f"{len(b.resolved):,} resolved{': ' + resolved if resolved else ''}"
    )
