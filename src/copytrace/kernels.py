"""Compiled inner loops of fingerprinting (numba): folding a batch's UTF-8 bytes, then hashing
words, shingling, one-permutation MinHash and winnowing, one text at a time in one pass; and
folding one text into its words with their spans, for alignment (:func:`fold_words`).

Each kernel's docstring says exactly what it computes; :mod:`copytrace.fingerprint` holds the
fingerprints' contract and folds in Python the rare texts the folding table cannot;
:mod:`copytrace.normalize` builds the table (:func:`copytrace.normalize.fold_table`). The
kernels take and return numpy arrays; hash arithmetic is on unsigned 64-bit integers, mod 2^64.
Every kernel that Python calls is declared with :func:`kernel` (its argument and result
types), every helper of kernels with :func:`compiled`. They are compiled ahead of time into
one extension module where :mod:`copytrace.aot` has built it (a process then runs them
without numba); else by numba's JIT on first use, cached on disk next to this file or in
numba's user cache directory (where nothing is writable, each process compiles them again).
Under the JIT, the first call of any kernel in a process also starts numba's compiler (its
typing and lowering registries, the runtime), which a cached kernel needs too; a program can
do that when it chooses with :func:`start`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from copytrace import aot

U8 = npt.NDArray[np.uint8]
U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

F = TypeVar("F", bound=Callable[..., Any])


def compiled(function: F) -> F:
    """A helper of kernels, compiled into the kernels that call it (see :mod:`copytrace.aot`;
    where kernels are JIT-compiled, numba's dispatcher: no GIL held, cached on disk)."""
    return cast(F, aot.declare(function, None))


def kernel(signature: str) -> Callable[[F], F]:
    """A kernel that Python calls, its arguments and result declared by ``signature`` in
    :mod:`copytrace.aot`'s type language; compiled ahead of time where that module is built,
    else by numba's JIT."""

    def declared(function: F) -> F:
        return cast(F, aot.declare(function, signature))

    return declared


# odd multiplier for mixing word hashes into a shingle hash (from splitmix64)
_SHINGLE_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
# base of the polynomial word hash (odd, so it is invertible mod 2^64)
_WORD_BASE = np.uint64(0x100000001B3)
_LENGTH_MULTIPLIER = np.uint64(0xC2B2AE3D27D4EB4F)
_FMIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_ONE = np.uint64(1)
_SHIFT_32 = np.uint64(32)
_SHIFT_33 = np.uint64(33)
_LOW_32 = np.uint64(0xFFFFFFFF)
#: a bin that no shingle fell into (values are 32-bit, so this is out of range)
_EMPTY = np.uint64(1 << 32)

#: :func:`fold` table entries: a code point that is deleted, one that needs full folding
DELETE = -1
UNUSUAL = -2

# 1 for a byte that is part of a word: an ASCII letter or digit, or any byte of a multi-byte
# UTF-8 character (folded words hold no other ASCII: "_" and punctuation separate words)
_WORD_BYTE = np.zeros(256, dtype=np.int64)
for _byte in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
    _WORD_BYTE[_byte] = 1
_WORD_BYTE[0x80:] = 1
#: base^i for the first bytes of a word, and base^64
_POWERS = np.array([pow(int(_WORD_BASE), i, 1 << 64) for i in range(64)], dtype=np.uint64)
_POWER_64 = np.uint64(pow(int(_WORD_BASE), 64, 1 << 64))

# Indexing in the kernels is from 0 over slices where it can be: numba checks every index
# that might be negative for wraparound, unless the compiler can prove it is not.


@compiled
def _fmix(h: np.uint64) -> np.uint64:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the output."""
    h = h ^ (h >> _SHIFT_33)
    h = h * _FMIX_1
    h = h ^ (h >> _SHIFT_33)
    h = h * _FMIX_2
    return h ^ (h >> _SHIFT_33)


@kernel("u8[] -> u8[]")
def fmix64(values: U64) -> U64:
    """:func:`_fmix` of every value of a one-dimensional array."""
    out = np.empty_like(values)
    for i in range(values.shape[0]):
        out[i] = _fmix(values[i])
    return out


def start() -> None:
    """Start numba's compiler in this process now (nothing happens when it has started):
    what the first call of any kernel does otherwise, before that kernel is loaded. Loads
    :func:`fmix64`, which every fingerprinting setting needs (MinHash's permutations)."""
    fmix64(np.zeros(1, dtype=np.uint64))


@kernel("u4[,], i8, i8 -> u8[,]")
def band_keys(signatures: U32, bands: int, rows: int) -> U64:
    """(documents x bands) LSH keys: band b of a signature (values ``b*rows`` to
    ``(b+1)*rows - 1``) folded into ``_fmix(b + 1)`` by ``acc = _fmix(acc ^ value)``."""
    n = signatures.shape[0]
    out = np.empty((n, bands), dtype=np.uint64)
    for i in range(n):
        for band in range(bands):
            acc = _fmix(np.uint64(band + 1))
            for row in range(rows):
                acc = _fmix(acc ^ np.uint64(signatures[i, band * rows + row]))
            out[i, band] = acc
    return out


#: :func:`_sorted_unique` sorts a text's shingles by insertion below this many, and above it
#: after spreading them into buckets by their top bits
_BUCKET_FROM = 32
#: a bucket holding more shingles than this (top bits shared by chance or by design) sends
#: the text to the general sort: insertion sort is quadratic in a bucket's size
_BUCKET_MOST = 64


@compiled
def _insertion_sort(values: U64, start: int, end: int) -> None:
    """Sort ``values[start:end]`` in place; linear when they are nearly in order."""
    for i in range(start + 1, end):
        value = values[i]
        j = i - 1
        while j >= start and values[j] > value:
            values[j + 1] = values[j]
            j -= 1
        values[j + 1] = value


@compiled
def _sorted_unique(values: U64, out: U64, scratch: U64, counts: I64) -> int:
    """Write the distinct ``values`` in ascending order to ``out`` (as long as ``values``);
    their number. Hash values are uniform, so spreading them into about one bucket each by
    their top bits (a counting sort: ``scratch`` as long as ``values``, ``counts`` longer than
    their number rounded up to a power of two) leaves almost nothing for insertion sort."""
    n = values.shape[0]
    if n == 0:
        return 0
    if n < _BUCKET_FROM:
        scratch[:n] = values
        _insertion_sort(scratch, 0, n)
    else:
        bits = 1
        while (1 << bits) < n:
            bits += 1
        buckets = 1 << bits
        shift = np.uint64(64 - bits)
        counts[: buckets + 1] = 0
        for i in range(n):
            counts[np.int64(values[i] >> shift) + 1] += 1
        most = 0
        for b in range(buckets):
            most = max(most, counts[b + 1])
            counts[b + 1] += counts[b]
        if most > _BUCKET_MOST:
            scratch[:n] = np.sort(values)
        else:
            for i in range(n):
                bucket = np.int64(values[i] >> shift)
                scratch[counts[bucket]] = values[i]
                counts[bucket] += 1
            _insertion_sort(scratch, 0, n)
    written = 0
    for j in range(n):
        if j == 0 or scratch[j] != scratch[j - 1]:
            out[written] = scratch[j]
            written += 1
    return written


@kernel("u8[], i8[] -> (u8[], i8[])")
def shingle_sets(shingles: U64, cuts: I64) -> tuple[U64, I64]:
    """Each text's shingle set (sorted, unique), text after text: text i's ordered shingles
    ``shingles[cuts[i]:cuts[i + 1]]`` give its set ``sets[set_cuts[i]:set_cuts[i + 1]]``."""
    n = cuts.shape[0] - 1
    sets = np.empty(shingles.shape[0], dtype=np.uint64)
    set_cuts = np.zeros(n + 1, dtype=np.int64)
    longest = 0
    for i in range(n):
        longest = max(longest, cuts[i + 1] - cuts[i])
    scratch = np.empty(longest, dtype=np.uint64)
    counts = np.empty(2 * longest + 2, dtype=np.int64)
    written = 0
    for i in range(n):
        written += _sorted_unique(shingles[cuts[i] : cuts[i + 1]], sets[written:], scratch, counts)
        set_cuts[i + 1] = written
    return sets[:written], set_cuts


# --- folding ------------------------------------------------------------------------------


@compiled
def _put(out: U8, at: int, code: int) -> int:
    """Write ``code`` as UTF-8 at ``out[at]``; the position after it."""
    if code < 0x80:
        out[at] = code
        return at + 1
    if code < 0x800:
        out[at] = 0xC0 | (code >> 6)
        out[at + 1] = 0x80 | (code & 0x3F)
        return at + 2
    if code < 0x10000:
        out[at] = 0xE0 | (code >> 12)
        out[at + 1] = 0x80 | ((code >> 6) & 0x3F)
        out[at + 2] = 0x80 | (code & 0x3F)
        return at + 3
    out[at] = 0xF0 | (code >> 18)
    out[at + 1] = 0x80 | ((code >> 12) & 0x3F)
    out[at + 2] = 0x80 | ((code >> 6) & 0x3F)
    out[at + 3] = 0x80 | (code & 0x3F)
    return at + 4


@compiled
def _fold_text(text: U8, table: I32, out: U8, lower: bool) -> int:
    """Fold one text's UTF-8 bytes into ``out``; how many bytes it wrote, or -1 where a code
    point is :data:`UNUSUAL` (with ``lower``).

    Code point c maps to ``table[c]`` (:data:`UNUSUAL` where c is beyond the table): a code
    point, or :data:`DELETE`. With ``lower`` false, only deletions and spaces are applied and
    every other character is copied as it is (the "quick" fold).
    """
    length: int = text.shape[0]
    high = 0
    for i in range(length):
        high |= text[i]
    if high < 0x80:  # ASCII (most texts): a loop that vectorises
        if lower:
            for i in range(length):
                byte = text[i]
                out[i] = byte + 32 if 0x41 <= byte <= 0x5A else byte
        else:
            out[:length] = text
        return length
    size = table.shape[0]
    at = i = 0
    while i < length:
        byte = np.int64(text[i])
        if byte < 0x80:
            out[at] = byte + 32 if lower and 0x41 <= byte <= 0x5A else byte
            at += 1
            i += 1
            continue
        if byte < 0xE0:
            width = 2
            code = ((byte & 0x1F) << 6) | (np.int64(text[i + 1]) & 0x3F)
        elif byte < 0xF0:
            width = 3
            code = (
                ((byte & 0x0F) << 12)
                | ((np.int64(text[i + 1]) & 0x3F) << 6)
                | (np.int64(text[i + 2]) & 0x3F)
            )
        else:
            width = 4
            code = (
                ((byte & 0x07) << 18)
                | ((np.int64(text[i + 1]) & 0x3F) << 12)
                | ((np.int64(text[i + 2]) & 0x3F) << 6)
                | (np.int64(text[i + 3]) & 0x3F)
            )
        mapped = int(table[code]) if code < size else UNUSUAL
        if mapped == DELETE:
            pass
        elif mapped == 0x20:
            out[at] = 0x20
            at += 1
        elif not lower:
            out[at : at + width] = text[i : i + width]
            at += width
        elif mapped == UNUSUAL:
            return -1
        else:
            at = _put(out, at, mapped)
        i += width
    return at


@kernel("u1[], i8[], i4[] -> (u1[], i8[], i8[], b1[])")
def fold(data: U8, starts: I64, table: I32) -> tuple[U8, I64, I64, Bools]:
    """Fold each text ``data[starts[i]:starts[i + 1]]`` (UTF-8) by ``table``.

    Returns (bytes, start and end of each folded text in them, whether each text holds an
    :data:`UNUSUAL` code point). Such a text is only quick-folded (see :func:`_fold_text`).
    """
    n = starts.shape[0] - 1
    # a 2-byte character can lower-case to a 3-byte one: at most 1.5 times the input
    out = np.empty(data.shape[0] + data.shape[0] // 2 + 4, dtype=np.uint8)
    out_starts = np.empty(n, dtype=np.int64)
    out_ends = np.empty(n, dtype=np.int64)
    unusual = np.zeros(n, dtype=np.bool_)
    at = 0
    for t in range(n):
        text = data[starts[t] : starts[t + 1]]
        size = _fold_text(text, table, out[at:], True)
        if size < 0:
            unusual[t] = True
            size = _fold_text(text, table, out[at:], False)
        out_starts[t] = at
        at += size
        out_ends[t] = at
    return out[:at], out_starts, out_ends, unusual


#: :func:`fold_words` table entries beyond :func:`fold`'s: a code point that separates words
SEPARATE = -3


@kernel("u4[], i4[] -> (i8[], i8[], u1[], i8)")
def fold_words(codes: U32, table: I32) -> tuple[I64, I64, U8, int]:
    """The words of a text given by its code points, folded by ``table``: ``(starts, ends,
    folded, count)``, word i being ``[starts[i], ends[i])`` of the text and ``folded`` the
    folded words as UTF-8, a space after each but the last.

    Code point c folds to ``table[c]`` (:data:`UNUSUAL` where c is beyond the table): a code
    point (a word character), :data:`DELETE` (an ignorable: inside a word, it folds to
    nothing), :data:`SEPARATE` or :data:`UNUSUAL`. A word is a maximal run of word
    characters and ignorables; one of ignorables alone is none. ``count`` is the number of
    words, or -1 (and the arrays empty) where the text holds an :data:`UNUSUAL` code point.
    """
    n = codes.shape[0]
    size = table.shape[0]
    starts = np.empty(n // 2 + 1, dtype=np.int64)
    ends = np.empty(n // 2 + 1, dtype=np.int64)
    # 3 bytes at most for a folded code point of the table (below 2^16); every space between
    # two words stands for a separator of the text
    folded = np.empty(3 * n, dtype=np.uint8)
    count = at = i = 0
    while i < n:
        c = codes[i]
        mapped = int(table[c]) if c < size else UNUSUAL
        if mapped == SEPARATE:
            i += 1
            continue
        start = i
        if count:
            folded[at] = 0x20
            at += 1
        first = at
        while True:
            if mapped >= 0:
                at = _put(folded, at, mapped)
            elif mapped == SEPARATE:
                break
            elif mapped == UNUSUAL:
                return starts[:0], ends[:0], folded[:0], -1
            i += 1
            if i == n:
                break
            c = codes[i]
            mapped = int(table[c]) if c < size else UNUSUAL
        if at == first:  # ignorables only: no word (nor the space before it)
            at -= 1 if count else 0
            continue
        starts[count] = start
        ends[count] = i
        count += 1
    return starts[:count], ends[:count], folded[:at], count


# --- words and shingles -------------------------------------------------------------------


@compiled
def _hash_words(text: U8, hashes: U64, lengths: I64) -> int:
    """Hash every word of folded bytes ``text`` into ``hashes`` (which, like ``lengths``, has
    room for one more); how many words.

    A word's hash is fmix64 of (sum of (byte + 1) * base^(its offset in the word)) xor (length
    * multiplier). The loop has no branch that depends on the text (word boundaries would be
    mispredicted): every byte stores the word so far, and the count moves on after a word.
    """
    count = size = inside = 0
    raw = np.uint64(0)
    power = _ONE
    for i in range(text.shape[0]):
        byte = text[i]
        word = _WORD_BYTE[byte]
        hashes[count] = raw
        lengths[count] = size
        count += inside & (1 - word)
        if size < 64:
            power = _POWERS[size]
        elif size == 64:  # long words are rare
            power = _POWER_64
        else:
            power *= _WORD_BASE
        keep = -word  # all ones inside a word, 0 outside
        raw = (raw + (np.uint64(byte) + _ONE) * power) & np.uint64(keep)
        size = (size + 1) & keep
        inside = word
    hashes[count] = raw
    lengths[count] = size
    count += inside
    for i in range(count):
        hashes[i] = _fmix(hashes[i] ^ (np.uint64(lengths[i]) * _LENGTH_MULTIPLIER))
    return count


@compiled
def _shingle(hashes: U64, ngram_size: int, out: U64) -> int:
    """Write the shingles of one text's word ``hashes`` to ``out``; how many.

    A shingle of k words mixes them in order from k; a text with fewer than ``ngram_size``
    words has one shingle of all of them. (Word by word over all the text's shingles at once,
    so that the loops vectorise.)"""
    words: int = hashes.shape[0]
    if words == 0:
        return 0
    size = min(ngram_size, words)
    n = words - size + 1
    acc = out[:n]
    acc[:] = np.uint64(size)
    for r in range(size):
        word = hashes[r : r + n]
        for j in range(n):
            acc[j] = (acc[j] * _SHINGLE_MULTIPLIER) ^ word[j]
    for j in range(n):
        acc[j] = _fmix(acc[j])
    return n


@kernel("u8[], i8 -> u8[]")
def shingles_of_words(hashes: U64, ngram_size: int) -> U64:
    """The shingles of one text's word hashes, in text order."""
    out = np.empty(hashes.shape[0], dtype=np.uint64)
    return out[: _shingle(hashes, ngram_size, out)].copy()


# --- MinHash ------------------------------------------------------------------------------


@compiled
def _minhash(shingles: U64, key: np.uint64, densify: I32, scratch: U64, out: U32) -> None:
    """One-permutation MinHash of one text's ``shingles`` into ``out`` (``scratch`` holds at
    least ``len(shingles) + 2 * len(out)`` values).

    Shingle s falls into bin ((h >> 32) * k) >> 32 with value h & 0xFFFFFFFF, h = fmix64(s xor
    key); a bin keeps its smallest value. An empty bin j takes the value of bin
    ``densify[t, j]`` for the first attempt t that names a bin a shingle filled. No shingle,
    or no such attempt: 0xFFFFFFFF.
    """
    k = out.shape[0]
    width = np.uint64(k)
    n = shingles.shape[0]
    bins = scratch[:k]
    empty = scratch[k : 2 * k]
    hashed = scratch[2 * k : 2 * k + n]
    for i in range(n):
        hashed[i] = _fmix(shingles[i] ^ key)
    bins[:] = _EMPTY
    for i in range(n):
        h = hashed[i]
        slot = np.intp(((h >> _SHIFT_32) * width) >> _SHIFT_32)
        bins[slot] = min(bins[slot], h & _LOW_32)
    if n == 0:
        out[:] = np.uint32(0xFFFFFFFF)
        return
    empties = 0
    for j in range(k):
        out[j] = np.uint32(bins[j] & _LOW_32)
        empty[empties] = j
        empties += bins[j] == _EMPTY
    for e in range(empties):
        slot = np.intp(empty[e])
        value = _LOW_32
        for t in range(densify.shape[0]):
            source = bins[densify[t, slot]]
            if source != _EMPTY:
                value = source
                break
        out[slot] = np.uint32(value)


@kernel("u8[], i8[], u8, i4[,] -> u4[,]")
def signatures(shingles: U64, cuts: I64, key: np.uint64, densify: I32) -> U32:
    """MinHash signatures (see :func:`_minhash`) of texts ``shingles[cuts[i]:cuts[i + 1]]``."""
    n = cuts.shape[0] - 1
    k = densify.shape[1]
    out = np.empty((n, k), dtype=np.uint32)
    longest = 0
    for t in range(n):
        longest = max(longest, cuts[t + 1] - cuts[t])
    scratch = np.empty(2 * k + longest, dtype=np.uint64)
    for t in range(n):
        _minhash(shingles[cuts[t] : cuts[t + 1]], key, densify, scratch, out[t])
    return out


# --- winnowing ----------------------------------------------------------------------------


@compiled
def _winnow(values: U64, window: int, owner: int, anchors: U64, owners: I32, positions: I32) -> int:
    """Write the anchors of one text's shingles ``values``; how many (the outputs have room
    for one more).

    Every window of ``window`` shingles selects its smallest (the leftmost on ties); a text
    with fewer shingles has one anchor, its smallest (leftmost). Each selected position is
    written once, in text order (selected positions never decrease).
    """
    m = values.shape[0]
    if m == 0:
        return 0
    best = 0
    if m < window:
        for i in range(1, m):
            if values[i] < values[best]:
                best = i
        anchors[0] = values[best]
        owners[0] = owner
        positions[0] = best
        return 1
    best = previous = -1
    smallest = np.uint64(0)
    count = 0
    for first in range(m - window + 1):
        final = first + window - 1
        if best < first:  # the smallest left the window: scan the window
            best, smallest = first, values[first]
            for i in range(first + 1, final + 1):
                if values[i] < smallest:
                    best, smallest = i, values[i]
        elif values[final] < smallest:
            best, smallest = final, values[final]
        anchors[count] = smallest
        owners[count] = owner
        positions[count] = best
        count += best != previous
        previous = best
    return count


@kernel("u8[], i8[], i8 -> (u8[], i4[], i4[])")
def winnow(shingles: U64, cuts: I64, window: int) -> tuple[U64, I32, I32]:
    """Anchors (hash, text, position in text) of texts ``shingles[cuts[i]:cuts[i + 1]]``, in
    text order (see :func:`_winnow`)."""
    size = shingles.shape[0] + 1
    anchors = np.empty(size, dtype=np.uint64)
    owners = np.empty(size, dtype=np.int32)
    positions = np.empty(size, dtype=np.int32)
    count = 0
    for t in range(cuts.shape[0] - 1):
        count += _winnow(
            shingles[cuts[t] : cuts[t + 1]],
            window,
            t,
            anchors[count:],
            owners[count:],
            positions[count:],
        )
    return anchors[:count].copy(), owners[:count].copy(), positions[:count].copy()


# --- everything at once -------------------------------------------------------------------


@kernel("u1[], i8[], i8[], i8, u8, i4[,], i8 -> (u8[], i8[], u8[], i8[], u4[,], u8[], i4[], i4[])")
def fingerprint(
    data: U8,
    starts: I64,
    ends: I64,
    ngram_size: int,
    key: np.uint64,
    densify: I32,
    window: int,
) -> tuple[U64, I64, U64, I64, U32, U64, I32, I32]:
    """Everything fingerprinting computes, for each folded text ``data[starts[i]:ends[i]]``:
    (word hashes, first word of each text (n + 1), shingles in text order, first shingle of
    each text (n + 1), signatures (n x ``densify.shape[1]``), anchors, their texts, their
    positions). ``window`` 0: no anchors."""
    n = starts.shape[0]
    total = longest = 0
    for t in range(n):
        total += ends[t] - starts[t]
        longest = max(longest, ends[t] - starts[t])
    # a word is at least one byte, followed by a separator unless it ends its text; one
    # more for the word that _hash_words stores before it knows there is one
    most = total // 2 + n + 1
    hashes = np.empty(most, dtype=np.uint64)
    lengths = np.empty(longest // 2 + 2, dtype=np.int64)
    bounds = np.empty(n + 1, dtype=np.int64)
    shingles = np.empty(most, dtype=np.uint64)
    cuts = np.empty(n + 1, dtype=np.int64)
    k = densify.shape[1]
    signed = np.empty((n, k), dtype=np.uint32)
    scratch = np.empty(2 * k + longest // 2 + 2, dtype=np.uint64)
    room = most if window > 0 else 0
    anchors = np.empty(room, dtype=np.uint64)
    owners = np.empty(room, dtype=np.int32)
    positions = np.empty(room, dtype=np.int32)
    words = count = chosen = 0
    for t in range(n):
        bounds[t] = words
        cuts[t] = count
        text_words = _hash_words(data[starts[t] : ends[t]], hashes[words:], lengths)
        text_hashes = hashes[words : words + text_words]
        words += text_words
        count += _shingle(text_hashes, ngram_size, shingles[count:])
        text_shingles = shingles[cuts[t] : count]
        if k > 0:
            _minhash(text_shingles, key, densify, scratch, signed[t])
        if window > 0:
            chosen += _winnow(
                text_shingles, window, t, anchors[chosen:], owners[chosen:], positions[chosen:]
            )
    bounds[n] = words
    cuts[n] = count
    return (
        hashes[:words].copy(),
        bounds,
        shingles[:count].copy(),
        cuts,
        signed,
        anchors[:chosen].copy(),
        owners[:chosen].copy(),
        positions[:chosen].copy(),
    )
