"""The evidence for one pair: what was copied, what changed, and whom each text credits.

Contract: :func:`explain` aligns two documents (:func:`copytrace.align.align`) and extracts
the upstream sources each credits (:func:`copytrace.provenance.find_credits`); a source that
one credits and the other does not is listed in ``dropped_credits`` (an attribution a copy
dropped, or one it added).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from copytrace.align import align
from copytrace.alignment import Alignment
from copytrace.model import Capture, Document
from copytrace.provenance import Credit, dropped_credits, find_credits
from copytrace.timeline import order_captures


@dataclass(frozen=True, slots=True)
class Explanation:
    """An alignment with the credits of both sides, and (for a single comparison) the two
    captures in order with the evidence for it (a scan orders captures per cluster)."""

    alignment: Alignment
    credits_a: tuple[Credit, ...]
    credits_b: tuple[Credit, ...]
    dropped_credits: tuple[str, ...]
    captures: tuple[Capture, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = self.alignment.to_dict()
        out["credits_a"] = [credit.to_dict() for credit in self.credits_a]
        out["credits_b"] = [credit.to_dict() for credit in self.credits_b]
        out["dropped_credits"] = list(self.dropped_credits)
        if self.captures:
            out["captures"] = [capture.to_dict() for capture in self.captures]
        return out


@dataclass(frozen=True, slots=True)
class ExplanationSummary:
    """What ``pairs.jsonl`` says of an explanation: kept in memory for every pair of a scan
    even when the explanations themselves are streamed to disk."""

    passages: int
    typography_only: bool
    dropped_credits: tuple[str, ...]

    @classmethod
    def of(cls, explanation: Explanation) -> ExplanationSummary:
        alignment = explanation.alignment
        return cls(len(alignment.passages), alignment.typography_only, explanation.dropped_credits)


def explain(
    a: Document,
    b: Document,
    credits: Callable[[Document], tuple[Credit, ...]] | None = None,
    date_fields: Sequence[str] | None = None,
) -> Explanation:
    """Align ``a`` and ``b`` and compare their credits; with ``date_fields``, also order the
    two captures (:func:`copytrace.timeline.order_captures`).

    ``credits`` may supply each document's credits (a scan caches them per document).
    """
    credits_of = credits or (lambda doc: tuple(find_credits(doc.text)))
    credits_a, credits_b = credits_of(a), credits_of(b)
    return Explanation(
        alignment=align(a, b),
        credits_a=credits_a,
        credits_b=credits_b,
        dropped_credits=tuple(dropped_credits(credits_a, credits_b)),
        captures=() if date_fields is None else order_captures([a, b], {}, date_fields)[0],
    )
