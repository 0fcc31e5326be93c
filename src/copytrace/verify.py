"""Exact verification of candidate pairs: the MinHash estimate never decides alone.

Contract: for a pair of shingle sets (sorted unique uint64 arrays), :func:`similarity`
returns exact Jaccard and containment each way; :func:`verify` keeps the candidate pairs
whose exact Jaccard is at or above the threshold and gives each its verdict.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

from copytrace.fingerprint import U64, Fingerprint
from copytrace.model import Pair, Verdict


class Similarity(NamedTuple):
    """Exact set similarity of two documents' shingles."""

    jaccard: float
    containment_a: float
    containment_b: float
    shared: int


def similarity(a: U64, b: U64) -> Similarity:
    """Jaccard and containment (share of a in b, share of b in a) of two shingle sets."""
    if a.shape[0] == 0 or b.shape[0] == 0:
        return Similarity(0.0, 0.0, 0.0, 0)
    small, large = (a, b) if a.shape[0] <= b.shape[0] else (b, a)
    # searchsorted of the smaller set into the larger: O(m log n), no concatenation
    positions = np.searchsorted(large, small)
    positions[positions == large.shape[0]] = 0
    shared = int(np.count_nonzero(large[positions] == small))
    union = a.shape[0] + b.shape[0] - shared
    return Similarity(shared / union, shared / a.shape[0], shared / b.shape[0], shared)


def verdict_for(a: Fingerprint, b: Fingerprint, jaccard: float, threshold: float) -> Verdict | None:
    """``duplicate`` if identical after folding, ``near_duplicate`` at or above the threshold."""
    if a.digest == b.digest and a.n_words == b.n_words:
        return "duplicate"
    if jaccard >= threshold:
        return "near_duplicate"
    return None


def verify(
    lefts: Sequence[int] | np.ndarray,
    rights: Sequence[int] | np.ndarray,
    fingerprints: Sequence[Fingerprint],
    ids: Sequence[str],
    threshold: float,
) -> Iterator[Pair]:
    """The verified pairs among the candidates ``(lefts[i], rights[i])``, in input order."""
    for left, right in zip(lefts, rights, strict=True):
        fa = fingerprints[int(left)]
        fb = fingerprints[int(right)]
        sim = similarity(fa.shingles, fb.shingles)
        verdict = verdict_for(fa, fb, sim.jaccard, threshold)
        if verdict is not None:
            yield Pair(
                ids[int(left)],
                ids[int(right)],
                sim.jaccard,
                sim.containment_a,
                sim.containment_b,
                verdict,
            )
