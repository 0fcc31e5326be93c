"""The first stage of a scan: reading the inputs and fingerprinting them, a batch at a time,
on every core.

Contract: :func:`fingerprint_documents` reads paths (any format :mod:`copytrace.ingest`
reads) and :class:`~copytrace.model.Document` objects into a
:class:`~copytrace.spill.DocumentSpill`, each kept document's shingles into a
:class:`~copytrace.spill.ShingleSpill` and its fingerprints into a
:class:`~copytrace.spill.FingerprintSpill`, all numbered alike, in input order. What it
skips (records ingest cannot use, a repeated id, a text without words) is counted in the
:class:`~copytrace.skips.SkipLog`, in the order it is met. The result does not depend on the
number of processes: a document's fingerprint does not depend on the batch it is in.

How the work is shared: JSON Lines, the format of large corpora, are cut into blocks of whole
lines here (the only pass over their bytes in this process) and parsed by the worker that
fingerprints them, which also writes each document's shingles to its own spill file, and its
line of the deduplicated corpus where the record's own line in a plain file cannot stand as
it is (see :func:`_lines_of`: the others are read back from the input); only ids, metadata,
fingerprints, where the lines are and skips come back. Other formats, and Documents, are
read here and their lines written to the document spill, where the worker reads their texts.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import itertools
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from copytrace import kernels
from copytrace.candidates import band_keys, bands_and_rows
from copytrace.config import Config
from copytrace.fingerprint import (
    BATCH_BYTES,
    I64,
    U64,
    FingerprintBatch,
    Permutations,
    fingerprint_batch_with_shingles,
)
from copytrace.ingest import (
    LineSpan,
    ParsedLine,
    input_files,
    jsonl_documents,
    line_spans,
    read_file,
    read_span,
)
from copytrace.model import Document, ProgressCallback, Skip
from copytrace.pool import SharedPool, bounded_imap, collection_paused
from copytrace.records import document_line
from copytrace.skips import SkipLog
from copytrace.spill import (
    DocumentSpill,
    FingerprintSpill,
    ShingleSpill,
    read_texts,
    write_lines,
    write_shingles,
)

_PROGRESS_EVERY = 500
#: a text that :func:`_warm` fingerprints: a few words, a folded letter, a digit
_WARM_TEXT = "Warm up the \ufb01ngerprinting kernels: 1 small Ünicode text, of ten words."


@functools.cache
def permutations_for(num_perm: int, seed: int) -> Permutations:
    """The MinHash hashing of a setting, built once per process."""
    return Permutations.from_seed(num_perm, seed)


@dataclass(frozen=True, slots=True)
class _Lines:
    """A block of whole JSON Lines (:func:`copytrace.ingest.line_spans`) of ``source`` for a
    worker to parse, its lines numbered from 1 (the main process, which knows how many lines
    came before, numbers them in the file: see :func:`fingerprint_documents`). The block's
    bytes travel with the task only when ``source`` is compressed; else the worker reads them
    from ``source``, so that a corpus's bytes are neither read through by the main process
    nor pickled through the pool's pipes."""

    span: LineSpan
    source: str

    def block(self) -> bytes:
        return read_span(self.span, self.source)


@dataclass(frozen=True, slots=True)
class _Texts:
    """Documents read in the main process, written to file ``name`` of the document spill at
    ``starts`` (:func:`copytrace.spill.write_lines`)."""

    name: str
    starts: I64


@dataclass(frozen=True, slots=True)
class _Task:
    """A batch for a worker, and the folders of the spills it writes to."""

    work: _Lines | _Texts
    config: Config
    texts: Path
    shingles: Path


@dataclass(frozen=True, slots=True)
class _Records:
    """The ids and metadata of a batch's documents, and where each was read: line
    ``lines_before + lines[i]`` of ``source`` for JSON Lines, else ``lines`` is ``None`` (see
    :meth:`where`)."""

    ids: list[str]
    metas: list[Mapping[str, Any]]
    source: str = ""
    lines: list[int] | None = None
    lines_before: int = 0

    def where(self, row: int) -> tuple[str, int | None]:
        """The file and line a skip of document ``row`` names: its line where known, else
        its file (``path`` in its metadata) or, failing that, its id."""
        if self.lines is not None:
            return self.source, self.lines_before + self.lines[row]
        return str(self.metas[row].get("path", self.ids[row])), None


@dataclass(frozen=True, slots=True)
class _Done:
    """What a worker sends back of a batch: its fingerprints and band keys; where it wrote
    the documents' lines (file, offsets) and their shingle sets (file, where each set starts
    and ends); the ids, metadata and lines of the records it parsed (``None`` for texts read
    in the main process, whose ids are there); what it skipped. For a block of JSON Lines,
    numbered from 1, also whether it opens its file, and how many lines end in it (the next
    block's numbers follow on)."""

    prints: FingerprintBatch  # without its signatures (an empty column)
    keys: U64  # the band keys of its signatures, a row a document
    text_files: tuple[str, ...]  # where the documents' lines are: files of the spill, inputs
    text_file_of: I64  # which of them, a row a document
    text_starts: I64  # where in it each line starts, and ends (its newline included)
    text_ends: I64
    shingle_file: str
    set_starts: I64
    set_ends: I64
    records: _Records | None
    skips: list[Skip]
    opens_file: bool = False
    newlines: int = 0

    def __len__(self) -> int:
        return len(self.prints)


@collection_paused
def _run(task: _Task) -> _Done:
    """Parse (JSON Lines) or read a batch's texts, fingerprint them, and spill their lines
    (when parsed here) and shingle sets."""
    config = task.config
    records: _Records | None = None
    skips = SkipLog(keep_all=True)
    opens_file, newlines = False, 0
    if isinstance(task.work, _Lines):
        work = task.work
        lines = work.block().split(b"\n")
        opens_file, newlines = work.span.start == 0, len(lines) - 1
        parsed = list(jsonl_documents(lines, 1, work.source, config, skips, opens_file=opens_file))
        docs = [line.document for line in parsed]
        texts = [doc.text for doc in docs]
        places = _lines_of(parsed, lines, work, task.texts, config)
        records = _Records(
            [doc.id for doc in docs],
            [doc.meta for doc in docs],
            work.source,
            [p.number for p in parsed],
        )
    else:
        places = _in_one_file(task.work.name, task.work.starts)
        texts = read_texts(task.texts / task.work.name, task.work.starts, config.text_field)
    permutations = permutations_for(config.num_perm, config.seed)
    prints, shingles, cuts = fingerprint_batch_with_shingles(texts, config, permutations)
    sets, set_cuts = kernels.shingle_sets(shingles, cuts)
    shingle_file, first = write_shingles(task.shingles, sets)
    keys = band_keys(prints.signatures, *bands_and_rows(config))
    return _Done(
        # the signatures stay here: their band keys are all that candidate generation uses
        dataclasses.replace(prints, signatures=prints.signatures[:, :0]),
        keys,
        *places,
        shingle_file,
        first + set_cuts[:-1],
        first + set_cuts[1:],
        records,
        skips.everything,
        opens_file,
        newlines,
    )


#: a byte order mark, which may open a file of JSON Lines: not part of its first record
_BOM = b"\xef\xbb\xbf"


def _lines_of(
    parsed: list[ParsedLine], lines: list[bytes], work: _Lines, folder: Path, config: Config
) -> tuple[tuple[str, ...], I64, I64, I64]:
    """Where the documents' lines of the deduplicated corpus are (see :class:`_Done`): a
    record's own line in a plain file of JSON Lines where it can stand as it is (its id given
    as a string, its metadata not chosen by ``meta_fields``, a newline after it, no byte
    order mark before it), byte for byte; the others' written here to the document spill
    (:func:`copytrace.records.document_line`), as every document of a compressed file."""
    n = len(parsed)
    if work.span.data or config.meta_fields or not n:
        return _in_one_file(
            *write_lines(folder, [document_line(p.document, config) for p in parsed])
        )
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(line) + 1 for line in lines], out=offsets[1:])
    index = np.fromiter((p.number - 1 for p in parsed), dtype=np.int64, count=n)
    as_given = np.fromiter(
        (p.id_given and p.number < len(lines) for p in parsed), dtype=np.bool_, count=n
    )
    if as_given[0] and parsed[0].number == 1 and lines[0].startswith(_BOM):
        as_given[0] = False
    starts = work.span.start + offsets[index]
    ends = work.span.start + offsets[index + 1]
    file_of = np.zeros(n, dtype=np.int64)
    names: tuple[str, ...] = (str(Path(work.source).resolve()),)
    written = np.flatnonzero(~as_given)
    if written.shape[0]:
        lines_here = [document_line(parsed[row].document, config) for row in written.tolist()]
        name, at = write_lines(folder, lines_here)
        names += (name,)
        file_of[written] = 1
        starts[written], ends[written] = at[:-1], at[1:]
    return names, file_of, starts, ends


def _in_one_file(name: str, starts: I64) -> tuple[tuple[str, ...], I64, I64, I64]:
    """Lines one after the other in file ``name`` (line i from ``starts[i]`` to
    ``starts[i + 1]``), as :func:`_lines_of` says where lines are."""
    return (name,), np.zeros(starts.shape[0] - 1, dtype=np.int64), starts[:-1], starts[1:]


@dataclass(frozen=True, slots=True)
class _Read:
    """What this process met making a task: the skips of reading its inputs, in order (they
    are counted just before the task's own, whichever process does it), and the ids and
    metadata of the texts read here (``None`` where the worker parses them)."""

    skips: list[Skip]
    records: _Records | None


def _tasks(
    inputs: Iterable[str | Path | Document],
    config: Config,
    fmt: str,
    folders: tuple[Path, Path],
    read_here: collections.deque[_Read],
) -> Iterator[_Task]:
    """The batches of ``inputs``, in order: Documents first, then the files. What was met
    making each task is appended to ``read_here`` as it is made (see :class:`_Read`), and
    the skips met after the last task in one more entry."""
    items = list(inputs)
    held: list[Document] = []  # read here, not yet in a task
    size = 0
    reading = SkipLog(keep_all=True)

    def task_made(records: _Records | None = None) -> None:
        read_here.append(_Read(list(reading.everything), records))
        reading.everything.clear()

    def texts_task() -> _Task:
        name, starts = write_lines(folders[0], [document_line(doc, config) for doc in held])
        task_made(_Records([doc.id for doc in held], [doc.meta for doc in held]))
        held.clear()
        return _Task(_Texts(name, starts), config, *folders)

    def read(docs: Iterable[Document]) -> Iterator[_Task]:
        nonlocal size
        for doc in docs:
            if held and size + len(doc.text) > BATCH_BYTES:
                yield texts_task()
                size = 0
            held.append(doc)
            size += len(doc.text)

    yield from read(item for item in items if isinstance(item, Document))
    paths = [item for item in items if not isinstance(item, Document)]
    for path, name, chosen in input_files(paths, reading, fmt) if paths else ():
        if chosen != "jsonl":
            yield from read(read_file(path, name, chosen, config, reading))
            continue
        if held:
            yield texts_task()
            size = 0
        for span in line_spans(path, reading, BATCH_BYTES):
            task_made()
            yield _Task(_Lines(span, str(path)), config, *folders)
    if held:
        yield texts_task()
    task_made()


def _warm(config: Config) -> None:
    """Load into this process the compiled kernels that :func:`_run` calls, by fingerprinting
    one short text: the processes of a pool forked after this inherit them, instead of each
    loading them from numba's cache again."""
    permutations = permutations_for(config.num_perm, config.seed)
    batch, shingles, cuts = fingerprint_batch_with_shingles([_WARM_TEXT], config, permutations)
    kernels.shingle_sets(shingles, cuts)
    band_keys(batch.signatures, *bands_and_rows(config))


def _fingerprinted(
    tasks: Iterable[_Task], workers: int, pool: SharedPool | None = None
) -> Iterator[_Done]:
    """The result of each task, in order. A job of one batch is done here (a pool would cost
    more than it saves); a larger one by ``pool`` (by default, one of ``workers`` processes of
    its own), started at once, whose processes parse and fingerprint while this one reads
    on."""
    remaining = iter(tasks)
    started = list(itertools.islice(remaining, 2 if workers > 1 else 1))
    everything = itertools.chain(started, remaining)
    if len(started) < 2:
        yield from map(_run, everything)
        return
    with contextlib.ExitStack() as stack:
        shared = pool or stack.enter_context(SharedPool(workers))
        if not shared.started:
            _warm(started[0].config)
        yield from bounded_imap(shared.get(), _run, everything, 2 * shared.workers)


def fingerprint_documents(
    inputs: Iterable[str | Path | Document],
    config: Config,
    skips: SkipLog,
    spill: ShingleSpill,
    prints: FingerprintSpill,
    progress: ProgressCallback | None = None,
    fmt: str = "auto",
    pool: SharedPool | None = None,
) -> DocumentSpill:
    """Read ``inputs`` and fingerprint them (see the module docstring): the documents kept,
    their shingles added to ``spill`` and their fingerprints to ``prints``. ``pool``: the
    processes to do it in where it takes several (by default, a pool of its own)."""
    docs = DocumentSpill(config)
    read_here: collections.deque[_Read] = collections.deque()
    tasks = _tasks(inputs, config, fmt, (docs.folder, spill.folder), read_here)
    workers = config.workers or os.cpu_count() or 1
    seen: set[str] = set()
    met = 0
    lines_before = 0  # in its file, of the block of JSON Lines that comes back next
    for done in _fingerprinted(tasks, workers, pool):
        read = read_here.popleft()
        skips.replay(read.skips)
        records = done.records if done.records is not None else read.records
        if records is None:
            raise RuntimeError("copytrace.batches: a batch came back without its records")
        if records.lines is not None:  # a block of JSON Lines, numbered from 1 where parsed
            lines_before = 0 if done.opens_file else lines_before
            records = dataclasses.replace(records, lines_before=lines_before)
            skips.replay(_numbered_in_file(done.skips, lines_before))
            lines_before += done.newlines
        else:
            skips.replay(done.skips)
        ids, metas = records.ids, records.metas
        keep = _first_of_each_id(records, seen, skips)
        rows = np.flatnonzero(_with_words(done, keep, records, skips))
        docs.adopt(
            done.text_files,
            done.text_starts[rows],
            done.text_ends[rows],
            [ids[row] for row in rows.tolist()],
            [metas[row] for row in rows.tolist()],
            file_of=done.text_file_of[rows],
        )
        spill.adopt(
            done.shingle_file,
            done.set_starts[rows],
            done.set_ends[rows],
        )
        if rows.shape[0] == len(done):
            prints.add(done.prints, done.keys)
        else:
            prints.add(done.prints.select(rows), done.keys[rows])
        if progress is not None and met // _PROGRESS_EVERY < (met + len(done)) // _PROGRESS_EVERY:
            progress("fingerprint", len(docs), None)
        met += len(done)
    for read in read_here:  # what was met after the last task
        skips.replay(read.skips)
    return docs


def _numbered_in_file(skips: list[Skip], lines_before: int) -> list[Skip]:
    """``skips`` of a block of lines numbered from 1, numbered in their file instead."""
    if not lines_before:
        return skips
    return [
        skip if skip.line is None else dataclasses.replace(skip, line=lines_before + skip.line)
        for skip in skips
    ]


def _first_of_each_id(
    records: _Records, seen: set[str], skips: SkipLog
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which documents' ids were not met before (all ids are added to ``seen``); each other
    one is a counted ``duplicate_id`` skip."""
    ids = records.ids
    keep = np.ones(len(ids), dtype=np.bool_)
    batch = set(ids)
    if len(batch) == len(ids) and seen.isdisjoint(batch):
        seen |= batch  # all new, the common case: found without a loop in Python
        return keep
    for row, doc_id in enumerate(ids):
        if doc_id in seen:
            keep[row] = False
            skips.skip(*records.where(row), "duplicate_id", f"id {doc_id!r} was already read")
        else:
            seen.add(doc_id)
    return keep


def _with_words(
    done: _Done,
    keep: np.ndarray[Any, np.dtype[np.bool_]],
    records: _Records,
    skips: SkipLog,
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which of the documents ``keep`` holds have words; each other one is a counted
    ``empty`` skip."""
    has_words = done.prints.n_words > 0
    for row in np.flatnonzero(keep & ~has_words).tolist():
        skips.skip(*records.where(row), "empty", "no words")
    return keep & has_words
