"""Campaign wordings written apart from the detector (issue #15: content that generalizes).

The randomized worlds' own wrappers (:mod:`extractscan.lab.paraphrase`) and the detector's
capability patterns (:mod:`extractscan.features.capabilities`) were written by the same
hands, so the worlds could not show whether the patterns recognise extraction requests
worded by someone else. Each set here was written by a writer who had not seen either
(told not to open them): ``WRAPPERS`` (the grammar of :func:`.paraphrase.expand`) per
capability family of :data:`.paraphrase.FAMILY_CAPABILITIES`, and ``BENIGN_HARD``,
ordinary one-off requests that look like them (a homework question asked step by step,
"rate my cover letter"), added to the ordinary users' prompts of a world written in that
wording so that widening the patterns is measured against them too.

- ``dev-a``, ``dev-b``: the capability patterns were widened on these; then on
  ``dev-c`` (an operator who has every wrapper rewritten as a polite end user's request)
  and ``dev-d`` (telegraphic, abbreviated, partly in German, Spanish or French), each
  measured before it was used.
- ``heldout``: never read while fitting; measured only (``benchmarks/generalize.py
  --wording heldout``, ``benchmarks/RESULTS.md`` "Wording written by another hand").
- ``own``: the worlds' own wrappers (the default).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import numpy as np

from extractscan.lab import paraphrase

#: Wording names: the worlds' own, then the sets of this package (module name).
WORDINGS = {
    "own": None,
    "dev-a": "dev_a",
    "dev-b": "dev_b",
    "dev-c": "dev_c",
    "dev-d": "dev_d",
    "heldout": "heldout",
}
#: Exact (unparaphrased) wrappers drawn per campaign family from a foreign wording.
N_EXACT = 8


@dataclass(frozen=True)
class Wording:
    """One written-apart set: wrappers per capability family and benign look-alikes."""

    name: str
    wrappers: dict[str, tuple[str, ...]]
    benign: tuple[str, ...]

    def campaign_templates(
        self, family: str, n_variants: int, rng: np.random.Generator
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(exact, paraphrased) templates of a campaign family in this wording: the
        exact ones one expansion each of the family's first wrappers in turn, the
        paraphrased ones :func:`.paraphrase.variants` of all of them."""
        sources = [w for cap in paraphrase.FAMILY_CAPABILITIES[family] for w in self.wrappers[cap]]
        exact = tuple(
            dict.fromkeys(paraphrase.expand(sources[i % len(sources)], rng) for i in range(N_EXACT))
        )
        return exact, paraphrase.variants(family, n_variants, rng, self.wrappers)


def load(name: str) -> Wording | None:
    """The wording ``name`` (None for ``own``).

    Raises:
        ValueError: an unknown name.
    """
    if name not in WORDINGS:
        raise ValueError(f"unknown wording {name!r} (one of {', '.join(WORDINGS)})")
    module = WORDINGS[name]
    if module is None:
        return None
    data = importlib.import_module(f"{__name__}.{module}")
    wrappers = {k: tuple(v) for k, v in data.WRAPPERS.items()}
    return Wording(name, wrappers, tuple(data.BENIGN_HARD))
