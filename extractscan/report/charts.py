"""Charts of an incident as inline SVG (matplotlib, Agg backend), for the HTML report.

Deterministic: the same data gives the same bytes (a fixed ``svg.hashsalt`` for the
element ids, no date or creator in the metadata, a seeded graph layout). Text stays
text (``svg.fonttype = none``: small files, searchable). Log text (model names) is
cleaned and its ``$`` escaped (matplotlib reads ``$...$`` as mathematics); the SVG
writer escapes ``<`` and ``&`` in text itself.

Reference: matplotlib, "Customizing Matplotlib with style sheets and rcParams"
(``svg.hashsalt``, ``svg.fonttype``) and ``Figure.savefig`` (``metadata``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from extractscan.report.escape import clean

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from extractscan.model.findings import Timeline

#: Colours (matplotlib's tab10, colour-blind tolerable) by role.
INCIDENT, BENIGN, SECOND = "#d62728", "#7f7f7f", "#1f77b4"
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_PROLOG = re.compile(r"\A.*?(?=<svg)", re.S)
_RC = {
    "svg.hashsalt": "extractscan",
    "svg.fonttype": "none",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 72,
}


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display, no window: a server or a CI job renders too
    from matplotlib import pyplot as plt

    return plt


def label(text: object, width: int = 40) -> str:
    """Log text as a chart label: cleaned, cut, ``$`` escaped (no mathtext), and never
    starting with ``_`` (matplotlib hides legend entries that do)."""
    s = clean(text, width).replace("\\", "\\\\").replace("$", r"\$")
    return " " + s if s.startswith("_") else s


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element (no XML prolog or DOCTYPE), closed after."""
    plt = _plt()
    buf = io.StringIO()
    with plt.rc_context(_RC):
        # no metadata at all: no date (determinism), no creator, no URL of a format
        meta = {"Date": None, "Creator": None, "Format": None, "Type": None}
        fig.savefig(buf, format="svg", metadata=meta)
    plt.close(fig)
    return _PROLOG.sub("", buf.getvalue(), count=1)


_ID = re.compile(r' id="([^"]+)"')
_REF = re.compile(r'(url\(#|xlink:href="#)([^)"]+)')


def scoped(svg: str, prefix: str) -> str:
    """``svg`` with its element ids (and the references to them) prefixed, so several
    charts in one page never share an id (matplotlib numbers ``axes_1`` in each)."""
    svg = _ID.sub(lambda m: f' id="{prefix}-{m.group(1)}"', svg)
    return _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)


def _figure(width: float = 6.4, height: float = 2.6) -> tuple[Figure, Any]:
    plt = _plt()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def _days_axis(ax: Any, days: Sequence[date]) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if days:
        ax.set_xlim(days[0], days[-1])


def requests_per_day(t: Timeline) -> str:
    """Bars: the members' requests on each day of the incident."""
    plt = _plt()
    with plt.rc_context(_RC):
        fig, ax = _figure()
        ax.bar(t.days, t.requests, width=0.8, color=INCIDENT)
        ax.set_ylabel("requests")
        ax.set_title("Requests per day (UTC)", loc="left")
        _days_axis(ax, [])
    return to_svg(fig)


def creation_waves(t: Timeline) -> str:
    """Bars: accounts created (signup, from the accounts table) and accounts first seen
    per day, on one date axis (a wave of both at once is a batch of fresh accounts)."""
    plt = _plt()
    with plt.rc_context(_RC):
        fig, ax = _figure()
        if t.signups:
            ax.bar(
                [d for d, _ in t.signups],
                [n for _, n in t.signups],
                width=0.4,
                align="edge",
                color=SECOND,
                label="created (signup)",
            )
        ax.bar(
            t.days, t.first_seen, width=-0.4, align="edge", color=INCIDENT, label="first request"
        )
        ax.set_ylabel("accounts")
        ax.set_title("Accounts created and first seen, per day", loc="left")
        ax.legend(loc="upper left", frameon=False)
        _days_axis(ax, [])
    return to_svg(fig)


def hour_profile(t: Timeline) -> str:
    """Bars: the share of the members' requests in each UTC hour; line: the median
    share of the accounts in no incident (round-the-clock against a working day)."""
    plt = _plt()
    total = sum(t.hours) or 1
    with plt.rc_context(_RC):
        fig, ax = _figure()
        hours = list(range(24))
        ax.bar(hours, [100 * n / total for n in t.hours], color=INCIDENT, label="this incident")
        if t.benign_hours:
            ax.plot(
                hours,
                [100 * v for v in t.benign_hours],
                color=BENIGN,
                marker="o",
                markersize=3,
                label="accounts in no incident (median)",
            )
        ax.set_xticks(range(0, 24, 3))
        ax.set_xlabel("hour of day (UTC)")
        ax.set_ylabel("% of requests")
        ax.set_title("Activity by hour of day against the benign median", loc="left")
        ax.legend(loc="upper left", frameon=False)
    return to_svg(fig)


def week_profile(t: Timeline) -> str:
    """Bars: the share of the members' active slots in each hour of the week (UTC);
    line: the median share of accounts in no incident. A campaign runs round the
    clock, seven days a week; people keep office hours and weekends."""
    plt = _plt()
    total = sum(t.week) or 1
    with plt.rc_context(_RC):
        fig, ax = _figure()
        hours = list(range(168))
        ax.bar(
            hours,
            [100 * n / total for n in t.week],
            width=1.0,
            color=INCIDENT,
            label="this incident",
        )
        if t.benign_week:
            ax.plot(
                hours,
                [100 * v for v in t.benign_week],
                color=BENIGN,
                linewidth=1.2,
                label="accounts in no incident (median)",
            )
        ax.set_xticks(
            range(0, 168, 24), ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], ha="left"
        )
        ax.set_xlim(0, 168)
        ax.set_xlabel("hour of the week (UTC)")
        ax.set_ylabel("% of active slots")
        ax.set_title("Activity by hour of the week against the benign median", loc="left")
        ax.legend(loc="upper left", frameon=False)
    return to_svg(fig)


def model_share(t: Timeline) -> str:
    """Stacked areas: each model's share of the members' requests per day (a pivot to a
    new model shows as one colour taking over)."""
    plt = _plt()
    totals = [sum(v[k] for _, v in t.models) for k in range(len(t.days))]
    with plt.rc_context(_RC):
        fig, ax = _figure()
        if t.models:
            shares = [
                [100 * v[k] / totals[k] if totals[k] else 0.0 for k in range(len(t.days))]
                for _, v in t.models
            ]
            ax.stackplot(
                t.days,
                shares,
                labels=[label(m) for m, _ in t.models],
                colors=PALETTE[: len(t.models)],
            )
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
        else:
            ax.text(0.5, 0.5, "no model column", ha="center", va="center", transform=ax.transAxes)
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of requests")
        ax.set_title("Model share per day", loc="left")
        _days_axis(ax, t.days)
    return to_svg(fig)


def link_graph(
    nodes: Sequence[tuple[str, int]],
    edges: Sequence[tuple[str, str, str]],
    family_labels: dict[str, str],
) -> str:
    """The linked accounts as dots (size: requests) and what links each pair as the
    colour of its line (the pair's strongest kind of evidence). Seeded layout."""
    import networkx as nx

    plt = _plt()
    g = nx.Graph()
    g.add_nodes_from(sorted(a for a, _ in nodes))
    for a, b, fam in sorted(edges):
        g.add_edge(a, b, family=fam)
    pos = nx.spring_layout(g, seed=7, iterations=60) if len(g) else {}
    size = dict(nodes)
    biggest = max(size.values(), default=1) or 1
    families = sorted({f for _, _, f in edges})
    with plt.rc_context(_RC):
        fig, ax = _figure(6.4, 4.2)
        for k, fam in enumerate(families):
            segs = [(pos[a], pos[b]) for a, b, f in edges if f == fam]
            from matplotlib.collections import LineCollection

            ax.add_collection(
                LineCollection(
                    segs,
                    colors=PALETTE[k % len(PALETTE)],
                    linewidths=0.8,
                    alpha=0.6,
                    label=label(family_labels.get(fam, fam), 60),
                )
            )
        if pos:
            names = sorted(pos)
            ax.scatter(
                [pos[a][0] for a in names],
                [pos[a][1] for a in names],
                s=[12 + 60 * size.get(a, 0) / biggest for a in names],
                color=INCIDENT,
                zorder=3,
                linewidths=0,
            )
        ax.set_axis_off()
        ax.autoscale()
        ax.set_title("Linked accounts (dots) and what links them (lines)", loc="left")
        if families:
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.02), frameon=False, fontsize=8)
    return to_svg(fig)
