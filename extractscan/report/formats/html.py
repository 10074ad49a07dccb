"""HTML report: one self-contained file for a briefing, with charts.

Nothing is fetched when it is opened (the charts are inline SVG, the style is in the
page, there is no script), so it can be mailed and read offline. A Content Security
Policy forbids scripts, connections, frames and images from anywhere but the page: were
escaping ever to fail, an injected ``<script>`` or ``onerror`` would still not run.
Every text from the logs goes through :func:`extractscan.report.escape.for_html`.
Per incident at or above ``min_severity``: a one-line summary, five charts (requests
per day, account creation and first-seen waves, activity by hour of the week against
the benign median (hour of day when the log has no prompts), model share per day, the
linked accounts), the evidence, the signals, the innocent explanations tested, sample
prompts and every member account.
"""

from __future__ import annotations

from typing import TextIO

import polars as pl

from extractscan.model.families import FAMILIES
from extractscan.model.findings import Findings, Incident
from extractscan.report import charts, wording
from extractscan.report.escape import for_html as h
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

#: Accounts drawn in an incident's link graph at most (the busiest; the caption says).
GRAPH_ACCOUNTS = 300
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; base-uri 'none'"
)
STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}
td.n,th.n{text-align:right}th{background:#f4f4f4}
.sev{font-weight:bold;text-transform:uppercase;white-space:nowrap}a{white-space:nowrap}.critical{color:#b00}.high{color:#d33}
.medium{color:#b80}.low{color:#777}.note{color:#555;font-size:13px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:1em}
figure{margin:0}figure svg{width:100%;height:auto}figcaption{color:#555;font-size:12px}
blockquote{border-left:3px solid #ccc;margin:.5em 0;padding:.2em .8em;color:#333;
white-space:pre-wrap;overflow-wrap:anywhere}
td{overflow-wrap:anywhere}details{margin:.6em 0}
"""


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:  # type: ignore[assignment]
    """A table from already escaped cells (``numeric``: right-aligned columns)."""
    th = "".join(f"<th{' class=n' if k in numeric else ''}>{c}</th>" for k, c in enumerate(head))
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=n' if k in numeric else ''}>{c}</td>" for k, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _scanned(f: Findings) -> str:
    s = f.input
    files = ", ".join(x.path for x in s.files[:20])
    more = f" … and {len(s.files) - 20:,} more" if len(s.files) > 20 else ""
    rows = [
        ("Files", f"{len(s.files):,}: {files}{more}"),
        (
            "Rows",
            f"{s.rows_read:,} read, {s.rows_analysed:,} analysed, {rejected_text(f)} rejected"
            + (f", {filtered_text(s)}" if s.filters else ""),
        ),
        *(("Skipped file", f"{p}: {w}") for p, w in s.files_skipped),
        ("Rows with invalid UTF-8 replaced", f"{s.rows_with_replaced_bytes:,}"),
        ("Time range", f"{when(s.first_seen)} to {when(s.last_seen)}"),
        (
            "Accounts",
            f"{s.accounts_seen:,} seen, {s.accounts_flagged:,} flagged (in incidents "
            f"at {f.flag_severity} or above)",
        ),
        *(
            (("Accounts table", s.accounts_file + accounts_table_text(s)),)
            if s.accounts_file
            else ()
        ),
        ("Config", config_text(s, lambda t, n: t)),
        ("Columns", ", ".join(f"{c} ← {src}" if c != src else c for c, src in s.column_mapping)),
        ("Signals off", "; ".join(f"{k} ({v})" for k, v in s.signals_off) or "none"),
        ("Signals sampled", "; ".join(f"{k} ({v})" for k, v in s.signals_sampled) or "none"),
        ("Passes over the input", str(s.passes)),
        ("Incidents", severity_counts(f) if f.incidents else "No incidents found"),
        *((("Baseline", baseline_text(f)),) if f.baseline else ()),
    ]
    return _table(["", ""], [[h(k), h(v, 4000)] for k, v in rows])


def _summary(f: Findings, floor: str, shown: tuple[Incident, ...]) -> str:
    s = f.input
    out = [
        "<section id=summary><h2>Summary</h2>",
        f"<p><strong>{h(wording.headline(f, floor))}</strong></p>",
        f"<p>Scanned {s.rows_analysed:,} requests of {s.accounts_seen:,} accounts, "
        f"{h(when(s.first_seen))} to {h(when(s.last_seen))}.</p>",
    ]
    if shown:
        rows = [
            [
                str(i.rank),
                f'<span class="sev {i.severity}">{i.severity}</span>',
                f'<a href="#incident-{i.rank}">{h(i.id)}</a>',
                h(wording.incident_sentence(i)),
                h(wording.how_sure(i), 400),
                h(wording.next_step(i)),
            ]
            for i in shown
        ]
        out.append(_table(["#", "Severity", "Incident", "Who", "How sure", "Next step"], rows, {0}))
    out.append(f"<p class=note>{h(wording.how_to_read(f, shown), 4000)}</p></section>")
    return "\n".join(out)


def _graph(f: Findings, inc: Incident, pairs: pl.DataFrame) -> tuple[str, str]:
    """The link graph's SVG and caption: the busiest members, linked pairs among them."""
    acc = f.accounts
    members = pl.DataFrame({"account": list(inc.member_accounts)}, schema={"account": pl.String})
    if "exchanges" in acc.columns:
        members = members.join(acc.select("account", "exchanges"), on="account", how="left")
    else:
        members = members.with_columns(pl.lit(0).alias("exchanges"))
    members = members.with_columns(pl.col("exchanges").fill_null(0).cast(pl.Int64))
    top = members.sort(["exchanges", "account"], descending=[True, False]).head(GRAPH_ACCOUNTS)
    nodes = [(a, int(n)) for a, n in top.iter_rows()]
    keep = set(top["account"].to_list())
    edges = [(a, b, fam) for a, b, fam in pairs.iter_rows() if a in keep and b in keep]
    labels = {k: v.label for k, v in FAMILIES.items()}
    cut = (
        f"the {len(nodes):,} busiest of {inc.accounts:,} accounts"
        if inc.accounts > len(nodes)
        else f"all {inc.accounts:,} accounts"
    )
    caption = f"{cut}; {len(edges):,} linked pairs, coloured by their strongest evidence"
    return charts.link_graph(nodes, edges, labels), caption


def _linked_pairs(f: Findings) -> dict[str, pl.DataFrame]:
    """Per incident id: its linked pairs (a, b, strongest family), from the pair evidence."""
    p = f.pairs
    if p.is_empty() or not {"a", "b", "family", "weight", "linked"} <= set(p.columns):
        return {}
    member = pl.DataFrame(
        {
            "a": [a for i in f.incidents for a in i.member_accounts],
            "inc": [i.id for i in f.incidents for _ in i.member_accounts],
        },
        schema={"a": pl.String, "inc": pl.String},
    )
    linked = (
        p.filter(pl.col("linked"))
        .join(member, on="a")
        .join(member.rename({"a": "b", "inc": "inc_b"}), on="b")
        .filter(pl.col("inc") == pl.col("inc_b"))
        .sort(["weight", "family"], descending=[True, False])
        .group_by("inc", "a", "b", maintain_order=True)
        .agg(pl.col("family").first())
        .sort("inc", "a", "b")
    )
    return {str(k[0]): g.select("a", "b", "family") for k, g in linked.group_by("inc")}


_WEEK = (
    "active slots: distinct (prompt template, co-activity time bin) pairs of an account; "
    "the benign median is over up to 20,000 accounts in no incident"
)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{h(caption, 400)}</figcaption></figure>"


def _scope(figs: list[str], rank: int) -> list[str]:
    """The figures with their SVG ids unique in the page (``i<rank>c<k>-...``)."""
    return [charts.scoped(x, f"i{rank}c{k}") for k, x in enumerate(figs)]


def _incident(f: Findings, inc: Incident, pairs: pl.DataFrame) -> str:
    tokens = f"; {inc.output_tokens:,} output tokens" if inc.output_tokens is not None else ""
    out = [
        f'<section class=incident id="incident-{inc.rank}">',
        f'<h2>#{inc.rank} <span class="sev {inc.severity}">{inc.severity}</span> '
        f"incident {h(inc.id)}</h2>",
        f"<p><strong>{h(wording.incident_sentence(inc))}; {h(wording.how_sure(inc), 400)}."
        f"</strong> Next step: {h(wording.next_step(inc))}.</p>",
        f"<p>Status: {h(status_text(inc), 400)}. Score {inc.score:.2f}; {inc.accounts:,} "
        f"accounts; {inc.exchanges:,} exchanges{tokens}; {h(when(inc.first_seen))} to "
        f"{h(when(inc.last_seen))}.</p>",
    ]
    if inc.explained_by:
        out.append(f"<p><strong>Ranked down:</strong> {h('; '.join(inc.explained_by))} fits.</p>")
    figs = []
    t = inc.timeline
    if t is not None:
        figs += [
            _figure(charts.requests_per_day(t), "requests of the member accounts per UTC day"),
            _figure(
                charts.creation_waves(t),
                "signup day from the accounts table"
                + ("" if t.signups else " (none given)")
                + "; first request from the logs",
            ),
            _figure(charts.week_profile(t), _WEEK)
            if t.week
            else _figure(charts.hour_profile(t), "hour of day (no prompt text: no active slots)"),
            _figure(
                charts.model_share(t), "a pivot to a new model shows as one colour taking over"
            ),
        ]
    svg, caption = _graph(f, inc, pairs)
    figs.append(_figure(svg, caption))
    out.append(f"<div class=charts>{''.join(_scope(figs, inc.rank))}</div>")
    out.append("<h3>Linking evidence</h3>")
    rows = [
        [
            h(ln.label),
            f"{ln.accounts:,}",
            f"{ln.pairs:,}",
            f"{ln.weight:.1f}",
            h(
                "; ".join(f"{short_value(ln.family, v, 80)} ({n:,})" for v, n in ln.values[:10]),
                2000,
            ),
        ]
        for ln in inc.links
    ]
    out.append(
        _table(
            ["Evidence", "Accounts", "Pairs", "Weight", "Values (accounts sharing)"],
            rows,
            {1, 2, 3},
        )
    )
    out.append("<h3>Signals (incident median against the median of accounts in no incident)</h3>")
    rows = [
        [
            h(s.label, 400),
            signal_value(s, s.value),
            signal_value(s, s.baseline),
            "yes" if s.fired else "no",
        ]
        for s in inc.signals
    ]
    out.append(_table(["Signal", "Value", "Benign median", "Fired"], rows, {1, 2}))
    if inc.benign_checks:
        out.append("<h3>Innocent explanations tested</h3>")
        rows = [
            [h(c.label), "<strong>fits</strong>" if c.fits else "does not fit", h(c.reason, 400)]
            for c in inc.benign_checks
        ]
        out.append(_table(["Explanation", "Verdict", "Why"], rows))
    if inc.sample_prompts:
        out.append("<h3>Sample prompts</h3>")
        out += [f"<blockquote>{h(p, 1000)}</blockquote>" for p in inc.sample_prompts]
    out.append(f"<h3>Member accounts ({inc.accounts:,})</h3>")
    out.append(_members(f, inc))
    out.append("</section>")
    return "\n".join(out)


def _members(f: Findings, inc: Incident) -> str:
    acc = f.accounts
    cols = [
        c
        for c in ("exchanges", "score", "first_seen", "last_seen", "signup_at")
        if c in acc.columns
    ]
    rows_of: dict[str, tuple[object, ...]] = {}
    if "account" in acc.columns and cols:
        part = acc.filter(pl.col("account").is_in(list(inc.member_accounts)))
        rows_of = {r[0]: r[1:] for r in part.select("account", *cols).iter_rows()}
    rows = []
    for a in inc.member_accounts:
        vals = rows_of.get(a, (None,) * len(cols))
        rows.append([h(a, 200), *(_cell(v) for v in vals)])
    head = ["Account", *(c.replace("_", " ").capitalize() for c in cols)]
    numeric = {k + 1 for k, c in enumerate(cols) if c in ("exchanges", "score")}
    return _table(head, rows, numeric)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    if hasattr(value, "strftime"):
        return h(when(value))  # type: ignore[arg-type]
    return h(value, 200)


class HtmlReport:
    """One self-contained page: summary, incidents with charts, lesser incidents in
    one line each, what was scanned."""

    name = "html"

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
        """Write the HTML document."""
        f = findings
        floor, main, shown, lesser = f.shown(top, min_severity)
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
            '<meta name="referrer" content="no-referrer">',
            "<title>extractscan incident report</title>",
            f"<style>{STYLE}</style></head><body>",
            "<h1>extractscan incident report</h1>",
            f"<p class=note>Generated {h(when(f.generated_at))}</p>",
            _summary(f, floor, shown),
        ]
        if not quiet:
            pairs = _linked_pairs(f)
            empty = pl.DataFrame(schema={"a": pl.String, "b": pl.String, "family": pl.String})
            parts += [_incident(f, inc, pairs.get(inc.id, empty)) for inc in shown]
            if len(main) > len(shown):
                parts.append(
                    f"<p><em>{len(main) - len(shown):,} more incident(s) at {floor} or above "
                    "not shown (--top).</em></p>"
                )
            if lesser:
                items = "".join(f"<li>{h(wording.one_line(i), 1000)}</li>" for i in lesser)
                parts.append(
                    f"<section id=lesser><h2>Incidents below {floor}</h2><ul>{items}</ul></section>"
                )
        parts += ["<section id=scanned><h2>What was scanned</h2>", _scanned(f), "</section>"]
        parts.append("</body></html>")
        stream.write("\n".join(parts) + "\n")
