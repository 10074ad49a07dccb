"""Configuration: every threshold in dataclasses, TOML loading and validation."""

from extractscan.config.settings import (
    DEFAULT_CONFIG_NAME,
    Config,
    Limits,
    LinkConfig,
    load_config,
)

__all__ = ["DEFAULT_CONFIG_NAME", "Config", "Limits", "LinkConfig", "load_config"]
