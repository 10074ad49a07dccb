"""``scan`` options beyond reading the input: the row filter, the report format taken
from ``-o``, and the one-line reason ``--fail-on`` gives when it fires.

Kept out of ``cli/main.py`` (which stays a list of commands); the options are shared
decorators and their values reach the ``scan`` command as keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from extractscan.config import Config
    from extractscan.model.findings import Findings, Incident

F = TypeVar("F", bound=Callable[..., Any])

#: ``-o`` extension -> report format, when ``--format`` is not given.
FORMAT_OF_SUFFIX = {
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}


def filter_options(f: F) -> F:
    """--since, --until, --org and --account: which rows are analysed."""
    for option in reversed(
        (
            click.option(
                "--since",
                metavar="WHEN",
                help="Analyse rows at or after this ISO date or time (UTC unless it says "
                "otherwise), e.g. 2026-04-22 or 2026-04-22T08:00:00Z.",
            ),
            click.option(
                "--until",
                metavar="WHEN",
                help="Analyse rows before this ISO time; a date includes that whole day.",
            ),
            click.option(
                "--org",
                "orgs",
                multiple=True,
                metavar="ORG",
                help="Analyse rows of this org only (the log's org column, or the "
                "account's org in --accounts; repeatable).",
            ),
            click.option(
                "--account",
                "only_accounts",
                multiple=True,
                metavar="ACCOUNT",
                help="Analyse rows of this account only (repeatable). Rows outside "
                "--since/--until/--org/--account are counted as filtered.",
            ),
        )
    ):
        f = option(f)
    return f


def report_options(f: F) -> F:
    """--min-severity and --width: what the human-readable report shows, and how wide."""
    from extractscan.model.severity import SEVERITIES

    f = click.option(
        "--width",
        type=click.IntRange(min=40, max=1000),
        metavar="N",
        help="Terminal report width in columns (default: the terminal's, else 120).",
    )(f)
    return click.option(
        "--min-severity",
        type=click.Choice(SEVERITIES),
        help="Incidents below this are summarised in one line each in the terminal, "
        "Markdown and HTML reports (default: the flag severity, medium; JSON has all).",
    )(f)


def filter_args(extra: dict[str, Any]) -> dict[str, Any]:
    """The filter options as :func:`extractscan.scan` keyword arguments."""
    return {k: extra[k] for k in ("since", "until", "orgs", "only_accounts")}


def schedule_options(f: F) -> F:
    """--graph-out and --stix-out (case work); --baseline and --suppress: what a
    scheduled scan already knows. With --baseline, --fail-on fires only for new
    incidents and known ones that rose to it."""
    for option in reversed(
        (
            click.option(
                "--graph-out",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help="Write the incidents' accounts and shared values as a graph "
                "(.graphml or .gexf, for Gephi, Neo4j or networkx).",
            ),
            click.option(
                "--stix-out",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help="Write a STIX 2.1 bundle: a campaign per incident at high or above, "
                "indicators for its exit IPs and e-mail patterns, marked with [share] tlp "
                "(default amber).",
            ),
            click.option(
                "--suppress",
                type=click.Path(dir_okay=False),
                metavar="FILE",
                help="TOML file of [[suppress]] entries (incident, account or value; with "
                "reason, owner, expires): what they name is shown as suppressed and never "
                "fires --fail-on; an expired entry is warned about and no longer applies.",
            ),
            click.option(
                "--state",
                type=click.Path(file_okay=False),
                metavar="DIR",
                help="Keep the projection of every file read in DIR: the next scan reads "
                "only files it has not seen (or that changed) and analyses the whole window "
                "with the same result as a full rescan; files no longer given are dropped.",
            ),
            click.option(
                "--baseline",
                type=click.Path(dir_okay=False),
                metavar="PREVIOUS.json",
                help="An earlier --format json report: incidents continuing one of its "
                "incidents keep that id and are 'known', the others 'new'; its incidents "
                "not seen again are listed as resolved.",
            ),
        )
    ):
        f = option(f)
    return f


def export_outputs(extra: dict[str, Any]) -> dict[str, str | None]:
    """The export options as outputs (checked like ``-o``: never onto an input)."""
    return {"--graph-out": extra.get("graph_out"), "--stix-out": extra.get("stix_out")}


def write_exports(findings: Findings, cfg: Config, extra: dict[str, Any], staged: Any) -> None:
    """Write ``--graph-out`` and ``--stix-out`` to their staged files."""
    if extra.get("graph_out"):
        from extractscan.report.graph import write_graph

        write_graph(findings, staged.path(extra["graph_out"]), like=extra["graph_out"])
    if extra.get("stix_out"):
        from extractscan.report.stix import write_bundle

        write_bundle(findings, cfg, staged.path(extra["stix_out"]))


def prepare(extra: dict[str, Any], redact: bool = False) -> dict[str, Any]:
    """The options with ``--baseline`` and ``--suppress`` read (an unreadable file is
    said before the scan; expired suppressions are warned about on stderr).

    Raises:
        UsageError: the baseline is not an extractscan JSON report, or the suppression
            file is not valid.
    """
    from extractscan.model.errors import UsageError
    from extractscan.report.escape import clean

    out = dict(extra)
    for opt, value in export_outputs(extra).items():
        if value and not Path(value).parent.is_dir():
            raise UsageError(f"{opt} {value}: folder {Path(value).parent} does not exist")
    if out.get("graph_out"):
        from extractscan.report.graph import check_path

        check_path(out["graph_out"])
    if out.get("stix_out"):
        from extractscan.report.stix import check_path as check_stix

        check_stix(out["stix_out"], redact)
    if out.get("baseline"):
        from extractscan.run.baseline import read_baseline

        out["baseline"] = read_baseline(out["baseline"])
    if out.get("suppress"):
        from extractscan.run.suppress import expired_warning, read_suppressions

        out["suppress"] = read_suppressions(out["suppress"])
        for line in expired_warning(out["suppress"]):
            click.echo(clean(line), err=True)
    return out


def compare(findings: Findings, extra: dict[str, Any]) -> Findings:
    """Apply ``--baseline`` to the findings of a scan."""
    if extra.get("baseline"):
        from extractscan.run.baseline import apply_baseline

        findings = apply_baseline(findings, extra["baseline"])
    if extra.get("suppress"):
        from extractscan.run.suppress import apply_suppressions

        findings = apply_suppressions(findings, extra["suppress"])
    return findings


def pick_format(fmt: str | None, output: str | None) -> str:
    """``--format`` if given, else the format ``-o``'s extension names, else terminal
    (with a note on stderr when ``-o`` has an extension no format owns)."""
    if fmt is not None:
        return fmt
    if output is None:
        return "terminal"
    suffix = Path(output).suffix.lower()
    if suffix in FORMAT_OF_SUFFIX:
        return FORMAT_OF_SUFFIX[suffix]
    from extractscan.report.escape import clean

    known = ", ".join(sorted(FORMAT_OF_SUFFIX))
    click.echo(
        f"note: -o {clean(output)}: no format for the extension {clean(suffix) or '(none)'} "
        f"({known} are known); writing the terminal report (choose with --format)",
        err=True,
    )
    return "terminal"


def fail_reason(fail_on: str, fired: tuple[Incident, ...], baseline: bool = False) -> str:
    """The one line on stderr that says which incidents made ``--fail-on`` fire (with
    a ``baseline``: new ones, and known ones that rose to the level)."""
    from extractscan.report.escape import clean

    def why(i: Incident) -> str:
        if i.change is not None:
            return f"known, rose from {i.change.previous_severity} to {i.severity}"
        return f"{'new, ' if baseline else ''}{i.severity}, {i.accounts:,} accounts"

    shown = ", ".join(f"{clean(i.id)} ({why(i)})" for i in fired[:10])
    more = f" and {len(fired) - 10:,} more" if len(fired) > 10 else ""
    n = len(fired)
    what = "new or risen incident" if baseline else "incident"
    return (
        f"extractscan: --fail-on {fail_on}: {n} {what}{'s' if n != 1 else ''} "
        f"at or above {fail_on}: {shown}{more}"
    )
