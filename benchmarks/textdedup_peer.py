"""text-dedup's MinHash deduplication, run with text-dedup's own code in its own virtual env.

text-dedup (https://github.com/ChenghaoMou/text-dedup) cannot live in this project's
environment: its wheel (0.4.0, the latest) pins ``urllib3<=2.0`` and ``rich<14`` and pulls
pyspark, datasets, unisim, sphinxcontrib-bibtex and more. So it gets a virtual environment of
its own, made once and cached under ``benchmarks/.cache/`` (git-ignored):

- ``python -m venv benchmarks/.cache/text-dedup-0.4.0-py311`` (the Python running the
  benchmark), then ``pip install text-dedup==0.4.0`` with its full declared dependency set
  (about 1.4 GB, pyspark included, ~1 minute), under a constraints file that pins the
  packages of the MinHash path (datasets, numpy, pyarrow, xxhash, ...) to the versions this
  benchmark was checked with; then ``import text_dedup.minhash`` is checked (offline) and
  ``ready.json`` written with the installed versions. Only a venv with ``ready.json`` is
  reused; a failed install is reported (``skipped`` with pip's last line), never raised.

The job (``run``, executed by the venv's Python in a fresh process) is text-dedup's MinHash
CLI, ``python -m text_dedup.minhash``, called in-process through its click command with the
arguments of its README example adapted to a local file and to this benchmark::

    --path json --data_files CORPUS --split train --column text
    --cache_dir OUT/hf-cache --output OUT/deduplicated --num_proc 1
    --threshold 0.8 --num_perm 128 --ngram 5 --min_length 0 --hash_func xxh3

with ``HF_DATASETS_OFFLINE=1``, ``HF_HUB_OFFLINE=1`` and ``HF_HOME=OUT/hf-home`` (no hub
access, nothing outside OUT; a fresh datasets cache every run, so nothing is reused from an
earlier run). What that does, all text-dedup's code (``text_dedup/minhash.py``):

1. ``load_dataset("json", data_files=CORPUS)``: the JSON Lines file converted to an Arrow
   table in the cache, then an ``__index__`` column added (``Dataset.map``) and a
   ``--min_length`` filter (0: keep every document; its default 5 would drop documents of
   fewer than 5 tokens from the output, which the other systems never do);
2. ``Dataset.map(embed_func)`` (one document per call, text-dedup's only path; there is no
   batched variant): tokens are ``re.split(r"\\W", text.lower())``, word 5-grams of them
   joined by spaces (a text of fewer tokens gives one n-gram of all), the set of their UTF-8
   bytes hashed with ``xxh3_64 & 0xFFFFFFFF`` (``--hash_func xxh3``, which its help calls
   faster than the default sha1), 128 universal hashes ``(a*x + b) mod (2^61 - 1) & (2^32 -
   1)`` in numpy ``uint64`` (its default ``--hash_bits 64``), minimum per column; the
   signature is cut into bands, each band's bytes one bucket key;
3. LSH: the bands are ``optimal_param(0.8, 128)`` (datasketch's optimum, 9 bands x 13 rows,
   like the datasketch peer; ``--bands`` overrides), one ``dict`` of buckets per band; every
   bucket of two or more documents links each of them to its smallest index in text-dedup's
   ``UnionFind`` (union by rank, path compression). No candidate pair is checked against its
   MinHash estimate: every band collision is a duplicate;
4. a ``Dataset.map`` writes each document's union-find root, a ``Dataset.filter`` keeps the
   documents that are their own root, and ``save_to_disk`` writes the deduplicated corpus
   (Arrow, columns ``id`` and ``text``) to ``OUT/deduplicated``; the datasets cache files are
   then removed (its ``--clean_cache`` default).

Differences from the other peers' job, which are text-dedup's own: tokens are the pieces
between single non-word characters, so two adjacent non-word characters (", ", ". ") give an
empty token, and n-grams across punctuation differ from those of ``\\w+`` words (which only
changes which near-duplicates sit at the threshold); band collisions are not verified
(pairs under 0.8 that share a band are merged); the document kept from a component is its
union-find root, which is not the earliest (``union(x, smallest)`` on equal ranks makes ``x``
the root: on the 20,000-document corpus no component kept its earliest document); the output
is an Arrow dataset, not JSON Lines.
text-dedup reports no pairs: ``edges`` is its own "Number of edges" (distinct (document,
smallest document of its bucket) links, self-links included); ``clusters`` (components of
two or more) and ``kept`` are counted from its union-find after the run.

    python benchmarks/textdedup_peer.py setup              # make the venv, print its python
    VENV/bin/python benchmarks/textdedup_peer.py run CORPUS OUT [--bands 16]

``run`` prints one JSON line on stdout like :mod:`peers` (text-dedup's log goes to stderr).
This file imports only the standard library at the top: the main environment imports it to
make the venv, the venv runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

log = logging.getLogger("speed.text-dedup")

VERSION = "0.4.0"
CACHE_DIR = Path(__file__).resolve().parent / ".cache"
#: one venv per text-dedup version and Python minor version
VENV_DIR = CACHE_DIR / f"text-dedup-{VERSION}-py{sys.version_info[0]}{sys.version_info[1]}"
READY = "ready.json"
PIP_LOG = "pip-install.log"
INSTALL_TIMEOUT_S = 1800
#: the packages on the MinHash path, at the versions this benchmark was checked with (the rest
#: of text-dedup's dependencies are resolved freely; pip picks urllib3 1.26 for its pin)
CONSTRAINTS = (
    "datasets==5.2.0",
    "huggingface-hub==2.4.0",
    "numpy==2.4.6",
    "pyarrow==26.0.1",
    "xxhash==4.1.0",
    "scipy==1.17.1",
    "click==8.5.1",
    "click-option-group==0.5.9",
    "rich==13.9.4",
    "tqdm==4.70.1",
    "pandas==3.1.1",
    "dill==0.4.1",
    "multiprocess==0.70.19",
    "fsspec==2026.9.0",
)
#: the versions reported with the results
REPORTED = ("text-dedup", "datasets", "numpy", "pyarrow", "xxhash")
#: no model or data hub at run time
OFFLINE_ENV = {
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}

THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 5

_CHECK = """
import json, sys
from importlib.metadata import version
import text_dedup.minhash
print(json.dumps({name: version(name) for name in sys.argv[1:]}))
"""


# ---------------------------------------------------------------------------------------------
# the virtual environment (runs in the main environment)


def python_of(venv: Path = VENV_DIR) -> Path:
    return venv / "bin" / "python"


def ready(venv: Path = VENV_DIR) -> Path | None:
    """The venv's Python when the venv was made and checked, else ``None``."""
    if (venv / READY).is_file() and python_of(venv).exists():
        return python_of(venv)
    return None


def job_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment of the venv's Python: offline, nothing from the caller's path."""
    env = {k: v for k, v in base.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return env | OFFLINE_ENV


def ensure_venv(create: bool = True, venv: Path = VENV_DIR) -> tuple[Path | None, str | None]:
    """The venv's Python, made on first use (logged); or ``None`` and why it cannot run."""
    python = ready(venv)
    if python is not None:
        log.info("text-dedup: reusing its virtual environment %s", venv)
        return python, None
    if not create:
        return None, (
            f"its virtual environment ({venv}) is not made and this run does not make it "
            "(--smoke without --peers, --no-venv or COPYTRACE_BENCH_NO_VENV); run "
            "`python benchmarks/speed.py --peers text-dedup` once to make it"
        )
    try:
        return _create(venv), None
    except _SetupError as failure:
        log.warning("text-dedup: %s", failure)
        return None, str(failure)
    except (OSError, subprocess.SubprocessError) as failure:
        log.warning("text-dedup: making its virtual environment failed: %s", failure)
        return None, f"making its virtual environment failed: {failure}"


class _SetupError(Exception):
    pass


def _create(venv: Path) -> Path:
    log.info(
        "text-dedup: making its virtual environment %s, once (python -m venv; pip install "
        "text-dedup==%s with its dependencies, about 1.4 GB and a minute or more); later runs "
        "reuse it",
        venv,
        VERSION,
    )
    started = time.perf_counter()
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    ignore = venv.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, check=False
    )
    if made.returncode != 0:
        raise _SetupError(f"python -m venv failed: {_last_line(made.stderr or made.stdout)}")
    python = python_of(venv)
    constraints = venv / "constraints.txt"
    constraints.write_text("\n".join(CONSTRAINTS) + "\n", encoding="utf-8")
    pip_log = venv / PIP_LOG
    command = [
        str(python),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
        "-c",
        str(constraints),
        f"text-dedup=={VERSION}",
    ]
    log.info("text-dedup: %s (log: %s)", " ".join(command[1:]), pip_log)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_USER")}
    with pip_log.open("w", encoding="utf-8") as out:
        installed = subprocess.run(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
        )
    if installed.returncode != 0:
        tail = _last_line(pip_log.read_text(encoding="utf-8", errors="replace"))
        raise _SetupError(
            f"pip install text-dedup=={VERSION} failed (exit {installed.returncode}): {tail} "
            f"(full log: {pip_log})"
        )
    checked = subprocess.run(
        [str(python), "-c", _CHECK, *REPORTED],
        capture_output=True,
        text=True,
        env=job_env(os.environ),
        cwd=venv,
        check=False,
    )
    if checked.returncode != 0:
        raise _SetupError(
            f"text-dedup=={VERSION} installed but `import text_dedup.minhash` fails: "
            f"{_last_line(checked.stderr)}"
        )
    versions = json.loads(checked.stdout.strip().splitlines()[-1])
    (venv / READY).write_text(json.dumps(versions) + "\n", encoding="utf-8")
    log.info(
        "text-dedup: virtual environment ready in %.0fs: %s",
        time.perf_counter() - started,
        ", ".join(f"{k} {v}" for k, v in versions.items()),
    )
    return python


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


# ---------------------------------------------------------------------------------------------
# the job (runs in the venv)


class _Collect(logging.Handler):
    """Keeps text-dedup's log messages (its counts and timings) and echoes them to stderr."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        self.messages.append(message)
        print(f"text-dedup: {message}", file=sys.stderr)


_LOGGED = re.compile(r"^(?P<key>[^:]+?)\s*:\s*(?P<value>\d+(?:\.\d+)?)s?$")


def run_job(
    corpus: Path, out: Path, threshold: float, num_perm: int, ngram: int, bands: int | None
) -> dict[str, Any]:
    """text-dedup's MinHash CLI on ``corpus``; its counts, timings and versions."""
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update(OFFLINE_ENV)
    os.environ["HF_HOME"] = str(out / "hf-home")
    import datasets
    import text_dedup
    import text_dedup.minhash as minhash

    datasets.disable_progress_bars()  # the analogue of copytrace's -q
    collect = _Collect()
    text_dedup.logger.handlers = [collect]  # its RichHandler would print to stdout
    arguments = [
        "--path", "json", "--data_files", str(corpus), "--split", "train", "--column", "text",
        "--cache_dir", str(out / "hf-cache"), "--output", str(out / "deduplicated"),
        "--num_proc", "1", "--threshold", str(threshold), "--num_perm", str(num_perm),
        "--ngram", str(ngram), "--min_length", "0", "--hash_func", "xxh3",
    ]  # fmt: skip
    if bands:
        arguments += ["--b", str(bands), "--r", str(num_perm // bands)]
    started = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        minhash.main.main(args=arguments, standalone_mode=False)
    seconds = time.perf_counter() - started

    logged: dict[str, float] = {}
    for message in collect.messages:
        found = _LOGGED.match(message.strip())
        if found:
            logged[found["key"].strip()] = float(found["value"])
    # components from its union-find (every document was looked up in it by the filtering map)
    uf = minhash.uf
    sizes: dict[int, int] = {}
    for x in list(uf.parent):
        root = uf.find(x)
        sizes[root] = sizes.get(root, 0) + 1
    docs = int(logged.get("Before", 0))
    merged = sum(size - 1 for size in sizes.values())
    used_bands, rows = (bands, num_perm // bands) if bands else _optimal(threshold, num_perm)
    phases = ("Loading", "MinHashing", "Clustering", "Filtering", "Saving", "Cleaning")
    return {
        "n": docs,
        "job_seconds": seconds,
        "candidates": None,
        "pairs": None,
        "edges": int(logged["Number of edges"]) if "Number of edges" in logged else None,
        "clusters": sum(1 for size in sizes.values() if size > 1),
        "kept": int(logged["After"]) if "After" in logged else docs - merged,
        "bands": used_bands,
        "rows": rows,
        "phases_seconds": {p: logged[p] for p in phases if p in logged},
        "output": "Arrow dataset (save_to_disk)",
        **{name: _version(name) for name in REPORTED},
    }


def _optimal(threshold: float, num_perm: int) -> tuple[int, int]:
    from text_dedup.utils import optimal_param

    bands, rows = optimal_param(threshold, num_perm, 0.5, 0.5)
    return int(bands), int(rows)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup", help="make the virtual environment (once) and print its python")
    run = commands.add_parser("run", help="the job, in the venv's python")
    run.add_argument("corpus", type=Path, help="JSON Lines with id and text")
    run.add_argument("out", type=Path, help="folder for the deduplicated dataset")
    run.add_argument("--threshold", type=float, default=THRESHOLD)
    run.add_argument("--num-perm", type=int, default=NUM_PERM)
    run.add_argument("--ngram-size", type=int, default=NGRAM)
    run.add_argument("--bands", type=int, help="LSH bands (rows = num_perm // bands)")
    args = parser.parse_args(argv)

    if args.command == "setup":
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        python, reason = ensure_venv()
        if python is None:
            print(json.dumps({"system": "text-dedup", "skipped": reason}))
            return 1
        print(python)
        return 0
    result = run_job(
        args.corpus.resolve(),
        args.out.resolve(),
        args.threshold,
        args.num_perm,
        args.ngram_size,
        args.bands,
    )
    line = {
        "system": "text-dedup",
        "docs": result.pop("n"),
        "job_seconds": round(result.pop("job_seconds"), 3),
        **result,
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
