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

Everything is vectorised over a whole batch of texts in numpy: the texts are folded to bytes
(:func:`folded_bytes`), joined, and tokenised, hashed, shingled and MinHashed with a fixed
number of array operations per batch, not per word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt
import xxhash

from copytrace.config import Config
from copytrace.normalize import IGNORABLE, LOOKALIKES, fold_pieces

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_MASK64 = (1 << 64) - 1
# odd multiplier for mixing word hashes into a shingle hash (from splitmix64)
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# base of the polynomial word hash (odd, so it is invertible mod 2^64)
_WORD_BASE = 0x100000001B3
_WORD_BASE_INVERSE = pow(_WORD_BASE, -1, 1 << 64)
_LENGTH_MULTIPLIER = np.uint64(0xC2B2AE3D27D4EB4F)
#: a bin that no shingle fell into (values are 32-bit, so this is out of range)
_EMPTY = np.uint64(1 << 32)
#: texts are batched up to this many bytes (larger texts go alone)
BATCH_BYTES = 1 << 22

# Characters that are separators (or vanish) in :func:`copytrace.normalize.words` and whose
# NFKC form holds no word character: mapping them to a space (or deleting ignorables) keeps
# the words the same, and turns most news text (curly quotes, dashes, no-break spaces) into
# ASCII, for which lower-casing is the whole of folding.
_SEPARATORS = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028"
    "\u2029\u202f\u205f\u3000"  # spaces
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043"  # hyphens, dashes, minus
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u2039\u203a\u00ab\u00bb"
    "\u2026\u2022\u00b7\u00a7\u00b6\u00a9\u00ae\u00b0\u2020\u2021\u2030"  # …•·§¶©®°†‡‰
    "\u00a3\u20ac\u00a5\u00a2\u00d7\u00f7\u00b1\u00a1\u00bf"  # £€¥¢×÷±¡¿
)
_QUICK_FOLD = str.maketrans({**{c: None for c in IGNORABLE}, **{c: " " for c in _SEPARATORS}})

# a byte is part of a word if it is an ASCII letter or digit, or any byte of a multi-byte
# UTF-8 character (folded words hold no other ASCII: "_" and punctuation separate words)
_WORD_BYTE = np.zeros(256, dtype=np.bool_)
for _byte in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
    _WORD_BYTE[_byte] = True
_WORD_BYTE[0x80:] = True


@cache
def _needs_full_folding() -> re.Pattern[str]:
    """Non-ASCII characters for which lower-casing is not the whole of folding.

    A letter or digit that NFKC leaves alone, whose case folding is its one-character lower
    case (also left alone by NFKC), and that is no look-alike, folds by ``str.lower``: most
    accented Latin, Greek and Cyrillic letters. Everything else (ligatures, "ß", combining
    marks, look-alikes, symbols, other scripts) takes the full path.
    """
    simple = []
    for code in range(0x80, 0x3000):
        char = chr(code)
        lower = char.lower()
        if (
            char.isalnum()
            and len(lower) == 1
            and char.casefold() == lower
            and unicodedata.normalize("NFKC", char) == char
            and unicodedata.normalize("NFKC", lower) == lower
            and char not in LOOKALIKES
            and lower not in LOOKALIKES
        ):
            simple.append(char)
    return re.compile("[^\\x00-\\x7f" + re.escape("".join(simple)) + "]")


def folded_bytes(text: str) -> bytes:
    """The folded words of ``text`` as UTF-8, separated by ASCII non-word bytes.

    Tokenising the result on word bytes gives exactly :func:`copytrace.normalize.words`.
    """
    if text.isascii():
        return text.lower().encode("ascii")
    quick = text.translate(_QUICK_FOLD)
    if quick.isascii():
        return quick.lower().encode("ascii")
    if _needs_full_folding().search(quick) is None:
        return quick.lower().encode("utf-8")
    return _fold_unusual_words(quick).encode("utf-8")


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
    """MurmurHash3's 64-bit finaliser, vectorised: spreads every input bit over the output."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def _powers(size: int) -> tuple[U64, U64]:
    """(base^i, base^-i) mod 2^64 for i < size (size a power of two); tables for batch-sized
    inputs are cached, those for one huge text are not."""
    if size <= 2 * BATCH_BYTES:
        return _cached_powers(size)
    return _compute_powers(size)


@lru_cache(maxsize=4)
def _cached_powers(size: int) -> tuple[U64, U64]:
    return _compute_powers(size)


def _compute_powers(size: int) -> tuple[U64, U64]:
    with np.errstate(over="ignore"):
        forward = np.empty(size, dtype=np.uint64)
        forward[0] = 1
        forward[1:] = np.full(size - 1, _WORD_BASE, dtype=np.uint64).cumprod()
        backward = np.empty(size, dtype=np.uint64)
        backward[0] = 1
        backward[1:] = np.full(size - 1, _WORD_BASE_INVERSE, dtype=np.uint64).cumprod()
    return forward, backward


def _token_hashes(data: bytes) -> tuple[U64, I64]:
    """(hash of every word, byte offset where it starts) of folded bytes."""
    array = np.frombuffer(data, dtype=np.uint8)
    flags = np.zeros(array.shape[0] + 2, dtype=np.int8)
    flags[1:-1] = _WORD_BYTE[array]
    edges = np.flatnonzero(np.diff(flags))
    starts, ends = edges[0::2], edges[1::2]
    if starts.shape[0] == 0:
        return np.empty(0, dtype=np.uint64), starts.astype(np.int64)
    forward, backward = _powers(1 << max(4, int(array.shape[0]).bit_length()))
    with np.errstate(over="ignore"):
        weighted = (array.astype(np.uint64) + np.uint64(1)) * forward[: array.shape[0]]
        prefix = np.zeros(array.shape[0] + 1, dtype=np.uint64)
        np.cumsum(weighted, out=prefix[1:])
        # sum of (byte + 1) * base^(i - start) over the word's bytes, whatever its position
        raw = (prefix[ends] - prefix[starts]) * backward[starts]
        lengths = (ends - starts).astype(np.uint64)
        return _fmix64(raw ^ (lengths * _LENGTH_MULTIPLIER)), starts.astype(np.int64)


def word_hashes(folded: Sequence[str]) -> U64:
    """The 64-bit hash of each folded word."""
    hashes, _ = _token_hashes(" ".join(folded).encode("utf-8"))
    return hashes


def _combine(hashes: U64, ngram_size: int, count: int) -> U64:
    """Hashes of the ``count`` runs of ``ngram_size`` consecutive entries of ``hashes``."""
    with np.errstate(over="ignore"):
        acc = np.full(count, np.uint64(ngram_size), dtype=np.uint64)
        for i in range(ngram_size):
            acc = (acc * _SHINGLE_MULTIPLIER) ^ hashes[i : i + count]
        return _fmix64(acc)


def shingle_hashes(hashes: U64, ngram_size: int) -> U64:
    """Hashes of every run of ``ngram_size`` consecutive words, in text order (with repeats)."""
    n = hashes.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(ngram_size, n)
    return _combine(hashes, k, n - k + 1)


def ordered_shingles(text: str, ngram_size: int) -> U64:
    """The shingle hashes of ``text`` in text order, with repeats."""
    hashes, _ = _token_hashes(folded_bytes(text))
    return shingle_hashes(hashes, ngram_size)


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


def _signatures(shingles: U64, owners: I64, count: int, permutations: Permutations) -> U32:
    """(count x num_perm) one-permutation MinHash signatures; ``owners[i]`` is the text (0 to
    count-1) that shingle i belongs to."""
    k = permutations.num_perm
    bins = np.full(count * k, _EMPTY, dtype=np.uint64)
    if shingles.shape[0]:
        with np.errstate(over="ignore"):
            hashed = _fmix64(shingles ^ permutations.key)
            slot = ((hashed >> np.uint64(32)) * np.uint64(k)) >> np.uint64(32)
            value = hashed & np.uint64(0xFFFFFFFF)
        np.minimum.at(bins, owners * k + slot.astype(np.int64), value)
    table = bins.reshape(count, k)
    empty = table == _EMPTY
    rows, cols = np.nonzero(empty & ~empty.all(axis=1, keepdims=True))
    for attempt in permutations.densify:
        if rows.shape[0] == 0:
            break
        # borrow only from bins that a shingle filled: which bin an empty one borrows from
        # must depend on the hash sequence alone, or two texts' bins would not agree with
        # probability equal to their Jaccard
        source = attempt[cols]
        found = ~empty[rows, source]
        table[rows[found], cols[found]] = table[rows[found], source[found]]
        rows, cols = rows[~found], cols[~found]
    table[table == _EMPTY] = np.uint64(0xFFFFFFFF)  # only texts with no shingle at all
    signatures: U32 = table.astype(np.uint32)
    return signatures


def minhash(shingles: U64, permutations: Permutations) -> U32:
    """MinHash signature of one shingle set; all ``0xFFFFFFFF`` for an empty set."""
    owners = np.zeros(shingles.shape[0], dtype=np.int64)
    signature: U32 = _signatures(shingles, owners, 1, permutations)[0]
    return signature


def sequence_digest(folded: Sequence[str]) -> int:
    """64-bit digest of a folded word sequence: equal digests mean identical after folding."""
    return _digest(word_hashes(folded))


def _digest(hashes: U64) -> int:
    return xxhash.xxh3_64_intdigest(hashes.tobytes())


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
    encoded = [folded_bytes(text) for text in texts]
    sizes = np.fromiter((len(data) for data in encoded), dtype=np.int64, count=len(encoded))
    # texts joined by a newline (a separator), so no word spans two texts
    offsets = np.concatenate(([0], np.cumsum(sizes + 1)))
    hashes, starts = _token_hashes(b"\n".join(encoded))
    bounds = np.searchsorted(starts, offsets)
    n_words = np.diff(bounds)
    k = ngram_size
    owner_of_word = np.repeat(np.arange(len(texts), dtype=np.int64), n_words)
    count = max(hashes.shape[0] - k + 1, 0)
    if count:
        shingles = _combine(hashes, k, count)
        owners = owner_of_word[:count]
        inside = owners == owner_of_word[k - 1 : k - 1 + count]
        shingles, owners = shingles[inside], owners[inside]
    else:
        shingles, owners = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
    # a text with fewer words than k has one shingle of all its words
    short = np.flatnonzero((n_words > 0) & (n_words < k))
    if short.shape[0]:
        extra = [_combine(hashes[bounds[i] : bounds[i + 1]], int(n_words[i]), 1) for i in short]
        shingles = np.concatenate([shingles, *extra])
        owners = np.concatenate([owners, short])
        order = np.argsort(owners, kind="stable")
        shingles, owners = shingles[order], owners[order]
    return shingles, owners, hashes, bounds, n_words


def text_batches(sizes: Sequence[int], limit: int = BATCH_BYTES) -> Iterator[tuple[int, int]]:
    """[start, end) ranges of consecutive texts whose sizes add up to about ``limit`` (a
    larger text goes alone): batches big enough to amortise numpy, small enough for cache."""
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
        shingles, owners, _, _, _ = _shingle_batch(texts[start:end], ngram_size)
        cuts = np.searchsorted(owners, np.arange(end - start + 1))
        out.extend(shingles[cuts[i] : cuts[i + 1]] for i in range(end - start))
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
    ``shingles[cuts[i]:cuts[i + 1]]`` (what verification needs later, so that it need not
    shingle the texts again)."""
    from copytrace.anchors import anchor_window, winnow_batch

    if not texts:
        empty = FingerprintBatch.concatenate([], config.num_perm)
        return empty, np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)
    shingles, owners, hashes, bounds, n_words = _shingle_batch(texts, config.ngram_size)
    cuts = np.searchsorted(owners, np.arange(len(texts) + 1))
    signatures = _signatures(shingles, owners, len(texts), permutations)
    digests = np.fromiter(
        (_digest(hashes[bounds[i] : bounds[i + 1]]) for i in range(len(texts))),
        dtype=np.uint64,
        count=len(texts),
    )
    if config.partial:
        window = anchor_window(config.min_passage_words, config.ngram_size)
        anchors, anchor_owners, anchor_positions = winnow_batch(shingles, cuts, window)
    else:
        anchors = np.empty(0, dtype=np.uint64)
        anchor_owners = anchor_positions = np.empty(0, dtype=np.int32)
    batch = FingerprintBatch(
        signatures, digests, n_words.astype(np.int64), anchors, anchor_owners, anchor_positions
    )
    return batch, shingles, cuts.astype(np.int64)


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
