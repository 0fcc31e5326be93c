"""candidates: banding derived from the threshold, and candidate pairs from band keys."""

from __future__ import annotations

import dataclasses
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.anchors import JOIN_PARTITIONS
from copytrace.candidates import (
    DEFAULT_RECALL_AT_THRESHOLD,
    band_keys,
    bands_and_rows,
    candidate_pairs,
    candidate_pairs_of_bands,
    candidate_probability,
    identical_groups,
    lsh_params,
)
from copytrace.config import Config

THRESHOLDS = [round(0.5 + 0.05 * i, 2) for i in range(10)]  # 0.5 .. 0.95


@pytest.mark.parametrize("num_perm", [64, 128, 256])
@pytest.mark.parametrize("threshold", THRESHOLDS)
def test_lsh_params_catch_a_pair_at_the_threshold(threshold: float, num_perm: int) -> None:
    bands, rows = lsh_params(threshold, num_perm)
    assert bands >= 1
    assert rows >= 1
    assert bands * rows <= num_perm
    recall = float(candidate_probability(threshold, bands, rows))
    assert recall >= 0.995
    assert recall >= DEFAULT_RECALL_AT_THRESHOLD


def test_lsh_params_is_the_least_permissive_setting_with_enough_recall() -> None:
    threshold, num_perm = 0.8, 128
    grid = np.linspace(0.0, threshold, 200, endpoint=False)
    chosen = lsh_params(threshold, num_perm)
    area = {}
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= DEFAULT_RECALL_AT_THRESHOLD:
            area[(bands, rows)] = float(
                np.trapezoid(candidate_probability(grid, bands, rows), grid)
            )
    assert chosen in area
    assert area[chosen] == min(area.values())


def test_candidate_probability_is_monotone_in_jaccard() -> None:
    j = np.linspace(0, 1, 101)
    p = candidate_probability(j, 25, 5)
    assert p[0] == 0.0
    assert p[-1] == 1.0
    assert np.all(np.diff(p) >= 0)


def test_bands_and_rows_uses_the_configured_banding() -> None:
    assert bands_and_rows(Config(bands=16, rows=8)) == (16, 8)
    assert bands_and_rows(Config(threshold=0.7)) == lsh_params(0.7, 128)


# --- candidate pairs ----------------------------------------------------------------------


def _as_pairs(lefts: np.ndarray, rights: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(lefts.tolist(), rights.tolist(), strict=True))


def test_identical_rows_are_candidates() -> None:
    rng = np.random.default_rng(0)
    signatures = rng.integers(0, 2**32, size=(6, 20), dtype=np.uint32)
    signatures[4] = signatures[1]
    signatures[5] = signatures[1]
    lefts, rights = candidate_pairs(band_keys(signatures, 5, 4))
    assert _as_pairs(lefts, rights) == [(1, 4), (1, 5), (4, 5)]


def test_every_pair_of_identical_documents() -> None:
    signatures = np.zeros((7, 8), dtype=np.uint32)
    lefts, rights = candidate_pairs(band_keys(signatures, 4, 2))
    assert _as_pairs(lefts, rights) == list(itertools.combinations(range(7), 2))


def test_fewer_than_two_documents_have_no_pairs() -> None:
    for n in (0, 1):
        lefts, rights = candidate_pairs(band_keys(np.zeros((n, 8), dtype=np.uint32), 4, 2))
        assert lefts.shape == rights.shape == (0,)


def test_one_shared_band_is_enough_and_bands_do_not_mix() -> None:
    signatures = np.array(
        [
            [1, 2, 3, 4, 5, 6],
            [9, 9, 3, 4, 8, 8],  # shares band 1 with document 0
            [3, 4, 1, 2, 7, 7],  # document 0's bands 0 and 1 swapped: must not match
            [1, 0, 0, 4, 0, 6],  # one row differs from document 0 in every band
        ],
        dtype=np.uint32,
    )
    lefts, rights = candidate_pairs(band_keys(signatures, 3, 2))
    assert _as_pairs(lefts, rights) == [(0, 1)]


def test_band_keys_ignore_signature_positions_past_bands_times_rows() -> None:
    signatures = np.array([[1, 2, 3, 4, 5], [1, 2, 3, 4, 6]], dtype=np.uint32)
    keys = band_keys(signatures, 2, 2)
    assert keys.shape == (2, 2)
    assert np.array_equal(keys[0], keys[1])


def _brute_force(signatures: np.ndarray, bands: int, rows: int) -> set[tuple[int, int]]:
    """Pairs agreeing on every row of at least one band, by comparing all pairs."""
    n = signatures.shape[0]
    banded = signatures[:, : bands * rows].reshape(n, bands, rows)
    found = set()
    for i, j in itertools.combinations(range(n), 2):
        if np.any(np.all(banded[i] == banded[j], axis=1)):
            found.add((i, j))
    return found


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 40),
    bands=st.integers(1, 8),
    rows=st.integers(1, 4),
    alphabet=st.integers(2, 6),
)
def test_candidate_pairs_match_brute_force(
    seed: int, n: int, bands: int, rows: int, alphabet: int
) -> None:
    # a small alphabet of signature values makes many bands collide
    rng = np.random.default_rng(seed)
    signatures = rng.integers(0, alphabet, size=(n, bands * rows + 1), dtype=np.uint32)
    lefts, rights = candidate_pairs(band_keys(signatures, bands, rows))
    pairs = _as_pairs(lefts, rights)
    assert all(left < right for left, right in pairs)  # never i == j, left < right
    assert pairs == sorted(set(pairs))  # unique and sorted
    assert set(pairs) == _brute_force(signatures, bands, rows)
    assert lefts.dtype == rights.dtype == np.int64


def test_max_bucket_caps_the_pairs_of_one_bucket() -> None:
    signatures = np.zeros((6, 4), dtype=np.uint32)
    lefts, rights = candidate_pairs(band_keys(signatures, 2, 2), max_bucket=3)
    assert _as_pairs(lefts, rights) == [(0, 1), (0, 2), (1, 2)]


@pytest.mark.parametrize("held_up_to", [0, 1 << 20, 1 << 30], ids=["disk", "both", "memory"])
def test_candidates_read_from_disk_equal_those_found_in_memory(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, held_up_to: int
) -> None:
    # BBC News, fingerprinted in several batches and spilled band by band and slice by slice:
    # to disk from the start, once the first batches have been held, or held throughout
    from copytrace import spill as spill_module
    from copytrace.anchors import anchor_pairs, anchor_span
    from copytrace.fingerprint import FingerprintBatch, Permutations, fingerprint_batch
    from copytrace.pipeline import find_candidates
    from copytrace.spill import FingerprintSpill

    monkeypatch.setattr(spill_module, "HELD_UP_TO", held_up_to)

    path = data_dir / "bbc" / "docs.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]
    config = Config()
    permutations = Permutations.from_seed(config.num_perm, config.seed)
    batches = [fingerprint_batch(texts[i : i + 500], config, permutations) for i in (0, 500, 1000)]
    whole = FingerprintBatch.concatenate(batches, config.num_perm)
    bands, rows = bands_and_rows(config)
    spill = FingerprintSpill(bands, rows)
    try:
        # one batch as the workers send it: its band keys made there, without its signatures
        keys = band_keys(batches[1].signatures, bands, rows)
        bare = dataclasses.replace(batches[1], signatures=batches[1].signatures[:, :0])
        with pytest.raises(ValueError, match="band keys of shape"):
            spill.add(bare, keys[:, 1:])
        spill.add(batches[0])
        spill.add(bare, keys)
        spill.add(batches[2])
        # what the spill wrote (its lock file, ".owner", aside)
        on_disk = sorted(p.name for p in spill.folder.iterdir() if not p.name.startswith("."))
        found = find_candidates(spill, config, [])
        assert spill.digests.tolist() == whole.digests.tolist()
    finally:
        spill.close()
    assert len(on_disk) == (0 if held_up_to == 1 << 30 else bands + JOIN_PARTITIONS)
    n = len(whole)
    lsh = candidate_pairs(band_keys(whole.signatures, bands, rows))
    join = anchor_pairs(
        whole.anchors,
        whole.anchor_owners,
        whole.anchor_positions,
        n,
        config.max_anchor_df,
        anchor_span(config.min_passage_words, config.ngram_size),
    )
    expected = np.union1d(lsh[0] * n + lsh[1], join.lefts * n + join.rights)
    assert join.lefts.shape[0] > 0 and lsh[0].shape[0] > 0
    assert (found[0] * n + found[1]).tolist() == expected.tolist()


def test_identical_groups_are_the_large_groups_of_the_same_words() -> None:
    digests = np.array([7, 5, 7, 7, 5, 9, 7, 0], dtype=np.uint64)
    n_words = np.array([3, 4, 3, 3, 4, 2, 2, 0], dtype=np.int64)
    # 7/3 four times (documents 0, 2, 3 and not 6: 7/2 is other words), 5/4 twice
    firsts, others = identical_groups(digests, n_words, larger_than=2)
    assert (firsts.tolist(), others.tolist()) == ([0, 0], [2, 3])
    firsts, others = identical_groups(digests, n_words, larger_than=1)
    assert (firsts.tolist(), others.tolist()) == ([0, 0, 1], [2, 3, 4])
    assert identical_groups(digests[:0], n_words[:0])[0].shape == (0,)
    # documents without words are never a group
    empty = identical_groups(np.zeros(5, dtype=np.uint64), np.zeros(5, dtype=np.int64), 1)
    assert empty[0].shape == (0,)


def test_a_bucket_larger_than_star_from_is_paired_as_a_star() -> None:
    # band 0: documents 0-5 share a key (a large bucket), 6 and 7 another; band 1: 1 and 2
    band0 = np.array([9, 9, 9, 9, 9, 9, 4, 4], dtype=np.uint64)
    band1 = np.arange(8, dtype=np.uint64)
    band1[2] = band1[1]
    starred: set[int] = set()
    lefts, rights = candidate_pairs_of_bands(iter([band0, band1]), 8, star_from=5, starred=starred)
    assert list(zip(lefts.tolist(), rights.tolist(), strict=True)) == [
        (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (6, 7)
    ]  # fmt: skip
    assert starred == {0, 1, 2, 3, 4, 5}
    every, _ = candidate_pairs_of_bands(iter([band0, band1]), 8, star_from=6)
    assert every.shape[0] == 15 + 1  # not larger than 6: every pair
