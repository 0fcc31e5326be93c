"""Fingerprinting alone, one core: copytrace's batch kernels beside datasketch's and rensa's
MinHash, on the same texts, in one process, as a ratio (DESIGN.md's bar: at least 20x
datasketch, at least as fast as rensa).

For each system, the time from the texts (already in memory) to MinHash signatures with
128 permutations over word 5-shingles, best of ``--repeat`` runs:

- ``copytrace``: ``fingerprint_batch_with_shingles`` over 4 MB batches, which does more
  than the peers: Unicode folding, the ordered shingles kept for verification, the
  signature, the folded-text digest and the winnowed anchors for partial copies;
- ``datasketch``: lower-cased ``\\w+`` words, their 5-shingles as UTF-8 (``peers.shingles``)
  and ``MinHash.generator`` (its bulk path);
- ``rensa``: the same shingles and ``RMinHash.from_token_sets`` (hashing in Rust).

The texts are the first ``--docs`` documents of the speed corpus (``speed.py``'s, cached
under ``benchmarks/.cache/``). Prints one JSON line: microseconds per document for each and
the ratios.

    python benchmarks/fingerprint_speed.py              # 20,000 documents
    python benchmarks/fingerprint_speed.py --docs 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import peers  # noqa: E402
import speed  # noqa: E402


def best_seconds(job: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs of ``job``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(texts: Sequence[str], repeat: int) -> dict[str, Any]:
    """Microseconds per document of each system on ``texts``, and the ratios."""
    from copytrace.config import Config
    from copytrace.fingerprint import Permutations, fingerprint_batch_with_shingles, text_batches

    config = Config()
    permutations = Permutations.from_seed(config.num_perm, config.seed)
    batches = [texts[s:e] for s, e in text_batches([len(t) for t in texts])]
    fingerprint_batch_with_shingles(texts[:10], config, permutations)  # compiled code loaded
    seconds = {
        "copytrace": best_seconds(
            lambda: [fingerprint_batch_with_shingles(b, config, permutations) for b in batches],
            repeat,
        )
    }
    if peers.available("datasketch") is None:
        from datasketch import MinHash

        def datasketch_job() -> object:
            encoded = ([s.encode("utf-8") for s in peers.shingles(t)] for t in texts)
            return list(MinHash.generator(encoded, num_perm=config.num_perm))

        seconds["datasketch"] = best_seconds(datasketch_job, repeat)
    if peers.available("rensa") is None:
        from rensa import RMinHash

        def rensa_job() -> object:
            sets = (list(peers.shingles(t)) for t in texts)
            return RMinHash.from_token_sets(sets, config.num_perm, 42)

        seconds["rensa"] = best_seconds(rensa_job, repeat)
    n = len(texts)
    line: dict[str, Any] = {"docs": n, "repeat": repeat}
    for name, value in seconds.items():
        line[f"{name}_us_per_doc"] = round(value / n * 1e6, 2)
    for name in ("datasketch", "rensa"):
        if name in seconds:
            line[f"copytrace/{name}"] = round(seconds[name] / seconds["copytrace"], 1)
    return line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents fingerprinted")
    parser.add_argument("--repeat", type=int, default=3, help="runs per system (best kept)")
    args = parser.parse_args(argv)
    corpus, _ = speed.cached_corpus(max(args.docs, speed.SMOKE_DOCS))
    with corpus.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for _, line in zip(range(args.docs), lines, strict=False)]
    print(json.dumps(measure(texts, args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
