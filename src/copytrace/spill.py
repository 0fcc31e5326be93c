"""Spilling per-document data to disk: texts and ordered shingles.

Contract: :class:`DocumentSpill` keeps documents' texts in one file and their ids and
metadata in memory. :class:`ShingleSpill` appends each batch's shingle hashes to one flat file of
uint64 and keeps only the offsets (one int64 per document) in memory; :meth:`ordered` reads a
document's ordered shingles back with ``pread``. The operating system's page cache, not the
process, holds what is read, so a corpus's shingles never need to fit in the
process's memory. The file lives in a temporary folder removed by :meth:`close`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, overload

import numpy as np

from copytrace.fingerprint import I64, U64
from copytrace.model import Document


class ShingleSpill:
    """Ordered shingle hashes of documents 0..n-1, on disk."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="copytrace-", dir=folder))
        self._path = self._folder / "shingles.u64"
        self._handle = self._path.open("wb")
        self._offsets: list[I64] = [np.zeros(1, dtype=np.int64)]
        self._written = 0
        self._reader: int | None = None
        self._cuts: I64 | None = None

    def append(self, shingles: U64, cuts: I64) -> None:
        """Add documents: document i of the batch is ``shingles[cuts[i]:cuts[i + 1]]``."""
        if self._handle.closed:
            raise RuntimeError("cannot append to a spill that has been read")
        self._handle.write(np.ascontiguousarray(shingles, dtype=np.uint64).tobytes())
        self._offsets.append(cuts[1:] + self._written)
        self._written += int(cuts[-1])

    def _ready(self) -> tuple[int, I64]:
        if self._cuts is None:
            self._handle.close()
            self._cuts = np.concatenate(self._offsets)
            self._reader = os.open(self._path, os.O_RDONLY)
        assert self._reader is not None
        return self._reader, self._cuts

    def ordered(self, index: int) -> U64:
        """Document ``index``'s shingle hashes in text order."""
        reader, cuts = self._ready()
        start, end = int(cuts[index]), int(cuts[index + 1])
        # pread, not a memory map: pages read stay in the page cache, not in the process
        data = os.pread(reader, (end - start) * 8, start * 8)
        return np.frombuffer(data, dtype=np.uint64)

    def __len__(self) -> int:
        return int(self._ready()[1].shape[0] - 1)

    def close(self) -> None:
        self._handle.close()
        if self._reader is not None:
            os.close(self._reader)
            self._reader = None
        shutil.rmtree(self._folder, ignore_errors=True)

    def __enter__(self) -> ShingleSpill:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class DocumentSpill(Sequence[Document]):
    """Documents whose texts live on disk: ids and metadata stay in memory, each text is read
    back (with ``pread``) when the document is asked for.

    A scan of a corpus larger than memory holds its texts this way. The temporary folder goes
    when the spill is garbage-collected (or the interpreter exits), so the documents of a
    :class:`~copytrace.pipeline.ScanResult` stay readable for as long as it is held.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="copytrace-texts-", dir=folder))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._path = self._folder / "texts.utf8"
        self._handle: BinaryIO | None = self._path.open("wb")
        self._starts: list[int] = [0]
        self._written = 0
        self.ids: list[str] = []
        self.metas: list[Mapping[str, Any]] = []
        self._reader: BinaryIO | None = None
        self._offsets: I64 | None = None  # (documents x 2): start and end of each text
        self._position: dict[str, int] | None = None
        self._parent: DocumentSpill | None = None

    def append(self, doc: Document) -> None:
        """Add a document (before the first one is read back)."""
        if self._handle is None:
            raise RuntimeError("cannot append to a document spill that has been read")
        data = doc.text.encode("utf-8", "surrogatepass")
        self._handle.write(data)
        self._written += len(data)
        self._starts.append(self._written)
        self.ids.append(doc.id)
        self.metas.append(doc.meta)

    def _ready(self) -> tuple[BinaryIO, I64]:
        if self._offsets is None:
            if self._handle is not None:
                self._handle.close()
                self._handle = None
            starts = np.asarray(self._starts, dtype=np.int64)
            self._offsets = np.stack((starts[:-1], starts[1:]), axis=1)
            self._starts = []
        if self._reader is None:
            self._reader = self._path.open("rb")
        return self._reader, self._offsets

    def text(self, index: int) -> str:
        """The text of document ``index``."""
        reader, offsets = self._ready()
        start, end = int(offsets[index][0]), int(offsets[index][1])
        # pread, not a memory map: pages read stay in the page cache, not in the process
        data = os.pread(reader.fileno(), end - start, start)
        return data.decode("utf-8", "surrogatepass")

    def select(self, rows: I64) -> DocumentSpill:
        """The documents at ``rows``, in that order, sharing this spill's file."""
        _, offsets = self._ready()
        view = DocumentSpill.__new__(DocumentSpill)
        view._folder, view._finalizer, view._path = self._folder, self._finalizer, self._path
        view._handle, view._starts, view._written = None, [], self._written
        view._reader, view._offsets, view._position = None, offsets[rows], None
        view.ids = [self.ids[row] for row in rows.tolist()]
        view.metas = [self.metas[row] for row in rows.tolist()]
        view._parent = self  # the file lives as long as any view of it
        return view

    def text_sizes(self) -> list[int]:
        """The size of each text in bytes (for batching)."""
        _, offsets = self._ready()
        sizes: list[int] = (offsets[:, 1] - offsets[:, 0]).tolist()
        return sizes

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
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._finalizer()
