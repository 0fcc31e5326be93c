"""Runs of identical words shared by two word sequences, and the chain of them in order.

Contract: :func:`maximal_runs` finds every maximal run of equal word ids that contains a
shared k-gram (each run once); :func:`chain` picks the heaviest sequence of runs in the same
order on both sides and :func:`trim` makes that sequence non-overlapping. The cost is near
linear: k-grams are matched through a hash table, a k-gram repeated many times is paired
rank by rank instead of all against all, and chaining is O(R log R) in the number of runs.
These are the anchors of :mod:`copytrace.align`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

#: words per anchor k-gram (fewer when the caller's minimum passage is shorter)
ANCHOR_WORDS = 5
#: a k-gram whose occurrences pair up more often than this is paired rank by rank
MAX_PAIRS_PER_KGRAM = 64

#: (first word in a, first word in b, length in words) of a run of identical folded words
Run = tuple[int, int, int]


def kgram_hashes(ids: list[int], k: int) -> npt.NDArray[np.uint64]:
    """A 64-bit polynomial hash of every k-gram of word ids (wrapping arithmetic)."""
    values = np.asarray(ids, dtype=np.uint64) + np.uint64(1)
    count = len(ids) - k + 1
    hashes: npt.NDArray[np.uint64] = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(k):
            hashes = hashes * np.uint64(0x100000001B3) + values[offset : offset + count]
    return hashes


def _seeds(ids_a: list[int], ids_b: list[int], k: int) -> tuple[I64, I64]:
    """(i, j): positions of equal k-gram hashes in a and b (see :func:`maximal_runs`)."""
    hashes_a, hashes_b = kgram_hashes(ids_a, k), kgram_hashes(ids_b, k)
    order_a = np.argsort(hashes_a, kind="stable")
    order_b = np.argsort(hashes_b, kind="stable")
    unique_a, start_a, count_a = np.unique(hashes_a[order_a], return_index=True, return_counts=True)
    unique_b, start_b, count_b = np.unique(hashes_b[order_b], return_index=True, return_counts=True)
    _, in_a, in_b = np.intersect1d(unique_a, unique_b, assume_unique=True, return_indices=True)
    counts_a, counts_b = count_a[in_a], count_b[in_b]
    single = (counts_a == 1) & (counts_b == 1)  # the usual case, paired in one step
    firsts = [order_a[start_a[in_a[single]]]]
    seconds = [order_b[start_b[in_b[single]]]]
    for x in np.flatnonzero(~single).tolist():
        at_a = np.sort(order_a[start_a[in_a[x]] : start_a[in_a[x]] + counts_a[x]])
        at_b = np.sort(order_b[start_b[in_b[x]] : start_b[in_b[x]] + counts_b[x]])
        if at_a.shape[0] * at_b.shape[0] <= MAX_PAIRS_PER_KGRAM:
            firsts.append(np.repeat(at_a, at_b.shape[0]))
            seconds.append(np.tile(at_b, at_a.shape[0]))
        else:  # rank by rank
            n = min(at_a.shape[0], at_b.shape[0])
            firsts.append(at_a[:n])
            seconds.append(at_b[:n])
    return np.concatenate(firsts).astype(np.int64), np.concatenate(seconds).astype(np.int64)


def maximal_runs(ids_a: list[int], ids_b: list[int], k: int) -> list[Run]:
    """Maximal runs of equal word ids seeded by shared k-grams, each found once, ordered by
    diagonal (start in a minus start in b), then start.

    A k-gram occurring ``x`` times in a and ``y`` times in b pairs all ``x * y`` occurrences
    when that is at most :data:`MAX_PAIRS_PER_KGRAM`; otherwise the i-th occurrence in a
    is paired with the i-th in b only. This bounds the work on repetitive text (lists, tables,
    refrains) while an identical repetitive text still aligns on its diagonal. Each diagonal
    holding a seed is compared word by word in numpy, and every run of equal words on it that
    holds a whole seeded k-gram is a maximal run.
    """
    if len(ids_a) < k or len(ids_b) < k:
        return []
    seeds_a, seeds_b = _seeds(ids_a, ids_b, k)
    if seeds_a.shape[0] == 0:
        return []
    diagonals = seeds_a - seeds_b
    a = np.asarray(ids_a, dtype=np.int64)
    b = np.asarray(ids_b, dtype=np.int64)
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
    if not runs:
        return []
    b_rank = {b: r + 1 for r, b in enumerate(sorted({run[1] for run in runs}))}
    size = len(b_rank)
    tree_score = [0] * (size + 1)
    tree_index = [-1] * (size + 1)
    score = [0] * len(runs)
    previous = [-1] * len(runs)
    order = sorted(range(len(runs)), key=lambda index: runs[index][0])
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
