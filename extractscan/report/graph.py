"""Graph export (``--graph-out``): the rings as a graph for Gephi, Neo4j or networkx.

Nodes are the member accounts of every incident and the identifier values they share
(an exit IP, a card, an e-mail pattern, a prompt template); edges say what links them:

- account -- value: the account uses the value; ``family`` and ``weight`` (the
  rarity weight the value carried in the pairs it linked);
- account -- account: the pair's decision, ``linked``, total ``weight`` and the
  ``families`` that agree (comma-separated).

Account nodes carry ``incident_id``, ``severity``, ``status`` (new/known), ``score``
and ``exchanges``; value nodes ``family`` and ``value``. Values are the pair evidence's
example values (``findings.pairs``), so under ``--redact`` they are the report's
tokens. Written by networkx's GraphML or GEXF writer, chosen by the file's extension.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import polars as pl

from extractscan.model.errors import UsageError
from extractscan.model.findings import Findings
from extractscan.report.escape import clean

#: File extension -> networkx writer.
WRITERS = {".graphml": nx.write_graphml, ".gexf": nx.write_gexf}


def check_path(path: str | Path) -> None:
    """Refuse an extension no writer owns (said before the scan).

    Raises:
        UsageError: not .graphml or .gexf.
    """
    if Path(path).suffix.lower() not in WRITERS:
        raise UsageError(f"--graph-out {path}: must end in .graphml or .gexf")


def _account(a: str) -> str:
    return "account:" + clean(a)


def build_graph(findings: Findings) -> nx.Graph:
    """The incidents' accounts, their shared values and the evidence between them.

    Node and edge order follow the incidents' rank and sorted evidence, so the same
    findings give the same file.
    """
    g = nx.Graph(name="extractscan incidents")
    member_of: dict[str, tuple[str, str, str]] = {}
    for inc in findings.incidents:
        for a in inc.member_accounts:
            member_of[a] = (inc.id, inc.severity, inc.status)
    acc = findings.accounts
    facts: dict[str, tuple[float, int]] = {}
    if acc.height and {"account", "score", "exchanges"} <= set(acc.columns):
        listed = pl.Series(sorted(member_of), dtype=pl.String).implode()
        for a, score, n in (
            acc.filter(pl.col("account").is_in(listed))
            .select("account", "score", "exchanges")
            .iter_rows()
        ):
            facts[a] = (float(score or 0.0), int(n or 0))
    for a, (ident, severity, status) in member_of.items():
        score, n = facts.get(a, (0.0, 0))
        g.add_node(
            _account(a),
            kind="account",
            label=clean(a),
            incident_id=ident,
            severity=severity,
            status=status,
            score=round(score, 4),
            exchanges=n,
        )
    pairs = findings.pairs
    if not pairs.height or not member_of:
        return g
    members = pl.Series(sorted(member_of), dtype=pl.String).implode()
    ev = pairs.filter(pl.col("a").is_in(members) & pl.col("b").is_in(members)).sort(
        "a", "b", "family", "example", nulls_last=True
    )
    for a, b, family, example, weight in ev.select(
        "a", "b", "family", "example", "weight"
    ).iter_rows():
        if example is None:
            continue
        value = f"{family}:{clean(example, 200)}"
        if value not in g:
            g.add_node(value, kind="value", label=clean(example, 200), family=family)
        for side in (a, b):
            key = (_account(side), value)
            w = round(float(weight), 4)
            if g.has_edge(*key):
                g.edges[key]["weight"] = max(g.edges[key]["weight"], w)
            else:
                g.add_edge(*key, kind="uses", family=family, weight=w)
    decided = (
        ev.group_by("a", "b", maintain_order=True)
        .agg(
            pl.col("total").first(),
            pl.col("linked").first(),
            pl.col("family").sort().str.join(","),
        )
        .sort("a", "b")
    )
    for a, b, total, linked, families in decided.iter_rows():
        g.add_edge(
            _account(a),
            _account(b),
            kind="pair",
            family=families,
            families=families,
            weight=round(float(total), 4),
            linked=bool(linked),
        )
    return g


def write_graph(findings: Findings, path: str | Path, like: str | Path | None = None) -> None:
    """Write :func:`build_graph` as GraphML or GEXF, by the extension of ``like``
    (default ``path``; a staged temporary file is named like its final one).

    Raises:
        UsageError: an extension no writer owns.
    """
    name = like if like is not None else path
    check_path(name)
    WRITERS[Path(name).suffix.lower()](build_graph(findings), str(path))
