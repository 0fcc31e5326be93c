"""Fingerprints: hashed word shingles and MinHash signatures, computed a batch at a time.

Contract:

- the words are those of :func:`copytrace.normalize.words`; each word is hashed to 64 bits
  from its UTF-8 bytes (a polynomial hash mod 2^64 finished by MurmurHash3's mixer), so the
  same text gives the same fingerprints in any process, on any machine, under any
  ``PYTHONHASHSEED``;
- a shingle is ``ngram_size`` consecutive words, hashed to 64 bits by mixing the word hashes
  in order; a text with fewer words than ``ngram_size`` has one shingle of all its words, an
  empty text none;
- the shingle *set* (sorted, unique) is the ground on which Jaccard and containment are
  computed exactly;
- the signature is one-permutation MinHash with optimal densification (Li, Owen and Zhang
  2012; Shrivastava 2017): each shingle is hashed once and falls into one of ``num_perm``
  bins, each bin keeps its minimum, and an empty bin borrows from a bin chosen by a fixed
  sequence of hashes. For every bin, the probability that two texts agree equals their
  Jaccard similarity, as for ``num_perm`` independent permutations, at O(shingles) instead of
  O(shingles x num_perm) cost.

A batch of texts is repaired (:func:`copytrace.textrepair.repair`: mojibake, character
references and tags, as :mod:`copytrace.normalize` does), encoded to UTF-8 and joined; compiled
kernels (:mod:`copytrace.kernels`) fold it to bytes (:func:`folded_bytes`: ASCII,
separators, ignorables and letters whose folding is lower-casing, by a code point table),
then tokenise, hash, shingle, MinHash and winnow it one text at a time in a single pass.
The rare texts holding other characters are folded here in Python
(:func:`copytrace.normalize.fold_pieces` for the words that hold them).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
import xxhash

from copytrace import kernels
from copytrace.config import Config
from copytrace.normalize import CAPITAL_SIGMA, fold_pieces, fold_table, simple_letters
from copytrace.textrepair import repair

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

_MASK64 = (1 << 64) - 1
#: texts are batched up to this many bytes (larger texts go alone)
BATCH_BYTES = 1 << 22


@cache
def _needs_full_folding() -> re.Pattern[str]:
    """Non-ASCII characters for which lower-casing is not the whole of folding."""
    return re.compile("[^\\x00-\\x7f" + re.escape(simple_letters()) + "]")


def _folded(texts: Sequence[str]) -> tuple[U8, I64, I64]:
    """The folded bytes of ``texts``: text i's are ``data[starts[i]:ends[i]]``."""
    encoded = [repair(text).encode("utf-8", "surrogatepass") for text in texts]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    folded, starts, ends, unusual = kernels.fold(data, offsets, fold_table())
    flagged = np.flatnonzero(unusual)
    if flagged.shape[0] == 0:
        return folded, starts, ends
    # the kernel left these quick-folded (separators and ignorables done, case kept)
    extra = [
        _fold_unusual(folded[starts[i] : ends[i]].tobytes().decode("utf-8", "surrogatepass"))
        for i in flagged.tolist()
    ]
    sizes = np.fromiter(map(len, extra), dtype=np.int64, count=len(extra))
    starts[flagged] = folded.shape[0] + np.cumsum(sizes) - sizes
    ends[flagged] = starts[flagged] + sizes
    joined = np.concatenate((folded, np.frombuffer(b"".join(extra), dtype=np.uint8)))
    return joined, starts, ends


def folded_bytes(text: str) -> bytes:
    """The folded words of ``text`` as UTF-8, separated by ASCII non-word bytes.

    Tokenising the result on word bytes gives exactly :func:`copytrace.normalize.words`.
    """
    data, starts, ends = _folded([text])
    return data[starts[0] : ends[0]].tobytes()


def _fold_unusual(quick: str) -> bytes:
    """Fold a quick-folded text (separators made spaces, ignorables deleted) that holds a
    character outside the kernel's table."""
    return _fold_unusual_words(quick.replace(CAPITAL_SIGMA, "σ")).encode("utf-8")


def _is_word_character(char: str) -> bool:
    # what the token pattern of normalize takes: \w (less "_") and combining marks
    return char.isalnum() or unicodedata.category(char)[0] == "M"


def _fold_unusual_words(quick: str) -> str:
    """Fold a text that holds characters outside the fast path: only the words holding one
    are folded in full (:func:`copytrace.normalize.fold_pieces`); the rest is lower-cased.
    A character outside the fast path that is no word character separates words, as it does
    in :func:`copytrace.normalize.words`."""
    pieces: list[str] = []
    done = 0
    for match in _needs_full_folding().finditer(quick):
        position = match.start()
        if position < done:
            continue  # inside a word already folded
        if not _is_word_character(quick[position]):
            pieces.append(quick[done:position].lower())
            pieces.append(" ")
            done = position + 1
            continue
        start, end = position, position + 1
        while start > done and _is_word_character(quick[start - 1]):
            start -= 1
        while end < len(quick) and _is_word_character(quick[end]):
            end += 1
        pieces.append(quick[done:start].lower())
        pieces.append(" ".join(fold_pieces(quick[start:end])))
        done = end
    pieces.append(quick[done:].lower())
    return "".join(pieces)


def _splitmix64(state: int) -> tuple[int, int]:
    """One step of splitmix64: (new state, output). Pure integers, stable everywhere."""
    state = (state + 0x9E3779B97F4A7C15) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def _fmix64(h: U64) -> U64:
    """MurmurHash3's 64-bit finaliser of every value of ``h`` (any shape)."""
    flat = np.ascontiguousarray(h, dtype=np.uint64).reshape(-1)
    mixed: U64 = kernels.fmix64(flat).reshape(np.shape(h))
    return mixed


def _fingerprint(
    texts: Sequence[str], ngram_size: int, permutations: Permutations | None, window: int
) -> tuple[U64, I64, U64, I64, U32, U64, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
    """:func:`copytrace.kernels.fingerprint` of the folded ``texts`` (no signatures without
    ``permutations``, no anchors for ``window`` 0)."""
    data, starts, ends = _folded(texts)
    if permutations is None:
        key, densify = np.uint64(0), np.empty((0, 0), dtype=np.int32)
    else:
        key, densify = permutations.key, permutations.densify
    return kernels.fingerprint(data, starts, ends, ngram_size, key, densify, window)


def word_hashes(folded: Sequence[str]) -> U64:
    """The 64-bit hash of each folded word."""
    data = np.frombuffer(bytearray(" ".join(folded).encode("utf-8")), dtype=np.uint8)
    bounds = np.array([0], dtype=np.int64), np.array([data.shape[0]], dtype=np.int64)
    no_densify = np.empty((0, 0), dtype=np.int32)
    return kernels.fingerprint(data, *bounds, 1, np.uint64(0), no_densify, 0)[0]


def shingle_hashes(hashes: U64, ngram_size: int) -> U64:
    """Hashes of every run of ``ngram_size`` consecutive words, in text order (with repeats)."""
    return kernels.shingles_of_words(np.ascontiguousarray(hashes, dtype=np.uint64), ngram_size)


def ordered_shingles(text: str, ngram_size: int) -> U64:
    """The shingle hashes of ``text`` in text order, with repeats."""
    return _fingerprint([text], ngram_size, None, 0)[2]


def ordered_shingles_of(texts: Sequence[str], ngram_size: int) -> tuple[U64, I64]:
    """:func:`ordered_shingles` of many texts at once: text i's are
    ``shingles[cuts[i]:cuts[i + 1]]``."""
    if not texts:
        return np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    _, _, shingles, cuts, *_ = _fingerprint(texts, ngram_size, None, 0)
    return shingles, cuts


def shingle_set(text: str, ngram_size: int) -> U64:
    """The sorted, unique shingle hashes of ``text``."""
    return np.unique(ordered_shingles(text, ngram_size))


@dataclass(frozen=True, slots=True)
class Permutations:
    """The hashing of one seed: the bin hash's key and the densification sequence.

    ``densify[t, j]`` is the bin an empty bin ``j`` borrows from at attempt ``t``.
    """

    num_perm: int
    key: np.uint64
    densify: npt.NDArray[np.int32]

    @classmethod
    def from_seed(cls, num_perm: int, seed: int) -> Permutations:
        state, key = _splitmix64(seed & _MASK64)
        attempts = 32 * num_perm  # a text with one filled bin still fills all: (1-1/k)^32k
        values = np.empty(attempts * num_perm, dtype=np.uint64)
        state, start = _splitmix64(state)
        with np.errstate(over="ignore"):
            values[:] = _fmix64(np.arange(values.shape[0], dtype=np.uint64) + np.uint64(start))
        table = ((values >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)
        return cls(num_perm, np.uint64(key), table.astype(np.int32).reshape(attempts, num_perm))


def minhash(shingles: U64, permutations: Permutations) -> U32:
    """MinHash signature of one shingle set; all ``0xFFFFFFFF`` for an empty set."""
    cuts = np.array([0, shingles.shape[0]], dtype=np.int64)
    shingles = np.ascontiguousarray(shingles, dtype=np.uint64)
    signature: U32 = kernels.signatures(shingles, cuts, permutations.key, permutations.densify)[0]
    return signature


def sequence_digest(folded: Sequence[str]) -> int:
    """64-bit digest of a folded word sequence: equal digests mean identical after folding."""
    return _digest(word_hashes(folded))


def _digest(hashes: U64) -> int:
    return xxhash.xxh3_64_intdigest(np.ascontiguousarray(hashes).data)


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """One document's fingerprint, as :func:`fingerprint_text` gives it.

    ``shingles`` is the sorted shingle set; ``anchors`` are the winnowed shingle hashes used
    to find partial copies (empty when partial copies are not looked for).
    """

    shingles: U64
    signature: U32
    digest: int
    n_words: int
    anchors: U64


@dataclass(frozen=True, slots=True)
class FingerprintBatch:
    """Fingerprints of many documents as flat arrays (no object per document or shingle).

    Row i of ``signatures``, ``digests`` and ``n_words`` is document i; ``anchors[j]`` is
    at shingle position ``anchor_positions[j]`` of document ``anchor_owners[j]``.
    """

    signatures: U32
    digests: U64
    n_words: I64
    anchors: U64
    anchor_owners: npt.NDArray[np.int32]
    anchor_positions: npt.NDArray[np.int32]

    def __len__(self) -> int:
        return int(self.n_words.shape[0])

    def select(self, rows: I64) -> FingerprintBatch:
        """The fingerprints of ``rows`` (sorted, unique), renumbered 0..len(rows)-1."""
        position = np.full(len(self), -1, dtype=np.int64)
        position[rows] = np.arange(rows.shape[0], dtype=np.int64)
        kept = position[self.anchor_owners] >= 0
        return FingerprintBatch(
            self.signatures[rows],
            self.digests[rows],
            self.n_words[rows],
            self.anchors[kept],
            position[self.anchor_owners[kept]].astype(np.int32),
            self.anchor_positions[kept],
        )

    @staticmethod
    def concatenate(batches: Sequence[FingerprintBatch], num_perm: int) -> FingerprintBatch:
        """One batch of all ``batches``, documents numbered in order."""
        if not batches:
            return FingerprintBatch(
                np.empty((0, num_perm), dtype=np.uint32),
                np.empty(0, dtype=np.uint64),
                np.empty(0, dtype=np.int64),
                np.empty(0, dtype=np.uint64),
                np.empty(0, dtype=np.int32),
                np.empty(0, dtype=np.int32),
            )
        firsts = np.cumsum([0] + [len(batch) for batch in batches[:-1]])
        return FingerprintBatch(
            np.concatenate([batch.signatures for batch in batches]),
            np.concatenate([batch.digests for batch in batches]),
            np.concatenate([batch.n_words for batch in batches]),
            np.concatenate([batch.anchors for batch in batches]),
            np.concatenate(
                [
                    (batch.anchor_owners + first).astype(np.int32)
                    for batch, first in zip(batches, firsts, strict=True)
                ]
            ),
            np.concatenate([batch.anchor_positions for batch in batches]),
        )


def _shingle_batch(texts: Sequence[str], ngram_size: int) -> tuple[U64, I64, U64, I64, I64]:
    """(shingles, owners, word hashes, first word of each text, words per text) of a batch;
    shingles are in text order, grouped by owner."""
    hashes, bounds, shingles, cuts = _fingerprint(texts, ngram_size, None, 0)[:4]
    owners = np.repeat(np.arange(len(texts), dtype=np.int64), np.diff(cuts))
    return shingles, owners, hashes, bounds, np.diff(bounds)


def text_batches(sizes: Sequence[int], limit: int = BATCH_BYTES) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of consecutive texts whose sizes add up to about ``limit`` (a
    larger text goes alone): big enough to amortise the per-batch calls, small enough to
    bound a batch's arrays."""
    start = total = 0
    for index, size in enumerate(sizes):
        if index > start and total + size > limit:
            yield start, index
            start, total = index, 0
        total += size
    if start < len(sizes):
        yield start, len(sizes)


def ordered_shingle_batch(texts: Sequence[str], ngram_size: int) -> list[U64]:
    """The shingle hashes of each text in text order (with repeats), a batch at a time."""
    out: list[U64] = []
    for start, end in text_batches([len(text) for text in texts]):
        _, _, shingles, cuts = _fingerprint(texts[start:end], ngram_size, None, 0)[:4]
        out.extend(np.split(shingles, cuts[1:-1]))
    return out


def shingle_sets(texts: Sequence[str], ngram_size: int) -> list[U64]:
    """The sorted shingle set of each text, computed as one batch."""
    return [np.unique(shingles) for shingles in ordered_shingle_batch(texts, ngram_size)]


def fingerprint_batch(
    texts: Sequence[str], config: Config, permutations: Permutations
) -> FingerprintBatch:
    """Fingerprints of ``texts`` (see the module contract), computed as one batch."""
    return fingerprint_batch_with_shingles(texts, config, permutations)[0]


def fingerprint_batch_with_shingles(
    texts: Sequence[str], config: Config, permutations: Permutations
) -> tuple[FingerprintBatch, U64, I64]:
    """Fingerprints of ``texts``, and their ordered shingles: text i's are
    ``shingles[cuts[i]:cuts[i + 1]]`` (whose sets verification needs later, so that it need
    not shingle the texts again)."""
    from copytrace.anchors import anchor_window

    if not texts:
        empty = FingerprintBatch.concatenate([], config.num_perm)
        return empty, np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    window = anchor_window(config.min_passage_words, config.ngram_size) if config.partial else 0
    hashes, bounds, shingles, cuts, signatures, anchors, anchor_owners, anchor_positions = (
        _fingerprint(texts, config.ngram_size, permutations, window)
    )
    words = hashes.data
    ranges = bounds.tolist()
    digests = np.fromiter(
        (xxhash.xxh3_64_intdigest(words[ranges[i] : ranges[i + 1]]) for i in range(len(texts))),
        dtype=np.uint64,
        count=len(texts),
    )
    n_words = np.diff(bounds)
    batch = FingerprintBatch(signatures, digests, n_words, anchors, anchor_owners, anchor_positions)
    return batch, shingles, cuts


def fingerprint_text(text: str, config: Config, permutations: Permutations) -> Fingerprint:
    """Fingerprint one text with the settings of ``config``."""
    batch, ordered, _ = fingerprint_batch_with_shingles([text], config, permutations)
    return Fingerprint(
        shingles=np.unique(ordered),
        signature=batch.signatures[0],
        digest=int(batch.digests[0]),
        n_words=int(batch.n_words[0]),
        anchors=np.unique(batch.anchors),
    )
