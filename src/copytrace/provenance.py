"""Evidence inside a text about where and when it comes from: its dateline and its credits.

- :func:`find_dates` finds calendar dates (with an adjoining clock time, if any) in a string:
  ``27 Mar, 2024 11:29``, ``March 27, 2024``, ``Feb 26``, ``2024-03-27T11:29``, ``27.03.2024``.
- :func:`find_dateline` picks the date a text is dated with: the first date in its first few
  lines that stands in a dateline position (a short line, or the start of a line as in wire
  copy ``SALVADOR, Feb 26 (Reuters) -``); dates mentioned inside body sentences are ignored.
- :func:`find_credits` finds the upstream sources a text credits (``Bloomberg has reported``,
  ``according to Reuters``, ``(AP)``, ``told CNN``, ``— Associated Press``); a back reference
  such as ``told the outlet`` is resolved to the outlet last named before it.
- :func:`dropped_credits` compares the sources credited by two texts.

Every span is a ``[start, end)`` character offset into the text given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from copytrace.kernels import I64, U8, U32, Bools, compiled, kernel

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
# Capitalised month names only: lower-case "may" and "march" are common English words.
MONTH_PATTERN = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
    r"|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|JULY?|AUG(?:UST)?"
    r"|SEPT?(?:EMBER)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?)\.?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_TIME = (
    r"(?P<hh>[01]?\d|2[0-3])[:.h](?P<mm>[0-5]\d)(?::[0-5]\d)?"
    r"(?:\s*(?P<ampm>[AaPp]\.?[Mm]\.?))?"
    r"(?:\s*(?:GMT|UTC|[A-Z]{2,4}T|ET|CET|MSK|[+-]\d{2}:?\d{2}))?"
)
_DATE_RE = re.compile(
    rf"""(?<![\w])(?:
        (?P<iy>{_YEAR})-(?P<im>0[1-9]|1[0-2])-(?P<id>0[1-9]|[12]\d|3[01])
            (?:[T ](?P<ih>[01]\d|2[0-3]):(?P<imin>[0-5]\d)(?::[0-5]\d(?:\.\d+)?)?
               (?:Z|[+-]\d{{2}}:?\d{{2}})?)?
      | (?P<dd>{_DAY})\s+(?P<dmon>{MONTH_PATTERN}),?(?:\s+(?P<dy>{_YEAR}))?
      | (?P<mmon>{MONTH_PATTERN})\s+(?P<md>{_DAY})(?![\d:])(?:,?\s+(?P<my>{_YEAR}))?
      | (?P<n1>\d{{1,2}})(?P<nsep>[./])(?P<n2>\d{{1,2}})[./](?P<ny>{_YEAR})
    )(?![\w])""",
    re.VERBOSE,
)
_TIME_AFTER_RE = re.compile(rf"[\s,|/@·–—-]*(?:at\s+)?{_TIME}(?![\w])")
_TIME_RE = re.compile(rf"(?<![\w:]){_TIME}(?![\w])")


@dataclass(frozen=True, slots=True)
class DateFound:
    """A calendar date in a text; ``year`` is ``None`` where the text gives none (``Feb 26``)."""

    start: int
    end: int
    text: str
    year: int | None
    month: int
    day: int
    hour: int | None = None
    minute: int | None = None

    @property
    def iso(self) -> str:
        """ISO 8601: ``2024-03-27T11:29``, ``2024-03-27``, or ``--02-26`` without a year."""
        day = (
            f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
            if self.year is not None
            else f"--{self.month:02d}-{self.day:02d}"
        )
        if self.hour is None or self.minute is None:
            return day
        return f"{day}T{self.hour:02d}:{self.minute:02d}"


#: the date a text is dated with (same fields as any date found in it)
DatelineFound = DateFound


def find_dates(text: str) -> list[DateFound]:
    """Every valid calendar date in ``text`` in order, each with the clock time that follows it.

    Impossible dates (30 February) are skipped. Numeric dates with ``/`` are read month
    first (US style) and with ``.`` day first, falling back to the other order when the first
    reading is impossible.
    """
    found: list[DateFound] = []
    for match in _DATE_RE.finditer(text):
        parsed = _parse_date(match)
        if parsed is None:
            continue
        year, month, day = parsed
        hour: int | None = None
        minute: int | None = None
        end = match.end()
        if match.group("ih") is not None:
            hour, minute = int(match.group("ih")), int(match.group("imin"))
        else:
            clock = _TIME_AFTER_RE.match(text, end)
            if clock is not None:
                hour, minute = _clock(clock)
                end = clock.end()
        found.append(
            DateFound(match.start(), end, text[match.start() : end], year, month, day, hour, minute)
        )
    return found


def find_times(text: str) -> list[tuple[int, int]]:
    """Spans of clock times (``11:29``, ``3.15 pm GMT``) in ``text``."""
    return [(m.start(), m.end()) for m in _TIME_RE.finditer(text)]


def _parse_date(match: re.Match[str]) -> tuple[int | None, int, int] | None:
    groups = match.groupdict()
    year: int | None
    if groups["iy"] is not None:
        year, month, day = int(groups["iy"]), int(groups["im"]), int(groups["id"])
    elif groups["dd"] is not None:
        year = int(groups["dy"]) if groups["dy"] else None
        month, day = _month(groups["dmon"]), _day(groups["dd"])
    elif groups["mmon"] is not None:
        year = int(groups["my"]) if groups["my"] else None
        month, day = _month(groups["mmon"]), _day(groups["md"])
    else:
        year, first, second = int(groups["ny"]), int(groups["n1"]), int(groups["n2"])
        month, day = (first, second) if groups["nsep"] == "/" else (second, first)
        if not _valid(year, month, day):
            month, day = day, month
    return (year, month, day) if _valid(year, month, day) else None


def _month(name: str) -> int:
    return _MONTHS[name[:3].lower()]


def _day(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _valid(year: int | None, month: int, day: int) -> bool:
    try:
        date(2000 if year is None else year, month, day)  # 2000 is a leap year: 29 Feb passes
    except ValueError:
        return False
    return True


def _clock(match: re.Match[str]) -> tuple[int, int]:
    hour, minute = int(match.group("hh")), int(match.group("mm"))
    ampm = (match.group("ampm") or "").lower()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    return hour, minute


#: characters past a long line's indentation that can hold a dateline's date and its time
_DATELINE_PREFIX = 120
_LINE_RE = re.compile(r"[^\n]+")
_DIGIT_RE = re.compile(r"\d")


def find_dateline(text: str, *, max_lines: int = 6) -> DatelineFound | None:
    """The date ``text`` is dated with, or ``None``.

    Looks at the first ``max_lines`` non-blank lines and returns the first date that stands in
    a dateline position: on a short line (at most 20 words, such as ``27 Mar, 2024 11:29 /
    Updated 8 months ago``) or within the first 40 characters of a line (wire copy such as
    ``SALVADOR, Feb 26 (Reuters) - ...``). A date inside a body sentence further along a line
    is not a dateline. Offsets point into ``text``.
    """
    seen = 0
    for line in _LINE_RE.finditer(text):
        searched = line.group()
        stripped = searched.lstrip()
        if not stripped:
            continue
        seen += 1
        if seen > max_lines:
            break
        if _DIGIT_RE.search(searched) is None:
            continue  # every date has a day or a year in digits
        short = len(stripped.split(None, 20)) <= 20  # (counts words up to 21)
        lead = len(searched) - len(stripped)
        if not short:
            # only a date starting in the first 40 characters counts: search a prefix that
            # holds any date starting there, cut at a space so that no date is cut short
            cut = searched.find(" ", lead + _DATELINE_PREFIX)
            searched = searched if cut < 0 else searched[:cut]
        for found in find_dates(searched):
            if short or found.start - lead <= 40:
                return DateFound(
                    found.start + line.start(),
                    found.end + line.start(),
                    found.text,
                    found.year,
                    found.month,
                    found.day,
                    found.hour,
                    found.minute,
                )
    return None


# ---- credits ---------------------------------------------------------------------------------

#: outlet names as written -> the one name used for them
OUTLETS: dict[str, str] = {
    "AP": "Associated Press", "Associated Press": "Associated Press",
    "The Associated Press": "Associated Press", "Reuters": "Reuters",
    "Thomson Reuters": "Reuters", "AFP": "AFP", "Agence France-Presse": "AFP",
    "Agence France Presse": "AFP", "France-Presse": "AFP", "Bloomberg": "Bloomberg",
    "Bloomberg News": "Bloomberg", "CNN": "CNN", "BBC": "BBC", "BBC News": "BBC",
    "NBC": "NBC News", "NBC News": "NBC News", "CBS": "CBS News", "CBS News": "CBS News",
    "ABC News": "ABC News", "Fox News": "Fox News", "CNBC": "CNBC", "MSNBC": "MSNBC",
    "NPR": "NPR", "Sky News": "Sky News", "Al Jazeera": "Al Jazeera", "Politico": "Politico",
    "Axios": "Axios", "Semafor": "Semafor", "The New York Times": "The New York Times",
    "New York Times": "The New York Times", "NYT": "The New York Times",
    "The Washington Post": "The Washington Post", "Washington Post": "The Washington Post",
    "The Wall Street Journal": "The Wall Street Journal",
    "Wall Street Journal": "The Wall Street Journal", "WSJ": "The Wall Street Journal",
    "The Guardian": "The Guardian", "Guardian": "The Guardian",
    "Financial Times": "Financial Times", "FT": "Financial Times", "The Times": "The Times",
    "The Telegraph": "The Telegraph", "Daily Telegraph": "The Telegraph",
    "The Economist": "The Economist", "Newsweek": "Newsweek", "The Hill": "The Hill",
    "Forbes": "Forbes", "Business Insider": "Business Insider", "The Atlantic": "The Atlantic",
    "The Independent": "The Independent", "Daily Mail": "Daily Mail",
    "Le Monde": "Le Monde", "Le Figaro": "Le Figaro", "Der Spiegel": "Der Spiegel",
    "Spiegel": "Der Spiegel", "Die Welt": "Die Welt", "Bild": "Bild", "El País": "El País",
    "El Mundo": "El Mundo", "La Repubblica": "La Repubblica",
    "Corriere della Sera": "Corriere della Sera", "TASS": "TASS", "RIA Novosti": "RIA Novosti",
    "Interfax": "Interfax", "Sputnik": "Sputnik", "RT": "RT", "Izvestia": "Izvestia",
    "Kommersant": "Kommersant", "Vedomosti": "Vedomosti", "Meduza": "Meduza",
    "Xinhua": "Xinhua", "Global Times": "Global Times", "CGTN": "CGTN", "Kyodo": "Kyodo",
    "Kyodo News": "Kyodo", "Nikkei": "Nikkei", "NHK": "NHK", "Yonhap": "Yonhap",
    "South China Morning Post": "South China Morning Post",
    "SCMP": "South China Morning Post", "dpa": "dpa", "DPA": "dpa", "ANSA": "ANSA",
    "EFE": "EFE", "Anadolu": "Anadolu", "Anadolu Agency": "Anadolu", "PTI": "PTI",
    "ANI": "ANI", "UPI": "UPI", "Haaretz": "Haaretz", "Times of Israel": "Times of Israel",
    "The Times of Israel": "Times of Israel", "Times of India": "Times of India",
    "The Times of India": "Times of India", "ProPublica": "ProPublica",
}  # fmt: skip
#: nouns that end the name of a newspaper or broadcaster not in :data:`OUTLETS`
_OUTLET_NOUNS = (
    r"Times|Post|News|Journal|Herald|Gazette|Tribune|Telegraph|Chronicle|Daily|Magazine"
    r"|Newspaper|TV|Radio|Broadcasting|Insider|Observer|Courier|Dispatch|Inquirer|Examiner"
    r"|Independent|Zeitung|Pravda|Izvestia|Vesti"
)
_WIRES = ("AP", "Reuters", "AFP", "UPI", "dpa", "DPA", "TASS", "EFE", "ANSA", "PTI", "ANI")
#: words that refer back to an outlet already named (``told the outlet``)
_BACK_REFERENCE = (
    r"(?i:(?:the|that|this)\s+(?:(?:news\s+)?outlet|newspaper|paper|news\s+agency|broadcaster"
    r"|publication|network|website|magazine|daily|channel|wire\s+service))"
)
#: verbs that follow the outlet credited (``Bloomberg reported``)
_VERB_WORDS = (
    "reported", "reports", "wrote", "writes", "revealed", "reveals", "learned", "learnt",
    "cited", "quoted", "claimed", "claims", "said", "says", "noted", "notes",
)  # fmt: skip
_VERBS = rf"(?:(?:has|had|have)\s+)?(?:{'|'.join(_VERB_WORDS)})"
_TOLD = r"(?:(?:was|were|has\s+been|had\s+been)\s+told)"
_POSSESSIVE = (
    r"['’]s\s+(?:sources?|report(?:ing|ers?)?|correspondents?|journalists?|article|story"
    r"|analysis|investigation)"
)
_SPACES = r"\s+"
#: phrases that come before the outlet credited (``according to Reuters``), case aside, in
#: the order tried; words are separated by any whitespace
_BEFORE_PHRASES = (
    "according to", "as reported by", "first reported by", "reported by", "citing", "cited by",
    "quoted by", "told", "telling", "speaking to", "spoke to", "interview with",
    "said in a statement to", "in a statement to", "statement to", "said to",
)  # fmt: skip
_BEFORE = (
    f"(?i:{'|'.join(_SPACES.join(phrase.split()) for phrase in _BEFORE_PHRASES)})"
    r"(?:\s+(?:a|the)\s+report\s+(?:by|in|from))?"
)
#: the most words a source can span: a known name, ``The`` and up to this many capitalised
#: words then a newsroom noun (``The New Kyiv Evening Post``), or a back reference (``the
#: news outlet``)
_GENERIC_WORDS = 3
_SOURCE_WORDS = max(
    2 + _GENERIC_WORDS, 3, *(len(name.split()) for name in OUTLETS)
)  # fmt: skip
#: the most auxiliary words between a source and its verb (``has been told``)
_AUXILIARY_WORDS = 2


@dataclass(frozen=True, slots=True)
class Credit:
    """An upstream source a text credits: ``source`` (normalised name), the ``phrase`` that
    credits it, and the phrase's span in the text."""

    source: str
    phrase: str
    start: int
    end: int

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "phrase": self.phrase, "start": self.start, "end": self.end}


def alternation(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, branching a character at a time, longest
    match first: Python's engine tries a plain alternation of n words one by one at every
    position of a text, a trie of them in one step per character."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # a word that ends here, and is the prefix of longer ones: the longer are tried first
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


@cache
def _patterns() -> tuple[re.Pattern[str], tuple[re.Pattern[str], ...]]:
    """(outlet names, credit phrases), compiled once. Every phrase starts at a word boundary,
    so the engine gives up on most positions of a text after one check."""
    generic = rf"(?:[Tt]he\s+)?(?:[A-Z][\w&'.-]*\s+){{1,{_GENERIC_WORDS}}}(?:{_OUTLET_NOUNS})"
    outlet = rf"(?<![\w-])(?:{alternation(OUTLETS)}|{generic})(?![\w-])"
    source = rf"(?<![\w-])(?:(?P<ref>{_BACK_REFERENCE})|(?P<src>{outlet}))"
    wires = alternation(_WIRES)
    phrases = (
        rf"(?<![\w-]){_BEFORE}\s+{source}",
        rf"{source}(?:\s+(?:{_VERBS}|{_TOLD})\b|{_POSSESSIVE}\b)",
        rf"\(\s*(?P<src>{wires})\s*\)",
        rf"(?m:[—–-]\s*(?P<src>{outlet})[ \t]*\.?[ \t]*$)",
    )
    return re.compile(outlet), tuple(re.compile(phrase) for phrase in phrases)


def normalize_source(name: str) -> str:
    """The one name of an outlet (``AP`` -> ``Associated Press``); unknown names tidied."""
    name = " ".join(name.split())
    if name in OUTLETS:
        return OUTLETS[name]
    if name.lower().startswith("the "):
        # "the Kyiv Post" and "Kyiv Post" are one outlet: unknown names lose the article
        name = name[4:]
        return OUTLETS.get(name, name)
    return name


def find_credits(text: str) -> list[Credit]:
    """The upstream sources ``text`` credits, in text order.

    Recognised: ``<Outlet> (has) reported|reports|wrote|said...``, ``<Outlet> was told``,
    ``<Outlet>'s sources``, ``according to|citing|reported by|told|speaking to|in a statement
    to <Outlet>``, a wire name in brackets ``(AP)``, and ``— <Outlet>`` ending a line. An outlet
    is a known name (:data:`OUTLETS`) or capitalised words ending in a newsroom noun (``Kyiv
    Post``). ``the outlet``, ``the newspaper``, ``the agency`` and the like in those positions
    refer to the outlet last named before them; with no outlet named before, they are skipped.
    Overlapping phrases crediting the same source count once.

    The phrases are tried only where one could start (:func:`_phrase_starts`): the same
    credits as searching the whole text, for a fraction of the cost.
    """
    return _credits(text, _phrase_starts(text))


def _credits(text: str, starts: Sequence[list[int] | None]) -> list[Credit]:
    """:func:`find_credits`, each credit phrase tried at ``starts[number]`` (ascending; every
    position where it can match must be among them), or searched for everywhere where that is
    ``None``."""
    outlet_re, phrase_res = _patterns()
    mentions: list[tuple[int, str]] | None = None  # outlets named, found when first needed
    found: list[Credit] = []
    for phrase_re, phrase_starts in zip(phrase_res, starts, strict=True):
        matches = (
            phrase_re.finditer(text)
            if phrase_starts is None
            else _matches_at(phrase_re, text, phrase_starts)
        )
        for match in matches:
            groups = match.groupdict()
            if groups.get("src"):
                source = normalize_source(groups["src"])
            else:
                if mentions is None:
                    mentions = [
                        (m.start(), normalize_source(m.group())) for m in outlet_re.finditer(text)
                    ]
                before = [name for start, name in mentions if start < match.start()]
                if not before:
                    continue
                source = before[-1]
            found.append(Credit(source, match.group().strip(), match.start(), match.end()))
    found.sort(key=lambda credit: (credit.start, -credit.end))
    kept: list[Credit] = []
    for credit in found:
        if any(
            old.source == credit.source and old.start < credit.end and credit.start < old.end
            for old in kept
        ):
            continue
        kept.append(credit)
    return kept


def _matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` when every match starts at one of ``starts`` (ascending):
    the first match at or after the end of the previous one. ``pattern.match(text, start)``
    sees the whole text (look-behinds included), as a search arriving at ``start`` does."""
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)) is not None:
            end = match.end()
            yield match


# ---- where a credit phrase can start ---------------------------------------------------------
#
# Searching for the phrases costs the regular expression engine a few steps at every position
# of a text. A compiled pass over the text's code points finds instead the few positions where
# each phrase could start; it may name positions where none starts (the phrase is tried there
# and fails), never leaves out one where a phrase starts. Letters are compared case folded as
# the engine folds them under (?i) (:func:`_fold`), which also covers the phrases that are
# case sensitive.

#: what :func:`_starts_kernel` marks a position as: where a phrase before the outlet, one
#: starting with the outlet, or one ending a line (``— Reuters``) could start
_BEFORE_START, _SOURCE_START, _DASH_START = 1, 2, 4

#: whether ``\s`` matches each code point in a str pattern (str.isspace), up to U+3000: none
#: above it is a space (the tests check every code point)
_IS_SPACE = np.array([chr(c).isspace() for c in range(0x3001)], dtype=np.bool_)
#: for each ASCII code: bit 1 set for ``[\w-]``, bit 2 for ``\w``
_ASCII_WORD = np.array(
    [(c.isalnum() or c == "_") * 2 + (c.isalnum() or c in "_-") for c in map(chr, range(128))],
    dtype=np.uint8,
)
#: beyond ASCII, the code points that (?i) matches to an ASCII letter, and that letter (the
#: tests check every code point against the engine)
_FOLD_SPECIAL = {0x130: "i", 0x131: "i", 0x17F: "s", 0x212A: "k"}
_FOLD_FROM = np.array(sorted(_FOLD_SPECIAL), dtype=np.uint32)
_FOLD_TO = np.array([ord(_FOLD_SPECIAL[c]) for c in sorted(_FOLD_SPECIAL)], dtype=np.uint32)


def _initials(chars: Iterable[str]) -> npt.NDArray[np.bool_]:
    """A table over ASCII: whether each character is among ``chars`` (all ASCII)."""
    table = np.zeros(128, dtype=np.bool_)
    for char in chars:
        if not char.isascii():
            raise RuntimeError(f"copytrace.provenance: a phrase may start with {char!r}")
        table[ord(char)] = True
    return table


#: the first character of a phrase before the outlet (either case), and of an outlet: a back
#: reference (the/that/this, any case), a known name, or [Tt]he or [A-Z] (capitalised words)
_BEFORE_INITIALS = _initials(
    c for phrase in _BEFORE_PHRASES for c in (phrase[0], phrase[0].upper())
)  # fmt: skip
_SOURCE_INITIALS = _initials(["t", "T", *(name[0] for name in OUTLETS), *map(chr, range(65, 91))])


def _anchor_tables() -> tuple[U32, I64, I64, Bools, I64]:
    """The *anchors*: the words, case folded, that a credit phrase must hold, for
    :func:`_starts_kernel`. A phrase before the outlet is found by its longest word, and the
    number of words before that one in it (``back``: 3 for ``statement`` in ``said in a
    statement to``, -1 for a verb alone); one after the outlet by its verb (``verb``). As
    arrays: their code points (``codes``, padded), ``lengths``, ``back``, ``verb``, and where
    those of each initial ``a`` to ``z`` begin in their order (``by_initial``, 27 long)."""
    back: dict[str, int] = {}
    for phrase in _BEFORE_PHRASES:
        words = phrase.split()
        anchor = max(words, key=len)
        back[anchor] = max(back.get(anchor, 0), words.index(anchor))
    verbs = {*_VERB_WORDS, "told"}
    anchors = sorted(back.keys() | verbs)
    codes = np.zeros((len(anchors), max(map(len, anchors))), dtype=np.uint32)
    for row, word in enumerate(anchors):
        codes[row, : len(word)] = [ord(char) for char in word]
    initials = np.array([ord(word[0]) for word in anchors])
    return (
        codes,
        np.array([len(word) for word in anchors], dtype=np.int64),
        np.array([back.get(word, -1) for word in anchors], dtype=np.int64),
        np.array([word in verbs for word in anchors], dtype=np.bool_),
        np.searchsorted(initials, np.arange(ord("a"), ord("z") + 2)).astype(np.int64),
    )


_ANCHOR_CODES, _ANCHOR_LENGTHS, _ANCHOR_BACK, _ANCHOR_VERB, _ANCHORS_BY_INITIAL = _anchor_tables()
#: whether an anchor starts with each letter (``a`` to ``z``, rows) and is each number of
#: letters long (columns): most words are none, and are passed over without a look at them
_ANCHOR_SHAPES = np.zeros((26, int(_ANCHOR_LENGTHS.max()) + 1), dtype=np.bool_)
_ANCHOR_SHAPES[_ANCHOR_CODES[:, 0].astype(np.int64) - ord("a"), _ANCHOR_LENGTHS] = True
#: the most words before a verb where its outlet can start (the outlet's and auxiliaries'),
#: and before ``'s sources``
_VERB_REACH = _SOURCE_WORDS + _AUXILIARY_WORDS
_POSSESSIVE_REACH = _SOURCE_WORDS


def _phrase_starts(text: str) -> tuple[list[int] | None, ...]:
    """For each credit phrase (in :func:`_patterns` order), the positions of ``text`` where it
    could start, ascending, or ``None`` where it is searched for (``(AP)``: the engine finds
    a bracket as fast as anything could)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    before, source, dash = _starts_kernel(codes)
    return before.tolist(), source.tolist(), None, dash.tolist()


@compiled
def _is_space(c: int) -> bool:
    return c < _IS_SPACE.shape[0] and bool(_IS_SPACE[c])


@compiled
def _is_word(c: int, bit: int) -> bool:
    r"""Whether ``c`` is ASCII and in ``\w`` (``bit`` 2) or ``[\w-]`` (``bit`` 1); beyond
    ASCII, false (the callers take it for a character that may be neither)."""
    return c < 128 and (_ASCII_WORD[c] & bit) != 0


@compiled
def _fold(c: int) -> int:
    """The ASCII lower-case letter that (?i) matches ``c`` to, or 0."""
    if c < 128:
        if 65 <= c <= 90:
            return c + 32
        return c if 97 <= c <= 122 else 0
    for k in range(_FOLD_FROM.shape[0]):
        if _FOLD_FROM[k] == c:
            return int(_FOLD_TO[k])
    return 0


@compiled
def _is_initial(c: int, table: Bools) -> bool:
    """Whether ``c`` is in an ASCII ``table`` (beyond ASCII, as the letter it folds to)."""
    if c < 128:
        return bool(table[c])
    folded = _fold(c)
    return folded != 0 and bool(table[folded])


@compiled
def _mark_back(codes: U32, flags: U8, end: int, words: int, mark: int, table: Bools) -> None:
    r"""Mark with ``mark`` every position of the last ``words`` stretches of non-space
    characters before ``end`` (the last may run on past it) that holds a character of
    ``table`` after one outside ``[\w-]`` (beyond ASCII, any)."""
    seen = 0
    inside = False
    p = end - 1
    while p >= 0 and words > 0:
        c = codes[p]
        if _is_space(c):
            if inside:
                inside = False
                if seen == words:
                    break
        else:
            if not inside:
                inside = True
                seen += 1
            if _is_initial(c, table) and (p == 0 or not _is_word(codes[p - 1], 1)):
                flags[p] |= mark
        p -= 1


@kernel("u4[] -> (i8[], i8[], i8[])")
def _starts_kernel(codes: U32) -> tuple[I64, I64, I64]:
    r"""Positions where a phrase before the outlet, one starting with the outlet, and one
    ending a line could start (each ascending), in a text given by its code points:

    - an anchor (:func:`_anchor_tables`) of a phrase before the outlet: a whole word (the
      letters that fold to ASCII ones, after a character outside ``[\w-]``) before a space:
      the anchor, and where its phrase's first word could start, ``back`` words before;
    - a verb, a whole word after a space: where an outlet could start in the
      :data:`_VERB_REACH` words before it;
    - ``'s`` or ``’s`` before a space: where an outlet could start in the
      :data:`_POSSESSIVE_REACH` words ending there;
    - a dash before (spaces and) a character that can start an outlet: the dash.
    """
    n = codes.shape[0]
    flags = np.zeros(n, dtype=np.uint8)
    i = 0
    while i < n:
        c = codes[i]
        if c == 0x27 or c == 0x2019:
            if i + 2 < n and codes[i + 1] == 0x73 and _is_space(codes[i + 2]):
                _mark_back(codes, flags, i, _POSSESSIVE_REACH, _SOURCE_START, _SOURCE_INITIALS)
        elif c == 0x2D or c == 0x2013 or c == 0x2014:
            j = i + 1
            while j < n and _is_space(codes[j]):
                j += 1
            if j < n and (j > i + 1 or c != 0x2D) and _is_initial(codes[j], _SOURCE_INITIALS):
                flags[i] |= _DASH_START
        elif _fold(c) != 0:
            j = i + 1
            while j < n and _fold(codes[j]) != 0:
                j += 1
            length = j - i
            if (
                length < _ANCHOR_SHAPES.shape[1]
                and _ANCHOR_SHAPES[_fold(c) - 97, length]
                and (i == 0 or not _is_word(codes[i - 1], 1))
            ):
                _mark_anchor(codes, flags, i, j)
            i = j
            continue
        i += 1
    return (
        _positions(flags, _BEFORE_START),
        _positions(flags, _SOURCE_START),
        _positions(flags, _DASH_START),
    )


@compiled
def _mark_anchor(codes: U32, flags: U8, start: int, end: int) -> None:
    """Mark the starts that the word ``codes[start:end]`` implies, if it is an anchor."""
    n = codes.shape[0]
    initial = _fold(codes[start])
    for a in range(_ANCHORS_BY_INITIAL[initial - 97], _ANCHORS_BY_INITIAL[initial - 96]):
        if _ANCHOR_LENGTHS[a] != end - start:
            continue
        k = 1
        while k < end - start and _fold(codes[start + k]) == _ANCHOR_CODES[a, k]:
            k += 1
        if k < end - start:
            continue
        if _ANCHOR_BACK[a] >= 0 and end < n and _is_space(codes[end]):
            flags[start] |= _BEFORE_START
            _mark_back(codes, flags, start, _ANCHOR_BACK[a], _BEFORE_START, _BEFORE_INITIALS)
        if (
            _ANCHOR_VERB[a]
            and start > 0
            and _is_space(codes[start - 1])
            and (end == n or not _is_word(codes[end], 2))
        ):
            _mark_back(codes, flags, start, _VERB_REACH, _SOURCE_START, _SOURCE_INITIALS)
        return


@compiled
def _positions(flags: U8, mark: int) -> I64:
    """The positions of ``flags`` that hold ``mark``, ascending."""
    count = 0
    for flag in flags:
        if flag & mark:
            count += 1
    out = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(flags.shape[0]):
        if flags[i] & mark:
            out[count] = i
            count += 1
    return out


def credited_sources(credits: Iterable[Credit]) -> set[str]:
    """The distinct source names of some credits."""
    return {credit.source for credit in credits}


def dropped_credits(a_credits: Iterable[Credit], b_credits: Iterable[Credit]) -> list[str]:
    """Sources credited by one text and not by the other (sorted): an attribution that a
    copy dropped, or one that it added."""
    return sorted(credited_sources(a_credits) ^ credited_sources(b_credits))
