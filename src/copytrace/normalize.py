"""Normalisation and tokenisation that fold typography and keep offsets into the original.

Contract: :func:`tokenize` turns a text into words; each word is folded (Unicode NFKC, case
folding, soft hyphens and zero-width characters removed, Latin look-alike letters from other
scripts mapped to Latin inside mixed-script words) and carries the ``[start, end)`` character
offsets of the original text it came from. Mojibake and HTML character references and tags are
undone first (:mod:`copytrace.textrepair`). Punctuation, quotes, dashes, "_" and every kind of
space separate words and are not words themselves, so curly and straight quotes, en and em
dashes, and no-break spaces fold to the same word sequence. Digits are kept: "12 percent" and
"15 percent" differ.

:func:`words` gives the same folded words without offsets, faster; the two always agree.
Normalisation is idempotent: the words of ``" ".join(words(t))`` are ``words(t)``.
"""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt

from copytrace import kernels
from copytrace.textrepair import repair, repair_spans, to_original

#: characters that vanish inside a word: soft hyphen, zero-width space/non-joiner/joiner,
#: word joiner, zero-width no-break space (BOM)
IGNORABLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_DELETE_IGNORABLE = {ord(c): None for c in IGNORABLE}

# Cyrillic and Greek letters that look like Latin ones (both cases: Greek capital Ν looks like
# N, small ν like v); applied before case folding and only inside words that also hold Latin
# letters, the usual trick of look-alike sites and the usual damage of bad OCR.
LOOKALIKES = {
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O",
    "Р": "P", "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    "ο": "o", "α": "a", "ν": "v", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "Α": "A", "Β": "B",
    "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O", "Ρ": "P",
    "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
_CONFUSABLES = str.maketrans(LOOKALIKES)
_CONFUSABLE_CHARS = frozenset(LOOKALIKES)


# ---- the code points whose folding is one code point, a separator, or nothing ----------------
#
# Most news text is made of them. Compiled kernels fold and tokenise such text by a table
# (:func:`fold_table`): the fingerprints' folding (:mod:`copytrace.fingerprint`) and
# :func:`tokenize`. A text holding any other character is folded here in Python.

#: characters that are separators (or vanish) in :func:`words` and whose NFKC form holds no
#: word character: mapping them to a space keeps the words the same, and turns most news text
#: (curly quotes, dashes, no-break spaces) into ASCII, for which lower-casing is all folding
SEPARATORS = (
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028"
    "\u2029\u202f\u205f\u3000"  # spaces
    "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043"  # hyphens, dashes, minus
    "\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\u2039\u203a\u00ab\u00bb"
    "\u2026\u2022\u00b7\u00a7\u00b6\u00a9\u00ae\u00b0\u2020\u2021\u2030"  # …•·§¶©®°†‡‰
    "\u00a3\u20ac\u00a5\u00a2\u00d7\u00f7\u00b1\u00a1\u00bf"  # £€¥¢×÷±¡¿
)
#: the one letter whose lower case depends on its neighbours: ``str.lower`` makes a word's last
#: capital sigma a final sigma, case folding (and so :func:`words`) always "σ"
CAPITAL_SIGMA = "\u03a3"
#: Hangul's conjoining letters: each is left alone by NFKC, but NFKC joins a run of them into
#: syllables, so a word holding them is folded whole, not letter by letter
_CONJOINING_JAMO = range(0x1100, 0x1200)


@cache
def simple_letters() -> str:
    """Non-ASCII characters for which lower-casing is the whole of folding, in any word.

    A letter or digit that NFKC leaves alone, whose case folding is its one-character lower
    case (also left alone by NFKC), that is no look-alike, and that NFKC joins with no other
    letter (as it joins conjoining jamo), folds by ``str.lower``: most accented Latin, Greek
    and Cyrillic letters. Everything else (ligatures, "ß", combining marks, look-alikes,
    symbols, other scripts) takes the full path.
    """
    simple = []
    for code in range(0x80, 0x3000):
        char = chr(code)
        lower = char.lower()
        if (
            char.isalnum()
            and len(lower) == 1
            and char.casefold() == lower
            and unicodedata.normalize("NFKC", char) == char
            and unicodedata.normalize("NFKC", lower) == lower
            and char not in LOOKALIKES
            and lower not in LOOKALIKES
            and code not in _CONJOINING_JAMO
        ):
            simple.append(char)
    return "".join(simple)


@cache
def fold_table() -> npt.NDArray[np.int32]:
    """What the folding kernels do with each code point of the BMP: ignorables are deleted
    (:data:`~copytrace.kernels.DELETE`), separators become a space, ASCII and simple letters
    their lower case (capital sigma "σ", as case folding has it), and everything else is
    :data:`~copytrace.kernels.UNUSUAL`: the text is folded here instead."""
    table = np.full(0x10000, kernels.UNUSUAL, dtype=np.int32)
    for char in [chr(code) for code in range(0x80)] + list(simple_letters()):
        table[ord(char)] = ord(char.lower())
    table[ord(CAPITAL_SIGMA)] = ord("σ")
    for char in SEPARATORS:
        table[ord(char)] = ord(" ")
    for char in IGNORABLE:
        table[ord(char)] = kernels.DELETE
    return table


@cache
def word_table() -> npt.NDArray[np.int32]:
    """:func:`fold_table` for :func:`copytrace.kernels.fold_words`: what separates words
    (ASCII other than letters and digits, separators) is :data:`~copytrace.kernels.SEPARATE`,
    so that one look-up says what a code point is."""
    table = fold_table().copy()
    table[table == ord(" ")] = kernels.SEPARATE
    ascii_table = table[:128]
    ascii_table[[not chr(code).isalnum() for code in range(128)]] = kernels.SEPARATE
    return table


#: the code points that can be combining marks: planes 0, 1 and 14 hold every one (the other
#: planes hold ideographs, private use and nothing yet), so looking there alone builds the
#: class in a fifth of the time, once per process (tests check it against all code points)
_MARK_PLANES = (range(0x20000), range(0xE0000, 0xF0000))


@cache
def _token_pattern() -> re.Pattern[str]:
    """Word characters, plus combining marks and ignorables so that they stay inside words.

    Python's ``\\w`` does not match combining marks (categories Mn, Mc, Me), which would cut
    decomposed accents and many scripts' vowel signs out of words; the class is built once
    from the running Python's Unicode database.
    """
    ranges: list[str] = []
    start = prev = -2
    for cp in itertools.chain(*_MARK_PLANES):
        if unicodedata.category(chr(cp))[0] == "M":
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(_char_range(start, prev))
                start = cp
            prev = cp
    if start >= 0:
        ranges.append(_char_range(start, prev))
    marks = "".join(ranges)
    ignorable = "".join(f"\\u{ord(c):04x}" for c in IGNORABLE)
    return re.compile(f"[\\w{marks}{ignorable}]+")


def _char_range(lo: int, hi: int) -> str:
    return f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}"


_ASCII_WORD = re.compile(r"\w+", re.ASCII)


def _fold_once(raw: str) -> str:
    """One folding pass: ignorables removed, NFKC, look-alikes mapped, case folded, NFKC."""
    word = unicodedata.normalize("NFKC", raw.translate(_DELETE_IGNORABLE))
    if not word.isascii() and _CONFUSABLE_CHARS.intersection(word) and _has_ascii_letter(word):
        word = word.translate(_CONFUSABLES)
    word = word.casefold()
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


@lru_cache(maxsize=1 << 16)
def fold_pieces(raw: str, _depth: int = 0) -> tuple[str, ...]:
    """The folded words of one raw word (usually one; none for a run of ignorables).

    Folding can split a word: NFKC turns "½" into "1⁄2" and "⑴" into "(1)", whose
    separators make two words. Each piece is folded again until it no longer changes (case
    folding can create a look-alike letter, and NFKC can undo case folding), so that folding
    the folded words changes nothing.
    """
    if raw.isascii():
        return (raw.lower(),) if raw else ()
    pattern = _token_pattern()
    out: list[str] = []
    for piece in pattern.findall(_fold_once(raw).replace("_", " ")):
        word = piece
        for _ in range(4):
            again = _fold_once(word)
            if again == word:
                break
            word = again
        if not word:
            continue
        if _depth < 3 and (pattern.fullmatch(word) is None or "_" in word):
            out.extend(fold_pieces(word, _depth + 1))
        else:
            out.append(word)
    return tuple(out)


def fold_word(raw: str) -> str:
    """Fold one raw word: NFKC, ignorables removed, case folded, look-alikes mapped to Latin.

    Returns ``""`` for a run of ignorables, and the pieces joined by spaces in the rare case
    where folding splits the word (see :func:`fold_pieces`).
    """
    return " ".join(fold_pieces(raw))


def _has_ascii_letter(word: str) -> bool:
    return any("a" <= ch <= "z" or "A" <= ch <= "Z" for ch in word)


@dataclass(frozen=True, slots=True)
class Tokens:
    """Folded words of a text and their ``[start, end)`` offsets in the original text: the
    words as UTF-8, a space after each but the last (``" ".join(words)``), and how many.
    A word's string is made only when :attr:`words` is asked for."""

    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    folded: npt.NDArray[np.uint8]
    count: int

    @property
    def words(self) -> list[str]:
        """The folded words (no folded word holds a space)."""
        joined = self.folded.tobytes().decode("utf-8", "surrogatepass")
        return joined.split(" ") if self.count else []

    def __len__(self) -> int:
        return self.count


def _separate_underscores(text: str) -> str:
    # "_" is a word character to regular expressions but a separator to readers; replacing it
    # with a space keeps every offset.
    return text.replace("_", " ") if "_" in text else text


def words(text: str) -> list[str]:
    """The folded words of ``text`` (no offsets)."""
    text = _separate_underscores(repair(text))
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    out: list[str] = []
    for raw in _token_pattern().findall(text):
        out.extend(fold_pieces(raw))
    return out


def tokenize(text: str) -> Tokens:
    """The folded words of ``text`` with their offsets into ``text``.

    A raw word that folding splits (see :func:`fold_pieces`) gives several words with the
    same offsets. Damage that :mod:`copytrace.textrepair` undoes is undone first; a word
    holding a repaired character spans the damaged characters in ``text``.
    """
    repaired, repairs = repair_spans(text)
    tokens = _tokenize(repaired)
    if not len(repairs):
        return tokens
    starts = to_original(tokens.starts, repairs, ends=False)
    ends = to_original(tokens.ends, repairs, ends=True)
    return Tokens(starts, ends, tokens.folded, tokens.count)


def _tokenize(text: str) -> Tokens:
    """:func:`tokenize` of a text already repaired: by a compiled kernel
    (:func:`copytrace.kernels.fold_words`), unless the text holds a character that only
    :func:`fold_pieces` folds."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    starts, ends, folded, count = kernels.fold_words(codes, word_table())
    if count < 0:
        return _tokenize_unusual(text, codes)
    return Tokens(starts, ends, folded, count)


def _tokenize_unusual(text: str, codes: npt.NDArray[np.uint32]) -> Tokens:
    """:func:`_tokenize` of a text holding characters that only :func:`fold_pieces` folds
    (``codes``: its code points)."""
    # The words are the maximal stretches of word characters (those of the word pattern, a
    # single character class repeated): a mask of them gives the offsets, and the text with
    # every other character made a space splits into the raw words.
    is_word = _word_class(codes)
    is_word &= codes != _UNDERSCORE
    starts, ends = _word_spans(is_word)
    # Every character outside a word a space, then lower case: the words that are all ASCII
    # are folded, the others are folded one by one below (lower-casing makes no space).
    spaced = np.where(is_word, codes, np.uint32(_SPACE)).tobytes()
    out = spaced.decode("utf-32-le", "surrogatepass").lower().split()
    if len(out) != len(starts):  # a word character that str.split takes for a space
        out = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        special: Iterable[int] = range(len(out))
    else:
        # the words holding a character outside ASCII (ascending, once each)
        inside = starts.searchsorted((is_word & (codes > 127)).nonzero()[0], side="right") - 1
        special = sorted(set(inside.tolist()))
    split: dict[int, tuple[str, ...]] = {}
    for index in special:
        pieces = fold_pieces(text[starts[index] : ends[index]])
        if len(pieces) == 1:
            out[index] = pieces[0]
        else:
            split[index] = pieces
    if split:  # folding split a raw word, or left nothing of it
        counts = np.ones(len(out), dtype=np.int64)
        counts[list(split)] = [len(pieces) for pieces in split.values()]
        out = [word for index, raw in enumerate(out) for word in split.get(index, (raw,))]
        starts, ends = starts.repeat(counts), ends.repeat(counts)
    joined = np.frombuffer(" ".join(out).encode("utf-8", "surrogatepass"), np.uint8)
    return Tokens(starts, ends, joined, len(out))


_SPACE = ord(" ")
_UNDERSCORE = ord("_")
#: whether each code point matches the word pattern: 0 not known yet, 1 no, 2 yes; filled in
#: from the pattern itself as texts bring code points not seen before
_CLASS_OF_CODE_POINT = np.zeros(sys.maxunicode + 1, dtype=np.int8)


def _word_class(codes: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    """Whether each code point of a text is a word character."""
    known = _CLASS_OF_CODE_POINT[codes]
    if not known.all():
        pattern = _token_pattern()
        for code in np.unique(codes[known == 0]).tolist():
            _CLASS_OF_CODE_POINT[code] = 2 if pattern.fullmatch(chr(code)) else 1
        known = _CLASS_OF_CODE_POINT[codes]
    result: npt.NDArray[np.bool_] = known == 2
    return result


def _word_spans(
    is_word: npt.NDArray[np.bool_],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``[start, end)`` of every maximal stretch of word characters."""
    padded = np.zeros(is_word.shape[0] + 2, dtype=np.bool_)
    padded[1:-1] = is_word
    edges = (padded[1:] != padded[:-1]).nonzero()[0].astype(np.int64, copy=False)
    return edges[0::2], edges[1::2]


def fold(text: str) -> str:
    """The folded words of ``text`` joined by single spaces: its typography-free form."""
    return " ".join(words(text))
