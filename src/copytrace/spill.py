"""Spilling per-document data to disk: documents' lines and their shingle sets.

Contract: :class:`DocumentSpill` keeps documents on disk as their lines of the deduplicated
corpus (text and all), in files written by the processes that read them, and their ids and
metadata in memory. :class:`ShingleSpill` keeps, for each document, its shingle set (sorted,
unique uint64 hashes) on disk, written by whichever process computed it
(:func:`write_shingles`, one file per process); in memory it keeps only where each set is (a
few integers per document). The ordered shingles are not kept: verification shingles again
the few texts whose shared passage it measures. :meth:`ShingleSpill.blocks` gives the sets
of the documents asked for: read where they lie in the files mapped into memory while
the files are small (:data:`MAPPED_UP_TO`), else copied out of them, so that a corpus's
shingles never need to fit in the process's memory. The files live in a temporary folder
removed by :meth:`ShingleSpill.close`.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, overload

import numpy as np

from copytrace.anchors import I32, JOIN_PARTITIONS, slice_of
from copytrace.candidates import band_keys
from copytrace.config import Config
from copytrace.fingerprint import I64, U64, FingerprintBatch
from copytrace.model import Document
from copytrace.records import text_of_line
from copytrace.termination import uninterrupted
from copytrace.verify import ShingleBlocks

#: a work folder's name (see :func:`work_folder`): prefix, process id, a random part
_WORK_FOLDER = re.compile(r"copytrace-[a-z]+-[0-9]+-[0-9a-f]{12}")
#: the file in a work folder whose lock its process holds while it lives
_OWNER = ".owner"
#: the descriptors holding the locks of this process's work folders, by folder
_HELD: dict[Path, int] = {}


def work_folder(
    owner: object, prefix: str, parent: str | Path | None = None
) -> tuple[Path, weakref.finalize[..., object]]:
    """A new private temporary folder, removed when ``owner`` is garbage-collected, when the
    returned finalizer is called, or when the interpreter exits. The removal is registered
    before the folder exists, so that no interruption (a SIGTERM turned into an exception)
    can come between the two and leave the folder behind.

    A process killed outright (the out-of-memory killer, ``kill -9``, a crash) cannot remove
    its folders: a large scan's are gigabytes. So each folder holds a file locked by its
    process while that lives (the system drops the lock as the process dies, whatever kills
    it), and making a folder first removes the abandoned ones beside it (see
    :func:`remove_abandoned`)."""
    base = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    remove_abandoned(base)
    name = f"{prefix}{os.getpid()}-{secrets.token_hex(6)}"
    path = base / name
    finalizer = weakref.finalize(owner, _remove_folder, path)
    with uninterrupted():
        # made under a hidden name, its lock taken, then given its name: a folder with a
        # work folder's name always has its lock held or its process gone
        making = base / f".{name}"
        making.mkdir(mode=0o700)
        try:
            _HELD[path] = _locked(making / _OWNER)
            making.rename(path)
        except BaseException:
            _release(path)
            shutil.rmtree(making, ignore_errors=True)
            raise
    return path, finalizer


def _locked(path: Path) -> int:
    """A descriptor of the new file ``path``, holding an exclusive lock on it (-1 where the
    system has no ``flock``: such a folder is never found abandoned)."""
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        import fcntl
    except ImportError:
        os.close(descriptor)
        return -1
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


def _release(path: Path) -> None:
    descriptor = _HELD.pop(path, -1)
    if descriptor >= 0:
        os.close(descriptor)


def remove_abandoned(base: Path) -> list[Path]:
    """Remove this user's work folders in ``base`` whose process has ended without removing
    them (their lock is free); the folders removed. Folders of live processes (in any
    process namespace that shares the folder's file system), of other users, and of
    versions that made no lock file are left alone."""
    try:
        import fcntl
    except ImportError:
        return []
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return []
    for entry in entries:
        if not _WORK_FOLDER.fullmatch(entry.name):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat().st_uid != os.getuid():
                continue
            descriptor = os.open(os.path.join(entry.path, _OWNER), os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held: its process lives
            os.close(descriptor)
            continue
        with uninterrupted():
            shutil.rmtree(entry.path, ignore_errors=True)
            os.close(descriptor)
        removed.append(Path(entry.path))
    return removed


def _remove_folder(path: Path) -> None:
    """Remove a work folder and all in it, whatever it holds, then release its lock: a
    termination waits (a folder half removed would stay, its finalizer spent)."""
    with uninterrupted():
        shutil.rmtree(path, ignore_errors=True)
        _release(path)


#: each process's open file in a spill folder, by (process id, folder) (see
#: :func:`append_to_own_file`): a forked worker inherits its parent's, and must not write
#: through them
_WRITERS: dict[tuple[int, Path], BinaryIO] = {}


def append_to_own_file(folder: Path, stem: str, data: bytes | memoryview) -> tuple[str, int]:
    """Append ``data`` to this process's file ``<stem>-<process id>`` in a spill's ``folder``:
    (file name, byte offset it was written at). Any process may call it (each writes its
    own file), so that the workers that read or compute a spill's data store it without
    sending it back; it is flushed at once, readable by the process that reads the spill."""
    key = (os.getpid(), folder)
    handle = _WRITERS.get(key)
    if handle is None or handle.closed:
        handle = _WRITERS[key] = (folder / f"{stem}-{os.getpid()}").open("ab")
    offset = handle.tell()
    handle.write(data)
    handle.flush()
    return Path(handle.name).name, offset


def write_shingles(folder: Path, shingles: U64) -> tuple[str, int]:
    """Append ``shingles`` (sets of :meth:`ShingleSpill.adopt`) to this process's file in a
    shingle spill's ``folder``: (file name, index of the first value written)."""
    # written from the array's own memory, not copied to bytes first
    data = np.ascontiguousarray(shingles, dtype=np.uint64).data.cast("B")
    name, offset = append_to_own_file(folder, "shingles", data)
    return name, offset // 8


def write_lines(folder: Path, lines: Sequence[bytes]) -> tuple[str, I64]:
    """Append ``lines`` (documents' lines, :func:`copytrace.records.document_line`) to this
    process's file in a document spill's ``folder``: (file name, byte offsets: line i is
    ``[starts[i], starts[i + 1])``)."""
    name, offset = append_to_own_file(folder, "texts", b"".join(lines))
    starts = np.full(len(lines) + 1, offset, dtype=np.int64)
    np.cumsum([len(line) for line in lines], out=starts[1:])
    starts[1:] += offset
    return name, starts


def read_texts(path: Path, starts: I64, text_field: str) -> list[str]:
    """The texts of the lines :func:`write_lines` wrote to ``path`` at ``starts`` (written
    with ``text_field``), read with one ``pread``."""
    first = int(starts[0])
    with path.open("rb") as handle:
        data = os.pread(handle.fileno(), int(starts[-1]) - first, first)
    bounds = (starts - first).tolist()
    return [text_of_line(data[begin:end], text_field) for begin, end in itertools.pairwise(bounds)]


class _Places:
    """Where each document's data lies in the files of a spill's folder: the file's number
    and some columns of offsets in it, added a batch at a time, then read."""

    def __init__(self, folder: Path, columns: int) -> None:
        self.folder = folder
        self._columns = columns
        self._names: dict[str, int] = {}
        self._parts: list[tuple[I32, tuple[I64, ...]]] = []
        self._arrays: tuple[I32, tuple[I64, ...]] | None = None
        self._readers: list[int] | None = None

    def add(self, names: str | Sequence[str], *columns: I64, file_of: I64 | None = None) -> None:
        """Add documents whose data lies in file ``names`` (or, given ``file_of``, document
        i's in file ``names[file_of[i]]``), at ``columns`` (one value each)."""
        if self._arrays is not None:
            raise RuntimeError("cannot add to a spill that has been read")
        named = [names] if isinstance(names, str) else list(names)
        numbers = np.array([self._names.setdefault(n, len(self._names)) for n in named])
        count = np.shape(columns[0])[0]
        which = np.zeros(count, dtype=np.int64) if file_of is None else np.asarray(file_of)
        files = numbers[which].astype(np.int32) if count else np.empty(0, dtype=np.int32)
        self._parts.append((files, tuple(np.asarray(c, dtype=np.int64) for c in columns)))

    def arrays(self) -> tuple[I32, tuple[I64, ...]]:
        """Each document's file number and columns, all added so far; nothing can be added
        after (this process's own file is closed)."""
        if self._arrays is None:
            writer = _WRITERS.pop((os.getpid(), self.folder), None)
            if writer is not None:
                writer.close()
            files = [numbers for numbers, _ in self._parts]
            self._arrays = (
                np.concatenate(files) if files else np.empty(0, dtype=np.int32),
                tuple(
                    np.concatenate([cols[c] for _, cols in self._parts])
                    if self._parts
                    else np.empty(0, dtype=np.int64)
                    for c in range(self._columns)
                ),
            )
            self._parts = []
        return self._arrays

    def names(self) -> list[str]:
        """The files' names, by number."""
        return sorted(self._names, key=self._names.__getitem__)

    def readers(self) -> list[int]:
        """A read-only descriptor of each file, by number."""
        if self._readers is None:
            self._readers = [os.open(self.folder / name, os.O_RDONLY) for name in self.names()]
        return self._readers

    def close(self) -> None:
        """Close the files (this process's writer too)."""
        writer = _WRITERS.pop((os.getpid(), self.folder), None)
        if writer is not None:
            writer.close()
        for reader in self._readers or ():
            os.close(reader)
        self._readers = None


class ShingleSpill:
    """The shingle sets (sorted, unique hashes) of documents 0..n-1, on disk."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder, self._remove = work_folder(self, "copytrace-shingles-", folder)
        # document i's set is values [starts[i], ends[i]) of its file
        self._places = _Places(self.folder, 2)
        self._maps: list[U64] | None = None  # the files mapped, once (see blocks)

    def adopt(self, name: str, starts: I64, ends: I64) -> None:
        """Add documents whose sets :func:`write_shingles` wrote (in any process) to file
        ``name`` of this spill's folder: document i's set is values ``starts[i]`` to
        ``ends[i] - 1`` (see :func:`copytrace.kernels.shingle_sets`)."""
        self._places.add(name, starts, ends)

    @contextlib.contextmanager
    def blocks(self, rows: I64) -> Iterator[ShingleBlocks]:
        """Where the shingles of documents ``rows`` lie, in that order
        (:class:`~copytrace.verify.ShingleBlocks`), for the block's duration.

        While the spill's files hold at most :data:`MAPPED_UP_TO` bytes in all, they are
        mapped into memory (once, for the spill's life) and read where they lie, copying
        nothing. Larger, the documents' blocks are copied out of the files into one array,
        one ``preadv`` each: reading a mapped file brings up to a large folio of it (hundreds
        of kilobytes) into the process for each document read, which over a large corpus's
        scattered documents would fill the process with pages of the files.
        """
        files, (starts, ends) = self._places.arrays()
        files, starts, ends = files[rows], starts[rows], ends[rows]
        names = self._places.names()
        if self._maps is None and self.nbytes() <= MAPPED_UP_TO:
            self._maps = [_mapped(self.folder / name) for name in names]
        if self._maps is not None:
            yield ShingleBlocks(self._maps, files, starts, ends)
            return
        sizes = ends - starts
        bounds = np.zeros(sizes.shape[0] + 1, dtype=np.int64)
        np.cumsum(sizes, out=bounds[1:])
        copied = np.empty(int(bounds[-1]), dtype=np.uint64)
        into = copied.data.cast("B")
        readers = self._places.readers()
        for file, start, begin, end in zip(
            files.tolist(), starts.tolist(), bounds[:-1].tolist(), bounds[1:].tolist(), strict=True
        ):
            os.preadv(readers[file], [into[8 * begin : 8 * end]], 8 * start)
        yield ShingleBlocks([copied], np.zeros_like(files), bounds[:-1], bounds[1:])

    def nbytes(self) -> int:
        """The bytes of the spill's files."""
        return sum((self.folder / name).stat().st_size for name in self._places.names())

    def __len__(self) -> int:
        return int(self._places.arrays()[0].shape[0])

    def close(self) -> None:
        """Remove the files."""
        self._maps = None
        self._places.close()
        self._remove()

    def __enter__(self) -> ShingleSpill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


#: a shingle spill whose files hold at most this many bytes in all is read where it lies,
#: mapped into memory (see :meth:`ShingleSpill.blocks`): the most that mapping adds to the
#: process (100,000 news articles of 500 words make about 800 MB)
MAPPED_UP_TO = 1 << 30


def _mapped(path: Path) -> U64:
    """The uint64 values of file ``path``, mapped read-only (an empty file as an empty
    read-only array: a file cannot be mapped with nothing in it)."""
    if path.stat().st_size == 0:
        empty = np.empty(0, dtype=np.uint64)
        empty.flags.writeable = False
        return empty
    return np.memmap(path, dtype=np.uint64, mode="r")


#: an anchor occurrence on disk: hash, owning document, position in it
_ANCHOR_RECORD = np.dtype([("anchor", "<u8"), ("owner", "<i4"), ("position", "<i4")])


#: bytes of band keys and anchors that a :class:`FingerprintSpill` holds in memory before it
#: writes them to its files (a corpus of 100k short documents holds about 60 MB)
HELD_UP_TO = 256 << 20


class FingerprintSpill:
    """What candidate generation and verification need of a corpus's fingerprints: each LSH
    band's keys, and the winnowed anchors by hash slice (JOIN_PARTITIONS slices), held in
    memory up to :data:`HELD_UP_TO` bytes and beyond that on disk, a file per band and per
    slice; only the digests and word counts (16 bytes a document) always stay in memory.
    Signatures are not kept: their band keys are all that is used. Candidate generation then
    reads one band, or one slice, at a time."""

    def __init__(self, bands: int, rows: int, folder: str | Path | None = None) -> None:
        self.folder, self._remove = work_folder(self, "copytrace-prints-", folder)
        self.bands, self.rows = bands, rows
        self._band_files: list[BinaryIO] = []  # opened when what is held goes to disk
        self._slice_files: list[BinaryIO] = []
        #: what is held in memory, batch by batch: band keys (bands x documents), and each
        #: slice's anchors (hashes, documents, positions)
        self._held_keys: list[U64] = []
        self._held_slices: list[list[tuple[U64, I32, I32]]] = [[] for _ in range(JOIN_PARTITIONS)]
        self._held_bytes = 0
        self._digests: list[U64] = []
        self._n_words: list[I64] = []
        self._documents = 0

    def add(self, batch: FingerprintBatch, keys: U64 | None = None) -> None:
        """Append a batch's documents (numbered after those already added). ``keys``: their
        band keys where they were made already (then the batch's signatures are not read)."""
        first = self._documents
        if keys is None:
            keys = band_keys(batch.signatures, self.bands, self.rows)
        if keys.shape != (len(batch), self.bands):
            raise ValueError(f"band keys of shape {keys.shape}, not ({len(batch)}, {self.bands})")
        parts = slice_of(batch.anchors)
        order = np.argsort(parts, kind="stable")  # document order kept inside a slice
        bounds = np.searchsorted(parts[order], np.arange(JOIN_PARTITIONS + 1)).tolist()
        anchors = batch.anchors[order]
        owners = (batch.anchor_owners[order].astype(np.int64) + first).astype(np.int32)
        positions = batch.anchor_positions[order].astype(np.int32, copy=False)
        self._held_keys.append(np.ascontiguousarray(keys.T))
        for part, held in enumerate(self._held_slices):
            at = slice(bounds[part], bounds[part + 1])
            held.append((anchors[at], owners[at], positions[at]))
        self._held_bytes += keys.nbytes + 16 * anchors.shape[0]
        if self._band_files or self._held_bytes > HELD_UP_TO:
            self._write_held()
        self._digests.append(batch.digests)
        self._n_words.append(batch.n_words)
        self._documents += len(batch)

    def _write_held(self) -> None:
        """Append what is held in memory to the files (opened the first time), and hold
        nothing more."""
        if not self._band_files:
            self._band_files = [
                (self.folder / f"band-{b}.u64").open("wb") for b in range(self.bands)
            ]
            self._slice_files = [
                (self.folder / f"anchors-{s}.bin").open("wb") for s in range(JOIN_PARTITIONS)
            ]
        for keys in self._held_keys:
            for band, handle in enumerate(self._band_files):
                handle.write(keys[band].tobytes())
        for held, handle in zip(self._held_slices, self._slice_files, strict=True):
            for anchors, owners, positions in held:
                records = np.empty(anchors.shape[0], dtype=_ANCHOR_RECORD)
                records["anchor"], records["owner"], records["position"] = (
                    anchors,
                    owners,
                    positions,
                )
                handle.write(records.tobytes())
            held.clear()
        self._held_keys.clear()
        self._held_bytes = 0

    def __len__(self) -> int:
        return self._documents

    def _finish(self) -> None:
        for handle in (*self._band_files, *self._slice_files):
            handle.close()
        if len(self._digests) > 1:
            self._digests = [np.concatenate(self._digests)]
            self._n_words = [np.concatenate(self._n_words)]

    @property
    def digests(self) -> U64:
        """Each document's digest of its folded words."""
        self._finish()
        return self._digests[0] if self._digests else np.empty(0, dtype=np.uint64)

    @property
    def n_words(self) -> I64:
        """Each document's number of words."""
        self._finish()
        return self._n_words[0] if self._n_words else np.empty(0, dtype=np.int64)

    def band_keys(self) -> Iterator[U64]:
        """Each band's keys (one key a document), one band at a time."""
        self._finish()
        for band in range(self.bands):
            if self._band_files:
                yield np.fromfile(self.folder / f"band-{band}.u64", dtype=np.uint64)
            else:
                yield _joined([keys[band] for keys in self._held_keys], np.uint64)

    def anchor_slices(self) -> Iterator[tuple[U64, I32, I32]]:
        """The anchors one hash slice at a time: (hashes, documents, positions), in document
        and text order."""
        self._finish()
        for part in range(JOIN_PARTITIONS):
            if self._slice_files:
                records = np.fromfile(self.folder / f"anchors-{part}.bin", dtype=_ANCHOR_RECORD)
                yield (
                    np.ascontiguousarray(records["anchor"]),
                    np.ascontiguousarray(records["owner"]),
                    np.ascontiguousarray(records["position"]),
                )
            else:
                held = self._held_slices[part]
                yield (
                    _joined([anchors for anchors, _, _ in held], np.uint64),
                    _joined([owners for _, owners, _ in held], np.int32),
                    _joined([positions for _, _, positions in held], np.int32),
                )

    def close(self) -> None:
        """Remove the files and what is held."""
        for handle in (*self._band_files, *self._slice_files):
            handle.close()
        self._held_keys.clear()
        for held in self._held_slices:
            held.clear()
        self._remove()


def _joined(parts: list[Any], dtype: type[np.generic]) -> Any:
    """``parts`` end to end, an empty array of ``dtype`` when there are none."""
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _read_spans(reader: int, spans: Iterable[tuple[int, int]]) -> list[bytes]:
    """The bytes of file ``reader`` at each (start, end) of ``spans``: with one ``pread`` of
    the region that holds them all when they fill most of it, else one each."""
    wanted = list(spans)
    first = min(start for start, _ in wanted)
    last = max(end for _, end in wanted)
    if last - first > 2 * sum(end - start for start, end in wanted) + (1 << 20):
        return [os.pread(reader, end - start, start) for start, end in wanted]
    data = os.pread(reader, last - first, first)
    return [data[start - first : end - first] for start, end in wanted]


#: documents whose texts :meth:`DocumentSpill.documents` reads together
_READ_TOGETHER = 512
#: bytes :meth:`DocumentSpill.copy_lines` reads at most at once
_COPY_AT_ONCE = 1 << 24


class DocumentSpill(Sequence[Document]):
    """Documents whose texts live on disk: ids and metadata stay in memory; on disk, each
    document is its line of the deduplicated corpus, read back (with ``pread``) when the
    document is asked for, or copied as it is into a deduplicated corpus
    (:meth:`copy_lines`). A line is the record's own line in a plain JSON Lines input where
    it can stand as it is (``adopt`` is then given the input's absolute path); else it is
    :func:`copytrace.records.document_line` with ``config``'s field names, in files of the
    spill's folder written by whichever process read the documents (:func:`write_lines`).

    A scan of a corpus larger than memory holds its texts this way. The temporary folder goes
    when the spill is garbage-collected (or the interpreter exits), so the documents of a
    :class:`~copytrace.pipeline.ScanResult` stay readable for as long as it is held (and,
    for lines read from an input, as long as that input is left as it was).
    """

    def __init__(self, config: Config | None = None, folder: str | Path | None = None) -> None:
        config = config or Config()
        self.folder, self._finalizer = work_folder(self, "copytrace-texts-", folder)
        #: the field names the lines are written with
        self.id_field, self.text_field = config.id_field, config.text_field
        self.ids: list[str] = []
        self.metas: list[Mapping[str, Any]] = []
        self._places = _Places(self.folder, 2)  # start and end of each line
        self._position: dict[str, int] | None = None

    def adopt(
        self,
        names: str | Sequence[str],
        starts: I64,
        ends: I64,
        ids: Sequence[str],
        metas: Sequence[Mapping[str, Any]],
        file_of: I64 | None = None,
    ) -> None:
        """Add documents whose lines are in file ``names`` (or, given ``file_of``, document
        i's in ``names[file_of[i]]``): files of this spill's folder, where
        :func:`write_lines` wrote them in any process, or absolute paths (inputs). Line i is
        from byte ``starts[i]`` to ``ends[i]``, its newline included."""
        self._places.add(names, starts, ends, file_of=file_of)
        self.ids.extend(ids)
        self.metas.extend(metas)

    def text(self, index: int) -> str:
        """The text of document ``index``."""
        files, (starts, ends) = self._places.arrays()
        start, end = int(starts[index]), int(ends[index])
        reader = self._places.readers()[int(files[index])]
        # pread, not a memory map: pages read stay in the page cache, not in the process
        return text_of_line(os.pread(reader, end - start, start), self.text_field)

    def documents(self, rows: Iterable[int]) -> Iterator[Document]:
        """The documents at ``rows``, in that order, their lines read a few hundred at a time
        with one ``pread`` for each file they lie in (documents near each other in the input
        lie near each other in their file)."""
        files, (starts, ends) = self._places.arrays()
        readers = self._places.readers()
        wanted = iter(rows)
        while chunk := list(itertools.islice(wanted, _READ_TOGETHER)):
            at = np.asarray(chunk, dtype=np.int64)
            texts: list[str] = [""] * len(chunk)
            for number in np.unique(files[at]).tolist():
                mine = np.flatnonzero(files[at] == number)
                spans = zip(starts[at[mine]].tolist(), ends[at[mine]].tolist(), strict=True)
                read = _read_spans(readers[number], spans)
                for place, data in zip(mine.tolist(), read, strict=True):
                    texts[place] = text_of_line(data, self.text_field)
            for row, text in zip(chunk, texts, strict=True):
                yield Document(self.ids[row], text, self.metas[row])

    def copy_lines(self, rows: I64, target: BinaryIO) -> None:
        """Write the lines of the documents at ``rows``, in that order, to ``target`` byte for
        byte: lines that lie one after the other in a file (documents read together, as
        most of a deduplicated corpus's are) are copied together, a large read at a time."""
        files, (starts, ends) = self._places.arrays()
        readers = self._places.readers()
        at = np.asarray(rows, dtype=np.int64)
        if at.shape[0] == 0:
            return
        file_of, start_of, end_of = files[at], starts[at], ends[at]
        # a stretch ends where the next line is in another file or does not follow on
        cuts = np.flatnonzero((file_of[1:] != file_of[:-1]) | (start_of[1:] != end_of[:-1])) + 1
        firsts = np.concatenate(([0], cuts))
        lasts = np.concatenate((cuts, [at.shape[0]])) - 1
        for number, start, end in zip(
            file_of[firsts].tolist(), start_of[firsts].tolist(), end_of[lasts].tolist(), strict=True
        ):
            while start < end:
                data = os.pread(readers[number], min(end - start, _COPY_AT_ONCE), start)
                if not data:
                    raise OSError(
                        f"document spill file {self._places.names()[number]} is cut short"
                    )
                target.write(data)
                start += len(data)

    def __iter__(self) -> Iterator[Document]:
        return self.documents(range(len(self)))

    def index_of(self, doc_id: str) -> int:
        """The position of the document with id ``doc_id``."""
        if self._position is None:
            self._position = {doc_id: index for index, doc_id in enumerate(self.ids)}
        return self._position[doc_id]

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        return Document(self.ids[index], self.text(index), self.metas[index])

    def close(self) -> None:
        """Remove the spill now (it cannot be read afterwards)."""
        self._places.close()
        self._finalizer()
