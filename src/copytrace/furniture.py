"""Labels for the text a copy did not share: page furniture or other text.

Contract: :func:`unmatched_regions` labels all the text of one side outside its passages,
calling :func:`label_region` on each stretch. :func:`label_region` takes a document's text,
one unmatched region ``[start, end)`` of it, where the region stands relative to the shared
passages (``head`` before the first, ``tail`` after the last, ``middle`` between two,
``whole`` when nothing was shared) and the document's metadata, and returns labelled spans
that cover the region's text line by line:

- ``headline``: a short line at the top with no final full stop, or the metadata title;
- ``dateline``: a line that is mostly a date or time (``27 Mar, 2024 11:29 / Updated 8 months
  ago``, ``March 27, 2024``, ``2024-03-27``), or the wire dateline that opens a line
  (``SALVADOR, Feb 26 (Reuters) -``), which is split off the text that follows it;
- ``standfirst``: the one- or two-sentence summary right after a headline, dateline or byline;
- ``caption``: photo credits (``©``, ``Photo:``, ``Getty Images``, ``/ AP``, ``via Reuters``),
  the metadata captions, and a short alt text next to a caption that names what it shows;
- ``byline``: ``By Name``, ``Name | Reporter``, ``Reporting by ...``, or the metadata author;
- ``boilerplate``: copyright, cookie and subscription lines, ``Read more``, ``Share``...;
- ``other``: everything else. Consecutive ``other`` lines form one span, and so do
  consecutive ``boilerplate`` lines; the other labels get one span per line.

Spans are trimmed of surrounding whitespace, point into the original text, and lines without
a letter or digit are left out. The rules are general conventions of news pages, not tuned to
any site.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from copytrace.alignment import Label, Region, Side
from copytrace.normalize import fold, words
from copytrace.provenance import MONTH_PATTERN, find_dates, find_times

Position = Literal["head", "middle", "tail", "whole"]


@dataclass(frozen=True, slots=True)
class Furniture:
    """One labelled span ``[start, end)`` of a document's text."""

    start: int
    end: int
    label: Label


_AGENCIES = (
    r"ap|afp|reuters|epa|getty|sputnik|tass|anadolu|xinhua|imago|zuma|abaca|sipa|pa|dpa"
    r"|ria\s+novosti|bloomberg|shutterstock|alamy|efe|ansa"
)
_PHOTO_RE = re.compile(
    rf"""\b(?:photo(?:graph)?s?|image|picture|pic|illustration|credit|video|footage)\s*(?:by\b|:)
    | \bphoto\s+credit\b | \bgetty\s*images | \bshutterstock\b | \balamy\b | \bistock
    | \bwikimedia\s+commons\b | \bfile\s+(?:photo|picture|image)\b
    | \bvia\s+(?:{_AGENCIES})\b
    | /\s*(?:{_AGENCIES})\b
    | \b(?:ap|afp|reuters|epa|pa|dpa)\s*(?:photo|images?|/)""",
    re.IGNORECASE | re.VERBOSE,
)
# Every alternative of _PHOTO_RE holds one of these (case aside): a line of plain ASCII
# without any of them cannot match, and is not searched.
_PHOTO_NEEDLES = (
    "photo", "image", "pic", "illustration", "credit", "video", "footage", "getty",
    "shutterstock", "alamy", "istock", "wikimedia", "via", "/",
)  # fmt: skip


def _may_match(line: str, needles: tuple[str, ...]) -> bool:
    """False when ``line`` is plain ASCII and holds none of ``needles`` (lower case) in any
    case: a pattern every match of which holds one of them need not be searched there.
    Beyond ASCII, (?i) matches a few letters to ASCII ones (``ſ`` to ``s``): always true."""
    if not line.isascii():
        return True
    lowered = line.lower()
    return any(needle in lowered for needle in needles)


def _credits_a_photo(line: str) -> bool:
    return _may_match(line, _PHOTO_NEEDLES) and _PHOTO_RE.search(line) is not None


_COPYRIGHT_RE = re.compile(
    r"all\s+rights\s+reserved|^\W*(?:©|\(c\)|copyright)\s*(?:\d{4}|[^\n]*\d{4}\s*$)",
    re.IGNORECASE,
)
# Phrases that are boilerplate wherever they stand in a short line.
_BOILERPLATE_RE = re.compile(
    r"privacy\s+policy|cookie|terms\s+(?:of|and)\s+(?:use|service|conditions)"
    r"|subscribe\s+(?:to\s+our|now|for\s+(?:free|updates))|sign\s+up\s+(?:for|to)\s+our"
    r"|follow\s+us|download\s+(?:the|our)\s+app"
    r"|(?:this|the)\s+(?:article|story)\s+(?:was|is)\s+(?:originally\s+|first\s+)?"
    r"(?:published|republished|posted)|share\s+this\s+(?:story|article)|newsletter"
    r"|you\s+can\s+share\s+this|join\s+(?:us|our)\s+on|all\s+rights\s+reserved",
    re.IGNORECASE,
)
#: one of these is in every match of _BOILERPLATE_RE (case aside)
_BOILERPLATE_NEEDLES = (
    "privacy", "cookie", "terms", "subscribe", "sign", "follow", "download", "article",
    "story", "share", "newsletter", "join", "rights",
)  # fmt: skip
# Words that are boilerplate when they open a very short line ("Read more", "Share").
_BOILERPLATE_START_RE = re.compile(
    r"^\W*(?:read\s+(?:more|also|next)|see\s+also|share|subscribe|follow|related|more\s+(?:from"
    r"|on|news|stories)|comments?|tags?|topics?|advertisement|sponsored|click\s+here|print"
    r"|email|loading|watch|listen|recommended|trending|top\s+stories|latest|back\s+to\s+top"
    r"|sign\s+(?:in|up)|log\s*in|menu|home|search|skip\s+to)\b",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(
    r"^\W*(?:(?i:by|written\s+by|words\s+by|reporting\s+by|text\s+by|story\s+by)\s+[A-Z]"
    r"|(?i:authors?|reporter|written)\s*:"
    r"|[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*[|,–—-]\s*(?i:(?:senior\s+|staff\s+|chief\s+"
    r"|political\s+|foreign\s+)?(?:reporter|correspondent|editor|writer|contributor|journalist"
    r"|columnist|author))\b)"
)
# A wire dateline opening a line: CITY[, Region][, Mon DD[, YYYY]] [(Agency)] -
_WIRE_DATELINE_RE = re.compile(
    rf"^(?P<city>[A-Z][A-Z'’.\-]+(?:\s+[A-Z][A-Z'’.\-]+){{0,3}})"
    rf"(?:,\s*[A-Z][A-Za-z.\-]+(?:\s+[A-Z][A-Za-z.\-]+)?)??"
    rf"(?:,?\s+(?P<date>{MONTH_PATTERN}\s+\d{{1,2}}(?:,\s*\d{{4}})?))?"
    rf"\s*(?P<agency>\([A-Za-z .]{{2,30}}\))?\s*[-–—]+"
)
_RELATIVE_RE = re.compile(
    r"\b(?:\d+|an?|one)\s+(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)"
    r"\s+ago\b|\b(?:yesterday|today|just\s+now)\b",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
#: every date and clock time holds a digit, and every relative time without one of these words
_RELATIVE_NEEDLES = ("ago", "yesterday", "today", "now")
_DATE_WORDS = frozenset((
    "updated", "published", "posted", "last", "modified", "created", "edited", "on", "at",
    "date", "time", "am", "pm", "gmt", "utc", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri",
    "sat", "sun",
))  # fmt: skip
_LINE_RE = re.compile(r"[^\n\r]+")
_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)]*(?:\s+|$)")


def unmatched_regions(
    side: Side, text: str, spans: Sequence[tuple[int, int]], meta: Mapping[str, Any] | None
) -> list[Region]:
    """Labelled regions of the text of one side outside the passage ``spans`` (character
    spans, sorted and disjoint): everything before, between and after them."""
    gaps: list[tuple[int, int, Position]] = []
    if not spans:
        gaps.append((0, len(text), "whole"))
    else:
        gaps.append((0, spans[0][0], "head"))
        gaps.extend((spans[i][1], spans[i + 1][0], "middle") for i in range(len(spans) - 1))
        gaps.append((spans[-1][1], len(text), "tail"))
    gaps = [gap for gap in gaps if gap[0] < gap[1]]
    if not gaps:
        return []  # the passages cover the whole text
    hints = _MetaHints.from_meta(meta)
    regions: list[Region] = []
    for start, end, position in gaps:
        for piece in _label_lines(text, start, end, position, hints):
            span_text = text[piece.start : piece.end]
            regions.append(Region(side, piece.start, piece.end, piece.label, span_text))
    return regions


def label_region(
    text: str,
    start: int,
    end: int,
    *,
    position: Position,
    meta: Mapping[str, Any] | None = None,
) -> list[Furniture]:
    """Label the unmatched region ``text[start:end]`` line by line (see the module contract)."""
    return _label_lines(text, start, end, position, _MetaHints.from_meta(meta))


def _label_lines(
    text: str, start: int, end: int, position: Position, hints: _MetaHints
) -> list[Furniture]:
    lines = _lines(text, start, end)
    if not lines:
        return []
    facts = [
        (_line_facts if e - s <= _CACHED_LINE else _line_facts.__wrapped__)(text[s:e], hints)
        for s, e in lines
    ]
    line_words = [line_words for line_words, _ in facts]
    labels: list[Label | None] = [label for _, label in facts]
    _label_alt_texts(text, lines, labels, line_words)
    _label_by_position(text, lines, labels, position, line_words)
    out: list[Furniture] = []
    for (s, e), label in zip(lines, labels, strict=True):
        final: Label = label or "other"
        if out and final in ("other", "boilerplate") and out[-1].label == final:
            out[-1] = Furniture(out[-1].start, e, final)
        else:
            out.append(Furniture(s, e, final))
    return out


@dataclass(frozen=True, slots=True)
class _MetaHints:
    """Folded metadata strings that identify furniture exactly."""

    titles: tuple[str, ...]
    captions: tuple[str, ...]
    authors: tuple[str, ...]

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any] | None) -> _MetaHints:
        if not meta:
            return _NO_HINTS

        def strings(*keys: str) -> tuple[str, ...]:
            out: list[str] = []
            for key in keys:
                out.extend(fold(value) for value in _as_strings(meta.get(key)))
            return tuple(value for value in out if value)

        return cls(
            titles=strings("title", "headline"),
            captions=strings("captions", "caption", "image_captions", "alt", "alt_text"),
            authors=strings("author", "authors", "byline"),
        )


_NO_HINTS = _MetaHints((), (), ())


def _as_strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Iterable):
        for item in value:
            if isinstance(item, str):
                yield item


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Whitespace-trimmed spans of the lines of ``text[start:end]`` that hold a letter or
    digit; a wire dateline opening a line becomes a span of its own."""
    out: list[tuple[int, int]] = []
    for match in _LINE_RE.finditer(text[start:end]):
        raw = match.group()
        s = start + match.start() + (len(raw) - len(raw.lstrip()))
        e = start + match.end() - (len(raw) - len(raw.rstrip()))
        if s >= e or not any(ch.isalnum() for ch in text[s:e]):
            continue
        wire = _WIRE_DATELINE_RE.match(text, s, e)
        if wire and (wire.group("date") or wire.group("agency")) and wire.end() < e:
            rest = wire.end() + (len(text[wire.end() : e]) - len(text[wire.end() : e].lstrip()))
            out.append((s, wire.end()))
            if any(ch.isalnum() for ch in text[rest:e]):
                out.append((rest, e))
            continue
        out.append((s, e))
    return out


#: lines up to this long have their facts cached (longer ones are body text, rarely repeated)
_CACHED_LINE = 500


@lru_cache(maxsize=4096)
def _line_facts(line: str, hints: _MetaHints) -> tuple[tuple[str, ...], Label | None]:
    """The folded words of a line and the label its content gives (lines recur: a document is
    aligned with each of its copies, and boilerplate recurs across documents)."""
    line_words = tuple(words(line))
    return line_words, _pattern_label(line, hints, line_words)


def _pattern_label(line: str, hints: _MetaHints, line_words: Sequence[str]) -> Label | None:
    """The label that the line's own content gives, or ``None`` when only position can tell
    (``line_words``: the line's folded words)."""
    n_words = len(line_words)
    if hints.titles or hints.captions or hints.authors:
        folded = " ".join(line_words)  # fold(line)
        if folded in hints.titles:
            return "headline"
        padded = f" {folded} "
        if any(folded == c or (n_words >= 3 and padded in f" {c} ") for c in hints.captions):
            return "caption"
        if hints.authors and n_words <= 15 and any(f" {a} " in padded for a in hints.authors):
            return "byline"
    if _credits_a_photo(line):
        return "caption"
    if n_words <= 30 and _COPYRIGHT_RE.search(line):
        return "boilerplate"
    if "©" in line:
        return "caption"  # a © without a year is a photographer's credit
    if is_dateline(line):
        return "dateline"
    if n_words <= 15 and _BYLINE_RE.search(line):
        return "byline"
    if n_words <= 30 and _may_match(line, _BOILERPLATE_NEEDLES) and _BOILERPLATE_RE.search(line):
        return "boilerplate"
    if n_words <= 6 and _BOILERPLATE_START_RE.search(line):
        return "boilerplate"
    return None


def is_dateline(line: str) -> bool:
    """Whether ``line`` is mostly a date or time: at most 20 words, holding a date, a clock
    time or a relative time (``8 months ago``), with at most two other words besides
    publishing words (``Updated``, ``Published``, weekdays) once those are removed."""
    if len(line.split()) > 20:
        return False
    wire = _WIRE_DATELINE_RE.match(line.strip())
    if wire and (wire.group("date") or wire.group("agency")) and not line.strip()[wire.end() :]:
        return True
    if _DIGIT_RE.search(line) is None and not _may_match(line, _RELATIVE_NEEDLES):
        return False  # no date, time or relative time
    spans = [(d.start, d.end) for d in find_dates(line)]
    spans += find_times(line)
    spans += [(m.start(), m.end()) for m in _RELATIVE_RE.finditer(line)]
    if not spans:
        return False
    chars = list(line)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    rest = [word for word in words("".join(chars)) if word not in _DATE_WORDS]
    return len(rest) <= 2


def _label_alt_texts(
    text: str,
    lines: list[tuple[int, int]],
    labels: list[Label | None],
    line_words: Sequence[Sequence[str]],
) -> None:
    """A short unlabelled line next to a caption whose words the caption mostly contains is
    the image's alt text (``Macron Biden`` above ``... Macron speaks with ... Biden.``)."""
    for index, label in enumerate(labels):
        if label is not None:
            continue
        own = line_words[index]
        if not 1 <= len(own) <= 6:
            continue
        for other in (index - 1, index + 1):
            if 0 <= other < len(lines) and labels[other] == "caption":
                caption_words = set(line_words[other])
                shared = sum(word in caption_words for word in own)
                if 3 * shared >= 2 * len(own):
                    labels[index] = "caption"
                    break


def _label_by_position(
    text: str,
    lines: list[tuple[int, int]],
    labels: list[Label | None],
    position: Position,
    line_words: Sequence[Sequence[str]],
) -> None:
    """Headline and standfirst are told by where a line stands: only at the top of a
    document, the headline first, the standfirst right after the headline block."""
    at_top = position in ("head", "whole")
    seen_headline = seen_intro = seen_standfirst = seen_body = False
    for index, label in enumerate(labels):
        line = text[lines[index][0] : lines[index][1]]
        n_words = len(line_words[index])
        if label is None:
            if at_top and not (seen_headline or seen_body) and _looks_like_headline(line, n_words):
                label = "headline"
            elif (
                at_top
                and seen_intro
                and not (seen_standfirst or seen_body)
                and (_looks_like_standfirst(line, n_words))
            ):
                label = "standfirst"
            else:
                label = "other"
            labels[index] = label
        if label == "headline":
            seen_headline = True
        if label in ("headline", "dateline", "byline"):
            seen_intro = True
        elif label == "standfirst":
            seen_standfirst = True
        elif label == "other":
            seen_body = True


def _looks_like_headline(line: str, n_words: int) -> bool:
    """A short line (1-20 words) that does not end like a sentence or a clause."""
    stripped = line.rstrip("\"'”’)] ")
    return (
        1 <= n_words <= 20
        and not stripped.endswith((".", ",", ";", ":"))
        and (line[:1].isupper() or line[:1].isdigit() or not line[:1].isalnum())
    )


def _looks_like_standfirst(line: str, n_words: int) -> bool:
    """A summary paragraph: 6 to 80 words in one or two sentences."""
    sentences = len(_SENTENCE_END_RE.findall(line.strip())) or 1
    return 6 <= n_words <= 80 and sentences <= 2
