"""The one place that chains the stages: ingest -> fingerprint -> candidates -> verify -> cluster.

The CLI, the tests and later the index, the HTTP service and Spark all call :func:`scan` and
:func:`compare`; nothing is reachable only from the command line.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from copytrace.anchors import anchor_pairs_of_slices, anchor_span
from copytrace.batches import fingerprint_documents, permutations_for
from copytrace.candidates import (
    I64,
    STAR_FROM,
    bands_and_rows,
    candidate_pairs_of_bands,
    identical_groups,
)
from copytrace.cluster import cluster
from copytrace.config import Config
from copytrace.explain import Explanation, ExplanationSummary, explain
from copytrace.fingerprint import U64, fingerprint_text, ordered_shingles, ordered_shingles_of
from copytrace.ingest import read_document_file
from copytrace.model import (
    Cluster,
    Comparison,
    ComparisonVerdict,
    Document,
    Pair,
    ProgressCallback,
    Skip,
)
from copytrace.pool import SharedPool, bounded_imap, collection_paused, tapered
from copytrace.provenance import Credit, find_credits
from copytrace.records import json_line
from copytrace.skips import SkipLog
from copytrace.spill import DocumentSpill, FingerprintSpill, ShingleSpill
from copytrace.termination import uninterrupted
from copytrace.verify import longest_shared_passage, similarity, verify

_PROGRESS_EVERY = 500
#: candidate generation's threads at most (each holds one band or one hash slice)
_MOST_THREADS = 4


@dataclass(frozen=True, slots=True)
class ScanStats:
    """What a scan did: counts, skips by reason, the banding used, time per stage, and notes
    on anything that was done differently from what was asked (and why)."""

    documents: int
    skipped: dict[str, int]
    skip_examples: tuple[Skip, ...]
    candidates: int
    pairs: int
    clusters: int
    documents_in_clusters: int
    kept: int
    bands: int
    rows: int
    seconds: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "skipped": dict(self.skipped),
            "skipped_total": sum(self.skipped.values()),
            "skip_examples": [
                {"source": s.source, "line": s.line, "reason": s.reason, "detail": s.detail}
                for s in self.skip_examples
            ],
            "candidates": self.candidates,
            "pairs": self.pairs,
            "clusters": self.clusters,
            "documents_in_clusters": self.documents_in_clusters,
            "kept": self.kept,
            "bands": self.bands,
            "rows": self.rows,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "notes": list(self.notes),
        }


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Verified pairs, clusters, the documents read, and the scan's statistics.

    ``summaries[i]`` sums up the explanation of ``pairs[i]`` (empty when ``config.align`` is
    off); ``explanations[i]`` is that explanation, for every pair when the scan had no output
    folder, and for the first :data:`~copytrace.report.MAX_REPORT_PAIRS` when it streamed
    them to ``alignments.jsonl`` there (``alignments_written``), so that a scan with many
    pairs does not hold them all in memory.
    """

    pairs: list[Pair]
    clusters: list[Cluster]
    documents: DocumentSpill
    stats: ScanStats
    config: Config
    explanations: list[Explanation] = field(default_factory=list)
    summaries: list[ExplanationSummary] = field(default_factory=list)
    alignments_written: bool = False

    def kept_documents(self) -> Iterator[Document]:
        """The deduplicated corpus (see :func:`kept_rows`)."""
        return self.documents.documents(self.kept_rows())

    def kept_rows(self) -> I64:
        """The positions in :attr:`documents` of the deduplicated corpus (see
        :func:`kept_rows`)."""
        return kept_rows(self.documents, self.clusters)


def kept_rows(docs: DocumentSpill, clusters: Iterable[Cluster]) -> I64:
    """The positions in ``docs`` of the deduplicated corpus: documents in no cluster, and
    each cluster's representative, in input order."""
    dropped = {
        member for found in clusters for member in found.members if member != found.representative
    }
    keep = np.ones(len(docs), dtype=np.bool_)
    keep[[docs.index_of(doc_id) for doc_id in dropped]] = False
    return np.flatnonzero(keep)


def find_candidates(prints: FingerprintSpill, config: Config, notes: list[str]) -> tuple[I64, I64]:
    """Candidate pairs (left < right, sorted, unique): LSH buckets, plus pairs sharing
    winnowed anchors when partial copies are looked for, read from ``prints`` a band or a
    hash slice at a time. Anything the user should know about how they were found is
    appended to ``notes``."""
    n = len(prints)
    # the sorts release the GIL: a thread each, holding a band or a slice each (few: the
    # row budget of the anchor join is for all slices together)
    threads = min(config.workers or os.cpu_count() or 1, _MOST_THREADS)
    firsts, copies = identical_groups(prints.digests, prints.n_words)
    band_keys: Iterable[U64] = prints.band_keys()
    anchor_slices = prints.anchor_slices
    if copies.shape[0]:  # paired as stars: the copies are left out of LSH and the anchor join
        notes.append(_star_note(firsts, copies))
        left_out = np.zeros(n, dtype=np.bool_)
        left_out[copies] = True
        band_keys = (_never_shared(keys, copies) for keys in band_keys)
        anchor_slices = functools.partial(_without_documents, prints.anchor_slices, left_out)
    starred: set[int] = set()
    lefts, rights = candidate_pairs_of_bands(
        band_keys, n, threads=threads, star_from=STAR_FROM, starred=starred
    )
    if starred:
        notes.append(
            f"{len(starred):,} documents share LSH buckets of more than {STAR_FROM}: each such "
            "bucket is paired as a star, its first document with each of the others, not "
            "every pair of its documents"
        )
    if copies.shape[0]:
        lefts, rights = _with_pairs(lefts, rights, firsts, copies, n)
    if not config.partial:
        return lefts, rights
    join = anchor_pairs_of_slices(
        anchor_slices,
        n,
        config.max_anchor_df,
        anchor_span(config.min_passage_words, config.ngram_size),
        threads=threads,
    )
    if join.max_df < config.max_anchor_df:
        notes.append(
            f"partial copies: passages found in more than {join.max_df} documents were "
            f"treated as boilerplate (max_anchor_df={config.max_anchor_df} would have "
            "exceeded the anchor join's memory budget)"
        )
    return _with_pairs(lefts, rights, join.lefts, join.rights, n)


def _star_note(firsts: I64, copies: I64) -> str:
    sizes = np.unique(firsts, return_counts=True)[1] + 1  # each group's, its first included
    groups, members = sizes.shape[0], int(sizes.sum())
    every = int((sizes * (sizes - 1) // 2).sum())
    return (
        f"{members:,} documents in {groups:,} group{'s' if groups > 1 else ''} of more than "
        f"{STAR_FROM} identical ones "
        f"(the same words once folded): each group is paired as a star, its first document "
        f"with each of the others ({copies.shape[0]:,} pairs instead of {every:,}), and only "
        "its first document with documents outside it"
    )


def _never_shared(keys: U64, documents: I64) -> U64:
    """Band keys where ``documents`` share no key with any document: each one's key is made
    from its number (a key of 64 bits another document has by chance: 1 in 2^64)."""
    keys = keys.copy()
    keys[documents] = (documents.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)) ^ np.uint64(
        0xD6E8FEB86659FD93
    )
    return keys


def _without_documents(
    slices: Callable[[], Iterator[tuple[U64, Any, Any]]], left_out: Any
) -> Iterator[tuple[U64, Any, Any]]:
    """The anchor slices without the occurrences of the documents ``left_out`` marks."""
    for hashes, documents, positions in slices():
        kept = ~left_out[documents]
        yield hashes[kept], documents[kept], positions[kept]


def _with_pairs(
    lefts: I64, rights: I64, more_lefts: I64, more_rights: I64, n: int
) -> tuple[I64, I64]:
    """The union of two sets of pairs (left < right), sorted, unique."""
    encoded = np.union1d(lefts * n + rights, more_lefts * n + more_rights)
    return encoded // n, encoded % n


def _collected(
    pairs: Iterable[Pair], into: list[Pair], progress: ProgressCallback | None
) -> Iterator[Pair]:
    """``pairs`` as they come, each also appended to ``into``."""
    number = 0
    for number, pair in enumerate(pairs, 1):
        into.append(pair)
        if progress is not None and number % _PROGRESS_EVERY == 0:
            progress("verify", number, None)
        yield pair
    if progress is not None:
        progress("verify", number, number)


def scan(
    inputs: Iterable[str | Path] | Iterable[Document] | str | Path,
    config: Config | None = None,
    *,
    out: str | Path | None = None,
    fmt: str = "auto",
    dedup_format: str = "jsonl",
    report: bool = False,
    progress: ProgressCallback | None = None,
) -> ScanResult:
    """Find every pair of documents whose shingle Jaccard is at or above the threshold.

    ``inputs`` are files and folders (any format :mod:`copytrace.ingest` reads) or Documents.
    With ``out``, writes ``pairs.jsonl``, ``alignments.jsonl``, ``clusters.jsonl``,
    ``deduplicated.jsonl`` (or ``.parquet``), ``summary.json`` and with ``report`` an HTML
    ``report.html`` there (see :mod:`copytrace.report`).
    """
    from copytrace.report import (
        MAX_REPORT_PAIRS,
        atomic_binary,
        atomic_path,
        check_dedup_format,
        output_folder,
        write_deduplicated,
        write_scan,
    )

    config = config or Config()
    check_dedup_format(dedup_format)
    seconds: dict[str, float] = {}
    notes: list[str] = []
    skips = SkipLog(config.strict)
    clock = time.perf_counter()

    items: Iterable[Any] = [inputs] if isinstance(inputs, str | Path) else inputs
    pairs: list[Pair] = []
    clusters: list[Cluster] = []
    explanations: list[Explanation] = []
    summaries: list[ExplanationSummary] = []
    streamed = out is not None and config.align
    bands, rows = bands_and_rows(config)
    # the spills are removed, and the files written before the scan ends (entered here) appear
    # in ``out``, as this block is left: the files only if it ends well (and ``out`` itself,
    # made as the scan starts, is removed again if the scan fails and it is empty)
    with contextlib.ExitStack() as outputs:
        if out is not None:
            outputs.enter_context(output_folder(Path(out)))
        spill = outputs.enter_context(ShingleSpill())
        prints = outputs.enter_context(contextlib.closing(FingerprintSpill(bands, rows)))
        # one pool of processes for fingerprinting and explaining, made as the first needs it
        pool = outputs.enter_context(SharedPool(config.workers or os.cpu_count() or 1))
        docs = fingerprint_documents(items, config, skips, spill, prints, progress, fmt, pool)
        # reading and fingerprinting overlap: one stage
        seconds["read_fingerprint"] = time.perf_counter() - clock

        clock = time.perf_counter()
        if config.align:  # the pool's processes load what explaining uses meanwhile
            pool.warm(_warm_explaining)
        lefts, rights = find_candidates(prints, config, notes)
        candidates = int(lefts.shape[0])
        seconds["candidates"] = time.perf_counter() - clock

        writing = 0.0  # seconds spent writing the deduplicated corpus

        def settle() -> None:
            """Verification is done, every pair known: cluster, and write the deduplicated
            corpus, here, while the pool explains the last pairs."""
            nonlocal writing
            started = time.perf_counter()
            # partial copies share a passage, not the document: they do not merge clusters
            whole = [pair for pair in pairs if pair.verdict != "partial"]
            lengths = prints.n_words.tolist()
            clusters.extend(
                cluster(docs, whole, lengths, config.representative, config.date_fields)
            )
            seconds["cluster"] = time.perf_counter() - started
            if out is not None:
                started = time.perf_counter()
                target = Path(out) / f"deduplicated.{dedup_format}"
                written = outputs.enter_context(atomic_path(target))
                write_deduplicated(written, docs, kept_rows(docs, clusters), config, dedup_format)
                writing = time.perf_counter() - started

        # pairs are explained by other processes as verification finds them, and verified
        # here meanwhile: the stages from verification to the deduplicated corpus overlap
        clock = time.perf_counter()

        def ordered(rows: I64) -> tuple[U64, I64]:
            texts = [doc.text for doc in docs.documents(rows.tolist())]
            return ordered_shingles_of(texts, config.ngram_size)

        verify_pairs = verify(lefts, rights, prints, docs.ids, spill.blocks, ordered, config)
        verified = _collected(verify_pairs, pairs, progress)
        # in place with the other files, once they are all written
        handle = (
            outputs.enter_context(atomic_binary(Path(out) / "alignments.jsonl"))
            if streamed and out is not None
            else None
        )
        explained: Iterable[ExplainedPair] = ()
        if config.align:
            explained = explain_pairs(
                verified,
                docs,
                config,
                progress,
                keep=MAX_REPORT_PAIRS if streamed else None,
                lines=streamed,
                expected=candidates,
                pool=pool,
                handed=settle,
            )
        else:
            collections.deque(verified, maxlen=0)
            settle()
        for done in explained:
            summaries.append(done.summary)
            if done.explanation is not None:
                explanations.append(done.explanation)
            if handle is not None:
                handle.write(done.line)
        pool.close()  # its processes end while the last files are written
        seconds["verify_align"] = time.perf_counter() - clock
        spill.close()
        prints.close()

        in_clusters = sum(len(c.members) for c in clusters)
        stats = ScanStats(
            documents=len(docs),
            skipped=dict(skips.counts),
            skip_examples=tuple(skips.examples),
            candidates=candidates,
            pairs=len(pairs),
            clusters=len(clusters),
            documents_in_clusters=in_clusters,
            kept=len(docs) - in_clusters + len(clusters),
            bands=bands,
            rows=rows,
            seconds=seconds,
            notes=tuple(notes),
        )
        result = ScanResult(
            pairs,
            clusters,
            docs,
            stats,
            config,
            explanations,
            summaries,
            alignments_written=streamed,
        )
        if out is not None:
            clock = time.perf_counter()
            write_scan(
                result,
                Path(out),
                dedup_format,
                html=report,
                deduplicated_written=True,
                placed=outputs,
            )
            seconds["write"] = writing + time.perf_counter() - clock
        with uninterrupted():  # every file put in place, and the spills removed, or none
            outputs.close()
    return result


#: pairs explained per task at most (their documents travel with them); the first and the
#: last tasks are shorter, down to EXPLAIN_FIRST pairs (:func:`~copytrace.pool.tapered`)
EXPLAIN_CHUNK = 256
EXPLAIN_FIRST = 16
#: below this many pairs, explaining in one process is faster than starting a pool
PARALLEL_FROM_PAIRS = 2_000
#: tasks handed to each explaining process ahead of its results being taken: enough that
#: verification, which feeds them, ends well before explaining does (see :func:`scan`)
_EXPLAIN_AHEAD = 8


@dataclass(frozen=True, slots=True)
class ExplainedPair:
    """A pair's explanation as the process that explained it sends it back: its summary, its
    line of ``alignments.jsonl`` (empty when not asked for), and the explanation itself where
    it is to be kept in memory (else ``None``)."""

    summary: ExplanationSummary
    line: bytes
    explanation: Explanation | None


@dataclass(frozen=True, slots=True)
class _ExplainTask:
    pairs: list[tuple[str, str]]
    documents: dict[str, Document]
    keep: int  # the first this many pairs of the task keep their explanation
    lines: bool


@collection_paused
def _explain_task(task: _ExplainTask) -> list[ExplainedPair]:
    by_id = task.documents

    @functools.cache
    def credits(doc_id: str) -> tuple[Credit, ...]:
        return tuple(find_credits(by_id[doc_id].text))

    out = []
    for number, (a, b) in enumerate(task.pairs):
        explanation = explain(by_id[a], by_id[b], lambda doc: credits(doc.id))
        out.append(
            ExplainedPair(
                ExplanationSummary.of(explanation),
                json_line(explanation.to_dict()) if task.lines else b"",
                explanation if number < task.keep else None,
            )
        )
    return out


#: two short texts that :func:`_warm_explaining` explains: a dateline, a credit, a changed word
#: and a change of typography
_WARM_PAIR = (
    "KYIV, March 27 (Reuters) - The council approved the new bridge on Monday, "
    "the mayor said, according to the Kyiv Post.",
    "KYIV, March 27 (Reuters) \u2014 The council approved the new bridge on Tuesday, "
    "the mayor said, according to the Kyiv Post.",
)


def _warm_explaining() -> None:
    """Compile the patterns and load the kernels that explaining uses into this process, by
    explaining one short pair: the processes of a pool forked after this inherit them,
    instead of each doing it again (and those of a pool started before are given it to do
    while candidates are found: :meth:`~copytrace.pool.SharedPool.warm`)."""
    documents = {str(n): Document(str(n), text) for n, text in enumerate(_WARM_PAIR)}
    _explain_task(_ExplainTask([("0", "1")], documents, 0, True))


def explain_pairs(
    pairs: Iterable[Pair],
    docs: DocumentSpill,
    config: Config,
    progress: ProgressCallback | None = None,
    *,
    keep: int | None = None,
    lines: bool = False,
    expected: int | None = None,
    pool: SharedPool | None = None,
    handed: Callable[[], None] | None = None,
) -> Iterator[ExplainedPair]:
    """Every pair explained, in order, in ``config.workers`` processes (credits are found once
    per document and chunk), as they come. The first ``keep`` pairs (all when ``None``) carry
    their :class:`~copytrace.explain.Explanation`; with ``lines``, each carries its line of
    ``alignments.jsonl``, made where it was explained, so that a corpus's explanations need
    not travel between processes as objects. ``pairs`` may be a stream, taken a chunk at a
    time as the work goes on; ``expected`` (at least their number) says whether a pool of
    processes is worth using, when they are not a sequence; ``pool``: that pool (by default,
    one of its own). ``handed()`` is called once, as soon as every pair has been handed out
    to be explained: work done there overlaps with the explaining of the last tasks."""
    stream = iter(pairs)
    if expected is None:
        expected = len(pairs) if isinstance(pairs, Sized) else PARALLEL_FROM_PAIRS

    def tasks() -> Iterator[_ExplainTask]:
        first = 0
        ids = ((pair.a, pair.b) for pair in stream)
        for chunk in tapered(ids, EXPLAIN_CHUNK, min(EXPLAIN_FIRST, EXPLAIN_CHUNK)):
            # the chunk's documents, each once, read together in input order
            rows = sorted({docs.index_of(doc_id) for ids in chunk for doc_id in ids})
            kept = len(chunk) if keep is None else max(0, keep - first)
            yield _ExplainTask(chunk, {doc.id: doc for doc in docs.documents(rows)}, kept, lines)
            first += len(chunk)
        if handed is not None:
            handed()

    wanted = config.workers or os.cpu_count() or 1
    workers = wanted if expected >= PARALLEL_FROM_PAIRS else 1
    done = 0
    with contextlib.ExitStack() as stack:
        if workers > 1:
            shared = pool or stack.enter_context(SharedPool(workers))
            if not shared.started:
                _warm_explaining()
            results: Iterable[list[ExplainedPair]] = bounded_imap(
                shared.get(), _explain_task, tasks(), _EXPLAIN_AHEAD * shared.workers
            )
        else:
            results = map(_explain_task, tasks())
        for explained in results:
            yield from explained
            done += len(explained)
            if progress is not None:
                progress("align", done, None)


def _as_document(item: str | Document, name: str) -> Document:
    return item if isinstance(item, Document) else Document(name, item)


def compare(a: str | Document, b: str | Document, config: Config | None = None) -> Comparison:
    """Exact similarity of two texts (or Documents), the verdict for them, and (unless
    ``config.align`` is off) the explanation: aligned passages, differences, credits."""
    config = config or Config()
    doc_a, doc_b = _as_document(a, "a"), _as_document(b, "b")
    permutations = permutations_for(config.num_perm, config.seed)
    fa = fingerprint_text(doc_a.text, config, permutations)
    fb = fingerprint_text(doc_b.text, config, permutations)
    sim = similarity(fa.shingles, fb.shingles)
    verdict: ComparisonVerdict
    if fa.n_words and fa.digest == fb.digest and fa.n_words == fb.n_words:
        verdict = "duplicate"
    elif sim.jaccard >= config.threshold:
        verdict = "near_duplicate"
    elif (
        config.partial
        and longest_shared_passage(
            ordered_shingles(doc_a.text, config.ngram_size),
            ordered_shingles(doc_b.text, config.ngram_size),
            config.ngram_size,
        )
        >= config.min_passage_words
    ):
        verdict = "partial"
    else:
        verdict = "different"
    return Comparison(
        a=doc_a.id,
        b=doc_b.id,
        jaccard=sim.jaccard,
        containment_a=sim.containment_a,
        containment_b=sim.containment_b,
        verdict=verdict,
        shingles_a=int(fa.shingles.shape[0]),
        shingles_b=int(fb.shingles.shape[0]),
        shared_shingles=sim.shared,
        threshold=config.threshold,
        ngram_size=config.ngram_size,
        explanation=explain(doc_a, doc_b, date_fields=config.date_fields) if config.align else None,
    )


def compare_files(
    a: str | Path, b: str | Path, config: Config | None = None, fmt: str = "auto"
) -> Comparison:
    """:func:`compare` of the documents in two files (any format ingest reads; ``fmt``
    overrides the format chosen by extension)."""
    config = config or Config()
    return compare(read_document_file(a, config, fmt), read_document_file(b, config, fmt), config)
