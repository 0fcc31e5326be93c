"""Provenance evidence inside a text: its dateline and the sources it credits."""

from __future__ import annotations

import re

import pytest

from copytrace.provenance import (
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
