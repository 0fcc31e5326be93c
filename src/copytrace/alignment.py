"""Records that explain what one document shares with another: the output of :mod:`align`.

Every offset is a character offset into the *original* text of a document (``a`` or ``b``),
``[start, end)``, so ``text[start:end]`` is the span a person would highlight.

- :class:`Passage`: a shared region, the same words on both sides up to the small edits that
  are listed for it;
- :class:`Edit`: one difference inside a passage (or one block moved between passages):
  ``typography`` (same folded words, different characters), ``substitution``, ``insertion``
  (only in b), ``deletion`` (only in a), ``moved`` (a block present in both, elsewhere);
- :class:`Region`: text outside every passage, on one side, labelled as page furniture
  (``headline``, ``dateline``, ``standfirst``, ``caption``, ``byline``, ``boilerplate``) or
  ``other``;
- :class:`Alignment`: all of the above for one pair, with the share of each side's words that
  lies inside passages.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

EditKind = Literal["typography", "substitution", "insertion", "deletion", "moved"]
EDIT_KINDS: tuple[EditKind, ...] = ("typography", "substitution", "insertion", "deletion", "moved")

Label = Literal["headline", "dateline", "standfirst", "caption", "byline", "boilerplate", "other"]
LABELS: tuple[Label, ...] = (
    "headline", "dateline", "standfirst", "caption", "byline", "boilerplate", "other"
)  # fmt: skip

Side = Literal["a", "b"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A shared region: ``a[a_start:a_end]`` corresponds to ``b[b_start:b_end]``.

    ``words`` is the number of words of ``a`` inside the passage that are matched word for word
    (typography folded) in ``b``; words changed by a substitution, insertion or deletion edit
    are not counted.
    """

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    words: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "words": self.words,
        }


@dataclass(frozen=True, slots=True)
class Edit:
    """One difference between the two sides of a passage.

    For an ``insertion`` the ``a`` span is empty (``a_start == a_end``, the point in ``a``
    where the text would go); for a ``deletion`` the ``b`` span is empty. ``numbers`` is true
    when the digits of the two sides differ (``"12 percent"`` -> ``"15 percent"``, or a number
    inserted or deleted), so changed figures can be found without reading every edit.
    """

    kind: EditKind
    a_start: int
    a_end: int
    b_start: int
    b_end: int
    a_text: str
    b_text: str
    numbers: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "a_start": self.a_start,
            "a_end": self.a_end,
            "b_start": self.b_start,
            "b_end": self.b_end,
            "a_text": self.a_text,
            "b_text": self.b_text,
            "numbers": self.numbers,
        }


@dataclass(frozen=True, slots=True)
class Region:
    """Text of one side that lies outside every passage, with what it appears to be."""

    side: Side
    start: int
    end: int
    label: Label
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class Alignment:
    """What ``a`` and ``b`` share, what differs inside the shared part, and what is left over.

    ``passages`` are ordered by ``a_start``; ``edits`` by ``(a_start, b_start)``;
    ``unmatched`` holds the regions of ``a`` then of ``b``, each in text order.
    ``a_coverage`` (``b_coverage``) is the share of the words of ``a`` (``b``) that lie inside
    a passage span. ``typography_only`` is true when there is at least one passage and every
    edit is a typography edit: the shared text differs only in quotes, dashes, spaces, case
    and similar.
    """

    a_id: str
    b_id: str
    passages: tuple[Passage, ...]
    edits: tuple[Edit, ...]
    unmatched: tuple[Region, ...]
    a_words: int
    b_words: int
    a_coverage: float
    b_coverage: float
    typography_only: bool

    def edit_counts(self) -> dict[str, int]:
        """Number of edits of each kind, every kind present (zero when absent)."""
        counts = Counter(edit.kind for edit in self.edits)
        return {kind: counts.get(kind, 0) for kind in EDIT_KINDS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a_id,
            "b": self.b_id,
            "a_words": self.a_words,
            "b_words": self.b_words,
            "a_coverage": round(self.a_coverage, 6),
            "b_coverage": round(self.b_coverage, 6),
            "typography_only": self.typography_only,
            "edit_counts": self.edit_counts(),
            "passages": [passage.to_dict() for passage in self.passages],
            "edits": [edit.to_dict() for edit in self.edits],
            "unmatched": [region.to_dict() for region in self.unmatched],
        }
