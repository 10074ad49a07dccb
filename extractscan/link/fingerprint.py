"""Near-duplicate prompt fingerprints: MinHash over word shingles with LSH banding.

Computed on the *distinct* masked wrappers (thousands, not millions of rows), so it
scales with the variety of templates rather than with traffic. Wrappers whose estimated
Jaccard similarity passes the banding threshold (about 0.5 with 16 bands of 4) fall into
one cluster, so a paraphrased template (synonyms, reordered words) still links.

Reference: Broder, "On the resemblance and containment of documents" (1997) for MinHash;
Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3, for LSH banding.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import polars as pl

NUM_PERM = 64
BANDS = 16
#: Estimated Jaccard similarity a template needs with its cluster's leader.
MIN_SIMILARITY = 0.6
_PRIME = np.uint64(4_294_967_311)  # smallest prime above 2**32
_WORD = re.compile(r"[a-z0-9#<>]+")


def _shingles(text: str) -> list[int]:
    """Word unigrams, as 32-bit hashes: order-free, so reordered paraphrases still match."""
    grams = sorted(set(_WORD.findall(text.lower())))
    return [
        int.from_bytes(hashlib.blake2b(g.encode(), digest_size=4).digest(), "little") for g in grams
    ] or [0]


def signatures(texts: list[str], seed: int = 1) -> np.ndarray:
    """MinHash signatures, shape (len(texts), NUM_PERM), deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**32 - 1, NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, NUM_PERM, dtype=np.uint64)
    sig = np.empty((len(texts), NUM_PERM), dtype=np.uint64)
    for i, t in enumerate(texts):  # one pass per distinct template, not per row
        x = np.asarray(_shingles(t), dtype=np.uint64)
        sig[i] = ((((a[None, :] * x[:, None]) % _PRIME) + b[None, :]) % _PRIME).min(axis=0)
    return sig


def clusters(templates: list[str], counts: list[int] | None = None) -> pl.DataFrame:
    """Map each template to its near-duplicate cluster key.

    Leader clustering over LSH candidates: templates are taken most used first; each
    joins the existing leader it resembles most (estimated Jaccard >= ``MIN_SIMILARITY``)
    among those sharing an LSH bucket, or becomes a leader. Membership needs direct
    similarity to the leader, so chains of slightly similar templates never snowball
    into one cluster. The cluster key is the leader's text.

    Returns a frame with columns ``template`` and ``cluster``.
    """
    if not templates:
        return pl.DataFrame(schema={"template": pl.String, "cluster": pl.String})
    weight = counts if counts is not None else [1] * len(templates)
    order = sorted(range(len(templates)), key=lambda i: (-weight[i], templates[i]))
    sig = signatures(templates)
    rows = NUM_PERM // BANDS
    buckets: dict[tuple[int, bytes], list[int]] = {}
    leader_of = [0] * len(templates)
    for i in order:
        keys = [(band, sig[i, band * rows : (band + 1) * rows].tobytes()) for band in range(BANDS)]
        candidates = sorted({j for k in keys for j in buckets.get(k, ())})
        best = i
        if candidates:
            # All candidates at once; the first (smallest index) of the most similar wins.
            sims = (sig[candidates] == sig[i]).mean(axis=1)
            top = int(np.argmax(sims))
            if sims[top] >= MIN_SIMILARITY:
                best = candidates[top]
        leader_of[i] = best
        if best == i:
            for k in keys:
                buckets.setdefault(k, []).append(i)
    return pl.DataFrame(
        {"template": templates, "cluster": [templates[leader_of[i]] for i in range(len(templates))]}
    )
