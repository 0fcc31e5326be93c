"""Candidate pairs from MinHash signatures by LSH banding.

Contract: :func:`lsh_params` derives bands and rows from the user's threshold so that a pair
whose Jaccard equals the threshold becomes a candidate with probability at least
``recall_at_threshold`` (0.999 by default), choosing among such settings the one that lets
fewest dissimilar pairs through. A false candidate costs one exact verification; a missed one
is lost for good, which is why recall is the constraint and false positives the cost.

:func:`candidate_pairs` finds every pair of documents that agree on all rows of at least one
band, by sorting band keys (numpy, no Python object per band entry) and enumerating runs of
equal keys. Pairs come back as two aligned index arrays with ``left < right``, sorted, unique.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import numpy.typing as npt

from copytrace.config import Config
from copytrace.fingerprint import U32, U64, _fmix64

I64 = npt.NDArray[np.int64]

DEFAULT_RECALL_AT_THRESHOLD = 0.999


def candidate_probability(jaccard: npt.ArrayLike, bands: int, rows: int) -> npt.NDArray[np.float64]:
    """Probability that a pair with this Jaccard shares at least one band: 1-(1-J^r)^b."""
    j = np.asarray(jaccard, dtype=np.float64)
    return 1.0 - (1.0 - j**rows) ** bands


@cache
def lsh_params(
    threshold: float, num_perm: int, recall_at_threshold: float = DEFAULT_RECALL_AT_THRESHOLD
) -> tuple[int, int]:
    """(bands, rows) for a threshold, as described in the module docstring.

    If no setting reaches the recall target (a very high threshold with few permutations),
    the one with the highest recall at the threshold is returned.
    """
    grid = np.linspace(0.0, threshold, 200, endpoint=False)
    best: tuple[float, int, int] | None = None
    fallback: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        recall = float(candidate_probability(threshold, bands, rows))
        if fallback is None or recall > fallback[0]:
            fallback = (recall, bands, rows)
        if recall < recall_at_threshold:
            continue
        false_area = float(np.trapezoid(candidate_probability(grid, bands, rows), grid))
        if best is None or false_area < best[0]:
            best = (false_area, bands, rows)
    chosen = best if best is not None else fallback
    assert chosen is not None  # num_perm >= 1 always yields a setting
    return chosen[1], chosen[2]


def bands_and_rows(config: Config) -> tuple[int, int]:
    """The banding to use: the configured one, or the one derived from the threshold."""
    if config.bands is not None and config.rows is not None:
        return config.bands, config.rows
    return lsh_params(config.threshold, config.num_perm)


def band_keys(signatures: U32, bands: int, rows: int) -> U64:
    """(documents x bands) 64-bit keys; equal keys mean equal signature values in that band.

    The band number is mixed into the key so that keys of different bands never meet.
    """
    n = signatures.shape[0]
    banded = signatures[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        acc = np.broadcast_to(_fmix64(np.arange(1, bands + 1, dtype=np.uint64)), (n, bands)).copy()
        for r in range(rows):
            acc = _fmix64(acc ^ banded[:, :, r])
    return acc


def candidate_pairs(keys: U64, max_bucket: int | None = None) -> tuple[I64, I64]:
    """Unique (left, right) index pairs, left < right, of rows of ``keys`` sharing a key.

    ``max_bucket`` caps how many documents of one bucket are paired (the first ones, in
    index order); ``None`` pairs them all.
    """
    n, bands = keys.shape
    if n < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    flat = keys.ravel()
    docs = np.repeat(np.arange(n, dtype=np.int64), bands)
    order = np.lexsort((docs, flat))
    flat = flat[order]
    docs = docs[order]
    boundaries = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [flat.shape[0]]))
    sizes = ends - starts
    multi = sizes > 1
    lefts: list[I64] = []
    rights: list[I64] = []
    # Buckets of two are by far the most common: handle them in one vectorised step.
    two = starts[multi & (sizes == 2)]
    if two.size:
        lefts.append(docs[two])
        rights.append(docs[two + 1])
    for start, size in zip(starts[sizes > 2], sizes[sizes > 2], strict=True):
        members = docs[start : start + (size if max_bucket is None else min(size, max_bucket))]
        i, j = np.triu_indices(members.shape[0], k=1)
        lefts.append(members[i])
        rights.append(members[j])
    if not lefts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    left = np.concatenate(lefts)
    right = np.concatenate(rights)
    # members are sorted by document index within a bucket, so left < right already
    encoded = np.unique(left * n + right)
    return encoded // n, encoded % n
