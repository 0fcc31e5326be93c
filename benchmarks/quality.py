"""Detection quality of copytrace against exact all-pairs ground truth, datasketch beside it.

Builds a corpus of real news text with planted copies (:mod:`corpus`), computes every pair at
or above the Jaccard threshold exactly by brute force (sets of word shingles, no hashing),
runs ``copytrace.scan`` and datasketch's MinHashLSH on the same documents and shingles, and
prints one JSON line with precision, recall and time of each, and copytrace's recall per kind
of planted copy. Progress goes to stderr.

The corpus also holds planted partial copies (:func:`corpus.plant_partials`: 50 to 300 words
of a source document S inserted into an unrelated host H, giving P). The same scan's partial
copies and alignments are scored in the JSON line's ``partial`` object (see
:func:`evaluate_partials` for the exact definitions):

- ``recall``: share of planted passages for which copytrace reports the pair {S, P}, with any
  verdict, and a passage overlapping the planted span on both sides;
- ``passage_precision``: share of the passages of ``partial`` pairs involving a planted
  document that the planting explains (or real text shared before planting explains);
- ``offset_error_chars``: how far the ends of the found passages are from the planted ones.

    python benchmarks/quality.py                # 12,000 documents, datasketch beside
    python benchmarks/quality.py --smoke        # ~1,500 documents, for CI
    python benchmarks/quality.py --smoke --show-partials   # spot-check unplanted partials
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
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

from copytrace.normalize import tokenize, words  # noqa: E402

log = logging.getLogger("quality")

#: documents in a ``--smoke`` run
SMOKE_DOCS = 1500
#: rows of the document x shingle matrix multiplied at a time for the ground truth
BLOCK_ROWS = 1000
#: misses and false alarms printed to stderr, each
MAX_EXAMPLES = 10
#: unplanted partial pairs printed by ``--show-partials``
SHOW_PARTIALS = 10
#: an unplanted passage is real shared text when at least this share of the 5-word shingles
#: of its shorter side is found in its other side
SHARED_TEXT_FLOOR = 0.5

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


def describe_pair(
    key: PairKey,
    planted: dict[str, tuple[str, str]],
    partials: Mapping[str, corpus.PlantedPassage] | None = None,
) -> str:
    """``a b`` with the planted kind of either side, for the miss reports."""
    partials = partials or {}
    notes = [f"{side}<-{planted[side][0]} ({planted[side][1]})" for side in key if side in planted]
    notes += [
        f"{side}<-{partials[side].host} + {partials[side].words} words of {partials[side].source}"
        for side in key
        if side in partials
    ]
    return f"{key[0]} {key[1]}" + (f" [{'; '.join(notes)}]" if notes else "")


# ---------------------------------------------------------------------------------------------
# the contenders


def run_copytrace(
    documents: Sequence[corpus.CorpusDocument],
    threshold: float,
    ngram_size: int,
    num_perm: int,
    *,
    align: bool = True,
) -> tuple[Any, float]:
    """``copytrace.scan`` over the documents (partial copies on, and aligned unless ``align``
    is false): its :class:`~copytrace.pipeline.ScanResult` and wall time."""
    import copytrace

    docs = [copytrace.Document(id=d.id, text=d.text, meta=dict(d.meta)) for d in documents]
    config = copytrace.Config(
        threshold=threshold, ngram_size=ngram_size, num_perm=num_perm, partial=True, align=align
    )
    started = time.perf_counter()
    result = copytrace.scan(docs, config=config)
    return result, time.perf_counter() - started


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
# partial copies


class Origins:
    """Where every character of the corpus came from, to judge reported passages.

    A real document's text is its own; a partial copy's text is its host's, except the
    planted passage, which is its source's (:meth:`corpus.PlantedPassage.origin` maps offsets
    exactly). At the document level only, a real document is also the same text as its
    planted whole copies and as every document it is a ground-truth near-duplicate of (at
    the Jaccard threshold; pairs with a partial copy left out), with unknown offsets.
    """

    def __init__(
        self,
        planted: Mapping[str, tuple[str, str]],
        partials: Mapping[str, corpus.PlantedPassage],
        truth: Iterable[PairKey],
    ) -> None:
        self.partials = partials
        parent: dict[str, str] = {}

        def find(item: str) -> str:
            parent.setdefault(item, item)
            while parent[item] != item:
                parent[item] = parent[parent[item]]
                item = parent[item]
            return item

        links = [(copy, source) for copy, (source, _) in planted.items()]
        links += [key for key in truth if key[0] not in partials and key[1] not in partials]
        for a, b in links:
            parent[find(a)] = find(b)
        groups: dict[str, set[str]] = {}
        for item in list(parent):
            groups.setdefault(find(item), set()).add(item)
        self.same: dict[str, set[str]] = {item: groups[find(item)] for item in parent}

    def of(self, doc: str, start: int, end: int) -> list[tuple[str, int | None, int | None]]:
        """The pieces ``(document, start, end)`` that ``doc[start:end]`` came from; offsets
        are ``None`` for a document known to hold the same text at unknown offsets."""
        planted = self.partials.get(doc)
        exact = planted.origin(start, end) if planted else [(doc, start, end)]
        out: list[tuple[str, int | None, int | None]] = []
        for source, lo, hi in exact:
            out.append((source, lo, hi))
            out.extend(
                (other, None, None) for other in self.same.get(source, ()) if other != source
            )
        return out

    def explains(self, a: str, a_span: tuple[int, int], b: str, b_span: tuple[int, int]) -> bool:
        """Whether ``a[a_span]`` and ``b[b_span]`` came, at least in part, from the same text."""
        for doc_a, lo_a, hi_a in self.of(a, *a_span):
            for doc_b, lo_b, hi_b in self.of(b, *b_span):
                if doc_a != doc_b:
                    continue
                if lo_a is None or lo_b is None or hi_a is None or hi_b is None:
                    return True
                if lo_a < hi_b and lo_b < hi_a:
                    return True
        return False


def shared_text(text_a: str, text_b: str, ngram_size: int) -> float:
    """Share of the word ``ngram_size``-grams of the shorter text found in the other."""
    grams_a, grams_b = shingle_sets([text_a, text_b], ngram_size)
    smaller, larger = sorted((grams_a, grams_b), key=len)
    return len(smaller & larger) / len(smaller) if smaller else 0.0


def _punctuation_after(text: str, position: int) -> str:
    end = position
    while end < len(text) and not (text[end].isspace() or text[end].isalnum()):
        end += 1
    return text[position:end]


def _punctuation_before(text: str, position: int) -> str:
    start = position
    while start > 0 and not (text[start - 1].isspace() or text[start - 1].isalnum()):
        start -= 1
    return text[start:position]


_QUOTES = str.maketrans("\u2018\u2019\u201c\u201d\u2013", "''\"\"-")


def shared_span(
    text_p: str, span_p: tuple[int, int], text_s: str, span_s: tuple[int, int]
) -> tuple[int, int, int, int]:
    """The planted spans grown over the words that happen to be the same on both sides just
    before and after them (a host sentence and the source both going on with "the", say):
    the text the two documents really share there, which no aligner can tell from the
    planted passage. Punctuation next to a grown end is taken in when it is the same on
    both sides (curly and straight quotes alike). Returns ``(p_start, p_end, s_start,
    s_end)``."""
    out = [span_p[0], span_p[1], span_s[0], span_s[1]]
    tokens_p, tokens_s = tokenize(text_p), tokenize(text_s)
    starts_p, ends_p = tokens_p.starts.tolist(), tokens_p.ends.tolist()
    starts_s, ends_s = tokens_s.starts.tolist(), tokens_s.ends.tolist()
    i = int(np.searchsorted(tokens_p.starts, span_p[0]))
    j = int(np.searchsorted(tokens_s.starts, span_s[0]))
    moved = False
    while i > 0 and j > 0 and tokens_p.words[i - 1] == tokens_s.words[j - 1]:
        i, j, moved = i - 1, j - 1, True
    if moved:
        out[0], out[2] = starts_p[i], starts_s[j]
        before_p, before_s = (
            _punctuation_before(text_p, out[0]),
            _punctuation_before(text_s, out[2]),
        )
        if before_p.translate(_QUOTES) == before_s.translate(_QUOTES):
            out[0] -= len(before_p)
            out[2] -= len(before_s)
    i = int(np.searchsorted(tokens_p.ends, span_p[1], side="right"))
    j = int(np.searchsorted(tokens_s.ends, span_s[1], side="right"))
    moved = False
    while i < len(starts_p) and j < len(starts_s) and tokens_p.words[i] == tokens_s.words[j]:
        i, j, moved = i + 1, j + 1, True
    if moved:
        out[1], out[3] = ends_p[i - 1], ends_s[j - 1]
        after_p, after_s = _punctuation_after(text_p, out[1]), _punctuation_after(text_s, out[3])
        if after_p.translate(_QUOTES) == after_s.translate(_QUOTES):
            out[1] += len(after_p)
            out[3] += len(after_s)
    return out[0], out[1], out[2], out[3]


def _stats(values: Sequence[int]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "p95": None, "max": None}
    return {
        "mean": round(float(np.mean(values)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "max": int(max(values)),
    }


def evaluate_partials(
    result: Any,
    texts: Mapping[str, str],
    planted: Mapping[str, tuple[str, str]],
    partials: Mapping[str, corpus.PlantedPassage],
    truth: Iterable[PairKey],
    ngram_size: int,
) -> dict[str, Any]:
    """Score copytrace's partial copies and alignments against the planted passages.

    - **recall**: share of planted passages (source S, planted document P) for which the scan
      reports the pair {S, P}, with any verdict, and among its passages one whose span in P
      overlaps the planted span in P *and* whose span in S overlaps the passage's span in S.
    - **offset error**: for each found passage, the hull of the reported passages that
      overlap the planted spans that way (several when the passage came out in pieces:
      counted in ``fragmented``); the absolute differences, in characters, between its start
      and end and the planted ones, on both sides (four values a passage, pooled). A planted
      span runs from the first character of the passage's first whitespace-separated token
      to the last of its last token, punctuation attached to them included. ``exact_share``
      is the share of found passages with all four ends exact.
      ``offset_error_vs_shared_chars`` is the same against :func:`shared_span`: the planted
      spans grown over words that happen to be the same just outside them on both sides (a
      host and a source both going on with "the"), which are shared text too; what remains
      is the aligner's own error. ``offset_examples`` lists the first few that differ.
    - **passage precision**: over every passage of every ``partial`` pair that involves a
      planted partial document: a passage is *planted* when :class:`Origins` says its two
      sides came from the same text (the passage from S, or the host part from H, or from a
      whole copy or ground-truth near-duplicate of either), *unplanted* when they did not
      but the two sides are real shared text anyway (at least :data:`SHARED_TEXT_FLOOR` of
      the shorter side's word shingles in the other: reuse already in the real corpus), and
      *wrong* otherwise. ``passage_precision`` is (planted + unplanted) / judged;
      ``planted_precision`` is planted / judged; ``passage_precision_all_verdicts`` is the
      first over the passages of all pairs that involve a planted partial document.
    - ``partial_pairs_reported`` counts the scan's ``partial`` pairs in the whole corpus, by
      what they involve: a planted partial document, a planted whole copy (and no partial
      document), or only real documents (unlabelled: judged by people, ``--show-partials``).
    """
    origins = Origins(planted, partials, truth)
    by_key = {pair_key(pair.a, pair.b): index for index, pair in enumerate(result.pairs)}
    explanations = result.explanations

    def passages(index: int, first: str) -> list[tuple[int, int, int, int]]:
        """The pair's passages as ``(first_start, first_end, other_start, other_end)``."""
        pair = result.pairs[index]
        out = []
        for passage in explanations[index].alignment.passages:
            spans = (passage.a_start, passage.a_end, passage.b_start, passage.b_end)
            out.append(spans if pair.a == first else (*spans[2:], *spans[:2]))
        return out

    found = 0
    fragmented = 0
    errors: list[int] = []
    shared_errors: list[int] = []
    shared_exact = 0
    offset_examples: list[dict[str, Any]] = []
    exact = 0
    verdicts: dict[str, int] = {}
    misses: list[dict[str, Any]] = []
    for planted_id, passage in sorted(partials.items()):
        index = by_key.get(pair_key(passage.source, planted_id))
        verdict = result.pairs[index].verdict if index is not None else None
        hits = []
        if index is not None and explanations:
            hits = [
                spans
                for spans in passages(index, planted_id)
                if spans[0] < passage.end
                and passage.start < spans[1]
                and spans[2] < passage.source_end
                and passage.source_start < spans[3]
            ]
        if not hits:
            misses.append(
                {
                    "planted": planted_id,
                    "source": passage.source,
                    "host": passage.host,
                    "words": passage.words,
                    "typography": passage.typography,
                    "verdict": verdict,
                    "passages": passages(index, planted_id) if index is not None else [],
                    "planted_span": [passage.start, passage.end],
                    "source_span": [passage.source_start, passage.source_end],
                }
            )
            continue
        found += 1
        verdicts[str(verdict)] = verdicts.get(str(verdict), 0) + 1
        fragmented += len(hits) > 1
        hull = (
            min(h[0] for h in hits),
            max(h[1] for h in hits),
            min(h[2] for h in hits),
            max(h[3] for h in hits),
        )
        planted_spans = (passage.start, passage.end, passage.source_start, passage.source_end)
        these = [abs(got - want) for got, want in zip(hull, planted_spans, strict=True)]
        errors.extend(these)
        exact += not any(these)
        shared = shared_span(
            texts[planted_id],
            (passage.start, passage.end),
            texts[passage.source],
            (passage.source_start, passage.source_end),
        )
        beyond = [abs(got - want) for got, want in zip(hull, shared, strict=True)]
        shared_errors.extend(beyond)
        shared_exact += not any(beyond)
        if any(beyond) and len(offset_examples) < MAX_EXAMPLES:
            offset_examples.append(
                {
                    "planted": planted_id,
                    "reported": list(hull),
                    "planted_spans": list(planted_spans),
                    "shared_spans": list(shared),
                }
            )

    judged = {"partial": [0, 0, 0], "all": [0, 0, 0]}  # planted, unplanted, wrong
    wrong_examples: list[list[Any]] = []
    by_kind = partial_pairs_by_kind(result.pairs, planted, partials)
    for index, pair in enumerate(result.pairs):
        if not (pair.a in partials or pair.b in partials) or not explanations:
            continue
        for a_start, a_end, b_start, b_end in passages(index, pair.a):
            if origins.explains(pair.a, (a_start, a_end), pair.b, (b_start, b_end)):
                label = 0
            elif (
                shared_text(texts[pair.a][a_start:a_end], texts[pair.b][b_start:b_end], ngram_size)
                >= SHARED_TEXT_FLOOR
            ):
                label = 1
            else:
                label = 2
                if len(wrong_examples) < MAX_EXAMPLES:
                    wrong_examples.append(
                        [pair.a, pair.b, pair.verdict, [a_start, a_end, b_start, b_end]]
                    )
            judged["all"][label] += 1
            if pair.verdict == "partial":
                judged["partial"][label] += 1

    def precision(counts: list[int], strict: bool = False) -> float:
        total = sum(counts)
        good = counts[0] if strict else counts[0] + counts[1]
        return round(good / total, 6) if total else 1.0

    return {
        "planted": len(partials),
        "found": found,
        "recall": round(found / len(partials), 6) if partials else 1.0,
        "found_by_verdict": dict(sorted(verdicts.items())),
        "passage_precision": precision(judged["partial"]),
        "planted_precision": precision(judged["partial"], strict=True),
        "passage_precision_all_verdicts": precision(judged["all"]),
        "passages_judged": dict(
            zip(("planted", "unplanted", "wrong"), judged["partial"], strict=True)
        ),
        "passages_judged_all_verdicts": dict(
            zip(("planted", "unplanted", "wrong"), judged["all"], strict=True)
        ),
        "offset_error_chars": {
            **_stats(errors),
            "exact_share": round(exact / found, 4) if found else None,
        },
        "offset_error_vs_shared_chars": {
            **_stats(shared_errors),
            "exact_share": round(shared_exact / found, 4) if found else None,
        },
        "offset_examples": offset_examples,
        "fragmented": fragmented,
        "partial_pairs_reported": sum(len(indexes) for indexes in by_kind.values()),
        "partial_pairs_by_kind": {kind: len(indexes) for kind, indexes in by_kind.items()},
        "misses": misses[:MAX_EXAMPLES],
        "wrong_passages": wrong_examples,
    }


def partial_pairs_by_kind(
    pairs: Sequence[Any],
    planted: Mapping[str, tuple[str, str]],
    partials: Mapping[str, corpus.PlantedPassage],
) -> dict[str, list[int]]:
    """Indexes of the ``partial`` pairs that involve a planted partial document
    (``with_partial_doc``), else a planted whole copy (``with_planted_copy``), else only
    real documents (``real_only``)."""
    out: dict[str, list[int]] = {"with_partial_doc": [], "with_planted_copy": [], "real_only": []}
    for index, pair in enumerate(pairs):
        if pair.verdict != "partial":
            continue
        if pair.a in partials or pair.b in partials:
            out["with_partial_doc"].append(index)
        elif pair.a in planted or pair.b in planted:
            out["with_planted_copy"].append(index)
        else:
            out["real_only"].append(index)
    return out


def show_partials(
    result: Any, texts: Mapping[str, str], indexes: Sequence[int], count: int, seed: int
) -> None:
    """Print ``count`` of the given pairs (a seeded sample), with their passages' text, to
    stderr for a person to judge."""
    chosen = sorted(random.Random(seed).sample(list(indexes), min(count, len(indexes))))
    for index in chosen:
        pair = result.pairs[index]
        print(
            f"\n=== {pair.a} vs {pair.b}: {pair.verdict}, J {pair.jaccard:.3f}, "
            f"containment {pair.containment_a:.3f} / {pair.containment_b:.3f}",
            file=sys.stderr,
        )
        for passage in result.explanations[index].alignment.passages:
            print(
                f"--- {passage.words} words: {pair.a}[{passage.a_start}:{passage.a_end}] ~ "
                f"{pair.b}[{passage.b_start}:{passage.b_end}]",
                file=sys.stderr,
            )
            for doc, start, end in (
                (pair.a, passage.a_start, passage.a_end),
                (pair.b, passage.b_start, passage.b_end),
            ):
                snippet = " ".join(texts[doc][start:end].split())
                if len(snippet) > 400:
                    snippet = f"{snippet[:200]} [...] {snippet[-200:]}"
                print(f"  {doc}: {snippet}", file=sys.stderr)


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
    partials: int | None = None,
    time_without_align: bool = False,
    show: int = 0,
) -> dict[str, Any]:
    """Run the whole benchmark and return the JSON-ready result.

    Raises :class:`corpus.DataMissingError` when the data is absent. Misses and false alarms
    of copytrace (and their true Jaccard) are logged; the result's ``copytrace.misses`` and
    ``copytrace.false_alarms`` hold the first few as ``[a, b, true_j, reported_j]``.
    ``partials`` planted partial copies are scored by :func:`evaluate_partials` from the same
    scan; ``time_without_align`` times a second scan with ``align=False``; ``show`` prints
    that many unplanted partial pairs to stderr.
    """
    started = time.perf_counter()
    planted_corpus = corpus.build_corpus(
        data_dir, docs, copies=copies, seed=seed, partials=partials
    )
    documents = planted_corpus.documents
    planted = planted_corpus.planted
    partial_copies = planted_corpus.partials
    ids = [d.id for d in documents]
    texts = [d.text for d in documents]
    log.info(
        "corpus: %d documents (%d real, %d planted whole copies, %d partial copies) in %.1fs",
        len(documents),
        planted_corpus.base_count,
        len(planted),
        len(partial_copies),
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

    scanned, copytrace_seconds = run_copytrace(documents, threshold, ngram_size, num_perm)
    reported = {pair_key(pair.a, pair.b): pair for pair in scanned.pairs}
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
            describe_pair(key, planted, partial_copies),
            truth[key],
            f"reported J {got.jaccard:.4f} ({got.verdict})" if got else "did not report it",
        )
    for key in false_alarms[:MAX_EXAMPLES]:
        log.warning(
            "false alarm %s: copytrace J %.4f, true J below %s",
            describe_pair(key, planted, partial_copies),
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

    started = time.perf_counter()
    by_id = dict(zip(ids, texts, strict=True))
    partial = evaluate_partials(scanned, by_id, planted, partial_copies, truth, ngram_size)
    stages = scanned.stats.seconds
    partial["seconds"] = {
        "scan": round(copytrace_seconds, 2),
        "stages": {stage: round(value, 2) for stage, value in stages.items()},
        "evaluate": round(time.perf_counter() - started, 2),
    }
    log.info(
        "partial copies: %d planted, recall %.4f, passage precision %.4f (%s), "
        "offset error %s, %d partial pairs reported %s",
        partial["planted"],
        partial["recall"],
        partial["passage_precision"],
        partial["passages_judged"],
        partial["offset_error_chars"],
        partial["partial_pairs_reported"],
        partial["partial_pairs_by_kind"],
    )
    for miss in partial["misses"]:
        log.warning("partial copy missed: %s", miss)
    for wrong in partial["wrong_passages"]:
        log.warning("passage not explained by planting nor shared text: %s", wrong)
    if time_without_align:
        _, seconds = run_copytrace(documents, threshold, ngram_size, num_perm, align=False)
        partial["seconds"]["scan_without_align"] = round(seconds, 2)
        log.info("copytrace without alignment: %.1fs", seconds)
    result["partial"] = partial
    if show:
        real_only = partial_pairs_by_kind(scanned.pairs, planted, partial_copies)["real_only"]
        show_partials(scanned, by_id, real_only, show, seed)

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
    parser.add_argument(
        "--partials",
        type=int,
        default=None,
        help="planted partial copies among them (default one in 30, at most 300)",
    )
    parser.add_argument(
        "--no-align-timing",
        action="store_true",
        help="skip the second scan that times copytrace without alignment",
    )
    parser.add_argument(
        "--show-partials",
        nargs="?",
        type=int,
        const=SHOW_PARTIALS,
        default=0,
        metavar="N",
        help=f"print N (default {SHOW_PARTIALS}) unplanted partial pairs to stderr to judge",
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
            partials=args.partials,
            time_without_align=not args.no_align_timing,
            show=args.show_partials,
        )
    except corpus.DataMissingError as error:
        print(f"quality benchmark: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
