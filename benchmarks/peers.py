"""The same deduplication job written with each peer library, as a fair user would write it.

The job, as written here for datasketch and rensa (text-dedup runs its own script, below):
read the JSON Lines corpus (``id``, ``text``); tokenize each text as its lower-cased ``\\w+``
words (the simplest fair tokenizer: one regular expression, no Unicode folding, which only
makes the peers' job lighter than copytrace's); take the set of word 5-shingles (a text with
fewer words has one shingle of all of them, as in copytrace); MinHash with 128 permutations;
LSH at threshold 0.8 with the library's own index; collect the candidate pairs and keep those
whose MinHash estimate is at least the threshold (the check the libraries' own examples do);
connected components of those pairs (union-find); write the deduplicated corpus, the first
document of every component and every document in none, as JSON Lines (the original lines,
unchanged). One process, one thread.

- ``datasketch``: ``MinHash.generator`` (the bulk path: one initialised state copied per
  document, ``update_batch`` of the UTF-8 shingles, default hash and scheme), then
  ``MinHashLSH(threshold, num_perm)`` filled in an ``insertion_session`` and queried once per
  document; its banding is its own optimum for the threshold (9 bands x 13 rows at 0.8).
- ``rensa``: ``RMinHash.from_token_sets`` (the bulk constructor, shingles as ``str``, hashed
  in Rust), then ``RMinHashLSH(threshold, num_perm, num_bands)`` filled with ``insert_many``
  and queried with ``query_all``; rensa needs the number of bands and it must divide 128:
  16 bands x 8 rows, the value of rensa's own README example at threshold 0.8.
- ``text-dedup``: text-dedup's own MinHash CLI (``python -m text_dedup.minhash``, 0.4.0,
  numpy MinHash, ``datasets`` I/O), run by the Python of a virtual environment of its own
  (its dependencies conflict with this one's), made on first use and cached under
  ``benchmarks/.cache/``: see :mod:`textdedup_peer` for the venv, the exact arguments
  (``--num_proc 1 --threshold 0.8 --num_perm 128 --ngram 5 --min_length 0 --hash_func
  xxh3``) and what its job computes. It is the same job with text-dedup's own choices: its
  tokens are ``re.split(r"\\W", text.lower())`` (adjacent non-word characters give empty
  tokens), band collisions are not checked against the threshold, and the deduplicated
  corpus is an Arrow dataset (``save_to_disk``); it reports ``edges``, not pairs.

    python benchmarks/peers.py datasketch corpus.jsonl OUT_DIR
    python benchmarks/peers.py rensa corpus.jsonl OUT_DIR --bands 32
    python benchmarks/peers.py text-dedup corpus.jsonl OUT_DIR   # makes its venv once

Prints one JSON line (counts and the job's own time, import excluded); the deduplicated
corpus goes to ``OUT_DIR/deduplicated.jsonl`` (text-dedup: ``OUT_DIR/deduplicated/``).
``benchmarks/speed.py`` runs each peer in a fresh process (text-dedup's in its venv's
Python) and measures its wall time and peak memory from outside.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 5

_WORD = re.compile(r"\w+")

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import textdedup_peer  # noqa: E402

#: peers run by another Python (their own virtual environment), by :func:`command`
EXTERNAL = ("text-dedup",)
#: peers that cannot run, and why
SKIPPED: dict[str, str] = {}


def tokenize(text: str) -> list[str]:
    """Lower-cased ``\\w+`` words: the simplest fair tokenizer."""
    return _WORD.findall(text.lower())


def shingles(text: str, ngram: int = NGRAM) -> set[str]:
    """The set of word ``ngram``-grams joined by spaces (one of all words if fewer)."""
    tokens = tokenize(text)
    if len(tokens) < ngram:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + ngram]) for i in range(len(tokens) - ngram + 1)}


def read_texts(path: Path) -> Iterator[str]:
    """The ``text`` of every line of the corpus, in file order."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line).get("text") or ""


class UnionFind:
    """Connected components over document positions."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the earlier document stays the root: it is the one kept
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def write_deduplicated(
    corpus: Path, out: Path, n: int, pairs: Iterable[tuple[int, int]]
) -> dict[str, int]:
    """Components of ``pairs``; copy the first line of each component (and singletons)."""
    components = UnionFind(n)
    for a, b in pairs:
        components.union(a, b)
    roots = [components.find(i) for i in range(n)]
    sizes: dict[int, int] = {}
    for root in roots:
        sizes[root] = sizes.get(root, 0) + 1
    kept = 0
    with corpus.open(encoding="utf-8") as lines, out.open("w", encoding="utf-8") as target:
        for position, line in enumerate(lines):
            if roots[position] == position:
                target.write(line)
                kept += 1
    clusters = sum(1 for size in sizes.values() if size > 1)
    return {"clusters": clusters, "kept": kept}


# ---------------------------------------------------------------------------------------------
# the peers


def run_datasketch(
    corpus: Path, threshold: float, num_perm: int, ngram: int, bands: int | None
) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    def encoded() -> Iterator[list[bytes]]:
        for text in read_texts(corpus):
            yield [s.encode("utf-8") for s in shingles(text, ngram)]

    minhashes = list(MinHash.generator(encoded(), num_perm=num_perm))
    params = (bands, num_perm // bands) if bands else None
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=params)
    with lsh.insertion_session() as session:
        for key, minhash in enumerate(minhashes):
            session.insert(key, minhash)
    candidates = 0
    pairs: list[tuple[int, int]] = []
    for key, minhash in enumerate(minhashes):
        for other in lsh.query(minhash):
            if other > key:
                candidates += 1
                if minhash.jaccard(minhashes[other]) >= threshold:
                    pairs.append((key, other))
    return {
        "n": len(minhashes),
        "candidates": candidates,
        "pairs": pairs,
        "bands": lsh.b,
        "rows": lsh.r,
        "datasketch": _version("datasketch"),
    }


def run_rensa(
    corpus: Path, threshold: float, num_perm: int, ngram: int, bands: int | None
) -> dict[str, Any]:
    from rensa import RMinHash, RMinHashLSH

    bands = bands or 16
    seed = 42
    minhashes = RMinHash.from_token_sets(
        (list(shingles(text, ngram)) for text in read_texts(corpus)), num_perm, seed
    )
    lsh = RMinHashLSH(threshold, num_perm, bands)
    lsh.insert_many(minhashes, 0)
    candidates = 0
    pairs: list[tuple[int, int]] = []
    for key, found in enumerate(lsh.query_all(minhashes)):
        for other in found:
            if other > key:
                candidates += 1
                if minhashes[key].jaccard(minhashes[other]) >= threshold:
                    pairs.append((key, other))
    return {
        "n": len(minhashes),
        "candidates": candidates,
        "pairs": pairs,
        "bands": bands,
        "rows": num_perm // bands,
        "rensa": _version("rensa"),
    }


PEERS: dict[str, Callable[[Path, float, int, int, int | None], dict[str, Any]]] = {
    "datasketch": run_datasketch,
    "rensa": run_rensa,
}


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def available(name: str) -> str | None:
    """``None`` when the in-process peer can run here, else why not."""
    if name in SKIPPED:
        return SKIPPED[name]
    if name not in PEERS:
        return f"unknown peer (known: {', '.join([*PEERS, *EXTERNAL, *SKIPPED])})"
    import importlib.util

    if importlib.util.find_spec(name) is None:
        return f"not installed: pip install {name} (or the project's bench extra)"
    return None


def command(name: str, create: bool = True) -> tuple[list[str] | None, str | None]:
    """How to start peer ``name``'s job (then ``CORPUS OUT [--bands B]``, in the environment
    of :func:`environment`); or ``None`` and why it cannot run.

    For text-dedup this makes its virtual environment on first use, a logged step of a
    minute or more, unless ``create`` is false (then it runs only if the venv exists).
    """
    if name == "text-dedup":
        python, reason = textdedup_peer.ensure_venv(create=create)
        if python is None:
            return None, reason
        return [str(python), str(_HERE / "textdedup_peer.py"), "run"], None
    reason = available(name)
    if reason is not None:
        return None, reason
    return [sys.executable, str(_HERE / "peers.py"), name], None


def environment(name: str, base: Mapping[str, str]) -> dict[str, str]:
    """The environment variables of peer ``name``'s process, from ``base``."""
    if name in EXTERNAL:
        # another interpreter: nothing from this one's path; no model or data hub
        return textdedup_peer.job_env(base)
    return dict(base)


def _run_external(peer: str, argv: Sequence[str]) -> int:
    """``peers.py text-dedup ...``: the job in the peer's own Python, its JSON line relayed."""
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    prefix, reason = command(peer)
    if prefix is None:
        print(json.dumps({"system": peer, "skipped": reason}))
        return 0
    env = environment(peer, os.environ)
    return subprocess.run([*prefix, *argv], env=env, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in EXTERNAL:
        return _run_external(arguments[0], arguments[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("peer", choices=[*PEERS, *EXTERNAL, *SKIPPED])
    parser.add_argument("corpus", type=Path, help="JSON Lines with id and text")
    parser.add_argument("out", type=Path, help="folder for deduplicated.jsonl")
    parser.add_argument("--threshold", type=float, default=THRESHOLD)
    parser.add_argument("--num-perm", type=int, default=NUM_PERM)
    parser.add_argument("--ngram-size", type=int, default=NGRAM)
    parser.add_argument("--bands", type=int, help="LSH bands (rows = num_perm // bands)")
    args = parser.parse_args(argv)

    reason = available(args.peer)
    if reason is not None:
        print(json.dumps({"system": args.peer, "skipped": reason}))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = PEERS[args.peer](
        args.corpus, args.threshold, args.num_perm, args.ngram_size, args.bands
    )
    pairs = result.pop("pairs")
    counts = write_deduplicated(args.corpus, args.out / "deduplicated.jsonl", result["n"], pairs)
    seconds = time.perf_counter() - started
    line = {
        "system": args.peer,
        "docs": result.pop("n"),
        "job_seconds": round(seconds, 3),
        "candidates": result.pop("candidates"),
        "pairs": len(pairs),
        **counts,
        **result,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
