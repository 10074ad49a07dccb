"""Input presets: gateway and cloud export formats, registered in one place."""

from __future__ import annotations

from extractscan.errors import UsageError
from extractscan.presets.interface import PRESET_REJECT, Preset

PRESETS: dict[str, Preset] = {}


def get(name: str) -> Preset:
    """The preset called ``name``.

    Raises:
        UsageError: no such preset.
    """
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(sorted(PRESETS)) or "(none)"
        raise UsageError(f"unknown preset {name!r}; known: {known}") from None


__all__ = ["PRESETS", "PRESET_REJECT", "Preset", "get"]
