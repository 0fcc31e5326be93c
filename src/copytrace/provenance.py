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
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

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


def find_dateline(text: str, *, max_lines: int = 6) -> DatelineFound | None:
    """The date ``text`` is dated with, or ``None``.

    Looks at the first ``max_lines`` non-blank lines and returns the first date that stands in
    a dateline position: on a short line (at most 20 words, such as ``27 Mar, 2024 11:29 /
    Updated 8 months ago``) or within the first 40 characters of a line (wire copy such as
    ``SALVADOR, Feb 26 (Reuters) - ...``). A date inside a body sentence further along a line
    is not a dateline. Offsets point into ``text``.
    """
    seen = 0
    for line in re.finditer(r"[^\n]+", text):
        if not line.group().strip():
            continue
        seen += 1
        if seen > max_lines:
            break
        short = len(line.group().split()) <= 20
        lead = len(line.group()) - len(line.group().lstrip())
        searched = line.group()
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
_VERBS = (
    r"(?:(?:has|had|have)\s+)?(?:reported|reports|wrote|writes|revealed|reveals|learned|learnt"
    r"|cited|quoted|claimed|claims|said|says|noted|notes)"
)
_TOLD = r"(?:(?:was|were|has\s+been|had\s+been)\s+told)"
_POSSESSIVE = (
    r"['’]s\s+(?:sources?|report(?:ing|ers?)?|correspondents?|journalists?|article|story"
    r"|analysis|investigation)"
)
_BEFORE = (
    r"(?i:according\s+to|as\s+reported\s+by|(?:first\s+)?reported\s+by|citing|cited\s+by"
    r"|quoted\s+by|told|telling|speaking\s+to|spoke\s+to|interview\s+with"
    r"|(?:said\s+)?in\s+a\s+statement\s+to|statement\s+to"
    r"|said\s+to)(?:\s+(?:a|the)\s+report\s+(?:by|in|from))?"
)

#: every phrase of :data:`_BEFORE` holds one of these, or "said to" (case folded)
_BEFORE_WORDS = (
    "according", "reported", "citing", "cited", "quoted", "told", "telling", "speaking",
    "spoke", "interview", "statement",
)  # fmt: skip
_SAID_TO = re.compile(r"said\s+to")


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
    generic = rf"(?:[Tt]he\s+)?(?:[A-Z][\w&'.-]*\s+){{1,3}}(?:{_OUTLET_NOUNS})"
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
    """
    outlet_re, phrase_res = _patterns()
    mentions: list[tuple[int, str]] | None = None  # outlets named, found when first needed
    found: list[Credit] = []
    folded = text.casefold()
    for number, phrase_re in enumerate(phrase_res):
        if (
            number == 0
            and not any(word in folded for word in _BEFORE_WORDS)
            and _SAID_TO.search(folded) is None
        ):
            continue  # no "according to", "told", "citing"...: a scan of the text saved
        for match in phrase_re.finditer(text):
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


def credited_sources(credits: Iterable[Credit]) -> set[str]:
    """The distinct source names of some credits."""
    return {credit.source for credit in credits}


def dropped_credits(a_credits: Iterable[Credit], b_credits: Iterable[Credit]) -> list[str]:
    """Sources credited by one text and not by the other (sorted): an attribution that a
    copy dropped, or one that it added."""
    return sorted(credited_sources(a_credits) ^ credited_sources(b_credits))
