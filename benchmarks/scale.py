"""Scale run: N news-length documents assembled from real sentences, one ``copytrace scan``.

How the corpus is made (also printed in the result, ``corpus``): the texts of the shared data
(Reuters-21578, BBC News, Wikipedia lead paragraphs and the PAN 2013 source/suspicious texts)
are split into sentences (long sentences and unpunctuated runs cut into pieces of at most 40
words, under the 50-word partial-copy minimum), exact repeats dropped. Documents are runs of
sentences taken from a shuffled stream of that pool, three or four sentences to a paragraph,
each as long as a length drawn from a gamma distribution (shape 2) around the asked mean; when
the pool runs out it is shuffled again, so a sentence comes back only after every other one
has been used, in a new neighbourhood. A share of the documents (``--copies``, 10 % by
default) are planted copies of earlier documents, made with the edits of :mod:`corpus` (word
edits at 1-20 %, page furniture added or removed, typography, truncation, and combinations),
sources drawn uniformly from the documents written so far (reservoir sample). Everything
streams: the corpus is written line by line and never held in memory.

No real corpus of a million news articles is available here, and the pool holds about 6.8M
words: a sentence of it appears in about ``reuse`` documents (printed; ~2.5 at 100,000 x 171
words, ~70 at 1,000,000 x 500). Such uniform reuse is harsher than real news on the
passage-level stage (every sentence is a passage shared by ``reuse`` documents, around
``--max-anchor-df``), and harmless for the document-level one (assembled documents stay far
apart in Jaccard).

The scan runs as ``copytrace scan CORPUS --out DIR -q`` in a fresh process; its wall time and
peak resident memory (``wait4`` of that process) are measured. Then ``--sample`` documents,
drawn uniformly, are checked by brute force: every document of the corpus sharing a word
5-shingle with a sampled one is found through an inverted index of the sample's shingles
(streaming over the corpus, 64-bit shingle hashes), and every pair whose hashed Jaccard is
near the threshold is recomputed exactly on word tuples (words are
``copytrace.normalize.words``, the engine's own tokenizer). Pairs at exact Jaccard >= the
threshold are the truth; copytrace's ``pairs.jsonl`` lines that involve a sampled document
and carry ``jaccard`` >= the threshold are what it found.

    python benchmarks/scale.py 5000
    python benchmarks/scale.py 1000000 --workdir /tmp/scale --keep
    python benchmarks/scale.py 20000 --scan-args="--no-align --no-partial"
    python benchmarks/scale.py 100000 --reuse 73    # the make-up of the 1,000,000 corpus

One JSON line on stdout; progress on stderr.
"""

from __future__ import annotations

import argparse
import compileall
import json
import logging
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# Benchmarks are scripts, not a package; the sibling module is found next to this file.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import corpus  # noqa: E402

log = logging.getLogger("scale")

#: where the shared real text lives
DATA_DIR = corpus.DEFAULT_DATA_DIR
#: the folders whose texts make up the sentence pool
SENTENCE_SOURCES: tuple[str, ...] = (
    "reuters21578",
    "bbc",
    "wiki_vital_summaries",
    "pan13_subset_noisy",
)
#: sentences longer than this (tables, unpunctuated runs) are cut into pieces of this size:
#: under copytrace's 50-word partial-copy minimum, so that a sentence reused in another
#: document (a pool of ~6.8M words cannot fill 100,000 x 171 words without reuse) is never by
#: itself a partial copy; two pieces meet again in the same order only by chance
MAX_SENTENCE_WORDS = 40
#: pieces shorter than this (sign-offs, stray numbers) are left out of the pool
MIN_SENTENCE_WORDS = 4
#: shortest assembled document, in words
MIN_DOC_WORDS = 20
#: earlier documents kept as possible sources of planted copies
RESERVOIR = 10_000
#: jaccard threshold and shingle size of the check (copytrace's defaults)
THRESHOLD = 0.8
NGRAM = 5
#: corpus documents tokenized and hashed together in the brute-force pass
EVAL_BATCH = 2000
#: hashed-Jaccard margin under the threshold inside which pairs are recomputed exactly
EXACT_MARGIN = 0.05

U64 = npt.NDArray[np.uint64]

_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n")


# ---------------------------------------------------------------------------------------------
# measuring a process


@dataclass(frozen=True, slots=True)
class Measured:
    """Wall time, peak resident memory and exit code of one child process."""

    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


#: started by :func:`run_measured` in a fresh interpreter: spawns the command, waits for it
#: with ``wait4`` and writes its wall time and peak RSS to the file named first
_LAUNCHER = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"seconds": seconds, "maxrss_kb": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(
    command: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> Measured:
    """Run ``command`` in a fresh process; its wall time and its own peak RSS.

    A small launcher process spawns the command and reads its resources with ``wait4``:
    on Linux a process's peak RSS starts from that of the process it was forked from (the
    memory image replaced by ``exec`` counts), so the command is spawned from a bare
    interpreter (about 10 MB), never from this one, which may hold a sentence pool. Each run
    gets its own peak, unlike ``RUSAGE_CHILDREN``, which keeps the largest child so far.
    """
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = Path(scratch) / "usage.json"
        launcher = [sys.executable, "-c", _LAUNCHER, str(report), *command]
        process = subprocess.run(launcher, cwd=cwd, env=env, stdout=out, stderr=err, check=False)
        out.seek(0)
        err.seek(0)
        usage = json.loads(report.read_text()) if report.is_file() else {}
        return Measured(
            usage.get("seconds", float("nan")),
            usage.get("maxrss_kb", 0) / 1024,  # ru_maxrss is in kilobytes on Linux
            process.returncode,
            out.read(),
            err.read(),
        )


def prepare_copytrace() -> None:
    """Compile copytrace ahead of time as an installed copy of it is, so that no timed run
    pays for compiling:

    - its kernels, as the program's first command on a machine does (about 20 s, once per
      version of their source; see :mod:`copytrace.aot`); the runs then use them only (a
      kernel called with arguments it does not declare is an error, not a silent JIT
      compile);
    - its modules' bytecode, which pip writes as it installs a package (the peers' too) but
      an editable checkout only gets as it is imported, and never under
      ``PYTHONDONTWRITEBYTECODE`` (set in many containers): compiling copytrace's 40 modules
      from source adds about 0.06 s to every command.
    """
    import copytrace
    from copytrace import aot

    if aot.build(lambda line: log.info("%s", line)):
        os.environ[aot.MODE_VARIABLE] = "aot"
    compileall.compile_dir(Path(copytrace.__file__).parent, quiet=1)


def copytrace_command() -> list[str]:
    """The ``copytrace`` console script of this interpreter's environment (beside it, where
    pip puts it), else the one on the ``PATH``, else the same entry point through this
    interpreter. The script beside the interpreter comes first because the peers are started
    with this interpreter directly: a version manager's shim found first on the ``PATH``
    (pyenv's is a shell script that runs ``pyenv exec``) adds 0.05 to 0.07 s to every run."""
    beside = Path(sys.executable).with_name("copytrace")
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    script = shutil.which("copytrace")
    if script:
        return [script]
    return [sys.executable, "-m", "copytrace"]


# ---------------------------------------------------------------------------------------------
# the sentence pool and the assembled corpus


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, whitespace folded; long runs cut, short scraps dropped.

    Lengths are counted in ``\\w+`` words (``69.72`` is two), the unit of word shingles, so a
    piece never holds more than :data:`MAX_SENTENCE_WORDS` shingle words.
    """
    out: list[str] = []
    for piece in _SENTENCE_END.split(text):
        chunk: list[str] = []
        size = 0
        for token in piece.split():
            words = len(_WORD.findall(token))
            if chunk and size + words > MAX_SENTENCE_WORDS:
                if size >= MIN_SENTENCE_WORDS:
                    out.append(" ".join(chunk))
                chunk, size = [], 0
            chunk.append(token)
            size += words
        if size >= MIN_SENTENCE_WORDS:
            out.append(" ".join(chunk))
    return out


@dataclass(slots=True)
class SentencePool:
    """Distinct real sentences, their word counts, and real headlines and words for edits."""

    sentences: list[str]
    words: npt.NDArray[np.int64]
    titles: list[str]
    vocabulary: list[str]
    sources: tuple[str, ...]

    @property
    def total_words(self) -> int:
        return int(self.words.sum())


def load_pool(data_dir: Path = DATA_DIR, sources: Sequence[str] = SENTENCE_SOURCES) -> SentencePool:
    """Read every source's ``docs.jsonl`` into a pool of distinct sentences, in file order."""
    if not data_dir.is_dir():
        raise corpus.DataMissingError(f"data folder {data_dir} not found (pass --data)")
    seen: dict[str, None] = {}
    titles: list[str] = []
    for source in sources:
        path = data_dir / source / "docs.jsonl"
        if not path.is_file():
            raise corpus.DataMissingError(f"{path} not found")
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                for sentence in split_sentences(record.get("text") or ""):
                    seen.setdefault(sentence)
                title = record.get("title")
                if title and len(titles) < 20_000:
                    titles.append(" ".join(str(title).split()))
    sentences = list(seen)
    words = np.fromiter((len(s.split()) for s in sentences), dtype=np.int64, count=len(sentences))
    vocabulary = [w for s in sentences[:20_000] for w in s.split() if w.isalpha()]
    return SentencePool(sentences, words, titles or ["Untitled"], vocabulary, tuple(sources))


def restrict_pool(pool: SentencePool, words: int, seed: int) -> SentencePool:
    """A random subset of the pool's sentences holding about ``words`` words (the whole pool
    if it holds fewer), so that a corpus of a given size reuses each sentence as often as a
    larger one does."""
    if pool.total_words <= words:
        return pool
    order = np.random.default_rng(seed).permutation(len(pool.sentences))
    taken = int(np.searchsorted(np.cumsum(pool.words[order]), words)) + 1
    chosen = np.sort(order[:taken])
    return SentencePool(
        [pool.sentences[i] for i in chosen.tolist()],
        pool.words[chosen],
        pool.titles,
        pool.vocabulary,
        pool.sources,
    )


@dataclass(slots=True)
class CorpusStats:
    """What was written: counts, sizes, and how the text was assembled."""

    docs: int = 0
    copies: int = 0
    bytes: int = 0
    words: int = 0
    pool_sentences: int = 0
    pool_words: int = 0
    sources: tuple[str, ...] = ()
    kinds: dict[str, int] = field(default_factory=dict)

    def describe(self, mean_words: int) -> dict[str, Any]:
        return {
            "how": (
                "documents assembled from a shuffled stream of distinct real sentences "
                f"(target mean {mean_words} words, gamma lengths, paragraphs of 3-4 sentences); "
                "planted copies of earlier documents made with benchmarks/corpus.py's edits"
            ),
            "sources": list(self.sources),
            "pool_sentences": self.pool_sentences,
            "pool_words": self.pool_words,
            "mean_words": round(self.words / max(self.docs, 1), 1),
            "reuse": round(self.words / max(self.pool_words, 1), 2),
            "copies": self.copies,
            "copies_by_kind": self.kinds,
        }


class Assembler:
    """Documents as runs of sentences from a reshuffled stream over the pool."""

    def __init__(self, pool: SentencePool, rng: np.random.Generator) -> None:
        self.pool = pool
        self.rng = rng
        self.order = rng.permutation(len(pool.sentences))
        self.position = 0

    def _next_sentence(self) -> int:
        if self.position == len(self.order):
            self.order = self.rng.permutation(len(self.pool.sentences))
            self.position = 0
        index = int(self.order[self.position])
        self.position += 1
        return index

    def document(self, target_words: int) -> str:
        """About ``target_words`` words: sentences are added while that stays nearer."""
        paragraphs: list[str] = []
        paragraph: list[str] = []
        count = 0
        per_paragraph = int(self.rng.integers(3, 5))
        while True:
            index = self._next_sentence()
            size = int(self.pool.words[index])
            if count and count + size / 2 > target_words:
                # put it back for the next document
                self.position -= 1
                break
            paragraph.append(self.pool.sentences[index])
            count += size
            if len(paragraph) == per_paragraph:
                paragraphs.append(" ".join(paragraph))
                paragraph = []
                per_paragraph = int(self.rng.integers(3, 5))
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        return "\n\n".join(paragraphs)


def generate(
    n: int,
    mean_words: int,
    copy_fraction: float,
    seed: int,
    pool: SentencePool,
    stats: CorpusStats,
) -> Iterator[tuple[str, str, tuple[str, str] | None]]:
    """``(id, text, planted)`` for ``n`` documents; ``planted`` is ``(source_id, kind)``.

    The first document is never a copy; after it, each position is a planted copy with
    probability ``copy_fraction``, of a document drawn from a uniform reservoir of the base
    documents written so far.
    """
    rng = np.random.default_rng(seed)
    edit_rng = random.Random(seed)
    assembler = Assembler(pool, rng)
    # corpus.py's edits (private helper: the same word pool and headline list it would use)
    edits = corpus._edits(pool.vocabulary, pool.titles)
    reservoir: list[tuple[str, str]] = []
    base_seen = 0
    stats.pool_sentences = len(pool.sentences)
    stats.pool_words = pool.total_words
    stats.sources = pool.sources
    for position in range(n):
        doc_id = f"d{position:07d}"
        if reservoir and rng.random() < copy_fraction:
            source_id, source_text = reservoir[int(rng.integers(len(reservoir)))]
            kind = corpus.KINDS[int(rng.integers(len(corpus.KINDS)))]
            text = corpus.apply_kind(kind, source_text, edit_rng, edits)
            stats.copies += 1
            stats.kinds[kind] = stats.kinds.get(kind, 0) + 1
            yield doc_id, text, (source_id, kind)
            continue
        target = max(MIN_DOC_WORDS, round(rng.gamma(2.0, mean_words / 2.0)))
        target = min(target, 6 * mean_words)
        text = assembler.document(target)
        base_seen += 1
        if len(reservoir) < RESERVOIR:
            reservoir.append((doc_id, text))
        else:
            slot = int(rng.integers(base_seen))
            if slot < RESERVOIR:
                reservoir[slot] = (doc_id, text)
        yield doc_id, text, None


def write_corpus(
    path: Path,
    n: int,
    mean_words: int,
    copy_fraction: float,
    seed: int = 0,
    pool: SentencePool | None = None,
    planted_path: Path | None = None,
) -> CorpusStats:
    """Stream ``n`` documents to ``path`` as JSON Lines (``id``, ``text``).

    Planted copies are listed in ``planted_path`` (``id``, ``planted_from``, ``kind``) when
    given; the corpus file itself carries only ids and texts, so every system reads the same.
    """
    pool = pool if pool is not None else load_pool()
    stats = CorpusStats()
    planted_out = planted_path.open("w", encoding="utf-8") if planted_path else None
    try:
        with path.open("w", encoding="utf-8") as out:
            for doc_id, text, planted in generate(n, mean_words, copy_fraction, seed, pool, stats):
                line = json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n"
                out.write(line)
                stats.docs += 1
                stats.bytes += len(line.encode("utf-8"))
                stats.words += len(text.split())
                if planted and planted_out:
                    record = {"id": doc_id, "planted_from": planted[0], "kind": planted[1]}
                    planted_out.write(json.dumps(record) + "\n")
                if stats.docs % 100_000 == 0:
                    log.info("written %d documents", stats.docs)
    finally:
        if planted_out:
            planted_out.close()
    return stats


# ---------------------------------------------------------------------------------------------
# brute-force check on a sample

_MULT = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: U64) -> U64:
    """64-bit finalizer (murmur3 fmix64): spreads the combined word hashes."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def word_hashes(tokens: Sequence[str]) -> U64:
    """Python's (per-process, 64-bit) string hash of every word."""
    return np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens)).view(np.uint64)


def shingle_keys(hashes: U64, ngram: int) -> U64:
    """Hashes of every run of ``ngram`` words (with repeats); one of all words if fewer."""
    n = hashes.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(ngram, n)
    count = n - k + 1
    acc = np.full(count, np.uint64(k), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for i in range(k):
            acc = acc * _MULT + hashes[i : i + count]
        return _mix(acc)


def exact_shingles(tokens: Sequence[str], ngram: int) -> set[tuple[str, ...]]:
    """The set of word ``ngram``-grams, exactly (one of all words if fewer)."""
    if not tokens:
        return set()
    if len(tokens) < ngram:
        return {tuple(tokens)}
    return {tuple(tokens[i : i + ngram]) for i in range(len(tokens) - ngram + 1)}


def exact_jaccard(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def iter_corpus(path: Path) -> Iterator[tuple[str, str]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            yield str(record["id"]), str(record.get("text") or "")


@dataclass(slots=True)
class Truth:
    """Exact pairs at or above the threshold that involve a sampled document."""

    sample_ids: list[str]
    pairs: dict[tuple[str, str], float]
    candidates_checked: int


def brute_force(
    path: Path, n: int, sample_size: int, seed: int, threshold: float = THRESHOLD
) -> Truth:
    """Exact Jaccard of ``sample_size`` random documents against the whole corpus."""
    from copytrace.normalize import words

    rng = random.Random(seed)
    positions = set(rng.sample(range(n), min(sample_size, n)))
    sample_ids: list[str] = []
    sample_tokens: list[list[str]] = []
    sample_keys: list[U64] = []
    for position, (doc_id, text) in enumerate(iter_corpus(path)):
        if position in positions:
            tokens = words(text)
            sample_ids.append(doc_id)
            sample_tokens.append(tokens)
            sample_keys.append(np.unique(shingle_keys(word_hashes(tokens), NGRAM)))
    sizes_s = np.array([k.shape[0] for k in sample_keys], dtype=np.int64)
    # inverted index of the sample's shingles: sorted distinct keys, CSR postings of samples
    all_keys = np.concatenate(sample_keys) if sample_keys else np.empty(0, np.uint64)
    owners = np.repeat(np.arange(len(sample_keys), dtype=np.int64), sizes_s)
    order = np.argsort(all_keys, kind="stable")
    all_keys, owners = all_keys[order], owners[order]
    keys, first = np.unique(all_keys, return_index=True)
    offsets = np.append(first, all_keys.shape[0]).astype(np.int64)
    exact_s = [exact_shingles(t, NGRAM) for t in sample_tokens]

    truth: dict[tuple[str, str], float] = {}
    checked = 0
    batch_ids: list[str] = []
    batch_tokens: list[list[str]] = []

    def flush() -> None:
        nonlocal checked
        per_doc = [np.unique(shingle_keys(word_hashes(t), NGRAM)) for t in batch_tokens]
        sizes_d = np.array([k.shape[0] for k in per_doc], dtype=np.int64)
        doc_keys = np.concatenate(per_doc) if per_doc else np.empty(0, np.uint64)
        docs = np.repeat(np.arange(len(per_doc), dtype=np.int64), sizes_d)
        if keys.shape[0] == 0 or doc_keys.shape[0] == 0:
            return
        where = np.searchsorted(keys, doc_keys)
        where[where == keys.shape[0]] = 0
        hit = keys[where] == doc_keys
        where, docs = where[hit], docs[hit]
        counts = offsets[where + 1] - offsets[where]
        total = int(counts.sum())
        if total == 0:
            return
        starts = np.repeat(offsets[where] - np.cumsum(counts) + counts, counts)
        samples = owners[starts + np.arange(total, dtype=np.int64)]
        pair_docs = np.repeat(docs, counts)
        code, shared = np.unique(pair_docs * len(sample_keys) + samples, return_counts=True)
        d, s = np.divmod(code, len(sample_keys))
        jac = shared / (sizes_d[d] + sizes_s[s] - shared)
        for i in np.flatnonzero(jac >= threshold - EXACT_MARGIN):
            doc_id, sample_id = batch_ids[d[i]], sample_ids[s[i]]
            if doc_id == sample_id:
                continue
            checked += 1
            value = exact_jaccard(exact_shingles(batch_tokens[d[i]], NGRAM), exact_s[s[i]])
            if value >= threshold - 1e-9:
                truth[pair_key(doc_id, sample_id)] = value

    for done, (doc_id, text) in enumerate(iter_corpus(path), start=1):
        batch_ids.append(doc_id)
        batch_tokens.append(words(text))
        if len(batch_ids) == EVAL_BATCH:
            flush()
            batch_ids, batch_tokens = [], []
        if done % 100_000 == 0:
            log.info("brute force: %d documents checked", done)
    flush()
    return Truth(sample_ids, truth, checked)


def pair_key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def found_pairs(
    pairs_path: Path, sample_ids: Sequence[str], threshold: float = THRESHOLD
) -> tuple[set[tuple[str, str]], int]:
    """copytrace's pairs at ``jaccard`` >= threshold that involve a sampled document, and
    the number of lines of the file."""
    sample = set(sample_ids)
    found: set[tuple[str, str]] = set()
    total = 0
    with pairs_path.open(encoding="utf-8") as lines:
        for line in lines:
            total += 1
            record = json.loads(line)
            a, b = str(record["a"]), str(record["b"])
            if (a in sample or b in sample) and float(record["jaccard"]) >= threshold - 1e-9:
                found.add(pair_key(a, b))
    return found, total


# ---------------------------------------------------------------------------------------------
# main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="documents in the corpus")
    parser.add_argument("--workdir", type=Path, help="where the corpus and the scan go")
    parser.add_argument("--keep", action="store_true", help="keep the corpus and scan output")
    parser.add_argument(
        "--scan-args", default="", help='extra arguments for scan, e.g. --scan-args="--no-align"'
    )
    parser.add_argument("--mean-words", type=int, default=500, help="mean document length")
    parser.add_argument("--copies", type=float, default=0.10, help="share of planted copies")
    parser.add_argument("--sample", type=int, default=2000, help="documents checked exactly")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared data folder")
    parser.add_argument("--corpus", type=Path, help="scan this corpus instead of writing one")
    parser.add_argument(
        "--reuse",
        type=float,
        help="draw from a share of the sentence pool such that each sentence appears in about "
        "this many documents (default: the whole pool, whatever reuse that gives); the same "
        "value at every N gives corpora of the same make-up, to compare cost per document",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="copytrace-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    corpus_path = args.corpus or workdir / f"corpus-{args.n}.jsonl"
    out_dir = workdir / "scan"
    result: dict[str, Any] = {"docs": args.n}
    prepare_copytrace()
    try:
        if args.corpus is None:
            started = time.perf_counter()
            log.info("writing %d documents to %s", args.n, corpus_path)
            pool = load_pool(args.data)
            if args.reuse:
                pool = restrict_pool(pool, round(args.n * args.mean_words / args.reuse), args.seed)
            stats = write_corpus(
                corpus_path,
                args.n,
                args.mean_words,
                args.copies,
                args.seed,
                pool,
                workdir / f"corpus-{args.n}.planted.jsonl",
            )
            corpus_info = stats.describe(args.mean_words)
            corpus_info["seconds"] = round(time.perf_counter() - started, 1)
        else:
            corpus_info = {"how": f"given: {corpus_path}"}
        size = corpus_path.stat().st_size
        docs = sum(1 for _ in corpus_path.open(encoding="utf-8"))
        if out_dir.exists():
            shutil.rmtree(out_dir)
        command = [
            *copytrace_command(),
            "scan",
            str(corpus_path),
            "--out",
            str(out_dir),
            "-q",
            *shlex.split(args.scan_args),
        ]
        log.info("running %s", shlex.join(command))
        run = run_measured(command)
        if run.returncode != 0:
            sys.stderr.write(run.stderr[-4000:])
            print(json.dumps({"docs": docs, "error": f"scan exited {run.returncode}"}))
            return 1
        log.info("scan: %.1fs, peak %.0f MB", run.seconds, run.peak_rss_mb)
        scan_stats = json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))["stats"]
        started = time.perf_counter()
        truth = brute_force(corpus_path, docs, args.sample, args.seed + 1)
        found, total_pairs = found_pairs(out_dir / "pairs.jsonl", truth.sample_ids)
        hits = found & truth.pairs.keys()
        for a, b in sorted(truth.pairs.keys() - found)[:5]:
            log.info("missed %s %s (jaccard %.3f)", a, b, truth.pairs[(a, b)])
        for a, b in sorted(found - truth.pairs.keys())[:5]:
            log.info("false alarm %s %s", a, b)
        result = {
            "docs": docs,
            "bytes": size,
            "seconds": round(run.seconds, 2),
            "docs_per_second": round(docs / run.seconds, 1),
            "seconds_per_1k_docs": round(1000 * run.seconds / docs, 4),
            "peak_rss_mb": round(run.peak_rss_mb, 1),
            "sample": len(truth.sample_ids),
            "precision": round(len(hits) / len(found), 4) if found else None,
            "recall": round(len(hits) / len(truth.pairs), 4) if truth.pairs else None,
            "truth_pairs": len(truth.pairs),
            "found_pairs": len(found),
            "true_positives": len(hits),
            "pairs_total": total_pairs,
            "threshold": THRESHOLD,
            "ngram_size": NGRAM,
            "scan_args": args.scan_args,
            "check_seconds": round(time.perf_counter() - started, 1),
            "stages": scan_stats["seconds"],
            "candidates": scan_stats["candidates"],
            "notes": scan_stats["notes"],
            "corpus": corpus_info,
        }
        print(json.dumps(result), flush=True)
        return 0
    finally:
        if not args.keep:
            if args.corpus is None:
                corpus_path.unlink(missing_ok=True)
                (workdir / f"corpus-{args.n}.planted.jsonl").unlink(missing_ok=True)
            shutil.rmtree(out_dir, ignore_errors=True)
            if args.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
