"""One HTML page -> one :class:`~copytrace.model.Document`: main text plus page metadata.

The main text (the article, without navigation, related links, cookie banners and footers) is
found by trafilatura, a maintained extraction library with published quality scores; copytrace
adds no boilerplate rules of its own. What trafilatura does not report, the figure captions,
image alt texts and photo credits, is read from the same parsed tree with lxml, because a
caption is page furniture that copies of an article gain or lose and the aligner must be able
to name it.

Contract of :func:`extract_page`:

- input: the page as bytes (charset found from a byte-order mark, then ``<meta charset>`` or
  the XML declaration, else UTF-8 with invalid bytes replaced) or as an already decoded string;
- output: a :class:`Document` whose ``text`` is the main text with paragraphs separated by a
  blank line, or a skip reason (:data:`SKIP_REASONS`). It never raises on malformed HTML.
- ``id`` is the URL the page was captured from (``url``), else its declared canonical URL
  (``<link rel=canonical>`` or ``og:url``), else ``source``.
- ``meta`` holds, when present: ``url``, ``site`` (host name), ``title``, ``date``
  (publication, ISO 8601), ``author``, ``captions`` (list), ``canonical_url``, ``description``
  and ``crawl_date``. Absent fields are left out, never stored as ``None``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import re
import zlib
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urljoin, urlsplit

from copytrace.config import Config
from copytrace.errors import DependencyError, InputError
from copytrace.model import Document
from copytrace.skips import SkipLog

#: main texts shorter than this (in words) are not articles: on a page without one,
#: trafilatura returns a few menu words, and no copy can be recognised by so little text
MIN_ARTICLE_WORDS = 10

#: skip reasons returned by :func:`extract_page`, with the detail written to the skip log
SKIP_REASONS: Mapping[str, str] = {
    "empty_page": "the page holds no text at all",
    "bad_html": "the input could not be parsed as HTML",
    "not_article": f"no main text of {MIN_ARTICLE_WORDS} words or more was found in the page",
}

#: pages larger than this are skipped as ``too_large`` before parsing: lxml needs several
#: times a page's size in memory, and no article page comes near it (such files are dumps)
MAX_PAGE_BYTES = 64 * 1024 * 1024

#: how far into a page the charset declaration is looked for (the HTML standard says 1024
#: bytes; real pages put long scripts first, so look further)
_PRESCAN_BYTES = 4096

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SPACES = re.compile(r"\s+")
_GZIP_MAGIC = b"\x1f\x8b"

#: regions whose figures are not the article's own (thumbnails of other stories, logos)
_FOREIGN_TAGS = frozenset({"nav", "aside", "footer", "header"})
_FOREIGN_MARKERS = ("related", "recommend", "promo", "sidebar", "teaser")
#: class names that mark a photo credit inside a figure or caption
_CREDIT_MARKERS = ("credit", "copyright", "photographer")
#: elements whose text is separated from its neighbours' (inline ones such as <em> are not)
_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "figcaption", "section", "h2", "h3", "h4"})
#: longer "captions" are containers that happen to carry a caption class, not captions
_MAX_CAPTION_CHARS = 1000
#: htmldate's format with the time of day, so a <time datetime> keeps its hour
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def _trafilatura() -> ModuleType:
    """trafilatura, imported on first use so that copytrace imports without the web extra."""
    try:
        import trafilatura
    except ImportError as exc:
        raise DependencyError("trafilatura", "web", "Reading HTML") from exc
    return trafilatura


def _codec(label: bytes | str | None, *, from_meta: bool) -> str | None:
    """Python codec for a charset label, following the HTML standard's aliases; None if unknown."""
    if not label:
        return None
    name = label.decode("ascii", "replace") if isinstance(label, bytes) else label
    try:
        codec = codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None
    # Browsers decode "latin-1" and "ascii" pages as windows-1252, and page authors rely on
    # it (curly quotes in 0x91-0x94); a UTF-16 label inside an ASCII-readable page is a lie.
    if codec in {"iso8859-1", "ascii"}:
        return "cp1252"
    if from_meta and codec.startswith("utf-16"):
        return "utf-8"
    return codec


def decode_html(data: bytes, declared: str | None = None) -> str:
    """Decode a page's bytes; never raises.

    Order of evidence, as browsers do: byte-order mark, then ``declared`` (the HTTP
    Content-Type charset, when the caller has one), then ``<meta charset>`` or the XML
    declaration in the first bytes, else UTF-8. Bytes invalid in the chosen charset become
    U+FFFD, so the rest of the page is still read.
    """
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data.decode(bom_codec, errors="replace")
    head = data[:_PRESCAN_BYTES]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    codec = _codec(declared, from_meta=False) or _codec(
        found.group(1) if found else None, from_meta=True
    )
    try:
        return data.decode(codec or "utf-8", errors="replace")
    except LookupError:  # a label naming a bytes-to-bytes codec ("base64", "zlib")
        return data.decode("utf-8", errors="replace")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _classes(element: Any) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


def _is_foreign(element: Any) -> bool:
    """Whether an element sits in a region that is not the article (nav, related stories)."""
    for ancestor in element.iterancestors():
        if not isinstance(ancestor.tag, str):
            continue
        # an article's own <header> holds its lead photo; a page <header> holds the logo
        if ancestor.tag == "header" and any(a.tag == "article" for a in ancestor.iterancestors()):
            continue
        if ancestor.tag in _FOREIGN_TAGS:
            return True
        if any(marker in _classes(ancestor) for marker in _FOREIGN_MARKERS):
            return True
    return False


def _is_credit(element: Any) -> bool:
    return isinstance(element.tag, str) and any(m in _classes(element) for m in _CREDIT_MARKERS)


def _text_without_credits(element: Any) -> str:
    """Text of an element, leaving out credit sub-elements and keeping blocks apart."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and not _is_credit(child):
            inner = _text_without_credits(child)
            parts.append(f" {inner} " if child.tag in _BLOCK_TAGS else inner)
        parts.append(child.tail or "")
    return "".join(parts)


def _captions(tree: Any) -> list[str]:
    """Alt texts, captions and photo credits of the article's images, in page order, unique.

    A caption is a ``<figcaption>`` or an element whose class names a caption (WordPress and
    many CMSs use ``wp-caption-text``, ``image-caption``); the innermost one is taken, so a
    caption wrapper and its text are not counted twice. Credits are elements inside a figure
    or caption whose class names a credit; they are listed apart from the caption sentence.
    """
    found: list[str] = []
    media = tree.xpath(
        "//figure | //figcaption | //*[contains(@class, 'caption')]"
        " | //article//img[@alt] | //main//img[@alt]"
    )
    done: set[Any] = set()
    for element in media:
        if element in done or _is_foreign(element):
            continue
        if element.tag == "img":
            found.append(_clean(element.get("alt", "")))
            continue
        if element.tag == "figure":
            done.update(element.iter("img"))
            found.extend(_clean(img.get("alt", "")) for img in element.iter("img"))
            continue
        if element.xpath(".//figcaption | .//*[contains(@class, 'caption')]"):
            continue  # a wrapper: its inner caption comes later in document order
        found.append(_clean(_text_without_credits(element)))
        found.extend(_clean(node.text_content()) for node in element.iter() if _is_credit(node))
    for figure in tree.iter("figure"):
        if not _is_foreign(figure):
            found.extend(_clean(node.text_content()) for node in figure.iter() if _is_credit(node))
    unique = dict.fromkeys(t for t in found if t and len(t) <= _MAX_CAPTION_CHARS)
    return list(unique)


def _canonical_url(tree: Any, base: str | None) -> str | None:
    """The page's declared canonical address (rel=canonical, else og:url), made absolute."""
    candidates: list[str] = []
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            candidates.append(link.get("href") or "")
    candidates.extend(tree.xpath("//meta[@property='og:url']/@content"))
    for candidate in candidates:
        absolute = urljoin(base or "", candidate.strip())
        parts = urlsplit(absolute)
        if parts.scheme in {"http", "https"} and parts.hostname:
            return absolute
    return None


def _iso_date(value: str | None) -> str | None:
    """htmldate's answer as ISO 8601: a date alone when the page gave no time of day.

    htmldate pads a bare date to midnight without a zone; reporting that midnight would
    claim a precision the page never had.
    """
    if not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if parsed.tzinfo is None and parsed.time() == datetime.min.time():
            return parsed.date().isoformat()
        return parsed.isoformat()
    return None


def _date_params() -> dict[str, Any]:
    """htmldate settings: the publication date as the page's markup states it.

    ``extensive_search`` is off because it turns a footer's "© 2024" into 2024-01-01; a
    wrong date is worse than none when captures are ordered by date. The crawl date is not
    used as an upper bound: a ``<time>`` rejected as too late makes htmldate fall back to a
    "Mar 2024" in the text, reported as the 1st of the month.
    """
    return {
        "original_date": True,
        "extensive_search": False,
        "max_date": date.today().isoformat(),
        "outputformat": _DATE_FORMAT,
    }


def _paragraphs(text: str) -> str:
    """trafilatura writes one block per line; copytrace's texts use blank-line paragraphs."""
    lines = (line.strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def extract_page(
    html: bytes | str,
    *,
    url: str | None = None,
    source: str = "",
    capture_date: str | None = None,
) -> Document | str:
    """Extract one page: a :class:`Document`, or a reason from :data:`SKIP_REASONS`.

    ``url`` is the address the page was captured from, ``source`` the file or archive it was
    read from (the id of last resort), ``capture_date`` the crawl time (kept as
    ``crawl_date``). Raises :class:`DependencyError` when trafilatura is not installed, and
    nothing else.
    """
    trafilatura = _trafilatura()
    from trafilatura.utils import load_html

    text = decode_html(html) if isinstance(html, bytes) else html
    # A declaration naming the bytes' encoding is wrong for a decoded string, and lxml
    # refuses such strings outright.
    text = _XML_DECLARATION.sub("", text, count=1)
    if not text.strip():
        return "empty_page"
    try:
        tree = load_html(text)
    except Exception:  # lxml raises assorted errors on hostile input; the page is unusable
        tree = None
    if tree is None:
        return "bad_html"
    if not _clean(tree.text_content()):
        return "empty_page"
    try:
        # trafilatura copies the tree before cleaning it, so the tree stays whole for captions
        extracted = trafilatura.bare_extraction(
            tree,
            url=url,
            with_metadata=True,
            include_comments=False,  # readers' comments are not the article
            date_extraction_params=_date_params(),
        )
    except Exception:  # trafilatura and htmldate are not hardened against every page
        return "bad_html"
    body = _paragraphs(extracted.text or "") if extracted is not None else ""
    if len(body.split()) < MIN_ARTICLE_WORDS:
        return "not_article"

    canonical = _canonical_url(tree, url)
    page_url = url or canonical
    meta: dict[str, Any] = {
        "url": page_url,
        "site": urlsplit(page_url).hostname if page_url else None,
        "title": _clean(extracted.title or ""),
        "date": _iso_date(extracted.date),
        "author": _clean(extracted.author or ""),
        "captions": _captions(tree),
        "canonical_url": canonical,
        "description": _clean(extracted.description or ""),
        "crawl_date": capture_date,
    }
    meta = {key: value for key, value in meta.items() if value}
    return Document(id=page_url or source, text=body, meta=meta)


def admit(
    result: Document | str, config: Config, skips: SkipLog, source: str, line: int | None
) -> Document | None:
    """The document if it may enter the pipeline; otherwise the skip is recorded, None returned.

    Shared by the HTML and WARC readers so both count the same reasons the same way.
    """
    if isinstance(result, str):
        skips.skip(source, line, result, SKIP_REASONS.get(result, ""))
        return None
    if len(result.text) > config.max_chars:
        skips.skip(
            source,
            line,
            "too_large",
            f"{len(result.text)} characters of text, more than max_chars={config.max_chars}",
        )
        return None
    return result


def _read_page_bytes(path: Path) -> bytes | tuple[str, str]:
    """The page's bytes, gunzipped when the file is gzip (.html.gz); or (reason, detail)."""
    size = path.stat().st_size
    if size > MAX_PAGE_BYTES:
        return "too_large", f"{size} bytes, more than {MAX_PAGE_BYTES}"
    data = path.read_bytes()
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            # bounded: a small .gz can unpack to gigabytes
            data = unzipped.read(MAX_PAGE_BYTES + 1)
    except (EOFError, OSError, zlib.error) as exc:
        return "truncated_archive", f"{type(exc).__name__}: {exc}"
    if len(data) > MAX_PAGE_BYTES:
        return "too_large", f"more than {MAX_PAGE_BYTES} bytes once decompressed"
    return data


def read_html_file(path: Path, config: Config, skips: SkipLog) -> Iterator[Document]:
    """Read one .html/.htm file (or .html.gz): yields its Document, or records one skip.

    A missing file raises :class:`InputError`; an unreadable one is skipped as
    ``unreadable_file``, a cut gzip as ``truncated_archive``; a file over
    :data:`MAX_PAGE_BYTES` is skipped as ``too_large`` unread.
    """
    source = str(path)
    _trafilatura()  # fail on the missing extra before any file is touched
    try:
        data = _read_page_bytes(path)
    except FileNotFoundError as exc:
        raise InputError("file not found", source) from exc
    except OSError as exc:
        skips.skip(source, None, "unreadable_file", str(exc))
        return
    if isinstance(data, tuple):
        skips.skip(source, None, *data)
        return
    document = admit(extract_page(data, source=source), config, skips, source, None)
    if document is not None:
        yield document
