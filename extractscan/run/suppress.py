"""Suppressions (``--suppress FILE``): findings already judged, each with a reason, an
owner and an expiry date.

The file is TOML, one ``[[suppress]]`` table per entry, naming exactly one of an
incident id, an account or an identifier value::

    [[suppress]]
    incident = "INC-1A2B3C4D"          # stable from run to run with --baseline
    reason = "reseller under contract, reviewed in case 4411"
    owner = "trust-and-safety@example.com"
    expires = 2026-09-30

    [[suppress]]
    value = "203.0.113.7"              # our office NAT
    reason = "office egress"
    owner = "netops"
    expires = 2026-12-31

What an entry suppresses (shown as suppressed in every report, never firing
``--fail-on``):

- ``incident``: that incident;
- ``account``: an incident all of whose member accounts are suppressed accounts (one
  benign account inside a campaign does not hide the campaign);
- ``value``: an incident all of whose linking evidence values (the values each family
  lists in the report) are suppressed values: it is linked by nothing but values known
  to be benign.

An entry past its expiry date no longer suppresses anything and is warned about, as
Trivy's ``expired_at`` ignores are: a suppression is a decision to look again.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings, Incident, Suppression

#: What an entry can name.
KINDS = ("incident", "account", "value")


@dataclass(frozen=True)
class Suppressions:
    """The entries of a suppression file, split into those in force and expired."""

    file: str
    active: tuple[Suppression, ...]
    expired: tuple[Suppression, ...]


def read_suppressions(path: str | Path, today: date | None = None) -> Suppressions:
    """Read and check a suppression file.

    Args:
        path: the TOML file.
        today: the date expiry is judged on (default: today, UTC).

    Raises:
        UsageError: not TOML, or an entry without exactly one of incident/account/value,
            or without reason, owner or an ``expires`` date.
    """
    today = today or datetime.now(UTC).date()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--suppress {path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"--suppress {path}: not TOML ({exc})") from exc
    unknown = set(data) - {"suppress"}
    if unknown:
        raise UsageError(f"--suppress {path}: unknown table(s) {', '.join(sorted(unknown))}")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise UsageError(f"--suppress {path}: 'suppress' must be an array of tables")
    active: list[Suppression] = []
    expired: list[Suppression] = []
    for n, entry in enumerate(entries, start=1):
        s = _entry(entry, f"--suppress {path}: entry {n}")
        (expired if s.expires < today else active).append(s)
    return Suppressions(str(path), tuple(active), tuple(expired))


def _entry(entry: object, where: str) -> Suppression:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: not a table")
    named = [k for k in KINDS if k in entry]
    if len(named) != 1:
        raise UsageError(f"{where}: name exactly one of {', '.join(KINDS)}")
    extra = set(entry) - {*KINDS, "reason", "owner", "expires"}
    if extra:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
    for key in ("reason", "owner"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise UsageError(f"{where}: '{key}' is required (a non-empty string)")
    expires = entry.get("expires")
    if isinstance(expires, datetime):
        expires = expires.date()
    if not isinstance(expires, date):
        raise UsageError(f"{where}: 'expires' is required, a TOML date such as 2026-09-30")
    kind = named[0]
    return Suppression(kind, str(entry[kind]), entry["reason"], entry["owner"], expires)


def matching(inc: Incident, entries: tuple[Suppression, ...]) -> tuple[Suppression, ...]:
    """The entries that suppress ``inc`` (see the module docstring)."""
    out = [s for s in entries if s.kind == "incident" and s.value == inc.id]
    accounts = {s.value: s for s in entries if s.kind == "account"}
    if inc.member_accounts and all(a in accounts for a in inc.member_accounts):
        out += sorted({accounts[a] for a in inc.member_accounts}, key=_order)
    values = {s.value: s for s in entries if s.kind == "value"}
    shown = {v for ln in inc.links for v, _ in ln.values}
    if values and shown and shown <= set(values):
        out += sorted({values[v] for v in shown}, key=_order)
    return tuple(out)


def _order(s: Suppression) -> tuple[str, str]:
    return s.kind, s.value


def apply_suppressions(findings: Findings, sup: Suppressions) -> Findings:
    """``findings`` with each incident's matching entries in ``suppressed`` and the
    expired entries in ``expired_suppressions`` (to be warned about)."""
    incidents = tuple(replace(i, suppressed=matching(i, sup.active)) for i in findings.incidents)
    return replace(findings, incidents=incidents, expired_suppressions=sup.expired)


def expired_warning(sup: Suppressions) -> list[str]:
    """One line per expired entry, for stderr."""
    return [
        f"warning: --suppress {sup.file}: the entry for {s.kind} {s.value} (owner {s.owner}) "
        f"expired on {s.expires}; it no longer suppresses anything"
        for s in sup.expired
    ]
