"""Runs of identical words shared by two word sequences, and the chain of them in order.

Contract: :func:`maximal_runs` finds every maximal run of equal word ids that contains a
shared k-gram (each run once); :func:`chain` picks the heaviest sequence of runs in the same
order on both sides and :func:`trim` makes that sequence non-overlapping. The cost is near
linear: k-grams are matched through a hash table, a k-gram repeated many times is paired
rank by rank instead of all against all, and chaining is O(R log R) in the number of runs.
These are the anchors of :mod:`copytrace.align`.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

from copytrace.kernels import I64, U64, compiled, kernel

#: words per anchor k-gram (fewer when the caller's minimum passage is shorter)
ANCHOR_WORDS = 5
#: a k-gram whose occurrences pair up more often than this is paired rank by rank
MAX_PAIRS_PER_KGRAM = 64

_PRIME = np.uint64(0x100000001B3)
#: multiplier spreading a hash over the slots of a hash table (from splitmix64)
SPREAD = np.uint64(0x9E3779B97F4A7C15)

#: (first word in a, first word in b, length in words) of a run of identical folded words
Run = tuple[int, int, int]


def kgram_hashes(ids: npt.ArrayLike, k: int) -> npt.NDArray[np.uint64]:
    """A 64-bit polynomial hash of every k-gram of word ids (wrapping arithmetic)."""
    return _polynomial_hashes(np.ascontiguousarray(ids, dtype=np.int64), k)


@kernel("i8[], i8 -> u8[]")
def _polynomial_hashes(ids: I64, k: int) -> U64:
    """:func:`kgram_hashes`: ``h = h * _PRIME + (id + 1)`` over each k-gram's ids."""
    count = max(ids.shape[0] - k + 1, 0)
    hashes = np.empty(count, dtype=np.uint64)
    for start in range(count):
        h = np.uint64(ids[start]) + np.uint64(1)
        for offset in range(1, k):
            h = h * _PRIME + (np.uint64(ids[start + offset]) + np.uint64(1))
        hashes[start] = h
    return hashes


@compiled
def hash_table_shape(entries: int) -> tuple[int, np.uint64]:
    """``(mask, shift)`` of an open-addressing hash table for ``entries`` keys: a power of two
    slots, at least twice as many as the keys; a key's first slot is :func:`first_slot`, the
    next one ``(slot + 1) & mask``."""
    bits = 1
    while (1 << bits) < 2 * entries:
        bits += 1
    return (1 << bits) - 1, np.uint64(64 - bits)


@compiled
def first_slot(h: np.uint64, shift: np.uint64) -> np.int64:
    """The slot of a table of :func:`hash_table_shape` where hash ``h`` is looked for first."""
    return np.int64((h * SPREAD) >> shift)


@kernel("u8[], u8[], i8, i8, i8 -> i8[]")
def _seed_keys(hashes_a: U64, hashes_b: U64, size_a: int, size_b: int, most: int) -> I64:
    """The seeds of :func:`maximal_runs` (pairs ``(i, j)`` of k-grams of a and b with equal
    hashes: all pairs of a hash when they are at most ``most``, else rank by rank) as sorted
    keys ``(i - j + size_b) * (size_a + 1) + i``: by diagonal, then start.

    The k-grams of a are grouped by hash in a hash table (open addressing), those of b looked
    up in it; each group's positions are kept in ascending order.
    """
    count_a, count_b = hashes_a.shape[0], hashes_b.shape[0]
    mask, shift = hash_table_shape(count_a)
    slot_hash = np.empty(mask + 1, dtype=np.uint64)
    slot_group = np.full(mask + 1, -1, dtype=np.int64)
    group_a = np.empty(count_a, dtype=np.int64)
    groups = 0
    for i in range(count_a):
        h = hashes_a[i]
        slot = first_slot(h, shift)
        while slot_group[slot] >= 0 and slot_hash[slot] != h:
            slot = (slot + 1) & mask
        if slot_group[slot] < 0:
            slot_hash[slot] = h
            slot_group[slot] = groups
            groups += 1
        group_a[i] = slot_group[slot]
    group_b = np.full(count_b, -1, dtype=np.int64)
    for j in range(count_b):
        h = hashes_b[j]
        slot = first_slot(h, shift)
        while slot_group[slot] >= 0 and slot_hash[slot] != h:
            slot = (slot + 1) & mask
        group_b[j] = slot_group[slot]
    # each group's positions in a and in b, ascending (counting sort by group)
    first_a = np.zeros(groups + 1, dtype=np.int64)
    first_b = np.zeros(groups + 1, dtype=np.int64)
    for i in range(count_a):
        first_a[group_a[i] + 1] += 1
    for j in range(count_b):
        if group_b[j] >= 0:
            first_b[group_b[j] + 1] += 1
    pairs = 0
    for g in range(groups):
        x_a, x_b = first_a[g + 1], first_b[g + 1]
        pairs += x_a * x_b if x_a * x_b <= most else min(x_a, x_b)
        first_a[g + 1] += first_a[g]
        first_b[g + 1] += first_b[g]
    at_a = np.empty(count_a, dtype=np.int64)
    at_b = np.empty(first_b[groups], dtype=np.int64)
    fill_a = first_a[:-1].copy()
    fill_b = first_b[:-1].copy()
    for i in range(count_a):
        at_a[fill_a[group_a[i]]] = i
        fill_a[group_a[i]] += 1
    for j in range(count_b):
        if group_b[j] >= 0:
            at_b[fill_b[group_b[j]]] = j
            fill_b[group_b[j]] += 1
    width = size_a + 1
    keys = np.empty(pairs, dtype=np.int64)
    n = 0
    for g in range(groups):
        a0, a1, b0, b1 = first_a[g], first_a[g + 1], first_b[g], first_b[g + 1]
        if (a1 - a0) * (b1 - b0) <= most:
            for x in range(a0, a1):
                for y in range(b0, b1):
                    keys[n] = (at_a[x] - at_b[y] + size_b) * width + at_a[x]
                    n += 1
        else:  # rank by rank
            for t in range(min(a1 - a0, b1 - b0)):
                keys[n] = (at_a[a0 + t] - at_b[b0 + t] + size_b) * width + at_a[a0 + t]
                n += 1
    keys.sort()
    return keys


@kernel("i8[], i8[], i8, i8[] -> (i8[,], b1)")
def _grow_runs(a: I64, b: I64, k: int, keys: I64) -> tuple[I64, bool]:
    """The maximal runs (rows ``(start in a, start in b, length)``) through the seeds given
    by their sorted ``keys`` (see :func:`_seed_keys`), and ``True``; or no runs and ``False``
    where seeds that follow each other on a diagonal do not hold equal words (the hashes of
    two different k-grams collided)."""
    size_a, size_b = a.shape[0], b.shape[0]
    width = size_a + 1
    runs = np.empty((keys.shape[0], 3), dtype=np.int64)
    found = 0
    previous_diagonal = previous_end = -1
    t = 0
    while t < keys.shape[0]:
        first = keys[t]
        while t + 1 < keys.shape[0] and keys[t + 1] - keys[t] == 1:
            t += 1
        last = keys[t]
        t += 1
        diagonal, start = first // width, first % width
        if diagonal == previous_diagonal and start < previous_end:
            continue  # inside the run just found
        end = last % width + k
        other = start - diagonal + size_b
        if other + end - start > size_b:
            return runs[:0], False
        for offset in range(end - start):
            if a[start + offset] != b[other + offset]:
                return runs[:0], False
        while start > 0 and other > 0 and a[start - 1] == b[other - 1]:
            start, other = start - 1, other - 1
        while end < size_a and end - start + other < size_b and a[end] == b[end - start + other]:
            end += 1
        runs[found, 0], runs[found, 1], runs[found, 2] = start, other, end - start
        found += 1
        previous_diagonal, previous_end = diagonal, end
    return runs[:found], True


def maximal_runs(ids_a: npt.ArrayLike, ids_b: npt.ArrayLike, k: int) -> list[Run]:
    """Maximal runs of equal word ids seeded by shared k-grams, each found once, ordered by
    diagonal (start in a minus start in b), then start.

    A k-gram occurring ``x`` times in a and ``y`` times in b pairs all ``x * y`` occurrences
    when that is at most :data:`MAX_PAIRS_PER_KGRAM`; otherwise the i-th occurrence in a
    is paired with the i-th in b only. This bounds the work on repetitive text (lists, tables,
    refrains) while an identical repetitive text still aligns on its diagonal. Every run of
    equal words on a diagonal that holds a whole seeded k-gram is a maximal run.

    Seeds that follow each other on a diagonal form one stretch of equal words (once their
    words are checked: the hashes of two different k-grams may collide), which is grown word
    by word at both ends to the maximal run.
    """
    a = np.ascontiguousarray(ids_a, dtype=np.int64)
    b = np.ascontiguousarray(ids_b, dtype=np.int64)
    size_a, size_b = a.shape[0], b.shape[0]
    if size_a < k or size_b < k:
        return []
    keys = _seed_keys(kgram_hashes(a, k), kgram_hashes(b, k), size_a, size_b, MAX_PAIRS_PER_KGRAM)
    found, checked = _grow_runs(a, b, k, keys)
    if not checked:  # a hash collision
        seeds_a = keys % (size_a + 1)
        seeds_b = seeds_a - keys // (size_a + 1) + size_b
        return _runs_diagonal_by_diagonal(a, b, k, seeds_a, seeds_b)
    return list(map(tuple, found.tolist()))


def _runs_diagonal_by_diagonal(a: I64, b: I64, k: int, seeds_a: I64, seeds_b: I64) -> list[Run]:
    """:func:`maximal_runs` one diagonal at a time, checking every seed."""
    diagonals = seeds_a - seeds_b
    runs: list[Run] = []
    for diagonal in np.unique(diagonals).tolist():
        low, high = max(0, diagonal), min(a.shape[0], b.shape[0] + diagonal)
        equal = a[low:high] == b[low - diagonal : high - diagonal]
        edges = np.flatnonzero(np.diff(np.concatenate(([0], equal.astype(np.int8), [0]))))
        starts, ends = edges[0::2] + low, edges[1::2] + low
        seeds = seeds_a[diagonals == diagonal]
        run = np.searchsorted(starts, seeds, side="right") - 1
        inside = run >= 0
        run, seeds = run[inside], seeds[inside]
        # a seed whose k-gram is not all equal was a hash collision
        for r in np.unique(run[seeds + k <= ends[run]]).tolist():
            runs.append((int(starts[r]), int(starts[r]) - diagonal, int(ends[r] - starts[r])))
    return runs


def chain(runs: list[Run]) -> list[int]:
    """Indices of the heaviest chain of runs (most words) whose starts increase on both sides.

    Weighted longest increasing subsequence with a Fenwick tree of prefix maxima over b
    starts: O(R log R). Runs may overlap their predecessor slightly (a paragraph that starts
    with the same word as the one it replaced); :func:`trim` cuts the overlap off.
    """
    if len(runs) <= 1:
        return list(range(len(runs)))
    order = sorted(range(len(runs)), key=lambda index: runs[index][0])
    if all(
        runs[before][0] < runs[after][0] and runs[before][1] < runs[after][1]
        for before, after in itertools.pairwise(order)
    ):
        return order  # every run follows the one before on both sides: the chain is all of them
    b_rank = {b: r + 1 for r, b in enumerate(sorted({run[1] for run in runs}))}
    size = len(b_rank)
    tree_score = [0] * (size + 1)
    tree_index = [-1] * (size + 1)
    score = [0] * len(runs)
    previous = [-1] * len(runs)
    position = 0
    while position < len(order):
        batch_end = position
        while batch_end < len(order) and runs[order[batch_end]][0] == runs[order[position]][0]:
            batch_end += 1
        batch = order[position:batch_end]
        for index in batch:  # query all before updating: equal a starts cannot chain
            best, best_index, rank = 0, -1, b_rank[runs[index][1]] - 1
            while rank > 0:
                if tree_score[rank] > best:
                    best, best_index = tree_score[rank], tree_index[rank]
                rank -= rank & -rank
            score[index] = best + runs[index][2]
            previous[index] = best_index
        for index in batch:
            rank = b_rank[runs[index][1]]
            while rank <= size:
                if score[index] > tree_score[rank]:
                    tree_score[rank], tree_index[rank] = score[index], index
                rank += rank & -rank
        position = batch_end
    last = max(range(len(runs)), key=score.__getitem__)
    path: list[int] = []
    while last != -1:
        path.append(last)
        last = previous[last]
    return path[::-1]


def trim(runs: list[Run], path: list[int]) -> list[Run]:
    """The chained runs with each one's overlap with its predecessor cut off its start."""
    out: list[Run] = []
    end_a = end_b = 0
    for index in path:
        a, b, length = runs[index]
        cut = max(end_a - a, end_b - b, 0)
        if cut >= length:
            continue
        a, b, length = a + cut, b + cut, length - cut
        out.append((a, b, length))
        end_a, end_b = a + length, b + length
    return out


def longest_true(flags: npt.NDArray[np.bool_]) -> tuple[int, int]:
    """(start, length) of the longest stretch of True in ``flags``."""
    best_start = best_size = start = 0
    for index, flag in enumerate(flags.tolist()):
        if not flag:
            start = index + 1
        elif index + 1 - start > best_size:
            best_start, best_size = start, index + 1 - start
    return best_start, best_size
