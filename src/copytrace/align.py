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

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import accumulate
from typing import Any

import numpy as np
import numpy.typing as npt

from copytrace.alignment import Alignment, Edit, EditKind, Passage
from copytrace.errors import ConfigError
from copytrace.furniture import unmatched_regions
from copytrace.model import Document
from copytrace.normalize import tokenize
from copytrace.runs import ANCHOR_WORDS, Run, chain, longest_true, maximal_runs, trim

#: the largest gap, in words on each side, that an edit inside a passage may span
DEFAULT_MAX_GAP = 30

_FOLD_PUNCT = str.maketrans("‘’‚‛′“”„‟″–—‒―−", "'''''\"\"\"\"\"-----")  # fmt: skip
_NON_DIGIT = re.compile(r"\D")


_HINT_FIELDS = (
    "title", "headline", "captions", "caption", "image_captions", "alt", "alt_text", "author",
    "authors", "byline",
)  # fmt: skip


def _furniture_hints(*metas: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """The furniture named in the metadata of both captures, as one metadata mapping."""
    merged: dict[str, list[Any]] = {}
    for meta in metas:
        for key in _HINT_FIELDS:
            value = (meta or {}).get(key)
            if value:
                merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
    return merged


# a scan aligns each document with each of its copies: tokenise it once
_tokens = lru_cache(maxsize=1024)(tokenize)


@dataclass(slots=True)
class _Side:
    """One text, its folded words as integer ids, and their character spans."""

    text: str
    words: list[str]
    ids: list[int]
    starts: list[int]
    ends: list[int]

    @classmethod
    def read(cls, text: str, vocabulary: dict[str, int]) -> _Side:
        tokens = _tokens(text)
        ids = [vocabulary.setdefault(word, len(vocabulary)) for word in tokens.words]
        return cls(text, tokens.words, ids, tokens.starts.tolist(), tokens.ends.tolist())


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
    vocabulary: dict[str, int] = {}
    side_a, side_b = _Side.read(text_a, vocabulary), _Side.read(text_b, vocabulary)
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
    skip_a = np.zeros(len(side_a.ids) + 1, dtype=bool)
    skip_b = np.zeros(len(side_b.ids) + 1, dtype=bool)
    for block in moved:
        skip_a[slice(*block.words_a)] = True
        skip_b[slice(*block.words_b)] = True
    blocks = _group(main, max_gap, skip_a, skip_b)
    for block in blocks:
        _extend(block, side_a, side_b, used_a, used_b, max_gap)
        _explain(block, side_a, side_b, skip_a, skip_b)
    no_skip = np.zeros(max(len(side_a.ids), len(side_b.ids)) + 1, dtype=bool)
    for block in moved:
        _explain(block, side_a, side_b, no_skip, no_skip)

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
    no_skip = np.zeros(len(used_a) + len(used_b), dtype=bool)
    return [
        block for block in _group(pieces, max_gap, no_skip, no_skip) if block.matched >= min_words
    ]


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
        matcher = SequenceMatcher(
            None, [side_a.words[i] for i in in_a], [side_b.words[j] for j in in_b], autojunk=False
        )
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
) -> list[int]:
    """Indices (ascending) of up to ``limit`` unused words next to ``edge``: from ``edge`` on
    when ``forward``, else just before it."""
    out: list[int] = []
    index = edge if forward else edge - 1
    step = 1 if forward else -1
    while 0 <= index < size and not used[index] and len(out) < limit:
        out.append(index)
        index += step
    return out if forward else out[::-1]


def _group(
    runs: list[Run],
    max_gap: int,
    skip_a: npt.NDArray[np.bool_],
    skip_b: npt.NDArray[np.bool_],
) -> list[_Block]:
    """Runs (sorted, non-overlapping) grouped into blocks: a run joins the block before it
    when it follows on both sides and the gap, not counting skipped words, is at most
    ``max_gap`` words and no larger than the words matched on either side of it, so that two
    short chance matches cannot bridge a long stretch of unrelated text."""
    skipped_a = [0, *accumulate(skip_a.tolist())]
    skipped_b = [0, *accumulate(skip_b.tolist())]
    blocks: list[_Block] = []
    for run in runs:
        if blocks:
            block = blocks[-1]
            end_a, end_b = block.words_a[1], block.words_b[1]
            if run[0] >= end_a and run[1] >= end_b:
                gap_a = run[0] - end_a - (skipped_a[run[0]] - skipped_a[end_a])
                gap_b = run[1] - end_b - (skipped_b[run[1]] - skipped_b[end_b])
                if max(gap_a, gap_b) <= min(max_gap, block.matched, run[2]):
                    block.runs.append(run)
                    block.matched += run[2]
                    continue
        blocks.append(_Block([run], matched=run[2]))
    return blocks


# ---- explaining a block: gap edits, typography, spans ----------------------------------------


def _explain(
    block: _Block,
    side_a: _Side,
    side_b: _Side,
    skip_a: npt.NDArray[np.bool_],
    skip_b: npt.NDArray[np.bool_],
) -> None:
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
    chars = [side_a.starts[a0], side_a.ends[a1 - 1], side_b.starts[b0], side_b.ends[b1 - 1]]
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
    skip_a: npt.NDArray[np.bool_],
    skip_b: npt.NDArray[np.bool_],
) -> tuple[list[Run], list[Edit]]:
    """Matched words and edits of the gap ``a[a0:a1]`` / ``b[b0:b1]`` between two runs
    (skipped words, which moved blocks explain, left out), by difflib on the folded words."""
    in_a = [i for i in range(a0, a1) if not skip_a[i]]
    in_b = [j for j in range(b0, b1) if not skip_b[j]]
    if not in_a and not in_b:
        return [], []
    matcher = SequenceMatcher(
        None, [side_a.words[i] for i in in_a], [side_b.words[j] for j in in_b], autojunk=False
    )
    equal: list[Run] = []
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            equal.extend((in_a[i1 + t], in_b[j1 + t], 1) for t in range(i2 - i1))
            continue
        # An empty side is the point just after the word before the gap.
        if i1 < i2:
            start_a, end_a = side_a.starts[in_a[i1]], side_a.ends[in_a[i2 - 1]]
        else:
            start_a = end_a = side_a.ends[in_a[i1 - 1] if i1 else a0 - 1]
        if j1 < j2:
            start_b, end_b = side_b.starts[in_b[j1]], side_b.ends[in_b[j2 - 1]]
        else:
            start_b = end_b = side_b.ends[in_b[j1 - 1] if j1 else b0 - 1]
        kind: EditKind = (
            "substitution" if tag == "replace" else "deletion" if tag == "delete" else "insertion"
        )
        edits.append(_edit(kind, side_a, side_b, start_a, end_a, start_b, end_b))
    return equal, edits


def _typography(side_a: _Side, side_b: _Side, segment: Run) -> list[Edit]:
    """Typography edits inside a run of equal folded words: each stretch of adjacent words
    and separators whose original characters differ, trimmed of shared punctuation."""
    a, b, length = segment
    text_a, text_b = side_a.text, side_b.text
    if (
        text_a[side_a.starts[a] : side_a.ends[a + length - 1]]
        == (text_b[side_b.starts[b] : side_b.ends[b + length - 1]])
    ):
        return []  # the common case for a verbatim copy: one string comparison
    edits: list[Edit] = []
    pending: list[int] | None = None
    for t in range(length):
        i, j = a + t, b + t
        items = [(side_a.starts[i], side_a.ends[i], side_b.starts[j], side_b.ends[j])]
        if t + 1 < length:  # the separator after this word
            items.append(
                (side_a.ends[i], side_a.starts[i + 1], side_b.ends[j], side_b.starts[j + 1])
            )
        for sa, ea, sb, eb in items:
            if text_a[sa:ea] != text_b[sb:eb]:
                if pending is None:
                    pending = [sa, ea, sb, eb]
                else:
                    pending[1], pending[3] = ea, eb
            elif pending is not None:
                edits.append(_typography_edit(side_a, side_b, pending))
                pending = None
    if pending is not None:
        edits.append(_typography_edit(side_a, side_b, pending))
    return edits


def _typography_edit(side_a: _Side, side_b: _Side, span: list[int]) -> Edit:
    sa, ea, sb, eb = span
    text_a, text_b = side_a.text, side_b.text
    # Shared punctuation at either end is not part of the change (",\xa0" vs ", " is a space).
    while sa < ea and sb < eb and text_a[sa] == text_b[sb] and not text_a[sa].isalnum():
        sa, sb = sa + 1, sb + 1
    while ea > sa and eb > sb and text_a[ea - 1] == text_b[eb - 1] and not text_a[ea - 1].isalnum():
        ea, eb = ea - 1, eb - 1
    return _edit("typography", side_a, side_b, sa, ea, sb, eb)


def _edit(kind: EditKind, side_a: _Side, side_b: _Side, sa: int, ea: int, sb: int, eb: int) -> Edit:
    a_text, b_text = side_a.text[sa:ea], side_b.text[sb:eb]
    numbers = kind != "typography" and (_NON_DIGIT.sub("", a_text) != _NON_DIGIT.sub("", b_text))
    return Edit(kind, sa, ea, sb, eb, a_text, b_text, numbers)


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


def _coverage(starts: Sequence[int], spans: list[tuple[int, int]]) -> float:
    """Share of the words (by start offset) that lie inside ``spans``."""
    if not starts:
        return 0.0
    inside = sum(bisect_left(starts, end) - bisect_left(starts, start) for start, end in spans)
    return inside / len(starts)
