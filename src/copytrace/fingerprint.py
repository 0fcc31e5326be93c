"""Fingerprints: hashed word shingles and MinHash signatures.

Contract:

- a word is hashed with xxh3-64, so the same text gives the same fingerprints in any
  process, on any machine, under any ``PYTHONHASHSEED``;
- a shingle is ``ngram_size`` consecutive folded words, hashed to 64 bits by mixing the word
  hashes in order (vectorised in numpy: no Python object per shingle); a text with fewer
  words than ``ngram_size`` has one shingle of all its words, an empty text none;
- :func:`shingle_set` is the sorted set of shingle hashes, the ground on which Jaccard and
  containment are computed exactly;
- :func:`minhash` gives ``num_perm`` 32-bit minima of multiply-shift hashes of the shingle
  set; the fraction of equal positions between two signatures estimates their Jaccard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import xxhash

from copytrace.config import Config
from copytrace.normalize import words

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]

_MASK64 = (1 << 64) - 1
# odd multiplier for mixing word hashes into a shingle hash (from splitmix64)
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# shingle hashes are processed in chunks so that a huge document never needs a
# (shingles x num_perm) matrix larger than this many cells
_MINHASH_CHUNK_CELLS = 1 << 22


def _splitmix64(state: int) -> tuple[int, int]:
    """One step of splitmix64: (new state, output). Pure integers, stable everywhere."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def _fmix64(h: U64) -> U64:
    """MurmurHash3's 64-bit finaliser, vectorised: spreads every input bit over the output."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@dataclass(frozen=True, slots=True)
class Permutations:
    """The ``num_perm`` multiply-shift hash functions of one seed: h(x) = (a*x + b) >> 32."""

    multipliers: U64
    offsets: U64

    @classmethod
    def from_seed(cls, num_perm: int, seed: int) -> Permutations:
        state = seed & _MASK64
        values = []
        for _ in range(2 * num_perm):
            state, out = _splitmix64(state)
            values.append(out)
        multipliers = np.array(values[:num_perm], dtype=np.uint64) | np.uint64(1)
        offsets = np.array(values[num_perm:], dtype=np.uint64)
        return cls(multipliers, offsets)


def word_hashes(folded: Sequence[str]) -> U64:
    """xxh3-64 of each folded word's UTF-8 bytes."""
    digest = xxhash.xxh3_64_intdigest
    return np.fromiter(
        (digest(w.encode("utf-8")) for w in folded), dtype=np.uint64, count=len(folded)
    )


def shingle_hashes(hashes: U64, ngram_size: int) -> U64:
    """Hashes of every run of ``ngram_size`` consecutive words, in text order (with repeats)."""
    n = hashes.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(ngram_size, n)
    count = n - k + 1
    with np.errstate(over="ignore"):
        acc = np.full(count, np.uint64(k), dtype=np.uint64)
        for i in range(k):
            acc = (acc * _SHINGLE_MULTIPLIER) ^ hashes[i : i + count]
        return _fmix64(acc)


def shingle_set(text: str, ngram_size: int) -> U64:
    """The sorted, unique shingle hashes of ``text``."""
    return np.unique(shingle_hashes(word_hashes(words(text)), ngram_size))


def minhash(shingles: U64, permutations: Permutations) -> U32:
    """MinHash signature of a shingle set; all ``0xFFFFFFFF`` for an empty set."""
    num_perm = permutations.multipliers.shape[0]
    signature = np.full(num_perm, np.uint32(0xFFFFFFFF), dtype=np.uint32)
    if shingles.shape[0] == 0:
        return signature
    a = permutations.multipliers[:, None]
    b = permutations.offsets[:, None]
    step = max(1, _MINHASH_CHUNK_CELLS // num_perm)
    with np.errstate(over="ignore"):
        for start in range(0, shingles.shape[0], step):
            chunk = shingles[None, start : start + step]
            hashed = ((a * chunk + b) >> np.uint64(32)).astype(np.uint32)
            np.minimum(signature, hashed.min(axis=1), out=signature)
    return signature


def sequence_digest(folded: Sequence[str]) -> int:
    """64-bit digest of a folded word sequence: equal digests mean identical after folding."""
    hasher = xxhash.xxh3_64()
    for word in folded:
        hasher.update(word.encode("utf-8"))
        hasher.update(b"\x00")
    return hasher.intdigest()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the candidate and verify stages need to know of one document.

    ``anchors`` are the winnowed shingle hashes used to find partial copies (empty when
    partial copies are not looked for).
    """

    shingles: U64
    signature: U32
    digest: int
    n_words: int
    anchors: U64


def fingerprint_text(text: str, config: Config, permutations: Permutations) -> Fingerprint:
    """Fingerprint one text with the settings of ``config``."""
    folded = words(text)
    ordered = shingle_hashes(word_hashes(folded), config.ngram_size)
    shingles = np.unique(ordered)
    if config.partial:
        from copytrace.anchors import anchor_window, winnow

        anchors = winnow(ordered, anchor_window(config.min_passage_words, config.ngram_size))
    else:
        anchors = np.empty(0, dtype=np.uint64)
    return Fingerprint(
        shingles=shingles,
        signature=minhash(shingles, permutations),
        digest=sequence_digest(folded),
        n_words=len(folded),
        anchors=anchors,
    )


def ordered_shingles(text: str, ngram_size: int) -> U64:
    """The shingle hashes of ``text`` in text order, with repeats."""
    return shingle_hashes(word_hashes(words(text)), ngram_size)
