"""fingerprint: stable hashes, shingles of short texts, MinHash estimates close to exact Jaccard."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.config import Config
from copytrace.fingerprint import (
    Permutations,
    _fmix64,
    fingerprint_batch,
    fingerprint_text,
    folded_bytes,
    minhash,
    sequence_digest,
    shingle_hashes,
    shingle_set,
    shingle_sets,
    word_hashes,
)
from copytrace.normalize import words
from copytrace.verify import similarity

FIXED_TEXT = (
    "Sources in the US government are angry with French President Emmanuel Macron, "
    "after his “suggestion” that preventing a Russian victory – Bloomberg has reported. "
    "Москва и Киев, café ＮＡＴＯ 2024."
)

# --- stability ----------------------------------------------------------------------------

_CHILD = """
import json, sys
from copytrace.fingerprint import Permutations, minhash, shingle_set
text = sys.stdin.read()
shingles = shingle_set(text, 5)
signature = minhash(shingles, Permutations.from_seed(64, 7))
print(json.dumps({"shingles": shingles.tolist(), "signature": signature.tolist()}))
"""


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_fingerprints_are_the_same_in_another_process(hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    child = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=FIXED_TEXT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        check=True,
    )
    theirs = json.loads(child.stdout)
    shingles = shingle_set(FIXED_TEXT, 5)
    ours = minhash(shingles, Permutations.from_seed(64, 7))
    assert theirs["shingles"] == [int(x) for x in shingles]
    assert theirs["signature"] == [int(x) for x in ours]


def test_pinned_hash_values() -> None:
    # Changing any of these changes every fingerprint ever stored: a persistent index built
    # with the old values would silently stop matching. Change them only on purpose.
    assert [int(h) for h in word_hashes(["macron", "nato"])] == [
        14788456983505885742,
        8472079310812392453,
    ]
    assert [int(h) for h in shingle_hashes(word_hashes(["a", "b", "c"]), 5)] == [
        6294138316094497265
    ]
    text = "Sources in the US government are angry with French President Emmanuel Macron"
    shingles = shingle_set(text, 5)
    assert len(shingles) == 8
    assert [int(x) for x in shingles[:3]] == [
        1500966118600572720,
        3710525288946459301,
        5060638006512336607,
    ]
    assert [int(x) for x in minhash(shingles, Permutations.from_seed(8, 1))] == [
        3666947489, 584860570, 1877155377, 593160471, 2047761300, 2047761300, 593160471,
        2047761300,
    ]  # fmt: skip
    assert sequence_digest(["a", "b"]) == 15266641893779864771


def test_permutations_follow_splitmix64() -> None:
    # the first splitmix64 output for state 1 is the reference value 0x910A2DEC89025CC1
    permutations = Permutations.from_seed(4, 1)
    assert int(permutations.key) == 0x910A2DEC89025CC1
    again = Permutations.from_seed(4, 1)
    assert np.array_equal(permutations.densify, again.densify)
    assert permutations.densify.min() >= 0 and permutations.densify.max() < 4
    other = Permutations.from_seed(4, 2)
    assert int(other.key) != int(permutations.key)


def test_word_hash_depends_on_every_byte_and_not_on_position() -> None:
    hashes = [int(h) for h in word_hashes(["macron", "macrom", "москва", "café", "cafe"])]
    assert len(set(hashes)) == len(hashes)
    # the same word hashes the same wherever it stands
    again = word_hashes(["x", "y", "macron", "z", "macron"])
    assert int(again[2]) == int(again[4]) == hashes[0]


_WORD_BYTES = re.compile(rb"[0-9A-Za-z\x80-\xff]+")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_batch_folding_agrees_with_words(text: str) -> None:
    # the byte path tokenises exactly as normalize.words does, and hashes the same words
    assert [word.decode() for word in _WORD_BYTES.findall(folded_bytes(text))] == words(text)
    config = Config(ngram_size=3, min_passage_words=10)
    permutations = Permutations.from_seed(16, 1)
    assert fingerprint_text(text, config, permutations).digest == sequence_digest(words(text))


def test_batch_fingerprints_equal_one_at_a_time() -> None:
    config = Config(ngram_size=3, partial=True, min_passage_words=10)
    permutations = Permutations.from_seed(config.num_perm, config.seed)
    texts = [FIXED_TEXT, "", "one two", "a b c d e f g h i j k l m n o p", FIXED_TEXT.upper()]
    batch = fingerprint_batch(texts, config, permutations)
    for index, text in enumerate(texts):
        alone = fingerprint_text(text, config, permutations)
        assert np.array_equal(batch.signatures[index], alone.signature)
        assert int(batch.digests[index]) == alone.digest
        assert int(batch.n_words[index]) == alone.n_words
        assert np.array_equal(np.unique(batch.anchors[batch.anchor_owners == index]), alone.anchors)
    assert shingle_sets(texts, 3)[0].tolist() == shingle_set(FIXED_TEXT, 3).tolist()


# --- shingles -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ngram_size", "count"),
    [
        ("", 5, 0),
        ("  – “ ” ", 5, 0),
        ("one", 5, 1),
        ("one two three", 5, 1),
        ("one two three four", 5, 1),
        ("one two three four five", 5, 1),
        ("one two three four five six", 5, 2),
        ("a b c d e f g h i j", 3, 8),
        ("a b c d e f g h i j", 1, 10),
        ("a a a a a a a a", 2, 1),  # repeats collapse in the set
    ],
)
def test_number_of_shingles(text: str, ngram_size: int, count: int) -> None:
    shingles = shingle_set(text, ngram_size)
    assert shingles.dtype == np.uint64
    assert shingles.shape == (count,)
    assert np.all(shingles[1:] > shingles[:-1])  # sorted and unique


def test_short_text_shingle_is_all_its_words() -> None:
    # fewer words than ngram_size: one shingle of all the words, order-sensitive
    assert np.array_equal(shingle_set("one two three", 5), shingle_set("One, two; three!", 5))
    assert not np.array_equal(shingle_set("one two three", 5), shingle_set("three two one", 5))
    assert not np.array_equal(shingle_set("one two", 5), shingle_set("one two three", 5))


def test_shingles_are_order_sensitive_and_typography_blind() -> None:
    a = shingle_set("the leader’s “boots” on the ground", 3)
    b = shingle_set('The leader\'s "boots" on the ground', 3)
    c = shingle_set("the ground on boots leader's the", 3)
    assert np.array_equal(a, b)
    assert len(np.intersect1d(a, c)) == 0


def test_fingerprint_text_fields() -> None:
    config = Config()
    permutations = Permutations.from_seed(config.num_perm, config.seed)
    fp = fingerprint_text(FIXED_TEXT, config, permutations)
    assert fp.n_words == len(words(FIXED_TEXT))
    assert np.array_equal(fp.shingles, shingle_set(FIXED_TEXT, config.ngram_size))
    assert np.array_equal(fp.signature, minhash(fp.shingles, permutations))
    assert fp.signature.dtype == np.uint32
    assert fp.signature.shape == (config.num_perm,)
    assert fp.digest == sequence_digest(words(FIXED_TEXT))
    # typography does not change the digest; a changed digit does
    variant = FIXED_TEXT.replace("“", '"').replace("”", '"').replace("–", "-")
    assert fingerprint_text(variant, config, permutations).digest == fp.digest
    changed = FIXED_TEXT.replace("2024", "2025")
    assert fingerprint_text(changed, config, permutations).digest != fp.digest


# --- MinHash ------------------------------------------------------------------------------


def test_minhash_of_empty_set_is_all_ones() -> None:
    signature = minhash(np.empty(0, dtype=np.uint64), Permutations.from_seed(16, 1))
    assert signature.dtype == np.uint32
    assert np.all(signature == 0xFFFFFFFF)


def test_minhash_of_identical_sets_is_identical() -> None:
    permutations = Permutations.from_seed(128, 3)
    a = minhash(shingle_set(FIXED_TEXT, 5), permutations)
    b = minhash(shingle_set(FIXED_TEXT.upper(), 5), permutations)
    assert np.array_equal(a, b)


def test_one_permutation_minhash_keeps_each_bins_minimum_and_densifies() -> None:
    # a bin that shingles fall into keeps their minimum; an empty bin borrows a filled one
    rng = np.random.default_rng(0)
    permutations = Permutations.from_seed(64, 5)
    for size in (1, 3, 40, 6000):
        shingles = np.unique(rng.integers(0, 2**64, size=size, dtype=np.uint64))
        signature = minhash(shingles, permutations)
        with np.errstate(over="ignore"):
            hashed = _fmix64(shingles ^ permutations.key)
        slots = ((hashed >> np.uint64(32)) * np.uint64(64)) >> np.uint64(32)
        values = (hashed & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        filled = {int(slot): int(values[slots == slot].min()) for slot in np.unique(slots)}
        for slot, value in filled.items():
            assert int(signature[slot]) == value
        assert set(int(v) for v in signature) <= set(filled.values())


_VOCABULARY = [f"w{i}" for i in range(3000)]


def _pair_with_overlap(seed: int, shared: int, only_a: int, only_b: int) -> tuple[str, str]:
    """Two texts that share a run of ``shared`` words and each have their own words."""
    rng = random.Random(seed)
    common = rng.choices(_VOCABULARY, k=shared)
    a = common + rng.choices(_VOCABULARY, k=only_a)
    b = rng.choices(_VOCABULARY, k=only_b) + common
    return " ".join(a), " ".join(b)


def _exact_jaccard(a: str, b: str, ngram_size: int) -> float:
    """Jaccard of 3-word shingle tuples by plain Python sets (independent of copytrace)."""

    def shingles(text: str) -> set[tuple[str, ...]]:
        w = text.split()
        return {tuple(w[i : i + ngram_size]) for i in range(len(w) - ngram_size + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def _estimate(a: str, b: str, ngram_size: int, permutations: Permutations) -> float:
    sig_a = minhash(shingle_set(a, ngram_size), permutations)
    sig_b = minhash(shingle_set(b, ngram_size), permutations)
    return float(np.mean(sig_a == sig_b))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    shared=st.integers(0, 300),
    only_a=st.integers(0, 150),
    only_b=st.integers(0, 150),
    perm_seed=st.integers(0, 2**16),
)
def test_minhash_estimate_is_close_to_exact_jaccard(
    seed: int, shared: int, only_a: int, only_b: int, perm_seed: int
) -> None:
    a, b = _pair_with_overlap(seed, shared, only_a + 3, only_b + 3)
    exact = _exact_jaccard(a, b, 3)
    estimate = _estimate(a, b, 3, Permutations.from_seed(256, perm_seed))
    # the standard deviation of the estimate is at most 0.5/sqrt(256) = 0.031: 0.15 is ~5 sigma
    assert abs(estimate - exact) <= 0.15


def test_minhash_estimate_is_unbiased_over_many_pairs() -> None:
    permutations = Permutations.from_seed(256, 11)
    errors = []
    outliers = 0
    for seed in range(150):
        rng = random.Random(seed)
        a, b = _pair_with_overlap(seed, rng.randint(20, 300), rng.randint(3, 200), 50)
        exact = _exact_jaccard(a, b, 3)
        error = _estimate(a, b, 3, permutations) - exact
        errors.append(error)
        sigma = max((exact * (1 - exact) / 256) ** 0.5, 1 / 256)
        outliers += abs(error) > 3 * sigma
    assert abs(float(np.mean(errors))) < 0.01  # no bias
    assert outliers <= 3  # ~0.3 % expected beyond 3 sigma
    assert float(np.std(errors)) < 0.035


# --- Jaccard symmetry ---------------------------------------------------------------------

_word_lists = st.lists(st.sampled_from(_VOCABULARY[:40]), max_size=60)


@settings(max_examples=150, deadline=None)
@given(_word_lists, _word_lists, st.integers(1, 6))
def test_jaccard_is_symmetric_and_containments_swap(
    a_words: list[str], b_words: list[str], ngram_size: int
) -> None:
    a = shingle_set(" ".join(a_words), ngram_size)
    b = shingle_set(" ".join(b_words), ngram_size)
    ab, ba = similarity(a, b), similarity(b, a)
    assert ab.jaccard == ba.jaccard
    assert ab.containment_a == ba.containment_b
    assert ab.containment_b == ba.containment_a
    assert ab.shared == ba.shared
    assert 0.0 <= ab.jaccard <= min(ab.containment_a, ab.containment_b) <= 1.0
