"""A corpus of real news text with planted copies of known kinds, for the benchmarks.

Contract:

- :func:`load_base_documents` reads real articles from the shared data folder (Reuters-21578
  first, in file order, then BBC News when more are needed), skipping texts of fewer than
  ``min_words`` whitespace-separated words. Texts are returned unchanged.
- :func:`plant_copies` derives copies from randomly chosen base documents with one of
  :data:`KINDS` of edits (word edits at several rates, page furniture added or removed,
  typography changed, the end cut off, and combinations). Every copy gets a new id and
  ``meta = {"planted_from": source_id, "kind": kind}``. The same seed gives the same copies.
- :func:`plant_partials` plants partial copies: a passage of 50 to 300 consecutive words of
  one real document (the *source*) inserted into the middle of another, unrelated one (the
  *host*), at a paragraph or sentence boundary. Each gives a new document ``partial/NNNNN``
  with ``meta = {"planted_from": source_id, "host": host_id, "kind": "partial",
  "passage_words": n}`` and a :class:`PlantedPassage` recording the exact character spans of
  the passage in the source and in the new document.
- :func:`build_corpus` puts them all together, shuffled, with exactly the number of documents
  asked for.

Nothing here imports copytrace: the corpus can feed the peers on its own. Real duplicates
inside the source corpora stay in, so ground truth must be computed over the whole corpus.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: ``<repo>/../shared/data``: where the shared real text lives next to the checkout
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: source folders read in this order, each a ``docs.jsonl`` with ``id`` and ``text``
SOURCES: tuple[str, ...] = ("reuters21578", "bbc")

#: texts with fewer whitespace-separated words than this are left out of the base corpus
MIN_WORDS = 30

#: copies planted per corpus when not told otherwise: about 8 % of it, at most 1,000
MAX_DEFAULT_COPIES = 1000

#: partial copies planted per corpus when not told otherwise: one in 30 documents, at most 300
MAX_DEFAULT_PARTIALS = 300

#: the shortest and longest planted passage, in words (inclusive)
PASSAGE_WORDS: tuple[int, int] = (50, 300)

#: share of planted passages whose quotes, apostrophes and spaced dashes are made typographic
PARTIAL_TYPOGRAPHY_RATE = 0.3

#: a host shares no run of this many words with the source of the passage put into it
UNRELATED_NGRAM = 8


@dataclass(frozen=True, slots=True)
class CorpusDocument:
    """One document of the benchmark corpus: an id unique in the corpus, its text, metadata."""

    id: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlantedPassage:
    """A partial copy: ``source.text[source_start:source_end]``, possibly with typographic
    quotes (same length), is ``text[start:end]`` of document ``id``.

    The document is the host's text with the passage inserted at ``host_offset``, followed
    by ``separator`` (whitespace): ``text == host[:host_offset] + passage + separator +
    host[host_offset:]``. Spans start at the first character of the passage's first
    whitespace-separated token and end after its last one (punctuation attached to those
    tokens included). ``words`` counts the passage's words (runs of letters and digits).
    """

    id: str
    source: str
    host: str
    source_start: int
    source_end: int
    start: int
    end: int
    host_offset: int
    separator: str
    words: int
    typography: bool

    def origin(self, start: int, end: int) -> list[tuple[str, int, int]]:
        """Where the characters ``[start, end)`` of the planted document came from, as
        ``(document_id, start, end)`` pieces in the source and the host (the separator that
        follows the passage came from neither)."""
        pieces: list[tuple[str, int, int]] = []
        shift = self.end - self.start + len(self.separator)
        if start < self.start:
            pieces.append((self.host, start, min(end, self.start)))
        if start < self.end and end > self.start:
            offset = self.source_start - self.start
            pieces.append(
                (self.source, max(start, self.start) + offset, min(end, self.end) + offset)
            )
        after = self.end + len(self.separator)
        if end > after:
            pieces.append((self.host, max(start, after) - shift, end - shift))
        return pieces


@dataclass(frozen=True, slots=True)
class PlantedCorpus:
    """The shuffled corpus and, for each planted copy, where it came from and how it was made.

    ``planted`` maps a whole-document copy's id to ``(source_id, kind)``; ``partials`` maps a
    partial copy's id to its :class:`PlantedPassage`; ``base_count`` is the number of real
    (not planted) documents.
    """

    documents: list[CorpusDocument]
    planted: dict[str, tuple[str, str]]
    base_count: int
    partials: dict[str, PlantedPassage] = field(default_factory=dict)

    def planted_by_kind(self) -> dict[str, int]:
        """Number of planted copies of each kind, in the order of :data:`KINDS`."""
        counts = Counter(kind for _, kind in self.planted.values())
        return {kind: counts[kind] for kind in KINDS if counts[kind]}


class DataMissingError(Exception):
    """The shared data folder, or a source inside it, is not where it was looked for."""


# ---------------------------------------------------------------------------------------------
# reading the real text


def iter_source(
    data_dir: Path, source: str, min_words: int = MIN_WORDS
) -> Iterator[CorpusDocument]:
    """Documents of one source folder with at least ``min_words`` words, in file order.

    Ids are prefixed with the source name (``reuters21578/17``) so they are unique across
    sources; ``meta`` keeps ``source``, ``title`` and ``date`` where the source has them.
    """
    path = data_dir / source / "docs.jsonl"
    if not path.is_file():
        raise DataMissingError(f"{path} not found")
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            text = record.get("text") or ""
            if len(text.split()) < min_words:
                continue
            meta = {"source": source}
            for key in ("title", "date"):
                if record.get(key):
                    meta[key] = record[key]
            yield CorpusDocument(id=f"{source}/{record['id']}", text=text, meta=meta)


def load_base_documents(
    data_dir: Path, count: int, min_words: int = MIN_WORDS
) -> list[CorpusDocument]:
    """The first ``count`` usable documents of :data:`SOURCES`, read in order.

    Raises :class:`DataMissingError` when the folder is absent or holds fewer usable texts
    than asked for.
    """
    if not data_dir.is_dir():
        raise DataMissingError(
            f"data folder {data_dir} not found; pass --data pointing at the shared data "
            "(the folder holding reuters21578/ and bbc/)"
        )
    documents: list[CorpusDocument] = []
    for source in SOURCES:
        for document in iter_source(data_dir, source, min_words):
            if len(documents) == count:
                return documents
            documents.append(document)
    if len(documents) < count:
        raise DataMissingError(
            f"only {len(documents)} usable documents in {data_dir} ({', '.join(SOURCES)}); "
            f"asked for {count}"
        )
    return documents


# ---------------------------------------------------------------------------------------------
# edits: each takes the text and a seeded RNG and returns the edited text

Edit = Callable[[str, random.Random], str]

_SPACE_SPLIT = re.compile(r"(\s+)")
_WORD_INSIDE = re.compile(r"[A-Za-z]{6,}")

_FOOTERS: tuple[str, ...] = (
    "Copyright 1987 Reuters Limited. All rights reserved. Republication or redistribution "
    "of this content is expressly prohibited without prior written consent.",
    "Share this article: Facebook Twitter LinkedIn Email Print",
    "Sign up for our daily newsletter to get the top stories in your inbox every morning.",
    "This story has been corrected to fix a typographical error in the third paragraph.",
    "Additional reporting by our correspondents; editing by the news desk.",
)
_CAPTION_FORMS: tuple[str, ...] = (
    "Photo: {title} (Staff photographer/File)",
    "PICTURED: {title}",
    "Image caption: {title}",
)


def _make_word_edits(rate: float, vocabulary: Sequence[str]) -> Edit:
    """Substitute, insert or delete ``rate`` of the words (at least one), spacing kept."""

    def edit(text: str, rng: random.Random) -> str:
        parts = _SPACE_SPLIT.split(text)
        word_slots = [i for i, part in enumerate(parts) if part and not part.isspace()]
        count = max(1, round(rate * len(word_slots)))
        for slot in rng.sample(word_slots, min(count, len(word_slots))):
            operation = rng.choice(("substitute", "insert", "delete"))
            new_word = rng.choice(vocabulary)
            if operation == "substitute":
                parts[slot] = new_word
            elif operation == "insert":
                parts[slot] = f"{parts[slot]} {new_word}"
            else:
                parts[slot] = ""
        return "".join(parts)

    return edit


def _make_furniture_added(titles: Sequence[str]) -> Edit:
    """Add one to three blocks of page furniture: a headline, a photo caption, a footer."""

    def edit(text: str, rng: random.Random) -> str:
        blocks = rng.sample(("headline", "caption", "footer"), rng.randint(1, 3))
        top: list[str] = []
        bottom: list[str] = []
        if "headline" in blocks:
            headline = rng.choice(titles)
            top.append(headline.upper() if rng.random() < 0.5 else headline.title())
        if "caption" in blocks:
            top.append(rng.choice(_CAPTION_FORMS).format(title=rng.choice(titles).capitalize()))
        if "footer" in blocks:
            bottom.append(rng.choice(_FOOTERS))
        return "\n\n".join([*top, text.strip(), *bottom])

    return edit


_SIGN_OFF = re.compile(r"\s*\b(?:REUTER|Reuter)\b\s*$")


def _furniture_removed(text: str, rng: random.Random) -> str:
    """Remove the source's own furniture: the wire sign-off and a short lead or end block.

    The sign-off is the trailing "Reuter"; the block is the first or last paragraph when the
    text has at least three and that paragraph holds under 15 % of its words (a standfirst,
    a table line, a closing boilerplate sentence). At least one word is always removed.
    """
    stripped = _SIGN_OFF.sub("", text)
    paragraphs = [p for p in re.split(r"\n\s*\n|\n {3,}", stripped) if p.strip()]
    total = sum(len(p.split()) for p in paragraphs)
    ends = [0, len(paragraphs) - 1]
    rng.shuffle(ends)
    if len(paragraphs) >= 3:
        for end in ends:
            if len(paragraphs[end].split()) < 0.15 * total:
                del paragraphs[end]
                return "\n\n".join(paragraphs)
    if stripped != text:
        return stripped
    words = text.split()
    return " ".join(words[1:] if rng.random() < 0.5 else words[:-1])


def _typography(text: str, rng: random.Random) -> str:
    """Change typography only: the folded words stay the same.

    Straight quotes and apostrophes become curly, spaced and word-inner hyphens become dash
    variants, some spaces become no-break spaces, a soft hyphen and a zero-width space go
    inside long words, and the case of the first line and of a few words changes.
    """
    text = re.sub(r'"(?=\w)', "“", text)
    text = text.replace('"', "”")
    text = re.sub(r"(?<=\w)'", "’", text)
    text = text.replace("'", "‘")
    text = text.replace(" - ", rng.choice((" – ", " — ", "—")))
    text = re.sub(r"(?<=\w)-(?=\w)", lambda _: rng.choice(("‐", "‑", "–")), text)
    text = re.sub(r" (?=\S)", lambda _: "\u00a0" if rng.random() < 0.08 else " ", text)
    long_words = list(_WORD_INSIDE.finditer(text))
    chosen = sorted(rng.sample(long_words, min(4, len(long_words))), key=lambda m: m.start())
    # insert from the end so that earlier offsets stay valid
    for match, mark in reversed(list(zip(chosen, "\u00ad\u200b\u00ad\u200b", strict=False))):
        middle = (match.start() + match.end()) // 2
        text = text[:middle] + mark + text[middle:]
    first_line, newline, rest = text.partition("\n")
    text = first_line.upper() + newline + rest
    parts = _SPACE_SPLIT.split(text)
    for slot in range(0, len(parts), 2):
        if rng.random() < 0.05:
            parts[slot] = parts[slot].swapcase()
    return "".join(parts)


def _truncated(text: str, rng: random.Random) -> str:
    """Cut the text short: drop the last 5-20 % of its words (at least one)."""
    spans = [m.end() for m in re.finditer(r"\S+", text)]
    keep = len(spans) - max(1, round(rng.uniform(0.05, 0.20) * len(spans)))
    return text[: spans[max(keep, 1) - 1]]


#: every kind of planted copy, in reporting order
KINDS: tuple[str, ...] = (
    "edit_1pct",
    "edit_2pct",
    "edit_5pct",
    "edit_10pct",
    "edit_20pct",
    "furniture_added",
    "furniture_removed",
    "typography",
    "truncated",
    "edit_1pct+typography",
    "furniture_added+typography",
    "truncated+edit_1pct",
    "furniture_added+edit_2pct+typography+truncated",
)


def _edits(vocabulary: Sequence[str], titles: Sequence[str]) -> dict[str, Edit]:
    """The single edits that :data:`KINDS` are made of, by name."""
    return {
        "edit_1pct": _make_word_edits(0.01, vocabulary),
        "edit_2pct": _make_word_edits(0.02, vocabulary),
        "edit_5pct": _make_word_edits(0.05, vocabulary),
        "edit_10pct": _make_word_edits(0.10, vocabulary),
        "edit_20pct": _make_word_edits(0.20, vocabulary),
        "furniture_added": _make_furniture_added(titles),
        "furniture_removed": _furniture_removed,
        "typography": _typography,
        "truncated": _truncated,
    }


def apply_kind(kind: str, text: str, rng: random.Random, edits: Mapping[str, Edit]) -> str:
    """Apply the edits named in ``kind`` (joined by ``+``) to ``text``, left to right."""
    for name in kind.split("+"):
        text = edits[name](text, rng)
    return text


# ---------------------------------------------------------------------------------------------
# planting


def _vocabulary(documents: Sequence[CorpusDocument], limit: int = 2000) -> list[str]:
    """Alphabetic words of the first ``limit`` documents (with repeats: frequent words weigh
    more), the pool that substitutions and insertions draw from."""
    pool: list[str] = []
    for document in documents[:limit]:
        pool.extend(w for w in document.text.split() if w.isalpha())
    return pool or ["word"]


def plant_copies(
    base: Sequence[CorpusDocument], count: int, seed: int
) -> list[tuple[CorpusDocument, str, str]]:
    """``count`` planted copies as ``(copy, source_id, kind)``, kinds spread evenly.

    Sources are drawn uniformly with replacement, so a source can have several copies (and the
    copies are then near-duplicates of each other too). Deterministic for a given ``seed`` and
    base corpus.
    """
    rng = random.Random(seed)
    titles = [str(d.meta["title"]) for d in base if d.meta.get("title")] or ["Untitled"]
    edits = _edits(_vocabulary(base), titles)
    kinds = [KINDS[i % len(KINDS)] for i in range(count)]
    rng.shuffle(kinds)
    copies: list[tuple[CorpusDocument, str, str]] = []
    for number, kind in enumerate(kinds):
        source = base[rng.randrange(len(base))]
        text = apply_kind(kind, source.text, rng, edits)
        copy = CorpusDocument(
            id=f"planted/{number:05d}",
            text=text,
            meta={"planted_from": source.id, "kind": kind},
        )
        copies.append((copy, source.id, kind))
    return copies


# ---------------------------------------------------------------------------------------------
# partial copies

_TOKEN = re.compile(r"\S+")
_WORD = re.compile(r"[^\W_]+")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_SENTENCE_START = re.compile(r"[\"'(\[]*[A-Z0-9]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n[ \t]{2,}")


@dataclass(frozen=True, slots=True)
class _Tokens:
    """The whitespace-separated tokens of a text: spans, word counts, sentence starts."""

    starts: list[int]
    ends: list[int]
    words: list[int]
    #: cumulative word counts: ``before[i]`` words lie in tokens ``[0, i)``
    before: list[int]
    sentence_starts: list[int]
    paragraph_starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Tokens:
        matches = list(_TOKEN.finditer(text))
        starts = [m.start() for m in matches]
        ends = [m.end() for m in matches]
        words = [len(_WORD.findall(m.group())) for m in matches]
        before = [0]
        for count in words:
            before.append(before[-1] + count)
        sentence_starts = [0] if matches else []
        paragraph_starts = [0] if matches else []
        for i in range(1, len(matches)):
            if _SENTENCE_END.search(matches[i - 1].group()) and _SENTENCE_START.match(
                matches[i].group()
            ):
                sentence_starts.append(i)
                if _PARAGRAPH_BREAK.search(text, ends[i - 1], starts[i]):
                    paragraph_starts.append(i)
        return cls(starts, ends, words, before, sentence_starts, paragraph_starts)


def _word_ngrams(text: str, size: int) -> set[tuple[str, ...]]:
    folded = [w.lower() for w in _WORD.findall(text)]
    return {tuple(folded[i : i + size]) for i in range(len(folded) - size + 1)}


def _curly(text: str) -> str:
    """Typographic quotes, apostrophes and spaced dashes; the length is unchanged."""
    text = re.sub(r'"(?=\w)', "\u201c", text)
    text = text.replace('"', "\u201d")
    text = re.sub(r"(?<=\w)'", "\u2019", text)
    text = text.replace("'", "\u2018")
    return text.replace(" - ", " \u2013 ")


def _passage_span(tokens: _Tokens, words: int, rng: random.Random) -> tuple[int, int] | None:
    """Token range ``[first, last)`` of a passage of at least ``words`` words (and no more than
    the last token's words beyond) starting at a sentence start where one fits, else at
    any token; ``None`` when the text is too short."""
    total = tokens.before[-1]
    fits = [i for i in tokens.sentence_starts if total - tokens.before[i] >= words]
    if not fits:
        fits = [i for i in range(len(tokens.starts)) if total - tokens.before[i] >= words]
    if not fits:
        return None
    first = rng.choice(fits)
    last = first
    while tokens.before[last] - tokens.before[first] < words:
        last += 1
    return first, last


def _insertion_point(tokens: _Tokens, rng: random.Random) -> int:
    """A token index in the middle half of the text where the passage goes in: a paragraph
    start where there is one, else a sentence start, else any token."""
    count = len(tokens.starts)
    low, high = count // 4, max(count // 4 + 1, (3 * count) // 4)
    for starts in (tokens.paragraph_starts, tokens.sentence_starts, range(count)):
        middle = [i for i in starts if low <= i < high and i > 0]
        if middle:
            return rng.choice(middle)
    return count // 2


def plant_partials(
    base: Sequence[CorpusDocument], count: int, seed: int
) -> list[tuple[CorpusDocument, PlantedPassage]]:
    """``count`` partial copies as ``(document, planted passage)``.

    For each: a length ``n`` drawn uniformly from :data:`PASSAGE_WORDS`; a source drawn from
    ``base`` with at least ``n`` words and a host drawn from ``base`` that shares no run of
    :data:`UNRELATED_NGRAM` words with the source (every source and host is used once, so
    the planted passages do not overlap each other); the passage is the first ``n`` words
    from a random sentence start of the source, cut after the token that reaches ``n``
    words; it goes in front of a paragraph (else sentence) start in the middle half of the
    host, followed by the whitespace that preceded that start. :data:`PARTIAL_TYPOGRAPHY_RATE`
    of the passages get typographic quotes and dashes (same length, so spans hold).
    Deterministic for a given ``seed`` and base corpus; raises :class:`ValueError` when the
    base corpus cannot supply ``count`` pairs.
    """
    rng = random.Random(seed)
    tokens: dict[int, _Tokens] = {}

    def tokens_of(index: int) -> _Tokens:
        if index not in tokens:
            tokens[index] = _Tokens.of(base[index].text)
        return tokens[index]

    order = list(range(len(base)))
    rng.shuffle(order)
    out: list[tuple[CorpusDocument, PlantedPassage]] = []
    for number in range(count):
        words = rng.randint(*PASSAGE_WORDS)
        source = next((i for i in order if tokens_of(i).before[-1] >= words), None)
        if source is None:
            raise ValueError(f"no document of {words} words left for partial copy {number}")
        order.remove(source)
        span = _passage_span(tokens_of(source), words, rng)
        assert span is not None
        source_ngrams = _word_ngrams(base[source].text, UNRELATED_NGRAM)
        host = next(
            (
                i
                for i in order
                if source_ngrams.isdisjoint(_word_ngrams(base[i].text, UNRELATED_NGRAM))
            ),
            None,
        )
        if host is None:
            raise ValueError(f"no unrelated host left for partial copy {number}")
        order.remove(host)
        source_tokens, host_tokens = tokens_of(source), tokens_of(host)
        source_text, host_text = base[source].text, base[host].text
        source_start, source_end = source_tokens.starts[span[0]], source_tokens.ends[span[1] - 1]
        passage = source_text[source_start:source_end]
        typography = rng.random() < PARTIAL_TYPOGRAPHY_RATE
        if typography:
            passage = _curly(passage)
        at = _insertion_point(host_tokens, rng)
        offset = host_tokens.starts[at]
        separator = host_text[host_tokens.ends[at - 1] : offset] if at > 0 else " "
        text = host_text[:offset] + passage + separator + host_text[offset:]
        planted = PlantedPassage(
            id=f"partial/{number:05d}",
            source=base[source].id,
            host=base[host].id,
            source_start=source_start,
            source_end=source_end,
            start=offset,
            end=offset + len(passage),
            host_offset=offset,
            separator=separator,
            words=source_tokens.before[span[1]] - source_tokens.before[span[0]],
            typography=typography,
        )
        meta = {
            "planted_from": planted.source,
            "host": planted.host,
            "kind": "partial",
            "passage_words": planted.words,
        }
        out.append((CorpusDocument(id=planted.id, text=text, meta=meta), planted))
    return out


def default_copies(total: int) -> int:
    """How many of ``total`` documents are planted copies when not told: ~8 %, at most 1,000."""
    return min(MAX_DEFAULT_COPIES, max(1, total // 12))


def default_partials(total: int) -> int:
    """How many of ``total`` documents are partial copies when not told: one in 30, at most
    :data:`MAX_DEFAULT_PARTIALS`."""
    return min(MAX_DEFAULT_PARTIALS, max(1, total // 30))


def build_corpus(
    data_dir: Path,
    total: int,
    copies: int | None = None,
    seed: int = 0,
    partials: int | None = None,
) -> PlantedCorpus:
    """A shuffled corpus of exactly ``total`` documents, ``copies`` of them planted whole
    copies and ``partials`` of them planted partial copies.

    The rest are the first real documents of :func:`load_base_documents`. Raises
    :class:`DataMissingError` when the data is absent or too small, :class:`ValueError` when
    ``copies + partials`` is not smaller than ``total``.
    """
    copies = default_copies(total) if copies is None else copies
    partials = default_partials(total) if partials is None else partials
    if copies < 0 or partials < 0 or copies + partials >= total:
        raise ValueError(
            f"copies and partials must be non-negative and together under {total}, "
            f"got {copies} and {partials}"
        )
    base = load_base_documents(data_dir, total - copies - partials)
    planted = plant_copies(base, copies, seed)
    partial = plant_partials(base, partials, seed + 2)
    documents = [*base, *(copy for copy, _, _ in planted), *(doc for doc, _ in partial)]
    random.Random(seed + 1).shuffle(documents)
    return PlantedCorpus(
        documents=documents,
        planted={copy.id: (source_id, kind) for copy, source_id, kind in planted},
        base_count=len(base),
        partials={passage.id: passage for _, passage in partial},
    )
