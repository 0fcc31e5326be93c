"""Shared fixtures: the seed pair, the shared data folder, and a builder of small corpora."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from copytrace import aot

# the kernels compiled ahead of time, as the copytrace program builds them on its first
# command (about 20 s, once per version of their source): this process and every command
# the tests run use them, and a kernel called with arguments it does not declare is an
# error (COPYTRACE_KERNELS=aot); tests/test_aot.py checks them against numba's JIT
BUILT_AHEAD_OF_TIME = aot.build()
if BUILT_AHEAD_OF_TIME:
    os.environ[aot.MODE_VARIABLE] = "aot"

#: /work/shared, beside the repository checkout
SHARED = Path(__file__).resolve().parents[2] / "shared"

#: words for synthetic articles; large enough that random 5-word shingles rarely repeat
VOCABULARY = tuple(
    f"{stem}{suffix}"
    for stem in (
        "minister", "market", "river", "council", "harbour", "festival", "station", "report",
        "budget", "court", "village", "factory", "school", "bridge", "island", "museum",
        "winter", "summer", "garden", "letter", "engine", "forest", "signal", "treaty",
        "orchestra", "library", "hospital", "airport", "election", "vaccine", "mountain",
        "district", "province", "company", "stadium", "teacher", "farmer", "pilot", "senator",
        "reporter",
    )
    for suffix in ("", "s", "ed", "ing", "al")
)  # fmt: skip


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder holding the seed pair (two captures of one news story)."""
    path = SHARED / "seeds"
    if not (path / "000_79bc1770f18cd301.txt").is_file():
        pytest.skip(f"seed pair not found at {path}; it lives in shared/seeds beside the checkout")
    return path


@pytest.fixture(scope="session")
def seed_paths(seeds_dir: Path) -> tuple[Path, Path]:
    """The two seed files: the RT capture (A) and the other site's capture (B)."""
    return (seeds_dir / "000_79bc1770f18cd301.txt", seeds_dir / "001_10ba7ebf5372380a.txt")


@pytest.fixture(scope="session")
def seed_texts(seed_paths: tuple[Path, Path]) -> tuple[str, str]:
    return (seed_paths[0].read_text(encoding="utf-8"), seed_paths[1].read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared folder of real corpora (see shared/data/README.md)."""
    path = SHARED / "data"
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; see shared/data/README.md")
    return path


def random_text(rng: random.Random, n_words: int) -> str:
    """A sentence-like text of ``n_words`` words drawn from :data:`VOCABULARY`."""
    chosen = [rng.choice(VOCABULARY) for _ in range(n_words)]
    out = []
    for index, word in enumerate(chosen):
        out.append(word.capitalize() if index % 12 == 0 else word)
        if index % 12 == 11:
            out[-1] += "."
    return " ".join(out)


@pytest.fixture
def make_text() -> Callable[[int, int], str]:
    """``make_text(seed, n_words)``: a reproducible random article."""

    def make(seed: int, n_words: int) -> str:
        return random_text(random.Random(seed), n_words)

    return make


class Corpus:
    """Writes small input files of every format into one temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, name: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def raw(self, name: str, data: bytes) -> Path:
        path = self.path(name)
        path.write_bytes(data)
        return path

    def txt(self, name: str, text: str) -> Path:
        return self.raw(name, text.encode("utf-8"))

    def jsonl_bytes(self, records: Iterable[Mapping[str, Any] | str]) -> bytes:
        """JSON Lines bytes; a ``str`` item is written as the raw line it is."""
        lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
        return "".join(line + "\n" for line in lines).encode("utf-8")

    def jsonl(self, name: str, records: Iterable[Mapping[str, Any] | str]) -> Path:
        """A JSON Lines file, compressed by extension (.gz, .zst)."""
        data = self.jsonl_bytes(records)
        if name.endswith(".gz"):
            data = gzip.compress(data)
        elif name.endswith(".zst"):
            zstandard = pytest.importorskip("zstandard")
            data = zstandard.ZstdCompressor().compress(data)
        return self.raw(name, data)

    def csv(self, name: str, rows: list[Mapping[str, Any]], delimiter: str = ",") -> Path:
        path = self.path(name)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
        return path

    def parquet(self, name: str, records: list[Mapping[str, Any]]) -> Path:
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        path = self.path(name)
        pq.write_table(pa.Table.from_pylist(records), path)
        return path


@pytest.fixture
def tmp_corpus(tmp_path: Path) -> Corpus:
    """A :class:`Corpus` writing into a fresh folder ``tmp_path / "corpus"``."""
    root = tmp_path / "corpus"
    root.mkdir()
    return Corpus(root)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A kernel called with arguments its declaration does not take runs JIT-compiled: it
    works, but loads numba (0.5 s) in a process that was to do without; none may."""
    if aot.FALLBACKS:
        print(f"\nkernels called with undeclared arguments: {dict(aot.FALLBACKS)}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
