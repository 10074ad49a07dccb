"""Score: a behaviour score per account and an evidence score per incident, in [0, 1].

Account score: weighted mean of the behaviour components that could be measured (a
missing column switches its component off rather than counting as benign or
suspicious). Incident score: content (members' scores), link strength, coordination and
scale, with content as a gate: links and scale alone never make a campaign.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from extractscan.link.crowded import surprise

#: Account-score components: (weight, expression giving a value in [0, 1] or null).
ACCOUNT_COMPONENTS: dict[str, tuple[float, pl.Expr]] = {
    "extraction": (0.35, pl.col("extraction_share")),
    "template": (0.20, pl.col("template_concentration")),
    "round_the_clock": (0.15, pl.col("hour_entropy").clip(0.0, 1.0)),
    "token_ratio": (0.15, (pl.col("token_ratio") / 5.0).clip(0.0, 1.0)),
    "new_account": (
        0.15,
        pl.when(pl.col("account_age_days") < 7)
        .then(1.0)
        .when(pl.col("account_age_days") < 30)
        .then(0.5)
        .when(pl.col("account_age_days").is_not_null())
        .then(0.0),
    ),
}


def account_scores(accounts: pl.DataFrame) -> pl.DataFrame:
    """Add ``score``: weighted mean over the components that are not null."""
    num = pl.sum_horizontal(
        *((e.fill_nan(None) * w).fill_null(0.0) for w, e in ACCOUNT_COMPONENTS.values())
    )
    den = pl.sum_horizontal(
        *(
            pl.when(e.fill_nan(None).is_not_null()).then(w).otherwise(0.0)
            for w, e in ACCOUNT_COMPONENTS.values()
        )
    )
    return accounts.with_columns(
        pl.when(den > 0).then(num / den).otherwise(0.0).round(4).alias("score")
    )


@dataclass(frozen=True)
class IncidentParts:
    """The measured parts of an incident score, each in [0, 1]."""

    content: float
    links: float
    coordination: float
    scale: float
    #: How far the members' pooled prompts are from the accounts outside incidents
    #: (:func:`contrast_part`); counts as content when stronger than the members' mean
    #: account score.
    contrast: float = 0.0

    @property
    def score(self) -> float:
        """Combined score; weak content caps the score below ``medium`` territory."""
        content = max(self.content, self.contrast)
        base = 0.45 * content + 0.20 * self.links + 0.15 * self.coordination + 0.20 * self.scale
        gate = min(1.0, content / 0.5)
        return round(base * (0.4 + 0.6 * gate), 4)


def scale_part(exchanges: int) -> float:
    """log10 of exchanges, 1.0 at a million."""
    return min(1.0, math.log10(max(exchanges, 1)) / 6.0)


def links_part(mean_pair_weight: float) -> float:
    """Mean evidence of an incident's linked pairs, 1.0 at a weight of 12."""
    return min(1.0, mean_pair_weight / 12.0)


def coordination_part(volume_cv: float | None, co_activity_share: float) -> float:
    """Load-balanced volume (low spread between accounts) and co-activity."""
    balanced = 0.0 if volume_cv is None else max(0.0, 1.0 - volume_cv)
    return 0.5 * balanced + 0.5 * co_activity_share


def contrast_nats(n: float | None, k: float | None, base: float | None) -> float:
    """Minus the log of the Chernoff bound on a group showing ``k`` or more
    extraction-style prompts of ``n`` at the ``base`` share of the accounts outside
    incidents (0 when not measured or not above it).

    Reference: W. Hoeffding, JASA 1963 (relative-entropy form of the Chernoff bound).
    """
    if not n or k is None or base is None:
        return 0.0
    p = min(max(base, 1e-4), 1 - 1e-4)  # an all-zero baseline is still a rate
    return float(pl.select(surprise(pl.lit(float(n)), pl.lit(min(max(k, 0.0), n)), p)).item())


def contrast_part(nats: float, full: float) -> float:
    """``nats`` as a part in [0, 1]: 1.0 from ``full`` nats (config ``contrast_full_nats``)."""
    return min(1.0, nats / full) if full > 0 else 0.0
