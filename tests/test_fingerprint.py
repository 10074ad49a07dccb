"""Near-duplicate fingerprints: MinHash estimates, leader clusters, determinism."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from extractscan.link.fingerprint import NUM_PERM, clusters, signatures, text_clusters


def test_signatures_deterministic_and_estimate_jaccard() -> None:
    a = "think through this carefully step by step and write out every"
    b = "step by step think this through carefully and spell out every"  # reordered, 1 synonym
    c = "what is a good lasagna recipe for four people tonight please"
    s1, s2 = signatures([a, b, c]), signatures([a, b, c])
    assert s1.shape == (3, NUM_PERM) and np.array_equal(s1, s2)
    # true Jaccard(a, b) = 9 / 11 ~ 0.82; (a, c) = 0
    assert (s1[0] == s1[1]).mean() > 0.6
    assert (s1[0] == s1[2]).mean() < 0.1


def test_paraphrases_share_a_cluster_and_chains_do_not_snowball() -> None:
    t = [
        "think through this carefully step by step and write out every",
        "step by step think this through carefully and spell out every",
        "write a short email to my landlord about the heating",
        "what is a good lasagna recipe for four people tonight please",
    ]
    got = dict(clusters(t, [5, 1, 3, 2]).iter_rows())
    assert got[t[1]] == t[0]  # paraphrase joins the more used leader
    assert got[t[2]] == t[2] and got[t[3]] == t[3]
    # a chain a~b, b~c with a !~ c: c must not join a's cluster through b
    chain = ["w1 w2 w3 w4 w5 w6 w7 w8", "w3 w4 w5 w6 w7 w8 w9 w10", "w5 w6 w7 w8 w9 w10 w11 w12"]
    got = dict(clusters(chain, [3, 2, 1]).iter_rows())
    assert got[chain[2]] != chain[0]


def test_empty() -> None:
    assert clusters([]).height == 0


def test_vectorised_signatures_equal_the_per_template_formula() -> None:
    import numpy as np

    from extractscan.link import fingerprint as fp

    texts = ["Solve # now, step by step", "", "### !!!", "b a a", "a b", "Zeta alpha 42"]
    sig = fp.signatures(texts)
    rng = np.random.default_rng(1)
    a = rng.integers(1, 2**32 - 1, fp.NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, fp.NUM_PERM, dtype=np.uint64)
    for i, text in enumerate(texts):
        x = np.asarray(fp._shingles(text), dtype=np.uint64)
        want = ((((a[None, :] * x[:, None]) % fp._PRIME) + b[None, :]) % fp._PRIME).min(axis=0)
        assert (sig[i] == want).all(), text
    assert (sig[3] == sig[4]).all()  # word sets, not sequences


def _leaders_one_by_one(templates: list[str], counts: list[int]) -> list[str]:
    """The template-by-template leader loop that :func:`clusters` replaced (reference)."""
    from extractscan.link import fingerprint as fp

    order = sorted(range(len(templates)), key=lambda i: (-counts[i], templates[i]))
    sig = fp.signatures(templates)
    rows = fp.NUM_PERM // fp.BANDS
    buckets: dict[tuple[int, bytes], list[int]] = {}
    leader_of = list(range(len(templates)))
    for i in order:
        keys = [(b, sig[i, b * rows : (b + 1) * rows].tobytes()) for b in range(fp.BANDS)]
        candidates = sorted({j for k in keys for j in buckets.get(k, ())})
        best = i
        if candidates:
            sims = (sig[candidates] == sig[i]).mean(axis=1)
            top = int(np.argmax(sims))
            if sims[top] >= fp.MIN_SIMILARITY:
                best = candidates[top]
        leader_of[i] = best
        if best == i:
            for k in keys:
                buckets.setdefault(k, []).append(i)
    return [templates[j] for j in leader_of]


def _families(rng: np.random.Generator) -> list[str]:
    """Paraphrase families over a shared vocabulary (many candidates per leader, ties,
    templates near the threshold) and unique loners, sorted."""
    vocab = [f"w{k}" for k in range(60)]
    templates: set[str] = set()
    for family in range(25):
        base = list(rng.choice(vocab, size=12, replace=False))
        for _ in range(int(rng.integers(3, 40))):
            words = [w if rng.random() > 0.25 else str(rng.choice(vocab)) for w in base]
            templates.add(" ".join(words[: int(rng.integers(6, 13))]) + f" f{family % 5}")
    templates |= {f"lone{k} alpha{k} beta{k}" for k in range(20)}
    return sorted(templates)


def test_leader_driven_clusters_equal_the_template_by_template_loop() -> None:
    # Paraphrase families over a shared vocabulary: many candidates per leader, ties,
    # templates near the threshold, equal counts broken by text, unique loners.
    rng = np.random.default_rng(7)
    texts = _families(rng)
    counts = [int(c) for c in rng.integers(1, 6, len(texts))]
    got = clusters(texts, counts)
    assert got["template"].to_list() == texts
    want = _leaders_one_by_one(texts, counts)
    assert got["cluster"].to_list() == want
    leaders = set(want)
    assert 30 < len(leaders) < len(texts) - 100  # the case exercises joining and leading


def test_signatures_of_a_vocabulary_past_16_bits_equal_the_formula() -> None:
    from extractscan.link import fingerprint as fp

    # 70,000 distinct words: word ranks no longer fit 16 bits
    texts = [" ".join(f"x{k}" for k in range(j, 70_000, 7)) for j in range(7)] + ["x3 x9 zz"]
    sig = fp.signatures(texts)
    rng = np.random.default_rng(1)
    a = rng.integers(1, 2**32 - 1, fp.NUM_PERM, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, fp.NUM_PERM, dtype=np.uint64)
    for i in (0, 6, 7):
        x = np.asarray(fp._shingles(texts[i]), dtype=np.uint64)
        want = ((((a[None, :] * x[:, None]) % fp._PRIME) + b[None, :]) % fp._PRIME).min(axis=0)
        assert (sig[i] == want).all()


def test_buckets_fall_back_to_exact_numbers_on_a_hash_collision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from extractscan.link import fingerprint as fp

    rng = np.random.default_rng(3)
    vocab = [f"w{k}" for k in range(30)]
    texts = sorted({" ".join(rng.choice(vocab, size=8)) for _ in range(300)})
    counts = [int(c) for c in rng.integers(1, 5, len(texts))]
    sig = fp.signatures(texts)
    keys, shared, flat_k, flat_t = fp._buckets(sig)
    # every hash equal: all rows collide, so the exact numbering must be used
    monkeypatch.setattr(fp, "_band_hash", lambda block, band: np.zeros(len(block), np.uint64))
    keys2, shared2, flat_k2, flat_t2 = fp._buckets(sig)
    assert shared.any() and np.array_equal(shared, shared2)
    # the same partition into buckets (numbers may differ)
    pairs = {(int(a), int(b)) for a, b in zip(keys.ravel(), keys2.ravel(), strict=True)}
    assert len(pairs) == len(np.unique(keys)) == len(np.unique(keys2))
    assert sorted(flat_t.tolist()) == sorted(flat_t2.tolist())
    assert np.all(np.diff(flat_k2) >= 0)
    # and the clusters equal the reference loop's
    got = clusters(texts, counts)
    assert got["cluster"].to_list() == _leaders_one_by_one(texts, counts)


@pytest.mark.parametrize("bits", [2, 4])
def test_packed_low_bits_are_each_permutations_low_bits_in_its_place(bits: int) -> None:
    from extractscan.link import fingerprint as fp

    # values over the whole 64-bit range (the signatures' are below 2**32 + 15)
    rng = np.random.default_rng(bits)
    sig = rng.integers(0, 2**64 - 1, (257, fp.NUM_PERM), dtype=np.uint64, endpoint=True)
    words = fp._pack(sig, bits)
    per = 64 // bits
    assert len(words) == fp.NUM_PERM // per
    for k, word in enumerate(words):
        assert word.dtype == np.uint64 and word.flags.c_contiguous
        for j in range(per):
            field = (word >> np.uint64(j * bits)) & np.uint64(2**bits - 1)
            assert np.array_equal(field, sig[:, k * per + j] & np.uint64(2**bits - 1))
    assert [len(w) for w in fp._pack(sig[:0], bits)] == [0] * (fp.NUM_PERM // per)


def test_text_clusters_on_positions_equal_clusters_on_texts() -> None:
    # The link stage's clusters of the row stage's texts (tkey, template, n), in any
    # order: leaders found on positions in text order give the clusters, the numbers and
    # the labels of clusters() on the texts.
    rng = np.random.default_rng(11)
    shuffled = [str(t) for t in rng.permutation(_families(rng))]
    frame = pl.DataFrame(
        {
            "tkey": pl.Series(range(100, 100 + len(shuffled)), dtype=pl.UInt64),
            "template": shuffled,
            "n": pl.Series(rng.integers(1, 4, len(shuffled)), dtype=pl.UInt32),  # ties
        }
    )
    ordered, keyed, cid, labels = text_clusters(frame)
    assert ordered["template"].to_list() == sorted(shuffled)
    near = dict(clusters(ordered["template"].to_list(), ordered["n"].to_list()).iter_rows())
    of_key = dict(zip(frame["tkey"], frame["template"], strict=True))
    assert sorted(keyed.rows()) == sorted((k, near[of_key[k]]) for k in of_key)
    assert labels.to_list() == sorted(set(near.values()))
    assert labels.name == "cluster"
    number = {text: i + 1 for i, text in enumerate(labels.to_list())}
    assert cid.tolist() == [number[near[t]] for t in shuffled]
    assert 10 < len(labels) < len(set(shuffled)) - 20


def test_text_clusters_of_a_text_given_twice_match_on_the_texts() -> None:
    # not made by the row stage (one row per text): the clusters matched on the texts
    t = ["solve x step by step", "solve y step by step", "grade this", "solve x step by step"]
    frame = pl.DataFrame(
        {"tkey": pl.Series([1, 2, 3, 4], dtype=pl.UInt64), "template": t, "n": [5, 1, 2, 5]}
    )
    _, keyed, cid, labels = text_clusters(frame)
    assert cid[0] == cid[3] and labels.to_list() == sorted(set(labels.to_list()))
    assert set(keyed["tkey"].to_list()) == {1, 2, 3, 4}


def test_text_clusters_of_nothing() -> None:
    frame = pl.DataFrame(schema={"tkey": pl.UInt64, "template": pl.String, "n": pl.UInt32})
    ordered, keyed, cid, labels = text_clusters(frame)
    assert ordered.height == keyed.height == len(cid) == len(labels) == 0
