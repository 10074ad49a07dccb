"""Configuration: every threshold in dataclasses, TOML loading and validation."""

from extractscan.config.settings import DEFAULT_CONFIG_NAME, Config, LinkConfig, load_config

__all__ = ["DEFAULT_CONFIG_NAME", "Config", "LinkConfig", "load_config"]
