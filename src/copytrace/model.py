"""Frozen records passed between the pipeline stages and returned by the API.

Every character offset in these records points into the *original* text of a document, never
into a normalised copy, so a reported span can be cut out of what the user gave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from copytrace.explain import Explanation

Verdict = Literal["duplicate", "near_duplicate", "partial"]

#: how long-running work reports its progress: (stage name, items done, items in all or None
#: when not known)
ProgressCallback = Callable[[str, int, int | None], None]


@dataclass(frozen=True, slots=True)
class Document:
    """One text to compare: an id unique within a collection, the text, and metadata.

    ``meta`` holds whatever the source gave: site, url, title, date (publication), crawl_date,
    and any other field the reader was asked to keep.
    """

    id: str
    text: str
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skip:
    """A record that was not read, and why (counted in the scan summary)."""

    source: str
    line: int | None
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Pair:
    """Two documents whose similarity was verified exactly.

    ``jaccard`` is the Jaccard similarity of the two documents' sets of hashed word shingles;
    ``containment_a`` is the share of A's shingles found in B, ``containment_b`` the share of
    B's shingles found in A. ``verdict`` is ``duplicate`` when the normalised word sequences
    are identical, ``near_duplicate`` when Jaccard is at or above the threshold, ``partial``
    when below it but the two share a passage of at least ``min_passage_words`` words.
    """

    a: str
    b: str
    jaccard: float
    containment_a: float
    containment_b: float
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "jaccard": round(self.jaccard, 6),
            "containment_a": round(self.containment_a, 6),
            "containment_b": round(self.containment_b, 6),
            "verdict": self.verdict,
        }


@dataclass(frozen=True, slots=True)
class Capture:
    """One member of a cluster in the story's timeline.

    ``order`` is its 1-based rank by date (equal dates share a rank), ``None`` when its date
    is unknown; ``date`` is ISO 8601 or ``None``; ``evidence`` says what the order rests on.
    """

    id: str
    order: int | None
    date: str | None
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "order": self.order, "date": self.date, "evidence": self.evidence}


@dataclass(frozen=True, slots=True)
class Cluster:
    """A connected component of verified pairs.

    ``members`` are in first-seen order; ``representative`` is the member kept in the
    deduplicated corpus, chosen by ``policy``; ``reason`` says why it was chosen.
    ``captures`` is the story's timeline (see :mod:`copytrace.timeline`); ``order_known`` is
    true when every capture could be dated.
    """

    id: int
    members: tuple[str, ...]
    representative: str
    policy: str
    reason: str
    captures: tuple[Capture, ...] = ()
    order_known: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "size": len(self.members),
            "members": list(self.members),
            "representative": self.representative,
            "policy": self.policy,
            "reason": self.reason,
            "order_known": self.order_known,
            "captures": [capture.to_dict() for capture in self.captures],
        }


ComparisonVerdict = Literal["duplicate", "near_duplicate", "partial", "different"]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The exact similarity of two documents and the verdict for them.

    ``partial`` means the two are not near-duplicates but share a passage of at least
    ``min_passage_words`` words; ``different`` means neither. ``explanation`` holds the
    alignment and credits when they were asked for.
    """

    a: str
    b: str
    jaccard: float
    containment_a: float
    containment_b: float
    verdict: ComparisonVerdict
    shingles_a: int
    shingles_b: int
    shared_shingles: int
    threshold: float
    ngram_size: int
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "a": self.a,
            "b": self.b,
            "verdict": self.verdict,
            "jaccard": round(self.jaccard, 6),
            "containment_a": round(self.containment_a, 6),
            "containment_b": round(self.containment_b, 6),
            "shingles_a": self.shingles_a,
            "shingles_b": self.shingles_b,
            "shared_shingles": self.shared_shingles,
            "threshold": self.threshold,
            "ngram_size": self.ngram_size,
        }
        if self.explanation is not None:
            out["alignment"] = self.explanation.to_dict()
        return out
