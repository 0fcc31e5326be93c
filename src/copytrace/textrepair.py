"""Repairs of text damaged on its way between sites, made before words are folded: mojibake,
and HTML character references and tags left in the text.

- **Mojibake**: UTF-8 read as Windows-1252 or Latin-1 somewhere along the way, so that
  "don’t" became "donâ€™t", "café" "cafÃ©", "£" "Â£", and a Russian or Chinese text a run of
  Latin letters and symbols ("Ð¿Ñ€Ð¸", "ä¸\xadå›½"). A text holding a UTF-8 lead character
  followed by continuation characters, so read, is handed to ftfy (:func:`ftfy.fix_encoding`),
  which decides whether it is mojibake (its heuristics tell "LÊ THÁI" or "280 km × 80 km"
  from damage) and undoes it, twice-damaged text included.
- **Character references**: ``&amp;``, ``&#8217;``, ``&rsquo;``, ``&nbsp;`` left in text by a
  scraper that did not unescape them (or escaped them twice: ``&amp;#8217;``), each replaced
  by the character it stands for (:func:`html.unescape`).
- **Tags**: ``<p class="story">``, ``<br/>``, ``<b>`` kept by a scraper that stored the
  markup: a tag that ends a line or block becomes a space, one inside a line nothing. Only
  HTML's own tag names count, so that Reuters' tickers ("<IBM>") and "x<y>z" stay text.

Either way one capture's words would differ from the other's around each damaged character
(an apostrophe in three words of a hundred is enough to take a copy below a Jaccard of 0.8).
The repair is for comparing only: documents, outputs and every reported span keep the text
as it was given. :func:`repair` gives the repaired text; :func:`repair_spans` also gives the
span of the original that each character of the repaired text stands for, and
:func:`to_original` maps spans of the repaired text back to the original.

ftfy is imported only when a text holds such a run (about one text in 50,000 of a clean news
corpus), so a corpus without damage does not pay for it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]

#: the characters Windows-1252 gives the bytes 0x80-0x9F (Latin-1 gives control characters,
#: U+0080-U+009F, which the classes below hold too)
_CP1252_HIGH = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
#: what a UTF-8 continuation byte (0x80-0xBF) reads as
_CONTINUATION = f"\u0080-\u00bf{_CP1252_HIGH}"
#: a run of characters that bytes 0x80-0xFF read as, at least two long
_RUN = f"[\u0080-\u00ff{_CP1252_HIGH}]{{2,}}"
#: a character reference: a number, decimal or hexadecimal, or a name; "&amp;" may precede
#: it again and again (text escaped more than once)
_REFERENCE = r"&(?:amp;)*(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
#: HTML tags that end a line or a block of text (a separator where they stood) and those
#: inside a line (nothing where they stood), as a scraper that kept the markup leaves them;
#: names only, so that Reuters' "<IBM>" and a text about "x<y>z" stay as they are
_BLOCK_TAGS = (
    "p|br|div|li|ul|ol|dl|dt|dd|h[1-6]|hr|table|thead|tbody|tr|td|th|section|article|header"
    "|footer|aside|nav|main|figure|figcaption|blockquote|pre|center|img|picture|source|iframe"
    "|noscript"
)
_INLINE_TAGS = "a|b|i|u|em|strong|small|sub|sup|span|font|mark|abbr|time|code|q|cite|wbr"
_TAG = f"</?(?:(?P<block>{_BLOCK_TAGS})|{_INLINE_TAGS})(?:\\s[^<>]{{0,500}}?)?\\s*/?>"
#: two word characters with something else between them
_WORDS_APART = re.compile(r"\w\W+\w")

#: how many times a reference is unescaped at most (``&amp;amp;amp;...``)
_MOST_UNESCAPES = 8

#: a change of a text: ``[start, end)`` of it becomes ``replacement``
Region = tuple[int, int, str]


@cache
def _lead_and_continuation() -> re.Pattern[str]:
    """A UTF-8 sequence of two, three or four bytes, read as Windows-1252 or Latin-1. (One
    class first, the rest behind lookbehinds: the regular expression engine then looks for
    that class alone through the text, four times as fast as for an alternation.)"""
    return re.compile(
        f"[\u00c2-\u00f4](?:(?<=[\u00c2-\u00df])[{_CONTINUATION}]"
        f"|(?<=[\u00e0-\u00ef])[{_CONTINUATION}]{{2}}"
        f"|(?<=[\u00f0-\u00f4])[{_CONTINUATION}]{{3}})"
    )


@cache
def _run() -> re.Pattern[str]:
    return re.compile(_RUN)


@cache
def _reference() -> re.Pattern[str]:
    return re.compile(_REFERENCE)


@cache
def _tag() -> re.Pattern[str]:
    return re.compile(_TAG, re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Repairs:
    """Character ``i`` of the repaired text stands for ``[starts[i], ends[i])`` of the original
    (empty arrays: nothing was repaired, each character stands for itself)."""

    starts: I64
    ends: I64

    def __len__(self) -> int:
        return int(self.starts.shape[0])


_NOTHING = Repairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def _undamaged(text: str) -> bool:
    """Whether ``text`` certainly holds none of the damage repaired here (most texts)."""
    return text.isascii() and "&" not in text and "<" not in text


def repair(text: str) -> str:
    """``text`` with its mojibake, character references and markup undone (itself when it
    has none)."""
    if _undamaged(text):
        return text
    return _repaired(text, spans=False).text


def repair_spans(text: str) -> tuple[str, Repairs]:
    """The repaired text, and the span of ``text`` each of its characters stands for."""
    if _undamaged(text):
        return text, _NOTHING
    repaired = _repaired(text, spans=True)
    return repaired.text, repaired.repairs()


def _may_hold_mojibake(text: str) -> bool:
    """Whether ``text`` holds a character that can lead mojibake (U+00C2 to U+00F4): every
    character from U+00C0 to U+00FF is written with the byte C3 in UTF-8, and no other one
    holds it. Most texts beyond ASCII hold none (curly quotes, dashes, no-break spaces), and
    looking for the byte is five times as fast as the regular expression's search."""
    return b"\xc3" in text.encode("utf-8", "surrogatepass")


def _repaired(text: str, *, spans: bool) -> _Repairing:
    repaired = _Repairing(text, spans)
    if (
        not text.isascii()
        and _may_hold_mojibake(text)
        and any(_plausible(match.group()) for match in _lead_and_continuation().finditer(text))
    ):
        _undo_mojibake(repaired)
    if "&" in text:  # references are ASCII: mojibake undone left them as they were
        regions = []
        for match in _reference().finditer(repaired.text):
            fixed = _unescaped(match.group())
            if fixed != match.group():
                regions.append((match.start(), match.end(), fixed))
        repaired.change(regions)
    if "<" in repaired.text:  # after the references: "&lt;p&gt;" is a tag too
        repaired.change(
            [
                (match.start(), match.end(), " " if match.group("block") else "")
                for match in _tag().finditer(repaired.text)
            ]
        )
    return repaired


def to_original(positions: I64, repairs: Repairs, *, ends: bool) -> I64:
    """Positions in the repaired text as positions in the original: where a span starts
    (``ends`` false: the start of its first character's) or ends (``ends`` true: the end of
    its last character's; every span is of one character or more)."""
    if not len(repairs):
        return positions
    result: I64 = repairs.ends[positions - 1] if ends else repairs.starts[positions]
    return result


class _Repairing:
    """A text being repaired and, when asked for (``spans``), the span of the original each
    of its characters stands for."""

    def __init__(self, text: str, spans: bool) -> None:
        self.text = text
        self.spans = spans
        self.starts: I64 | None = None  # None: each character stands for itself
        self.ends: I64 | None = None

    def change(self, regions: list[Region]) -> None:
        """Replace ``regions`` (in order, apart) of the text; a replacement's characters all
        stand for the whole span its region stood for."""
        if not regions:
            return
        pieces: list[str] = []
        done = 0
        for start, end, replacement in regions:
            pieces += (self.text[done:start], replacement)
            done = end
        pieces.append(self.text[done:])
        if self.spans:
            self._change_spans(regions)
        self.text = "".join(pieces)

    def _change_spans(self, regions: list[Region]) -> None:
        size = len(self.text)
        starts = self.starts if self.starts is not None else np.arange(size, dtype=np.int64)
        ends = self.ends if self.ends is not None else np.arange(1, size + 1, dtype=np.int64)
        new_starts: list[I64] = []
        new_ends: list[I64] = []
        done = 0
        for start, end, replacement in regions:
            new_starts += (starts[done:start], np.full(len(replacement), starts[start]))
            new_ends += (ends[done:start], np.full(len(replacement), ends[end - 1]))
            done = end
        self.starts = np.concatenate([*new_starts, starts[done:]]).astype(np.int64, copy=False)
        self.ends = np.concatenate([*new_ends, ends[done:]]).astype(np.int64, copy=False)

    def repairs(self) -> Repairs:
        if self.starts is None or self.ends is None:
            return _NOTHING
        return Repairs(self.starts, self.ends)


def _undo_mojibake(repairing: _Repairing) -> None:
    """Undo the mojibake ftfy finds, reading the whole text (its decisions weigh the text
    around a run: "â„¢" alone may be meant, after "â‚¬5" it is "™"), one reading at a time: a
    region a character, where each reading lines up with the text before it that way (see
    :func:`_lined_up`); where one does not, each run of such characters is repaired on its
    own (:func:`_repaired_run`)."""
    import ftfy  # only where a text may hold mojibake (see the module docstring)

    plan = [
        (operation, argument)
        for operation, argument in ftfy.fix_encoding_and_explain(repairing.text).explanation or ()
    ]
    done = 0
    for step, (operation, _) in enumerate(plan, 1):
        if operation == "encode":
            continue  # a reading is an encoding and a decoding: lined up as a whole
        before = repairing.text
        after = ftfy.apply_plan(before, plan[done:step])
        done = step
        regions = _lined_up(before, after)
        if regions is None:
            break
        repairing.change(regions)
    else:
        return
    for match in reversed(list(_run().finditer(repairing.text))):
        repairing.change(_repaired_run(match))


#: the blocks where the characters of real text lie, that mojibake stands for: Latin (with
#: its Latin-1 supplement and extensions), Greek, Cyrillic, Hebrew, Arabic, punctuation and
#: symbols, CJK, Hangul, the byte order mark and full-width forms, emoji
_PLAUSIBLE = (
    (0x00A0, 0x024F),
    (0x0370, 0x052F),
    (0x0590, 0x06FF),
    (0x2000, 0x2BFF),
    (0x3000, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xFE00, 0xFFFF),
    (0x1F000, 0x1FAFF),
)


def _plausible(sequence: str) -> bool:
    """Whether a sequence that looks like the mojibake of one character (a lead and its
    continuations) stands for a character of real text: "Ã©" for "é" does, "Ê\u00a0" (a
    capital and a no-break space, in Vietnamese) for the IPA letter "ʠ" does not. Only then
    is ftfy loaded to weigh the text."""
    encoded = _bytes_read_as(sequence)
    if encoded is None:
        return False
    try:
        code = ord(encoded.decode("utf-8"))
    except (UnicodeDecodeError, TypeError):  # not UTF-8, or more than one character
        return False
    return any(low <= code <= high for low, high in _PLAUSIBLE)


def _lined_up(original: str, fixed: str) -> list[Region] | None:
    """The regions that make ``original`` into ``fixed``, if every character of ``fixed`` is
    either the next character of ``original`` or the mojibake of one reading of it: its UTF-8
    bytes, each read as a character (Windows-1252, Latin-1 for the bytes Windows-1252 leaves
    undefined); else ``None``."""
    regions: list[Region] = []
    start = 0
    for char in fixed:
        if original.startswith(char, start):  # left as it was
            start += 1
            continue
        encoded = char.encode("utf-8", "surrogatepass")
        if _bytes_read_as(original[start : start + len(encoded)]) != encoded:
            return None
        regions.append((start, start + len(encoded), char))
        start += len(encoded)
    return regions if start == len(original) else None


def _bytes_read_as(chars: str) -> bytes | None:
    """The bytes that ``chars`` are the reading of (see :func:`_lined_up`), if any."""
    out = bytearray()
    for char in chars:
        try:
            out += char.encode("cp1252")
        except UnicodeEncodeError:
            if ord(char) > 0xFF:
                return None
            out.append(ord(char))  # a control character: Latin-1's reading of 0x80-0x9F
    return bytes(out)


def _repaired_run(match: re.Match[str]) -> list[Region]:
    """The regions of one run of such characters (``match``) that ftfy repairs, read alone:
    a region a character where they line up (:func:`_lined_up`), else the whole run if what
    it becomes holds no two words (the span of the word it is part of then takes in all of
    it), else none."""
    import ftfy

    run, at = match.group(), match.start()
    fixed: str = ftfy.fix_encoding(run)
    if fixed == run:
        return []
    lined = _lined_up(run, fixed)
    if lined is not None:
        return [(at + start, at + end, char) for start, end, char in lined]
    if _WORDS_APART.search(fixed):
        return []
    return [(at, match.end(), fixed)]


def _unescaped(reference: str) -> str:
    text = reference
    for _ in range(_MOST_UNESCAPES):
        again = html.unescape(text)
        if again == text:
            break
        text = again
    return text
