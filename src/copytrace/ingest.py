"""Readers: turn files into a stream of :class:`~copytrace.model.Document`.

Contract: :func:`read_documents` takes files and folders (folders are walked recursively, in
sorted order, picking files whose format is known) and yields documents in a stable order.
The format is chosen by extension (``--format`` overrides it):

==========  =============================================  ======================
format      extensions                                     document id
==========  =============================================  ======================
txt         .txt (+ .gz, .zst)                             path in the folder
jsonl       .jsonl .ndjson .json (each + .gz, .zst)        ``id_field``
csv         .csv .tsv (each + .gz, .zst)                   ``id_field`` column
parquet     .parquet                                       ``id_field`` column
html        .html .htm                                     the page URL, else path
warc        .warc .warc.gz .arc .arc.gz                    the record's URL
==========  =============================================  ======================

A file named explicitly whose extension is unknown is recognised by its first bytes
(:func:`sniff_format`: web archives, Parquet, HTML, JSON Lines). A record without an id gets
``<file name>:<line>``. A record that cannot be used is skipped
and counted in the :class:`~copytrace.skips.SkipLog` with a reason (``bad_json``,
``not_an_object``, ``missing_text``, ``bad_text_type``, ``bad_utf8``, ``empty``,
``too_large``, ``truncated_archive``, ``unreadable_file``; for web pages ``empty_page``,
``bad_html``, ``not_article``; for web archives ``warc_non_response``, ``warc_http_status``,
``warc_not_html``, ``warc_bad_payload``); nothing else is dropped.
A missing input path is an :class:`~copytrace.errors.InputError` at once.
"""

from __future__ import annotations

import collections
import csv
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple, cast

import orjson

from copytrace.config import Config
from copytrace.errors import ConfigError, DependencyError, InputError
from copytrace.model import Document
from copytrace.skips import SkipLog

Reader = Callable[[Path, Config, SkipLog], Iterator[Document]]

_COMPRESSIONS = (".gz", ".zst")
_EXTENSIONS = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".html": "html",
    ".htm": "html",
    ".warc": "warc",
    ".arc": "warc",
}
FORMATS: tuple[str, ...] = ("auto", "txt", "jsonl", "csv", "parquet", "html", "warc")
#: JSON Lines are read this many bytes at a time (:func:`line_blocks`)
BLOCK_BYTES = 1 << 22


def detect_format(path: Path) -> str | None:
    """The format of ``path`` from its extension(s), or ``None`` if unknown."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSIONS:
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    return _EXTENSIONS.get(suffixes[-1])


_SNIFF_BYTES = 4096


def sniff_format(path: Path) -> str | None:
    """The format of ``path`` from its first bytes (after gzip), or ``None``: a web archive
    (``WARC/``, ``filedesc://``), Parquet (``PAR1``), an HTML page (a doctype or ``<html``),
    or JSON Lines (a ``{``). Plain text and CSV are not guessed."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError, zlib.error):
        return None
    if head.startswith(b"PAR1"):
        return "parquet"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith((b"WARC/", b"filedesc://")):
        return "warc"
    lowered = start[:1024].lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<html" in lowered:
        return "html"
    if start.startswith(b"{"):
        return "jsonl"
    return None


def iter_input_files(inputs: Iterable[str | Path]) -> Iterator[tuple[Path, str, bool]]:
    """(file, name, found in a folder) for the files named by ``inputs``: a file as it is, a
    folder's files walked recursively in sorted order, leaving out hidden ones (a name, or a
    folder's, starting with ``.``). ``name`` is the file's path relative to the folder given
    (its file name when the file was named itself), so that two ``a.txt`` in different
    subfolders stay apart."""
    for item in inputs:
        path = Path(item)
        if check_input(path):
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                yield child, child.relative_to(path).as_posix(), True
        else:
            yield path, path.name, False


def check_input(path: Path) -> bool:
    """Whether ``path`` is a folder (else it is a file); raises :class:`InputError` where it
    is neither, as every input is checked before a scan starts its work."""
    if path.is_dir():
        return True
    if path.is_file():
        return False
    if path.exists():  # a pipe (``<(zcat ...)``), a device: read in pieces, by offset
        raise InputError(f"not a file or folder (a pipe or device): {path}; save it to a file")
    raise InputError(f"no such file or folder: {path}")


def read_documents(
    inputs: Iterable[str | Path],
    config: Config | None = None,
    skips: SkipLog | None = None,
    fmt: str = "auto",
) -> Iterator[Document]:
    """Documents of every input file, in order (see the module docstring)."""
    config = config or Config()
    skips = skips if skips is not None else SkipLog(config.strict)
    for path, name, chosen in input_files(inputs, skips, fmt):
        yield from read_file(path, name, chosen, config, skips)


def input_files(
    inputs: Iterable[str | Path], skips: SkipLog, fmt: str = "auto"
) -> Iterator[tuple[Path, str, str]]:
    """(file, name, format) of each input file (see :func:`iter_input_files`) that is read.

    Its format is ``fmt`` when one is named, else the one its extension says, else the one
    its first bytes say (:func:`sniff_format`); a file of no format found is a counted
    ``unknown_format`` skip, named or found in a folder. With ``fmt`` named, a file found in a
    folder whose extension says another format is a counted ``other_format`` skip (a file
    named itself is read as ``fmt`` all the same)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    for path, name, in_folder in iter_input_files(inputs):
        found = detect_format(path)
        if fmt != "auto":
            if in_folder and found not in (None, fmt):
                skips.skip(
                    str(path), None, "other_format", f"a {found} file; --format {fmt} was given"
                )
                continue
            yield path, name, fmt
            continue
        chosen = found or sniff_format(path)
        if chosen is None:
            skips.skip(
                str(path),
                None,
                "unknown_format",
                "neither extension nor content recognised; name the format with --format",
            )
        else:
            yield path, name, chosen


def read_file(
    path: Path, name: str, fmt: str, config: Config, skips: SkipLog
) -> Iterator[Document]:
    """The documents of one file of format ``fmt`` (a text file's one document is ``name``)."""
    if fmt == "txt":
        return read_txt(path, config, skips, doc_id=name)
    return _reader(fmt)(path, config, skips)


def _reader(fmt: str) -> Reader:
    if fmt == "html":
        from copytrace.webpage import read_html_file

        return read_html_file
    if fmt == "warc":
        from copytrace.warc import read_warc

        return read_warc
    return _READERS[fmt]


def make_document(
    doc_id: str,
    text: Any,
    meta: dict[str, Any],
    source: str,
    line: int | None,
    config: Config,
    skips: SkipLog,
) -> Document | None:
    """A Document, or ``None`` after counting why the record cannot be one; it holds
    ``meta`` as it is (the caller's own dict)."""
    if text is None:
        skips.skip(source, line, "missing_text", f"no {config.text_field!r} field")
        return None
    if not isinstance(text, str):
        skips.skip(source, line, "bad_text_type", f"{config.text_field!r} is not a string")
        return None
    if len(text) > config.max_chars:
        skips.skip(
            source,
            line,
            "too_large",
            f"{len(text)} characters, more than max_chars={config.max_chars}",
        )
        return None
    if not text or text.isspace():  # not text.strip(), which copies every text
        skips.skip(source, line, "empty", "no text")
        return None
    return Document(doc_id, text, meta)


def _split_record(
    record: dict[str, Any], config: Config, source: str, line: int
) -> tuple[str, Any, dict[str, Any], bool]:
    """(id, text, meta, whether the id is the record's own string) of a record, which is
    taken: without ``meta_fields``, what is left of it once its id and text are taken out is
    its metadata (no copy: most records are read this way). The id falls back to
    ``<file name>:<line>``."""
    raw_id = record.get(config.id_field)
    text = record.get(config.text_field)
    doc_id = str(raw_id) if raw_id not in (None, "") else f"{Path(source).name}:{line}"
    if config.meta_fields:
        meta = {k: record[k] for k in config.meta_fields if k in record}
    else:
        record.pop(config.id_field, None)
        record.pop(config.text_field, None)
        meta = record
    return doc_id, text, meta, raw_id == doc_id


def _open_binary(path: Path) -> IO[bytes]:
    """The decompressed bytes of ``path`` (.gz and .zst by extension), buffered."""
    suffix = path.suffix.lower()
    if suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    if suffix == ".zst":
        try:
            import zstandard
        except ImportError as exc:
            raise DependencyError("zstandard", "zstd", "Reading .zst files") from exc
        return io.BufferedReader(_ZstdStream(path.open("rb"), zstandard.ZstdDecompressor()))
    return path.open("rb")


class _ZstdStream(io.RawIOBase):
    """The decompressed bytes of a .zst file, frame after frame.

    zstandard's own stream reader ends quietly at a cut frame; this one raises ``EOFError``
    when the file ends inside a frame, so a truncated archive is reported as such.
    """

    def __init__(self, handle: IO[bytes], decompressor: Any) -> None:
        self._handle = handle
        self._decompressor = decompressor
        self._frame = decompressor.decompressobj()
        self._pending = b""
        self._started = False
        self._finished = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._pending and not self._finished:
            chunk = self._handle.read(1 << 16)
            if not chunk:
                self._finished = True
                if self._started and not self._frame.eof:
                    raise EOFError("compressed file ended in the middle of a frame")
                break
            self._started = True
            self._pending = self._decompress(chunk)
            while self._frame.eof and self._frame.unused_data:
                rest = self._frame.unused_data
                self._frame = self._decompressor.decompressobj()
                self._pending += self._decompress(rest)
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def _decompress(self, data: bytes) -> bytes:
        try:
            return bytes(self._frame.decompress(data))
        except Exception as exc:  # zstandard.ZstdError: report damage as the I/O error it is
            raise OSError(f"damaged zstd data: {exc}") from exc

    def close(self) -> None:
        self._handle.close()
        super().close()


_TRUNCATION_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def line_blocks(path: Path, skips: SkipLog, size: int = BLOCK_BYTES) -> Iterator[tuple[int, bytes]]:
    """Blocks of whole lines of a possibly compressed file (:func:`line_spans`), each with
    the number of its first line. A damaged archive ends the blocks with one counted
    ``truncated_archive`` skip, after every whole line before the damage."""
    number = 1
    for span in line_spans(path, skips, size):
        data = read_span(span, str(path))
        yield number, data
        number += data.count(b"\n")


@dataclass(frozen=True, slots=True)
class LineSpan:
    """Bytes ``start`` to ``end`` of a file (decompressed): whole lines; ``data`` holds those
    bytes where they cannot be read back from the file by their offsets (a compressed file),
    else it is ``b""`` (:func:`read_span`)."""

    start: int
    end: int
    data: bytes


def line_spans(path: Path, skips: SkipLog, size: int = BLOCK_BYTES) -> Iterator[LineSpan]:
    """Where the blocks of whole lines of a possibly compressed file lie: about ``size``
    bytes each, cut after a newline (a longer line makes a longer block), for a process that
    reads them itself (:func:`read_span`). Only a compressed file's blocks carry their bytes.
    A plain file is not read through: each cut is found by reading back from where a block
    of ``size`` bytes would end to the last newline before it."""
    if path.suffix.lower() in (".gz", ".zst"):
        yield from _decompressed_spans(path, skips, size)
        return
    try:
        handle = path.open("rb")
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise InputError(f"cannot read: {exc.strerror}", str(path)) from exc
    with handle:
        reader, total = handle.fileno(), os.fstat(handle.fileno()).st_size
        start = 0  # of the block being cut
        # a block ends after the last newline of the ``size`` bytes read that make it
        # ``size`` bytes or more, if they hold one (else it goes on)
        for read_start in range(0, total, size):
            read_end = min(read_start + size, total)
            if read_end - start >= size:
                cut = _last_line_end(reader, read_start, read_end)
                if cut >= 0:
                    yield LineSpan(start, cut, b"")
                    start = cut
        if start < total:
            yield LineSpan(start, total, b"")


def read_span(span: LineSpan, source: str) -> bytes:
    """The bytes of ``span`` of file ``source``: those it carries, else read from the file
    where it lies; a file cut short since it was cut into spans is an error."""
    if span.data or span.start == span.end:
        return span.data
    with open(source, "rb") as handle:
        data = os.pread(handle.fileno(), span.end - span.start, span.start)
    if len(data) != span.end - span.start:
        raise InputError(
            f"cut short while it was being read (byte {span.start + len(data)})", source
        )
    return data


#: bytes read at a time looking back for a line's end (:func:`_last_line_end`)
_LOOK_BACK = 1 << 16


def _last_line_end(reader: int, low: int, high: int) -> int:
    """Where the last line ending in bytes ``low`` to ``high`` of file ``reader`` ends (just
    after its newline), or -1 when they hold no newline."""
    while high > low:
        begin = max(low, high - _LOOK_BACK)
        found = os.pread(reader, high - begin, begin).rfind(b"\n")
        if found >= 0:
            return begin + found + 1
        high = begin
    return -1


def _decompressed_spans(path: Path, skips: SkipLog, size: int) -> Iterator[LineSpan]:
    """:func:`line_spans` of a compressed file, read through as it is decompressed, each
    with its bytes; damage ends them with a ``truncated_archive`` skip naming its line."""
    number = 1  # of the next block's first line
    offset = 0  # where the next block starts
    pending: list[bytes] = []
    held = 0  # bytes in pending
    try:
        with _open_binary(path) as opened:
            # read1: what one read gives; data before damage is not lost inside a long read
            handle = cast(io.BufferedIOBase, opened)
            while chunk := handle.read1(size):
                pending.append(chunk)
                held += len(chunk)
                if held < size or b"\n" not in chunk:
                    continue
                last = chunk.rindex(b"\n") + 1  # the block ends after the last chunk's last line
                cut = held - len(chunk) + last
                data = b"".join(pending)[:cut]
                yield LineSpan(offset, offset + cut, data)
                number += data.count(b"\n")
                offset += cut
                pending, held = [chunk[last:]], len(chunk) - last
        if held:
            yield LineSpan(offset, offset + held, b"".join(pending))
    except _TRUNCATION_ERRORS as exc:
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise InputError(f"cannot read: {exc.strerror}", str(path)) from exc
        data = b"".join(pending)
        whole = data[: data.rfind(b"\n") + 1]  # a line cut by the damage is lost
        if whole:
            yield LineSpan(offset, offset + len(whole), whole)
            number += whole.count(b"\n")
        skips.skip(str(path), number, "truncated_archive", str(exc) or type(exc).__name__)


#: how deep a record's values may nest (lists and objects in lists and objects): deeper is
#: no article, and more than Python's own recursion and orjson's writer allow
MAX_NESTING = 100


class _TooDeep(Exception):
    """A record nests deeper than :data:`MAX_NESTING`."""


def _fast_record(raw: bytes) -> Any:
    """``raw`` parsed by orjson (about twice as fast as the json module), or ``None`` where
    the json module must decide: anything orjson refuses (bad UTF-8 or JSON, a byte order
    mark, lone surrogates, NaN, which json reads or words its error for), and any record
    holding a number with a fraction or exponent, since orjson reads integers beyond 64 bits
    as floats where json keeps them exact. Raises :class:`_TooDeep`."""
    try:
        record = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return None if _holds_float(record) else record


def _holds_float(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` holds a float; raises :class:`_TooDeep`."""
    kind = type(value)
    if kind is dict or kind is list:
        if depth >= MAX_NESTING:
            raise _TooDeep
        # a loop, not any() over a generator: called for every record, most of them a few
        # strings, where the generator's frame costs more than the test
        for item in value.values() if kind is dict else value:
            if type(item) is not str and _holds_float(item, depth + 1):
                return True
        return False
    return kind is float


def read_jsonl(path: Path, config: Config, skips: SkipLog) -> Iterator[Document]:
    """JSON Lines: one object a line; blank lines are ignored."""
    source = str(path)
    for first, block in line_blocks(path, skips):
        for parsed in jsonl_documents(block.split(b"\n"), first, source, config, skips):
            yield parsed.document


class ParsedLine(NamedTuple):
    """A document read from a line of JSON Lines: the line's number, the document, and
    whether the record holds the document's id as it is (a string, not one made up for a
    record without one, nor one converted from a number)."""

    number: int
    document: Document
    id_given: bool


def jsonl_documents(
    lines: list[bytes],
    first: int,
    source: str,
    config: Config,
    skips: SkipLog,
    *,
    opens_file: bool | None = None,
) -> Iterator[ParsedLine]:
    """The documents of the lines of a block of JSON Lines (:func:`line_blocks`, split at its
    newlines) whose first line is line ``first`` of ``source``, each with its line number;
    each record that cannot be one is a counted skip. ``opens_file`` says whether the block is
    the start of its file (by default, whether ``first`` is 1), where a byte order mark may
    stand."""
    opens_file = first == 1 if opens_file is None else opens_file
    for number, raw in enumerate(lines, start=first):
        if not raw.strip():
            continue
        try:
            record = _fast_record(raw)
            if record is None:
                try:
                    # a byte order mark may open the file (Windows tools write one)
                    line = raw.decode("utf-8-sig" if number == first and opens_file else "utf-8")
                except UnicodeDecodeError as exc:
                    skips.skip(
                        source, number, "bad_utf8", f"invalid byte at column {exc.start + 1}"
                    )
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    skips.skip(source, number, "bad_json", exc.msg)
                    continue
                except RecursionError as exc:
                    raise _TooDeep from exc
                _holds_float(record)  # its depth
        except _TooDeep:
            skips.skip(source, number, "bad_json", f"nested more than {MAX_NESTING} levels deep")
            continue
        if not isinstance(record, dict):
            skips.skip(source, number, "not_an_object", f"a JSON {type(record).__name__}")
            continue
        doc_id, text, meta, id_given = _split_record(record, config, source, number)
        doc = make_document(doc_id, text, meta, source, number, config, skips)
        if doc is not None:
            yield ParsedLine(number, doc, id_given)


def read_txt(
    path: Path, config: Config, skips: SkipLog, doc_id: str | None = None
) -> Iterator[Document]:
    """A plain text file is one document; its id is ``doc_id``, by default the file name."""
    source = str(path)
    try:
        with _open_binary(path) as handle:
            data = handle.read()
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        skips.skip(source, None, "unreadable_file", exc.strerror or str(exc))
        return
    except _TRUNCATION_ERRORS as exc:
        skips.skip(source, None, "truncated_archive", str(exc) or type(exc).__name__)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        skips.skip(source, None, "bad_utf8", f"invalid byte at offset {exc.start}")
        return
    meta = {"path": source}
    doc = make_document(doc_id or path.name, text, meta, source, None, config, skips)
    if doc is not None:
        yield doc


def read_csv(path: Path, config: Config, skips: SkipLog) -> Iterator[Document]:
    """CSV (or TSV by extension) with a header row."""
    source = str(path)
    name = path.name.lower()
    dialect = "excel-tab" if ".tsv" in name else "excel"
    # fields of news articles routinely exceed csv's default 128 KiB limit
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    binary = _open_binary(path)
    # surrogateescape keeps reading past a bad byte; the row holding it is skipped below
    stream = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="surrogateescape", newline="")
    lines = _RowLines(stream)
    try:
        reader = csv.DictReader(lines, dialect=dialect)
        if reader.fieldnames is None:
            skips.skip(source, None, "empty", "no header row")
            return
        if config.text_field not in reader.fieldnames:
            skips.skip(
                source,
                1,
                "missing_text",
                f"no column {config.text_field!r}; columns are "
                f"{', '.join(reader.fieldnames)} (choose one with --text-field)",
            )
            return
        row_number = 1  # a row's number, the header's 1: how a row is named (rows span lines)
        while True:
            lines.kept.clear()
            first_line = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                skips.skip(source, reader.line_num, "bad_csv", str(exc))
                break
            except _TRUNCATION_ERRORS as exc:
                skips.skip(source, reader.line_num, "truncated_archive", str(exc))
                break
            row_number += 1
            if len(lines.kept) > 1 and lines.ended and _quote_left_open(lines.kept, dialect):
                skips.skip(
                    source,
                    first_line,
                    "bad_csv",
                    f"a quoted field opened in this row is never closed: lines {first_line} "
                    f"to {reader.line_num}, the end of the file, are not read",
                )
                break
            if any(_has_surrogates(v) for v in row.values() if isinstance(v, str)):
                skips.skip(source, row_number, "bad_utf8", "invalid UTF-8 in row")
                continue
            record = {k: v for k, v in row.items() if k is not None}
            doc_id, text, meta, _ = _split_record(record, config, source, row_number)
            doc = make_document(doc_id, text, meta, source, row_number, config, skips)
            if doc is not None:
                yield doc
    finally:
        stream.close()


class _RowLines:
    """The lines of a text stream, as csv reads them: those of the row being read are kept
    (``kept``), and whether the stream has ended is known as its last line is taken."""

    def __init__(self, stream: Iterable[str]) -> None:
        self._lines = iter(stream)
        self._ahead: list[str] = []  # the line after the last one taken, once looked at
        self._ended = False
        self._failed: Exception | None = None  # what looking ahead met, raised when taken
        self.kept: list[str] = []

    def __iter__(self) -> _RowLines:
        return self

    def __next__(self) -> str:
        if self._failed is not None:
            raise self._failed
        line = self._ahead.pop() if self._ahead else next(self._lines)
        self.kept.append(line)
        return line

    @property
    def ended(self) -> bool:
        """Whether the last line has been taken (this reads the next line, if any)."""
        if not self._ahead and not self._ended and self._failed is None:
            try:
                following = next(self._lines, None)
            except Exception as exc:  # a cut archive: said as the next line is read
                self._failed = exc
                return False
            if following is None:
                self._ended = True
            else:
                self._ahead.append(following)
        return self._ended


def _quote_left_open(lines: list[str], dialect: str) -> bool:
    """Whether the row made of ``lines`` ends inside a quoted field: csv, leniently, reads
    such a row to the end of the file, the rows after the stray quote as its text."""
    try:
        collections.deque(csv.reader(lines, dialect=dialect, strict=True), maxlen=0)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_parquet(path: Path, config: Config, skips: SkipLog) -> Iterator[Document]:
    """Parquet, read in record batches (never the whole file at once)."""
    import pyarrow.parquet as pq

    source = str(path)
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for damaged files
        skips.skip(source, None, "unreadable_file", str(exc))
        return
    names = parquet.schema_arrow.names
    if config.text_field not in names:
        skips.skip(
            source,
            None,
            "missing_text",
            f"no column {config.text_field!r}; columns are {', '.join(names)} "
            "(choose one with --text-field)",
        )
        return
    columns = (
        [config.id_field, config.text_field, *config.meta_fields] if config.meta_fields else None
    )
    if columns is not None:
        columns = [c for c in dict.fromkeys(columns) if c in names]
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=2048, columns=columns):
            for record in batch.to_pylist():
                number += 1
                doc_id, text, meta, _ = _split_record(record, config, source, number)
                doc = make_document(doc_id, text, meta, source, number, config, skips)
                if doc is not None:
                    yield doc
    except OSError as exc:
        skips.skip(source, number + 1, "truncated_archive", str(exc))


_READERS: dict[str, Reader] = {
    "txt": read_txt,
    "jsonl": read_jsonl,
    "csv": read_csv,
    "parquet": read_parquet,
}


def read_document_file(
    path: str | Path, config: Config | None = None, fmt: str = "auto"
) -> Document:
    """The single document in a file (for ``compare``): the first one its reader yields.

    Raises :class:`~copytrace.errors.InputError` when the file holds no usable document.
    """
    config = config or Config()
    skips = SkipLog(strict=False)
    for doc in read_documents([path], config, skips, fmt):
        return doc
    reasons = ", ".join(f"{reason}" for reason in skips.counts) or "no records"
    detail = skips.examples[0].detail if skips.examples else ""
    raise InputError(f"no usable document ({reasons}{': ' + detail if detail else ''})", str(path))
