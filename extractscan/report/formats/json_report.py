"""JSON report: versioned, deterministic (fixed key order, rounded floats).

Schema: ``extractscan/report/schema.json``; fields: ``docs/report-json.md``.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TextIO

from extractscan.model.findings import Findings, Incident, Suppression
from extractscan.report.escape import clean

SCHEMA_VERSION = "1.5"


def _tool_version() -> str:
    try:
        return version("extractscan")
    except PackageNotFoundError:
        return "0.0.0"


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: date) -> str:
    return value.isoformat()


def _num(value: float) -> float:
    return round(float(value), 4)


def incident_dict(inc: Incident) -> dict[str, Any]:
    """One incident as plain JSON-ready data."""
    return {
        "id": inc.id,
        "rank": inc.rank,
        "score": _num(inc.score),
        "severity": inc.severity,
        "kind": inc.kind,
        "status": inc.status,
        "change": (
            {
                "previous_severity": inc.change.previous_severity,
                "severity_change": inc.severity_change,
                "previous_accounts": inc.change.previous_accounts,
                "accounts_added": inc.change.accounts_added,
                "accounts_removed": inc.change.accounts_removed,
            }
            if inc.change is not None
            else None
        ),
        "suppressed": [suppression_dict(x) for x in inc.suppressed],
        "accounts": inc.accounts,
        "exchanges": inc.exchanges,
        "output_tokens": inc.output_tokens,
        "first_seen": _ts(inc.first_seen),
        "last_seen": _ts(inc.last_seen),
        "links": [
            {
                "family": ln.family,
                "label": clean(ln.label),
                "accounts": ln.accounts,
                "pairs": ln.pairs,
                "weight": _num(ln.weight),
                "values": [{"value": clean(v), "accounts": n} for v, n in ln.values],
            }
            for ln in inc.links
        ],
        "signals": [
            {
                "name": s.name,
                "label": clean(s.label),  # may name a logged value (the newest model)
                "value": _num(s.value),
                "baseline": None if s.baseline is None else _num(s.baseline),
                "unit": s.unit,
                "fired": s.fired,
            }
            for s in inc.signals
        ],
        "busiest_days": [{"day": _day(d.day), "exchanges": d.exchanges} for d in inc.busiest_days],
        "top_accounts": [
            {"account": clean(a.account), "exchanges": a.exchanges, "score": _num(a.score)}
            for a in inc.top_accounts
        ],
        "sample_prompts": [clean(p, 2000) for p in inc.sample_prompts],
        "member_accounts": [clean(a) for a in inc.member_accounts],
        "benign_checks": [
            {"name": c.name, "label": clean(c.label), "fits": c.fits, "reason": clean(c.reason)}
            for c in inc.benign_checks
        ],
    }


def findings_dict(f: Findings) -> dict[str, Any]:
    """The whole report as plain JSON-ready data."""
    s = f.input
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "extractscan", "version": _tool_version()},
        "generated_at": _ts(f.generated_at),
        "flag_severity": f.flag_severity,
        "input": {
            "files": [
                {
                    "path": clean(x.path),
                    "format": x.format,
                    "rows_read": x.rows_read,
                    "rows_analysed": x.rows_analysed,
                    "rows_rejected": x.rows_rejected,
                    "rows_filtered": x.rows_filtered,
                }
                for x in s.files
            ],
            "rows_read": s.rows_read,
            "rows_analysed": s.rows_analysed,
            "rows_rejected": s.rows_rejected,
            "rows_filtered": s.rows_filtered,
            "filters": {k: clean(v) for k, v in s.filters},
            "rejected_by_reason": dict(s.rejected_by_reason),
            "first_seen": _ts(s.first_seen),
            "last_seen": _ts(s.last_seen),
            "accounts_seen": s.accounts_seen,
            "accounts_flagged": s.accounts_flagged,
            "column_mapping": {k: clean(v) for k, v in s.column_mapping},
            "accounts_file": clean(s.accounts_file) if s.accounts_file else None,
            "config_file": clean(s.config_file) if s.config_file else None,
            "signals_off": dict(s.signals_off),
            "files_skipped": [{"path": clean(p), "error": clean(e)} for p, e in s.files_skipped],
            "rows_with_replaced_bytes": s.rows_with_replaced_bytes,
            "signals_sampled": dict(s.signals_sampled),
            "passes": s.passes,
            "state": (
                {
                    "directory": clean(s.state.directory),
                    "files_from_state": s.state.files_from_state,
                    "files_read": s.state.files_read,
                    "note": clean(s.state.note) if s.state.note else None,
                }
                if s.state
                else None
            ),
            "accounts_table": (
                {
                    "rows": s.accounts_table.rows,
                    "without_account": s.accounts_table.without_account,
                    "conflicting_accounts": s.accounts_table.conflicting_accounts,
                    "matched_accounts": s.accounts_table.matched_accounts,
                    "log_accounts": s.accounts_table.log_accounts,
                    "warning": clean(s.accounts_table.warning)
                    if s.accounts_table.warning
                    else None,
                }
                if s.accounts_table
                else None
            ),
        },
        "baseline": baseline_dict(f),
        "expired_suppressions": [suppression_dict(x) for x in f.expired_suppressions],
        "incidents": [incident_dict(i) for i in f.incidents],
    }


def suppression_dict(s: Suppression) -> dict[str, Any]:
    """A ``--suppress`` entry: what it names, why, who owns it, until when."""
    return {
        "kind": s.kind,
        "value": clean(s.value),
        "reason": clean(s.reason),
        "owner": clean(s.owner),
        "expires": _day(s.expires),
    }


def baseline_dict(f: Findings) -> dict[str, Any] | None:
    """The ``--baseline`` comparison: counts and the resolved incidents (or None)."""
    b = f.baseline
    if b is None:
        return None
    return {
        "file": clean(b.file),
        "generated_at": b.generated_at,
        "known": sum(i.status == "known" for i in f.incidents),
        "new": sum(i.status == "new" for i in f.incidents),
        "resolved": [
            {"id": clean(r.id), "severity": r.severity, "accounts": r.accounts} for r in b.resolved
        ],
    }


class JsonReport:
    """All incidents (``top`` and ``quiet`` do not apply: machines read everything)."""

    name = "json"

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
        """Write the JSON document (every incident: ``top`` and ``min_severity`` are for
        readers, not programs)."""
        json.dump(findings_dict(findings), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
