"""``extractscan explain``: one account, why it scored what it did and what links it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from extractscan.cli.failures import ScanError
from extractscan.cli.options import input_options, load_config_options, terminal_width
from extractscan.model.errors import ExtractscanError, UsageError

#: ``explain --format`` names (as :data:`extractscan.report.explain_formats.EXPLAIN_FORMATS`;
#: kept here so ``--help`` does not load polars, and a test checks the two agree).
FORMATS = ("terminal", "json", "markdown")
_SUFFIX = {".json": "json", ".md": "markdown", ".markdown": "markdown"}


@click.command("explain")
@click.argument("account")
@click.argument("paths", nargs=-1, required=True)
@input_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format (default: from -o's extension, .json or .md, else terminal).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write it here.")
@click.option(
    "--redact",
    is_flag=True,
    help="Mask e-mails, IPs and payment fingerprints (the scan report's tokens).",
)
@click.option(
    "--redact-key",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="With --redact: write the token -> value table (JSON, permissions 0600).",
)
@click.option(
    "--width",
    type=click.IntRange(min=40, max=1000),
    metavar="N",
    help="Terminal width in columns (default: the terminal's, else 120).",
)
@click.option("--no-color", is_flag=True, help="No colour (NO_COLOR is honoured too).")
def explain_account(
    account: str,
    paths: tuple[str, ...],
    accounts: str | None,
    config_path: str | None,
    columns: tuple[str, ...],
    preset: str | None,
    fmt: str | None,
    output: str | None,
    redact: bool,
    redact_key: str | None,
    width: int | None,
    no_color: bool,
) -> None:
    """Explain why ACCOUNT scored what it did and what links it to its incident.

    Runs the same scan as 'extractscan scan' on PATHS, then shows the account's score
    components, its behaviour against the benign median and every account it shares
    identifiers with, strongest evidence first (the terminal shows 25 and counts the
    rest; JSON and Markdown list all).

    \b
    Examples:
      extractscan explain acct_03f361ffcc sample_logs/requests.csv.gz \\
          --accounts sample_logs/accounts.csv
      extractscan explain acct_03f361ffcc logs/ --redact --format markdown -o case.md
    """
    from extractscan.report.explain import explain
    from extractscan.report.explain_formats import redact_explanation, render
    from extractscan.run.outputs import StagedOutputs, check_outputs
    from extractscan.run.pipeline import scan as run_scan
    from extractscan.run.progress import StageProgress

    color = not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()
    if fmt is None:
        fmt = _SUFFIX.get(Path(output).suffix.lower(), "terminal") if output else "terminal"
    try:
        cfg = load_config_options(config_path, columns)
        if redact_key and not redact:
            raise UsageError("--redact-key needs --redact (without it nothing is masked)")
        for opt, value in (("-o", output), ("--redact-key", redact_key)):
            if value and not Path(value).absolute().parent.is_dir():
                raise UsageError(f"{opt} {value}: its folder does not exist")
        outputs = {"-o": output, "--redact-key": redact_key}
        check_outputs(paths, outputs, [("--accounts", accounts), ("--config", cfg.source)])
        with StageProgress(mask=_mask(redact)) as progress:
            findings = run_scan(
                list(paths), accounts=accounts, config=cfg, progress=progress, preset=preset
            )
        e = explain(findings, account)
        key = None
        if redact:
            from extractscan.report.redact import redact as mask
            from extractscan.report.redact import redactor_for

            key = redactor_for(findings)
            mask(findings, key)  # the tokens of the redacted scan report, in its order
            e = redact_explanation(e, key)
        if output or redact_key:
            try:
                with StagedOutputs() as staged:
                    if redact_key and key is not None:
                        from extractscan.report.redact import write_key

                        write_key(key, staged.path(redact_key, mode=0o600))
                    if output:
                        with staged.path(output).open("w", encoding="utf-8", newline="\n") as fh:
                            render(e, fmt, fh, width=width)
            except OSError as exc:
                raise UsageError(f"cannot write output: {exc}") from exc
            if output:
                return
        try:
            render(e, fmt, sys.stdout, color=color, width=width or terminal_width())
        except BrokenPipeError:  # the reader stopped early (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except ExtractscanError as exc:
        shown = _mask(redact)
        raise ScanError(type(exc)(shown(str(exc))) if shown else exc) from exc


def _mask(redact: bool) -> Callable[[str], str] | None:
    """With ``--redact``, what masks e-mails and IPs in progress lines and messages."""
    if not redact:
        return None
    from extractscan.report.redact import mask_text

    return mask_text
