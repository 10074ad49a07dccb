"""Terminal report (rich): headline, then incidents by rank with their evidence.

Every cell holding log text goes through :func:`extractscan.report.escape.for_terminal`, once
for the whole cell (pieces joined after escaping could form a tag between them).
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from extractscan.model.findings import Findings, Incident
from extractscan.report import wording
from extractscan.report.escape import clean, for_terminal
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


def raise_broken_pipe() -> None:
    """For ``Console.on_broken_pipe``: rich's own exits 1 (the ``--fail-on`` code) when
    the reader stops early; the CLI handles the error and keeps the real exit code."""
    raise BrokenPipeError


STYLE = {"critical": "bold bright_red", "high": "red", "medium": "yellow", "low": "dim"}


def _headline(f: Findings) -> Panel:
    s = f.input
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    # A cell made of several pieces of log text is escaped once, as a whole: escaped one
    # by one, an unclosed "[" in one piece and a "]" in the next would make a tag.
    names = ", ".join(clean(x.path, 80) for x in s.files[:5])
    more = f" … and {len(s.files) - 5} more" if len(s.files) > 5 else ""
    t.add_row("files", for_terminal(f"{len(s.files)}: {names}{more}"))
    t.add_row(
        "rows",
        f"{s.rows_read:,} read · {s.rows_analysed:,} analysed · "
        f"{for_terminal(rejected_text(f))} rejected"
        + (f" · {for_terminal(filtered_text(s))}" if s.filters else ""),
    )
    if s.rows_with_replaced_bytes:
        t.add_row(
            "invalid UTF-8", f"{s.rows_with_replaced_bytes:,} rows kept with bytes replaced by �"
        )
    for path, why in s.files_skipped:
        t.add_row("[bold red]skipped[/]", for_terminal(f"{path}: {why}", 200))
    t.add_row("time range", f"{when(s.first_seen)} → {when(s.last_seen)}")
    t.add_row(
        "accounts",
        f"{s.accounts_seen:,} seen · {s.accounts_flagged:,} flagged "
        f"(in incidents at {f.flag_severity} or above)",
    )
    mapping = ", ".join(f"{c} ← {clean(src, 40)}" if c != src else c for c, src in s.column_mapping)
    t.add_row("columns", for_terminal(mapping))
    if s.accounts_file:
        t.add_row("accounts table", for_terminal(s.accounts_file, 100) + accounts_table_text(s))
    cfg_style = "[bold yellow]config[/]" if s.config_implicit else "config"
    t.add_row(cfg_style, config_text(s, for_terminal))
    off = "; ".join(f"{sig} ({why})" for sig, why in s.signals_off) or "none"
    t.add_row("signals off", for_terminal(off))
    if s.signals_sampled:
        sampled = "; ".join(f"{sig} ({how})" for sig, how in s.signals_sampled)
        t.add_row("signals sampled", for_terminal(sampled))
    if s.passes > 1:
        t.add_row("passes", f"{s.passes} over account slices (memory limit)")
    if s.state is not None:
        st = s.state
        note = f" · {st.note}" if st.note else ""
        t.add_row(
            "state",
            for_terminal(
                f"{st.directory}: {st.files_from_state:,} file(s) from the state, "
                f"{st.files_read:,} read{note}",
                400,
            ),
        )
    t.add_row("incidents", severity_counts(f) if f.incidents else "No incidents found")
    if f.baseline is not None:
        t.add_row("baseline", for_terminal(baseline_text(f), 2000))
    return Panel(t, title="extractscan", title_align="left", box=box.ROUNDED)


def _incident(inc: Incident) -> Panel:
    style = STYLE[inc.severity]
    head = Text.assemble(
        (f"#{inc.rank} ", "bold"),
        (inc.severity.upper(), style),
        f"  score {inc.score:.2f}  ·  {inc.accounts:,} accounts  ·  {inc.exchanges:,} exchanges",
        f"  ·  {inc.output_tokens:,} output tokens" if inc.output_tokens is not None else "",
        "  ·  ",
        (clean(status_text(inc), 400), "bold" if inc.status == "new" else ""),
        f"\n{when(inc.first_seen)} → {when(inc.last_seen)}",
        ("\nranked down: " + "; ".join(inc.explained_by) + " fits") if inc.explained_by else "",
    )
    links = Table(
        title="Linking evidence",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        expand=False,
        caption=wording.evidence_caption(inc),
        caption_justify="left",
    )
    for col, just in (
        ("evidence", "left"),
        ("accounts", "right"),
        ("pairs", "right"),
        ("weight", "right"),
        ("sample values (accounts sharing)", "left"),
    ):
        links.add_column(col, justify=just, overflow="fold")  # type: ignore[arg-type]
    for ln in inc.links:
        # one value a line; a Text is never read as markup, so the lines need no escaping
        # as a whole (a "[" on one line and a "]" on the next make no tag)
        values = Text(
            "\n".join(f"{short_value(ln.family, v, 60)} ({n:,})" for v, n in ln.values[:3])
        )
        links.add_row(
            for_terminal(ln.label),
            f"{ln.accounts:,}",
            f"{ln.pairs:,}",
            f"{ln.weight:.1f}",
            values,
        )
    sig = Table(
        title="Signals (incident median vs benign median)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for col in ("signal", "value", "benign", "fired"):
        sig.add_column(col, justify="left" if col == "signal" else "right")
    for s in inc.signals:
        sig.add_row(
            for_terminal(s.label),  # may name a logged value (the newest model)
            signal_value(s, s.value),
            signal_value(s, s.baseline),
            "[bold]✓[/]" if s.fired else "–",
        )
    benign = Table(
        title="Benign explanations considered", title_justify="left", box=box.SIMPLE_HEAD
    )
    for col in ("explanation", "fits", "why"):
        benign.add_column(col)
    for c in inc.benign_checks:
        benign.add_row(
            for_terminal(c.label), "[bold]yes[/]" if c.fits else "no", for_terminal(c.reason, 160)
        )
    tail = Table.grid(padding=(0, 2))
    tail.add_column(style="bold")
    tail.add_column()
    tail.add_row("busiest days", ", ".join(f"{d.day} ({d.exchanges:,})" for d in inc.busiest_days))
    tail.add_row(
        "top accounts",
        for_terminal(
            ", ".join(
                f"{clean(a.account, 40)} ({a.exchanges:,}, score {a.score:.2f})"
                for a in inc.top_accounts
            )
        ),
    )
    for i, p in enumerate(inc.sample_prompts, start=1):
        tail.add_row(f"sample prompt {i}", f"“{for_terminal(p, 160)}”")
    parts: list[RenderableType] = [head, links, sig]
    parts += [benign, tail] if inc.benign_checks else [tail]
    return Panel(
        Group(*parts),
        title=f"incident {clean(inc.id)}",
        title_align="left",
        border_style=style,
    )


class TerminalReport:
    """The investigator's view; colour by severity; ``quiet`` = headline only; incidents
    below ``min_severity`` in one line each; boxes fit ``width`` (long cells wrap)."""

    name = "terminal"

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
        """Print the report to ``stream``."""
        console = make_console(stream, color, width)
        f = findings
        console.print(_headline(f))
        console.print(Text(wording.score_line(f), style="dim"))
        if quiet:
            return
        floor, main, shown, lesser = f.shown(top, min_severity)
        for inc in shown:
            console.print(_incident(inc))
        hidden = len(main) - len(shown)
        if hidden > 0:
            console.print(f"{hidden:,} more incident(s) at {floor} or above not shown (use --top)")
        if lesser:
            lines = Text("\n".join(clean(wording.one_line(i), 1000) for i in lesser))
            console.print(
                Panel(
                    lines,
                    title=f"below {floor}: one line each",
                    title_align="left",
                    box=box.ROUNDED,
                )
            )


def make_console(stream: TextIO, color: bool, width: int | None) -> Console:
    """A console for a report: ``width`` columns (120 when not given), colour only when
    asked, no highlighting or emoji codes (log text must look as logged)."""
    console = Console(
        file=stream,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        width=width or 120,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
    console.on_broken_pipe = raise_broken_pipe  # type: ignore[method-assign]
    return console
