"""Speed of a full ``copytrace scan`` beside the same job written with datasketch, rensa and
text-dedup.

One corpus, one run, every system in a fresh process (so its wall time and peak memory are
its own), one worker each (``RAYON_NUM_THREADS``, ``OMP_NUM_THREADS`` and friends set to 1;
``OMP_NUM_THREADS`` also caps pyarrow's thread pool):

- ``copytrace``: ``copytrace scan CORPUS --out DIR -q``, the real user path with the default
  outputs (pairs, clusters, alignments, deduplicated corpus, summary; ``-q`` only silences
  the progress bar on stderr);
- ``copytrace (dedup only)``: the same with ``--no-align --no-partial``, the like-for-like
  job of the peers (near-duplicates, clusters, deduplicated corpus);
- ``datasketch`` and ``rensa`` (:mod:`peers`): read the file, lower-cased ``\\w+`` words,
  5-shingles, MinHash with 128 permutations, LSH at 0.8, candidate pairs checked against
  their MinHash estimate, components, deduplicated corpus as JSON Lines;
- ``text-dedup`` (:mod:`textdedup_peer`): text-dedup 0.4.0's own MinHash CLI
  (``python -m text_dedup.minhash --path json --data_files CORPUS --split train --column
  text --num_proc 1 --threshold 0.8 --num_perm 128 --ngram 5 --min_length 0 --hash_func
  xxh3``, offline, fresh datasets cache): JSON Lines to an Arrow dataset, per-document numpy
  MinHash (``re.split(r"\\W")`` tokens, 5-grams, xxh3), 9x13 bands into dicts, every band
  collision a duplicate (no check of the estimate), text-dedup's union-find, deduplicated
  corpus written with ``save_to_disk``. It runs in the Python of its own virtual environment
  (its pins conflict with this one's), made on first use under
  ``benchmarks/.cache/text-dedup-0.4.0-py311/`` (``python -m venv``, ``pip install
  text-dedup==0.4.0``: a logged step of a minute or more, about 1.4 GB) and reused after;
  if that fails its line says ``skipped`` and why. Only runs that name text-dedup (the
  default peers do) make it; ``--smoke`` with the default peers, ``--no-venv`` or
  ``COPYTRACE_BENCH_NO_VENV=1`` run it only if the venv is already made.

Threshold 0.8, 128 permutations and 5-word shingles for all. The corpus is ``--docs`` short
documents (mean ~171 words) assembled from real sentences with planted near-duplicates (see
:mod:`scale` for how), cached under ``benchmarks/.cache/``. Prints one JSON line per system
(``system``, ``docs``, ``seconds``, ``docs_per_second``, ``peak_rss_mb``, ``candidates``,
``pairs``, ``clusters``, ``kept``; text-dedup has no pairs but its ``edges`` and its own
phase timings) and a last line with the ratios copytrace/peer of documents per second.

    python benchmarks/speed.py                       # 100,000 documents, all peers
    python benchmarks/speed.py --smoke               # 2,000 documents, for CI
    python benchmarks/speed.py --docs 20000 --peers rensa --repeat 3
    python benchmarks/speed.py --docs 20000 --peers text-dedup,datasketch --only-peers
    python benchmarks/speed.py --only-copytrace
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import peers  # noqa: E402
import scale  # noqa: E402

log = logging.getLogger("speed")

DEFAULT_DOCS = 100_000
SMOKE_DOCS = 2_000
MEAN_WORDS = 171
COPY_FRACTION = 0.05
SEED = 0
#: bump when the corpus generator changes, so stale cached corpora are not reused
CORPUS_VERSION = 3
CACHE_DIR = _HERE / ".cache"
ALL_PEERS = ("datasketch", "rensa", "text-dedup")

#: one worker for every system: thread pools of numpy's BLAS, OpenMP and Rust's rayon at 1
ONE_WORKER_ENV = {
    "RAYON_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
}

#: set to 1 (e.g. in CI) to never make text-dedup's virtual environment
NO_VENV_ENV = "COPYTRACE_BENCH_NO_VENV"

COPYTRACE = "copytrace"
COPYTRACE_DEDUP = "copytrace (dedup only)"


def cached_corpus(docs: int, cache_dir: Path = CACHE_DIR) -> tuple[Path, dict[str, Any]]:
    """The corpus file of ``docs`` documents, written once and reused; and how it was made."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    # the cache never goes into git, whatever the repository's ignore rules say
    ignore = cache_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    stem = f"speed-v{CORPUS_VERSION}-{docs}-w{MEAN_WORDS}-c{COPY_FRACTION}-s{SEED}"
    path = cache_dir / f"{stem}.jsonl"
    info_path = cache_dir / f"{stem}.info.json"
    if path.is_file() and info_path.is_file():
        log.info("reusing %s", path)
        return path, json.loads(info_path.read_text(encoding="utf-8"))
    log.info("writing %d documents to %s", docs, path)
    partial = path.with_suffix(".tmp")
    stats = scale.write_corpus(
        partial,
        docs,
        MEAN_WORDS,
        COPY_FRACTION,
        SEED,
        planted_path=cache_dir / f"{stem}.planted.jsonl",
    )
    partial.replace(path)
    info = stats.describe(MEAN_WORDS)
    info["bytes"] = stats.bytes
    info_path.write_text(json.dumps(info), encoding="utf-8")
    return path, info


def run_copytrace(name: str, corpus: Path, out: Path, extra: Sequence[str]) -> dict[str, Any]:
    """One ``copytrace scan`` in a fresh process: time, peak memory, counts from its summary."""
    if out.exists():
        shutil.rmtree(out)
    command = [*scale.copytrace_command(), "scan", str(corpus), "--out", str(out), "-q", *extra]
    measured = _measured(command)
    if measured.returncode != 0:
        return {"system": name, "error": _error(measured)}
    stats = json.loads((out / "summary.json").read_text(encoding="utf-8"))["stats"]
    return {
        "system": name,
        "docs": stats["documents"],
        "seconds": measured.seconds,
        "peak_rss_mb": measured.peak_rss_mb,
        "candidates": stats.get("candidates"),
        "pairs": stats.get("pairs"),
        "clusters": stats.get("clusters"),
        "kept": stats.get("kept"),
        "bands": stats.get("bands"),
        "rows": stats.get("rows"),
        "version": _version("copytrace"),
        "command": "copytrace scan CORPUS --out DIR -q" + "".join(f" {a}" for a in extra),
    }


def run_peer(
    name: str, start: Sequence[str], corpus: Path, out: Path, bands: int | None = None
) -> dict[str, Any]:
    """One peer job in a fresh process, started with ``start`` (:func:`peers.command`);
    ``bands`` overrides its banding."""
    if out.exists():
        shutil.rmtree(out)
    command = [*start, str(corpus), str(out)]
    if bands:
        command += ["--bands", str(bands)]
    measured = _measured(command, peers.environment(name, os.environ))
    if measured.returncode != 0:
        return {"system": name, "error": _error(measured)}
    reported = json.loads(measured.stdout.strip().splitlines()[-1])
    reported.pop("system")
    docs = reported.pop("docs")
    package_version = reported.pop(name, None)
    return {
        "system": name,
        "docs": docs,
        "seconds": measured.seconds,
        "peak_rss_mb": measured.peak_rss_mb,
        **reported,
        "version": package_version,
    }


def _measured(command: Sequence[str], env: Mapping[str, str] | None = None) -> scale.Measured:
    return scale.run_measured(
        command, env={**(os.environ if env is None else env), **ONE_WORKER_ENV}
    )


def _error(measured: scale.Measured) -> str:
    tail = (measured.stderr or measured.stdout).strip().splitlines()[-3:]
    return f"exited {measured.returncode}: " + " | ".join(tail)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def finish(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One system's line from its repeats: the fastest run, every run's seconds, top memory."""
    ok = [r for r in runs if "seconds" in r]
    if not ok:
        return runs[-1]
    best = dict(min(ok, key=lambda r: r["seconds"]))
    best["seconds"] = round(best["seconds"], 3)
    best["docs_per_second"] = round(best["docs"] / best["seconds"], 1)
    best["peak_rss_mb"] = round(max(r["peak_rss_mb"] for r in ok), 1)
    if len(ok) > 1:
        best["runs_seconds"] = [round(r["seconds"], 3) for r in ok]
    order = ["system", "docs", "seconds", "docs_per_second", "peak_rss_mb"]
    return {key: best[key] for key in order} | {k: v for k, v in best.items() if k not in order}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents in the corpus")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_DOCS} documents, for CI")
    parser.add_argument(
        "--peers", help=f"comma list of peers (default: all, {','.join(ALL_PEERS)})"
    )
    parser.add_argument("--only-copytrace", action="store_true", help="run no peer")
    parser.add_argument("--only-peers", action="store_true", help="run no copytrace")
    parser.add_argument(
        "--no-venv",
        action="store_true",
        help="never make text-dedup's virtual environment (run it only if already made); "
        f"also {NO_VENV_ENV}=1 and --smoke without --peers",
    )
    parser.add_argument(
        "--peer-bands",
        type=int,
        help="LSH bands for every peer (rows = 128 // bands; default: each library's own "
        "choice for 0.8, datasketch 9x13, rensa 16x8)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each system; best kept")
    parser.add_argument("--corpus", type=Path, help="use this JSON Lines corpus instead")
    parser.add_argument("--workdir", type=Path, help="where the systems' outputs go")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    docs = SMOKE_DOCS if args.smoke else args.docs
    if args.corpus:
        corpus, info = args.corpus, {"how": f"given: {args.corpus}"}
    else:
        corpus, info = cached_corpus(docs)
    names = [] if args.only_peers else [COPYTRACE, COPYTRACE_DEDUP]
    if names:
        scale.prepare_copytrace()
    starts: dict[str, list[str] | None] = {}
    skipped: dict[str, str] = {}
    if not args.only_copytrace:
        wanted = [p.strip() for p in (args.peers or ",".join(ALL_PEERS)).split(",") if p.strip()]
        names += wanted
        # text-dedup's venv is made here, once, when text-dedup is asked for (not in CI)
        create = not (
            args.no_venv or os.environ.get(NO_VENV_ENV) or (args.smoke and args.peers is None)
        )
        for name in wanted:
            start, reason = peers.command(name, create=create)
            starts[name] = start
            if start is None:
                skipped[name] = reason or "cannot run"
                log.info("%s: skipped: %s", name, skipped[name])
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="copytrace-speed-"))
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    try:
        # round-robin over the systems, so that drift on a shared machine hits all alike
        for attempt in range(max(1, args.repeat)):
            for name in names:
                out = workdir / name.replace(" ", "_").replace("(", "").replace(")", "")
                log.info("run %d: %s", attempt + 1, name)
                if name == COPYTRACE:
                    result = run_copytrace(name, corpus, out, [])
                elif name == COPYTRACE_DEDUP:
                    result = run_copytrace(name, corpus, out, ["--no-align", "--no-partial"])
                elif name in skipped:
                    result = {"system": name, "skipped": skipped[name]}
                else:
                    start = starts[name]
                    assert start is not None
                    result = run_peer(name, start, corpus, out, args.peer_bands)
                if "seconds" in result:
                    log.info("%s: %.2fs, %.0f MB", name, result["seconds"], result["peak_rss_mb"])
                runs[name].append(result)
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)

    lines = {name: finish(results) for name, results in runs.items()}
    for line in lines.values():
        print(json.dumps(line), flush=True)
    rates = {name: line["docs_per_second"] for name, line in lines.items() if "seconds" in line}
    ratios: dict[str, float] = {}
    for mine in (COPYTRACE, COPYTRACE_DEDUP):
        for peer, rate in rates.items():
            if mine in rates and peer not in (COPYTRACE, COPYTRACE_DEDUP):
                ratios[f"{mine}/{peer}"] = round(rates[mine] / rate, 2)
    summary: dict[str, Any] = {
        "ratios": ratios,
        "docs": docs,
        "params": {"threshold": 0.8, "num_perm": 128, "ngram_size": 5, "workers": 1},
        "corpus": {"file": corpus.name, **info},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    if COPYTRACE in rates:
        targets = {}
        if "datasketch" in rates:
            targets["copytrace >= 10x datasketch"] = ratios[f"{COPYTRACE}/datasketch"] >= 10
        if "rensa" in rates:
            targets["copytrace faster than rensa"] = ratios[f"{COPYTRACE}/rensa"] > 1
        summary["targets"] = targets
    print(json.dumps(summary), flush=True)
    return 0 if all("error" not in line for line in lines.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
