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

from copytrace.candidates import I64, pairs_within_runs, sorted_runs
from copytrace.fingerprint import U64

#: two anchors in common are needed for a pair to be a partial-copy candidate
MIN_SHARED_ANCHORS = 2


def anchor_window(min_passage_words: int, ngram_size: int) -> int:
    """The winnowing window that guarantees two common anchors in a shared passage of
    ``min_passage_words`` words (at least 1)."""
    return max(1, min_passage_words // 2 - ngram_size + 1)


def winnow(shingles: U64, window: int) -> U64:
    """The unique anchor hashes of a text's ordered shingle hashes (sorted)."""
    cuts = np.array([0, shingles.shape[0]], dtype=np.int64)
    return winnow_batch(shingles, cuts, window)[0]


def winnow_batch(shingles: U64, cuts: I64, window: int) -> tuple[U64, I64]:
    """Anchors of many texts at once, as (anchor hashes, owning text), sorted by owner then
    hash, unique per owner. Text i's ordered shingles are ``shingles[cuts[i]:cuts[i + 1]]``.

    Every window of ``window`` shingles inside one text selects its smallest; a text with
    fewer shingles than that has one anchor, its smallest shingle.
    """
    n_texts = cuts.shape[0] - 1
    if shingles.shape[0] == 0:
        return np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
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
    anchor_owner, anchor_hash = owner[chosen], shingles[chosen]
    order = np.lexsort((anchor_hash, anchor_owner))
    anchor_owner, anchor_hash = anchor_owner[order], anchor_hash[order]
    keep = np.ones(anchor_hash.shape[0], dtype=np.bool_)
    keep[1:] = (anchor_hash[1:] != anchor_hash[:-1]) | (anchor_owner[1:] != anchor_owner[:-1])
    return anchor_hash[keep], anchor_owner[keep]


def anchor_pairs(
    anchors: U64, owners: I64, n_docs: int, max_df: int, min_shared: int = MIN_SHARED_ANCHORS
) -> tuple[I64, I64]:
    """(left, right) document pairs, left < right, sharing at least ``min_shared`` anchors
    whose document frequency is at most ``max_df``; sorted and unique. ``anchors[j]``
    belongs to document ``owners[j]`` (unique per document)."""
    empty = np.empty(0, dtype=np.int64)
    n = n_docs
    if n < 2 or anchors.shape[0] == 0:
        return empty, empty
    _, docs, starts, counts = sorted_runs(anchors, owners)
    counts = np.where(counts <= max_df, counts, 0)  # boilerplate: ignored
    pairs = pairs_within_runs(docs, starts, counts, n)
    if pairs.shape[0] == 0:
        return empty, empty
    encoded, shared = np.unique(pairs, return_counts=True)
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
