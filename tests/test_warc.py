"""Web archives -> one Document per archived HTML page; every other record counted."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from webfixtures import BODY, SEED_URLS, Response, article_page, seed_body, seed_warc, write_warc

from copytrace.config import Config
from copytrace.errors import InputError
from copytrace.model import Document
from copytrace.skips import SkipLog

pytest.importorskip("trafilatura", reason="HTML extraction needs the web extra")
pytest.importorskip("warcio", reason="reading web archives needs the web extra")

from copytrace.warc import read_warc

PAGE_A = "https://news.example.com/business/port-traffic-falls-1234"
PAGE_B = "https://news.example.com/business/port-traffic-follow-up"


def _mixed_records() -> list[Response]:
    """warcinfo (written first), a request, two pages, a PDF, a 404, a metadata record."""
    page_b = article_page(headline="Port strike ends", canonical=None)
    return [
        Response(PAGE_A, record_type="request"),
        Response(PAGE_A, article_page(canonical=None).encode("utf-8")),
        Response(PAGE_A, b"url: x\nfetchTimeMs: 12\n", record_type="metadata"),
        Response(
            "https://news.example.com/report.pdf", b"%PDF-1.7\n...", content_type="application/pdf"
        ),
        Response(
            "https://news.example.com/gone", b"<html>Not found</html>", status="404 Not Found"
        ),
        Response(PAGE_B, page_b.encode("utf-8"), date="2024-03-29T10:00:00Z"),
    ]


def _read(path: Path, config: Config | None = None) -> tuple[list[Document], SkipLog]:
    skips = SkipLog()
    return list(read_warc(path, config or Config(), skips)), skips


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_only_html_responses_with_status_200_become_documents(
    tmp_path: Path, compressed: bool
) -> None:
    name = "crawl.warc.gz" if compressed else "crawl.warc"
    path = write_warc(tmp_path / name, _mixed_records(), gzip=compressed)
    docs, skips = _read(path)

    assert [d.id for d in docs] == [PAGE_A, PAGE_B]
    assert [d.meta["crawl_date"] for d in docs] == ["2024-03-28T09:15:00Z", "2024-03-29T10:00:00Z"]
    assert all(paragraph in docs[0].text for paragraph in BODY)
    assert docs[0].meta["date"] == "2024-03-27T11:29:00+00:00"
    assert skips.counts == {"warc_non_response": 3, "warc_not_html": 1, "warc_http_status": 1}
    # the line of a skip is the record's number in the archive (warcinfo is record 1)
    lines = {(s.reason, s.line) for s in skips.examples}
    assert lines == {
        ("warc_non_response", 1),
        ("warc_non_response", 2),
        ("warc_non_response", 4),
        ("warc_not_html", 5),
        ("warc_http_status", 6),
    }
    assert all(s.source == str(path) for s in skips.examples)


def test_cut_inside_the_last_record_keeps_what_came_before(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "crawl.warc.gz", _mixed_records(), gzip=True)
    data = path.read_bytes()
    last_member = data.rfind(b"\x1f\x8b\x08")  # each record is its own gzip member
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: last_member + (len(data) - last_member) // 2])

    docs, skips = _read(cut)

    assert [d.id for d in docs] == [PAGE_A]
    assert skips.counts["truncated_archive"] == 1
    (damage,) = [s for s in skips.examples if s.reason == "truncated_archive"]
    assert damage.line == 7
    assert skips.counts == {
        "warc_non_response": 3,
        "warc_not_html": 1,
        "warc_http_status": 1,
        "truncated_archive": 1,
    }


def _record_starts(data: bytes) -> list[int]:
    """Offsets where each record of an intact archive starts, and the archive's length."""
    from warcio.archiveiterator import ArchiveIterator

    iterator = ArchiveIterator(io.BytesIO(data))
    starts = [iterator.get_record_offset() for _ in iterator]
    return [*starts, len(data)]


#: bytes a record may lose at its end and still be whole: the blank lines after it, or
#: the gzip trailer of its member
_SEPARATOR_SLACK = 12


@pytest.mark.parametrize("compressed", [True, False], ids=["warc.gz", "warc"])
def test_every_cut_point_is_reported_once_and_loses_only_the_cut_record(
    tmp_path: Path, compressed: bool
) -> None:
    records = [Response(PAGE_A, article_page().encode("utf-8"))] * 2
    data = write_warc(tmp_path / "whole", records, gzip=compressed).read_bytes()
    ends = _record_starts(data)[1:]
    path = tmp_path / "cut.warc"
    for cut in range(0, len(data), 7):
        path.write_bytes(data[:cut])
        docs, skips = _read(path)  # never raises
        truncated = skips.counts["truncated_archive"]
        accounted = len(docs) + skips.total - truncated
        whole_before = sum(end <= cut for end in ends)
        nearly_whole = sum(end - _SEPARATOR_SLACK <= cut for end in ends)
        assert whole_before <= accounted <= nearly_whole, cut
        assert truncated <= 1, cut
        at_boundary = cut == 0 or any(end - _SEPARATOR_SLACK <= cut <= end for end in ends)
        assert truncated == 1 or at_boundary, cut


def test_corrupt_bytes_and_non_archives_are_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "page.warc"
    path.write_bytes(article_page().encode("utf-8"))
    docs, skips = _read(path)
    assert docs == []
    assert skips.counts == {"truncated_archive": 1}
    assert skips.examples[0].line == 1

    good = write_warc(tmp_path / "crawl.warc.gz", _mixed_records(), gzip=True).read_bytes()
    last_member = good.rfind(b"\x1f\x8b\x08")
    damaged = bytearray(good)
    damaged[last_member + 40 : last_member + 60] = b"\x00" * 20  # inside the deflate data
    path.write_bytes(bytes(damaged))
    docs, skips = _read(path)
    assert [d.id for d in docs] == [PAGE_A]
    assert skips.counts["truncated_archive"] == 1


def test_empty_file_is_an_empty_archive(tmp_path: Path) -> None:
    path = tmp_path / "empty.warc"
    path.write_bytes(b"")
    docs, skips = _read(path)
    assert docs == []
    assert skips.total == 0


def test_whole_file_gzip_is_read_too(tmp_path: Path) -> None:
    plain = write_warc(tmp_path / "crawl.warc", _mixed_records(), gzip=False)
    path = tmp_path / "recompressed.warc.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()))  # what `gzip crawl.warc` makes
    docs, skips = _read(path)
    assert [d.id for d in docs] == [PAGE_A, PAGE_B]
    assert "truncated_archive" not in skips.counts


def test_http_charset_and_content_encoding_are_honoured(tmp_path: Path) -> None:
    # no <meta charset>: only the HTTP header says windows-1252
    page = article_page().replace('<meta charset="utf-8">', "").replace("Asia–Europe", "Asia")
    body = gzip.compress(page.encode("cp1252"))
    records = [
        Response(
            PAGE_A,
            body,
            content_type="text/html; charset=windows-1252",
            extra_headers=(("Content-Encoding", "gzip"),),
        )
    ]
    docs, skips = _read(write_warc(tmp_path / "c.warc.gz", records, gzip=True))
    assert skips.total == 1  # the warcinfo record
    assert "“We expect volumes to recover in the second half,” the authority’s" in docs[0].text


def test_untyped_payload_is_sniffed(tmp_path: Path) -> None:
    records = [
        Response(PAGE_A, article_page().encode("utf-8"), content_type=""),
        Response(PAGE_B, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type=""),
    ]
    docs, skips = _read(write_warc(tmp_path / "u.warc", records, gzip=False))
    assert [d.id for d in docs] == [PAGE_A]
    assert skips.counts == {"warc_non_response": 1, "warc_not_html": 1}


def test_pages_over_max_chars_are_skipped(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "crawl.warc.gz", _mixed_records(), gzip=True)
    docs, skips = _read(path, Config(max_chars=200))
    assert docs == []
    assert skips.counts["too_large"] == 2


def test_arc_files_are_read(tmp_path: Path) -> None:
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    body = http + article_page().encode("utf-8")
    desc = b"1 0 tests\nURL IP-address Archive-date Content-type Archive-length\n"
    arc = io.BytesIO()
    arc.write(b"filedesc://t.arc 0.0.0.0 20240328091500 text/plain %d\n" % len(desc) + desc + b"\n")
    arc.write(b"%s 10.0.0.1 20240328091500 text/html %d\n" % (PAGE_A.encode(), len(body)))
    arc.write(body + b"\n")
    path = tmp_path / "old.arc"
    path.write_bytes(arc.getvalue())

    docs, skips = _read(path)
    assert [d.id for d in docs] == [PAGE_A]
    assert docs[0].meta["crawl_date"].startswith("2024-03-28T09:15:00")
    assert skips.counts == {"warc_non_response": 1}  # the ARC file header


def test_strict_mode_makes_the_first_skip_fatal(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "crawl.warc.gz", _mixed_records(), gzip=True)
    with pytest.raises(InputError, match=r"crawl\.warc\.gz:1: warc_non_response"):
        list(read_warc(path, Config(strict=True), SkipLog(strict=True)))


def test_missing_archive_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        list(read_warc(tmp_path / "nope.warc.gz", Config(), SkipLog()))


def test_seed_story_archive(tmp_path: Path) -> None:
    docs, skips = _read(seed_warc(tmp_path))
    body_first, body_second = seed_body()

    assert [d.id for d in docs] == list(SEED_URLS)
    first, second = docs
    assert all(p.replace("\u00a0", " ") in first.text for p in body_first)
    assert all(p in second.text for p in body_second)
    assert first.meta["date"] == "2024-03-27T11:29:00+00:00"
    assert first.meta["crawl_date"] == "2024-03-27T12:02:11Z"
    assert "Macron Biden" in second.meta["captions"]
    assert skips.counts == {"warc_non_response": 3}  # warcinfo and two requests


def test_a_record_longer_than_its_content_length_is_counted_not_printed(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    page_b = article_page(headline="Port strike ends", canonical=None).encode("utf-8")
    records = [Response(PAGE_A, article_page().encode("utf-8")), Response(PAGE_B, page_b)]
    data = write_warc(tmp_path / "crawl.warc", records, gzip=False).read_bytes()
    # the first page says it is shorter than it is by its last line, which is then read as a
    # line where the blank ones that end a record should be (more than a line, and warcio
    # takes the next for a record's first and gives up on the archive)
    first_page = data.index(b"WARC-Type: response")
    length_at = data.index(b"Content-Length: ", first_page) + len(b"Content-Length: ")
    length_end = data.index(b"\r\n", length_at)
    length = int(data[length_at:length_end])
    content_end = data.index(b"\r\n\r\n", length_end) + 4 + length
    last_line = content_end - data.rindex(b"\n", 0, content_end - 1) - 1
    shorter = str(length - last_line).encode()
    path = tmp_path / "wrong-length.warc"
    path.write_bytes(data[:length_at] + shorter + data[length_end:])
    docs, skips = _read(path)
    assert [d.id for d in docs][-1:] == [PAGE_B]  # the next record is read as it is
    assert skips.counts["warc_bad_length"] == 1
    assert "truncated_archive" not in skips.counts
    assert capfd.readouterr().err == ""  # warcio's warning is not printed


def test_unparseable_headers_are_said_in_words(tmp_path: Path) -> None:
    """A response record without WARC-Target-URI makes warcio fail on an attribute of None:
    the skip says what is wrong with the archive, not what went wrong in warcio."""
    path = tmp_path / "no-target.warc"
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>short</html>"
    head = f"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: {len(body)}\r\n\r\n"
    path.write_bytes(head.encode() + body + b"\r\n\r\n")
    docs, skips = _read(path)
    assert docs == []
    (damage,) = skips.examples
    assert (damage.reason, damage.line) == ("truncated_archive", 1)
    assert damage.detail == "record 1: headers damaged or incomplete, cannot be parsed"
