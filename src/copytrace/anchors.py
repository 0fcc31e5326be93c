"""Winnowed anchors: candidate pairs for partial copies (a passage of one text inside another).

Contract (Schleimer, Wilkerson and Aiken 2003): :func:`winnow` keeps, from every window of
``window`` consecutive shingle hashes, the smallest. Any run of at least
``window + ngram_size - 1`` words shared by two texts therefore yields at least one common
anchor, whatever surrounds it. :func:`anchor_window` derives the window from the shortest
passage the user wants found so that such a passage contains two disjoint windows, hence at
least two common anchors; :func:`anchor_pairs` asks for two, which keeps pairs that merely
share one common phrase out.

Anchors shared by more than ``max_df`` documents (navigation, legal footers, wire
boilerplate) are ignored, so boilerplate shared by thousands of pages cannot explode the
pair count. Candidates are found by sorting (anchor, document) postings in numpy.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from copytrace.candidates import I64
from copytrace.fingerprint import U64

#: two anchors in common are needed for a pair to be a partial-copy candidate
MIN_SHARED_ANCHORS = 2


def anchor_window(min_passage_words: int, ngram_size: int) -> int:
    """The winnowing window that guarantees two common anchors in a shared passage of
    ``min_passage_words`` words (at least 1)."""
    return max(1, min_passage_words // 2 - ngram_size + 1)


def winnow(shingles: U64, window: int) -> U64:
    """The unique anchor hashes of a text's ordered shingle hashes (sorted)."""
    n = shingles.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    if n <= window:
        return np.unique(shingles[[int(np.argmin(shingles))]])
    windows = sliding_window_view(shingles, window)
    positions = np.argmin(windows, axis=1) + np.arange(windows.shape[0])
    return np.unique(shingles[positions])


def anchor_pairs(
    anchors: list[U64], max_df: int, min_shared: int = MIN_SHARED_ANCHORS
) -> tuple[I64, I64]:
    """(left, right) document pairs, left < right, sharing at least ``min_shared`` anchors
    whose document frequency is at most ``max_df``; sorted and unique."""
    empty = np.empty(0, dtype=np.int64)
    n = len(anchors)
    if n < 2:
        return empty, empty
    sizes = np.fromiter((a.shape[0] for a in anchors), dtype=np.int64, count=n)
    if sizes.sum() == 0:
        return empty, empty
    hashes = np.concatenate(anchors)
    docs = np.repeat(np.arange(n, dtype=np.int64), sizes)
    order = np.lexsort((docs, hashes))
    hashes, docs = hashes[order], docs[order]
    boundaries = np.flatnonzero(hashes[1:] != hashes[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    counts = np.diff(np.concatenate((starts, [hashes.shape[0]])))
    keep = (counts > 1) & (counts <= max_df)
    pieces: list[I64] = []
    for start, count in zip(starts[keep], counts[keep], strict=True):
        members = docs[start : start + count]
        i, j = np.triu_indices(count, k=1)
        pieces.append(members[i] * n + members[j])
    if not pieces:
        return empty, empty
    encoded, shared = np.unique(np.concatenate(pieces), return_counts=True)
    encoded = encoded[shared >= min_shared]
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
