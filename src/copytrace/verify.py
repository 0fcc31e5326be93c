"""Exact verification of candidate pairs: the MinHash estimate never decides alone.

Contract: for a pair of shingle sets (sorted unique uint64 arrays), :func:`similarity`
returns exact Jaccard and containment each way; :func:`verify` keeps the candidate pairs
whose exact Jaccard is at or above the threshold, or that share a passage of at least
``min_passage_words`` words, and gives each its verdict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple, Protocol

import numpy as np

from copytrace.candidates import I64
from copytrace.config import Config
from copytrace.fingerprint import U64
from copytrace.kernels import compiled
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


def longest_shared_passage(a: U64, b: U64, ngram_size: int) -> int:
    """Words in the longest passage of A whose shingles are also in B (small edits merged).

    ``a`` and ``b`` are ordered shingle hashes (:func:`copytrace.fingerprint.ordered_shingles`).
    """
    return int(_longest_run(a, np.unique(b), ngram_size, ngram_size))


#: candidate pairs verified per chunk (their documents' shingles are read together)
CHUNK_PAIRS = 20_000


@compiled
def _longest_run(ordered_a: U64, set_b: U64, ngram_size: int, max_gap: int) -> int:
    """:func:`longest_shared_passage` of A's ordered shingles and B's shingle set."""
    best = 0
    run_start = -1  # the merged run being grown: shingle positions [run_start, run_end)
    run_end = -1
    for i in range(ordered_a.shape[0]):
        found = np.searchsorted(set_b, ordered_a[i])
        if found < set_b.shape[0] and set_b[found] == ordered_a[i]:
            if run_start < 0 or i - run_end > max_gap:
                run_start = i
            run_end = i + 1
            best = max(best, run_end - run_start)
    return best + ngram_size - 1 if best else 0


@compiled
def _measure_pairs(
    sets: U64,
    set_cuts: I64,
    ordered: U64,
    cuts: I64,
    lefts: I64,
    rights: I64,
    passage_from: int,
    ngram_size: int,
) -> tuple[I64, I64]:
    """(shared shingles, longest shared passage in words) of each pair of local documents;
    the passage is measured only for pairs sharing at least ``passage_from`` shingles."""
    shared = np.zeros(lefts.shape[0], dtype=np.int64)
    passage = np.zeros(lefts.shape[0], dtype=np.int64)
    for p in range(lefts.shape[0]):
        a, b = lefts[p], rights[p]
        i, i_end = set_cuts[a], set_cuts[a + 1]
        j, j_end = set_cuts[b], set_cuts[b + 1]
        count = 0
        while i < i_end and j < j_end:
            if sets[i] < sets[j]:
                i += 1
            elif sets[i] > sets[j]:
                j += 1
            else:
                count += 1
                i += 1
                j += 1
        shared[p] = count
        if count >= passage_from:
            passage[p] = _longest_run(
                ordered[cuts[a] : cuts[a + 1]],
                sets[set_cuts[b] : set_cuts[b + 1]],
                ngram_size,
                ngram_size,
            )
    return shared, passage


class DocumentPrints(Protocol):
    """What verification needs of each document's fingerprint (a
    :class:`~copytrace.fingerprint.FingerprintBatch` or a
    :class:`~copytrace.spill.FingerprintSpill` has it)."""

    @property
    def digests(self) -> U64: ...

    @property
    def n_words(self) -> I64: ...


#: documents' ordered shingles and shingle sets as two flat arrays and their cuts:
#: (ordered, cuts, sets, set_cuts), the i-th document's ordered shingles being
#: ``ordered[cuts[i]:cuts[i + 1]]`` and its set ``sets[set_cuts[i]:set_cuts[i + 1]]``
Gathered = tuple[U64, I64, U64, I64]


def gathered(parts: Sequence[tuple[U64, U64]]) -> Gathered:
    """:data:`Gathered` of documents given as (ordered shingles, shingle set) each."""
    cuts = np.zeros(len(parts) + 1, dtype=np.int64)
    set_cuts = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([ordered.shape[0] for ordered, _ in parts], out=cuts[1:])
    np.cumsum([shingle_set.shape[0] for _, shingle_set in parts], out=set_cuts[1:])
    empty = np.empty(0, dtype=np.uint64)
    ordered = np.concatenate([part[0] for part in parts]) if parts else empty
    sets = np.concatenate([part[1] for part in parts]) if parts else empty
    return ordered, cuts, sets, set_cuts


def verify(
    lefts: I64,
    rights: I64,
    prints: DocumentPrints,
    ids: Sequence[str],
    gather: Callable[[I64], Gathered],
    config: Config,
) -> Iterator[Pair]:
    """The verified pairs among the candidates ``(lefts[i], rights[i])``, in input order.

    ``gather(indices)`` gives the documents' ordered shingle hashes and shingle sets
    (:data:`Gathered`; :meth:`~copytrace.spill.ShingleSpill.gather` reads them from disk,
    :func:`gathered` puts together ones in memory); they are asked for a chunk of pairs at a
    time, for the documents in them, and measured in compiled loops. A pair at or above the
    threshold is a ``duplicate`` or ``near_duplicate``. Below it, when ``config.partial`` is
    on, a pair sharing a passage of at least ``config.min_passage_words`` words is
    ``partial``.
    """
    k = config.ngram_size
    digests, n_words = prints.digests, prints.n_words
    # a passage of n words has n - k + 1 shingles: with fewer shared, no passage
    passage_from = config.min_passage_words - k + 1 if config.partial else np.iinfo(np.int64).max
    for first in range(0, lefts.shape[0], CHUNK_PAIRS):
        chunk_lefts = lefts[first : first + CHUNK_PAIRS]
        chunk_rights = rights[first : first + CHUNK_PAIRS]
        needed = np.unique(np.concatenate((chunk_lefts, chunk_rights)))
        ordered, cuts, sets, set_cuts = gather(needed)
        local_lefts = np.searchsorted(needed, chunk_lefts)
        local_rights = np.searchsorted(needed, chunk_rights)
        shared, passage = _measure_pairs(
            sets, set_cuts, ordered, cuts, local_lefts, local_rights, passage_from, k
        )
        size_a = np.diff(set_cuts)[local_lefts]
        size_b = np.diff(set_cuts)[local_rights]
        union = size_a + size_b - shared
        with np.errstate(divide="ignore", invalid="ignore"):
            jaccard = np.where(union > 0, shared / union, 0.0)
            containment_a = np.where(size_a > 0, shared / size_a, 0.0)
            containment_b = np.where(size_b > 0, shared / size_b, 0.0)
        duplicate = (digests[chunk_lefts] == digests[chunk_rights]) & (
            n_words[chunk_lefts] == n_words[chunk_rights]
        )
        near = jaccard >= config.threshold
        partial = passage >= config.min_passage_words
        for p in np.flatnonzero(duplicate | near | partial).tolist():
            verdict: Verdict = (
                "duplicate" if duplicate[p] else "near_duplicate" if near[p] else "partial"
            )
            yield Pair(
                ids[int(chunk_lefts[p])],
                ids[int(chunk_rights[p])],
                float(jaccard[p]),
                float(containment_a[p]),
                float(containment_b[p]),
                verdict,
            )
