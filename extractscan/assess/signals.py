"""Signals: what an incident's members do, against the accounts outside incidents."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import polars as pl

from extractscan.assess import coordination
from extractscan.features.behaviour import BEHAVIOUR_FEATURES
from extractscan.model.findings import Signal

SIGNAL_FEATURES = (
    "extraction_share",
    "probing_share",
    "rate_limited_share",
    "template_concentration",
    "hour_entropy",
    "token_ratio",
    "account_age_days",
    "req_per_active_hour",
)
#: Direction in which a feature is suspicious (True: higher is worse).
_HIGHER_IS_WORSE = {"account_age_days": False}


@dataclass(frozen=True)
class Context:
    """What every incident's signals are measured against, computed once per scan.

    Attributes:
        pivots: per account, whether it moved to the newest model within a day.
        newest: the newest model and its release, if any model is new in the log.
        co_measured: whether co-activity was measured (prompt text present).
    """

    pivots: pl.DataFrame
    newest: coordination.NewestModel | None
    co_measured: bool


def behaviour_signals(
    stats: dict[str, float | None],
    baselines: dict[str, float],
    volume_cv: float | None,
    co_share: float | None,
) -> tuple[Signal, ...]:
    """Behaviour signals from the members' medians (``stats``);
    ``co_share`` None: co-activity was not measured (no prompt text), no signal."""
    out = []
    for feat in SIGNAL_FEATURES:
        value = stats.get(feat)
        if value is None:  # not a column, or no member has a value
            continue
        label, unit = BEHAVIOUR_FEATURES[feat]
        base = baselines.get(feat)
        if base is None:  # no account outside the incidents has a value: nothing to compare
            out.append(Signal(feat, label, round(value, 4), None, unit, False))
            continue
        worse = value > base if _HIGHER_IS_WORSE.get(feat, True) else value < base
        margin = abs(value - base) > max(0.1 * abs(base), 0.02)
        out.append(Signal(feat, label, round(value, 4), round(base, 4), unit, worse and margin))
    if volume_cv is not None:
        out.append(
            Signal(
                "volume_cv",
                "spread of per-account volume (low = load-balanced)",
                round(volume_cv, 4),
                1.0,
                "",
                volume_cv < 0.5,
            )
        )
    if co_share is not None:
        out.append(
            Signal(
                "co_activity_share",
                "linked pairs active on the same template in the same minutes",
                round(co_share, 4),
                0.0,
                "%",
                co_share > 0.2,
            )
        )
    return tuple(out)


def coordination_signals(
    members: list[str],
    m: dict[str, Any],
    baselines: dict[str, float],
    context: Context,
) -> tuple[Signal, ...]:
    """Coordination signals: payload diversity, regrowth, model pivot, limit hugging."""
    out = []
    diversity = m.get("payload_diversity")
    if diversity is not None:
        base = baselines.get("payload_diversity", 0.0)
        out.append(
            Signal(
                "payload_diversity",
                "distinct payloads per request on shared templates (support bots repeat)",
                round(diversity, 4),
                round(base, 4),
                "%",
                diversity > 0.9 and int(m["n"]) > 2,
            )
        )
    grow = float(m["regrowth"])
    out.append(
        Signal(
            "regrowth",
            "accounts joining after others went quiet",
            round(grow, 4),
            0.0,
            "%",
            grow > 0.2,
        )
    )
    newest = context.newest
    if newest is not None:
        share = float(m["pivoted"]) / len(members) if "pivoted" in m and members else 0.0
        base = baselines.get("pivot_share", 0.0)
        out.append(
            Signal(
                "model_pivot",
                f"moved to newest model {newest.name} within a day of its release",
                round(share, 4),
                round(base, 4),
                "%",
                share > max(0.5, 3 * base),
            )
        )
    hug = float(m["limit_hugging"])
    out.append(
        Signal(
            "limit_hugging",
            "peak rate held just under a shared per-minute ceiling",
            round(hug, 4),
            0.0,
            "%",
            hug > 0.8,
        )
    )
    return tuple(out)


def content_signal(
    m: dict[str, Any], baselines: dict[str, float], nats: float, full: float
) -> tuple[Signal, ...]:
    """The members' pooled extraction-style prompts against the accounts outside
    incidents, with how unlikely that many are by chance."""
    n, k = m.get("ext_n"), m.get("ext_k")
    base = baselines.get("pooled_extraction")
    if not n or k is None or base is None:
        return ()
    share = float(k) / float(n)
    digits = nats / math.log(10)
    chance = f"chance below 1e-{digits:.0f}" if digits >= 1 else "not unusual"
    return (
        Signal(
            "pooled_extraction",
            f"extraction-style prompts, {int(k):,} of {int(n):,} pooled ({chance})",
            round(share, 4),
            round(base, 4),
            "%",
            nats >= full,
        ),
    )
