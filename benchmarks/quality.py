"""Detection quality of copytrace against exact all-pairs ground truth, datasketch beside it.

Builds a corpus of real news text with planted copies (:mod:`corpus`), computes every pair at
or above the Jaccard threshold exactly by brute force (sets of word shingles, no hashing),
runs ``copytrace.scan`` and datasketch's MinHashLSH on the same documents and shingles, and
prints one JSON line with precision, recall and time of each, and copytrace's recall per kind
of planted copy. Progress goes to stderr.

    python benchmarks/quality.py                # 12,000 documents, datasketch beside
    python benchmarks/quality.py --smoke        # ~1,500 documents, for CI
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

# Benchmarks are scripts, not a package; the sibling module is found next to this file both
# when run as a script and when loaded by path from the tests.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import corpus  # noqa: E402

from copytrace.normalize import words  # noqa: E402

log = logging.getLogger("quality")

#: documents in a ``--smoke`` run
SMOKE_DOCS = 1500
#: rows of the document x shingle matrix multiplied at a time for the ground truth
BLOCK_ROWS = 1000
#: misses and false alarms printed to stderr, each
MAX_EXAMPLES = 10

PairKey = tuple[str, str]


def pair_key(a: str, b: str) -> PairKey:
    """The unordered pair ``{a, b}`` as a tuple in sorted order."""
    return (a, b) if a <= b else (b, a)


# ---------------------------------------------------------------------------------------------
# exact ground truth


def shingle_sets(texts: Iterable[str], ngram_size: int) -> list[set[tuple[int, ...]]]:
    """The set of word ``ngram_size``-grams of each text, exactly.

    Words are ``copytrace.normalize.words(text)``; each distinct word is given a distinct
    integer, so a shingle (a tuple of word ids) stands for its tuple of words one-to-one:
    nothing is hashed or approximated. A text with fewer words than ``ngram_size`` has one
    shingle of all its words; a text with no words has none.
    """
    word_ids: dict[str, int] = {}
    sets: list[set[tuple[int, ...]]] = []
    for text in texts:
        ids = [word_ids.setdefault(w, len(word_ids)) for w in words(text)]
        if not ids:
            sets.append(set())
        elif len(ids) < ngram_size:
            sets.append({tuple(ids)})
        else:
            sets.append({tuple(ids[i : i + ngram_size]) for i in range(len(ids) - ngram_size + 1)})
    return sets


def shingle_matrix(sets: Sequence[set[tuple[int, ...]]]) -> sp.csr_matrix:
    """A binary documents x distinct-shingles CSR matrix (int32): row i holds set i."""
    column_of: dict[tuple[int, ...], int] = {}
    indptr = [0]
    indices: list[int] = []
    for shingles in sets:
        indices.extend(sorted(column_of.setdefault(s, len(column_of)) for s in shingles))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.int32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(sets), max(1, len(column_of))),
    )


def exact_pairs(
    ids: Sequence[str], texts: Sequence[str], ngram_size: int, threshold: float
) -> dict[PairKey, float]:
    """Every unordered pair of documents whose shingle-set Jaccard is at least ``threshold``.

    Intersections come from ``X @ X.T`` of the binary shingle matrix, ``BLOCK_ROWS`` rows at
    a time, so they are exact integer counts; ``J = inter / (|A| + |B| - inter)`` is compared
    with the threshold in rational arithmetic, so a pair at exactly the threshold is kept.
    Documents without shingles are in no pair. Values are the Jaccard as floats.
    """
    matrix = shingle_matrix(shingle_sets(texts, ngram_size))
    sizes = np.diff(matrix.indptr).astype(np.int64)
    transposed = matrix.T.tocsr()
    limit = Fraction(str(threshold))
    numerator, denominator = limit.numerator, limit.denominator
    pairs: dict[PairKey, float] = {}
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = (matrix[start : start + BLOCK_ROWS] @ transposed).tocoo()
        rows = block.row.astype(np.int64) + start
        cols = block.col.astype(np.int64)
        inter = block.data.astype(np.int64)
        upper = cols > rows
        rows, cols, inter = rows[upper], cols[upper], inter[upper]
        union = sizes[rows] + sizes[cols] - inter
        keep = inter * denominator >= numerator * union
        for row, col, shared, total in zip(
            rows[keep].tolist(),
            cols[keep].tolist(),
            inter[keep].tolist(),
            union[keep].tolist(),
            strict=True,
        ):
            pairs[pair_key(ids[row], ids[col])] = shared / total
    return pairs


# ---------------------------------------------------------------------------------------------
# scoring


@dataclass(frozen=True, slots=True)
class Score:
    """Precision and recall of a set of predicted pairs against the ground truth.

    Precision is 1.0 for an empty prediction and recall 1.0 for an empty truth (nothing
    wrong was said; nothing was missed).
    """

    precision: float
    recall: float
    predicted: int
    true_positives: int

    @classmethod
    def of(cls, predicted: set[PairKey], truth: Iterable[PairKey]) -> Score:
        truth_set = set(truth)
        hits = len(predicted & truth_set)
        return cls(
            precision=hits / len(predicted) if predicted else 1.0,
            recall=hits / len(truth_set) if truth_set else 1.0,
            predicted=len(predicted),
            true_positives=hits,
        )


def recall_by_kind(
    planted: dict[str, tuple[str, str]], truth: dict[PairKey, float], found: set[PairKey]
) -> dict[str, dict[str, Any]]:
    """For each kind: copies planted, (source, copy) pairs truly at the threshold, and the
    share of those found (``None`` when no pair of that kind reaches the threshold)."""
    out: dict[str, dict[str, Any]] = {}
    for kind in corpus.KINDS:
        keys = [pair_key(source, copy) for copy, (source, k) in planted.items() if k == kind]
        if not keys:
            continue
        at_threshold = [key for key in keys if key in truth]
        hits = sum(key in found for key in at_threshold)
        out[kind] = {
            "planted": len(keys),
            "at_threshold": len(at_threshold),
            "recall": round(hits / len(at_threshold), 4) if at_threshold else None,
        }
    return out


def jaccard_histogram(truth: dict[PairKey, float], threshold: float) -> dict[str, int]:
    """Ground-truth pairs counted in four equal bins from ``threshold`` to 1, and at exactly 1.

    Pairs just above the threshold are the ones an LSH most easily misses.
    """
    step = (1.0 - threshold) / 4
    edges = [threshold + i * step for i in range(5)]
    labels = [f"{lo:.3f}-{hi:.3f}" for lo, hi in itertools.pairwise(edges)]
    counts = dict.fromkeys([*labels, "1.0"], 0)
    for value in truth.values():
        if value >= 1.0:
            counts["1.0"] += 1
        else:
            counts[labels[min(3, max(0, int((value - threshold) / step)))]] += 1
    return counts


def describe_pair(key: PairKey, planted: dict[str, tuple[str, str]]) -> str:
    """``a b`` with the planted kind of either side, for the miss reports."""
    notes = [f"{side}<-{planted[side][0]} ({planted[side][1]})" for side in key if side in planted]
    return f"{key[0]} {key[1]}" + (f" [{'; '.join(notes)}]" if notes else "")


# ---------------------------------------------------------------------------------------------
# the contenders


def run_copytrace(
    documents: Sequence[corpus.CorpusDocument], threshold: float, ngram_size: int, num_perm: int
) -> tuple[dict[PairKey, Any], float]:
    """All pairs ``copytrace.scan`` reports (by unordered key) and the scan's wall time."""
    import copytrace

    docs = [copytrace.Document(id=d.id, text=d.text, meta=dict(d.meta)) for d in documents]
    config = copytrace.Config(threshold=threshold, ngram_size=ngram_size, num_perm=num_perm)
    started = time.perf_counter()
    result = copytrace.scan(docs, config=config)
    seconds = time.perf_counter() - started
    return {pair_key(p.a, p.b): p for p in result.pairs}, seconds


def run_datasketch(
    ids: Sequence[str], texts: Sequence[str], threshold: float, ngram_size: int, num_perm: int
) -> tuple[set[PairKey], float]:
    """Candidate pairs of datasketch's MinHashLSH over the same shingles, and its wall time.

    Shingles are the same word n-grams as the ground truth's, joined by spaces and encoded as
    UTF-8; the time covers tokenising, shingling, MinHash, insertion and querying.
    """
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    shingles: list[list[bytes]] = []
    for text in texts:
        folded = words(text)
        if len(folded) < ngram_size:
            grams = [" ".join(folded).encode()] if folded else []
        else:
            grams = [
                " ".join(folded[i : i + ngram_size]).encode()
                for i in range(len(folded) - ngram_size + 1)
            ]
        shingles.append(grams)
    minhashes = MinHash.bulk(shingles, num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for key, minhash in zip(ids, minhashes, strict=True):
            session.insert(key, minhash)
    candidates: set[PairKey] = set()
    for key, minhash in zip(ids, minhashes, strict=True):
        candidates.update(pair_key(key, other) for other in lsh.query(minhash) if other != key)
    return candidates, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# the benchmark


def run_quality(
    data_dir: Path,
    docs: int,
    *,
    copies: int | None = None,
    threshold: float = 0.8,
    ngram_size: int = 5,
    num_perm: int = 128,
    seed: int = 0,
    peers: bool = True,
) -> dict[str, Any]:
    """Run the whole benchmark and return the JSON-ready result.

    Raises :class:`corpus.DataMissingError` when the data is absent. Misses and false alarms
    of copytrace (and their true Jaccard) are logged; the result's ``copytrace.misses`` and
    ``copytrace.false_alarms`` hold the first few as ``[a, b, true_j, reported_j]``.
    """
    started = time.perf_counter()
    planted_corpus = corpus.build_corpus(data_dir, docs, copies=copies, seed=seed)
    documents = planted_corpus.documents
    planted = planted_corpus.planted
    ids = [d.id for d in documents]
    texts = [d.text for d in documents]
    log.info(
        "corpus: %d documents (%d real, %d planted) in %.1fs",
        len(documents),
        planted_corpus.base_count,
        len(planted),
        time.perf_counter() - started,
    )

    started = time.perf_counter()
    truth = exact_pairs(ids, texts, ngram_size, threshold)
    truth_seconds = time.perf_counter() - started
    planted_keys = {pair_key(source, copy) for copy, (source, _) in planted.items()}
    log.info(
        "ground truth: %d pairs at J >= %s (%d of them planted) in %.1fs",
        len(truth),
        threshold,
        len(planted_keys & truth.keys()),
        truth_seconds,
    )

    reported, copytrace_seconds = run_copytrace(documents, threshold, ngram_size, num_perm)
    found = {key for key, pair in reported.items() if pair.jaccard >= threshold}
    score = Score.of(found, truth)
    log.info(
        "copytrace: %d pairs reported, %d at J >= %s, precision %.4f recall %.4f in %.1fs",
        len(reported),
        len(found),
        threshold,
        score.precision,
        score.recall,
        copytrace_seconds,
    )
    misses = sorted(truth.keys() - found)
    false_alarms = sorted(found - truth.keys())
    for key in misses[:MAX_EXAMPLES]:
        got = reported.get(key)
        log.warning(
            "missed %s: true J %.4f, copytrace %s",
            describe_pair(key, planted),
            truth[key],
            f"reported J {got.jaccard:.4f} ({got.verdict})" if got else "did not report it",
        )
    for key in false_alarms[:MAX_EXAMPLES]:
        log.warning(
            "false alarm %s: copytrace J %.4f, true J below %s",
            describe_pair(key, planted),
            reported[key].jaccard,
            threshold,
        )
    jaccard_error = max(
        (abs(reported[key].jaccard - truth[key]) for key in found & truth.keys()), default=0.0
    )

    result: dict[str, Any] = {
        "benchmark": "quality",
        "corpus_docs": len(documents),
        "real_docs": planted_corpus.base_count,
        "planted": len(planted),
        "planted_by_kind": planted_corpus.planted_by_kind(),
        "threshold": threshold,
        "ngram_size": ngram_size,
        "num_perm": num_perm,
        "seed": seed,
        "ground_truth": {
            "pairs": len(truth),
            "planted_pairs": len(planted_keys & truth.keys()),
            "by_jaccard": jaccard_histogram(truth, threshold),
            "seconds": round(truth_seconds, 2),
        },
        "copytrace": {
            "precision": round(score.precision, 6),
            "recall": round(score.recall, 6),
            "pairs_reported": len(reported),
            "pairs_at_threshold": len(found),
            "max_jaccard_error": round(jaccard_error, 6),
            "seconds": round(copytrace_seconds, 2),
            "misses": [
                [*key, round(truth[key], 4), _reported_j(reported, key)]
                for key in misses[:MAX_EXAMPLES]
            ],
            "false_alarms": [
                [*key, None, _reported_j(reported, key)] for key in false_alarms[:MAX_EXAMPLES]
            ],
        },
        "copytrace_recall_by_kind": recall_by_kind(planted, truth, found),
    }

    if peers:
        candidates, peer_seconds = run_datasketch(ids, texts, threshold, ngram_size, num_perm)
        raw = Score.of(candidates, truth)
        result["datasketch"] = {
            "precision": round(raw.precision, 6),
            "recall": round(raw.recall, 6),
            "pairs_reported": len(candidates),
            "verified_recall": round(raw.recall, 6),
            "verified_precision": 1.0,
            "seconds": round(peer_seconds, 2),
        }
        log.info(
            "datasketch: %d candidates, precision %.4f recall %.4f in %.1fs",
            len(candidates),
            raw.precision,
            raw.recall,
            peer_seconds,
        )
    return result


def _reported_j(reported: dict[PairKey, Any], key: PairKey) -> float | None:
    pair = reported.get(key)
    return None if pair is None else round(float(pair.jaccard), 4)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--docs", type=int, default=12_000, help="documents in the corpus")
    parser.add_argument(
        "--copies", type=int, default=None, help="planted copies among them (default ~8%%)"
    )
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--ngram-size", type=int, default=5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peers", action="store_true", help="skip datasketch")
    parser.add_argument("--data", type=Path, default=corpus.DEFAULT_DATA_DIR)
    parser.add_argument("--smoke", action="store_true", help=f"CI size: {SMOKE_DOCS} documents")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    try:
        result = run_quality(
            args.data,
            SMOKE_DOCS if args.smoke else args.docs,
            copies=args.copies,
            threshold=args.threshold,
            ngram_size=args.ngram_size,
            num_perm=args.num_perm,
            seed=args.seed,
            peers=not args.no_peers,
        )
    except corpus.DataMissingError as error:
        print(f"quality benchmark: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
