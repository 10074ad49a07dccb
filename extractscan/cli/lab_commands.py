"""The lab commands: simulate labelled logs and evaluate a report against their truth."""

from __future__ import annotations

import click

from extractscan.cli.failures import ScanError, UsageFailure
from extractscan.model.errors import ExtractscanError, UsageError
from extractscan.model.severity import SEVERITIES


@click.command()
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
        raise UsageFailure("--randomize and --scenario exclude each other")
    if randomize or scenario_path:
        from extractscan.lab.world_gen import generate_world
        from extractscan.lab.worlds import draw_world, load

        try:
            params = load(scenario_path) if scenario_path else draw_world(seed, rows)
        except (OSError, ValueError) as exc:
            raise ScanError(UsageError(f"scenario {scenario_path}: {exc}")) from exc
        summary = generate_world(params, out_dir, fmt=fmt)
    else:
        from extractscan.lab.simulate import simulate as run

        summary = run(rows, seed, out_dir, fmt=fmt)
    click.echo(f"wrote {summary.rows:,} rows, {summary.accounts:,} accounts to {out_dir}", err=True)
    for name in summary.files:
        click.echo(name)


@click.command()
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
        raise ScanError(exc) from exc
    click.echo(format_table(result))
