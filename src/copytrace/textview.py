"""The terminal view of a comparison: figures, copied passages, what each side alone has,
the edits inside passages, credits, and both texts with the copied passages marked.

Contract: :func:`comparison_view` returns rich renderables; passages are marked with
``⟦n`` ... ``⟧`` and a colour, unmatched regions with ``‹label›`` and a dim style, so the
view reads the same with or without colour (a pipe, a log file).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from rich.console import RenderableType
from rich.text import Text

from copytrace.alignment import Alignment, Edit, Region
from copytrace.model import Comparison

#: edits of each kind listed before "... and N more"
MAX_EDITS_SHOWN = 12
EXCERPT = 70


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    half = (limit - 3) // 2
    return f"{flat[:half]} … {flat[-half:]}"


def comparison_view(
    c: Comparison, a: Path | str, b: Path | str, text_a: str, text_b: str, show_texts: bool = True
) -> Iterator[RenderableType]:
    """Everything ``copytrace compare`` prints for a human."""
    yield Text(f"A: {a}  ({c.shingles_a:,} shingles)")
    yield Text(f"B: {b}  ({c.shingles_b:,} shingles)")
    yield Text.assemble("verdict:     ", (c.verdict, "bold"))
    yield Text(
        f"Jaccard:     {c.jaccard:.3f}  ({c.ngram_size}-word shingles, threshold {c.threshold:g})"
    )
    yield Text(
        f"containment: {c.containment_a:.3f} of A is in B, {c.containment_b:.3f} of B is in A"
    )
    yield Text(f"shared:      {c.shared_shingles:,} shingles")
    if c.explanation is None:
        return
    alignment = c.explanation.alignment
    yield Text("")
    yield Text(f"Copied passages ({len(alignment.passages)})", style="bold")
    for number, p in enumerate(alignment.passages, 1):
        yield Text(
            f"  {number}. A[{p.a_start}:{p.a_end}] = B[{p.b_start}:{p.b_end}]  {p.words} words: "
            f'"{_excerpt(text_a[p.a_start : p.a_end])}"'
        )
    for side, name in (("a", "A"), ("b", "B")):
        regions = [r for r in alignment.unmatched if r.side == side]
        yield Text(f"Only in {name} ({len(regions)})", style="bold")
        for region in regions:
            yield Text(
                f'  {region.label:<11} [{region.start}:{region.end}] "{_excerpt(region.text)}"'
            )
    yield from _edits_view(alignment)
    explanation = c.explanation
    sources_a = sorted({credit.source for credit in explanation.credits_a})
    sources_b = sorted({credit.source for credit in explanation.credits_b})
    yield Text(
        f"Credits:     A: {', '.join(sources_a) or 'none'}; B: {', '.join(sources_b) or 'none'}"
    )
    for capture in explanation.captures:
        name = "A" if capture.id == c.a else "B"
        rank = f"{capture.order}." if capture.order is not None else "?"
        yield Text(f"Order:       {rank} {name} ({capture.evidence})")
    if explanation.dropped_credits:
        yield Text(
            f"Credit dropped by one side: {', '.join(explanation.dropped_credits)}",
            style="bold red",
        )
    if show_texts:
        yield Text("")
        yield Text("A, copied passages marked ⟦n … ⟧", style="bold")
        yield marked_text(text_a, alignment, "a")
        yield Text("")
        yield Text("B, copied passages marked ⟦n … ⟧", style="bold")
        yield marked_text(text_b, alignment, "b")


def _edits_view(alignment: Alignment) -> Iterator[Text]:
    counts = {kind: n for kind, n in alignment.edit_counts().items() if n}
    if not alignment.edits:
        yield Text("Differences inside passages: none")
        return
    summary = ", ".join(f"{kind}: {n}" for kind, n in counts.items())
    if alignment.typography_only:
        yield Text(f"Differences inside passages: typography only ({summary})", style="bold")
    else:
        yield Text(f"Differences inside passages ({summary})", style="bold")
    shown = [e for e in alignment.edits if e.kind != "typography"][:MAX_EDITS_SHOWN]
    for edit in shown:
        yield Text(f"  {_describe(edit)}")
    hidden = sum(1 for e in alignment.edits if e.kind != "typography") - len(shown)
    if hidden > 0:
        yield Text(f"  … and {hidden} more")


def _describe(edit: Edit) -> str:
    flag = "  [numbers]" if edit.numbers else ""
    where = f"A[{edit.a_start}:{edit.a_end}] B[{edit.b_start}:{edit.b_end}]"
    if edit.kind == "insertion":
        return f'insertion   {where} + "{_excerpt(edit.b_text, 50)}"{flag}'
    if edit.kind == "deletion":
        return f'deletion    {where} - "{_excerpt(edit.a_text, 50)}"{flag}'
    if edit.kind == "moved":
        return f'moved       {where} "{_excerpt(edit.a_text, 50)}"'
    return (
        f'{edit.kind:<11} {where} "{_excerpt(edit.a_text, 40)}" -> '
        f'"{_excerpt(edit.b_text, 40)}"{flag}'
    )


def marked_text(text: str, alignment: Alignment, side: str) -> Text:
    """``text`` with its copied passages marked and its unmatched regions labelled."""
    spans: list[tuple[int, int, str, str]] = []  # start, end, open marker, style
    for number, p in enumerate(alignment.passages, 1):
        start, end = (p.a_start, p.a_end) if side == "a" else (p.b_start, p.b_end)
        spans.append((start, end, f"⟦{number} ", "green"))
    regions: Sequence[Region] = [r for r in alignment.unmatched if r.side == side]
    for region in regions:
        spans.append((region.start, region.end, f"‹{region.label}› ", "dim"))
    spans.sort()
    out = Text()
    cursor = 0
    for start, end, marker, style in spans:
        if start < cursor:  # never expected: passages and regions do not overlap
            continue
        out.append(text[cursor:start])
        out.append(marker, style=f"bold {style}")
        out.append(text[start:end], style=style)
        if marker.startswith("⟦"):
            out.append(" ⟧", style=f"bold {style}")
        cursor = end
    out.append(text[cursor:])
    return out
