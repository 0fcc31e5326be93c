"""runs: maximal runs of shared words and their chain, checked against plain references."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace import runs
from copytrace.runs import MAX_PAIRS_PER_KGRAM, Run, chain, kgram_hashes, maximal_runs, trim


def _plain_kgram_hashes(ids: list[int], k: int) -> npt.NDArray[np.uint64]:
    count = len(ids) - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    values = np.asarray(ids, dtype=np.uint64) + np.uint64(1)
    hashes = np.zeros(count, dtype=np.uint64)
    for offset in range(k):
        hashes = hashes * np.uint64(0x100000001B3) + values[offset : offset + count]
    return hashes


def _plain_maximal_runs(
    ids_a: list[int],
    ids_b: list[int],
    k: int,
    hashes: Callable[[npt.ArrayLike, int], npt.NDArray[np.uint64]] = kgram_hashes,
) -> list[Run]:
    """The contract of maximal_runs, the plain way: k-grams grouped by hash, paired all
    against all (or rank by rank when that is more than MAX_PAIRS_PER_KGRAM pairs), each
    diagonal compared word by word, every run of equal words holding a whole paired k-gram."""
    if len(ids_a) < k or len(ids_b) < k:
        return []
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for side, ids in enumerate((ids_a, ids_b)):
        for position, value in enumerate(hashes(np.asarray(ids, dtype=np.int64), k).tolist()):
            groups.setdefault(value, ([], []))[side].append(position)
    seeds: set[tuple[int, int]] = set()
    for at_a, at_b in groups.values():
        if len(at_a) * len(at_b) <= MAX_PAIRS_PER_KGRAM:
            seeds.update((i, j) for i in at_a for j in at_b)
        else:
            seeds.update(zip(at_a, at_b, strict=False))
    found: set[Run] = set()
    for i, j in seeds:
        if ids_a[i : i + k] != ids_b[j : j + k]:
            continue  # a hash collision
        start, other = i, j
        while start > 0 and other > 0 and ids_a[start - 1] == ids_b[other - 1]:
            start, other = start - 1, other - 1
        end = i + k
        while end < len(ids_a) and end - i + j < len(ids_b) and ids_a[end] == ids_b[end - i + j]:
            end += 1
        found.add((start, other, end - start))
    return sorted(found, key=lambda run: (run[0] - run[1], run[0]))


def _random_pair(rng: random.Random) -> tuple[list[int], list[int], int]:
    vocabulary = rng.choice([2, 3, 5, 20, 1000])
    a = [rng.randrange(vocabulary) for _ in range(rng.randint(0, 70))]
    if a and rng.random() < 0.6:  # a copy with a few edits
        b = list(a)
        for _ in range(rng.randint(0, 6)):
            if b:
                at = rng.randrange(len(b))
                roll = rng.random()
                if roll < 0.3:
                    b[at] = rng.randrange(vocabulary)
                elif roll < 0.6:
                    del b[at]
                else:
                    b.insert(at, rng.randrange(vocabulary))
    else:
        b = [rng.randrange(vocabulary) for _ in range(rng.randint(0, 70))]
    return a, b, rng.choice([1, 2, 3, 5])


def test_kgram_hashes_are_the_polynomial_hashes() -> None:
    rng = random.Random(7)
    for _ in range(200):
        ids = [rng.randrange(50) for _ in range(rng.randint(0, 30))]
        for k in (1, 3, 5):
            assert kgram_hashes(ids, k).tolist() == _plain_kgram_hashes(ids, k).tolist()


def test_maximal_runs_match_the_plain_reference() -> None:
    rng = random.Random(1)
    for _ in range(3000):
        a, b, k = _random_pair(rng)
        assert maximal_runs(a, b, k) == _plain_maximal_runs(a, b, k), (a, b, k)
        assert maximal_runs(np.asarray(a), np.asarray(b), k) == maximal_runs(a, b, k)


def test_maximal_runs_on_repetitive_text_pair_rank_by_rank() -> None:
    a = [0, 1] * 60
    b = [1] + [0, 1] * 50
    assert maximal_runs(a, b, 3) == _plain_maximal_runs(a, b, 3)
    assert maximal_runs(a, a, 5) == _plain_maximal_runs(a, a, 5)


def _colliding_hashes(ids: npt.ArrayLike, k: int) -> npt.NDArray[np.uint64]:
    """A hash that collides all the time: the sum of the k ids, modulo 4."""
    values = np.asarray(ids, dtype=np.int64)
    count = values.shape[0] - k + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    sums = sum(values[offset : offset + count] for offset in range(k))
    return (np.asarray(sums) % 4).astype(np.uint64)


def test_maximal_runs_survive_hash_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "kgram_hashes", _colliding_hashes)
    rng = random.Random(2)
    for _ in range(2000):
        a, b, k = _random_pair(rng)
        expected = _plain_maximal_runs(a, b, k, hashes=_colliding_hashes)
        assert maximal_runs(a, b, k) == expected, (a, b, k)


def _plain_chain(found: list[Run]) -> list[int]:
    """The heaviest chain (most words) of runs whose starts increase on both sides, by
    trying every predecessor; ties go to the earliest run in a-order, as in chain()."""
    order = sorted(range(len(found)), key=lambda index: found[index][0])
    score: dict[int, int] = {}
    previous: dict[int, int] = {}
    for index in order:
        best, best_index = 0, -1
        for before in order:
            if found[before][0] >= found[index][0]:
                break
            if found[before][1] < found[index][1] and score[before] > best:
                best, best_index = score[before], before
        score[index], previous[index] = best + found[index][2], best_index
    if not found:
        return []
    last = max(range(len(found)), key=score.__getitem__)
    path = []
    while last != -1:
        path.append(last)
        last = previous[last]
    return path[::-1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40), st.integers(1, 9)),
        max_size=12,
        unique_by=lambda run: (run[0] - run[1], run[0]),
    )
)
def test_chain_weight_matches_the_plain_reference(found: list[Run]) -> None:
    found.sort(key=lambda run: (run[0] - run[1], run[0]))
    path = chain(found)
    expected = _plain_chain(found)
    assert sum(found[i][2] for i in path) == sum(found[i][2] for i in expected)
    for before, after in itertools.pairwise(path):
        assert found[before][0] < found[after][0] and found[before][1] < found[after][1]
    trimmed = trim(found, path)
    for (a0, b0, n0), (a1, b1, _) in itertools.pairwise(trimmed):
        assert a0 + n0 <= a1 and b0 + n0 <= b1


def test_chain_of_runs_already_in_order_is_all_of_them() -> None:
    found = [(0, 0, 5), (20, 25, 4), (7, 6, 10)]
    found.sort(key=lambda run: (run[0] - run[1], run[0]))
    assert [found[i] for i in chain(found)] == [(0, 0, 5), (7, 6, 10), (20, 25, 4)]
