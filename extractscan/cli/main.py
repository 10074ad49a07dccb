"""Command-line interface: parses options, calls one library function, maps errors.

Exit codes: 0 success (and nothing at or above ``--fail-on``); 1 incidents at or above
``--fail-on``; 2 usage or configuration error; 3 input error (or any rejected row with
``--strict``); 4 internal error; 5 finished, but ``--skip-errors`` passed over a file;
128 + the signal's number when stopped by Ctrl-C (130), SIGTERM (143) or SIGHUP (129).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import click

from extractscan.cli.options import load_config_options
from extractscan.model.errors import ExtractscanError, InputError, UsageError
from extractscan.model.registry import FORMAT_CLASSES, PRESET_NAMES
from extractscan.model.severity import SEVERITIES

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAIL_ON, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL, EXIT_SKIPPED = 0, 1, 2, 3, 4, 5
#: Ctrl-C (128 + SIGINT, as shells report it); SIGTERM gives 143 and SIGHUP 129 likewise.
EXIT_INTERRUPTED = 130


def pl_panic() -> type[BaseException]:
    """polars' PanicException (a BaseException: ``except Exception`` misses it)."""
    import polars as pl

    return pl.exceptions.PanicException


class _UsageFailure(click.ClickException):
    """A library usage/config error: ``Error: ...``, exit code 2."""

    exit_code = EXIT_USAGE


class _InputFailure(click.ClickException):
    """A library input error: ``Error: ...``, exit code 3."""

    exit_code = EXIT_INPUT


def _ScanError(exc: ExtractscanError) -> click.ClickException:  # noqa: N802 - reads as a class
    """The click exception for a library error, with the library's exit code."""
    from extractscan.report.escape import clean

    cls = _UsageFailure if exc.exit_code == EXIT_USAGE else _InputFailure
    return cls(clean(str(exc)))


def _input_options(f: F) -> F:
    """--accounts, --config, --column and --preset: how the input is read (shared)."""
    for option in reversed(
        (
            click.option(
                "--accounts",
                type=click.Path(dir_okay=False),
                help="Accounts table (billing export).",
            ),
            click.option(
                "--config",
                "config_path",
                type=click.Path(dir_okay=False),
                help="TOML config (default: ./extractscan.toml if present, announced on "
                "stderr; 'none': the built-in defaults). The report names the one used.",
            ),
            click.option(
                "--column",
                "columns",
                multiple=True,
                metavar="CANONICAL=SOURCE",
                help="Map a canonical column to a source column (repeatable), e.g. "
                "account=user_id.",
            ),
            click.option(
                "--preset",
                type=click.Choice(PRESET_NAMES),
                help="Input format preset (see 'extractscan presets').",
            ),
        )
    ):
        f = option(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="extractscan")
def main() -> None:
    """Find model-extraction (distillation) campaigns in LLM API request logs.

    \b
    Example:
      extractscan scan logs/ --accounts accounts.parquet --fail-on high
    """


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMAT_CLASSES)),
    default="terminal",
    show_default=True,
    help="Report format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option(
    "--accounts-out",
    type=click.Path(dir_okay=False),
    help="Write every account with score and incident (.parquet or .csv).",
)
@click.option("--top", type=click.IntRange(min=1), help="Show only the first N incidents.")
@click.option("--quiet", "-q", is_flag=True, help="Headline only.")
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 if any incident is at or above this severity.",
)
@click.option(
    "--rejects-out",
    type=click.Path(dir_okay=False),
    help="Write rejected rows with reason, file and row (.parquet or .csv).",
)
@click.option("--strict", is_flag=True, help="Any rejected row is an input error (exit 3).")
@click.option(
    "--skip-errors", is_flag=True, help="Continue past unreadable files, list them, exit 5."
)
@click.option(
    "--redact", is_flag=True, help="Mask e-mails, IPs and payment fingerprints in all outputs."
)
@click.option(
    "--memory-limit",
    metavar="SIZE",
    default="auto",
    show_default=True,
    help="Stay within this much memory (e.g. 8G, 512M): rows are aggregated in several "
    "passes over account slices when one pass would not fit. 'auto' is half of this "
    "machine's memory; 'none' always makes one pass.",
)
def scan(
    paths: tuple[str, ...],
    accounts: str | None,
    config_path: str | None,
    columns: tuple[str, ...],
    preset: str | None,
    fmt: str,
    output: str | None,
    accounts_out: str | None,
    top: int | None,
    quiet: bool,
    no_color: bool,
    fail_on: str | None,
    rejects_out: str | None,
    strict: bool,
    skip_errors: bool,
    redact: bool,
    memory_limit: str,
) -> None:
    """Scan request logs and print ranked incidents with their evidence.

    PATHS are files, folders (searched recursively) or globs of .parquet, .csv, .tsv,
    .jsonl, .ndjson or .log (JSON lines) and .json files, each optionally .gz or .zst.

    \b
    Examples:
      extractscan scan sample_logs/requests.csv.gz --accounts sample_logs/accounts.csv
      extractscan scan logs/ --column account=customer_ref --format json -o report.json
      extractscan scan 'exports/*.parquet' --fail-on high --quiet
      extractscan scan --preset bedrock bedrock-logs/
      extractscan scan logs/ --strict --rejects-out rejects.csv --redact --format markdown
      extractscan scan seed-scale/ --memory-limit 8G --format json -o report.json
    """
    from extractscan import report
    from extractscan.report.accounts_out import write_table
    from extractscan.run.outputs import StagedOutputs, check_outputs
    from extractscan.run.pipeline import scan as run_scan
    from extractscan.run.progress import StageProgress

    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    shown = _redacting(redact)
    try:
        cfg = load_config_options(config_path, columns)
        for opt, value in (("--accounts-out", accounts_out), ("--rejects-out", rejects_out)):
            if value and Path(value).suffix.lower() not in (".csv", ".parquet"):
                raise UsageError(f"{opt} must end in .csv or .parquet")
        for opt, value in (
            ("-o", output),
            ("--accounts-out", accounts_out),
            ("--rejects-out", rejects_out),
        ):
            if value and not Path(value).parent.is_dir():  # said before a long scan, not after
                raise UsageError(f"{opt} {value}: folder {Path(value).parent} does not exist")
        outputs = {"-o": output, "--accounts-out": accounts_out, "--rejects-out": rejects_out}
        check_outputs(paths, outputs, [("--accounts", accounts), ("--config", cfg.source)])
        with StageProgress(enabled=not quiet, mask=shown) as progress:
            findings = run_scan(
                list(paths),
                accounts=accounts,
                config=cfg,
                progress=progress,
                preset=preset,
                skip_errors=skip_errors,
                memory_limit=parse_memory_limit(memory_limit),
            )
        if redact:
            from extractscan.report.redact import redact as mask

            findings = mask(findings)
        try:
            # all outputs appear together, complete, or none does (see StagedOutputs)
            with StagedOutputs() as staged:
                if accounts_out:
                    write_table(findings.accounts, staged.path(accounts_out), like=accounts_out)
                if rejects_out:
                    write_table(findings.rejects, staged.path(rejects_out), like=rejects_out)
                if output:
                    with staged.path(output).open("w", encoding="utf-8", newline="\n") as fh:
                        report.render(findings, fmt, fh, top=top, quiet=quiet, color=False)
                else:
                    try:
                        report.render(findings, fmt, sys.stdout, top=top, quiet=quiet, color=color)
                    except BrokenPipeError:
                        # the reader stopped early (| head): not an error of the scan, whose
                        # exit code (--fail-on, skipped files) still follows
                        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except OSError as exc:  # a path the user gave: exit 2, not 1 (that is --fail-on)
            raise UsageError(f"cannot write output: {exc}") from exc
    except ExtractscanError as exc:  # the message may name a file, with an address in it
        raise _ScanError(type(exc)(shown(str(exc))) if shown else exc) from exc
    except OSError as exc:
        raise _ScanError(InputError(f"cannot read input: {exc}")) from exc
    if strict and findings.input.rows_rejected:
        raise _InputFailure(
            f"--strict: {findings.input.rows_rejected:,} row(s) rejected "
            "(counted by reason in the report; --rejects-out writes them)"
        )
    table = findings.input.accounts_table
    if table is not None and table.warning:  # 0 joined looked like a table in use
        from extractscan.report.escape import clean

        click.echo(f"warning: {clean(table.warning)}", err=True)
    if findings.input.files_skipped:  # said even when --fail-on decides the exit code
        n = len(findings.input.files_skipped)
        click.echo(f"warning: {n} unreadable file(s) skipped (listed in the report)", err=True)
    if fail_on and findings.at_or_above(fail_on):
        sys.exit(EXIT_FAIL_ON)
    if findings.input.files_skipped:
        sys.exit(EXIT_SKIPPED)


@main.command("explain")
@click.argument("account")
@click.argument("paths", nargs=-1, required=True)
@_input_options
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
def explain_account(
    account: str,
    paths: tuple[str, ...],
    accounts: str | None,
    config_path: str | None,
    columns: tuple[str, ...],
    preset: str | None,
    no_color: bool,
) -> None:
    """Explain why ACCOUNT scored what it did and what links it to its incident.

    Runs the same scan as 'extractscan scan' on PATHS, then shows the account's score
    components, its behaviour against the benign median and the accounts it shares
    identifiers with, strongest evidence first.

    \b
    Example:
      extractscan explain acct_03f361ffcc sample_logs/requests.csv.gz \\
          --accounts sample_logs/accounts.csv
    """
    from extractscan.report.explain import explain, render_explanation
    from extractscan.run.pipeline import scan as run_scan
    from extractscan.run.progress import StageProgress

    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    try:
        cfg = load_config_options(config_path, columns)
        with StageProgress() as progress:
            findings = run_scan(
                list(paths), accounts=accounts, config=cfg, progress=progress, preset=preset
            )
        try:
            render_explanation(explain(findings, account), sys.stdout, color=color)
        except BrokenPipeError:  # the reader stopped early (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except ExtractscanError as exc:
        raise _ScanError(exc) from exc


@main.command("presets")
def list_presets() -> None:
    """List the input presets, one line each.

    \b
    Example:
      extractscan presets
      extractscan scan --preset litellm spend_logs.csv
    """
    from extractscan.ingest.presets import PRESETS

    if not PRESETS:
        click.echo("no presets registered")
    for name in sorted(PRESETS):
        click.echo(f"{name:<12} {PRESETS[name].summary}")


@main.command()
@click.option(
    "--rows",
    type=click.IntRange(min=1000),
    default=40_000,
    show_default=True,
    help="Request rows to generate.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed.")
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Output folder."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["parquet", "csv.gz", "jsonl"]),
    default="parquet",
    show_default=True,
    help="Request log format.",
)
@click.option(
    "--randomize",
    is_flag=True,
    help="Draw a random world (campaign kinds, sizes, sharing, look-alikes) from the seed; "
    "its parameters are saved as world.toml.",
)
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(exists=True, dir_okay=False),
    help="Regenerate the world saved in this world.toml/.json (its seed and rows win).",
)
def simulate(
    rows: int, seed: int, out_dir: str, fmt: str, randomize: bool, scenario_path: str | None
) -> None:
    """Generate realistic logs with a planted campaign, look-alikes and ground truth.

    Writes the request log, accounts.csv and truth.csv (account, group, kind); with
    --randomize or --scenario also world.toml, the parameters of the world.

    \b
    Example:
      extractscan simulate --rows 1000000 --seed 1 --out /tmp/sim
      extractscan scan /tmp/sim/requests.parquet --accounts /tmp/sim/accounts.csv \\
          --format json -o /tmp/sim/report.json
      extractscan evaluate --truth /tmp/sim/truth.csv /tmp/sim/report.json
      extractscan simulate --randomize --rows 1000000 --seed 3 --out /tmp/world3
      extractscan simulate --scenario /tmp/world3/world.toml --out /tmp/world3-again
    """
    if randomize and scenario_path:
        raise _UsageFailure("--randomize and --scenario exclude each other")
    if randomize or scenario_path:
        from extractscan.lab.world_gen import generate_world
        from extractscan.lab.worlds import draw_world, load

        try:
            params = load(scenario_path) if scenario_path else draw_world(seed, rows)
        except (OSError, ValueError) as exc:
            raise _ScanError(UsageError(f"scenario {scenario_path}: {exc}")) from exc
        summary = generate_world(params, out_dir, fmt=fmt)
    else:
        from extractscan.lab.simulate import simulate as run

        summary = run(rows, seed, out_dir, fmt=fmt)
    click.echo(f"wrote {summary.rows:,} rows, {summary.accounts:,} accounts to {out_dir}", err=True)
    for name in summary.files:
        click.echo(name)


@main.command()
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(exists=True, dir_okay=False),
    required=True,
    help="truth.csv written by simulate.",
)
@click.argument("report_path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Count accounts flagged at this severity or above (default: the report's).",
)
@click.option(
    "--accounts",
    "accounts_path",
    type=click.Path(exists=True, dir_okay=False),
    help="The --accounts-out table of the same scan, for the ROC AUC of account scores.",
)
def evaluate(
    truth_path: str, report_path: str, min_severity: str | None, accounts_path: str | None
) -> None:
    """Measure a JSON report against ground truth: precision, recall, false positives.

    \b
    Example:
      extractscan evaluate --truth sim/truth.csv sim/report.json
      extractscan evaluate --truth sim/truth.csv sim/report.json --accounts sim/accounts-out.csv
    """
    from extractscan.lab.evaluate import evaluate as run
    from extractscan.lab.evaluate import format_table

    try:
        result = run(truth_path, report_path, min_severity, accounts_path)
    except ExtractscanError as exc:
        raise _ScanError(exc) from exc
    click.echo(format_table(result))


def _redacting(redact: bool) -> Callable[[str], str] | None:
    """With ``--redact``, what masks e-mails and IPs in progress lines and messages
    (written before the report's numbered tokens exist)."""
    if not redact:
        return None
    from extractscan.report.redact import mask_text

    return mask_text


def parse_memory_limit(text: str) -> int | Literal["auto"] | None:
    """``--memory-limit``: ``auto``, ``none`` or a size (see :func:`parse_size`)."""
    word = text.strip().lower()
    if word == "auto":
        return "auto"
    if word in ("none", "off"):
        return None
    return parse_size(text)


_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_size(text: str) -> int:
    """``8G``, ``8GiB``, ``512M``, ``1.5g`` or plain bytes -> bytes (binary units).

    Raises:
        UsageError: not a positive size.
    """
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgtKMGT]?)(?:i?[bB])?\s*", text)
    if m is None or float(m.group(1)) <= 0:
        raise UsageError(f"--memory-limit: {text!r} is not a size such as 8G or 512M, auto or none")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def _never_fail_encoding() -> None:
    """Write what the stream's encoding cannot hold as ``\\u2192`` escapes: under
    ``PYTHONIOENCODING=ascii`` (or a C locale) the first "·" of a report raised
    UnicodeEncodeError, an internal error."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(errors="backslashreplace")


def run() -> None:
    """Entry point that turns unexpected failures into exit code 4, never 0, and a stop
    signal into 128 + its number (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), never 1."""
    from extractscan.cli.interrupt import Interrupted, install

    install()
    _never_fail_encoding()
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except Interrupted as stop:  # after the clean-up of everything it unwound
        click.echo(stop.message, err=True)
        sys.exit(stop.exit_code)
    except (Exception, pl_panic()) as exc:  # noqa: BLE001 - last line of defence
        from extractscan.report.escape import clean

        # the message may quote log content (a value, a file name)
        click.echo(clean(f"internal error: {type(exc).__name__}: {exc}"), err=True)
        click.echo("please report this with the command you ran", err=True)
        sys.exit(EXIT_INTERNAL)
