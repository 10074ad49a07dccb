"""Options shared by the commands that scan: ``--config`` and ``--column``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from extractscan.config.settings import Config


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
