"""Options shared by the commands that scan: ``--config`` and ``--column``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from extractscan.model.registry import PRESET_NAMES

if TYPE_CHECKING:
    from extractscan.config.settings import Config

F = TypeVar("F", bound=Callable[..., Any])


def input_options(f: F) -> F:
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
                help="Map a canonical column to a source column or a path into nested "
                "fields (repeatable), e.g. account=user_id, account=userIdentity.arn, "
                "prompt=request_body.messages; with --preset it overrides that field.",
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


def load_config_options(config_path: str | None, columns: tuple[str, ...]) -> Config:
    """``--config`` (``none``: defaults, not ``./extractscan.toml``) and ``--column``; a
    config picked up from the working directory is announced: it may have come with
    the evidence the investigator ``cd``-ed into, and it can hide every incident."""
    from extractscan.config.settings import load_config
    from extractscan.report.escape import clean

    none = config_path is not None and config_path.strip().lower() == "none"
    path = None if none else config_path
    cfg = load_config(path, parse_columns(columns), use_default=not none)
    if cfg.source_implicit:
        click.echo(
            f"note: using the config {clean(cfg.source)} found in the working directory "
            "(--config none ignores it)",
            err=True,
        )
    return cfg


def parse_columns(values: tuple[str, ...]) -> dict[str, str]:
    """``--column CANONICAL=SOURCE`` values as a mapping.

    Raises:
        click.BadParameter: a value without ``=`` or with an empty side.
    """
    out: dict[str, str] = {}
    for v in values:
        canonical, sep, source = v.partition("=")
        if not sep or not canonical.strip() or not source.strip():
            raise click.BadParameter(f"expected CANONICAL=SOURCE, got {v!r}", param_hint="--column")
        out[canonical.strip()] = source.strip()
    return out


def terminal_width() -> int:
    """The terminal's width (``COLUMNS``, else the terminal's size), else 120 when
    stdout is no terminal (as before: a report piped to a file keeps its lines)."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns
