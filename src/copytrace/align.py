"""Alignment of two documents: which passages they share, what changed inside them, and what
the rest of each document is.

Contract: :func:`align` (and :func:`align_texts`) returns an
:class:`~copytrace.alignment.Alignment` whose offsets all point into the original texts.

- A *passage* is a maximal shared region: runs of identical folded words (quotes, dashes,
  spaces and case folded by :mod:`copytrace.normalize`) chained in the same order on both
  sides, where runs separated by a small gap (at most ``max_gap`` words on each side, and no
  more than the matched words on either side of the gap) belong to one passage and the gap
  is explained by ``substitution``, ``insertion`` and ``deletion`` edits. A passage also takes
  in the corresponding words just beyond its first and last runs (a word changed among the
  first few). Passages with fewer than ``min_words`` matched words are dropped.
- A block of at least ``min_words`` words present in both texts in a different order is one
  ``moved`` edit; it does not break the passage around it, and it is a passage of its own when
  it lies outside the passages of the main order on either side.
- Inside matched words, differing characters that fold away (curly vs straight quotes, no-break
  vs plain spaces, paragraph breaks vs spaces, case, soft hyphens) are ``typography`` edits, one
  per run of adjacent differing words and separators.
- Text outside every passage is cut into labelled regions by :mod:`copytrace.furniture`.

Cost is near linear in the lengths of the texts: the runs come from :mod:`copytrace.runs`
(hashed k-grams, chaining in O(R log R)), and :mod:`difflib` only ever sees one gap of at
most ``max_gap`` words at a time.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from copytrace.alignment import Alignment, Edit, EditKind, Passage
from copytrace.errors import ConfigError
from copytrace.furniture import unmatched_regions
from copytrace.kernels import U8, U32, kernel
from copytrace.model import Document
from copytrace.normalize import tokenize
from copytrace.runs import (
    ANCHOR_WORDS,
    SPREAD,
    Run,
    chain,
    first_slot,
    hash_table_shape,
    longest_true,
    maximal_runs,
    trim,
)

#: the largest gap, in words on each side, that an edit inside a passage may span
DEFAULT_MAX_GAP = 30

_FOLD_PUNCT = str.maketrans("‘’‚‛′“”„‟″–—‒―−", "'''''\"\"\"\"\"-----")  # fmt: skip
_NON_DIGIT = re.compile(r"\D")
_SPACE = ord(" ")
#: whether each ASCII character is a letter or digit (str.isalnum)
_ASCII_ALNUM = np.array([chr(c).isalnum() for c in range(128)], dtype=np.bool_)


_HINT_FIELDS = (
    "title", "headline", "captions", "caption", "image_captions", "alt", "alt_text", "author",
    "authors", "byline",
)  # fmt: skip


def _furniture_hints(*metas: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """The furniture named in the metadata of both captures, as one metadata mapping."""
    merged: dict[str, list[Any]] = {}
    for meta in metas:
        if not meta:
            continue
        for key in _HINT_FIELDS:
            value = meta.get(key)
            if value:
                merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return merged


I64 = npt.NDArray[np.int64]
#: words that do not count in a gap (those of moved blocks), or ``None`` for none
_Skip = npt.NDArray[np.bool_] | None


@dataclass(slots=True, eq=False)
class _Text:
    """One text read once: its folded words and their character spans, and what alignment
    derives from them when first needed."""

    text: str
    #: how many words it has
    count: int
    starts: I64
    ends: I64
    #: its words as UTF-8, a space after each but the last (no folded word holds a space: the
    #: words of ``" ".join(words)`` are ``words``, see :mod:`copytrace.normalize`)
    folded: U8
    #: the bounds of its words and of the separators between them, and its characters as
    #: code points: made when a typography edit is looked for
    _bounds: I64 | None = None
    _codes: U32 | None = None

    def bounds(self) -> I64:
        """``[start_0, end_0, start_1, end_1, ...]``: item ``t`` (word ``t // 2`` when ``t`` is
        even, else the separator after it) is ``text[bounds[t] : bounds[t + 1]]``."""
        if self._bounds is None:
            bounds = np.empty(2 * len(self.starts), dtype=np.int64)
            bounds[0::2] = self.starts
            bounds[1::2] = self.ends
            self._bounds = bounds
        return self._bounds

    def codes(self) -> U32:
        if self._codes is None:
            encoded = self.text.encode("utf-32-le", "surrogatepass")
            self._codes = np.frombuffer(encoded, dtype=np.uint32)
        return self._codes


# a scan aligns each document with each of its copies: read it once
@lru_cache(maxsize=1024)
def _read(text: str) -> _Text:
    tokens = tokenize(text)
    return _Text(text, len(tokens), tokens.starts, tokens.ends, tokens.folded)


@dataclass(slots=True)
class _Side:
    """One text of a pair, its folded words as integer ids (shared by the pair), and their
    character spans."""

    read: _Text
    text: str
    ids: I64
    starts: I64
    ends: I64

    @classmethod
    def pair(cls, text_a: str, text_b: str) -> tuple[_Side, _Side]:
        """Both sides, their words numbered in order of first appearance in a, then in b."""
        read_a, read_b = _read(text_a), _read(text_b)
        ids_a, ids_b = _number_words(read_a.folded, read_a.count, read_b.folded, read_b.count)
        return cls.of(read_a, ids_a), cls.of(read_b, ids_b)

    @classmethod
    def of(cls, read: _Text, ids: I64) -> _Side:
        return cls(read, read.text, ids, read.starts, read.ends)


@kernel("u1[], i8, u1[], i8 -> (i8[], i8[])")
def _number_words(codes_a: U8, count_a: int, codes_b: U8, count_b: int) -> tuple[I64, I64]:
    """The ``count_a`` words of a then the ``count_b`` words of b (each side's words as
    UTF-8, separated by single spaces) numbered 0, 1, 2... in order of first appearance:
    equal numbers for equal words.

    Words are hashed and looked up in a hash table (open addressing) whose every hit is
    checked byte by byte, so that two words whose hashes collide stay apart. The
    two sides are read as one array (a space between them): choosing between two arrays
    word by word would cost reference counting on every choice.
    """
    codes = np.concatenate((codes_a, np.full(1, _SPACE, dtype=np.uint8), codes_b))
    size_all = codes.shape[0]
    count = count_a + count_b
    mask, shift = hash_table_shape(count)
    slot_hash = np.empty(mask + 1, dtype=np.uint64)
    slot_number = np.full(mask + 1, -1, dtype=np.int64)
    # the first word with that number: where it starts in codes, and its length
    slot_start = np.empty(mask + 1, dtype=np.int64)
    slot_size = np.empty(mask + 1, dtype=np.int64)
    numbers = np.empty(count, dtype=np.int64)
    seen = 0
    start = 0
    for word in range(count):
        if word == count_a:
            start = codes_a.shape[0] + 1
        end = start
        h = np.uint64(0)
        while end < size_all and codes[end] != _SPACE:
            h = h * SPREAD + np.uint64(codes[end])
            end += 1
        size = end - start
        h ^= h >> np.uint64(29)
        slot = first_slot(h, shift)
        while slot_number[slot] >= 0:
            if slot_hash[slot] == h and slot_size[slot] == size:
                other = slot_start[slot]
                offset = 0
                while offset < size and codes[start + offset] == codes[other + offset]:
                    offset += 1
                if offset == size:
                    break
            slot = (slot + 1) & mask
        if slot_number[slot] < 0:
            slot_hash[slot] = h
            slot_number[slot] = seen
            slot_start[slot] = start
            slot_size[slot] = size
            seen += 1
        numbers[word] = slot_number[slot]
        start = end + 1
    return numbers[:count_a], numbers[count_a:]


@dataclass(slots=True)
class _Block:
    """A group of runs being turned into a passage or a moved block."""

    runs: list[Run]
    matched: int = 0
    edits: list[Edit] = field(default_factory=list)
    #: character span (a_start, a_end, b_start, b_end) and word span (a0, a1, b0, b1)
    chars: list[int] = field(default_factory=list)
    extent: list[int] = field(default_factory=list)

    @property
    def words_a(self) -> tuple[int, int]:
        return self.runs[0][0], self.runs[-1][0] + self.runs[-1][2]

    @property
    def words_b(self) -> tuple[int, int]:
        return self.runs[0][1], self.runs[-1][1] + self.runs[-1][2]


def align(
    a: Document, b: Document, *, min_words: int = 8, max_gap: int = DEFAULT_MAX_GAP
) -> Alignment:
    """Align two documents (see the module contract); metadata helps label furniture."""
    return align_texts(
        a.text,
        b.text,
        a_id=a.id,
        b_id=b.id,
        meta_a=a.meta,
        meta_b=b.meta,
        min_words=min_words,
        max_gap=max_gap,
    )


def align_texts(
    text_a: str,
    text_b: str,
    *,
    a_id: str = "a",
    b_id: str = "b",
    meta_a: Mapping[str, Any] | None = None,
    meta_b: Mapping[str, Any] | None = None,
    min_words: int = 8,
    max_gap: int = DEFAULT_MAX_GAP,
) -> Alignment:
    """Align two texts (see the module contract)."""
    if min_words < 1 or max_gap < 0:
        raise ConfigError(
            f"min_words must be at least 1 and max_gap at least 0, got {min_words} and {max_gap}"
        )
    side_a, side_b = _Side.pair(text_a, text_b)
    anchor = min(ANCHOR_WORDS, min_words)
    runs = maximal_runs(side_a.ids, side_b.ids, anchor)
    path = chain(runs)
    main = trim(runs, path)
    # used_a/used_b: words already explained by a run, so that no two blocks claim a word
    used_a = np.zeros(len(side_a.ids) + 1, dtype=bool)
    used_b = np.zeros(len(side_b.ids) + 1, dtype=bool)
    for a, b, length in main:
        used_a[a : a + length] = True
        used_b[b : b + length] = True
    moved = _moved_blocks(runs, set(path), used_a, used_b, anchor, min_words, max_gap)
    for block in moved:
        _extend(block, side_a, side_b, used_a, used_b, max_gap)

    # Words of moved blocks do not count towards a gap in the main order: a paragraph moved
    # from there to elsewhere leaves a hole that the moved edit already explains.
    skip_a = skip_b = None
    if moved:
        skip_a = np.zeros(len(side_a.ids) + 1, dtype=bool)
        skip_b = np.zeros(len(side_b.ids) + 1, dtype=bool)
        for block in moved:
            skip_a[slice(*block.words_a)] = True
            skip_b[slice(*block.words_b)] = True
    blocks = _group(main, max_gap, skip_a, skip_b)
    for block in blocks:
        _extend(block, side_a, side_b, used_a, used_b, max_gap)
        _explain(block, side_a, side_b, skip_a, skip_b)
    for block in moved:
        _explain(block, side_a, side_b, None, None)

    passages: list[Passage] = []
    edits: list[Edit] = []
    hosts = list(blocks)
    for moved_block in moved:
        edits.append(_edit("moved", side_a, side_b, *moved_block.chars))
        host = next((block for block in hosts if _can_host(block, moved_block)), None)
        if host is None:
            blocks.append(moved_block)  # shared text outside the main passages: its own passage
        else:
            _absorb(host, moved_block)
    for block in blocks:
        if block.matched >= min_words:
            a_start, a_end, b_start, b_end = block.chars
            passages.append(Passage(a_start, a_end, b_start, b_end, block.matched))
            edits.extend(block.edits)
    passages.sort(key=lambda p: (p.a_start, p.b_start))
    edits.sort(key=lambda e: (e.a_start, e.b_start, -e.a_end))

    spans_a = _union([(p.a_start, p.a_end) for p in passages])
    spans_b = _union([(p.b_start, p.b_end) for p in passages])
    # a headline or caption that one capture keeps as metadata (a web page's) is furniture
    # where it stands in the other capture's text too
    hints = _furniture_hints(meta_a, meta_b)
    unmatched = unmatched_regions("a", side_a.text, spans_a, hints) + unmatched_regions(
        "b", side_b.text, spans_b, hints
    )
    return Alignment(
        a_id=a_id,
        b_id=b_id,
        passages=tuple(passages),
        edits=tuple(edits),
        unmatched=tuple(unmatched),
        a_words=len(side_a.ids),
        b_words=len(side_b.ids),
        a_coverage=_coverage(side_a.starts, spans_a),
        b_coverage=_coverage(side_b.starts, spans_b),
        typography_only=bool(passages) and all(e.kind == "typography" for e in edits),
    )


def _moved_blocks(
    runs: list[Run],
    on_chain: set[int],
    used_a: npt.NDArray[np.bool_],
    used_b: npt.NDArray[np.bool_],
    anchor: int,
    min_words: int,
    max_gap: int,
) -> list[_Block]:
    """Blocks shared in a different order: runs off the main chain, cut to the words that no
    run already uses on either side (marked used in turn), grouped like passages, keeping
    those of at least ``min_words`` words."""
    pieces: list[Run] = []
    off_chain = [run for index, run in enumerate(runs) if index not in on_chain]
    for a, b, length in sorted(off_chain, key=lambda run: -run[2]):
        if length < anchor:
            continue
        free = ~(used_a[a : a + length] | used_b[b : b + length])
        start, size = longest_true(free)
        if size >= anchor:
            pieces.append((a + start, b + start, size))
            used_a[a + start : a + start + size] = True
            used_b[b + start : b + start + size] = True
    pieces.sort()
    return [block for block in _group(pieces, max_gap, None, None) if block.matched >= min_words]


def _extend(
    block: _Block,
    side_a: _Side,
    side_b: _Side,
    used_a: npt.NDArray[np.bool_],
    used_b: npt.NDArray[np.bool_],
    max_gap: int,
) -> None:
    """Grow a block at both ends over nearby words that still correspond.

    Runs start at a shared k-gram, so a change among the first or last few words of a passage
    ("Sources in the UK government" vs "... US government") would leave those words outside
    it. Up to ``max_gap`` unused words beyond each end are matched with difflib; the block
    takes in the matches, out to the farthest one for which the words matched between it and
    the block outnumber the words left unmatched on either side. Taken words become used.
    """
    for forward in (False, True):
        last = block.runs[-1]
        edge_a, edge_b = (last[0] + last[2], last[1] + last[2]) if forward else block.runs[0][:2]
        in_a = _free_stretch(used_a, edge_a, forward, max_gap, len(side_a.ids))
        in_b = _free_stretch(used_b, edge_b, forward, max_gap, len(side_b.ids))
        if not in_a or not in_b:
            continue
        words_a = side_a.ids[in_a.start : in_a.stop].tolist()
        words_b = side_b.ids[in_b.start : in_b.stop].tolist()
        if set(words_a).isdisjoint(words_b):
            continue  # nothing to take (the usual case)
        matcher = SequenceMatcher(None, words_a, words_b, autojunk=False)
        matches = [m for m in matcher.get_matching_blocks() if m.size]
        if not forward:
            matches.reverse()
        take = matched = unmatched_a = unmatched_b = 0
        reach_a, reach_b = (0, 0) if forward else (len(in_a), len(in_b))
        for count, match in enumerate(matches, start=1):
            if forward:
                unmatched_a += match.a - reach_a
                unmatched_b += match.b - reach_b
                reach_a, reach_b = match.a + match.size, match.b + match.size
            else:
                unmatched_a += reach_a - (match.a + match.size)
                unmatched_b += reach_b - (match.b + match.size)
                reach_a, reach_b = match.a, match.b
            matched += match.size
            # matched words must outnumber the skipped ones: one chance match after one
            # skipped word ("The" after "matures") must not stretch a passage
            if matched > max(unmatched_a, unmatched_b):
                take = count
        taken = [(in_a[m.a], in_b[m.b], m.size) for m in matches[:take]]
        for a, b, length in taken:
            used_a[a : a + length] = True
            used_b[b : b + length] = True
        block.runs = sorted(block.runs + taken)


def _free_stretch(
    used: npt.NDArray[np.bool_], edge: int, forward: bool, limit: int, size: int
) -> range:
    """Indices (ascending) of up to ``limit`` unused words next to ``edge``: from ``edge`` on
    when ``forward``, else just before it."""
    index = edge
    if forward:
        stop = min(size, edge + limit)
        while index < stop and not used[index]:
            index += 1
        return range(edge, index)
    stop = max(0, edge - limit)
    while stop < index <= size and not used[index - 1]:
        index -= 1
    return range(index, edge)


def _group(runs: list[Run], max_gap: int, skip_a: _Skip, skip_b: _Skip) -> list[_Block]:
    """Runs (sorted, non-overlapping) grouped into blocks: a run joins the block before it
    when it follows on both sides and the gap, not counting skipped words, is at most
    ``max_gap`` words and no larger than the words matched on either side of it, so that two
    short chance matches cannot bridge a long stretch of unrelated text."""
    blocks: list[_Block] = []
    for run in runs:
        if blocks:
            block = blocks[-1]
            end_a, end_b = block.words_a[1], block.words_b[1]
            if run[0] >= end_a and run[1] >= end_b:
                gap_a = run[0] - end_a
                gap_b = run[1] - end_b
                if skip_a is not None and skip_b is not None:
                    gap_a -= int(np.count_nonzero(skip_a[end_a : run[0]]))
                    gap_b -= int(np.count_nonzero(skip_b[end_b : run[1]]))
                if max(gap_a, gap_b) <= min(max_gap, block.matched, run[2]):
                    block.runs.append(run)
                    block.matched += run[2]
                    continue
        blocks.append(_Block([run], matched=run[2]))
    return blocks


# ---- explaining a block: gap edits, typography, spans ----------------------------------------


def _explain(block: _Block, side_a: _Side, side_b: _Side, skip_a: _Skip, skip_b: _Skip) -> None:
    """Fill in a block's edits, matched word count and character span."""
    segments: list[Run] = []
    matched = 0
    for index, run in enumerate(block.runs):
        if index:
            previous = block.runs[index - 1]
            gap = (previous[0] + previous[2], run[0], previous[1] + previous[2], run[1])
            equal, gap_edits = _gap(side_a, side_b, *gap, skip_a, skip_b)
            block.edits.extend(gap_edits)
            segments.extend(equal)
        segments.append(run)
    merged: list[Run] = []
    for a, b, length in segments:
        if merged and merged[-1][0] + merged[-1][2] == a and merged[-1][1] + merged[-1][2] == b:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + length)
        else:
            merged.append((a, b, length))
    for segment in merged:
        matched += segment[2]
        block.edits.extend(_typography(side_a, side_b, segment))
    block.matched = matched
    a0, a1 = block.words_a
    b0, b1 = block.words_b
    chars = [
        side_a.starts.item(a0),
        side_a.ends.item(a1 - 1),
        side_b.starts.item(b0),
        side_b.ends.item(b1 - 1),
    ]
    # Punctuation next to the first and last words belongs to the passage when both sides
    # have it ("said." on both sides ends with the full stop).
    for forward in (False, True):
        pos_a, pos_b = (chars[1], chars[3]) if forward else (chars[0], chars[2])
        to_a = _punctuation_edge(side_a.text, pos_a, forward)
        to_b = _punctuation_edge(side_b.text, pos_b, forward)
        span_a = side_a.text[min(pos_a, to_a) : max(pos_a, to_a)]
        span_b = side_b.text[min(pos_b, to_b) : max(pos_b, to_b)]
        if span_a and span_b and _fold_punctuation(span_a) == _fold_punctuation(span_b):
            if span_a != span_b:
                edge = (min(pos_a, to_a), max(pos_a, to_a), min(pos_b, to_b), max(pos_b, to_b))
                block.edits.append(_edit("typography", side_a, side_b, *edge))
            if forward:
                chars[1], chars[3] = to_a, to_b
            else:
                chars[0], chars[2] = to_a, to_b
    block.chars = chars
    block.extent = [a0, a1, b0, b1]


def _can_host(host: _Block, moved: _Block) -> bool:
    """Whether a moved block lies inside or right against a passage on both sides, so that
    the passage can take it in (a paragraph moved to the end of the text stays in it)."""
    for side in (0, 2):
        h0, h1, m0, m1 = host.extent[side], host.extent[side + 1], *moved.extent[side : side + 2]
        if not (h0 <= m0 and m1 <= h1) and m0 != h1 and m1 != h0:
            return False
    return True


def _absorb(host: _Block, moved: _Block) -> None:
    for mine, theirs in ((host.extent, moved.extent), (host.chars, moved.chars)):
        for side in (0, 2):
            mine[side] = min(mine[side], theirs[side])
            mine[side + 1] = max(mine[side + 1], theirs[side + 1])
    host.matched += moved.matched
    host.edits.extend(moved.edits)


def _gap(
    side_a: _Side,
    side_b: _Side,
    a0: int,
    a1: int,
    b0: int,
    b1: int,
    skip_a: _Skip,
    skip_b: _Skip,
) -> tuple[list[Run], list[Edit]]:
    """Matched words and edits of the gap ``a[a0:a1]`` / ``b[b0:b1]`` between two runs
    (skipped words, which moved blocks explain, left out), by difflib on the folded words
    (their ids: equal for equal words)."""
    in_a, words_a = _unskipped(side_a, a0, a1, skip_a)
    in_b, words_b = _unskipped(side_b, b0, b1, skip_b)
    if not in_a and not in_b:
        return [], []
    equal: list[Run] = []
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in _opcodes(words_a, words_b):
        if tag == "equal":
            equal.extend((in_a[i1 + t], in_b[j1 + t], 1) for t in range(i2 - i1))
            continue
        # An empty side is the point just after the word before the gap.
        if i1 < i2:
            start_a, end_a = side_a.starts.item(in_a[i1]), side_a.ends.item(in_a[i2 - 1])
        else:
            start_a = end_a = side_a.ends.item(in_a[i1 - 1] if i1 else a0 - 1)
        if j1 < j2:
            start_b, end_b = side_b.starts.item(in_b[j1]), side_b.ends.item(in_b[j2 - 1])
        else:
            start_b = end_b = side_b.ends.item(in_b[j1 - 1] if j1 else b0 - 1)
        kind: EditKind = (
            "substitution" if tag == "replace" else "deletion" if tag == "delete" else "insertion"
        )
        edits.append(_edit(kind, side_a, side_b, start_a, end_a, start_b, end_b))
    return equal, edits


def _opcodes(words_a: list[int], words_b: list[int]) -> Sequence[tuple[str, int, int, int, int]]:
    """difflib's opcodes for two word lists, without difflib when they share no word (most
    gaps: one word changed, inserted or deleted)."""
    if set(words_a).isdisjoint(words_b):
        if words_a and words_b:
            return [("replace", 0, len(words_a), 0, len(words_b))]
        if words_a:
            return [("delete", 0, len(words_a), 0, 0)]
        return [("insert", 0, 0, 0, len(words_b))] if words_b else []
    return SequenceMatcher(None, words_a, words_b, autojunk=False).get_opcodes()


def _unskipped(side: _Side, start: int, end: int, skip: _Skip) -> tuple[list[int], list[int]]:
    """The indices and ids of ``side``'s words ``start`` to ``end`` that are not skipped."""
    if skip is None:
        return list(range(start, end)), side.ids[start:end].tolist()
    kept = (~skip[start:end]).nonzero()[0] + start
    return kept.tolist(), side.ids[kept].tolist()


def _typography(side_a: _Side, side_b: _Side, segment: Run) -> list[Edit]:
    """Typography edits inside a run of equal folded words: each stretch of adjacent words
    and separators whose original characters differ, trimmed of shared punctuation."""
    a, b, length = segment
    start_a, end_a = side_a.starts.item(a), side_a.ends.item(a + length - 1)
    start_b, end_b = side_b.starts.item(b), side_b.ends.item(b + length - 1)
    text_a, text_b = side_a.text, side_b.text
    if text_a[start_a:end_a] == text_b[start_b:end_b]:
        return []  # the common case for a verbatim copy: one string comparison
    spans = _differing_items(
        side_a.read.codes(),
        side_b.read.codes(),
        side_a.read.bounds()[2 * a : 2 * (a + length)],
        side_b.read.bounds()[2 * b : 2 * (b + length)],
    ).tolist()
    return [
        _new_edit("typography", sa, ea, sb, eb, text_a[sa:ea], text_b[sb:eb], False)
        for sa, ea, sb, eb in (
            _trim_shared_punctuation(text_a, text_b, *span[:4]) if span[4] else span[:4]
            for span in spans
        )
    ]


def _trim_shared_punctuation(
    text_a: str, text_b: str, sa: int, ea: int, sb: int, eb: int
) -> tuple[int, int, int, int]:
    """The spans ``text_a[sa:ea]``, ``text_b[sb:eb]`` without the characters they share at
    either end that are not letters or digits (",\xa0" vs ", " is a change of space)."""
    while sa < ea and sb < eb and text_a[sa] == text_b[sb] and not text_a[sa].isalnum():
        sa, sb = sa + 1, sb + 1
    while ea > sa and eb > sb and text_a[ea - 1] == text_b[eb - 1] and not text_a[ea - 1].isalnum():
        ea, eb = ea - 1, eb - 1
    return sa, ea, sb, eb


@kernel("u4[], u4[], i8[], i8[] -> i8[,]")
def _differing_items(codes_a: U32, codes_b: U32, bounds_a: I64, bounds_b: I64) -> I64:
    """Rows ``(a_start, a_end, b_start, b_end, unsure)``: the character spans of the
    stretches of adjacent items of a run of equal folded words whose characters differ,
    trimmed of shared punctuation (:func:`_trim_shared_punctuation`), except that a span
    whose trimming meets the same character beyond ASCII at an end is left whole, with
    ``unsure`` 1: whether that is a letter or digit is for Python to say.

    ``codes_a``, ``codes_b``: the texts' code points; item ``t`` of a run (its words, and the
    separators between them) is ``text[bounds[t] : bounds[t + 1]]`` on each side, empty where
    the bounds are not in order (where folding split a raw word, its pieces share its span).
    """
    items = bounds_a.shape[0] - 1
    spans = np.empty(((items + 1) // 2, 5), dtype=np.int64)
    found = 0
    inside = False
    for t in range(items):
        start_a, end_a, start_b, end_b = bounds_a[t], bounds_a[t + 1], bounds_b[t], bounds_b[t + 1]
        size = max(end_a - start_a, 0)
        differ = size != max(end_b - start_b, 0)
        offset = 0
        while not differ and offset < size:
            differ = codes_a[start_a + offset] != codes_b[start_b + offset]
            offset += 1
        if not differ:
            inside = False
        elif inside:
            spans[found - 1, 1], spans[found - 1, 3] = end_a, end_b
        else:
            spans[found] = start_a, end_a, start_b, end_b, 0
            found += 1
            inside = True
    for row in range(found):
        sa, ea, sb, eb, _ = spans[row]
        unsure = False
        while sa < ea and sb < eb and codes_a[sa] == codes_b[sb]:
            if codes_a[sa] >= 128:
                unsure = True
                break
            if _ASCII_ALNUM[codes_a[sa]]:
                break
            sa, sb = sa + 1, sb + 1
        while not unsure and ea > sa and eb > sb and codes_a[ea - 1] == codes_b[eb - 1]:
            if codes_a[ea - 1] >= 128:
                unsure = True
                break
            if _ASCII_ALNUM[codes_a[ea - 1]]:
                break
            ea, eb = ea - 1, eb - 1
        if not unsure:
            spans[row, 0], spans[row, 1], spans[row, 2], spans[row, 3] = sa, ea, sb, eb
        else:
            spans[row, 4] = 1
    return spans[:found]


# Edit is a frozen dataclass: its __init__ stores each field through object.__setattr__. A
# pair whose copy changed case has a typography edit for every word, so they are made here by
# storing the fields through the slot descriptors instead: the same record, in half the time.
_EDIT_FIELDS = ("kind", "a_start", "a_end", "b_start", "b_end", "a_text", "b_text", "numbers")
if tuple(member.name for member in dataclasses.fields(Edit)) != _EDIT_FIELDS:
    raise RuntimeError("copytrace.align._new_edit does not know the fields of Edit")
_SET_KIND, _SET_A0, _SET_A1, _SET_B0, _SET_B1, _SET_A_TEXT, _SET_B_TEXT, _SET_NUMBERS = (
    getattr(Edit, name).__set__ for name in _EDIT_FIELDS
)


def _new_edit(
    kind: EditKind, sa: int, ea: int, sb: int, eb: int, a_text: str, b_text: str, numbers: bool
) -> Edit:
    """``Edit(kind, sa, ea, sb, eb, a_text, b_text, numbers)``, made faster (see above)."""
    edit: Edit = object.__new__(Edit)
    _SET_KIND(edit, kind)
    _SET_A0(edit, sa)
    _SET_A1(edit, ea)
    _SET_B0(edit, sb)
    _SET_B1(edit, eb)
    _SET_A_TEXT(edit, a_text)
    _SET_B_TEXT(edit, b_text)
    _SET_NUMBERS(edit, numbers)
    return edit


def _edit(kind: EditKind, side_a: _Side, side_b: _Side, sa: int, ea: int, sb: int, eb: int) -> Edit:
    a_text, b_text = side_a.text[sa:ea], side_b.text[sb:eb]
    numbers = kind != "typography" and (_NON_DIGIT.sub("", a_text) != _NON_DIGIT.sub("", b_text))
    return _new_edit(kind, sa, ea, sb, eb, a_text, b_text, numbers)


def _punctuation_edge(text: str, position: int, forward: bool) -> int:
    """Where the punctuation (neither space nor letter nor digit) touching ``position`` ends."""
    if forward:
        while position < len(text) and not (text[position].isspace() or text[position].isalnum()):
            position += 1
    else:
        while position > 0 and not (text[position - 1].isspace() or text[position - 1].isalnum()):
            position -= 1
    return position


def _fold_punctuation(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_FOLD_PUNCT)


# ---- what is left over ---------------------------------------------------------------------


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _coverage(starts: I64, spans: list[tuple[int, int]]) -> float:
    """Share of the words (by start offset) that lie inside ``spans``."""
    count = len(starts)
    if not count:
        return 0.0
    inside = sum(
        int(starts.searchsorted(end)) - int(starts.searchsorted(start)) for start, end in spans
    )
    return inside / count
