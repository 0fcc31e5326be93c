"""Labels of unmatched text: headline, dateline, standfirst, caption, byline, boilerplate."""

from __future__ import annotations

from typing import Any

import pytest

from copytrace.furniture import Position, is_dateline, label_region, unmatched_regions


def labelled(
    text: str, position: Position = "head", meta: dict[str, Any] | None = None
) -> list[tuple[str, str]]:
    """(label, text) of every span that :func:`label_region` gives for the whole text."""
    spans = label_region(text, 0, len(text), position=position, meta=meta)
    return [(span.label, text[span.start : span.end]) for span in spans]


def test_seed_heads(seed_texts: tuple[str, str]) -> None:
    text_a, text_b = seed_texts
    head_a = text_a[: text_a.index("Sources")]
    head_b = text_b[: text_b.index("Sources")]
    assert [label for label, _ in labelled(head_a)] == ["headline", "dateline", "standfirst"]
    assert labelled(head_b) == [
        ("caption", "Macron Biden"),
        (
            "caption",
            "© Brendan Smialowski / WPA Pool via Getty ImagesFrench President Emmanuel Macron "
            "speaks with US President Joe Biden.",
        ),
    ]


def test_headline_dateline_byline_standfirst_at_the_top() -> None:
    text = (
        "Harbour bridge to close for eighteen months\n"
        "By Jane Doe\n"
        "March 27, 2024\n\n"
        "The council says the rusted deck must be replaced before winter. Traders fear "
        "for their takings.\n"
        "   \n"
        "--\n"
    )
    assert labelled(text) == [
        ("headline", "Harbour bridge to close for eighteen months"),
        ("byline", "By Jane Doe"),
        ("dateline", "March 27, 2024"),
        (
            "standfirst",
            "The council says the rusted deck must be replaced before winter. Traders fear "
            "for their takings.",
        ),
    ]


def test_headline_and_standfirst_only_at_the_top() -> None:
    text = "Harbour bridge to close\nThe council says the deck must be replaced this winter."
    assert [label for label, _ in labelled(text, "tail")] == ["other"]
    assert [label for label, _ in labelled(text, "middle")] == ["other"]
    assert [label for label, _ in labelled(text, "whole")] == ["headline", "standfirst"]


def test_standfirst_needs_a_headline_or_dateline_before_it() -> None:
    text = "The council says the deck must be replaced this winter, officials confirmed."
    assert labelled(text) == [("other", text)]


def test_wire_dateline_is_split_off_the_lead() -> None:
    text = "SALVADOR, Feb 26 (Reuters) - Brazil's president said on Monday that talks would go on."
    assert labelled(text, "middle") == [
        ("dateline", "SALVADOR, Feb 26 (Reuters) -"),
        ("other", "Brazil's president said on Monday that talks would go on."),
    ]
    assert labelled("WASHINGTON (AP) — Lawmakers returned on Monday.", "middle")[0] == (
        "dateline",
        "WASHINGTON (AP) —",
    )


@pytest.mark.parametrize(
    "line",
    [
        "Photo: Jane Doe / AP",
        "A man walks past the closed bridge. (AP Photo/Jane Doe)",
        "Getty Images",
        "© Reuters / Jane Doe",
        "Demonstrators gather outside parliament. Jane Doe / AFP via Getty Images",
        "Image: Wikimedia Commons",
    ],
)
def test_photo_credits_are_captions(line: str) -> None:
    assert labelled(line, "middle") == [("caption", line)]


def test_alt_text_beside_a_caption_is_a_caption() -> None:
    text = "Bridge deck\nThe rusted deck of the harbour bridge. Photo: Jane Doe"
    assert [label for label, _ in labelled(text)] == ["caption", "caption"]
    # a short line with nothing in common with the caption is not its alt text
    text = "Traders angry\nThe rusted deck of the harbour bridge. Photo: Jane Doe"
    assert [label for label, _ in labelled(text)] == ["headline", "caption"]


@pytest.mark.parametrize(
    "line",
    ["By Jane Doe", "Jane Doe | Reporter", "Reporting by Jane Doe; Editing by John Roe"],
)
def test_bylines(line: str) -> None:
    assert labelled(line, "tail") == [("byline", line)]


@pytest.mark.parametrize(
    "line",
    [
        "Read more",
        "Share this story",
        "Subscribe to our newsletter for the latest news",
        "© 2024 Example News. All rights reserved.",
        "We use cookies to improve your experience on our site.",
        "Follow us on Telegram",
        "This article was originally published by Example News.",
    ],
)
def test_boilerplate(line: str) -> None:
    assert labelled(line, "tail") == [("boilerplate", line)]


def test_consecutive_boilerplate_and_other_lines_form_one_region() -> None:
    text = "Read more\nShare this story\nThe council met again. It voted.\nTraders were angry."
    assert labelled(text, "tail") == [
        ("boilerplate", "Read more\nShare this story"),
        ("other", "The council met again. It voted.\nTraders were angry."),
    ]


def test_body_sentences_are_other() -> None:
    for line in (
        "Macron's comments on March 5, 2024 drew criticism from allies across Europe.",
        "Readers who subscribe to the theory were disappointed by the result, he said.",
    ):
        assert labelled(line, "middle") == [("other", line)]


def test_metadata_identifies_furniture() -> None:
    meta = {
        "title": "Bridge closed.",
        "captions": ["The old harbour bridge at dusk."],
        "author": "Jane Doe",
    }
    text = "Menu\nBridge closed.\nThe old harbour bridge at dusk.\nJane Doe, harbour affairs"
    assert labelled(text, "head", meta) == [
        ("boilerplate", "Menu"),
        ("headline", "Bridge closed."),
        ("caption", "The old harbour bridge at dusk."),
        ("byline", "Jane Doe, harbour affairs"),
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("27 Mar, 2024 11:29 / Updated 8 months ago", True),
        ("March 27, 2024", True),
        ("2024-03-27T11:29:00Z", True),
        ("Published 3 hours ago", True),
        ("Updated: Wednesday, 27 March 2024, 11:29 GMT", True),
        ("SALVADOR, Feb 26 -", True),
        ("Biden to visit Paris on March 27", False),
        ("The council met for three hours", False),
    ],
)
def test_is_dateline(line: str, expected: bool) -> None:
    assert is_dateline(line) is expected


def test_offsets_point_into_the_text_and_skip_blank_lines() -> None:
    text = "xx\n\n  Read more  \n\n***\n\nBy Jane Doe\n"
    spans = label_region(text, 2, len(text), position="tail")
    assert [(s.label, text[s.start : s.end]) for s in spans] == [
        ("boilerplate", "Read more"),
        ("byline", "By Jane Doe"),
    ]
    assert label_region(text, 4, 4, position="tail") == []


def test_unmatched_regions_by_position() -> None:
    text = "Headline here\nBODY ONE\nRead more\nBODY TWO\nShare this story"
    spans = [(text.index(body), text.index(body) + len(body)) for body in ("BODY ONE", "BODY TWO")]
    regions = unmatched_regions("b", text, spans, None)
    assert [(r.side, r.label, r.text) for r in regions] == [
        ("b", "headline", "Headline here"),
        ("b", "boilerplate", "Read more"),
        ("b", "boilerplate", "Share this story"),
    ]
    whole = unmatched_regions("a", "Headline here", [], None)
    assert [(r.label, r.start, r.end) for r in whole] == [("headline", 0, 13)]


@pytest.mark.parametrize(
    ("pattern", "needles"),
    [
        ("_PHOTO_RE", "_PHOTO_NEEDLES"),
        ("_BOILERPLATE_RE", "_BOILERPLATE_NEEDLES"),
        ("_RELATIVE_RE", "_RELATIVE_NEEDLES"),
    ],
)
def test_every_match_holds_a_needle(pattern: str, needles: str) -> None:
    """The prefilters skip no line of plain ASCII that a pattern matches (beyond ASCII they
    skip none; a relative time may hold a digit instead, which is looked for separately)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from copytrace import furniture

    compiled = getattr(furniture, pattern)

    @settings(max_examples=300, deadline=None)
    @given(st.from_regex(compiled, alphabet=st.characters(codec="ascii")))
    def check(line: str) -> None:
        match = compiled.search(line)
        assert match is not None
        found = match.group()
        assert furniture._may_match(found, getattr(furniture, needles)) or (
            pattern == "_RELATIVE_RE" and furniture._DIGIT_RE.search(found) is not None
        )

    check()
