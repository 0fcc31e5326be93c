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
from copytrace.candidates import I64
from copytrace.config import Config
from copytrace.fingerprint import U64, FingerprintBatch
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


def verdict_for(
    digest_a: int, digest_b: int, words_a: int, words_b: int, jaccard: float, threshold: float
) -> Verdict | None:
    """``duplicate`` if identical after folding, ``near_duplicate`` at or above the threshold."""
    if digest_a == digest_b and words_a == words_b:
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


#: candidate pairs verified per chunk (their documents' shingle sets are built together)
CHUNK_PAIRS = 20_000


def verify(
    lefts: I64,
    rights: I64,
    prints: FingerprintBatch,
    ids: Sequence[str],
    ordered_of: Callable[[int], U64],
    config: Config,
) -> Iterator[Pair]:
    """The verified pairs among the candidates ``(lefts[i], rights[i])``, in input order.

    ``ordered_of(i)`` gives document i's ordered shingle hashes (from a
    :class:`~copytrace.spill.ShingleSpill`, or :func:`~copytrace.fingerprint.ordered_shingles`
    of its text); sets are built a chunk of pairs at a time, for the documents in them. A pair
    at or above the threshold is a ``duplicate`` or ``near_duplicate``. Below it, when
    ``config.partial`` is on, a pair sharing a passage of at least
    ``config.min_passage_words`` words is ``partial``.
    """
    k = config.ngram_size
    digests, n_words = prints.digests, prints.n_words
    # a passage of n words has n - k + 1 shingles: with fewer shared, no passage
    needed_for_passage = config.min_passage_words - k + 1
    for first in range(0, lefts.shape[0], CHUNK_PAIRS):
        chunk_lefts = lefts[first : first + CHUNK_PAIRS]
        chunk_rights = rights[first : first + CHUNK_PAIRS]
        needed = np.unique(np.concatenate((chunk_lefts, chunk_rights))).tolist()
        ordered = {index: ordered_of(index) for index in needed}
        sets = {index: np.unique(shingles) for index, shingles in ordered.items()}
        for left, right in zip(chunk_lefts.tolist(), chunk_rights.tolist(), strict=True):
            sim = similarity(sets[left], sets[right])
            verdict = verdict_for(
                int(digests[left]),
                int(digests[right]),
                int(n_words[left]),
                int(n_words[right]),
                sim.jaccard,
                config.threshold,
            )
            if verdict is None and config.partial and sim.shared >= needed_for_passage:
                passage = longest_shared_passage(ordered[left], ordered[right], k)
                if passage >= config.min_passage_words:
                    verdict = "partial"
            if verdict is not None:
                yield Pair(
                    ids[left],
                    ids[right],
                    sim.jaccard,
                    sim.containment_a,
                    sim.containment_b,
                    verdict,
                )
