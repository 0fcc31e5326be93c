"""Exact verification of candidate pairs: the MinHash estimate never decides alone.

Contract: for a pair of shingle sets (sorted unique uint64 arrays), :func:`similarity`
returns exact Jaccard and containment each way; :func:`verify` keeps the candidate pairs
whose exact Jaccard is at or above the threshold, or that share a passage of at least
``min_passage_words`` words, and gives each its verdict.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from copytrace.candidates import I64
from copytrace.config import Config
from copytrace.fingerprint import U64
from copytrace.kernels import I32, Bools, kernel
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


#: candidate pairs verified per chunk at most (their documents' shingles are read together)
CHUNK_PAIRS = 20_000
#: candidate pairs of the first chunk: the chunks double from this up to CHUNK_PAIRS, so that
#: the first verified pairs, which the explaining processes wait for, come out early
FIRST_CHUNK_PAIRS = 512


def chunk_bounds(total: int) -> Iterator[tuple[int, int]]:
    """(first, end) of each chunk of ``total`` candidate pairs, in order (see
    :data:`FIRST_CHUNK_PAIRS`)."""
    first, size = 0, FIRST_CHUNK_PAIRS
    while first < total:
        yield first, min(first + size, total)
        first, size = first + size, min(2 * size, CHUNK_PAIRS)


@kernel("u8[], u8[], i8, i8 -> i8")
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


@kernel("u8[], u8[], i8[], i8[], i8[], i8[] -> i8[]")
def _shared_counts(
    source_a: U64, source_b: U64, starts: I64, ends: I64, lefts: I64, rights: I64
) -> I64:
    """The shingles each pair ``(lefts[p], rights[p])`` shares, where document d's set is
    ``starts[d]:ends[d]`` of ``source_a`` for a left one, of ``source_b`` for a right one."""
    shared = np.zeros(lefts.shape[0], dtype=np.int64)
    for p in range(lefts.shape[0]):
        a, b = lefts[p], rights[p]
        i, i_end = starts[a], ends[a]
        j, j_end = starts[b], ends[b]
        count = 0
        # without branches: which side steps on is as likely as not, and a mispredicted
        # branch per step cost more than these three additions (0.14 s to 0.10 s for the
        # 68,000 candidates of 100,000 short documents)
        while i < i_end and j < j_end:
            x, y = source_a[i], source_b[j]
            count += x == y
            i += x <= y
            j += y <= x
        shared[p] = count
    return shared


@kernel("u8[], i8[], i8[], u8[], i8[], i8[], i8[], i8 -> i8[]")
def _passages(
    ordered: U64,
    cuts: I64,
    texts: I64,
    source: U64,
    starts: I64,
    ends: I64,
    rights: I64,
    ngram_size: int,
) -> I64:
    """For each pair p, the longest passage of text ``texts[p]`` (its ordered shingles
    ``ordered[cuts[t]:cuts[t + 1]]``) in the shingle set of document ``rights[p]``
    (``source[starts[b]:ends[b]]``), in words."""
    out = np.zeros(texts.shape[0], dtype=np.int64)
    for p in range(texts.shape[0]):
        t, b = texts[p], rights[p]
        out[p] = _longest_run(
            ordered[cuts[t] : cuts[t + 1]], source[starts[b] : ends[b]], ngram_size, ngram_size
        )
    return out


def _by_source(blocks: ShingleBlocks, *sides: I64) -> Iterator[tuple[list[U64], I64 | slice]]:
    """Items given by the rows of each side (a pair: left and right), grouped by the sources
    their rows' sets lie in: for each combination met, (the source of each side, which
    items); all items at once where the sets lie in one source."""
    count = len(blocks.sources)
    if count == 1:
        yield [blocks.sources[0]] * len(sides), slice(None)
        return
    combination = np.zeros(sides[0].shape[0], dtype=np.int64)
    for rows in sides:
        combination = combination * count + blocks.files[rows]
    for value in np.unique(combination).tolist():
        sources, rest = [], value
        for _ in sides:
            rest, file = divmod(rest, count)
            sources.append(blocks.sources[file])
        yield sources[::-1], np.flatnonzero(combination == value)


class DocumentPrints(Protocol):
    """What verification needs of each document's fingerprint (a
    :class:`~copytrace.fingerprint.FingerprintBatch` or a
    :class:`~copytrace.spill.FingerprintSpill` has it)."""

    @property
    def digests(self) -> U64: ...

    @property
    def n_words(self) -> I64: ...


class ShingleBlocks(NamedTuple):
    """Where each of some documents' shingle sets (sorted, unique) lie: document i's is
    ``sources[files[i]][starts[i]:ends[i]]``. The sources are arrays in memory
    (:func:`shingle_blocks`, or copied from a spill) or files mapped into it
    (:meth:`~copytrace.spill.ShingleSpill.blocks`), all of one kind."""

    sources: list[U64]
    files: I32
    starts: I64
    ends: I64

    def select(self, rows: I64) -> ShingleBlocks:
        """The blocks of documents ``rows``, in that order."""
        return ShingleBlocks(self.sources, self.files[rows], self.starts[rows], self.ends[rows])


def shingle_blocks(sets: Sequence[U64]) -> ShingleBlocks:
    """:class:`ShingleBlocks` of documents given as their shingle sets, in one array."""
    bounds = np.zeros(len(sets) + 1, dtype=np.int64)
    np.cumsum([shingle_set.shape[0] for shingle_set in sets], out=bounds[1:])
    source = np.concatenate(sets) if sets else np.empty(0, dtype=np.uint64)
    files = np.zeros(len(sets), dtype=np.int32)
    return ShingleBlocks([source], files, bounds[:-1], bounds[1:])


#: what :func:`verify` reads the shingle sets of documents with: for some documents'
#: numbers, where their sets lie (those numbers' :class:`ShingleBlocks`, in order), for the
#: duration of a ``with`` block
BlockReader = Callable[[I64], AbstractContextManager[ShingleBlocks]]
#: what :func:`verify` shingles texts with, where it measures a shared passage: for some
#: documents' numbers, their ordered shingle hashes end to end and where each starts
#: (``shingles[cuts[i]:cuts[i + 1]]``, :func:`copytrace.fingerprint.ordered_shingles_of`)
OrderedReader = Callable[[I64], tuple[U64, I64]]


def in_memory(blocks: ShingleBlocks) -> BlockReader:
    """A :data:`BlockReader` of blocks in memory."""
    return lambda rows: contextlib.nullcontext(blocks.select(rows))


def _jaccard(shared: I64, size_a: I64, size_b: I64) -> npt.NDArray[np.float64]:
    """Exact Jaccard of pairs sharing ``shared`` shingles of sets of ``size_a`` and ``size_b``
    (0 for two empty sets)."""
    union = size_a + size_b - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, shared / union, 0.0)


def _measure_chunk(
    blocks: BlockReader,
    ordered: OrderedReader,
    lefts: I64,
    rights: I64,
    whole: Bools,
    threshold: float,
    passage_from: int,
    k: int,
) -> tuple[I64, npt.NDArray[np.float64], I64, I64, I64]:
    """(shared shingles, Jaccard, longest passage's words, set size of left, of right) of
    the pairs ``(lefts[i], rights[i])``, each document's set read once, and held only while
    they are measured. The passage is measured only for pairs sharing at least
    ``passage_from`` shingles (a few in a hundred candidates) that are no whole copies
    (neither ``whole``, identical once folded, nor at or above ``threshold``), its left
    document shingled again then; it is 0 for the others."""
    rows, local = np.unique(np.concatenate((lefts, rights)), return_inverse=True)
    local_lefts, local_rights = local[: lefts.shape[0]], local[lefts.shape[0] :]
    with blocks(rows) as where:
        shared = np.zeros(lefts.shape[0], dtype=np.int64)
        for (source_a, source_b), at in _by_source(where, local_lefts, local_rights):
            shared[at] = _shared_counts(
                source_a, source_b, where.starts, where.ends, local_lefts[at], local_rights[at]
            )
        set_sizes = where.ends - where.starts
        size_a, size_b = set_sizes[local_lefts], set_sizes[local_rights]
        jaccard = _jaccard(shared, size_a, size_b)
        passage = np.zeros(lefts.shape[0], dtype=np.int64)
        measured = np.flatnonzero((shared >= passage_from) & ~whole & (jaccard < threshold))
        if measured.shape[0]:
            texts, which = np.unique(lefts[measured], return_inverse=True)
            shingles, cuts = ordered(texts)
            measured_rights = local_rights[measured]
            found = np.zeros(measured.shape[0], dtype=np.int64)
            for (source,), at in _by_source(where, measured_rights):
                found[at] = _passages(
                    shingles,
                    cuts,
                    which[at],
                    source,
                    where.starts,
                    where.ends,
                    measured_rights[at],
                    k,
                )
            passage[measured] = found
    return shared, jaccard, passage, size_a, size_b


def verify(
    lefts: I64,
    rights: I64,
    prints: DocumentPrints,
    ids: Sequence[str],
    blocks: BlockReader,
    ordered: OrderedReader,
    config: Config,
) -> Iterator[Pair]:
    """The verified pairs among the candidates ``(lefts[i], rights[i])``, in input order.

    ``blocks`` gives where documents' shingle sets lie
    (:meth:`~copytrace.spill.ShingleSpill.blocks` reads a spill's files, :func:`in_memory`
    blocks put together by :func:`shingle_blocks`); it is asked for the documents of a chunk
    of pairs at a time, and the pairs are measured in compiled loops, where the blocks lie.
    ``ordered`` gives the ordered shingles of the left documents of the pairs whose shared
    passage is measured (those sharing enough shingles to hold one). A pair at or above the
    threshold is a ``duplicate`` or ``near_duplicate``. Below it, when ``config.partial`` is
    on, a pair sharing a passage of at least ``config.min_passage_words`` words is
    ``partial``.
    """
    k = config.ngram_size
    digests, n_words = prints.digests, prints.n_words
    # a passage of n words has n - k + 1 shingles: with fewer shared, no passage
    passage_from = config.min_passage_words - k + 1 if config.partial else np.iinfo(np.int64).max
    for first, end in chunk_bounds(lefts.shape[0]):
        chunk_lefts, chunk_rights = lefts[first:end], rights[first:end]
        duplicate = (digests[chunk_lefts] == digests[chunk_rights]) & (
            n_words[chunk_lefts] == n_words[chunk_rights]
        )
        shared, jaccard, passage, size_a, size_b = _measure_chunk(
            blocks,
            ordered,
            chunk_lefts,
            chunk_rights,
            duplicate,
            config.threshold,
            passage_from,
            k,
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            containment_a = np.where(size_a > 0, shared / size_a, 0.0)
            containment_b = np.where(size_b > 0, shared / size_b, 0.0)
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
