"""Winnowed anchors: candidate pairs for partial copies (a passage of one text inside another).

Contract (Schleimer, Wilkerson and Aiken 2003): :func:`winnow` keeps, from every window of
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

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from copytrace.candidates import I64, pair_indices_within_runs, sorted_runs
from copytrace.fingerprint import U64

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


def winnow(shingles: U64, window: int) -> U64:
    """The unique anchor hashes of a text's ordered shingle hashes (sorted)."""
    cuts = np.array([0, shingles.shape[0]], dtype=np.int64)
    return np.unique(winnow_batch(shingles, cuts, window)[0])


def winnow_batch(shingles: U64, cuts: I64, window: int) -> tuple[U64, I64, I64]:
    """Anchors of many texts at once, as (hashes, owning text, position in its text), in
    text order. Text i's ordered shingles are ``shingles[cuts[i]:cuts[i + 1]]``.

    Every window of ``window`` shingles inside one text selects its smallest (the leftmost
    on ties); a text with fewer shingles than that has one anchor, its smallest shingle.
    """
    n_texts = cuts.shape[0] - 1
    empty = np.empty(0, dtype=np.int64)
    if shingles.shape[0] == 0:
        return np.empty(0, dtype=np.uint64), empty, empty
    sizes = np.diff(cuts)
    owner = np.repeat(np.arange(n_texts, dtype=np.int64), sizes)
    positions: list[I64] = []
    if shingles.shape[0] >= window:
        windows = sliding_window_view(shingles, window)
        starts = np.arange(windows.shape[0], dtype=np.int64)
        inside = owner[starts] == owner[starts + window - 1]
        positions.append(np.argmin(windows[inside], axis=1) + starts[inside])
    for i in np.flatnonzero((sizes > 0) & (sizes < window)).tolist():
        positions.append(np.array([cuts[i] + np.argmin(shingles[cuts[i] : cuts[i + 1]])]))
    chosen = np.unique(np.concatenate(positions))
    owners = owner[chosen]
    return shingles[chosen], owners, chosen - cuts[owners]


def anchor_pairs(
    anchors: U64,
    owners: I64,
    positions: I64,
    n_docs: int,
    max_df: int,
    min_span: int,
) -> tuple[I64, I64]:
    """(left, right) document pairs, left < right, sorted and unique, whose shared anchors
    (each found in at most ``max_df`` documents) lie on one diagonal over a span of at least
    ``min_span`` positions. ``anchors[j]`` is at ``positions[j]`` in document ``owners[j]``."""
    empty = np.empty(0, dtype=np.int64)
    n = n_docs
    if n < 2 or anchors.shape[0] == 0:
        return empty, empty
    order = np.lexsort((positions, owners, anchors))
    anchors, owners, positions = anchors[order], owners[order], positions[order]
    _, _, starts, counts = sorted_runs(anchors, np.arange(anchors.shape[0], dtype=np.int64))
    # the document frequency of an anchor: documents in its run
    first_of_doc = np.ones(owners.shape[0], dtype=np.bool_)
    first_of_doc[1:] = (anchors[1:] != anchors[:-1]) | (owners[1:] != owners[:-1])
    df = np.add.reduceat(first_of_doc.astype(np.int64), starts) if starts.shape[0] else starts
    counts = np.where(df <= max_df, counts, 0)  # boilerplate: ignored
    i, j = pair_indices_within_runs(starts, counts)
    different = owners[i] != owners[j]
    i, j = i[different], j[different]
    left = np.minimum(owners[i], owners[j])
    right = np.maximum(owners[i], owners[j])
    position_left = np.where(owners[i] < owners[j], positions[i], positions[j])
    position_right = np.where(owners[i] < owners[j], positions[j], positions[i])
    code = left * n + right
    diagonal = position_right - position_left
    found: list[I64] = []
    for shift in (0, DIAGONAL_BUCKET // 2):
        bucket = (diagonal + shift) // DIAGONAL_BUCKET
        order = np.lexsort((position_left, bucket, code))
        c, b, p = code[order], bucket[order], position_left[order]
        if c.shape[0] == 0:
            continue
        boundary = np.ones(c.shape[0], dtype=np.bool_)
        boundary[1:] = (c[1:] != c[:-1]) | (b[1:] != b[:-1])
        group_starts = np.flatnonzero(boundary)
        group_ends = np.concatenate((group_starts[1:], [c.shape[0]])) - 1
        span = p[group_ends] - p[group_starts]  # sorted by position inside a group
        found.append(np.unique(c[group_starts[span >= min_span]]))
    if not found:
        return empty, empty
    encoded = np.unique(np.concatenate(found))
    return encoded // n, encoded % n


def shared_runs(a: U64, b: U64, ngram_size: int, max_gap_words: int) -> list[tuple[int, int]]:
    """Word ranges ``[start, end)`` of text A covered by shingles also in text B.

    ``a`` and ``b`` are the texts' ordered shingle hashes. Runs separated by at most
    ``max_gap_words`` unshared shingles are merged (a one-word edit breaks ``ngram_size``
    shingles), so a passage with small edits stays one range.
    """
    if a.shape[0] == 0 or b.shape[0] == 0:
        return []
    shared = np.isin(a, b)
    if not shared.any():
        return []
    padded = np.concatenate(([False], shared, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    run_starts, run_ends = edges[0::2], edges[1::2]  # shingle index ranges [start, end)
    merged: list[tuple[int, int]] = []
    for start, end in zip(run_starts.tolist(), run_ends.tolist(), strict=True):
        if merged and start - merged[-1][1] <= max_gap_words:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    # shingle i covers words i .. i+ngram_size-1
    return [(start, end + ngram_size - 1) for start, end in merged]
