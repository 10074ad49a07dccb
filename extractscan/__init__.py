"""extractscan: find model-extraction (distillation) campaigns in LLM API request logs.

Library use (the CLI is a thin layer over this)::

    import extractscan
    findings = extractscan.scan(["logs/"], accounts="accounts.parquet")
    for incident in findings.incidents:
        print(incident.rank, incident.severity, incident.accounts)

The names below are imported on first use (PEP 562), so ``extractscan --help`` and a
plain ``import extractscan`` do not pay for polars and the pipeline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from extractscan.config import Config, load_config
    from extractscan.model.errors import ExtractscanError, InputError, UsageError
    from extractscan.model.findings import Findings, Incident
    from extractscan.run.baseline import apply_baseline
    from extractscan.run.pipeline import scan

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "Config": "extractscan.config",
    "load_config": "extractscan.config",
    "ExtractscanError": "extractscan.model.errors",
    "InputError": "extractscan.model.errors",
    "UsageError": "extractscan.model.errors",
    "Findings": "extractscan.model.findings",
    "Incident": "extractscan.model.findings",
    "scan": "extractscan.run.pipeline",
    "apply_baseline": "extractscan.run.baseline",
}

__all__ = [
    "Config",
    "ExtractscanError",
    "Findings",
    "Incident",
    "InputError",
    "UsageError",
    "__version__",
    "apply_baseline",
    "load_config",
    "scan",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'extractscan' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
