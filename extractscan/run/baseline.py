"""Baseline: stable incident ids from run to run (``--baseline PREVIOUS.json``).

An incident's own id is a hash of its member list (``assess.incidents.incident_id``),
so it changes whenever one account joins or leaves. Compared with an earlier JSON
report, an incident that *continues* one of the baseline's incidents keeps that
incident's id and is ``known``; the others are ``new``; baseline incidents that no
incident continues are listed as resolved.

The rule (:func:`match`), on member accounts:

- a new incident N may continue a baseline incident B when they share accounts and
  either their Jaccard overlap ``|N ∩ B| / |N ∪ B|`` is at least :data:`MIN_JACCARD`
  (0.3), or the shared accounts are at least :data:`MIN_SHARE` (50 %) of N's members or
  of B's members (a campaign that doubled in a week still holds every account it had;
  one that split keeps the part that holds most of it);
- pairs are matched one-to-one, greedily: the highest Jaccard first, then the most
  shared accounts, then the baseline id (lexical), then the new incident's rank. Each
  baseline id goes to at most one incident, each incident takes at most one id, and the
  same two reports always give the same answer.

Reference: the same "carry the identity over by best overlap" rule that cluster
tracking across snapshots uses (Greene, Doyle & Cunningham, "Tracking the evolution
of communities in dynamic social networks", ASONAM 2010: Jaccard matching, threshold
0.3).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import polars as pl

from extractscan.assess.incidents import incident_id
from extractscan.model.errors import UsageError
from extractscan.model.findings import (
    SEVERITIES,
    BaselineSummary,
    Change,
    Findings,
    Incident,
    ResolvedIncident,
)

#: Smallest Jaccard overlap of member accounts at which an incident continues another.
MIN_JACCARD = Fraction(3, 10)
#: Or: the shared accounts are at least this share of either incident's members.
MIN_SHARE = Fraction(1, 2)
#: The rule in words, for the JSON report and the README.
RULE = (
    "an incident continues the baseline incident it shares accounts with when their "
    "Jaccard overlap is >= 0.3 or the shared accounts are >= 50% of either's members; "
    "one-to-one, highest Jaccard first (then most shared accounts, baseline id, rank)"
)


@dataclass(frozen=True)
class BaselineIncident:
    """One incident of the baseline report: what matching needs."""

    id: str
    severity: str
    members: frozenset[str]


@dataclass(frozen=True)
class Baseline:
    """An earlier JSON report: where it is, when it was made, its incidents."""

    file: str
    generated_at: str | None
    incidents: tuple[BaselineIncident, ...]


def read_baseline(path: str | Path) -> Baseline:
    """Read an earlier ``--format json`` report.

    Raises:
        UsageError: the file cannot be read, is not JSON, or is not an extractscan report.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--baseline {path}: cannot read: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise UsageError(f"--baseline {path}: not JSON ({exc})") from exc
    version = str(data.get("schema_version", "")) if isinstance(data, dict) else ""
    if not version.startswith("1.") or not isinstance(data.get("incidents"), list):
        raise UsageError(
            f"--baseline {path}: not an extractscan JSON report of schema 1.x "
            "(write one with --format json)"
        )
    out = []
    for i, inc in enumerate(data["incidents"]):
        try:
            sev, ident, members = inc["severity"], inc["id"], inc["member_accounts"]
        except (KeyError, TypeError):
            raise UsageError(
                f"--baseline {path}: incident {i + 1} lacks id/severity/members"
            ) from None
        if sev not in SEVERITIES or not isinstance(members, list):
            raise UsageError(f"--baseline {path}: incident {i + 1} is malformed")
        out.append(BaselineIncident(str(ident), str(sev), frozenset(map(str, members))))
    return Baseline(str(path), data.get("generated_at"), tuple(out))


def match(
    incidents: tuple[frozenset[str], ...], baseline: tuple[BaselineIncident, ...]
) -> dict[int, int]:
    """New incident index -> baseline incident index, by the rule of this module.

    ``incidents`` are member sets in rank order (rank is the last tie-break).
    """
    owner: dict[str, list[int]] = {}
    for j, old in enumerate(baseline):
        for a in old.members:
            owner.setdefault(a, []).append(j)
    candidates: list[tuple[Fraction, int, str, int, int]] = []
    for i, members in enumerate(incidents):
        shared = Counter(j for a in members for j in owner.get(a, ()))
        for j, n in shared.items():
            b = baseline[j].members
            jaccard = Fraction(n, len(members) + len(b) - n)
            share = max(Fraction(n, len(members)), Fraction(n, len(b)))
            if jaccard >= MIN_JACCARD or share >= MIN_SHARE:
                candidates.append((jaccard, n, baseline[j].id, i, j))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    out: dict[int, int] = {}
    taken: set[int] = set()
    for _, _, _, i, j in candidates:
        if i not in out and j not in taken:
            out[i] = j
            taken.add(j)
    return out


def apply_baseline(findings: Findings, baseline: Baseline | str | Path) -> Findings:
    """``findings`` with every incident ``known`` (carrying its baseline id and what
    changed) or ``new``, and the baseline's unmatched incidents listed as resolved.

    The accounts table's ``incident_id`` follows the carried ids.

    Raises:
        UsageError: the baseline cannot be read (see :func:`read_baseline`).
    """
    base = baseline if isinstance(baseline, Baseline) else read_baseline(baseline)
    sets = tuple(frozenset(i.member_accounts) for i in findings.incidents)
    pairs = match(sets, base.incidents)
    incidents: list[Incident] = []
    renamed: dict[str, str] = {}
    # A new incident's own id may equal a baseline id that went to another incident
    # (its members are exactly that id's original ones): it gets a fresh one.
    used = {b.id for b in base.incidents}
    for i, inc in enumerate(findings.incidents):
        if i not in pairs:
            ident, salt = inc.id, 0
            while ident in used:
                salt += 1
                ident = incident_id([*inc.member_accounts, f"#{salt}"])
            used.add(ident)
            if ident != inc.id:
                renamed[inc.id] = ident
            incidents.append(replace(inc, id=ident, status="new", change=None))
            continue
        b = base.incidents[pairs[i]]
        change = Change(
            previous_severity=b.severity,
            previous_accounts=len(b.members),
            accounts_added=len(sets[i] - b.members),
            accounts_removed=len(b.members - sets[i]),
        )
        renamed[inc.id] = b.id
        incidents.append(replace(inc, id=b.id, status="known", change=change))
    matched = set(pairs.values())
    resolved = tuple(
        ResolvedIncident(b.id, b.severity, len(b.members))
        for j, b in enumerate(base.incidents)
        if j not in matched
    )
    accounts = findings.accounts
    if renamed and "incident_id" in accounts.columns:
        accounts = accounts.with_columns(pl.col("incident_id").replace(renamed))
    return replace(
        findings,
        incidents=tuple(incidents),
        accounts=accounts,
        baseline=BaselineSummary(base.file, base.generated_at, resolved),
    )
