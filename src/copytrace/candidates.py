"""Candidate pairs from MinHash signatures by LSH banding.

Contract: :func:`lsh_params` derives bands and rows from the user's threshold so that a pair
whose Jaccard equals the threshold becomes a candidate with probability at least
``recall_at_threshold`` (0.999 by default), choosing among such settings the one that lets
fewest dissimilar pairs through. A false candidate costs one exact verification; a missed one
is lost for good, which is why recall is the constraint and false positives the cost.

:func:`candidate_pairs` finds every pair of documents that agree on all rows of at least one
band, by sorting band keys (numpy, no Python object per band entry; :func:`stable_sort`) and
enumerating runs of equal keys. Pairs come back as two aligned index arrays with
``left < right``, sorted, unique.

:func:`identical_groups` finds the groups of documents identical once folded that are too
large to pair every member with every other (see :data:`STAR_FROM`).
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from copytrace import kernels
from copytrace.config import Config
from copytrace.fingerprint import U32, U64
from copytrace.pool import bounded_map

I64 = npt.NDArray[np.int64]
Item = TypeVar("Item")
Result = TypeVar("Result")

DEFAULT_RECALL_AT_THRESHOLD = 0.999


def candidate_probability(jaccard: npt.ArrayLike, bands: int, rows: int) -> npt.NDArray[np.float64]:
    """Probability that a pair with this Jaccard shares at least one band: 1-(1-J^r)^b."""
    j = np.asarray(jaccard, dtype=np.float64)
    return 1.0 - (1.0 - j**rows) ** bands


@cache
def lsh_params(
    threshold: float, num_perm: int, recall_at_threshold: float = DEFAULT_RECALL_AT_THRESHOLD
) -> tuple[int, int]:
    """(bands, rows) for a threshold, as described in the module docstring.

    If no setting reaches the recall target (a very high threshold with few permutations),
    the one with the highest recall at the threshold is returned.
    """
    grid = np.linspace(0.0, threshold, 200, endpoint=False)
    best: tuple[float, int, int] | None = None
    fallback: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        recall = float(candidate_probability(threshold, bands, rows))
        if fallback is None or recall > fallback[0]:
            fallback = (recall, bands, rows)
        if recall < recall_at_threshold:
            continue
        false_area = float(np.trapezoid(candidate_probability(grid, bands, rows), grid))
        if best is None or false_area < best[0]:
            best = (false_area, bands, rows)
    chosen = best if best is not None else fallback
    assert chosen is not None  # num_perm >= 1 always yields a setting
    return chosen[1], chosen[2]


def bands_and_rows(config: Config) -> tuple[int, int]:
    """The banding to use: the configured one, or the one derived from the threshold."""
    if config.bands is not None and config.rows is not None:
        return config.bands, config.rows
    return lsh_params(config.threshold, config.num_perm)


def band_keys(signatures: U32, bands: int, rows: int) -> U64:
    """(documents x bands) 64-bit keys; equal keys mean equal signature values in that band.

    The band number is mixed into the key so that keys of different bands never meet.
    """
    keys: U64 = kernels.band_keys(np.ascontiguousarray(signatures), bands, rows)
    return keys


def pair_indices_within_runs(starts: I64, counts: I64) -> tuple[I64, I64]:
    """(i, j), i < j: every pair of positions inside each run; run r covers positions
    ``starts[r] : starts[r] + counts[r]``.

    Runs of equal size are expanded together (one numpy step per distinct size), so millions
    of small buckets cost no Python loop each.
    """
    firsts: list[I64] = []
    seconds: list[I64] = []
    for size in np.unique(counts[counts > 1]).tolist():
        run_starts = starts[counts == size]
        i, j = np.triu_indices(size, k=1)
        firsts.append((run_starts[:, None] + i).ravel())
        seconds.append((run_starts[:, None] + j).ravel())
    if not firsts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def star_pairs(docs: I64, starts: I64, counts: I64) -> tuple[I64, I64]:
    """(first, other) for each run: its first document with each of the others. Run r is
    ``docs[starts[r] : starts[r] + counts[r]]``, sorted ascending."""
    others_per_run = counts - 1
    total = int(others_per_run.sum())
    run_of = np.repeat(np.arange(starts.shape[0]), others_per_run)
    offsets = np.arange(total) - np.repeat(
        np.cumsum(others_per_run) - others_per_run, others_per_run
    )
    return docs[starts[run_of]], docs[starts[run_of] + 1 + offsets]


def pairs_within_runs(docs: I64, starts: I64, counts: I64, n: int) -> I64:
    """Every pair of documents inside each run, encoded ``left * n + right`` (with repeats
    across runs). Run r is ``docs[starts[r] : starts[r] + counts[r]]``, sorted ascending, so
    ``left < right`` when a run holds no document twice."""
    i, j = pair_indices_within_runs(starts, counts)
    return docs[i] * n + docs[j]


def stable_sort(keys: U64) -> tuple[I64, U64]:
    """(order, keys[order]) with ``order`` equal to ``np.argsort(keys, kind="stable")``, for
    64-bit unsigned keys.

    numpy sorts plain integers several times faster than it argsorts them (vectorised), so
    each key's high bits are sorted together with its index in the low ones, as one 64-bit
    integer: that orders the keys by their high bits, and keys alike in them by index. Keys
    that differ only in their low bits (rare for hashes: the low bits hold only as many bits
    as the number of keys needs) are put in order after (:func:`_order_alike_keys`).
    """
    n = keys.shape[0]
    index_bits = max(1, (n - 1).bit_length())
    if index_bits > 32:  # too many keys to leave enough bits of them: numpy's own sort
        order = np.argsort(keys, kind="stable")
        return order, keys[order]
    low = np.uint64((1 << index_bits) - 1)
    packed = keys & ~low
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    packed &= low
    order = packed.view(np.int64)
    sorted_keys = keys[order]
    _order_alike_keys(sorted_keys, order, index_bits)
    return order, sorted_keys


@kernels.kernel("!u8[], !i8[], i8 -> none")
def _order_alike_keys(sorted_keys: U64, order: I64, index_bits: int) -> None:
    """Put in order (stably: equal keys stay in index order), and ``order`` with them, the
    runs of keys with equal ``key >> index_bits``, in index order, that are not yet."""
    for i in range(1, sorted_keys.shape[0]):
        if sorted_keys[i] >= sorted_keys[i - 1]:
            continue
        high = sorted_keys[i] >> index_bits  # the run holding i - 1 and i: find its ends
        start, end = i - 1, i + 1
        while start > 0 and sorted_keys[start - 1] >> index_bits == high:
            start -= 1
        while end < sorted_keys.shape[0] and sorted_keys[end] >> index_bits == high:
            end += 1
        within = np.argsort(sorted_keys[start:end], kind="mergesort")
        sorted_keys[start:end] = sorted_keys[start:end][within]
        order[start:end] = order[start:end][within]


def sorted_runs(keys: U64, docs: I64) -> tuple[U64, I64, I64, I64]:
    """(keys, docs) sorted by key then doc, with the start and length of each run of equal
    keys. Documents given in ascending order (the usual case) need one stable sort by key."""
    if docs.shape[0] < 2 or bool(np.all(docs[1:] >= docs[:-1])):
        order, keys = stable_sort(keys)
    else:
        order = np.lexsort((docs, keys))
        keys = keys[order]
    docs = docs[order]
    starts, counts = runs_of(keys)
    return keys, docs, starts, counts


def runs_of(sorted_keys: U64) -> tuple[I64, I64]:
    """The start and length of each run of equal values of ``sorted_keys``."""
    if sorted_keys.shape[0] == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    boundaries = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
    starts = np.concatenate(([0], boundaries)).astype(np.int64)
    counts = np.diff(np.concatenate((starts, [sorted_keys.shape[0]]))).astype(np.int64)
    return starts, counts


#: a group of more documents than this, identical once folded (the same words), is paired
#: as a star: its first document with each of the others, and only the first with documents
#: outside it; so is an LSH bucket of more documents than this (its first document with each
#: of the others). Every pair of n copies would be n(n-1)/2 pairs to verify, explain and
#: write: 3,000 copies of one page in a crawl made 4.5 million pairs, 2.2 GB of output and 7
#: minutes; 1,500 pages of one template, 1.1 million pairs and 2.5 minutes.
STAR_FROM = 64


def identical_groups(digests: U64, n_words: I64, larger_than: int = STAR_FROM) -> tuple[I64, I64]:
    """The groups of more than ``larger_than`` documents with the same digest of their folded
    words and the same number of words: ``(firsts, others)``, aligned, where ``others[i]`` is a
    member of the group whose first (lowest) document is ``firsts[i]``; sorted by ``others``.
    Documents without words are in no group."""
    empty = np.empty(0, dtype=np.int64)
    order = np.lexsort((np.arange(digests.shape[0]), n_words, digests))
    keys_d, keys_n = digests[order], n_words[order]
    if order.shape[0] == 0:
        return empty, empty
    new_group = np.ones(order.shape[0], dtype=np.bool_)
    new_group[1:] = (keys_d[1:] != keys_d[:-1]) | (keys_n[1:] != keys_n[:-1])
    starts = np.flatnonzero(new_group)
    sizes = np.diff(np.append(starts, order.shape[0]))
    large = (sizes > larger_than) & (keys_n[starts] > 0)
    if not large.any():
        return empty, empty
    group_of = np.cumsum(new_group) - 1  # each sorted position's group
    member = large[group_of] & ~new_group  # in a large group, not its first
    firsts = order[starts][group_of[member]]
    others = order[member]
    by_other = np.argsort(others)
    return firsts[by_other], others[by_other]


def candidate_pairs(keys: U64, max_bucket: int | None = None) -> tuple[I64, I64]:
    """Unique (left, right) index pairs, left < right, of rows of ``keys`` sharing a key
    (:func:`candidate_pairs_of_bands` of its columns).

    ``max_bucket`` caps how many documents of one bucket are paired (the first ones, in
    index order); ``None`` pairs them all.
    """
    n, bands = keys.shape
    columns = (np.ascontiguousarray(keys[:, band]) for band in range(bands))
    return candidate_pairs_of_bands(columns, n, max_bucket)


def candidate_pairs_of_bands(
    bands: Iterable[U64],
    n: int,
    max_bucket: int | None = None,
    threads: int = 1,
    *,
    star_from: int | None = None,
    starred: set[int] | None = None,
) -> tuple[I64, I64]:
    """:func:`candidate_pairs` of keys given a band at a time (each the key of documents 0 to
    n-1 in that band, from memory or from disk), so that memory holds one band's keys (one
    for each of ``threads`` threads that sort them).

    A bucket of more than ``star_from`` documents (when given) is paired as a star: its first
    document with each of the others (see :data:`STAR_FROM`); the documents of such buckets
    are added to ``starred`` (when given)."""
    empty = np.empty(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    docs = np.arange(n, dtype=np.int64)
    lock = threading.Lock()

    def pairs_of(keys: U64) -> I64:
        _, sorted_docs, starts, counts = sorted_runs(keys, docs)
        if max_bucket is not None:
            counts = np.minimum(counts, max_bucket)
        if star_from is None or not bool((counts > star_from).any()):
            return np.unique(pairs_within_runs(sorted_docs, starts, counts, n))
        large = counts > star_from
        firsts, others = star_pairs(sorted_docs, starts[large], counts[large])
        if starred is not None:
            with lock:
                starred.update(firsts.tolist())
                starred.update(others.tolist())
        every = pairs_within_runs(sorted_docs, starts[~large], counts[~large], n)
        return np.unique(np.concatenate((every, firsts * n + others)))

    found = [pairs for pairs in in_threads(pairs_of, bands, threads) if pairs.shape[0]]
    if not found:
        return empty, empty
    encoded = np.unique(np.concatenate(found))
    return encoded // n, encoded % n


def in_threads(
    function: Callable[[Item], Result], items: Iterable[Item], threads: int
) -> Iterator[Result]:
    """``map(function, items)``, in order, computed by ``threads`` threads (a gain only where
    ``function`` releases the GIL, as numpy's sorts and the compiled kernels do), taking each
    item only when a thread is free for it: at most ``threads`` are ahead of the results."""
    if threads <= 1:
        yield from map(function, items)
        return
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        yield from bounded_map(lambda item: pool.submit(function, item).result, items, threads)
