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

I64 = npt.NDArray[np.int64]

#: words per anchor k-gram (fewer when the caller's minimum passage is shorter)
ANCHOR_WORDS = 5
#: a k-gram whose occurrences pair up more often than this is paired rank by rank
MAX_PAIRS_PER_KGRAM = 64

_PRIME = np.uint64(0x100000001B3)

#: (first word in a, first word in b, length in words) of a run of identical folded words
Run = tuple[int, int, int]


def kgram_hashes(ids: npt.ArrayLike, k: int) -> npt.NDArray[np.uint64]:
    """A 64-bit polynomial hash of every k-gram of word ids (wrapping arithmetic)."""
    values = np.asarray(ids).astype(np.uint64)
    values += np.uint64(1)
    count = values.shape[0] - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    hashes = values[:count].copy()
    for offset in range(1, k):
        hashes *= _PRIME
        hashes += values[offset : offset + count]
    return hashes


def _seeds(ids_a: I64, ids_b: I64, k: int) -> tuple[I64, I64]:
    """(i, j): positions of equal k-gram hashes in a and b (see :func:`maximal_runs`).

    The k-grams of both sides are hashed in one pass over the two sequences end to end
    (dropping the k-grams that straddle them) and sorted together; in a group of equal
    hashes, the positions below ``count_a`` are those of a.
    """
    count_a = ids_a.shape[0] - k + 1
    both = kgram_hashes(np.concatenate((ids_a, ids_b)), k)
    hashes = np.concatenate((both[:count_a], both[ids_a.shape[0] :]))
    order = hashes.argsort()
    ordered = hashes[order]
    same = ordered[1:] == ordered[:-1]  # same[i]: the i-th and next sorted k-grams are equal
    from_a = order < count_a
    # the usual case: a group of two, one k-gram of a and one of b, paired in one step
    alone = np.empty(same.shape[0] + 2, dtype=np.bool_)
    alone[0] = alone[-1] = True
    np.logical_not(same, out=alone[1:-1])
    single = same & (from_a[:-1] != from_a[1:]) & alone[:-2] & alone[2:]
    lower, upper = order[:-1][single], order[1:][single]
    firsts = [np.minimum(lower, upper)]
    seconds = [np.maximum(lower, upper) - count_a]
    if np.count_nonzero(same) > lower.shape[0]:  # some k-grams occur more often
        starts = alone[:-1].nonzero()[0]
        in_a = np.add.reduceat(from_a.astype(np.int64), starts)
        in_b = np.diff(starts, append=ordered.shape[0]) - in_a
        several = (in_a > 0) & (in_b > 0) & ((in_a > 1) | (in_b > 1))
        for x in np.flatnonzero(several).tolist():
            start, x_a, x_b = int(starts[x]), int(in_a[x]), int(in_b[x])
            group = np.sort(order[start : start + x_a + x_b])  # a's positions, then b's
            at_a, at_b = group[:x_a], group[x_a:] - count_a
            if x_a * x_b <= MAX_PAIRS_PER_KGRAM:
                firsts.append(np.repeat(at_a, x_b))
                seconds.append(np.tile(at_b, x_a))
            else:  # rank by rank
                n = min(x_a, x_b)
                firsts.append(at_a[:n])
                seconds.append(at_b[:n])
    if len(firsts) == 1:
        return firsts[0], seconds[0]
    return np.concatenate(firsts), np.concatenate(seconds)


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
    a = np.asarray(ids_a, dtype=np.int64)
    b = np.asarray(ids_b, dtype=np.int64)
    size_a, size_b = a.shape[0], b.shape[0]
    if size_a < k or size_b < k:
        return []
    seeds_a, seeds_b = _seeds(a, b, k)
    if seeds_a.shape[0] == 0:
        return []
    # one number per seed, ordered by diagonal then start; consecutive on a diagonal differ by 1
    width = size_a + 1
    keys = (seeds_a - seeds_b + size_b) * width + seeds_a
    keys.sort()
    breaks = (keys[1:] - keys[:-1] != 1).nonzero()[0]
    firsts = keys[np.concatenate(([0], breaks + 1))].tolist()
    lasts = keys[np.concatenate((breaks, [keys.shape[0] - 1]))].tolist()
    words_a, words_b = a.tolist(), b.tolist()
    runs: list[Run] = []
    previous_diagonal, previous_end = -1, -1
    for first, last in zip(firsts, lasts, strict=True):
        diagonal, start = divmod(first, width)
        if diagonal == previous_diagonal and start < previous_end:
            continue  # inside the run just found
        end = last % width + k
        other = start - diagonal + size_b
        if words_a[start:end] != words_b[other : other + end - start]:
            return _runs_diagonal_by_diagonal(a, b, k, seeds_a, seeds_b)  # a hash collision
        while start > 0 and other > 0 and words_a[start - 1] == words_b[other - 1]:
            start, other = start - 1, other - 1
        while (
            end < size_a
            and end - start + other < size_b
            and (words_a[end] == words_b[end - start + other])
        ):
            end += 1
        runs.append((start, other, end - start))
        previous_diagonal, previous_end = diagonal, end
    return runs


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
