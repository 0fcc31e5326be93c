"""The fast paths of candidate generation give exactly what their plain definitions give:
stable sorting, LSH buckets, and the anchor join (both ways of sorting its rows)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.anchors import (
    DIAGONAL_BUCKET,
    AnchorSlice,
    _spanning_pairs,
    anchor_pairs,
    anchor_pairs_of_slices,
)
from copytrace.candidates import candidate_pairs_of_bands, stable_sort

KEY_RANGES = [1, 3, 1 << 10, 1 << 40, 1 << 63]


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(0, 3000),
    key_range=st.sampled_from(KEY_RANGES),
    high_bits=st.integers(0, 63),
    seed=st.integers(0, 2**32 - 1),
)
def test_stable_sort_is_numpys_stable_argsort(
    n: int, key_range: int, high_bits: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, key_range, n, dtype=np.uint64, endpoint=False)
    keys |= np.uint64((1 << 63) >> high_bits)  # keys alike in their high bits, or not
    order, sorted_keys = stable_sort(keys)
    expected = np.argsort(keys, kind="stable")
    assert order.dtype == np.int64
    assert np.array_equal(order, expected)
    assert np.array_equal(sorted_keys, keys[expected])


def test_stable_sort_of_keys_differing_only_in_their_low_bits() -> None:
    keys = np.array([5, 3, 3, 1, 5, 0, 2, 2, 7, 1] * 20, dtype=np.uint64)
    keys += np.uint64(1 << 40)
    order, _ = stable_sort(keys)
    assert np.array_equal(order, np.argsort(keys, kind="stable"))


def _bucket_pairs(bands: list[np.ndarray], max_bucket: int | None) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for keys in bands:
        buckets: dict[int, list[int]] = defaultdict(list)
        for doc, key in enumerate(keys.tolist()):
            buckets[key].append(doc)
        for docs in buckets.values():
            found.update(itertools.combinations(docs[:max_bucket], 2))
    return found


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 400),
    bands=st.integers(1, 6),
    key_range=st.sampled_from([2, 30, 1 << 62]),
    max_bucket=st.sampled_from([None, 2, 3]),
    seed=st.integers(0, 2**32 - 1),
)
def test_candidate_pairs_of_bands_are_the_pairs_sharing_a_bucket(
    n: int, bands: int, key_range: int, max_bucket: int | None, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    keys = [rng.integers(0, key_range, n, dtype=np.uint64) for _ in range(bands)]
    lefts, rights = candidate_pairs_of_bands(iter(keys), n, max_bucket)
    expected = sorted(_bucket_pairs(keys, max_bucket)) if n >= 2 else []
    assert list(zip(lefts.tolist(), rights.tolist(), strict=True)) == expected


def _spanning_by_definition(rows: list[tuple[int, int, int]], min_span: int) -> list[int]:
    """Codes with a diagonal bucket (at either offset) whose left positions span min_span."""
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for code, diagonal, left in rows:
        for shift in (0, DIAGONAL_BUCKET // 2):
            groups[(code, shift, (diagonal + shift) // DIAGONAL_BUCKET)].append(left)
    return sorted({key[0] for key, lefts in groups.items() if max(lefts) - min(lefts) >= min_span})


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 40), st.integers(-60, 60), st.integers(0, 200)), max_size=300
    ),
    parts=st.integers(1, 4),
    huge=st.booleans(),
    min_span=st.integers(0, 30),
)
def test_spanning_pairs_by_packed_rows_or_by_index(
    rows: list[tuple[int, int, int]], parts: int, huge: bool, min_span: int
) -> None:
    # huge codes leave no room to pack a row into one integer: the other way is taken
    base = (1 << 62) if huge else 0
    coded = [(base + code, diagonal, left) for code, diagonal, left in rows]
    columns = [
        (
            np.array([row[0] for row in chunk], dtype=np.int64),
            np.array([row[1] for row in chunk], dtype=np.int32),
            np.array([row[2] for row in chunk], dtype=np.int32),
        )
        for chunk in (coded[i::parts] for i in range(parts))
    ]
    n = 1 << 31  # any n: the codes are decoded by it after
    lefts, rights = _spanning_pairs(columns, n, min_span)
    assert (lefts * n + rights).tolist() == _spanning_by_definition(coded, min_span)


def _anchor_pairs_by_definition(
    anchors: list[int], owners: list[int], positions: list[int], max_df: int, min_span: int
) -> list[tuple[int, int]]:
    by_anchor: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for anchor, owner, position in zip(anchors, owners, positions, strict=True):
        by_anchor[anchor].append((owner, position))
    rows: list[tuple[int, int, int]] = []
    for found in by_anchor.values():
        if len({owner for owner, _ in found}) > max_df:
            continue
        for (a, pa), (b, pb) in itertools.combinations(found, 2):
            if a != b:
                (a, pa), (b, pb) = sorted(((a, pa), (b, pb)))
                rows.append((a * 1000 + b, pb - pa, pa))
    return [divmod(code, 1000) for code in _spanning_by_definition(rows, min_span)]


@settings(max_examples=60, deadline=None)
@given(
    occurrences=st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 9), st.integers(0, 120)), max_size=250
    ),
    max_df=st.integers(1, 6),
    min_span=st.integers(1, 40),
    in_order=st.booleans(),
)
def test_anchor_pairs_are_what_the_contract_says(
    occurrences: list[tuple[int, int, int]], max_df: int, min_span: int, in_order: bool
) -> None:
    if in_order:  # document, then text order, as anchors come from winnowing
        occurrences.sort(key=lambda item: (item[1], item[2]))
    anchors = [anchor * 0x9E3779B97F4A7C15 % (1 << 64) for anchor, _, _ in occurrences]
    owners = [owner for _, owner, _ in occurrences]
    positions = [position for _, _, position in occurrences]
    join = anchor_pairs(
        np.array(anchors, dtype=np.uint64),
        np.array(owners, dtype=np.int32),
        np.array(positions, dtype=np.int32),
        1000,
        max_df,
        min_span,
    )
    found = list(zip(join.lefts.tolist(), join.rights.tolist(), strict=True))
    assert found == _anchor_pairs_by_definition(anchors, owners, positions, max_df, min_span)


@settings(max_examples=30, deadline=None)
@given(
    occurrences=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 15), st.integers(0, 150)), max_size=400
    ),
    budget=st.sampled_from([0, 5, 40, 10_000]),
    threads=st.integers(2, 4),
)
def test_threads_change_nothing_in_the_anchor_join(
    occurrences: list[tuple[int, int, int]], budget: int, threads: int
) -> None:
    occurrences.sort(key=lambda item: (item[1], item[2]))
    anchors = np.array([a * 0x9E3779B97F4A7C15 % (1 << 64) for a, _, _ in occurrences], np.uint64)
    owners = np.array([owner for _, owner, _ in occurrences], dtype=np.int32)
    positions = np.array([position for _, _, position in occurrences], dtype=np.int32)
    parts = anchors % np.uint64(5)  # every occurrence of an anchor in one slice

    def slices() -> Iterator[AnchorSlice]:
        for part in range(5):
            mask = parts == part
            yield anchors[mask], owners[mask], positions[mask]

    one = anchor_pairs_of_slices(slices, 16, 6, 10, budget)
    many = anchor_pairs_of_slices(slices, 16, 6, 10, budget, threads)
    assert (one.max_df, one.rows) == (many.max_df, many.rows)
    assert np.array_equal(one.lefts, many.lefts) and np.array_equal(one.rights, many.rights)


def test_threads_change_nothing_in_lsh_buckets() -> None:
    rng = np.random.default_rng(7)
    keys = [rng.integers(0, 50, 3000, dtype=np.uint64) for _ in range(9)]
    one = candidate_pairs_of_bands(iter(keys), 3000)
    many = candidate_pairs_of_bands(iter(keys), 3000, threads=3)
    assert all(np.array_equal(a, b) for a, b in zip(one, many, strict=True))
