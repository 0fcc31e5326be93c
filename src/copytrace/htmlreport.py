"""HTML pages for people: one pair side by side, or a whole scan.

Contract:

- :func:`render_comparison` returns one self-contained HTML5 page (inline CSS, a few lines of
  optional inline JS, no external resource) that shows a pair's scores, credits and edit
  counts, then the two texts in two columns: copied passages as ``<mark class="copied"
  data-passage="N">`` with the same ``N`` on both sides, text found on one side only as
  ``<span class="unmatched label-<label>">`` with a visible badge, edits inside passages as
  ``<span class="edit edit-<kind>">``.
- :func:`render_scan_report` returns one page with a scan's summary, a timeline of each
  cluster's captures, and up to ``max_pairs`` pairs, each a collapsible copy of the same view.

Every piece of text and every attribute goes through :func:`html.escape`. Offsets in the
alignment are character offsets into the original texts; the markup is built from a sorted
list of boundaries over that text, and a span that crosses another is closed and reopened, so
tags always nest. The page copies the original text exactly: badges and markers are CSS
generated content, not text nodes.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from copytrace.model import Document

# Outer layers are opened first at a shared boundary: passages and regions hold moved blocks,
# which hold credits, which hold edits.
_BLOCK, _MOVED, _CREDIT, _EDIT = 0, 1, 2, 3
_WHITESPACE_NAMES = {
    "\n": "⏎", "\r": "␍", "\t": "⇥", "\u00a0": "[no-break space]", "\u00ad": "[soft hyphen]",
    "\u202f": "[narrow no-break space]", "\u200b": "[zero-width space]",
}  # fmt: skip
_URL_SCHEMES = ("http://", "https://")

_CSS = """
body{margin:0;font:15px/1.5 system-ui,sans-serif;color:#1d2330;background:#f4f5f8}
main{max-width:1600px;margin:0 auto;padding:16px 20px 40px}h1{font-size:20px;margin:4px 0 12px}
h2{font-size:17px;margin:18px 0 8px}h3{font-size:15px;margin:0 0 6px}
.card,.column,details.pair{background:#fff;border:1px solid #d9dde5;border-radius:8px}
.card{padding:12px 14px;margin:0 0 12px}.note,.evidence,.legend,.score b{color:#5b6474}
table.meta{border-collapse:collapse;width:100%;font-size:14px}table.meta th,table.meta td{
 text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid #eef0f4;
 overflow-wrap:anywhere}table.meta th{color:#5b6474;width:11em}table.summary{width:auto}
table.summary th{width:auto}table.summary td{text-align:right;min-width:5em}
table.summary tr.sub th{padding-left:24px;font-weight:400}
.scores{display:flex;flex-wrap:wrap;gap:8px;margin:0 0 10px}
.score{border:1px solid #d9dde5;border-radius:6px;padding:4px 10px;background:#fafbfc}
.score b{display:block;font-size:12px}.verdict{font-weight:700;text-transform:uppercase}
.verdict-duplicate{background:#ffe0e0}.verdict-near_duplicate{background:#ffeccc}
.verdict-partial{background:#e5f0ff}.warning{background:#fff4e5;border:2px solid #e8590c;
 color:#8a2d00;border-radius:6px;padding:8px 12px;margin:0 0 12px;font-weight:600}
.note{font-style:italic}.legend{font-size:13px;margin:6px 0 10px;display:flex;flex-wrap:wrap;
 gap:6px 14px}.columns{display:grid;grid-template-columns:1fr 1fr;gap:14px}.column{min-width:0}
.column h3{padding:8px 12px;margin:0;border-bottom:1px solid #d9dde5;overflow-wrap:anywhere}
.text{white-space:pre-wrap;overflow-wrap:anywhere;padding:10px 14px;max-height:80vh;
 overflow:auto;font:15px/1.6 Georgia,serif}mark.copied{background:#fff1a8;color:inherit}
mark.copied::before,.unmatched::before,.edit.numbers::after,.gap::after{user-select:none;
 font:700 10px/1 system-ui,sans-serif}mark.copied::before{content:attr(data-passage);
 vertical-align:super;color:#7a6400}.continued::before{content:none!important}
mark.copied.partner,mark.copied:hover{background:#ffc940;outline:2px solid #e0a800}
.unmatched{background:#eef0f4;box-shadow:inset 3px 0 0 var(--tag);padding-left:3px}
.unmatched::before{content:attr(data-label);text-transform:uppercase;color:#fff;
 background:var(--tag);border-radius:3px;padding:2px 5px;margin-right:5px;vertical-align:2px}
.label-headline{--tag:#2f6fde}.label-dateline{--tag:#7b4bd6}.label-standfirst{--tag:#0f8a80}
.label-caption{--tag:#d4640a}.label-byline{--tag:#2b8a3e}.label-boilerplate{--tag:#6b7280}
.label-other{--tag:#c0354a}.credit{text-decoration:underline double #7b4bd6}
.edit-typography{text-decoration:underline dotted #8b93a3;text-underline-offset:3px}
.edit-substitution{background:#ffd8a8;border-bottom:2px solid #e8590c}
.edit-insertion{background:#c3f0ca;border-bottom:2px solid #2b8a3e}
.edit-deletion{background:#ffc9c9;text-decoration:line-through #c92a2a}
.edit-moved{outline:2px dashed #4263eb;outline-offset:1px}.edit-moved.partner{background:#dbe4ff}
.edit.numbers{outline:2px solid #c92a2a;font-weight:700}
.edit.numbers::after{content:"#";color:#c92a2a;vertical-align:super}
.gap::after{content:"+";color:#2b8a3e;padding:0 2px}.edit-deletion.gap{text-decoration:none}
.edit-deletion.gap::after{content:"\\2212";color:#c92a2a}.swatch{padding:0 5px}
details.pair{margin:0 0 8px}details.pair>summary{cursor:pointer;padding:8px 12px;font-weight:600}
details.pair>.comparison{padding:0 12px 12px}ol.timeline{list-style:none;margin:6px 0 0;
 padding:0 0 0 18px;border-left:3px solid #d9dde5}ol.timeline li{position:relative;margin:0 0 8px}
ol.timeline li::before{content:"";position:absolute;left:-29px;top:4px;width:14px;height:14px;
 border-radius:50%;background:#fff;border:3px solid #2f6fde}
ol.timeline li.unknown::before{border:3px dashed #98a2b3}.order{font-weight:700;min-width:2em;
 display:inline-block}.order.unknown{color:#c0354a}.evidence{font-size:13px}
.rep{background:#2b8a3e;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;margin-left:6px}
@media (max-width:800px){.columns{grid-template-columns:1fr}}
"""

# Optional: hovering a passage highlights its partner in the other column; clicking one
# scrolls the other column so the partner lines up. Without JS the page loses nothing else.
_JS = """
(function(){
function partners(el){var s=el.closest('.comparison');if(!s)return[];
 var k=el.dataset.passage?'data-passage':'data-moved';
 return s.querySelectorAll('['+k+'="'+el.getAttribute(k)+'"]');}
function hit(e){return e.target.closest&&e.target.closest('mark.copied,.edit-moved');}
document.addEventListener('mouseover',function(e){var m=hit(e);if(!m)return;
 partners(m).forEach(function(p){p.classList.add('partner');});});
document.addEventListener('mouseout',function(e){var m=hit(e);if(!m)return;
 partners(m).forEach(function(p){p.classList.remove('partner');});});
document.addEventListener('click',function(e){var m=hit(e);if(!m)return;
 var col=m.closest('.column');var ps=partners(m);
 for(var i=0;i<ps.length;i++){var c=ps[i].closest('.column');if(c&&c!==col){
  var t=c.querySelector('.text');
  t.scrollTop+=ps[i].getBoundingClientRect().top-m.getBoundingClientRect().top;break;}}});
})();
"""


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass(frozen=True, slots=True)
class _Span:
    """An element over ``text[start:end]``; ``attrs`` are escaped, each with a leading space."""

    start: int
    end: int
    rank: int
    tag: str
    classes: str
    attrs: str

    def open(self, again: bool) -> str:
        # a span split where it crosses another is reopened as "continued": no second badge
        return f'<{self.tag} class="{self.classes}{" continued" if again else ""}"{self.attrs}>'


def _markup(text: str, spans: Iterable[_Span], points: Iterable[tuple[int, str]]) -> str:
    """``text`` escaped, with ``spans`` wrapped around it and ``points`` (empty elements)
    inserted, every tag nested properly whatever the spans' overlaps."""
    size = len(text)
    starts: dict[int, list[_Span]] = {}
    ends: set[int] = set()
    for span in spans:
        start, end = max(0, span.start), min(size, span.end)
        if start < end:
            starts.setdefault(start, []).append(replace(span, start=start, end=end))
            ends.add(end)
    at_point: dict[int, list[str]] = {}
    for position, element in points:
        at_point.setdefault(min(max(position, 0), size), []).append(element)
    bounds = sorted({0, size, *starts, *ends, *at_point})
    out: list[str] = []
    stack: list[_Span] = []
    for index, position in enumerate(bounds):
        opening = [(span, False) for span in starts.get(position, ())]
        ended = [i for i, span in enumerate(stack) if span.end <= position]
        if ended:
            # close from the top down to the deepest span that ends here; reopen the others
            while len(stack) > ended[0]:
                span = stack.pop()
                out.append(f"</{span.tag}>")
                if span.end > position:
                    opening.append((span, True))
        out.extend(at_point.get(position, ()))
        for span, again in sorted(opening, key=lambda item: (item[0].rank, -item[0].end)):
            out.append(span.open(again))
            stack.append(span)
        if index + 1 < len(bounds):
            out.append(_esc(text[position : bounds[index + 1]]))
    out.extend(f"</{span.tag}>" for span in reversed(stack))
    return "".join(out)


def _visible(fragment: str) -> str:
    """A fragment of text for a tooltip, quoted, with invisible characters named."""
    if not fragment:
        return "(nothing)"
    shown = "".join(_WHITESPACE_NAMES.get(char, char) for char in fragment)
    return f"“{shown if len(shown) <= 120 else shown[:117] + '…'}”"


def _edit_title(edit: Mapping[str, Any]) -> str:
    kind = str(edit.get("kind", "edit"))
    a_text, b_text = _visible(str(edit.get("a_text", ""))), _visible(str(edit.get("b_text", "")))
    detail = {
        "insertion": f"only in B: {b_text}",
        "deletion": f"only in A: {a_text}",
        "moved": "the same text stands in another place in the other document",
    }.get(kind, f"A {a_text} → B {b_text}")
    return f"{kind}{' (numbers differ)' if edit.get('numbers') else ''}: {detail}"


def _side_markup(text: str, side: str, alignment: Mapping[str, Any]) -> str:
    """One side's text with its passages, regions, moved blocks, credits and edits marked."""
    lo, hi = f"{side}_start", f"{side}_end"
    spans: list[_Span] = []
    points: list[tuple[int, str]] = []
    for number, passage in enumerate(alignment.get("passages", ()), start=1):
        title = f"passage {number}: {_esc(passage.get('words', 0))} words"
        attrs = f' data-passage="{number}" title="{title}"'
        spans.append(_Span(int(passage[lo]), int(passage[hi]), _BLOCK, "mark", "copied", attrs))
    for region in alignment.get("unmatched", ()):
        if region.get("side") == side:
            label = _esc(region.get("label", "other"))
            attrs = f' title="{label}" data-label="{label}"'
            classes = f"unmatched label-{label}"
            spans.append(
                _Span(int(region["start"]), int(region["end"]), _BLOCK, "span", classes, attrs)
            )
    for credit in alignment.get(f"credits_{side}") or ():
        attrs = f' title="credits {_esc(credit.get("source", "?"))}"'
        spans.append(
            _Span(int(credit["start"]), int(credit["end"]), _CREDIT, "span", "credit", attrs)
        )
    moved = 0
    for edit in alignment.get("edits", ()):
        kind = str(edit.get("kind", "edit"))
        classes = f"edit edit-{_esc(kind)}" + (" numbers" if edit.get("numbers") else "")
        attrs = f' title="{_esc(_edit_title(edit))}"'
        if kind == "moved":
            moved += 1  # both sides walk the same list, so the numbers match
            attrs += f' data-moved="{moved}"'
        start, end = int(edit[lo]), int(edit[hi])
        if start >= end:  # the other side's text would go here
            points.append((start, f'<span class="{classes} gap"{attrs}></span>'))
        else:
            spans.append(
                _Span(start, end, _MOVED if kind == "moved" else _EDIT, "span", classes, attrs)
            )
    return _markup(text, spans, points)


def _link(url: object) -> str:
    text = _esc(url)
    if str(url).lower().startswith(_URL_SCHEMES):
        return f'<a href="{text}" rel="noopener noreferrer">{text}</a>'
    return text


def _number(value: object, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else _esc(value)


def _credits_cell(credits: Sequence[Mapping[str, Any]]) -> str:
    if not credits:
        return '<span class="note">none found</span>'
    phrases: dict[str, list[str]] = {}
    for credit in credits:
        phrases.setdefault(str(credit.get("source", "?")), []).append(str(credit.get("phrase")))
    return "<br>".join(
        f"<b>{_esc(source)}</b>: " + ", ".join(f"“{_esc(phrase)}”" for phrase in found)
        for source, found in phrases.items()
    )


def _dropped_warning(dropped: Sequence[str], credits: Mapping[str, Sequence[Any]]) -> str:
    """The warning shown when one text credits a source and the other does not."""
    if not dropped:
        return ""
    sources = {side: {str(c.get("source")) for c in found} for side, found in credits.items()}
    parts = []
    for name in dropped:
        where = "A" if name in sources["a"] else "B" if name in sources["b"] else "one text"
        other = {"A": "B", "B": "A"}.get(where, "the other")
        parts.append(f"<b>{_esc(name)}</b> is credited by {where} but not by {other}")
    return f'<div class="warning" role="alert">⚠ Attribution dropped: {"; ".join(parts)}.</div>'


def _comparison(
    docs: Mapping[str, Document],
    pair: Mapping[str, Any],
    alignment: Mapping[str, Any],
    legend: str,
) -> str:
    """The view of one pair (``docs`` keyed ``a`` and ``b``): scores, a table of both
    documents, ``legend``, and the two texts side by side."""
    credits = {side: list(alignment.get(f"credits_{side}") or ()) for side in docs}
    rows = [("id", *(_esc(doc.id) for doc in docs.values()))]
    for key in ("title", "site", "url", "date", "crawl_date"):
        values = [doc.meta.get(key) for doc in docs.values()]
        if any(values):
            show = _link if key == "url" else _esc
            rows.append((key.replace("_", " "), *(show(v) if v else "—" for v in values)))
    if alignment.get("a_words") is not None:
        rows.append(("words", *(_esc(alignment.get(f"{side}_words")) for side in docs)))
        shares = (alignment.get(f"{side}_coverage") or 0.0 for side in docs)
        rows.append(("copied share", *(f"{share:.1%}" for share in shares)))
    if credits["a"] or credits["b"] or "credits_a" in alignment:
        rows.append(("credits", *(_credits_cell(credits[side]) for side in docs)))
    table = "".join(f"<tr><th>{k}</th><td>{a}</td><td>{b}</td></tr>" for k, a, b in rows)
    verdict = _esc(pair.get("verdict", "?"))
    counts = {k: v for k, v in (alignment.get("edit_counts") or {}).items() if v}
    scores = [
        ("verdict", f'<span class="verdict">{verdict.replace("_", " ")}</span>'),
        ("Jaccard", _number(pair.get("jaccard", "—"))),
        ("A contained in B", _number(pair.get("containment_a", "—"))),
        ("B contained in A", _number(pair.get("containment_b", "—"))),
        ("typography only", "yes" if alignment.get("typography_only") else "no"),
        ("passages", str(len(alignment.get("passages", ())))),
        ("edits", ", ".join(f"{_esc(v)} {_esc(k)}" for k, v in counts.items()) or "none"),
    ]
    score_html = "".join(
        f'<div class="score{" verdict-" + verdict if name == "verdict" else ""}">'
        f"<b>{name}</b>{value}</div>"
        for name, value in scores
    )
    warning = _dropped_warning(list(alignment.get("dropped_credits") or ()), credits)
    columns = "".join(
        f'<div class="column" data-side="{side}"><h3>{side.upper()} · {_esc(doc.id)}'
        f"{' — ' + _esc(doc.meta['title']) if doc.meta.get('title') else ''}</h3>"
        f'<div class="text">{_side_markup(doc.text, side, alignment)}</div></div>'
        for side, doc in docs.items()
    )
    return (
        f'<section class="comparison" data-a="{_esc(docs["a"].id)}" data-b="{_esc(docs["b"].id)}">'
        f'<div class="card"><div class="scores">{score_html}</div>{warning}'
        f'<table class="meta"><tr><th></th><th>A</th><th>B</th></tr>{table}</table></div>'
        f'{legend}<div class="columns">{columns}</div></section>'
    )


_LEGEND = (
    '<div class="legend"><mark class="copied swatch">copied passage</mark>'
    '<span class="unmatched label-other swatch" data-label="label">only in one text</span>'
    '<span class="edit edit-typography">typography</span>'
    '<span class="edit edit-substitution">substitution</span>'
    '<span><span class="edit edit-insertion">insertion</span> (+ where missing)</span>'
    '<span><span class="edit edit-deletion">deletion</span> (− where missing)</span>'
    '<span class="edit edit-moved">moved</span>'
    '<span class="edit edit-substitution numbers">numbers changed</span>'
    '<span class="credit">credit to a source</span>'
    "<span>hover a passage to see its partner; click it to line the columns up</span></div>"
)


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main><script>{_JS}</script></body></html>\n"
    )


def render_comparison(
    doc_a: Document, doc_b: Document, pair: Mapping[str, Any], alignment: Mapping[str, Any]
) -> str:
    """A complete HTML page comparing two documents (see the module docstring)."""
    title = f"copytrace: {doc_a.id} ↔ {doc_b.id}"
    view = _comparison({"a": doc_a, "b": doc_b}, pair, alignment, _LEGEND)
    return _page(title, f"<h1>{_esc(title)}</h1>{view}")


def _summary_section(
    documents: Mapping[str, Document],
    pairs: Sequence[Mapping[str, Any]],
    clusters: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
) -> str:
    stats: Mapping[str, Any] = summary.get("stats", summary)
    skipped: Mapping[str, Any] = stats.get("skipped") or {}
    verdicts = Counter(str(pair.get("verdict", "?")) for pair in pairs)
    # (label, value, indented under the row above)
    rows: list[tuple[str, object, bool]] = [
        ("documents read", stats.get("documents", len(documents)), False),
        ("skipped", sum(int(v) for v in skipped.values()), False),
        *((str(reason), count, True) for reason, count in sorted(skipped.items())),
        ("pairs", len(pairs), False),
        *((v.replace("_", " "), n, True) for v, n in sorted(verdicts.items())),
        ("clusters", len(clusters), False),
    ]
    for key, label in (("documents_in_clusters", "documents in clusters"), ("kept", "kept")):
        if key in stats:
            rows.append((label, stats[key], False))
    indent = ' class="sub"'
    body = "".join(
        f"<tr{indent if sub else ''}><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>"
        for k, v, sub in rows
    )
    notes = "".join(f"<li>{_esc(note)}</li>" for note in stats.get("notes") or ())
    told = f'<ul class="notes">{notes}</ul>' if notes else ""
    return (
        f'<h2>Summary</h2><div class="card"><table class="meta summary">{body}</table>{told}</div>'
    )


def _timeline(cluster: Mapping[str, Any], documents: Mapping[str, Document]) -> str:
    """A cluster's captures in order (unknown order last, said so), representative marked."""
    captures = list(cluster.get("captures") or ())
    if not captures:
        captures = [{"id": m, "order": None, "date": None} for m in cluster.get("members", ())]
    known = sorted((c for c in captures if c.get("order") is not None), key=lambda c: c["order"])
    unknown = [c for c in captures if c.get("order") is None]
    items = []
    for capture in known + unknown:
        doc_id, order, date = str(capture.get("id")), capture.get("order"), capture.get("date")
        classes, badge = ("", f'<span class="order">{_esc(order)}.</span>')
        if order is None:
            classes, badge = ("unknown", '<span class="order unknown">order unknown</span>')
        when = f' · <time datetime="{_esc(date)}">{_esc(date)}</time>' if date else " · no date"
        doc = documents.get(doc_id)
        title = f" — {_esc(doc.meta['title'])}" if doc and doc.meta.get("title") else ""
        rep = ""
        if doc_id == cluster.get("representative"):
            classes += " representative"
            rep = '<span class="rep">★ representative</span>'
        evidence = capture.get("evidence")
        why = f'<div class="evidence">{_esc(evidence)}</div>' if evidence else ""
        items.append(
            f'<li class="{classes.strip()}">{badge} <b>{_esc(doc_id)}</b>{title}{when}{rep}'
            f"{why}</li>"
        )
    note = ""
    if not cluster.get("order_known", bool(known) and not unknown):
        note = '<p class="note">The order of these captures is not fully known.</p>'
    reason = cluster.get("reason")
    why_rep = f'<p class="evidence">Representative: {_esc(reason)}</p>' if reason else ""
    cid = _esc(cluster.get("id"))
    return (
        f'<div class="card" id="cluster-{cid}"><h3>Cluster {cid} · '
        f"{_esc(cluster.get('size', len(captures)))} captures</h3>{why_rep}{note}"
        f'<ol class="timeline">{"".join(items)}</ol></div>'
    )


def _left_out(count: int, noun: str, where: str) -> str:
    if count <= 0:
        return ""
    many = f"{count} more {noun}s are" if count > 1 else f"1 more {noun} is"
    return f'<p class="note">{many} left out of this page; every {noun} is in {where}.</p>'


def _pair_section(
    number: int,
    pair: Mapping[str, Any],
    documents: Mapping[str, Document],
    alignments: Mapping[tuple[str, str], Mapping[str, Any]],
) -> str:
    a_id, b_id = str(pair.get("a")), str(pair.get("b"))
    alignment = alignments.get((a_id, b_id))
    if alignment is None and (b_id, a_id) in alignments:
        # aligned the other way round: show the texts, and the pair's scores, in that order
        alignment, a_id, b_id = alignments[(b_id, a_id)], b_id, a_id
        swap = {"containment_a": "containment_b", "containment_b": "containment_a"}
        pair = {swap.get(key, key): value for key, value in pair.items()} | {"a": a_id, "b": b_id}
    head = (
        f'#{number} <span class="verdict">{_esc(pair.get("verdict", "?"))}</span> '
        f"{_esc(a_id)} ↔ {_esc(b_id)} · Jaccard {_number(pair.get('jaccard', '—'))}"
    )
    if a_id not in documents or b_id not in documents:
        inner = '<p class="note">The text of one of these documents is not available.</p>'
    else:
        docs = {"a": documents[a_id], "b": documents[b_id]}
        inner = _comparison(docs, pair, alignment or {}, "")
        if alignment is None:
            inner = '<p class="note">No alignment was computed for this pair.</p>' + inner
    return f'<details class="pair" id="pair-{number}"><summary>{head}</summary>{inner}</details>'


def render_scan_report(
    documents: Mapping[str, Document],
    pairs: Sequence[Mapping[str, Any]],
    alignments: Sequence[Mapping[str, Any]],
    clusters: Sequence[Mapping[str, Any]],
    summary: Mapping[str, Any],
    *,
    max_pairs: int = 200,
    max_clusters: int = 1000,
) -> str:
    """One HTML page for a scan: the summary, the timelines of the first ``max_clusters``
    clusters, and the first ``max_pairs`` pairs side by side, each in a collapsed
    ``<details>``; texts are rendered only for the pairs shown, and what is left out is
    counted on the page."""
    shown_clusters = clusters[: max(0, max_clusters)]
    shown = pairs[: max(0, max_pairs)]
    by_ids = {(str(found.get("a")), str(found.get("b"))): found for found in alignments}
    parts = [
        "<h1>copytrace scan report</h1>",
        _summary_section(documents, pairs, clusters, summary),
        f"<h2>Clusters ({len(clusters)})</h2>",
        *(_timeline(cluster, documents) for cluster in shown_clusters),
        _left_out(len(clusters) - len(shown_clusters), "cluster", "clusters.jsonl"),
        "" if clusters else '<p class="note">No clusters.</p>',
        f"<h2>Pairs ({len(shown)} of {len(pairs)} shown)</h2>",
        _left_out(len(pairs) - len(shown), "pair", "pairs.jsonl"),
        _LEGEND if shown else "",
        *(_pair_section(n, pair, documents, by_ids) for n, pair in enumerate(shown, start=1)),
    ]
    return _page("copytrace scan report", "".join(parts))
