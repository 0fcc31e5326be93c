"""Web archives (WARC, .warc.gz, and the older ARC) -> one Document per archived HTML page.

Contract of :func:`read_warc`:

- Only ``response`` records with HTTP status 200 and an HTML payload become documents, through
  :func:`copytrace.webpage.extract_page` with ``url`` = WARC-Target-URI and ``capture_date`` =
  WARC-Date. Every other record is counted in the skip log, with its 1-based record number as
  the line: ``warc_non_response`` (request, metadata, warcinfo, revisit ...),
  ``warc_http_status`` (not 200, or no HTTP status line), ``warc_not_html`` (PDF, images ...),
  ``warc_bad_payload`` (a Content-Encoding that does not decode), and the page skips of
  :mod:`copytrace.webpage`. A record not ended where its Content-Length says is counted as
  ``warc_bad_length`` (the bytes up to the next blank line are passed over, as warcio does).
- A damaged archive (cut short, corrupt bytes, not an archive at all) yields every document
  before the damage and then records exactly one ``truncated_archive`` skip; it never raises
  (except :class:`~copytrace.errors.InputError` in strict mode or for a missing file, and
  :class:`~copytrace.errors.DependencyError` without the ``web`` extra).
- Compressed archives are read the same whether each record is its own gzip member (the
  standard) or the whole file is one gzip stream (what ``gzip file.warc`` makes).

warcio reads the records, rather than fastwarc: it is pure Python, so it installs with pip on
every platform without a compiler, it reads ARC as well as WARC, and its writer is what the
tests build archives with. Its parsing speed does not matter here: extracting the main text of
a page costs far more than reading its record.

Decompression is done here, not by warcio: warcio ends a cut gzip stream silently, and stops
at the second record of a whole-file gzip; Python's gzip module reads both kinds and raises
at a cut, which is how damage is found.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from io import BufferedIOBase
from pathlib import Path
from typing import Any, NoReturn

from copytrace.config import Config
from copytrace.errors import DependencyError, InputError
from copytrace.model import Document
from copytrace.skips import SkipLog
from copytrace.webpage import MAX_PAGE_BYTES, admit, decode_html, extract_page

#: payload types read as HTML pages
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})

#: how much of an untyped payload is looked at to decide whether it is HTML
_SNIFF_BYTES = 1024
_DRAIN_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class _Record:
    """What read_warc needs of one archive record, read in full before the next is parsed."""

    number: int
    url: str
    capture_date: str | None
    skip_reason: str | None
    skip_detail: str = ""
    payload: bytes = b""
    charset: str | None = None


@dataclass(frozen=True, slots=True)
class _End:
    """How reading an archive stopped: ``damage`` says why, when it did not reach the end."""

    records: int
    damage: str | None = None


class _GzipStream(BufferedIOBase):
    """The decompressed bytes of a gzip file (one member or many); BadGzipFile at damage.

    ``GzipFile.read(n)`` drops what it has decompressed when the file ends mid-stream, which
    would lose the last whole records of a cut archive; ``read1`` hands them over first.
    """

    def __init__(self, raw: BufferedIOBase) -> None:
        super().__init__()
        self._file = gzip.GzipFile(fileobj=raw, mode="rb")
        self._damage: Exception | None = None

    def readable(self) -> bool:
        return True

    def _raise_damage(self) -> NoReturn:
        # not EOFError: warcio takes that for the archive's normal end
        raise gzip.BadGzipFile(f"gzip stream damaged: {self._damage}") from self._damage

    def read(self, size: int | None = -1) -> bytes:
        if self._damage is not None:
            self._raise_damage()
        wanted = size if size is not None and size >= 0 else sys.maxsize
        parts: list[bytes] = []
        got = 0
        while got < wanted:
            try:
                chunk = self._file.read1(min(wanted - got, _DRAIN_CHUNK))
            except (EOFError, OSError, zlib.error) as exc:
                # raised once the bytes before the damage are handed over: gzip does not
                # raise twice for a stream cut inside a member header
                self._damage = exc
                break
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        if not parts and self._damage is not None:
            self._raise_damage()
        return b"".join(parts)

    def tell(self) -> int:
        return self._file.tell()

    def close(self) -> None:
        self._file.close()
        super().close()


def _archive_iterator(stream: BufferedIOBase) -> Any:
    """warcio's iterator over the records of ``stream``, ARC records presented as WARC ones
    (so ARC files need no second path), printing nothing: where a record is not followed by
    the blank lines that end it (its Content-Length is wrong), warcio writes a warning to
    stderr and passes over the bytes up to the next blank line; its ``err_count`` counts
    them instead, and :func:`_records` reports each as a skip."""
    try:
        # warcio ships no type hints; its one use here is typed Any on purpose
        from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
    except ImportError as exc:
        raise DependencyError("warcio", "web", "Reading web archives") from exc

    class QuietIterator(ArchiveIterator):  # type: ignore[misc]
        INC_RECORD = ""  # the warning's text: written, as nothing

    return QuietIterator(stream, arc2warc=True)


#: characters of warcio's message (which quotes the line it could not parse) kept
_SAID_MOST = 100


def _damage(number: int, exc: Exception) -> str:
    """Why the records of an archive could not be read on from record ``number``, in words
    (not warcio's internals where its parser fails on headers it did not expect)."""
    if isinstance(exc, EOFError | OSError | zlib.error):  # gzip's damage, or a read's
        return f"record {number}: {exc}"
    if type(exc).__name__ == "ArchiveLoadFailed":  # warcio: not a record at all
        return f"record {number}: not a WARC or ARC record ({str(exc)[:_SAID_MOST]})"
    return f"record {number}: headers damaged or incomplete, cannot be parsed"


def _mime_and_charset(content_type: str) -> tuple[str, str | None]:
    mime, _, params = content_type.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("'\"") or None
    return mime.strip().lower(), charset


def _looks_like_html(payload: bytes) -> bool:
    head = payload[:_SNIFF_BYTES].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _classify(record: Any, number: int) -> _Record:
    """Read one record's payload if it is an HTML page, else say why it is skipped."""
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI") or ""
    capture_date = headers.get_header("WARC-Date")

    def skipped(reason: str, detail: str) -> _Record:
        return _Record(number, url, capture_date, reason, detail)

    if record.rec_type != "response":
        return skipped("warc_non_response", f"{record.rec_type} record")
    http = record.http_headers
    status = http.get_statuscode() if http is not None else None
    if status != "200":
        return skipped("warc_http_status", f"HTTP {status}" if status else "no HTTP status line")
    content_type = http.get_header("Content-Type") or ""
    mime, charset = _mime_and_charset(content_type)
    if mime and mime not in HTML_TYPES:
        return skipped("warc_not_html", mime)
    try:
        # content_stream undoes chunked transfer and gzip/deflate/brotli content encodings
        payload = record.content_stream().read(MAX_PAGE_BYTES + 1)
    except Exception as exc:  # a Content-Encoding that does not decode spoils this record only
        return skipped("warc_bad_payload", f"{type(exc).__name__}: {exc}")
    if len(payload) > MAX_PAGE_BYTES:
        return skipped("too_large", f"payload over {MAX_PAGE_BYTES} bytes")
    if not mime and not _looks_like_html(payload):
        return skipped("warc_not_html", "no Content-Type and no HTML markup")
    return _Record(number, url, capture_date, None, payload=payload, charset=charset)


def _records(stream: BufferedIOBase) -> Generator[_Record, None, _End]:
    """Every record of an archive stream, in order; returns how the reading stopped.

    warcio does not report every kind of damage: a record cut inside its payload comes back
    short, and an archive cut inside a record's headers simply ends. The first is caught by
    the record's unread length, the second by bytes left over after the last whole record.
    """
    iterator = _archive_iterator(stream)
    number = 0
    passed_over = 0  # warcio's count of records not ended where their length says

    def ended_badly(record_number: int) -> Iterator[_Record]:
        """A skip for the record before the one just parsed (or the archive's end), if
        warcio passed over bytes after it."""
        nonlocal passed_over
        if iterator.err_count > passed_over:
            passed_over = iterator.err_count
            yield _Record(
                record_number,
                "",
                None,
                "warc_bad_length",
                "not followed by the blank line that ends a record (a wrong Content-Length): "
                "the bytes up to the next blank line were passed over",
            )

    while True:
        try:
            record = next(iterator)
        except StopIteration:
            yield from ended_badly(number)
            break
        except Exception as exc:  # warcio raises ArchiveLoadFailed, EOFError, zlib.error,
            # AttributeError ... on damaged input; all mean "nothing more can be read"
            return _End(number, _damage(number + 1, exc))
        yield from ended_badly(number)
        number += 1
        if not (record.rec_headers.get_header("Content-Length") or "").strip().isdigit():
            # every WARC record has one; without it the archive was cut inside the headers
            return _End(number - 1, f"record {number}: headers cut short (no Content-Length)")
        try:
            entry = _classify(record, number)
            # read the rest so a record cut short is known before its page is extracted
            while record.raw_stream.read(_DRAIN_CHUNK):
                pass
        except Exception as exc:  # the archive's own bytes are damaged (cut, bad gzip CRC)
            return _End(number - 1, _damage(number, exc))
        if getattr(record.raw_stream, "limit", 0) > 0:
            return _End(number - 1, f"record {number}: cut short inside its content")
        yield entry
    leftover = stream.tell() - iterator.offset
    if leftover > 0:
        return _End(number, f"{leftover} bytes after record {number} do not form a record")
    return _End(number)


def _documents(
    stream: BufferedIOBase, source: str, config: Config, skips: SkipLog
) -> Generator[Document, None, _End]:
    """Documents of one archive stream, each record's skip recorded as it comes."""
    records = _records(stream)
    while True:
        try:
            record = next(records)
        except StopIteration as stop:
            end: _End = stop.value
            return end
        if record.skip_reason is not None:
            skips.skip(source, record.number, record.skip_reason, record.skip_detail)
            continue
        page = decode_html(record.payload, declared=record.charset)
        result = extract_page(
            page, url=record.url or None, source=source, capture_date=record.capture_date
        )
        document = admit(result, config, skips, source, record.number)
        if document is not None:
            yield document


def read_warc(path: Path, config: Config, skips: SkipLog) -> Iterator[Document]:
    """Read a .warc, .warc.gz, .arc or .arc.gz file: one Document per archived HTML page.

    Compression is recognised by the file's first bytes, not its name. See the module
    docstring for what is skipped and how damage is reported.
    """
    source = str(path)
    try:
        raw = path.open("rb")
    except FileNotFoundError as exc:
        raise InputError("file not found", source) from exc
    except OSError as exc:
        skips.skip(source, None, "unreadable_file", str(exc))
        return
    with raw:
        stream: BufferedIOBase = _GzipStream(raw) if raw.peek(2)[:2] == _GZIP_MAGIC else raw
        end = yield from _documents(stream, source, config, skips)
    if end.damage is not None:
        skips.skip(source, end.records + 1, "truncated_archive", end.damage)
