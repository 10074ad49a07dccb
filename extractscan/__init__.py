"""extractscan: find model-extraction (distillation) campaigns in LLM API request logs.

Library use (the CLI is a thin layer over this)::

    import extractscan
    findings = extractscan.scan(["logs/"], accounts="accounts.parquet")
    for incident in findings.incidents:
        print(incident.rank, incident.severity, incident.accounts)
"""

from __future__ import annotations

from extractscan.config import Config, load_config
from extractscan.errors import ExtractscanError, InputError, UsageError
from extractscan.findings import Findings, Incident
from extractscan.pipeline import scan

__version__ = "0.1.0"

__all__ = [
    "Config",
    "ExtractscanError",
    "Findings",
    "Incident",
    "InputError",
    "UsageError",
    "__version__",
    "load_config",
    "scan",
]
