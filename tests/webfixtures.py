"""Realistic HTML pages and WARC files for the web input tests, built in code.

Plain helper functions (not pytest fixtures), imported by ``test_webpage`` and ``test_warc``:

- :func:`article_page` writes a news page with everything an extractor must see through:
  cookie banner, site header and navigation, breadcrumbs, share buttons, related stories,
  newsletter box, comments and footer around the article.
- :func:`write_warc` writes WARC records with warcio's own writer, gzip or plain.
- :func:`seed_pages` and :func:`seed_warc` dress the seed story (``../shared/seeds``) as the two
  captures its README describes.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SEEDS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"

BODY = (
    "The port authority said on Monday that container traffic through the harbour fell by "
    "nine percent in the first quarter, the steepest drop since the pandemic year.",
    "Officials blamed the decline on weaker demand for consumer goods in Europe and on a "
    "three-week strike by crane operators that ended in late February.",
    "“We expect volumes to recover in the second half,” the authority’s chief executive told "
    "reporters, adding that two new berths would open by the autumn.",
    "Shipping analysts were less confident, noting that several large carriers have moved "
    "part of their Asia–Europe services to rival ports along the North Sea coast.",
    "The authority will publish its full-year forecast in June, when it also expects to "
    "announce the winner of a tender for a new rail terminal.",
)

#: text that sits around the article and must not reach the extracted text
FURNITURE = (
    "Accept all cookies",  # cookie banner
    "World Business Section",  # navigation
    "Subscribe to our morning newsletter",  # newsletter box
    "Ministers clash over rail budget in heated late-night session",  # related story
    "All rights reserved",  # footer
    "Share on social media",  # share buttons
    "First comment by a reader",  # comments
)


def article_page(
    *,
    headline: str = "Port traffic falls as strike and weak demand bite",
    paragraphs: Sequence[str] = BODY,
    published: str | None = "2024-03-27T11:29:00+00:00",
    dateline: str = "27 Mar, 2024 11:29",
    author: str | None = "Maria Keller",
    standfirst: str | None = "Container volumes dropped nine percent in the first quarter",
    figure: bool = True,
    canonical: str | None = "https://news.example.com/business/port-traffic-falls-1234",
    charset: str = "utf-8",
) -> str:
    """A news page around ``paragraphs``; each optional part is left out when given None."""
    canonical_tags = (
        f'<link rel="canonical" href="{canonical}">\n<meta property="og:url" content="{canonical}">'
        if canonical
        else ""
    )
    description = f'<meta name="description" content="{standfirst}">' if standfirst else ""
    time_tag = f'<time datetime="{published}">{dateline}</time>' if published else ""
    byline = (
        f'<p class="byline">By <a rel="author" href="/staff/mk">{author}</a></p>' if author else ""
    )
    standfirst_tag = f'<p class="standfirst">{standfirst}</p>' if standfirst else ""
    figure_tag = (
        '<figure class="lead-image"><img src="/img/cranes.jpg" alt="Harbour cranes at dawn">'
        "<figcaption>Cranes at the container terminal on Monday. "
        '<span class="credit">Photo: Anna Jansen / Example Press</span></figcaption></figure>'
        if figure
        else ""
    )
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{headline} | Example News</title>
{canonical_tags}
{description}
<meta property="og:site_name" content="Example News">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || []; function gtag() {{}}</script>
<style>.cookie-banner {{ position: fixed; bottom: 0; }}</style>
</head>
<body>
<div class="cookie-banner" id="cookie-consent">
  <p>We use cookies to personalise content and ads. <button>Accept all cookies</button></p>
</div>
<header class="site-header">
  <a class="logo" href="/"><img src="/logo.svg" alt="Example News logo"></a>
  <nav class="main-nav"><ul>
    <li><a href="/">Home</a></li><li><a href="/world">World Business Section</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li>
  </ul></nav>
</header>
<main>
<ol class="breadcrumbs"><li><a href="/">Home</a></li><li><a href="/business">Business</a></li></ol>
<article>
  <header>
    <h1>{headline}</h1>
    {time_tag}
    {byline}
    {standfirst_tag}
  </header>
  {figure_tag}
  <div class="article-body">
{body}
  </div>
  <div class="share"><a href="#">Share on social media</a> <a href="#">Email</a></div>
</article>
<aside class="related-stories">
  <h2>Related stories</h2>
  <ul>
    <li><a href="/politics/rail">
      Ministers clash over rail budget in heated late-night session</a></li>
    <li><a href="/business/ships">
      Carriers shift Asia routes as North Sea ports compete for trade</a></li>
  </ul>
</aside>
<section class="newsletter"><h2>Subscribe to our morning newsletter</h2>
  <form><input type="email" placeholder="Your email"><button>Sign up</button></form></section>
<section class="comments" id="comments"><h2>Comments</h2>
  <div class="comment"><p>First comment by a reader: great reporting as always.</p></div></section>
</main>
<footer class="site-footer">
  <p>© 2024 Example News Ltd. All rights reserved.</p>
  <ul><li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li></ul>
</footer>
</body>
</html>
"""


@dataclass(frozen=True)
class Response:
    """One WARC record to write: a response (with HTTP status and type), or another type."""

    url: str
    body: bytes = b""
    status: str = "200 OK"
    content_type: str = "text/html; charset=utf-8"
    record_type: str = "response"
    date: str = "2024-03-28T09:15:00Z"
    extra_headers: tuple[tuple[str, str], ...] = field(default=())


def write_warc(path: Path, records: Sequence[Response], *, gzip: bool) -> Path:
    """Write ``records`` to ``path`` with warcio's WARCWriter, after a warcinfo record."""
    pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for spec in records:
            warc_headers = {"WARC-Date": spec.date}
            if spec.record_type == "response":
                http = StatusAndHeaders(
                    spec.status,
                    [("Content-Type", spec.content_type), *spec.extra_headers],
                    protocol="HTTP/1.1",
                )
                record = writer.create_warc_record(
                    spec.url,
                    "response",
                    payload=io.BytesIO(spec.body),
                    http_headers=http,
                    warc_headers_dict=warc_headers,
                )
            elif spec.record_type == "request":
                http = StatusAndHeaders(
                    f"GET {spec.url} HTTP/1.1",
                    [("Host", "news.example.com"), ("User-Agent", "tests")],
                    is_http_request=True,
                )
                record = writer.create_warc_record(
                    spec.url,
                    "request",
                    payload=io.BytesIO(b""),
                    http_headers=http,
                    warc_headers_dict=warc_headers,
                )
            else:
                record = writer.create_warc_record(
                    spec.url,
                    spec.record_type,
                    payload=io.BytesIO(spec.body),
                    warc_content_type="application/warc-fields",
                    warc_headers_dict=warc_headers,
                )
            writer.write_record(record)
    return path


def _seed_lines(name_prefix: str) -> list[str]:
    """The non-empty lines of one seed capture (skips the test when the seeds are absent)."""
    matches = sorted(SEEDS_DIR.glob(f"{name_prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed texts not found in {SEEDS_DIR}")
    text = matches[0].read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def seed_body() -> tuple[list[str], list[str]]:
    """The six body paragraphs of each seed capture (curly typography, straight typography).

    Each paragraph is one line in both files; what comes before the last six lines is the
    headline block of the first capture and the photo alt text and caption of the second.
    """
    return _seed_lines("000")[-6:], _seed_lines("001")[-6:]


SEED_URLS = (
    "https://publisher.example/news/us-angry-with-macron-bloomberg/",
    "https://mirror.example/world/2024/macron-biden-nato-troops",
)


def seed_pages() -> tuple[str, str]:
    """The seed story as its two captures looked as web pages.

    First: headline, dateline in a ``<time>``, standfirst, body. Second: no headline block;
    a photo with alt text "Macron Biden" and a caption whose credit is glued to it.
    """
    headline, dateline, standfirst = _seed_lines("000")[:3]
    body_first, body_second = seed_body()
    page_first = article_page(
        headline=headline,
        paragraphs=body_first,
        published="2024-03-27T11:29:00+00:00",
        dateline=dateline,
        author=None,
        standfirst=standfirst,
        figure=False,
        canonical=SEED_URLS[0],
    )
    caption = (
        '<figure><img src="/media/macron-biden.jpg" alt="Macron Biden"><figcaption>'
        '<span class="media-credit">© Brendan Smialowski / WPA Pool via Getty Images</span>'
        "French President Emmanuel Macron speaks with US President Joe Biden.</figcaption>"
        "</figure>"
    )
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in body_second)
    page_second = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Macron Biden NATO troops</title></head>
<body>
<nav><a href="/">Front page</a> <a href="/world">World</a> <a href="/contact">Contact</a></nav>
<div class="post">
{caption}
<div class="entry-content">
{body}
</div>
</div>
<div class="sidebar"><h3>Popular</h3><a href="/x">Ten things you missed this week</a></div>
<footer>Mirror Example. All content belongs to its owners.</footer>
</body></html>
"""
    return page_first, page_second


def seed_warc(tmp_path: Path) -> Path:
    """Both seed captures in one .warc.gz: a request and a response for each page."""
    first, second = seed_pages()
    records = []
    for url, page, when in zip(
        SEED_URLS, (first, second), ("2024-03-27T12:02:11Z", "2024-03-29T08:40:00Z"), strict=True
    ):
        records.append(Response(url, record_type="request", date=when))
        records.append(Response(url, page.encode("utf-8"), date=when))
    return write_warc(tmp_path / "seed.warc.gz", records, gzip=True)
