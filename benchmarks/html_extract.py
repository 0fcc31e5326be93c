"""Throughput of HTML extraction (copytrace.webpage.extract_page), trafilatura alone beside it.

Builds N news pages the size and shape of real ones (BBC News articles from the shared data as
the body; around them a cookie banner, a 60-link navigation, 20 KB of inline script and JSON,
a figure with caption and credit, related stories, comments and a long footer), then extracts
them one after another on one core:

- ``copytrace``: :func:`copytrace.webpage.extract_page` on the page's bytes (charset detection,
  one parse, trafilatura's main text and metadata, captions, canonical URL);
- ``trafilatura_only``: ``trafilatura.extract`` on the same bytes with metadata, as a user
  of trafilatura alone would call it (it also writes its text output format, and searches
  dates more widely than copytrace asks it to).

It checks the result too: the share of pages whose every body paragraph is in the extracted
text (whitespace folded), and of pages where any page furniture leaked into it. Prints one
JSON line.

    python benchmarks/html_extract.py              # 500 pages
    python benchmarks/html_extract.py --pages 50   # quick look
"""

from __future__ import annotations

import argparse
import html
import json
import multiprocessing
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

# Benchmarks are scripts, not a package; the sibling module is found next to this file.
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import corpus  # noqa: E402

from copytrace.model import Document  # noqa: E402
from copytrace.webpage import extract_page  # noqa: E402

#: strings from the page furniture; any of them in an extracted text is a leak
FURNITURE = (
    "Accept all cookies",
    "Section link",
    "Most read right now",
    "Reader comment",
    "All rights reserved",
    "Newsletter sign-up",
)


def build_page(number: int, title: str, paragraphs: list[str], rng: random.Random) -> str:
    """One news page around ``paragraphs``, about 40-60 KB like a real article page."""
    nav = "".join(f'<li><a href="/section/{i}">Section link {i}</a></li>' for i in range(60))
    script = json.dumps(
        {"ads": [{"slot": i, "sizes": [[300, 250], [728, 90]]} for i in range(400)]}
    )
    related = "".join(
        f'<li><a href="/news/{rng.randrange(10**6)}"><img src="/t/{i}.jpg" alt="thumbnail">'
        f"Most read right now: story number {rng.randrange(10**6)} about events</a></li>"
        for i in range(10)
    )
    comments = "".join(
        f'<div class="comment"><p>Reader comment {i}: I disagree with this analysis '
        "entirely and think the article misses the point.</p></div>"
        for i in range(8)
    )
    footer = "".join(f'<li><a href="/f/{i}">Footer link {i}</a></li>' for i in range(30))
    body = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    title_text = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title_text} | Example News</title>
<link rel="canonical" href="https://news.example.com/story/{number}">
<meta property="og:url" content="https://news.example.com/story/{number}">
<meta name="description" content="{html.escape(paragraphs[0][:150])}">
<script>window.__CONFIG__ = {script};</script>
<style>{"body { margin: 0; } " * 200}</style>
</head><body>
<div class="cookie-banner"><p>We use cookies. <button>Accept all cookies</button></p></div>
<header class="site-header"><a href="/"><img src="/logo.svg" alt="Example News"></a>
<nav><ul>{nav}</ul></nav></header>
<main><article>
<header><h1>{title_text}</h1>
<time datetime="2005-0{1 + number % 9}-1{number % 10}T0{number % 10}:30:00Z">published</time>
<p class="byline">By <a rel="author" href="/staff/1">A. Reporter</a></p></header>
<figure><img src="/img/{number}.jpg" alt="Picture for story {number}"><figcaption>
The scene on Tuesday. <span class="credit">Photo: Staff / Example Press</span></figcaption></figure>
<div class="article-body">
{body}
</div></article>
<aside class="related"><h2>Related</h2><ul>{related}</ul></aside>
<section class="newsletter"><h2>Newsletter sign-up</h2><form><input type="email"></form></section>
<section class="comments">{comments}</section>
</main>
<footer><ul>{footer}</ul><p>© 2005 Example News. All rights reserved.</p></footer>
</body></html>
"""


def build_pages(count: int, data_dir: Path, seed: int) -> list[tuple[bytes, list[str]]]:
    """``count`` pages (bytes) with the body paragraphs each must yield, from BBC articles."""
    rng = random.Random(seed)
    pages: list[tuple[bytes, list[str]]] = []
    for article in corpus.iter_source(data_dir, "bbc"):
        paragraphs = [p.strip() for p in article.text.split("\n\n") if p.strip()]
        title = str(article.meta.get("title") or paragraphs[0][:60])
        page = build_page(len(pages), title, paragraphs, rng)
        pages.append((page.encode("utf-8"), paragraphs))
        if len(pages) == count:
            return pages
    raise corpus.DataMissingError(f"only {len(pages)} BBC articles in {data_dir}")


def _squeeze(text: str) -> str:
    """Whitespace folded: extraction joins a paragraph's inner line breaks."""
    return " ".join(text.split())


def _run(contender: str, count: int, data_dir: Path, seed: int) -> dict[str, Any]:
    """Time one contender over freshly built pages; runs in its own process (see main)."""
    pages = build_pages(count, data_dir, seed)
    if contender == "copytrace":
        extract = extract_page
    else:
        import trafilatura

        def extract(page: bytes) -> Any:
            return trafilatura.extract(page, with_metadata=True, include_comments=False)

    extract(pages[0][0])  # imports and lazy set-up are not throughput
    started = time.perf_counter()
    results = [extract(page) for page, _ in pages]
    seconds = time.perf_counter() - started
    outcome: dict[str, Any] = {"seconds": seconds}
    if contender == "copytrace":
        documents = [r for r in results if isinstance(r, Document)]
        outcome["extracted"] = len(documents)
        outcome["complete"] = sum(
            all(_squeeze(p) in _squeeze(r.text) for p in paragraphs)
            for r, (_, paragraphs) in zip(results, pages, strict=True)
            if isinstance(r, Document)
        )
        outcome["leaks"] = sum(any(f in d.text for f in FURNITURE) for d in documents)
        outcome["mean_page_kb"] = sum(len(p) for p, _ in pages) / len(pages) / 1024
    return outcome


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--data", type=Path, default=corpus.DEFAULT_DATA_DIR)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    # Each contender runs in a fresh process, one after the other (one core): trafilatura
    # and htmldate keep LRU caches of text lines and date strings, and whichever ran second
    # in one process would find the first one's work cached.
    timings: dict[str, dict[str, Any]] = {}
    context = multiprocessing.get_context("spawn")
    for contender in ("copytrace", "trafilatura_only"):
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            job = pool.submit(_run, contender, args.pages, args.data, args.seed)
            timings[contender] = job.result()

    ours = timings["copytrace"]
    pages = args.pages
    report = {
        "pages": pages,
        "seconds": round(ours["seconds"], 3),
        "pages_per_second": round(pages / ours["seconds"], 1),
        "mean_page_kb": round(ours["mean_page_kb"], 1),
        "trafilatura_only_pages_per_second": round(
            pages / timings["trafilatura_only"]["seconds"], 1
        ),
        "extracted": ours["extracted"],
        "body_complete_share": round(ours["complete"] / pages, 4),
        "furniture_leak_share": round(ours["leaks"] / pages, 4),
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
