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

#: words per anchor k-gram (fewer when the caller's minimum passage is shorter)
ANCHOR_WORDS = 5
#: a k-gram whose occurrences pair up more often than this is paired rank by rank
MAX_PAIRS_PER_KGRAM = 64

#: (first word in a, first word in b, length in words) of a run of identical folded words
Run = tuple[int, int, int]


def kgram_hashes(ids: list[int], k: int) -> list[int]:
    """A 64-bit polynomial hash of every k-gram of word ids (wrapping arithmetic)."""
    values = np.asarray(ids, dtype=np.uint64) + np.uint64(1)
    count = len(ids) - k + 1
    hashes: npt.NDArray[np.uint64] = np.zeros(count, dtype=np.uint64)
    for offset in range(k):
        hashes = hashes * np.uint64(0x100000001B3) + values[offset : offset + count]
    return [int(h) for h in hashes.tolist()]


def maximal_runs(ids_a: list[int], ids_b: list[int], k: int) -> list[Run]:
    """Maximal runs of equal word ids seeded by shared k-grams, each found once.

    A k-gram occurring ``x`` times in a and ``y`` times in b pairs all ``x * y`` occurrences
    when that is at most :data:`MAX_PAIRS_PER_KGRAM`; otherwise the i-th occurrence in a
    is paired with the i-th in b only. This bounds the work on repetitive text (lists, tables,
    refrains) while an identical repetitive text still aligns on its diagonal.
    """
    if len(ids_a) < k or len(ids_b) < k:
        return []
    positions_a: dict[int, list[int]] = {}
    for i, h in enumerate(kgram_hashes(ids_a, k)):
        positions_a.setdefault(h, []).append(i)
    positions_b: dict[int, list[int]] = {}
    for j, h in enumerate(kgram_hashes(ids_b, k)):
        positions_b.setdefault(h, []).append(j)
    pairs: list[tuple[int, int]] = []
    for h, in_b in positions_b.items():
        in_a = positions_a.get(h)
        if in_a is None:
            continue
        if len(in_a) * len(in_b) <= MAX_PAIRS_PER_KGRAM:
            pairs.extend((i, j) for i in in_a for j in in_b)
        else:
            pairs.extend(zip(in_a, in_b, strict=False))
    pairs.sort(key=lambda pair: (pair[0] - pair[1], pair[0]))
    runs: list[Run] = []
    diagonal, covered_to = None, -1
    n, m = len(ids_a), len(ids_b)
    for i, j in pairs:
        if i - j == diagonal and i < covered_to:
            continue  # inside the run already grown on this diagonal
        if ids_a[i : i + k] != ids_b[j : j + k]:
            continue  # hash collision
        while i > 0 and j > 0 and ids_a[i - 1] == ids_b[j - 1]:
            i, j = i - 1, j - 1
        length = k
        while i + length < n and j + length < m and ids_a[i + length] == ids_b[j + length]:
            length += 1
        runs.append((i, j, length))
        diagonal, covered_to = i - j, i + length
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
