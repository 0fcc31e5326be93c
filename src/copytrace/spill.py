"""Spilling per-document arrays to disk: the ordered shingles of every document.

Contract: :class:`ShingleSpill` appends each batch's shingle hashes to one flat file of
uint64 and keeps only the offsets (one int64 per document) in memory; :meth:`ordered` gives a
document's ordered shingles as a read-only slice of a memory map. The operating system's page
cache, not the process, holds what is read, so a corpus's shingles never need to fit in the
process's memory. The file lives in a temporary folder removed by :meth:`close`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np

from copytrace.fingerprint import I64, U64


class ShingleSpill:
    """Ordered shingle hashes of documents 0..n-1, on disk."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="copytrace-", dir=folder))
        self._path = self._folder / "shingles.u64"
        self._handle = self._path.open("wb")
        self._offsets: list[I64] = [np.zeros(1, dtype=np.int64)]
        self._written = 0
        self._map: np.memmap | None = None
        self._cuts: I64 | None = None

    def append(self, shingles: U64, cuts: I64) -> None:
        """Add documents: document i of the batch is ``shingles[cuts[i]:cuts[i + 1]]``."""
        if self._handle.closed:
            raise RuntimeError("cannot append to a spill that has been read")
        self._handle.write(np.ascontiguousarray(shingles, dtype=np.uint64).tobytes())
        self._offsets.append(cuts[1:] + self._written)
        self._written += int(cuts[-1])

    def _ready(self) -> tuple[np.memmap | None, I64]:
        if self._cuts is None:
            self._handle.close()
            self._cuts = np.concatenate(self._offsets)
            if self._written:
                self._map = np.memmap(self._path, dtype=np.uint64, mode="r")
        return self._map, self._cuts

    def ordered(self, index: int) -> U64:
        """Document ``index``'s shingle hashes in text order."""
        mapped, cuts = self._ready()
        if mapped is None:
            return np.empty(0, dtype=np.uint64)
        return np.asarray(mapped[cuts[index] : cuts[index + 1]])

    def __len__(self) -> int:
        return int(self._ready()[1].shape[0] - 1)

    def close(self) -> None:
        self._handle.close()
        self._map = None
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
