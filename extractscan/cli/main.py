"""Command-line interface: parses options, calls one library function, maps errors.

Exit codes: 0 success (and nothing at or above ``--fail-on``); 1 incidents at or above
``--fail-on`` (not suppressed; with ``--baseline`` only new ones or known ones that rose
to it); 2 usage or configuration error; 3 input error (or any rejected row with
``--strict``); 4 internal error; 5 finished, but ``--skip-errors`` passed over a file;
128 + the signal's number when stopped by Ctrl-C (130), SIGTERM (143) or SIGHUP (129).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from extractscan.cli.explain_command import explain_account

if TYPE_CHECKING:
    import polars as pl

from extractscan.cli.lab_commands import evaluate, simulate
from extractscan.cli.options import input_options, load_config_options, terminal_width
from extractscan.cli.scan_options import (
    compare,
    export_outputs,
    fail_reason,
    filter_args,
    filter_options,
    pick_format,
    prepare,
    report_options,
    schedule_options,
    write_exports,
)
from extractscan.model.errors import ExtractscanError, InputError, UsageError
from extractscan.model.registry import FORMAT_CLASSES
from extractscan.model.severity import SEVERITIES

F = TypeVar("F", bound=Callable[..., Any])

from extractscan.cli.failures import (  # noqa: E402 - after F, re-exported
    EXIT_FAIL_ON,
    EXIT_INTERNAL,
    EXIT_MEMORY,  # noqa: E402
    EXIT_SKIPPED,
    pl_panic,
)
from extractscan.cli.failures import InputFailure as _InputFailure  # noqa: E402
from extractscan.cli.failures import ScanError as _ScanError  # noqa: E402
from extractscan.cli.resources import address_space_warning, out_of_memory, ran_out  # noqa: E402


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
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(list(FORMAT_CLASSES)),
    help="Report format (default: from -o's extension, .json or .md, else terminal).",
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
    "--redact-key",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="With --redact: write the token -> value table (JSON, permissions 0600) for "
    "the investigator who must trace a redacted report back; never in the report.",
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
@click.option(
    "--engine",
    type=click.Choice(["polars", "spark"]),
    default="polars",
    show_default=True,
    help="Where the row stage runs (reading, per-row features, per-account tables): "
    "polars on this machine, or spark (pip install 'extractscan[spark]'; see README "
    "'Beyond one machine'); linking and scoring run here either way.",
)
@click.option(
    "--spark-master",
    metavar="URL",
    help="With --engine spark: the Spark master (local[4], spark://host:7077, yarn); "
    "default: spark-submit's or the configured one, else local[*].",
)
@report_options
@filter_options
@schedule_options
def scan(
    paths: tuple[str, ...],
    accounts: str | None,
    config_path: str | None,
    columns: tuple[str, ...],
    preset: str | None,
    fmt: str | None,
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
    redact_key: str | None,
    memory_limit: str,
    engine: str,
    spark_master: str | None,
    **extra: Any,
) -> None:
    """Scan request logs and print ranked incidents with their evidence.

    PATHS are files, folders (searched recursively) or globs of .parquet, .csv, .tsv,
    .jsonl, .ndjson or .log (JSON lines) and .json files, each optionally .gz or .zst;
    with --engine spark, URIs Spark reads (s3a://, gs://, abfss://, hdfs://, file://).

    \b
    Examples:
      extractscan scan sample_logs/requests.csv.gz --accounts sample_logs/accounts.csv
      extractscan scan logs/ --column account=customer_ref --format json -o report.json
      extractscan scan 'exports/*.parquet' --fail-on high --quiet
      extractscan scan --preset bedrock bedrock-logs/
      extractscan scan --preset langfuse traces.json --column ip=metadata.ip
      extractscan scan logs/ --strict --rejects-out rejects.csv --redact --format markdown
      extractscan scan logs/ --redact --redact-key key.json -o briefing.html
      extractscan scan seed-scale/ --memory-limit 8G --format json -o report.json
      extractscan scan logs/ --since 2026-04-22 --until 2026-04-28 --org acme -o week.json
      extractscan scan exports/ --state state/ --baseline last.json -o last.json --fail-on high
      extractscan scan /dbfs/logs/ --engine spark --spark-master yarn -o report.json
      extractscan scan 's3a://bucket/logs/2026-11-*/' --engine spark -o report.json
    """
    from extractscan import report
    from extractscan.report.accounts_out import copy_table, write_table
    from extractscan.run.outputs import StagedOutputs, check_outputs
    from extractscan.run.pipeline import scan as run_scan
    from extractscan.run.progress import StageProgress

    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    shown = _redacting(redact)
    # the rejected rows stream to a scratch file as they are read, never all in memory
    spool = tempfile.TemporaryDirectory(prefix="extractscan-rejects-")
    try:
        fmt = pick_format(fmt, output)
        cfg = load_config_options(config_path, columns)
        extra = prepare(extra, redact)  # files read and outputs checked before a long scan
        for opt, value in (("--accounts-out", accounts_out), ("--rejects-out", rejects_out)):
            if value and Path(value).suffix.lower() not in (".csv", ".parquet"):
                raise UsageError(f"{opt} must end in .csv or .parquet")
        for opt, value in (
            ("-o", output),
            ("--accounts-out", accounts_out),
            ("--rejects-out", rejects_out),
            ("--redact-key", redact_key),
        ):
            if value and not Path(value).parent.is_dir():  # said before a long scan, not after
                raise UsageError(f"{opt} {value}: folder {Path(value).parent} does not exist")
        if redact_key and not redact:
            raise UsageError("--redact-key needs --redact (without it nothing is masked)")
        outputs = {"-o": output, "--accounts-out": accounts_out, "--rejects-out": rejects_out}
        outputs["--redact-key"] = redact_key
        outputs |= export_outputs(extra)
        check_outputs(paths, outputs, [("--accounts", accounts), ("--config", cfg.source)])
        if warned := address_space_warning():  # said up front, even with --quiet
            click.echo(warned, err=True)
        rejects_to = Path(spool.name) / "rejects.parquet" if rejects_out else None
        with StageProgress(enabled=not quiet, mask=shown) as progress:
            findings = run_scan(
                list(paths),
                accounts=accounts,
                config=cfg,
                progress=progress,
                preset=preset,
                skip_errors=skip_errors,
                memory_limit=parse_memory_limit(memory_limit),
                state=extra.get("state"),
                rejects_to=rejects_to,
                engine="spark" if engine == "spark" else "polars",
                spark_master=spark_master,
                **filter_args(extra),
            )
        if findings.input.state is not None and findings.input.state.note:
            from extractscan.report.escape import clean

            click.echo(f"warning: --state {clean(findings.input.state.note)}", err=True)
        findings = compare(findings, extra)  # --baseline, --suppress
        shape: dict[str, Any] = {"top": top, "quiet": quiet, "min_severity": extra["min_severity"]}
        shape["width"] = extra["width"] or (None if output else terminal_width())
        key = None
        mask_rows: Callable[[pl.DataFrame], pl.DataFrame] | None = None
        if redact:
            from extractscan.report import redact as redacting

            key = redacting.redactor_for(findings)
            findings = redacting.redact(findings, key)
            tokens = key

            def mask_rows(rows: pl.DataFrame) -> pl.DataFrame:
                return redacting.mask_rows(rows, tokens)

        try:
            # all outputs appear together, complete, or none does (see StagedOutputs)
            with StagedOutputs() as staged:
                if accounts_out:
                    write_table(findings.accounts, staged.path(accounts_out), like=accounts_out)
                if rejects_out and rejects_to is not None:
                    copy_table(rejects_to, staged.path(rejects_out), rejects_out, mask_rows)
                write_exports(findings, cfg, extra, staged)  # --graph-out, --stix-out
                if redact_key and key is not None:  # a secret: 0600 from creation on
                    redacting.write_key(key, staged.path(redact_key, mode=0o600))
                if output:
                    with staged.path(output).open("w", encoding="utf-8", newline="\n") as fh:
                        report.render(findings, fmt, fh, **shape, color=False)
                else:
                    try:
                        report.render(findings, fmt, sys.stdout, **shape, color=color)
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
    finally:
        spool.cleanup()
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
    if fail_on and (fired := findings.firing(fail_on)):
        click.echo(fail_reason(fail_on, fired, findings.baseline is not None), err=True)
        sys.exit(EXIT_FAIL_ON)
    if findings.input.files_skipped:
        sys.exit(EXIT_SKIPPED)


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
    width = max((len(n) for n in PRESETS), default=0)
    for name in sorted(PRESETS):
        click.echo(f"{name:<{width}}  {PRESETS[name].summary}")


main.add_command(simulate)
main.add_command(explain_account)
main.add_command(evaluate)


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
    from extractscan.cli.resources import limit_reservations

    limit_reservations()  # before polars, Arrow or OpenBLAS start a thread
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
        if ran_out(exc):  # after the clean-up of everything it unwound
            click.echo(out_of_memory(), err=True)
            sys.exit(EXIT_MEMORY)
        from extractscan.report.escape import clean

        # the message may quote log content (a value, a file name)
        click.echo(clean(f"internal error: {type(exc).__name__}: {exc}"), err=True)
        click.echo("please report this with the command you ran", err=True)
        sys.exit(EXIT_INTERNAL)
