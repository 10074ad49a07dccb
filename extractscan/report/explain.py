"""Explain one account: why it scored what it scored and what ties it to its incident."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

import polars as pl
from rich import box
from rich.table import Table
from rich.text import Text

from extractscan.assess.score import ACCOUNT_COMPONENTS
from extractscan.features.behaviour import BEHAVIOUR_FEATURES
from extractscan.model.errors import UsageError
from extractscan.model.families import FAMILIES
from extractscan.model.findings import Findings
from extractscan.report.escape import clean, clean_column, for_terminal
from extractscan.report.formats.terminal import make_console

#: Partners the terminal shows at most (the rest are counted: "N more"); JSON and
#: Markdown list every one.
TERMINAL_PARTNERS = 25


@dataclass(frozen=True)
class Evidence:
    """One family of identifiers an account shares with a partner."""

    family: str
    label: str
    weight: float
    example: str


@dataclass(frozen=True)
class Partner:
    """Another account sharing identifiers with the explained one."""

    account: str
    linked: bool
    total: float
    same_org: bool
    evidence: tuple[Evidence, ...]  # strongest first


@dataclass(frozen=True)
class Explanation:
    """Everything ``extractscan explain`` shows for one account."""

    account: str
    score: float
    exchanges: int
    components: tuple[tuple[str, float, float | None], ...]  # (name, weight, value)
    features: tuple[
        tuple[str, float | None, float | None, str], ...
    ]  # (label, value, benign, unit)
    incident: str | None
    severity: str | None
    #: Every account sharing an identifier with this one: linked first, strongest first.
    partners: tuple[Partner, ...]
    #: Benign explanations that ranked the account's incident down (score halved).
    ranked_down_by: tuple[str, ...] = ()


def explain(findings: Findings, account: str) -> Explanation:
    """Build the explanation of ``account`` from a scan's findings.

    ``account`` is the id as logged, or as the reports show it (an id with a hidden
    character is shown with a marker, e.g. ``acct_1<U+200B>``).

    Raises:
        UsageError: the account has no analysed rows (or the shown form matches several).
    """
    acc = findings.accounts
    row = acc.filter(pl.col("account") == account)
    if row.is_empty():
        row = acc.filter(clean_column(pl.col("account")) == account)
        if row.height > 1:
            raise UsageError(
                f"{clean(account)!r} is how {row.height} accounts are shown; "
                "give the id exactly as logged"
            )
    if row.is_empty():
        raise UsageError(f"account {clean(account)!r} has no analysed rows in this input")
    values = row.row(0, named=True)
    account = str(values["account"])
    comps = row.select(
        *(e.fill_nan(None).alias(name) for name, (_, e) in ACCOUNT_COMPONENTS.items())
    ).row(0, named=True)
    benign = acc.filter(pl.col("incident_id").is_null())
    feats = []
    for col, (label, unit) in BEHAVIOUR_FEATURES.items():
        if col in acc.columns:
            base = benign[col].drop_nulls()
            median = float(base.median()) if len(base) else None  # type: ignore[arg-type]
            feats.append((label, values.get(col), median, unit))
    return Explanation(
        account=account,
        score=float(values["score"]),
        exchanges=int(values["exchanges"]),
        components=tuple(
            (name, weight, comps[name]) for name, (weight, _) in ACCOUNT_COMPONENTS.items()
        ),
        features=tuple(feats),
        incident=values.get("incident_id"),
        severity=values.get("incident_severity"),
        partners=_partners(findings.pairs, account),
        ranked_down_by=next(
            (i.explained_by for i in findings.incidents if i.id == values.get("incident_id")), ()
        ),
    )


def _partners(pairs: pl.DataFrame, account: str) -> tuple[Partner, ...]:
    if pairs.is_empty():
        return ()
    mine = pairs.filter((pl.col("a") == account) | (pl.col("b") == account)).with_columns(
        pl.when(pl.col("a") == account).then(pl.col("b")).otherwise(pl.col("a")).alias("other")
    )
    per = (
        mine.group_by("other")
        .agg(
            pl.col("linked").first(),
            pl.col("total").first(),
            pl.col("same_org").first(),
            pl.struct("family", "weight", "example").sort_by(
                ["weight", "family"], descending=[True, False]
            ),
        )
        .sort(["linked", "total", "other"], descending=[True, True, False])
    )
    return tuple(
        Partner(
            other,
            bool(linked),
            float(total),
            bool(same),
            tuple(
                Evidence(
                    e["family"], FAMILIES[e["family"]].label, float(e["weight"]), str(e["example"])
                )
                for e in ev
            ),
        )
        for other, linked, total, same, ev in per.iter_rows()
    )


def fmt_value(value: float | None, unit: str) -> str:
    """A behaviour value in its unit ("-" where not measured)."""
    if value is None:
        return "-"
    if unit == "%":
        return f"{value * 100:.0f}%"
    return f"{value:,.2f}{' ' + unit if unit and unit != 'x' else ('x' if unit == 'x' else '')}"


def where_text(e: Explanation) -> str:
    """E.g. ``member of incident INC-1 (high)``, with why its incident was ranked down."""
    where = (
        f"member of incident {e.incident} ({e.severity})" if e.incident else "not in any incident"
    )
    if e.ranked_down_by:
        where += (
            f"; the incident was ranked down (score halved): {'; '.join(e.ranked_down_by)} fits"
        )
    return where


def render_explanation(
    e: Explanation, stream: TextIO, *, color: bool, width: int | None = None
) -> None:
    """Print the explanation (all log text escaped); the first
    :data:`TERMINAL_PARTNERS` partners, and how many more."""
    con = make_console(stream, color, width)
    # one escaped piece: two pieces escaped one by one could make a tag between them
    con.print(
        "[bold]account[/] "
        + for_terminal(
            f"{e.account}: score {e.score:.2f}, {e.exchanges:,} exchanges, {where_text(e)}"
        )
    )
    comp = Table(
        title="Score components (weighted mean of those measured)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("component", "weight", "value"):
        comp.add_column(col)
    for name, weight, value in e.components:
        comp.add_row(name, f"{weight:.2f}", "not measured" if value is None else f"{value:.2f}")
    con.print(comp)
    feat = Table(title="Behaviour vs benign median", title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("feature", "value", "benign median"):
        feat.add_column(col)
    for label, value, base, unit in e.features:
        feat.add_row(label, fmt_value(value, unit), fmt_value(base, unit))
    con.print(feat)
    if not e.partners:
        con.print("No other account shares a usable identifier with this one.")
        return
    links = Table(
        title=f"Accounts sharing identifiers ({len(e.partners):,}; strongest first)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("account", "linked", "evidence total", "evidence (weight, example)"):
        links.add_column(col, overflow="fold")  # ids and values whole, never cut with …
    for p in e.partners[:TERMINAL_PARTNERS]:
        ev = "\n".join(f"{x.label} {x.weight:.1f} ({clean(x.example, 50)})" for x in p.evidence)
        links.add_row(Text(clean(p.account, 40)), partner_status(p), f"{p.total:.1f}", Text(ev))
    con.print(links)
    more = len(e.partners) - TERMINAL_PARTNERS
    if more > 0:
        con.print(f"{more:,} more (--format json or markdown lists every one)")


def partner_status(p: Partner) -> str:
    """``yes`` (linked), ``same org`` (not evidence) or ``no``."""
    return "yes" if p.linked else ("same org" if p.same_org else "no")
