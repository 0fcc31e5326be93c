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
pair count. Everything is done by sorting arrays (numpy) and compiled loops over the sorted
runs (numba), with no Python object per anchor; slices can be sorted in several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from copytrace import kernels
from copytrace.candidates import I64, in_threads, runs_of, stable_sort
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
#: occurrences of an anchor in two documents (see :func:`_shared_anchors`): (pair code,
#: diagonal, position in the left document); positions are 32-bit, so diagonals are too
Rows = tuple[I64, I32, I32]


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
        order, anchors = stable_sort(anchors)
    else:
        order = np.lexsort((positions, owners, anchors))
        anchors = anchors[order]
    owners, positions = owners[order], positions[order]
    starts, counts = runs_of(anchors)
    return anchors, owners, positions, starts, counts, _documents_per_run(owners, starts, counts)


@kernels.kernel("!i8[], !i8[], i8[] -> none")
def _add_rows_by_df(cost: I64, df: I64, counts: I64) -> None:
    """``cost[d] +=`` the rows (pairs of occurrences) of the runs of ``counts`` occurrences
    found in ``df`` documents, for each d from 2 to ``cost.shape[0] - 1``."""
    for r in range(df.shape[0]):
        if 2 <= df[r] < cost.shape[0]:
            cost[df[r]] += counts[r] * (counts[r] - 1) // 2


@kernels.kernel("i4[], i8[], i8[] -> i8[]")
def _documents_per_run(owners: npt.NDArray[np.integer], starts: I64, counts: I64) -> I64:
    """The number of distinct ``owners`` in each run (``starts[r] : starts[r] + counts[r]``,
    sorted)."""
    df = np.ones(starts.shape[0], dtype=np.int64)
    for r in range(starts.shape[0]):
        for i in range(starts[r] + 1, starts[r] + counts[r]):
            df[r] += owners[i] != owners[i - 1]
    return df


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
    threads: int = 1,
) -> AnchorJoin:
    """:func:`anchor_pairs` of anchors given a hash slice at a time (every occurrence of an
    anchor in one slice): ``slices()`` yields them, from memory or from disk
    (:class:`~copytrace.spill.FingerprintSpill`), and is called again if the ceiling must be
    lowered, so that only one slice is ever held (one for each of ``threads`` threads that
    sort them; the result does not depend on their number)."""
    empty = np.empty(0, dtype=np.int64)
    if n_docs < 2:
        return AnchorJoin(empty, empty, max_df, 0)
    # One pass prices every document frequency and, as long as the rows at max_df stay
    # within the budget (the usual case), enumerates them too. Only a corpus that would
    # exceed the budget is sorted a second time, at the lowered ceiling. Slices priced in
    # threads each see the cost of those priced before: at most the total, so the rows are
    # enumerated in the first pass exactly when the total is within the budget.
    cost = np.zeros(max_df + 1, dtype=np.int64)
    priced = threading.Lock()

    def rows_of(part: AnchorSlice) -> Rows | None:
        sorted_slice = _sorted_slice(*part)
        with priced:
            _add_rows_by_df(cost, sorted_slice[5], sorted_slice[4])
            within = int(cost.sum()) <= budget
        return _shared_anchors(*sorted_slice, n_docs, max_df) if within else None

    found: list[Rows] = []
    over = False
    for rows in in_threads(rows_of, slices(), threads):
        if over or rows is None:
            over = True
            found.clear()  # over budget: freed now, enumerated again below
        else:
            found.append(rows)
    within = np.flatnonzero(np.cumsum(cost) <= budget)
    ceiling = int(within[-1]) if within.shape[0] else 1
    if ceiling < max_df:
        found = list(
            in_threads(
                lambda part: _shared_anchors(*_sorted_slice(*part), n_docs, ceiling),
                slices(),
                threads,
            )
        )
    if not found:
        return AnchorJoin(empty, empty, ceiling, 0)
    total = sum(int(part[0].shape[0]) for part in found)
    left, right = _spanning_pairs(found, n_docs, min_span)
    return AnchorJoin(left, right, ceiling, total)


def _shared_anchors(
    anchors: U64,
    owners: npt.NDArray[np.integer],
    positions: npt.NDArray[np.integer],
    starts: I64,
    counts: I64,
    df: I64,
    n: int,
    max_df: int,
) -> Rows:
    """Every occurrence of an anchor in two documents, from a sorted slice: (pair code
    left * n + right, diagonal (position in right minus position in left), position in
    left), in no particular order. Positions are below 2**31."""
    # boilerplate is ignored, and an anchor found in one document pairs nothing
    counts = np.where((df >= 2) & (df <= max_df), counts, 0)
    return _occurrence_pairs(
        np.ascontiguousarray(owners), np.ascontiguousarray(positions), starts, counts, n
    )


@kernels.kernel("i4[], i4[], i8[], i8[], i8 -> (i8[], i4[], i4[])")
def _occurrence_pairs(
    owners: npt.NDArray[np.integer],
    positions: npt.NDArray[np.integer],
    starts: I64,
    counts: I64,
    n: int,
) -> Rows:
    """For every two occurrences i < j, of different documents, inside one run (run r is
    ``starts[r] : starts[r] + counts[r]``): (left * n + right, position in right minus
    position in left, position in left), left and right the two documents in order."""
    total = 0
    for r in range(starts.shape[0]):
        total += counts[r] * (counts[r] - 1) // 2
    codes = np.empty(total, dtype=np.int64)
    diagonals = np.empty(total, dtype=np.int32)
    lefts = np.empty(total, dtype=np.int32)
    row = 0
    for r in range(starts.shape[0]):
        end = starts[r] + counts[r]
        for i in range(starts[r], end):
            owner_i, position_i = np.int64(owners[i]), np.int64(positions[i])
            for j in range(i + 1, end):
                owner_j, position_j = np.int64(owners[j]), np.int64(positions[j])
                if owner_i < owner_j:
                    codes[row] = owner_i * n + owner_j
                    diagonals[row] = position_j - position_i
                    lefts[row] = position_i
                    row += 1
                elif owner_j < owner_i:
                    codes[row] = owner_j * n + owner_i
                    diagonals[row] = position_i - position_j
                    lefts[row] = position_j
                    row += 1
    return codes[:row], diagonals[:row], lefts[:row]


def _spanning_pairs(parts: list[Rows], n: int, min_span: int) -> tuple[I64, I64]:
    """The pairs with shared anchors on one diagonal bucket spanning ``min_span``, from the
    rows of every slice (``parts``, emptied as they are used).

    One sort by (pair, diagonal) serves both bucket offsets: a bucket is a contiguous range
    of diagonals, so each (pair, bucket) group is a contiguous range of the sorted rows, and
    its span is the largest minus the smallest left position in it (:func:`_spanning_codes`).
    A row's diagonal and left position are packed into one integer; where its code fits in
    the bits above them (the usual case), the whole row is, a slice at a time, and rows are
    sorted as plain integers: several times faster than ordering columns by an index, in a
    third of the memory.
    """
    empty = np.empty(0, dtype=np.int64)
    parts[:] = [part for part in parts if part[0].shape[0]]
    if not parts:
        return empty, empty
    low = min(int(diagonals.min()) for _, diagonals, _ in parts)
    high = max(int(diagonals.max()) for _, diagonals, _ in parts)
    position_bits = max(int(lefts.max()) for _, _, lefts in parts).bit_length()
    diagonal_bits = (high - low).bit_length()
    shift = diagonal_bits + position_bits  # both 32-bit: at most 63 bits
    if max(int(codes.max()) for codes, _, _ in parts).bit_length() + shift <= 63:
        codes = rows = np.empty(sum(part[0].shape[0] for part in parts), dtype=np.int64)
        at = 0
        while parts:
            part_codes, diagonals, lefts = parts.pop(0)
            into = rows[at : at + part_codes.shape[0]]
            np.left_shift(part_codes, shift, out=into)
            into |= _packed(diagonals, lefts, low, position_bits)
            at += part_codes.shape[0]
        rows.sort()
    else:  # too many documents, or too long ones: rows ordered by an index
        codes = np.concatenate([part[0] for part in parts])
        rows = np.concatenate([_packed(d, lefts, low, position_bits) for _, d, lefts in parts])
        parts.clear()
        order = np.lexsort((rows, codes))
        codes, rows, shift = codes[order], rows[order], 0
    bits = (position_bits, diagonal_bits, low)
    encoded = _spanning_codes(codes, shift, rows, bits, min_span)
    return encoded // n, encoded % n


def _packed(diagonals: I32, lefts: I32, low: int, position_bits: int) -> I64:
    """``(diagonal - low) << position_bits | left`` of each row (``low`` the lowest diagonal,
    ``position_bits`` enough for every left position)."""
    packed = diagonals.astype(np.int64)
    packed -= low
    packed <<= position_bits
    packed |= lefts
    return packed


@kernels.kernel("i8[], i8, i8[], (i8, i8, i8), i8 -> i8[]")
def _spanning_codes(
    codes: I64, code_shift: int, rows: I64, bits: tuple[int, int, int], min_span: int
) -> I64:
    """The codes, ascending and each once, of rows sorted by code then diagonal that have a
    diagonal bucket whose rows' left positions span at least ``min_span``: buckets are
    DIAGONAL_BUCKET diagonals wide, taken at two offsets (0 and half a bucket). Row i's code
    is ``codes[i] >> code_shift``, and ``rows[i]`` its diagonal and left position as
    :func:`_packed` packs them, with anything above them ignored; ``bits`` is (position
    bits, diagonal bits, lowest diagonal)."""
    found = np.empty(codes.shape[0], dtype=np.int64)
    m = 0
    start = 0
    while start < codes.shape[0]:
        code = codes[start] >> code_shift
        end = start + 1
        while end < codes.shape[0] and codes[end] >> code_shift == code:
            end += 1
        if _spans(rows, start, end, bits, 0, min_span) or _spans(
            rows, start, end, bits, DIAGONAL_BUCKET // 2, min_span
        ):
            found[m] = code
            m += 1
        start = end
    return found[:m]


@kernels.compiled
def _spans(
    rows: I64, start: int, end: int, bits: tuple[int, int, int], shift: int, min_span: int
) -> bool:
    """Whether rows ``start`` to ``end - 1`` (sorted by diagonal; see :func:`_spanning_codes`)
    have a bucket of diagonals, ``(diagonal + shift) // DIAGONAL_BUCKET``, whose left
    positions span at least ``min_span``."""
    position_bits, diagonal_bits, low = bits
    positions, diagonals = (1 << position_bits) - 1, (1 << diagonal_bits) - 1
    i = start
    while i < end:
        bucket = (((rows[i] >> position_bits) & diagonals) + low + shift) // DIAGONAL_BUCKET
        lowest = highest = rows[i] & positions
        i += 1
        while (
            i < end
            and (((rows[i] >> position_bits) & diagonals) + low + shift) // DIAGONAL_BUCKET
            == bucket
        ):
            lowest = min(lowest, rows[i] & positions)
            highest = max(highest, rows[i] & positions)
            i += 1
        if highest - lowest >= min_span:
            return True
    return False
