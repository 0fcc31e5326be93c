"""Exact verification of candidate pairs: the MinHash estimate never decides alone.

Contract: for a pair of shingle sets (sorted unique uint64 arrays), :func:`similarity`
returns exact Jaccard and containment each way; :func:`verify` keeps the candidate pairs
whose exact Jaccard is at or above the threshold, or that share a passage of at least
``min_passage_words`` words, and gives each its verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

import numpy as np

from copytrace.anchors import shared_runs
from copytrace.config import Config
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


def longest_shared_passage(a: U64, b: U64, ngram_size: int) -> int:
    """Words in the longest passage of A whose shingles are also in B (small edits merged).

    ``a`` and ``b`` are ordered shingle hashes (:func:`copytrace.fingerprint.ordered_shingles`).
    """
    runs = shared_runs(a, b, ngram_size, max_gap_words=ngram_size)
    return max((end - start for start, end in runs), default=0)


def verify(
    lefts: Sequence[int] | np.ndarray,
    rights: Sequence[int] | np.ndarray,
    fingerprints: Sequence[Fingerprint],
    ids: Sequence[str],
    config: Config,
    ordered: Callable[[int], U64] | None = None,
) -> Iterator[Pair]:
    """The verified pairs among the candidates ``(lefts[i], rights[i])``, in input order.

    A pair at or above the threshold is a ``duplicate`` or ``near_duplicate``. Below it, when
    ``config.partial`` is on and ``ordered(i)`` gives document i's ordered shingle hashes, a
    pair sharing a passage of at least ``config.min_passage_words`` words is ``partial``.
    """
    for left, right in zip(lefts, rights, strict=True):
        i, j = int(left), int(right)
        fa, fb = fingerprints[i], fingerprints[j]
        sim = similarity(fa.shingles, fb.shingles)
        verdict = verdict_for(fa, fb, sim.jaccard, config.threshold)
        # a passage of n words has n - ngram_size + 1 shingles: with fewer shared, no passage
        could_share_passage = sim.shared >= config.min_passage_words - config.ngram_size + 1
        if verdict is None and config.partial and ordered is not None and could_share_passage:
            words = longest_shared_passage(ordered(i), ordered(j), config.ngram_size)
            if words >= config.min_passage_words:
                verdict = "partial"
        if verdict is not None:
            yield Pair(ids[i], ids[j], sim.jaccard, sim.containment_a, sim.containment_b, verdict)
