"""Winnowed anchors: candidate pairs for partial copies (a passage of one text inside another).

Contract (Schleimer, Wilkerson and Aiken 2003): :func:`winnow_batch` keeps, from every window of
``window`` consecutive shingle hashes, the smallest, with its position. Two texts sharing a
run of words share the windows inside it, so they select the same anchors there, at the same
offset from each other (on one *diagonal*: position in B minus position in A).

A passage of ``L`` words holds ``m = L - ngram_size + 1`` shingles; its first and last whole
windows select anchors at least ``m - 2 * window + 1`` positions apart. :func:`anchor_pairs`
therefore keeps a pair of documents only when their shared anchors on one diagonal span at
least that far: every shared passage of ``min_passage_words`` words qualifies, while two
texts that merely share a sentence or a stock phrase (a shorter run) cannot, so they are not
verified at all. :func:`anchor_window` takes a window of about a quarter of the passage,
which keeps that span long (25 positions for 50-word passages and 5-word shingles).
Substitutions keep a passage on its diagonal and a few inserted or deleted words shift it
slightly, so diagonals are compared in buckets, at two offsets.

Anchors shared by more than ``max_df`` documents (navigation, legal footers, wire
boilerplate) are ignored, so boilerplate shared by thousands of pages cannot explode the
pair count. Everything is done by sorting arrays in numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from copytrace import kernels
from copytrace.candidates import I64, pair_indices_within_runs, runs_of
from copytrace.fingerprint import U64

I32 = npt.NDArray[np.int32]

#: diagonals are compared in buckets this wide (words inserted or deleted inside a passage)
DIAGONAL_BUCKET = 8


def anchor_window(min_passage_words: int, ngram_size: int) -> int:
    """The winnowing window for passages of ``min_passage_words`` words (at least 1)."""
    return max(1, (min_passage_words - ngram_size + 1) // 4)


def anchor_span(min_passage_words: int, ngram_size: int) -> int:
    """The shortest span, in shingle positions, of the shared anchors on one diagonal that
    a shared passage of ``min_passage_words`` words guarantees (at least 1)."""
    shingles = min_passage_words - ngram_size + 1
    return max(1, shingles - 2 * anchor_window(min_passage_words, ngram_size) + 1)


def winnow_batch(shingles: U64, cuts: I64, window: int) -> tuple[U64, I32, I32]:
    """Anchors of many texts at once, as (hashes, owning text, position in its text), in
    text order. Text i's ordered shingles are ``shingles[cuts[i]:cuts[i + 1]]``.

    Every window of ``window`` shingles inside one text selects its smallest (the leftmost
    on ties); a text with fewer shingles than that has one anchor, its smallest shingle.
    Positions are 32-bit: plenty for a document within a batch and a position within a
    document, at half the memory a corpus's anchors would otherwise hold.
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    return kernels.winnow(
        np.ascontiguousarray(shingles, dtype=np.uint64),
        np.ascontiguousarray(cuts, dtype=np.int64),
        window,
    )


#: the anchor join runs over this many slices of the hash space, so that its sorting needs
#: memory for a slice of the corpus's anchors, not for all of them
JOIN_PARTITIONS = 16
#: most (anchor occurrence, anchor occurrence) rows the join may enumerate (~24 bytes each)
JOIN_BUDGET = 20_000_000


@dataclass(frozen=True, slots=True)
class AnchorJoin:
    """Partial-copy candidates and what the join cost: ``max_df`` is the document-frequency
    ceiling used, lower than asked for when the asked one would have exceeded the budget."""

    lefts: I64
    rights: I64
    max_df: int
    rows: int


#: one slice of a corpus's anchors: (hashes, owning documents, positions)
AnchorSlice = tuple[U64, npt.NDArray[np.integer], npt.NDArray[np.integer]]


def slice_of(anchors: U64) -> npt.NDArray[np.int8]:
    """The hash slice (0 to JOIN_PARTITIONS - 1) of each anchor."""
    return (anchors >> np.uint64(60)).astype(np.int8)


def _in_memory_slices(
    anchors: U64, owners: npt.NDArray[np.integer], positions: npt.NDArray[np.integer]
) -> Callable[[], Iterator[AnchorSlice]]:
    """The slices of anchors held in memory (one slice, everything, for small joins)."""

    def slices() -> Iterator[AnchorSlice]:
        if anchors.shape[0] <= 1 << 20:
            yield anchors, owners, positions
            return
        parts = slice_of(anchors)
        for part in range(JOIN_PARTITIONS):
            mask = parts == part
            yield anchors[mask], owners[mask], positions[mask]

    return slices


def _sorted_slice(
    anchors: U64, owners: npt.NDArray[np.integer], positions: npt.NDArray[np.integer]
) -> tuple[U64, npt.NDArray[np.integer], npt.NDArray[np.integer], I64, I64, I64]:
    """A slice sorted by (anchor, owner, position), its runs of equal anchors (start, size),
    and each run's document frequency."""
    if owners.shape[0] < 2 or bool(np.all(owners[1:] >= owners[:-1])):
        # anchors come in document order, and in text order inside a document (as
        # winnow_batch gives them): one stable sort by anchor keeps that order within it
        order = np.argsort(anchors, kind="stable")
    else:
        order = np.lexsort((positions, owners, anchors))
    anchors, owners, positions = anchors[order], owners[order], positions[order]
    starts, counts = runs_of(anchors)
    first_of_doc = np.ones(owners.shape[0], dtype=np.bool_)
    first_of_doc[1:] = (anchors[1:] != anchors[:-1]) | (owners[1:] != owners[:-1])
    df = np.add.reduceat(first_of_doc.astype(np.int64), starts) if starts.shape[0] else starts
    return anchors, owners, positions, starts, counts, df


def anchor_pairs(
    anchors: U64,
    owners: npt.NDArray[np.integer],
    positions: npt.NDArray[np.integer],
    n_docs: int,
    max_df: int,
    min_span: int,
    budget: int = JOIN_BUDGET,
) -> AnchorJoin:
    """Document pairs, left < right, sorted and unique, whose shared anchors (each found in
    at most ``max_df`` documents) lie on one diagonal over a span of at least ``min_span``
    positions. ``anchors[j]`` is at ``positions[j]`` in document ``owners[j]``.

    Where text recurs across many documents the join grows with the square of each anchor's
    document frequency; if honouring ``max_df`` would enumerate more than ``budget`` rows, the
    ceiling is lowered to the highest that fits, and the result says so.
    """
    if anchors.shape[0] == 0:
        return anchor_pairs_of_slices(lambda: iter(()), n_docs, max_df, min_span, budget)
    slices = _in_memory_slices(anchors, owners, positions)
    return anchor_pairs_of_slices(slices, n_docs, max_df, min_span, budget)


def anchor_pairs_of_slices(
    slices: Callable[[], Iterator[AnchorSlice]],
    n_docs: int,
    max_df: int,
    min_span: int,
    budget: int = JOIN_BUDGET,
) -> AnchorJoin:
    """:func:`anchor_pairs` of anchors given a hash slice at a time (every occurrence of an
    anchor in one slice): ``slices()`` yields them, from memory or from disk
    (:class:`~copytrace.spill.FingerprintSpill`), and is called again if the ceiling must be
    lowered, so that only one slice is ever held."""
    empty = np.empty(0, dtype=np.int64)
    if n_docs < 2:
        return AnchorJoin(empty, empty, max_df, 0)
    # One pass prices every document frequency and, as long as the rows at max_df stay
    # within the budget (the usual case), enumerates them too. Only a corpus that would
    # exceed the budget is sorted a second time, at the lowered ceiling.
    cost = np.zeros(max_df + 1, dtype=np.int64)
    found: list[tuple[I64, I64, I64]] = []
    for anchors, owners, positions in slices():
        sorted_slice = _sorted_slice(anchors, owners, positions)
        counts, df = sorted_slice[4], sorted_slice[5]
        usable = (df >= 2) & (df <= max_df)
        np.add.at(cost, df[usable], counts[usable] * (counts[usable] - 1) // 2)
        if cost.sum() <= budget:
            found.append(_shared_anchors(*sorted_slice, n_docs, max_df))
        else:
            found.clear()  # over budget: freed now, enumerated again below
    within = np.flatnonzero(np.cumsum(cost) <= budget)
    ceiling = int(within[-1]) if within.shape[0] else 1
    if ceiling < max_df:
        found = [_shared_anchors(*_sorted_slice(*part), n_docs, ceiling) for part in slices()]
    if not found:
        return AnchorJoin(empty, empty, ceiling, 0)
    codes, diagonals, lefts = (np.concatenate(column) for column in zip(*found, strict=True))
    rows = int(codes.shape[0])
    left, right = _spanning_pairs(codes, diagonals, lefts, n_docs, min_span)
    return AnchorJoin(left, right, ceiling, rows)


def _shared_anchors(
    anchors: U64,
    owners: npt.NDArray[np.integer],
    positions: npt.NDArray[np.integer],
    starts: I64,
    counts: I64,
    df: I64,
    n: int,
    max_df: int,
) -> tuple[I64, I64, I64]:
    """Every occurrence of an anchor in two documents, from a sorted slice: (pair code
    left * n + right, diagonal (position in right minus position in left), position in
    left)."""
    counts = np.where(df <= max_df, counts, 0)  # boilerplate: ignored
    i, j = pair_indices_within_runs(starts, counts)
    owner_i, owner_j = owners[i].astype(np.int64), owners[j].astype(np.int64)
    different = owner_i != owner_j
    i, j, owner_i, owner_j = i[different], j[different], owner_i[different], owner_j[different]
    swap = owner_i > owner_j
    position_i, position_j = positions[i].astype(np.int64), positions[j].astype(np.int64)
    left = np.where(swap, owner_j, owner_i)
    right = np.where(swap, owner_i, owner_j)
    position_left = np.where(swap, position_j, position_i)
    position_right = np.where(swap, position_i, position_j)
    return left * n + right, position_right - position_left, position_left


def _spanning_pairs(
    code: I64, diagonal: I64, position_left: I64, n: int, min_span: int
) -> tuple[I64, I64]:
    """The pairs with shared anchors on one diagonal bucket spanning ``min_span``.

    One sort by (pair, diagonal) serves both bucket offsets: a bucket is a contiguous range
    of diagonals, so each (pair, bucket) group is a contiguous range of the sorted rows, and
    its span is the largest minus the smallest left position in it.
    """
    if code.shape[0] == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    low = int(diagonal.min())
    width = int(diagonal.max()) - low + 1
    if int(code.max()) < np.iinfo(np.int64).max // width:
        order = np.argsort(code * width + (diagonal - low))
    else:  # too many documents to pack both into one key
        order = np.lexsort((diagonal, code))
    c, d, p = code[order], diagonal[order], position_left[order]
    new_pair = np.ones(c.shape[0], dtype=np.bool_)
    new_pair[1:] = c[1:] != c[:-1]
    found: list[I64] = []
    for shift in (0, DIAGONAL_BUCKET // 2):
        bucket = (d + shift) // DIAGONAL_BUCKET
        boundary = new_pair.copy()
        boundary[1:] |= bucket[1:] != bucket[:-1]
        starts = np.flatnonzero(boundary)
        span = np.maximum.reduceat(p, starts) - np.minimum.reduceat(p, starts)
        found.append(c[starts[span >= min_span]])
    encoded = np.unique(np.concatenate(found))
    return encoded // n, encoded % n
