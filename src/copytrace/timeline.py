"""Who came first: the captures of a cluster in order, each with the evidence used.

Contract: :func:`capture_date` finds when a capture was dated and on what evidence: a date in
its metadata (the configured ``date_fields``, in order: publication dates before crawl
dates), else a dateline in its text (``27 Mar, 2024 11:29``; a dateline without a year cannot
order captures across years and is not used). :func:`order_captures` lists dated captures by
date (1, 2, ...; equal dates share a rank) and leaves the others unordered (``order`` is
``None``) rather than guessing; for those, containment is given as evidence where it speaks:
a capture whose text lies inside another that adds material is most likely the earlier
(a press release inside the article that reprints it, a wire story inside its rewrite).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from copytrace.dates import document_date
from copytrace.model import Capture, Document, Pair
from copytrace.provenance import find_dateline

#: containment at or above this: one text lies inside the other
CONTAINED = 0.95
#: ...and the other's containment at or below this: it adds material of its own
ADDS_MATERIAL = 0.9


def capture_date(doc: Document, date_fields: Sequence[str]) -> tuple[datetime, str] | None:
    """When ``doc`` was dated and the evidence, or ``None``."""
    found = document_date(doc.meta, date_fields)
    if found is not None:
        when, field_name = found
        return when, f"{field_name} in metadata: {doc.meta[field_name]}"
    dateline = find_dateline(doc.text)
    if dateline is None or dateline.year is None:
        return None
    when = datetime(
        dateline.year, dateline.month, dateline.day, dateline.hour or 0, dateline.minute or 0,
        tzinfo=UTC,
    )  # fmt: skip
    return when, f"dateline in text: {dateline.text!r}"


def order_captures(
    members: Sequence[Document],
    pairs: Mapping[frozenset[str], Pair],
    date_fields: Sequence[str],
    dates: Sequence[tuple[datetime, str] | None] | None = None,
) -> tuple[tuple[Capture, ...], bool]:
    """The captures of one cluster in order, and whether the whole order is known.
    ``dates[i]``, when given, is ``capture_date(members[i], date_fields)``, already found."""
    dated: list[tuple[datetime, int, Document, str]] = []
    undated: list[Document] = []
    for position, doc in enumerate(members):
        found = capture_date(doc, date_fields) if dates is None else dates[position]
        if found is None:
            undated.append(doc)
        else:
            dated.append((found[0], position, doc, found[1]))
    dated.sort(key=lambda item: (item[0], item[1]))
    captures: list[Capture] = []
    rank = 0
    previous: datetime | None = None
    for index, (when, _, doc, evidence) in enumerate(dated):
        if when != previous:
            rank = index + 1
            previous = when
        captures.append(Capture(doc.id, rank, when.isoformat(), evidence))
    for doc in undated:
        captures.append(Capture(doc.id, None, None, _undated_evidence(doc, members, pairs)))
    return tuple(captures), not undated


def _undated_evidence(
    doc: Document, members: Sequence[Document], pairs: Mapping[frozenset[str], Pair]
) -> str:
    hints: list[str] = []
    for other in members:
        pair = pairs.get(frozenset((doc.id, other.id)))
        if pair is None or other.id == doc.id:
            continue
        mine, theirs = _containments(pair, doc.id)
        if mine >= CONTAINED and theirs <= ADDS_MATERIAL:
            hints.append(f"its text lies inside {other.id}, which adds material: likely earlier")
        elif theirs >= CONTAINED and mine <= ADDS_MATERIAL:
            hints.append(f"it contains {other.id} and adds material: likely later")
    base = "no date in metadata or text: order unknown"
    return base + ("; " + "; ".join(hints) if hints else "")


def _containments(pair: Pair, doc_id: str) -> tuple[float, float]:
    """(share of doc in the other, share of the other in doc)."""
    if pair.a == doc_id:
        return pair.containment_a, pair.containment_b
    return pair.containment_b, pair.containment_a


def pair_index(pairs: Sequence[Pair]) -> dict[frozenset[str], Pair]:
    """Pairs looked up by their two ids, in either order."""
    return {frozenset((pair.a, pair.b)): pair for pair in pairs}
