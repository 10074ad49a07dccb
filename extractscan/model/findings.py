"""Results of a scan as frozen dataclasses: every report format reads these.

All text fields that came from the logs (account ids, prompts, sample values) are raw
here; renderers escape them through :mod:`extractscan.report.escape`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import polars as pl

from extractscan.model.severity import SEVERITIES, severity_rank

#: Severity levels, lowest first.
__all__ = ["SEVERITIES", "severity_rank"]  # re-exported: declared in model/severity.py


#: The family of behavioural-cluster links (:mod:`extractscan.link.synchrony`).
BEHAVIOUR_FAMILY = "behaviour_cluster"
#: Families that add evidence to pairs but never link two accounts on their own.
SUPPORTING_FAMILIES = frozenset({"template", "co_activity", "user_agent"})


@dataclass(frozen=True)
class FileSummary:
    """What was read from one input file."""

    path: str
    format: str
    rows_read: int
    rows_analysed: int
    rows_rejected: int
    #: Rows outside ``--since``/``--until``/``--org``/``--account`` (not analysed).
    rows_filtered: int = 0


@dataclass(frozen=True)
class InputSummary:
    """The headline: what went in, what was used, what was switched off."""

    files: tuple[FileSummary, ...]
    rows_read: int
    rows_analysed: int
    rows_rejected: int
    rejected_by_reason: tuple[tuple[str, int], ...]
    first_seen: datetime | None
    last_seen: datetime | None
    accounts_seen: int
    accounts_flagged: int
    column_mapping: tuple[tuple[str, str], ...]
    accounts_file: str | None
    signals_off: tuple[tuple[str, str], ...]
    #: Files passed over with ``skip_errors``: (path, why).
    files_skipped: tuple[tuple[str, str], ...] = ()
    #: Rows in which invalid UTF-8 was replaced by U+FFFD (kept, and counted).
    rows_with_replaced_bytes: int = 0
    #: Signals measured on a sample, not in full: (signal, how).
    signals_sampled: tuple[tuple[str, str], ...] = ()
    #: Passes over the input (more than one under a memory limit).
    passes: int = 1
    #: The ``--accounts`` table: rows read, rows without an account id (not used), and
    #: accounts on several rows with different values (the smallest value is used).
    accounts_table: AccountsTable | None = None
    #: The config file the scan used (``None``: the defaults), and whether it was
    #: picked up from the working directory rather than named with ``--config``.
    config_file: str | None = None
    config_implicit: bool = False
    #: Rows outside the filter (counted, not analysed): rows read = analysed +
    #: rejected + filtered.
    rows_filtered: int = 0
    #: The filter in use: (``since``/``until``/``org``/``account``, value).
    filters: tuple[tuple[str, str], ...] = ()
    #: The ``--state`` of an incremental scan (``None``: every file was read).
    state: StateSummary | None = None


@dataclass(frozen=True)
class StateSummary:
    """How an incremental scan (``--state DIR``) got its window's rows."""

    directory: str
    #: Files whose rows came from the state, and files read in this run.
    files_from_state: int
    files_read: int
    #: Why the state was set aside and rebuilt (another version, mapping, preset ...).
    note: str | None = None


@dataclass(frozen=True)
class AccountsTable:
    """What the ``--accounts`` table held and what of it was used."""

    rows: int
    without_account: int
    conflicting_accounts: int
    #: Accounts of the request log that found a row of the table (ids compared as text
    #: after dropping the ".0" of integral floats), of ``log_accounts``.
    matched_accounts: int = 0
    log_accounts: int = 0
    #: Why the table joined none, or under half with id types apart (None: it joined).
    warning: str | None = None


@dataclass(frozen=True)
class LinkEvidence:
    """One identifier family that ties the accounts of an incident together."""

    family: str
    label: str
    accounts: int
    pairs: int
    weight: float
    values: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Signal:
    """A behaviour or coordination signal measured on an incident."""

    name: str
    label: str
    value: float
    #: Median of the accounts in no incident; None where none of them has a value.
    baseline: float | None
    unit: str
    fired: bool


@dataclass(frozen=True)
class BenignCheck:
    """One innocent explanation that was tested against an incident."""

    name: str
    label: str
    fits: bool
    reason: str


@dataclass(frozen=True)
class DayCount:
    """Exchanges on one UTC day."""

    day: date
    exchanges: int


@dataclass(frozen=True)
class AccountSummary:
    """One of an incident's busiest accounts."""

    account: str
    exchanges: int
    score: float


@dataclass(frozen=True)
class Change:
    """How a known incident differs from the baseline incident it continues."""

    previous_severity: str
    previous_accounts: int
    accounts_added: int
    accounts_removed: int


@dataclass(frozen=True)
class Suppression:
    """A ``--suppress`` entry that matched: what it names, why, who owns it, until when."""

    kind: str
    value: str
    reason: str
    owner: str
    expires: date


@dataclass(frozen=True)
class Timeline:
    """An incident over time, per UTC day and hour, for the charts of the HTML report
    (small: one value per day of the incident, not per request)."""

    #: Every day from the incident's first request to its last.
    days: tuple[date, ...]
    #: Members' requests on each of ``days``.
    requests: tuple[int, ...]
    #: Members whose first request fell on each of ``days`` (first-seen waves).
    first_seen: tuple[int, ...]
    #: Members created per day, from the accounts table's signup time (may start
    #: before ``days``): (day, accounts).
    signups: tuple[tuple[date, int], ...]
    #: Members' requests per UTC hour of day (24 values).
    hours: tuple[int, ...]
    #: Per hour of day, the median share of their requests that accounts in no
    #: incident sent in that hour (24 values; empty when there are none).
    benign_hours: tuple[float, ...]
    #: Requests on each of ``days`` per model, busiest models first (the rest as
    #: "other models").
    models: tuple[tuple[str, tuple[int, ...]], ...]
    #: Members' active (template, time bin) slots per hour of the week, Monday 00 UTC
    #: first (168 values; empty without prompt text, where there are no such slots).
    week: tuple[int, ...] = ()
    #: Per hour of the week, the median share of their active slots that accounts in
    #: no incident had in that hour (168 values, from up to 20,000 of them; or empty).
    benign_week: tuple[float, ...] = ()


@dataclass(frozen=True)
class Incident:
    """A group of linked accounts that looks like one extraction campaign."""

    id: str
    rank: int
    score: float
    severity: str
    accounts: int
    exchanges: int
    output_tokens: int | None
    first_seen: datetime
    last_seen: datetime
    links: tuple[LinkEvidence, ...]
    signals: tuple[Signal, ...]
    busiest_days: tuple[DayCount, ...]
    top_accounts: tuple[AccountSummary, ...]
    sample_prompts: tuple[str, ...]
    member_accounts: tuple[str, ...]
    #: Benign explanations considered; any that fits ranked the incident down.
    benign_checks: tuple[BenignCheck, ...] = ()
    #: Against ``--baseline``: ``"known"`` (continues a baseline incident, whose id it
    #: keeps) or ``"new"`` (also every incident of a scan without a baseline).
    status: str = "new"
    #: For a known incident: what changed since the baseline.
    change: Change | None = None
    #: The ``--suppress`` entries that matched it (a suppressed incident never fires).
    suppressed: tuple[Suppression, ...] = ()
    #: Requests, first requests, signups, hours and models over time (HTML charts).
    timeline: Timeline | None = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> str:
        """What the incident rests on: ``"identifier-linked"`` (shared cards, e-mail
        patterns, network values; assembled pieces), ``"behavioural cluster"`` (accounts
        that share nothing beyond chance but were created, started and moved to the
        newest model together, with the same behaviour: a weaker class of evidence an
        investigator should corroborate), or both joined into one incident."""
        families = {link.family for link in self.links}
        behaviour = BEHAVIOUR_FAMILY in families
        identifiers = bool(families - SUPPORTING_FAMILIES - {BEHAVIOUR_FAMILY})
        if behaviour and identifiers:
            return "identifier-linked + behavioural cluster"
        return "behavioural cluster" if behaviour else "identifier-linked"

    @property
    def severity_change(self) -> str | None:
        """``"up"`` or ``"down"`` when a known incident's severity moved, else None."""
        if self.change is None or self.change.previous_severity == self.severity:
            return None
        up = severity_rank(self.severity) > severity_rank(self.change.previous_severity)
        return "up" if up else "down"

    @property
    def explained_by(self) -> tuple[str, ...]:
        """Labels of the benign explanations that fit."""
        return tuple(c.label for c in self.benign_checks if c.fits)


@dataclass(frozen=True)
class ResolvedIncident:
    """A baseline incident that no incident of this scan continues."""

    id: str
    severity: str
    accounts: int


@dataclass(frozen=True)
class BaselineSummary:
    """The ``--baseline`` report this scan was compared with."""

    file: str
    generated_at: str | None
    resolved: tuple[ResolvedIncident, ...]


@dataclass(frozen=True)
class Findings:
    """Everything a scan found, ready for any report format."""

    input: InputSummary
    incidents: tuple[Incident, ...]
    generated_at: datetime
    flag_severity: str
    accounts: pl.DataFrame = field(compare=False, repr=False)
    #: Rejected rows: file, row (1-based data row), reason and the row's values.
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame, compare=False, repr=False)
    #: Pair evidence: a, b, family, weight, shared_values, example, total, linked.
    pairs: pl.DataFrame = field(default_factory=pl.DataFrame, compare=False, repr=False)
    #: The baseline compared with (``--baseline``), or None.
    baseline: BaselineSummary | None = None
    #: ``--suppress`` entries that have expired: (kind, value, expires) (warned about).
    expired_suppressions: tuple[Suppression, ...] = ()
    #: The incident score each severity starts at (the config's ``[severity]``),
    #: highest first; reports say what a score means with them.
    severity_floors: tuple[tuple[str, float], ...] = (
        ("critical", 0.80),
        ("high", 0.60),
        ("medium", 0.40),
    )

    def shown(
        self, top: int | None, min_severity: str | None
    ) -> tuple[str, tuple[Incident, ...], tuple[Incident, ...], tuple[Incident, ...]]:
        """What a report shows in full: ``(floor, main, shown, lesser)`` — the floor
        (``min_severity``, else the flag severity), the incidents at or above it, the
        first ``top`` of them (all without ``top``), and the incidents below it."""
        floor = min_severity or self.flag_severity
        main = self.at_or_above(floor)
        lesser = tuple(
            i for i in self.incidents if severity_rank(i.severity) < severity_rank(floor)
        )
        return floor, main, main[:top] if top else main, lesser

    def at_or_above(self, level: str) -> tuple[Incident, ...]:
        """Incidents whose severity is ``level`` or higher."""
        floor = severity_rank(level)
        return tuple(i for i in self.incidents if severity_rank(i.severity) >= floor)

    def firing(self, level: str) -> tuple[Incident, ...]:
        """The incidents that make ``--fail-on level`` fire: at or above ``level``, not
        suppressed, and new, or known but below ``level`` in the baseline (it rose)."""
        floor = severity_rank(level)
        return tuple(
            i
            for i in self.at_or_above(level)
            if not i.suppressed
            and (i.change is None or severity_rank(i.change.previous_severity) < floor)
        )
