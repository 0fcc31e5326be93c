"""fingerprint kernels: folding, word hashes, shingles, MinHash and winnowing equal their
definitions, written here in plain Python, for every code point and random texts."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace import kernels
from copytrace.anchors import winnow_batch
from copytrace.config import Config
from copytrace.fingerprint import (
    Permutations,
    _fold_unusual_words,
    _folded,
    _needs_full_folding,
    fingerprint_batch_with_shingles,
    folded_bytes,
    minhash,
    ordered_shingle_batch,
    shingle_hashes,
    word_hashes,
)
from copytrace.normalize import IGNORABLE, LOOKALIKES, SEPARATORS, words
from copytrace.textrepair import repair

MASK = (1 << 64) - 1
_QUICK_FOLD = str.maketrans({**{c: None for c in IGNORABLE}, **{c: " " for c in SEPARATORS}})


def reference_folded_bytes(text: str) -> bytes:
    """folded_bytes as it was written in Python before the kernels: the oracle (with capital
    sigma folded to "σ" as case folding does, not by str.lower's final-sigma rule), of the
    text repaired as the kernels' callers repair it (:mod:`copytrace.textrepair`)."""
    text = repair(text)
    if text.isascii():
        return text.lower().encode("ascii")
    quick = text.translate(_QUICK_FOLD).replace("Σ", "σ")
    if quick.isascii():
        return quick.lower().encode("ascii")
    if _needs_full_folding().search(quick) is None:
        return quick.lower().encode("utf-8")
    return _fold_unusual_words(quick).encode("utf-8")


def batch_folded(texts: list[str]) -> list[bytes]:
    data, starts, ends = _folded(texts)
    return [data[s:e].tobytes() for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def fmix(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK
    return h ^ (h >> 33)


def reference_word_hash(word: bytes) -> int:
    raw = sum((byte + 1) * pow(0x100000001B3, i, 1 << 64) for i, byte in enumerate(word))
    return fmix((raw & MASK) ^ ((len(word) * 0xC2B2AE3D27D4EB4F) & MASK))


def reference_shingles(hashes: list[int], ngram_size: int) -> list[int]:
    size = min(ngram_size, len(hashes))
    out = []
    for first in range(len(hashes) - size + 1) if hashes else ():
        acc = size
        for h in hashes[first : first + size]:
            acc = ((acc * 0x9E3779B97F4A7C15) & MASK) ^ h
        out.append(fmix(acc))
    return out


def reference_minhash(shingles: list[int], permutations: Permutations) -> list[int]:
    k = permutations.num_perm
    bins: list[int | None] = [None] * k
    for shingle in shingles:
        h = fmix(shingle ^ int(permutations.key))
        slot, value = ((h >> 32) * k) >> 32, h & 0xFFFFFFFF
        current = bins[slot]
        bins[slot] = value if current is None else min(current, value)
    if not shingles:
        return [0xFFFFFFFF] * k
    out = []
    for j in range(k):
        value = bins[j]
        for source in permutations.densify[:, j].tolist():
            if value is not None:
                break
            value = bins[source]
        out.append(0xFFFFFFFF if value is None else value)
    return out


def reference_winnow(texts: list[list[int]], window: int) -> list[tuple[int, int, int]]:
    anchors = []
    for owner, text in enumerate(texts):
        if not text:
            continue
        starts = range(len(text) - window + 1) if len(text) >= window else [0]
        chosen = {
            min(range(s, min(s + window, len(text))), key=lambda i: (text[i], i)) for s in starts
        }
        anchors += [(text[i], owner, i) for i in sorted(chosen)]
    return anchors


# --- folding ------------------------------------------------------------------------------


def test_every_code_point_folds_as_before() -> None:
    codes = [*range(0x3000), 0xD800, 0xDFFF, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]
    contexts = ["{}", "Ab{}Cd", "ΔΣ{}Σ x", "x\u00a0{}\u200b{}ΣΣ"]
    texts = [context.replace("{}", chr(code)) for code in codes for context in contexts]
    expected = [reference_folded_bytes(text) for text in texts]
    assert batch_folded(texts) == expected
    assert [folded_bytes(text) for text in texts[::7]] == expected[::7]


_PIECES = [
    *"abcXYZ019 _-.,'\n\t\x00",
    *SEPARATORS,
    *IGNORABLE,
    *LOOKALIKES,
    *"éÉàÀçÇøØłŁșȘțȚßẞİıſǅȺⱥ",
    *"αβγΣσςΑΒΓΔΩάέήΐ",
    *"абвгдеёжзАБВГДЁЖЗ",
    *"中文日本語한국어",
    "\u0301",
    "\u0308",
    "\u093f",
    *"ﬁﬂ½⑴²ＡＮＡ０Ω™№",
    "\U0001f600",
    "\U0001d400",
    "\ud800",
    "\udfff",
    "Word",
    "WORD",
    "  ",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=60).map("".join), max_size=8))
def test_random_texts_fold_as_before_alone_and_in_batches(texts: list[str]) -> None:
    expected = [reference_folded_bytes(text) for text in texts]
    assert batch_folded(texts) == expected
    assert [folded_bytes(text) for text in texts] == expected


_WORD_BYTES = re.compile(rb"[0-9A-Za-z\x80-\xff]+")


def folded_words(text: str) -> list[str]:
    return [word.decode() for word in _WORD_BYTES.findall(folded_bytes(text))]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=80).map("".join))
def test_folded_words_are_normalize_words(text: str) -> None:
    assert folded_words(text) == words(text)


def test_final_capital_sigma_folds_as_normalize_words() -> None:
    # str.lower would give a final "ς" here; case folding gives "σ" wherever it stands
    assert folded_words("ΔΣ") == words("ΔΣ") == ["δσ"]
    assert folded_words("ΟΔΟΣ και ﬁ ΔΡΟΜΟΣ.") == words("ΟΔΟΣ και ﬁ ΔΡΟΜΟΣ.")


# --- hashes -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
            st.text(alphabet="ab", min_size=60, max_size=140),  # past the table of powers
            st.text(alphabet="éßжΣ中", min_size=1, max_size=30),
        ),
        max_size=30,
    ),
    st.integers(1, 7),
)
def test_word_and_shingle_hashes_follow_their_definition(words_: list[str], k: int) -> None:
    hashes = word_hashes(words_)
    assert hashes.tolist() == [reference_word_hash(word.encode()) for word in words_]
    assert shingle_hashes(hashes, k).tolist() == reference_shingles(hashes.tolist(), k)


def test_words_of_64_and_65_bytes() -> None:
    for size in (63, 64, 65, 66, 129, 1000):
        word = "q" * (size - 1) + "z"
        assert word_hashes([word]).tolist() == [reference_word_hash(word.encode())]


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, (1 << 64) - 1), max_size=300),
    st.sampled_from([2, 3, 16, 128]),
    st.integers(0, 50),
)
def test_minhash_follows_its_definition(shingles: list[int], k: int, seed: int) -> None:
    permutations = Permutations.from_seed(k, seed)
    signature = minhash(np.array(shingles, dtype=np.uint64), permutations)
    assert signature.tolist() == reference_minhash(shingles, permutations)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 6), max_size=40), max_size=8),
    st.integers(1, 12),
)
def test_winnowing_follows_its_definition(texts: list[list[int]], window: int) -> None:
    # small values: many ties, which must go to the leftmost
    shingles = np.array([v for text in texts for v in text], dtype=np.uint64)
    cuts = np.cumsum([0] + [len(text) for text in texts]).astype(np.int64)
    anchors, owners, positions = winnow_batch(shingles, cuts, window)
    assert (owners.dtype, positions.dtype) == (np.int32, np.int32)
    got = list(zip(anchors.tolist(), owners.tolist(), positions.tolist(), strict=True))
    assert got == reference_winnow(texts, window)


def test_batch_equals_definitions_end_to_end() -> None:
    config = Config(ngram_size=3, min_passage_words=14)
    permutations = Permutations.from_seed(32, 9)
    texts = ["", "one", "One two", "a b c d e f g h i j k l m n o p q r s t", "Ωμέγα ΣΑΣ ﬁx", "x"]
    batch, shingles, cuts = fingerprint_batch_with_shingles(texts, config, permutations)
    ordered = []
    for i, text in enumerate(texts):
        hashes = [reference_word_hash(word.encode()) for word in words(text)]
        ordered.append(reference_shingles(hashes, 3))
        assert shingles[cuts[i] : cuts[i + 1]].tolist() == ordered[-1]
        assert batch.signatures[i].tolist() == reference_minhash(ordered[-1], permutations)
        assert int(batch.n_words[i]) == len(hashes)
    assert [s.tolist() for s in ordered_shingle_batch(texts, 3)] == ordered
    expected = reference_winnow(ordered, 3)
    assert (
        list(
            zip(
                batch.anchors.tolist(),
                batch.anchor_owners.tolist(),
                batch.anchor_positions.tolist(),
                strict=True,
            )
        )
        == expected
    )


# --- compiling ----------------------------------------------------------------------------

_NO_CACHE = """
import importlib.util, sys
import numba.core.caching as caching
def refuse(self):
    raise OSError("read-only")
caching._CacheLocator.ensure_cache_path = refuse
import numpy as np
spec = importlib.util.spec_from_file_location("kernels_alone", sys.argv[1])
kernels = importlib.util.module_from_spec(spec)
spec.loader.exec_module(kernels)
print(int(kernels.fmix64(np.arange(3, dtype=np.uint64))[1]))
"""


def test_kernels_work_where_no_cache_directory_is_writable() -> None:
    # numba refuses cache=True where it finds no writable cache directory; the kernels
    # then compile uncached (kernels.py is loaded alone, as the module every other compiled
    # loop takes its compile helper from)
    path = Path(__file__).resolve().parents[1] / "src" / "copytrace" / "kernels.py"
    env = {key: value for key, value in os.environ.items() if key != "NUMBA_CACHE_DIR"}
    env["COPYTRACE_KERNELS"] = "jit"
    child = subprocess.run(
        [sys.executable, "-c", _NO_CACHE, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert int(child.stdout) == fmix(1)


def _check_shingle_sets(texts: list[np.ndarray]) -> None:
    """kernels.shingle_sets of ``texts`` gives each text's set (sorted, unique), in order."""
    cuts = np.concatenate(([0], np.cumsum([t.shape[0] for t in texts]))).astype(np.int64)
    sets, set_cuts = kernels.shingle_sets(np.concatenate(texts), cuts)
    assert set_cuts.shape[0] == len(texts) + 1
    for i, text in enumerate(texts):
        assert sets[set_cuts[i] : set_cuts[i + 1]].tolist() == np.unique(text).tolist()


def test_shingle_sets_gives_each_texts_set() -> None:
    rng = np.random.default_rng(3)
    texts = [rng.integers(0, 50, size=n).astype(np.uint64) for n in (0, 1, 7, 40, 0, 200)]
    _check_shingle_sets(texts)


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2**64, size=n, dtype=np.uint64)


@pytest.mark.parametrize(
    "make",
    [
        # hash values, as shingles are: spread over buckets by their top bits
        lambda rng, n: _uniform(rng, n),
        # a repeated passage: few distinct values, each many times
        lambda rng, n: np.resize(_uniform(rng, 7), n),
        # one value throughout
        lambda rng, n: np.full(n, 12345, dtype=np.uint64),
        # every value in one bucket: the general sort takes over
        lambda rng, n: rng.integers(0, 2**40, size=n, dtype=np.uint64),
        # the largest values (the top bucket) and already sorted or reversed runs
        lambda rng, n: np.sort(_uniform(rng, n)) | np.uint64(2**63),
        lambda rng, n: np.sort(_uniform(rng, n))[::-1].copy(),
    ],
)
def test_shingle_sets_sorts_any_shingles(
    make: Callable[[np.random.Generator, int], np.ndarray],
) -> None:
    rng = np.random.default_rng(11)
    texts = [make(rng, n) for n in (0, 1, 2, 31, 32, 33, 64, 65, 171, 1000, 5000)]
    _check_shingle_sets(texts)
