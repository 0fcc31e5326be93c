"""The HTML report: escaping, tag nesting, passages matched across the columns, labels and
warnings; the scan page; and the seed comparison rendered by a real headless Chromium."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import copytrace
from copytrace.align import align
from copytrace.htmlreport import render_comparison, render_scan_report
from copytrace.model import Document

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source"}


class Page(HTMLParser):
    """Checks that tags nest and collects, per column, its text, passages and labels."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.side: str | None = None
        self.text_depth: int | None = None
        self.texts: dict[str, str] = {}
        self.passages: dict[str, list[str]] = {}
        self.labels: dict[str, list[str]] = {}
        self.edits: dict[str, list[str]] = {}
        self.warnings = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        classes = values.get("class", "").split()
        if "column" in classes:
            self.side = values["data-side"]
        if "text" in classes and self.side:
            self.text_depth = len(self.stack)
            self.texts.setdefault(self.side, "")
        if "warning" in classes:
            self.warnings += 1
        if self.text_depth is not None and self.side:
            if tag == "mark" and "copied" in classes and "continued" not in classes:
                self.passages.setdefault(self.side, []).append(values["data-passage"])
            if "unmatched" in classes and "continued" not in classes:
                assert f"label-{values['title']}" in classes
                self.labels.setdefault(self.side, []).append(values["title"])
            if "edit" in classes:
                self.edits.setdefault(self.side, []).append(" ".join(classes))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if self.text_depth is not None and len(self.stack) == self.text_depth:
            self.text_depth = None

    def handle_data(self, data: str) -> None:
        if self.text_depth is not None and self.side:
            self.texts[self.side] = self.texts.get(self.side, "") + data


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    assert parser.errors == [], parser.errors[:5]
    assert parser.stack == [], f"never closed: {parser.stack}"
    return parser


TEXT_A = (
    "Big <script>alert('a')</script> headline & more\n\n"
    "The minister said on Monday that 12 percent of the budget would go to schools, "
    "Reuters reported.\n\nA last line only in A."
)
TEXT_B = (
    "Photo: <b>agency</b> & friends\n"
    "The minister said on Monday that 15 percent of the budget would go to schools, "
    "Reuters reported."
)


def small_alignment() -> dict[str, Any]:
    """A hand-made alignment of TEXT_A and TEXT_B whose spans cross each other on purpose."""
    a0, b0 = TEXT_A.index("The minister"), TEXT_B.index("The minister")
    a1, b1 = TEXT_A.index("reported.") + 9, TEXT_B.index("reported.") + 9
    a12, b15 = TEXT_A.index("12"), TEXT_B.index("15")
    a_rep = TEXT_A.index("Reuters")
    return {
        "a": "a<1>",
        "b": "b&2",
        "a_words": 30,
        "b_words": 22,
        "a_coverage": 0.6,
        "b_coverage": 0.8,
        "typography_only": False,
        "edit_counts": {"typography": 0, "substitution": 1, "insertion": 1, "deletion": 0},
        "passages": [{"a_start": a0, "a_end": a1, "b_start": b0, "b_end": b1, "words": 18}],
        "edits": [
            {"kind": "substitution", "a_start": a12, "a_end": a12 + 2, "b_start": b15,
             "b_end": b15 + 2, "a_text": "12", "b_text": "15", "numbers": True},
            # an insertion: empty on side a; crosses nothing
            {"kind": "insertion", "a_start": a0 + 4, "a_end": a0 + 4, "b_start": b0 + 4,
             "b_end": b0 + 12, "a_text": "", "b_text": "minister", "numbers": False},
            # overlaps the substitution and runs past the passage end on side a
            {"kind": "typography", "a_start": a12 - 3, "a_end": a1 + 3, "b_start": b15,
             "b_end": b15 + 1, "a_text": "<x>", "b_text": "\u00a0", "numbers": False},
        ],
        "unmatched": [
            {"side": "a", "start": 0, "end": TEXT_A.index("\n"), "label": "headline",
             "text": ""},
            {"side": "a", "start": a1 + 2, "end": len(TEXT_A), "label": "other", "text": ""},
            {"side": "b", "start": 0, "end": TEXT_B.index("\n"), "label": "caption", "text": ""},
        ],
        # the credit on side a starts inside the passage and ends beyond it
        "credits_a": [{"source": "Reuters", "phrase": "Reuters reported",
                       "start": a_rep, "end": a1 + 5}],
        "credits_b": [],
        "dropped_credits": ["Reuters"],
    }  # fmt: skip


def small_page(alignment: dict[str, Any] | None = None) -> str:
    doc_a = Document("a<1>", TEXT_A, {"title": "<i>Title</i> & co", "url": "javascript:alert(1)"})
    doc_b = Document("b&2", TEXT_B, {"url": "https://example.org/?a=1&b=<2>"})
    pair = {"a": "a<1>", "b": "b&2", "jaccard": 0.5, "containment_a": 0.4,
            "containment_b": 0.7, "verdict": "partial"}  # fmt: skip
    return render_comparison(doc_a, doc_b, pair, alignment or small_alignment())


def test_text_is_escaped_and_shown_literally() -> None:
    page = small_page()
    assert "<script>alert('a')" not in page
    assert "&lt;script&gt;alert(&#x27;a&#x27;)&lt;/script&gt; headline &amp; more" in page
    assert "<b>agency</b>" not in page and "&lt;b&gt;agency&lt;/b&gt; &amp; friends" in page
    assert "<i>Title</i>" not in page and "&lt;i&gt;Title&lt;/i&gt; &amp; co" in page
    assert 'href="javascript' not in page  # only http(s) URLs become links
    assert 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in page
    assert page.count("<script>") == 1  # the page's own optional script, nothing else


def test_tags_nest_and_each_column_reproduces_its_text_exactly() -> None:
    parsed = parse(small_page())
    assert parsed.texts == {"a": TEXT_A, "b": TEXT_B}


def test_passage_in_both_columns_with_the_same_number() -> None:
    page = small_page()
    parsed = parse(page)
    assert parsed.passages == {"a": ["1"], "b": ["1"]}
    assert page.count('<mark class="copied" data-passage="1"') == 2


def test_labels_edits_and_numbers_are_marked() -> None:
    page = small_page()
    parsed = parse(page)
    assert parsed.labels == {"a": ["headline", "other"], "b": ["caption"]}
    assert '<span class="unmatched label-headline" title="headline"' in page
    assert any("edit-substitution numbers" in edit for edit in parsed.edits["a"])
    assert any("edit-insertion gap" in edit for edit in parsed.edits["a"])  # empty on side a
    assert any("edit-insertion" in edit for edit in parsed.edits["b"])
    assert "substitution (numbers differ): A “12” → B “15”" in page
    assert "[no-break space]" in page  # invisible characters are named in tooltips
    assert 'class="credit" title="credits Reuters"' in page


def test_dropped_credit_warning_only_when_a_credit_was_dropped() -> None:
    page = small_page()
    assert parse(page).warnings == 1
    assert "Attribution dropped" in page and "<b>Reuters</b> is credited by A but not by B" in page
    quiet = small_page({**small_alignment(), "dropped_credits": []})
    assert parse(quiet).warnings == 0 and "Attribution dropped" not in quiet


def test_scores_and_header() -> None:
    page = small_page()
    for expected in ("partial", "0.500", "0.400", "0.700", "1 substitution, 1 insertion"):
        assert expected in page
    assert "a&lt;1&gt;" in page and "b&amp;2" in page


@st.composite
def random_case(draw: st.DrawFn) -> tuple[str, str, dict[str, Any]]:
    alphabet = st.sampled_from(list("ab <>&\"'\n\u00a0é"))
    text_a = draw(st.text(alphabet, max_size=60))
    text_b = draw(st.text(alphabet, max_size=60))

    def span(size: int) -> tuple[int, int]:
        start = draw(st.integers(-2, size + 2))
        return start, draw(st.integers(start, size + 3))

    passages, edits, unmatched = [], [], []
    for _ in range(draw(st.integers(0, 4))):
        (a0, a1), (b0, b1) = span(len(text_a)), span(len(text_b))
        passages.append({"a_start": a0, "a_end": a1, "b_start": b0, "b_end": b1, "words": 1})
    for _ in range(draw(st.integers(0, 6))):
        (a0, a1), (b0, b1) = span(len(text_a)), span(len(text_b))
        kind = draw(st.sampled_from(["typography", "substitution", "insertion", "moved"]))
        edits.append({"kind": kind, "a_start": a0, "a_end": a1, "b_start": b0, "b_end": b1,
                      "a_text": "x", "b_text": "<y>", "numbers": draw(st.booleans())})  # fmt: skip
    for side, text in (("a", text_a), ("b", text_b)):
        for _ in range(draw(st.integers(0, 3))):
            start, end = span(len(text))
            label = draw(st.sampled_from(["headline", "caption", "other"]))
            unmatched.append({"side": side, "start": start, "end": end, "label": label})
    credit_start, credit_end = span(len(text_a))
    credits = [{"source": "AP", "phrase": "p", "start": credit_start, "end": credit_end}]
    return text_a, text_b, {
        "a": "a", "b": "b", "passages": passages, "edits": edits, "unmatched": unmatched,
        "credits_a": credits, "credits_b": [], "dropped_credits": [],
    }  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(random_case())
def test_any_overlap_of_spans_nests_and_keeps_the_text(case: tuple[str, str, Any]) -> None:
    text_a, text_b, alignment = case
    pair = {"verdict": "partial", "jaccard": 0.1, "containment_a": 0.1, "containment_b": 0.1}
    page = render_comparison(Document("a", text_a), Document("b", text_b), pair, alignment)
    parsed = parse(page)
    assert parsed.texts == {"a": text_a, "b": text_b}


def scan_inputs() -> tuple[dict[str, Document], list[dict[str, Any]], list[dict[str, Any]]]:
    documents = {
        "a<1>": Document("a<1>", TEXT_A, {"title": "First"}),
        "b&2": Document("b&2", TEXT_B),
        "c": Document("c", "ONLY-IN-A-LEFT-OUT-PAIR the minister said on Monday"),
    }
    pairs = [
        {"a": "b&2", "b": "a<1>", "jaccard": 0.5, "containment_a": 0.7, "containment_b": 0.4,
         "verdict": "partial"},
        {"a": "a<1>", "b": "c", "jaccard": 0.9, "containment_a": 0.9, "containment_b": 0.9,
         "verdict": "near_duplicate"},
    ]  # fmt: skip
    clusters = [
        {"id": 7, "size": 3, "members": ["a<1>", "b&2", "c"], "representative": "a<1>",
         "policy": "earliest", "reason": "earliest dated capture", "order_known": False,
         "captures": [
             {"id": "b&2", "order": 2, "date": None, "evidence": "contains the text of a<1>"},
             {"id": "c", "order": None, "date": None, "evidence": "no date, no containment"},
             {"id": "a<1>", "order": 1, "date": "2024-03-27T11:29:00",
              "evidence": "dateline 27 Mar, 2024 11:29"},
         ]},
    ]  # fmt: skip
    return documents, pairs, clusters


def test_scan_report_summary_timeline_and_pairs() -> None:
    documents, pairs, clusters = scan_inputs()
    note = "70 documents in 1 group of more than 64 identical ones: paired as a star <first>"
    summary = {"stats": {"documents": 3, "skipped": {"empty": 2, "bad_utf8": 1}, "notes": [note]}}
    page = render_scan_report(documents, pairs, [small_alignment()], clusters, summary, max_pairs=1)
    parsed = parse(page)
    # what the scan did differently from what was asked is said there too, escaped
    assert "<li>70 documents in 1 group of more than 64 identical ones: paired as a star " in page
    assert "&lt;first&gt;</li>" in page
    # the summary: documents, skips by reason, pairs by verdict, clusters
    for row in ("documents read", "<th>empty</th><td>2</td>", "<th>bad_utf8</th><td>1</td>",
                "<th>near duplicate</th><td>1</td>", "<th>clusters</th><td>1</td>"):  # fmt: skip
        assert row in page
    # the timeline: known order first, unknown order said so, representative marked
    timeline = page[page.index('<ol class="timeline">') : page.index("</ol>")]
    assert (
        timeline.index("a&lt;1&gt;") < timeline.index("b&amp;2") < timeline.index("order unknown")
    )
    assert timeline.count(">order unknown<") == 1 and "★ representative" in timeline
    assert '<time datetime="2024-03-27T11:29:00">' in timeline
    assert "The order of these captures is not fully known" in page
    # one pair shown (the alignment was made a -> b: columns follow it), one left out
    assert page.count('<details class="pair"') == 1
    assert "1 more pair is left out of this page" in page
    assert parsed.texts == {"a": TEXT_A, "b": TEXT_B}
    assert parsed.passages == {"a": ["1"], "b": ["1"]}
    assert "ONLY-IN-A-LEFT-OUT-PAIR" not in page  # texts only for the pairs shown
    # the pair's containments follow the columns when they are swapped
    shown = page[page.index('<details class="pair"') :]
    assert shown.index("0.400") < shown.index("0.700")


def test_scan_report_without_alignments_or_texts() -> None:
    documents, pairs, clusters = scan_inputs()
    page = render_scan_report({}, pairs, [], [], {"documents": 0, "skipped": {}})
    parse(page)
    assert page.count('<details class="pair"') == 2 and "No clusters." in page
    assert "The text of one of these documents is not available" in page
    page = render_scan_report(documents, pairs, [], clusters, {})
    assert "No alignment was computed for this pair" in page
    parse(page)


# --- headless Chromium on the seed pair --------------------------------------------------------

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)  # fmt: skip


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not installed: apt-get install chromium")


def png_size(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed pixel rows of a PNG (checks its structure)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, width, height, idat = 8, 0, 0, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, zlib.decompress(idat)


SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


@pytest.fixture(scope="module")
def seed_docs() -> tuple[Document, Document]:
    paths = sorted(SEEDS.glob("000_*.txt")) + sorted(SEEDS.glob("001_*.txt"))
    if len(paths) != 2:
        pytest.skip(f"seed pair not found in {SEEDS} (000_*.txt and 001_*.txt)")
    doc_a, doc_b = (Document(path.stem, path.read_text(encoding="utf-8")) for path in paths)
    return doc_a, doc_b


@pytest.fixture(scope="module")
def seed_page(
    seed_docs: tuple[Document, Document], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    doc_a, doc_b = seed_docs
    alignment = align(doc_a, doc_b).to_dict()
    pair = copytrace.compare(doc_a.text, doc_b.text).to_dict() | {"a": doc_a.id, "b": doc_b.id}
    page = tmp_path_factory.mktemp("seed_page") / "comparison.html"
    page.write_text(render_comparison(doc_a, doc_b, pair, alignment), encoding="utf-8")
    return page


def run_chromium(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args]
    result = subprocess.run(
        [*command, page.as_uri()], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def test_chromium_screenshot_of_the_seed_comparison(seed_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "seed.png"
    run_chromium(seed_page, tmp_path, f"--screenshot={shot}", "--window-size=1400,1000")
    data = shot.read_bytes()
    assert len(data) > 10_000, f"screenshot suspiciously small: {len(data)} bytes"
    width, height, pixels = png_size(data)
    assert (width, height) == (1400, 1000)
    assert len(set(pixels)) > 64, "the screenshot looks blank"


def test_chromium_dom_of_the_seed_comparison(
    seed_docs: tuple[Document, Document], seed_page: Path, tmp_path: Path
) -> None:
    dom = run_chromium(seed_page, tmp_path, "--dump-dom").stdout
    assert '<mark class="copied" data-passage="1"' in dom
    parsed = parse(dom)
    assert parsed.passages["a"] and parsed.passages["a"] == parsed.passages["b"]
    assert {"headline", "dateline", "standfirst"} <= set(parsed.labels["a"])
    assert set(parsed.labels["b"]) == {"caption"}
    # the browser shows each capture's text exactly, badges and markers being CSS only
    assert parsed.texts == {"a": seed_docs[0].text, "b": seed_docs[1].text}
