"""Provenance evidence inside a text: its dateline and the sources it credits."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copytrace.provenance import (
    Credit,
    alternation,
    dropped_credits,
    find_credits,
    find_dateline,
    find_dates,
    normalize_source,
)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("27 Mar, 2024 11:29", "2024-03-27T11:29"),
        ("March 27, 2024", "2024-03-27"),
        ("Wednesday, March 27, 2024 at 3:15 pm", "2024-03-27T15:15"),
        ("2024-03-27T11:29:00Z", "2024-03-27T11:29"),
        ("2024-03-27", "2024-03-27"),
        ("27.03.2024", "2024-03-27"),
        ("03/27/2024", "2024-03-27"),
        ("27/03/2024", "2024-03-27"),  # month-first is impossible, so day-first
        ("Feb 26", "--02-26"),
        ("1st September 2023, 12:00 am", "2023-09-01T00:00"),
    ],
)
def test_find_dates(text: str, iso: str) -> None:
    found = find_dates(text)
    assert [date.iso for date in found] == [iso]
    assert found[0].text == text[found[0].start : found[0].end]


def test_find_dates_skips_impossible_dates_and_common_words() -> None:
    assert find_dates("30 Feb 2024") == []
    assert find_dates("we may 5 times march 3 miles") == []
    assert [d.iso for d in find_dates("29 Feb 2024")] == ["2024-02-29"]


def test_dateline_of_the_seeds(seed_texts: tuple[str, str]) -> None:
    text_a, text_b = seed_texts
    dateline = find_dateline(text_a)
    assert dateline is not None
    assert dateline.iso == "2024-03-27T11:29"
    assert text_a[dateline.start : dateline.end] == dateline.text == "27 Mar, 2024 11:29"
    assert find_dateline(text_b) is None


def test_dateline_positions() -> None:
    wire = "SALVADOR, Feb 26, 2024 (Reuters) - Brazil's president said on Monday that " * 3
    found = find_dateline(wire)
    assert found is not None and found.iso == "2024-02-26" and found.start == 10
    body = (
        "Headline\n\nThe council met on Tuesday and, after a long debate about the bridge, "
        "decided on March 5, 2024 to close it for eighteen months, officials said."
    )
    assert find_dateline(body) is None  # a date inside a body sentence is not a dateline
    late = "\n".join(["A line"] * 6 + ["March 27, 2024"])
    assert find_dateline(late) is None
    assert find_dateline(late, max_lines=7) is not None
    assert find_dateline("") is None


@pytest.mark.parametrize(
    ("text", "source", "phrase"),
    [
        ("Bloomberg has reported that talks stalled.", "Bloomberg", "Bloomberg has reported"),
        ("Talks stalled, according to Reuters.", "Reuters", "according to Reuters"),
        ("WASHINGTON (AP) — Talks stalled.", "Associated Press", "(AP)"),
        ("Talks stalled, Reuters reported.", "Reuters", "Reuters reported"),
        ("AFP reports that talks stalled.", "AFP", "AFP reports"),
        ("She said in a statement to CNN that talks stalled.", "CNN",
         "said in a statement to CNN"),
        ("Talks stalled.\n— Associated Press", "Associated Press", "— Associated Press"),
        ("Talks stalled, the Kyiv Post reported.", "Kyiv Post", "the Kyiv Post reported"),
        ("An official told The New York Times that talks stalled.", "The New York Times",
         "told The New York Times"),
    ],
)  # fmt: skip
def test_find_credits(text: str, source: str, phrase: str) -> None:
    credits = find_credits(text)
    assert [(c.source, c.phrase) for c in credits] == [(source, phrase)]
    assert text[credits[0].start : credits[0].end].strip() == phrase


def test_back_references_resolve_to_the_last_named_outlet() -> None:
    text = (
        "Sources are angry, Bloomberg has reported. An official told the outlet that talks "
        "stalled. Reuters, meanwhile, was not told anything. The agency's reporters, and "
        "the outlet's sources, disagree."
    )
    credits = find_credits(text)
    assert [(c.source, c.phrase) for c in credits] == [
        ("Bloomberg", "Bloomberg has reported"),
        ("Bloomberg", "told the outlet"),
        ("Reuters", "the outlet's sources"),
    ]


def test_no_credit_without_an_outlet() -> None:
    assert find_credits("An official told the outlet that talks stalled.") == []
    assert find_credits("Macron said the talks stalled, according to a report.") == []
    assert find_credits("The International Energy Agency said prices would fall.") == []


def test_normalize_source() -> None:
    assert normalize_source("AP") == normalize_source("The Associated Press") == "Associated Press"
    assert normalize_source("the  Kyiv Post") == "Kyiv Post"
    assert normalize_source("Agence France-Presse") == "AFP"


def test_dropped_credits() -> None:
    a = find_credits("Talks stalled, Bloomberg has reported, according to Reuters.")
    b = find_credits("Talks stalled, according to Reuters. (AP)")
    assert dropped_credits(a, b) == ["Associated Press", "Bloomberg"]
    assert dropped_credits(a, a) == []


def test_alternation_matches_exactly_the_words_longest_first() -> None:
    words = ["AP", "AFP", "Associated Press", "The Associated Press", "Bloomberg", "Bloomberg News"]
    pattern = re.compile(f"(?:{alternation(words)})")
    for word in words:
        assert pattern.fullmatch(word)
    assert pattern.match("Bloomberg News said").group() == "Bloomberg News"
    assert pattern.match("Associated Pres") is None
    assert pattern.fullmatch("A") is None
    assert [m.group() for m in pattern.finditer("AFP, AP and The Associated Press")] == [
        "AFP",
        "AP",
        "The Associated Press",
    ]


# ---- the compiled pass that says where a credit phrase can start -------------------------


def _credits_searched_everywhere(text: str) -> list[Credit]:
    """:func:`find_credits` as the regular expressions alone find them, every phrase searched
    for at every position of the text: what the compiled pre-pass must not change."""
    from copytrace.provenance import _credits

    return _credits(text, (None, None, None, None))


def test_every_space_and_every_letter_that_folds_to_ascii_is_known() -> None:
    from copytrace.provenance import _FOLD_SPECIAL, _IS_SPACE

    spaces = [c for c in range(0x110000) if chr(c).isspace()]
    assert spaces[-1] < _IS_SPACE.shape[0]
    assert _IS_SPACE.nonzero()[0].tolist() == spaces
    ascii_letter = re.compile(r"(?i)[a-z]")
    folding = {
        c: chr(c).lower() if chr(c).lower().isascii() else None
        for c in range(128, 0x110000)
        if ascii_letter.fullmatch(chr(c))
    }
    assert folding.keys() == _FOLD_SPECIAL.keys()
    for c, letter in _FOLD_SPECIAL.items():
        assert re.fullmatch(f"(?i){letter}", chr(c))


#: pieces that credits are made of, and pieces that come close to them
_CREDIT_PIECES = (
    "Reuters", "AP", "the Associated Press", "The Kyiv Post", "Kyiv Evening Post", "BBC",
    "The New York Times", "CNN", "Agence France-Presse", "AFP", "Bloomberg", "Xinhua",
    "the outlet", "THE NEWSPAPER", "that news agency", "This Broadcaster", "The Daily",
    "according to", "ACCORDING TO", "According\nto", "as reported by", "first reported by",
    "citing", "Citing", "cited by", "quoted by", "told", "Told", "telling", "speaking to",
    "spoke to", "interview with", "said in a statement to", "in a statement to",
    "statement to", "said to", "a report by", "the report in", "reported", "reports",
    "has reported", "had\treported", "wrote", "writes", "revealed", "learned", "learnt",
    "cited", "quoted", "claimed", "said", "says", "noted", "was told", "has been told",
    "'s sources", "’s report", "'s reporters", "'s analysis", "(AP)", "( Reuters )", "—",
    "–", "-", "- ", "—Reuters.", "\n", "\n\n", ".", ",", ";", ":", "\"", "“", "”", "'",
    "’s", "s", "the", "The", "officials", "minister", "Mr. Smith", "U.S.", "news",
    "K\u212aTV", "\u0130stanbul Times", "\u017faid", "the \u212aorea Herald", "ﬁrst",
    "Report", "press", "Said", "SAID", "the_outlet", "x-Reuters", "Reuters-", "\u00a0",
    "\u3000", "\u2028", "é", "Ünited Post", "12", "reportedly", "toldly", "citings",
)  # fmt: skip


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_CREDIT_PIECES), max_size=40), st.data())
def test_credits_found_where_phrases_can_start_are_those_found_everywhere(
    pieces: list[str], data: st.DataObject
) -> None:
    separators = st.sampled_from(["", " ", "  ", "\n", " \n ", "\t", "\u00a0", "-", "—"])
    text = "".join(piece + data.draw(separators) for piece in pieces)
    assert find_credits(text) == _credits_searched_everywhere(text)


@pytest.mark.parametrize(
    "folder",
    ["reuters21578", "bbc", "pan13_subset_noisy", "wiki_vital_summaries", "clough_stevenson"],
)
def test_credits_of_real_text_are_those_found_everywhere(data_dir: Path, folder: str) -> None:
    path = data_dir / folder / "docs.jsonl"
    texts = [json.loads(line).get("text") or "" for line in path.open(encoding="utf-8")]
    found = 0
    for text in texts:
        credits = find_credits(text)
        assert credits == _credits_searched_everywhere(text), text[:200]
        found += len(credits)
    if folder in ("reuters21578", "bbc"):  # news: the comparison saw credits, not only none
        assert found > 100
