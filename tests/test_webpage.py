"""One HTML page -> one Document: the main text without page furniture, and its metadata."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pytest
from webfixtures import BODY, FURNITURE, SEED_URLS, article_page, seed_body, seed_pages

from copytrace.config import Config
from copytrace.errors import DependencyError, InputError
from copytrace.model import Document
from copytrace.skips import SkipLog

pytest.importorskip("trafilatura", reason="HTML extraction needs the web extra")

from copytrace.webpage import (
    MAX_PAGE_BYTES,
    decode_html,
    extract_page,
    read_html_file,
)

URL = "https://www.news.example.com/business/port-traffic-falls-1234?ref=rss"
CANONICAL = "https://news.example.com/business/port-traffic-falls-1234"


def _document(result: Document | str) -> Document:
    assert isinstance(result, Document), f"page was skipped: {result}"
    return result


def test_main_text_keeps_the_article_and_drops_the_furniture() -> None:
    doc = _document(extract_page(article_page().encode("utf-8"), url=URL))

    for paragraph in BODY:
        assert paragraph in doc.text
    for furniture in FURNITURE:
        assert furniture not in doc.text
    assert "Harbour cranes" not in doc.text  # alt text is a caption, not body text
    # paragraphs are separated by one blank line, in page order
    paragraphs = doc.text.split("\n\n")
    assert [p for p in paragraphs if p in BODY] == list(BODY)
    assert all(p.strip() == p and p for p in paragraphs)


def test_every_metadata_field_is_filled() -> None:
    page = article_page().encode("utf-8")
    doc = _document(extract_page(page, url=URL, capture_date="2024-03-28T09:15:00Z"))

    assert doc.id == URL
    assert dict(doc.meta) == {
        "url": URL,
        "site": "www.news.example.com",
        "title": "Port traffic falls as strike and weak demand bite",
        "date": "2024-03-27T11:29:00+00:00",
        "author": "Maria Keller",
        "captions": [
            "Harbour cranes at dawn",
            "Cranes at the container terminal on Monday.",
            "Photo: Anna Jansen / Example Press",
        ],
        "canonical_url": CANONICAL,
        "description": "Container volumes dropped nine percent in the first quarter",
        "crawl_date": "2024-03-28T09:15:00Z",
    }


def test_absent_fields_are_left_out_not_stored_as_none() -> None:
    page = article_page(published=None, author=None, standfirst=None, figure=False, canonical=None)
    doc = _document(extract_page(page, source="pages/port.html"))

    assert doc.id == "pages/port.html"
    assert set(doc.meta) == {"title"}
    assert None not in doc.meta.values()


def test_id_is_the_capture_url_then_the_canonical_url_then_the_source() -> None:
    page = article_page()
    assert _document(extract_page(page, url=URL, source="a.html")).id == URL
    from_canonical = _document(extract_page(page, source="a.html"))
    assert from_canonical.id == CANONICAL
    assert from_canonical.meta["url"] == CANONICAL
    assert from_canonical.meta["site"] == "news.example.com"
    no_url = _document(extract_page(article_page(canonical=None), source="a.html"))
    assert no_url.id == "a.html"
    assert "url" not in no_url.meta and "site" not in no_url.meta


def test_relative_canonical_is_resolved_against_the_capture_url() -> None:
    page = article_page(canonical="/business/port-traffic-falls-1234")
    doc = _document(extract_page(page, url=URL))
    assert doc.meta["canonical_url"] == CANONICAL.replace("://", "://www.")
    # with nothing to resolve it against, a relative canonical is no address
    assert "canonical_url" not in _document(extract_page(page, source="p.html")).meta


def test_a_date_without_time_of_day_stays_a_date() -> None:
    doc = _document(extract_page(article_page(published="2024-03-27")))
    assert doc.meta["date"] == "2024-03-27"


def test_no_date_is_made_up_from_the_copyright_line() -> None:
    # the footer says "© 2024"; a guessed 2024-01-01 would mislead the ordering of captures
    doc = _document(extract_page(article_page(published=None, dateline="")))
    assert "date" not in doc.meta


def test_invalid_utf8_bytes_still_yield_the_text() -> None:
    page = article_page().encode("utf-8")
    broken = page.replace(b"container traffic", b"container \xff\xfe\x80traffic")
    doc = _document(extract_page(broken, url=URL))

    assert "\ufffd" in doc.text
    for paragraph in BODY[1:]:
        assert paragraph in doc.text


def test_meta_charset_is_honoured() -> None:
    page = article_page(charset="windows-1252").replace("Asia–Europe", "Asia-Europe")
    doc = _document(extract_page(page.encode("cp1252"), url=URL))
    assert "“We expect volumes to recover in the second half,” the authority’s" in doc.text


def test_latin1_label_is_read_as_windows_1252_like_browsers_do() -> None:
    data = "<p>the authority’s “chief”</p>".encode("cp1252")
    page = b'<html><head><meta charset="iso-8859-1"></head><body>' + data + b"</body></html>"
    assert "the authority’s “chief”" in decode_html(page)


def test_charset_precedence_bom_then_declared_then_meta() -> None:
    text = '<html><head><meta charset="utf-8"></head><body>Köln’s</body></html>'
    assert "Köln’s" in decode_html(text.encode("utf-16"))  # BOM wins over the meta tag
    assert "Köln’s" in decode_html(text.replace("utf-8", "cp1252").encode("utf-8"), "utf-8")
    assert "Köln’s" in decode_html(text.encode("utf-8"), declared="no-such-charset")
    # a bogus meta label and no other evidence: UTF-8, never an exception
    assert "Köln’s" in decode_html(text.replace("utf-8", "bogus").encode("utf-8"))
    assert "Köln’s" in decode_html(text.replace("utf-8", "base64").encode("utf-8"))


def test_xhtml_with_an_xml_declaration_is_read() -> None:
    page = '<?xml version="1.0" encoding="iso-8859-1"?>\n' + article_page()
    doc = _document(extract_page(page.encode("cp1252", errors="replace"), url=URL))
    assert BODY[0] in doc.text


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (b"", "empty_page"),
        (b"  \n\t ", "empty_page"),
        (b"<html><head><title></title></head><body>  </body></html>", "empty_page"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 20, "bad_html"),
        (bytes(range(256)) * 8, "bad_html"),
        (
            b"<html><body><nav><a href='/'>Home</a> <a href='/w'>World</a></nav>"
            b"<footer>(c) 2024 Example</footer></body></html>",
            "not_article",
        ),
    ],
)
def test_unusable_pages_give_a_reason_not_an_exception(page: bytes, reason: str) -> None:
    assert extract_page(page, source="x.html") == reason


def test_seed_captures_extract_with_their_bodies() -> None:
    first_page, second_page = seed_pages()
    body_first, body_second = seed_body()
    first = _document(extract_page(first_page, url=SEED_URLS[0]))
    second = _document(extract_page(second_page, url=SEED_URLS[1]))

    # trafilatura turns the no-break space of "Sources in" into a plain space
    assert all(p.replace("\u00a0", " ") in first.text for p in body_first)
    assert first.meta["date"] == "2024-03-27T11:29:00+00:00"
    assert first.meta["title"] == "US angry with Macron – Bloomberg"

    assert all(p in second.text for p in body_second)
    assert "Popular" not in second.text and "Front page" not in second.text
    assert second.meta["captions"] == [
        "Macron Biden",
        "French President Emmanuel Macron speaks with US President Joe Biden.",
        "© Brendan Smialowski / WPA Pool via Getty Images",
    ]
    assert "date" not in second.meta


def test_read_html_file_yields_the_page(tmp_path: Path) -> None:
    path = tmp_path / "port.html"
    path.write_bytes(article_page().encode("utf-8"))
    skips = SkipLog()
    (doc,) = read_html_file(path, Config(), skips)
    assert doc.id == CANONICAL
    assert BODY[0] in doc.text
    assert skips.total == 0


def test_read_html_file_counts_skips(tmp_path: Path) -> None:
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    page = tmp_path / "port.htm"
    page.write_text(article_page(), encoding="utf-8")
    skips = SkipLog()

    assert list(read_html_file(empty, Config(), skips)) == []
    assert list(read_html_file(page, Config(max_chars=100), skips)) == []
    assert skips.counts == {"empty_page": 1, "too_large": 1}
    assert [(s.source, s.line) for s in skips.examples] == [(str(empty), None), (str(page), None)]


def test_gzipped_pages_are_read_and_a_cut_one_is_reported(tmp_path: Path) -> None:
    packed = gzip.compress(article_page().encode("utf-8"))
    whole = tmp_path / "port.html.gz"
    whole.write_bytes(packed)
    cut = tmp_path / "cut.html.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    skips = SkipLog()

    (doc,) = read_html_file(whole, Config(), skips)
    assert BODY[-1] in doc.text
    assert list(read_html_file(cut, Config(), skips)) == []
    assert skips.counts == {"truncated_archive": 1}


def test_read_html_file_skips_huge_files_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import copytrace.webpage

    path = tmp_path / "dump.html"
    path.write_text(article_page(), encoding="utf-8")
    monkeypatch.setattr(copytrace.webpage, "MAX_PAGE_BYTES", 100)
    skips = SkipLog()
    assert list(read_html_file(path, Config(), skips)) == []
    assert skips.counts == {"too_large": 1}
    assert MAX_PAGE_BYTES > 1_000_000  # the real ceiling leaves every article alone


def test_strict_mode_makes_a_skip_fatal(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty_page"):
        list(read_html_file(path, Config(strict=True), SkipLog(strict=True)))


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        list(read_html_file(tmp_path / "nope.html", Config(), SkipLog()))


def test_missing_trafilatura_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # makes the import fail
    with pytest.raises(DependencyError, match=r"copytrace\[web\]"):
        extract_page("<html><body><p>text</p></body></html>")
