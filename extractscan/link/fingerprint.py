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
    return [_word_hash(g) for g in grams] or [0]


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")


def signatures(texts: list[str] | pl.Series, seed: int = 1) -> np.ndarray:
    """MinHash signatures, shape (len(texts), NUM_PERM), deterministic for ``seed``:
    unsigned 32-bit where every permuted word fits (almost always: the values are below
    a prime just above 2**32), else 64-bit.

    Vectorised: the words of every template are extracted in polars and numbered by a
    sorted vocabulary (hundreds of distinct words), each distinct word hashed and
    permuted once (blake2b, as :func:`_shingles`), and the minimum over a template's
    words taken with ``np.minimum.reduceat`` one permutation at a time, on each word's
    rank in that permutation (16 bits where the vocabulary allows) and mapped back to
    the permuted value. Equal to hashing template by template (tested); measured at
    335,000 templates (28.8M rows): 1.3 s of CPU instead of 4.2 s with 64-bit values
    and a string unique, and 2.3 s for 70,000 templates in a Python loop before that.
    """
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**32 - 1, NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, NUM_PERM, dtype=np.uint64)
    n = len(texts)
    if n == 0:
        return np.empty((0, NUM_PERM), dtype=np.uint64)
    words = (
        pl.DataFrame({"i": pl.Series(range(n), dtype=pl.UInt32), "t": texts})
        .select("i", pl.col("t").str.to_lowercase().str.extract_all(_WORD.pattern).alias("w"))
        .explode("w")
    )
    vocab = words["w"].drop_nulls().unique().sort()
    # Word 0 stands for "no words" (hash 0, as in _shingles); the others are numbered
    # in vocabulary order, and each template's distinct words found as distinct
    # (template, word) numbers, sorted.
    hashes = np.asarray([0] + [_word_hash(w) for w in vocab.to_list()], dtype=np.uint64)
    width = len(hashes)
    code = pl.col("w").cast(pl.Enum(vocab.to_list())).to_physical().cast(pl.Int64)
    keys = (
        words.select(pl.col("i").cast(pl.Int64) * width + code.fill_null(-1) + 1)
        .to_series()
        .unique()
        .sort()
        .to_numpy()
    )
    ids, word = np.divmod(keys, width)
    perm = ((a[None, :] * hashes[:, None]) % _PRIME + b[None, :]) % _PRIME
    if int(perm.max()) < 2**32:
        perm = perm.astype(np.uint32)
    sig = np.empty((n, NUM_PERM), dtype=perm.dtype)
    sig[:] = perm[0]  # templates without words (explode may drop them)
    if len(keys) == 0:
        return sig
    # Per permutation, every word's rank by permuted value: the smallest rank among a
    # template's words is the word with the smallest value (ties have equal values).
    by_value = np.argsort(perm, axis=0, kind="stable")  # (width, NUM_PERM)
    small = np.uint16 if width <= 2**16 else np.uint32
    rank = np.empty((NUM_PERM, width), dtype=small)
    np.put_along_axis(rank, by_value.T, np.arange(width, dtype=small)[None, :], axis=1)
    lowest = np.ascontiguousarray(np.take_along_axis(perm, by_value, axis=0).T)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    rows = ids[starts]
    every = len(rows) == n  # rows is then 0..n-1
    # Written a block of permutations at a time, 64 bytes of each template's row: a
    # column at a time touched every row's cache line once per permutation.
    step = 64 // sig.itemsize
    block = np.empty((step, len(rows)), dtype=sig.dtype)
    for p0 in range(0, NUM_PERM, step):
        for j in range(step):
            p = p0 + j
            np.take(lowest[p], np.minimum.reduceat(rank[p][word], starts), out=block[j])
        if every:
            sig[:, p0 : p0 + step] = block.T
        else:
            sig[rows, p0 : p0 + step] = block.T
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
    # Most used first, then by text (UTF-8 byte order is code point order).
    order = (
        pl.DataFrame({"w": weight, "t": templates}, schema={"w": pl.Int64, "t": pl.String})
        .with_row_index("i")
        .sort(["w", "t"], descending=[True, False])["i"]
        .to_numpy()
        .astype(np.int64)
    )
    leader_of = _leaders(signatures(templates), order)
    return pl.DataFrame(
        {"template": templates, "cluster": [templates[j] for j in leader_of.tolist()]}
    )


def sorted_leaders(templates: pl.Series, counts: pl.Series) -> np.ndarray:
    """:func:`clusters` of ``templates`` sorted by text (and distinct), as the position
    of each template's leader: taken most used first, then by position, which is text
    order, so no text is compared or copied into Python (at 335,000 templates the texts'
    sort, conversions and joins were about 0.5 s of CPU)."""
    n = len(templates)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((np.arange(n), -counts.cast(pl.Int64).to_numpy()))
    return _leaders(signatures(templates), order.astype(np.int64))


def _band_hash(block: np.ndarray, band: int) -> np.ndarray:
    """A 64-bit hash of each row of one band's ``block`` (n, rows), the band mixed in
    (SplitMix64 steps); :func:`_buckets` checks that no two different rows share one."""
    h = np.full(len(block), (band + 1) * 0x9E3779B97F4A7C15 % 2**64, dtype=np.uint64)
    for r in range(block.shape[1]):
        h ^= block[:, r]
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(31)
    return h


def _buckets(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The LSH buckets: ``keys`` (BANDS, n), each template's bucket number per band;
    ``shared``, whether a template shares a bucket with another; and the members of the
    shared buckets as ``flat_k`` (bucket number, ascending) and ``flat_t`` (template).

    One band at a time (arrays of one value per template, which the allocator reuses):
    its rows are hashed to 64 bits and sorted by hash, equal neighbours are one bucket
    once checked to be equal rows, and on a collision the band's rows are numbered
    exactly instead. Buckets are numbered band after band. At 335,000 templates (28.8M
    rows) all bands at once took 1.2 s of CPU and 1.1-6.5 s in all, the rest the
    system's, faulting in the fresh pages of about 600 MB of temporaries (slow on a
    virtual machine that hands freed memory back to its host), against 0.6-0.7 s this
    way.
    """
    n, rows = len(sig), NUM_PERM // BANDS
    keys = np.empty((BANDS, n), dtype=np.int64)
    if n == 0:
        nothing = np.zeros(0, dtype=np.int64)
        return keys, np.zeros(0, dtype=bool), nothing, nothing
    # the rows compared on 32 bits where every value fits (half the bytes gathered)
    narrow = sig.astype(np.uint32, copy=False) if int(sig.max()) < 2**32 else sig
    parts_k: list[np.ndarray] = []
    parts_t: list[np.ndarray] = []
    offset = 0
    # Each row's number in the low bits of its hash, so that one sort of 64-bit values
    # (polars' radix sort) orders the rows by the hash's high bits: 5 ms a band at
    # 335,000 templates against 30-40 ms for NumPy's argsort. Rows equal in those bits
    # but not equal are a collision, found as any other.
    shift = np.uint64(max(int(n - 1).bit_length(), 1))
    number = np.arange(n, dtype=np.uint64)
    low = (np.uint64(1) << shift) - np.uint64(1)
    for band in range(BANDS):
        block = np.ascontiguousarray(narrow[:, band * rows : (band + 1) * rows])
        packed = ((_band_hash(block, band) >> shift) << shift) | number
        ranked_keys = pl.Series(packed).sort().to_numpy()
        order = (ranked_keys & low).astype(np.int64)
        top = ranked_keys >> shift
        same = top[1:] == top[:-1]
        if same.any():
            ranked = block[order]
            if (same & ~(ranked[1:] == ranked[:-1]).all(axis=1)).any():
                # a hash collision: number the band's rows exactly
                exact = np.unique(
                    block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel(),
                    return_inverse=True,
                )[1].ravel()
                order = np.argsort(exact, kind="stable")
                same = exact[order[1:]] == exact[order[:-1]]
        bucket = np.cumsum(np.r_[False, ~same])  # bucket of each row in sorted order
        keys[band, order] = bucket + offset
        in_shared = np.bincount(bucket)[bucket] > 1
        parts_k.append(bucket[in_shared] + offset)
        parts_t.append(order[in_shared])
        offset += int(bucket[-1]) + 1
    flat_k, flat_t = np.concatenate(parts_k), np.concatenate(parts_t)
    shared = np.zeros(n, dtype=bool)
    shared[flat_t] = True
    return keys, shared, flat_k, flat_t


def _pack(sig: np.ndarray, bits: int) -> tuple[np.ndarray, ...]:
    """The low ``bits`` (2 or 4) bits of every permutation, packed 64 / ``bits`` to a
    64-bit word, permutation ``j`` of a word at bit ``j * bits``: one contiguous array per
    word, so a comparison gathers 8 bytes a word.

    Each permutation's low byte is taken once and the fields of neighbouring
    permutations merged within 16- or 32-bit lanes (little-endian views), so no column
    of ``sig`` is gathered (0.35 s of CPU at 335,000 templates for both widths, against
    0.15 s this way)."""
    if bits not in (2, 4):
        raise ValueError(f"_pack: bits must be 2 or 4, not {bits}")
    low = np.ascontiguousarray(sig.astype(np.uint8) & np.uint8(2**bits - 1))  # (n, NUM_PERM)
    if bits == 4:  # two fields a 16-bit lane, at bits 0 and 8, merged into its low byte
        lanes = low.view("<u2")
        merged = lanes | (lanes >> 4)
    else:  # four fields a 32-bit lane, at bits 0, 8, 16 and 24
        lanes = low.view("<u4")
        merged = lanes | (lanes >> 6) | (lanes >> 12) | (lanes >> 18)
    words = np.ascontiguousarray(merged.astype(np.uint8)).view("<u8")  # (n, NUM_PERM * bits / 64)
    return tuple(np.ascontiguousarray(words[:, k]).astype(np.uint64) for k in range(words.shape[1]))


#: The lowest bit of each field of 2 or 4 bits.
_FIELD_LOW = {2: np.uint64(0x5555555555555555), 4: np.uint64(0x1111111111111111)}


def _differ(words: tuple[np.ndarray, ...], bits: int, cands: np.ndarray, one: int) -> np.ndarray:
    """Permutations whose packed low bits (:func:`_pack`) differ between template
    ``one`` and each of ``cands``: a lower bound on those whose values differ."""
    total = np.zeros(len(cands), dtype=np.uint8)
    for w in words:
        x = w[cands] ^ w[one]
        x |= x >> np.uint64(1)
        if bits == 4:
            x |= x >> np.uint64(2)
        total += np.bitwise_count(x & _FIELD_LOW[bits])
    return total


def _leaders(sig: np.ndarray, order: np.ndarray) -> np.ndarray:
    """The leader of every template (its own index when it leads), as in :func:`clusters`.

    Driven by the leaders rather than by the templates: each template keeps the best
    leader so far among the leaders taken before it (most equal permutations, then the
    smallest index, as taking candidates in index order and keeping the first maximum
    does). When a template's turn comes and no leader so far qualifies, it leads, and
    only the templates after it that share one of its buckets are compared with it, all
    at once. Equal to the template-by-template loop (tested), with a Python step per
    leader (hundreds to thousands) instead of per template (hundreds of thousands).
    Comparisons are screened on the low two, then four, bits of each permutation
    first: a pair agreeing in fewer than the needed permutations there cannot qualify,
    and a leader that does not qualify never matters.
    """
    n = len(sig)
    keys, shared, flat_k, flat_t = _buckets(sig)
    leader_of = np.arange(n, dtype=np.int64)
    todo = order[shared[order]]
    if len(todo) == 0:
        return leader_of
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    # Exact comparisons on 32 bits where every value fits (almost always: the values
    # are below a prime just above 2**32); the screens on two and four bits.
    exact = sig.astype(np.uint32, copy=False) if int(sig.max()) < 2**32 else sig
    two, four = _pack(sig, 2), _pack(sig, 4)
    need = int(np.ceil(MIN_SIMILARITY * NUM_PERM))
    best_same = np.zeros(n, dtype=np.int64)
    best = np.full(n, n, dtype=np.int64)
    mark = np.zeros(n, dtype=bool)
    pos = 0
    while pos < len(todo):
        # The next template with no qualifying leader so far leads; those before it
        # are settled (no new leader came before them).
        step, nxt = 1024, -1
        while pos < len(todo):
            window = todo[pos : pos + step]
            free = np.flatnonzero(best_same[window] < need)
            if len(free):
                nxt = int(free[0])
                leader_of[window[:nxt]] = best[window[:nxt]]
                pos += nxt
                break
            leader_of[window] = best[window]
            pos += len(window)
            step *= 2
        if nxt < 0:
            break
        i = int(todo[pos])
        pos += 1
        lo = np.searchsorted(flat_k, keys[:, i], "left")
        hi = np.searchsorted(flat_k, keys[:, i], "right")
        spans = [flat_t[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True) if b > a]
        if not spans:
            continue
        mark[np.concatenate(spans)] = True
        cands = np.flatnonzero(mark)
        mark[cands] = False
        cands = cands[rank[cands] > rank[i]]
        cands = cands[_differ(two, 2, cands, i) <= NUM_PERM - need]
        cands = cands[_differ(four, 4, cands, i) <= NUM_PERM - need]
        if len(cands) == 0:
            continue
        same = (exact[cands] == exact[i]).sum(axis=1, dtype=np.int64)
        better = (same >= need) & (
            (same > best_same[cands]) | ((same == best_same[cands]) & (i < best[cands]))
        )
        best_same[cands[better]] = same[better]
        best[cands[better]] = i
    return leader_of


def text_clusters(texts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, pl.Series]:
    """``texts`` (tkey, template, n: requests) sorted by template; their near-duplicate
    clusters (tkey, cluster); the cluster number (1..C, in cluster-text order) of each
    row of ``texts`` as given; and the cluster texts in number order."""
    by_text = texts["template"].arg_sort()
    ordered = texts[by_text]
    template = ordered["template"]
    if (template.slice(1) == template.slice(0, max(len(template) - 1, 0))).any():
        # a text twice (not made by the row stage): clusters matched on the texts
        near = clusters(template.to_list(), ordered["n"].to_list())
        keyed = (
            ordered.select("tkey", "template").join(near, on="template").select("tkey", "cluster")
        )
        cid = np.empty(texts.height, dtype=np.uint32)
        cid[by_text.to_numpy()] = near["cluster"].rank("dense").cast(pl.UInt32).to_numpy()
        return ordered, keyed, cid, near["cluster"].unique().sort()
    # Distinct texts in text order: a leader's position orders the cluster texts.
    lead = sorted_leaders(template, ordered["n"])
    first, number = np.unique(lead, return_inverse=True)
    keyed = pl.DataFrame({"tkey": ordered["tkey"], "cluster": template.gather(lead)})
    cid = np.empty(texts.height, dtype=np.uint32)
    cid[by_text.to_numpy()] = number.ravel() + 1
    return ordered, keyed, cid, template.gather(first).alias("cluster")
