"""Alignment: passages with offsets into the original texts, labelled edits, unmatched regions.

The golden file pins the whole explanation of the seed pair; regenerate it with
``UPDATE_GOLDEN=1 pytest tests/test_align.py`` and check the diff by eye before committing.
"""

from __future__ import annotations

import json
import os
import random
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copytrace.align import align, align_texts
from copytrace.model import Document
from copytrace.normalize import tokenize, words
from copytrace.provenance import dropped_credits, find_credits, find_dateline

GOLDEN = Path(__file__).parent / "golden" / "seeds_alignment.json"

# Six paragraphs of one made-up story, written for these tests.
STORY = [
    "The city council voted on Tuesday to close the old harbour bridge for eighteen months "
    "while engineers replace its rusted steel deck, a project that officials said would cost "
    "far more than the original estimate presented to residents last spring. Traffic will be "
    "diverted through the northern ring road, which already carries most of the heavy lorries "
    "that serve the port.",
    "Shopkeepers on the waterfront warned that the closure could drive away the visitors who "
    "cross the river every weekend to reach the fish market and the maritime museum. Several "
    "of them told the meeting that their takings had already fallen since the council "
    "narrowed the bridge to a single lane in the autumn.",
    "The chief engineer, who has inspected the structure every year since it was reopened "
    "after the floods, said the deck had corroded faster than expected because salt spray "
    "reached places that the original designers believed were sheltered from the sea wind.",
    "Council members from the opposition argued that the repair should have been started two "
    "years ago, when the first inspection report was published, and accused the majority of "
    "delaying the work until after the local elections to avoid an unpopular decision.",
    "A temporary ferry will run between the two quays from early morning until midnight, and "
    "residents of the island district will be able to travel on it free of charge with a "
    "pass issued by the town hall. Cyclists will be allowed to take their bicycles on board.",
    "Work is expected to begin in March, once the contract has been signed with the "
    "engineering firm that won the tender, and the council promised to publish a monthly "
    "update on costs and progress on its website so that residents can follow the project.",
]

# An unrelated story, to receive a copied passage.
OTHER = (
    "Farmers in the southern valleys began harvesting grapes nearly three weeks earlier than "
    "usual this year after a dry and unusually warm summer ripened the fruit ahead of "
    "schedule. Growers said the early harvest brought smaller yields but sweeter juice, and "
    "several cooperatives hired extra pickers from neighbouring towns to bring in the crop "
    "before the first autumn storms. Agricultural scientists at the regional institute have "
    "been tracking harvest dates for more than forty years and say the trend towards earlier "
    "picking has become impossible to ignore. They are testing late-ripening varieties that "
    "might cope better with the heat, although wine makers remain cautious about changing "
    "grapes that give the local wines their character. The cooperative in the largest village "
    "plans to open a new cellar next year, financed partly by a grant from the provincial "
    "government and partly by its own members."
)


def story(paragraphs: list[str] | None = None, sep: str = "\n\n") -> str:
    return sep.join(STORY if paragraphs is None else paragraphs)


def non_typography(alignment_edits: tuple[object, ...]) -> list[object]:
    return [e for e in alignment_edits if getattr(e, "kind", None) != "typography"]


# ---- the seed pair ---------------------------------------------------------------------------


def seed_alignment(seed_paths: tuple[Path, Path]) -> dict[str, object]:
    path_a, path_b = seed_paths
    text_a, text_b = path_a.read_text(encoding="utf-8"), path_b.read_text(encoding="utf-8")
    alignment = align(Document(path_a.stem, text_a), Document(path_b.stem, text_b))
    credits_a, credits_b = find_credits(text_a), find_credits(text_b)
    dateline_a, dateline_b = find_dateline(text_a), find_dateline(text_b)
    return {
        "alignment": alignment.to_dict(),
        "credits_a": [credit.to_dict() for credit in credits_a],
        "credits_b": [credit.to_dict() for credit in credits_b],
        "dropped_credits": dropped_credits(credits_a, credits_b),
        "dateline_a": dateline_a.iso if dateline_a else None,
        "dateline_b": dateline_b.iso if dateline_b else None,
    }


def golden_json(data: object) -> str:
    """Readable JSON (curly quotes as themselves) with invisible characters escaped, so that a
    no-break space can be told from a space when the file is checked by eye."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return (
        "".join(
            f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Zs", "Cf") and ch != " " else ch
            for ch in text
        )
        + "\n"
    )


def test_seed_alignment_matches_golden(seed_paths: tuple[Path, Path]) -> None:
    got = seed_alignment(seed_paths)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(golden_json(got), encoding="utf-8")
    if not GOLDEN.is_file():
        pytest.fail(f"{GOLDEN} is missing: run UPDATE_GOLDEN=1 pytest {__file__}")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_seed_body_is_one_passage_with_typography_only(
    seed_texts: tuple[str, str], seed_paths: tuple[Path, Path]
) -> None:
    text_a, text_b = seed_texts
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 1
    passage = alignment.passages[0]
    for text, start, end in ((text_a, passage.a_start, passage.a_end),
                             (text_b, passage.b_start, passage.b_end)):  # fmt: skip
        body = text[start:end]
        assert words(body[:30])[:5] == ["sources", "in", "the", "us", "government"]
        assert body.startswith(("Sources\xa0in the US government", "Sources in the US government"))
        assert body.endswith("Kremlin officials have said.")
        assert end == len(text)
    assert passage.words == len(words(text_b[passage.b_start :])) == 324

    assert alignment.typography_only
    counts = alignment.edit_counts()
    assert counts["typography"] == 9
    assert sum(counts.values()) == 9
    pairs = {(e.a_text, e.b_text) for e in alignment.edits}
    assert pairs == {("\xa0", " "), ("’", "'"), ("“", '"'), ("”", '"')}
    for edit in alignment.edits:
        assert text_a[edit.a_start : edit.a_end] == edit.a_text
        assert text_b[edit.b_start : edit.b_end] == edit.b_text
        assert passage.a_start <= edit.a_start <= edit.a_end <= passage.a_end

    regions_a = [(r.label, r.text) for r in alignment.unmatched if r.side == "a"]
    regions_b = [(r.label, r.text) for r in alignment.unmatched if r.side == "b"]
    assert regions_a == [
        ("headline", "US angry with Macron – Bloomberg"),
        ("dateline", "27 Mar, 2024 11:29 / Updated 8 months ago"),
        ("standfirst", text_a.splitlines()[3]),
    ]
    assert regions_b == [
        ("caption", "Macron Biden"),
        (
            "caption",
            "© Brendan Smialowski / WPA Pool via Getty ImagesFrench President Emmanuel Macron "
            "speaks with US President Joe Biden.",
        ),
    ]
    assert alignment.a_coverage == pytest.approx(324 / 360)
    assert alignment.b_coverage == pytest.approx(324 / 342)


def test_seed_provenance(seed_texts: tuple[str, str]) -> None:
    text_a, text_b = seed_texts
    dateline = find_dateline(text_a)
    assert dateline is not None and dateline.iso == "2024-03-27T11:29"
    assert text_a[dateline.start : dateline.end] == "27 Mar, 2024 11:29"
    assert find_dateline(text_b) is None
    credits_a, credits_b = find_credits(text_a), find_credits(text_b)
    assert {c.source for c in credits_a} == {c.source for c in credits_b} == {"Bloomberg"}
    assert dropped_credits(credits_a, credits_b) == []


# ---- edits -----------------------------------------------------------------------------------


def test_identical_texts_are_one_passage_without_edits() -> None:
    text = story()
    alignment = align_texts(text, text)
    assert [(p.a_start, p.a_end, p.b_start, p.b_end) for p in alignment.passages] == [
        (0, len(text), 0, len(text))
    ]
    assert alignment.edits == ()
    assert alignment.unmatched == ()
    assert alignment.typography_only
    assert alignment.a_coverage == alignment.b_coverage == 1.0


def test_one_substituted_word_keeps_one_passage() -> None:
    text_a = " ".join(STORY[:3])  # one long paragraph, about 180 words
    text_b = text_a.replace("rusted steel deck", "rusted iron deck")
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 1
    assert [(e.kind, e.a_text, e.b_text, e.numbers) for e in alignment.edits] == [
        ("substitution", "steel", "iron", False)
    ]
    edit = alignment.edits[0]
    assert text_a[edit.a_start : edit.a_end] == "steel"
    assert text_b[edit.b_start : edit.b_end] == "iron"
    assert not alignment.typography_only


def test_changed_number_is_a_substitution_with_numbers() -> None:
    text_a = story().replace("eighteen months", "12 percent of the year")
    text_b = text_a.replace("12 percent", "15 percent")
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 1
    assert [(e.kind, e.a_text, e.b_text, e.numbers) for e in alignment.edits] == [
        ("substitution", "12", "15", True)
    ]


def test_swapped_paragraphs_are_one_moved_edit() -> None:
    text_a = story()
    swapped = [STORY[0], STORY[1], STORY[3], STORY[2], STORY[4], STORY[5]]
    text_b = story(swapped)
    alignment = align_texts(text_a, text_b)
    assert alignment.edit_counts() == {
        "typography": 0, "substitution": 0, "insertion": 0, "deletion": 0, "moved": 1
    }  # fmt: skip
    assert len(alignment.passages) == 1
    moved = alignment.edits[0]
    # whichever of the two swapped paragraphs is reported as moved, it is one whole paragraph
    assert moved.a_text == moved.b_text
    assert moved.a_text in (STORY[2], STORY[3])
    assert alignment.a_coverage == alignment.b_coverage == 1.0


def test_deleted_and_inserted_sentences() -> None:
    text_a = story()
    sentence = " Cyclists will be allowed to take their bicycles on board."
    text_b = text_a.replace(sentence, "").replace(
        "the fish market", "the fish market, the old lighthouse"
    )
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 1
    kinds = [(e.kind, e.a_text, e.b_text) for e in alignment.edits]
    assert kinds == [
        ("insertion", "", "the old lighthouse"),
        ("deletion", sentence.strip().rstrip("."), ""),
    ]
    insertion, deletion = alignment.edits
    assert insertion.a_start == insertion.a_end
    assert deletion.b_start == deletion.b_end


def test_whitespace_quotes_and_case_are_typography() -> None:
    text_a = story(sep="\n\n").replace("chief engineer", "“chief engineer”")
    text_b = story(sep=" ").replace("chief engineer", '"Chief\u00a0Engineer"')
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 1
    assert alignment.typography_only
    edits = [(e.a_text, e.b_text) for e in alignment.edits]
    assert edits.count(("\n\n", " ")) == 5
    assert ("“chief engineer”", '"Chief\u00a0Engineer"') in edits


def test_inserted_passage_is_found_with_its_offsets() -> None:
    source = story()
    passage_words = source.split(" ")[40:100]  # 60 words
    copied = " ".join(passage_words)
    middle = OTHER.index("Agricultural scientists")
    host = OTHER[:middle] + copied + " " + OTHER[middle:]
    alignment = align_texts(source, host)
    assert len(alignment.passages) == 1
    passage = alignment.passages[0]
    assert source[passage.a_start : passage.a_end] == copied.rstrip(",.")
    assert passage.b_start == middle
    assert host[passage.b_start : passage.b_end] == copied.rstrip(",.")
    assert passage.words == len(words(copied)) >= 60
    assert alignment.edits == ()
    assert all(region.label == "other" for region in alignment.unmatched)
    assert [r.side for r in alignment.unmatched] == ["a", "a", "b", "b"]


def test_passages_reused_in_another_order_give_a_moved_passage() -> None:
    text_a = STORY[0] + "\n\n" + OTHER + "\n\n" + STORY[4]
    text_b = STORY[4] + "\n\nSomething else entirely happened here today.\n\n" + STORY[0]
    alignment = align_texts(text_a, text_b)
    assert len(alignment.passages) == 2
    assert alignment.edit_counts()["moved"] == 1
    for passage in alignment.passages:
        assert text_a[passage.a_start : passage.a_end] in (STORY[0], STORY[4])
        assert text_b[passage.b_start : passage.b_end] == text_a[passage.a_start : passage.a_end]


def test_unrelated_texts_have_no_passages() -> None:
    alignment = align_texts(story(), OTHER)
    assert alignment.passages == ()
    assert not alignment.typography_only
    assert alignment.a_coverage == alignment.b_coverage == 0.0
    assert {r.side for r in alignment.unmatched} == {"a", "b"}


def test_empty_and_tiny_texts() -> None:
    assert align_texts("", "").passages == ()
    assert align_texts("", story()).unmatched[0].side == "b"
    assert align_texts("Short.", "Short.", min_words=8).passages == ()
    assert len(align_texts("Short.", "Short.", min_words=1).passages) == 1


def test_repetitive_text_aligns_on_its_diagonal() -> None:
    text = " ".join(["the same line again and again"] * 2000)
    alignment = align_texts(text, text)
    assert [(p.a_start, p.a_end) for p in alignment.passages] == [(0, len(text))]
    assert alignment.edits == ()


def test_metadata_title_is_a_headline() -> None:
    # ends with a full stop, so only the metadata can tell that it is the headline
    title = "Harbour bridge to close for eighteen months."
    a = Document("a", f"Menu\n{title}\n\n" + story(), {"title": title})
    b = Document("b", story())
    alignment = align(a, b)
    assert [(r.side, r.label, r.text) for r in alignment.unmatched] == [
        ("a", "boilerplate", "Menu"),
        ("a", "headline", title),
    ]
    as_json = json.loads(json.dumps(alignment.to_dict()))
    assert as_json["passages"][0]["words"] == len(words(story()))


# ---- properties ------------------------------------------------------------------------------

_WORDS = ("harbour", "bridge", "council", "ferry", "the", "of", "12", "15", "deck", "steel")
_SEPARATORS = (" ", " ", " ", "\n\n", ", ", "\u00a0", " “", "” ", ". ")


@st.composite
def text_pairs(draw: st.DrawFn) -> tuple[str, str]:
    rng = random.Random(draw(st.integers(0, 2**32)))
    vocabulary = _WORDS[: draw(st.integers(3, len(_WORDS)))]
    tokens = [rng.choice(vocabulary) for _ in range(draw(st.integers(0, 150)))]
    other = list(tokens)
    for _ in range(draw(st.integers(0, 6))):
        operation = rng.choice(("substitute", "delete", "insert", "move", "case"))
        if not other:
            break
        at = rng.randrange(len(other))
        if operation == "substitute":
            other[at] = rng.choice(vocabulary)
        elif operation == "delete":
            del other[at : at + rng.randint(1, 5)]
        elif operation == "insert":
            other[at:at] = [rng.choice(vocabulary) for _ in range(rng.randint(1, 5))]
        elif operation == "move":
            block = other[at : at + rng.randint(5, 30)]
            del other[at : at + len(block)]
            where = rng.randrange(len(other) + 1)
            other[where:where] = block
        else:
            other[at] = other[at].upper()

    def join(words_: list[str]) -> str:
        return "".join(word + rng.choice(_SEPARATORS) for word in words_)

    return join(tokens), join(other)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_pairs(), st.integers(1, 10))
def test_alignment_offsets_are_sound(pair: tuple[str, str], min_words: int) -> None:
    text_a, text_b = pair
    alignment = align_texts(text_a, text_b, min_words=min_words)
    for passage in alignment.passages:
        assert 0 <= passage.a_start < passage.a_end <= len(text_a)
        assert 0 <= passage.b_start < passage.b_end <= len(text_b)
        words_a = words(text_a[passage.a_start : passage.a_end])
        words_b = words(text_b[passage.b_start : passage.b_end])
        assert passage.words >= min_words
        if alignment.typography_only:
            assert words_a == words_b
        elif not alignment.edit_counts()["moved"]:
            assert SequenceMatcher(None, words_a, words_b, autojunk=False).ratio() >= 0.5
    for edit in alignment.edits:
        assert text_a[edit.a_start : edit.a_end] == edit.a_text
        assert text_b[edit.b_start : edit.b_end] == edit.b_text
        if edit.kind == "typography":
            assert words(edit.a_text) == words(edit.b_text)
            assert edit.a_text != edit.b_text
    for region in alignment.unmatched:
        text = text_a if region.side == "a" else text_b
        assert text[region.start : region.end] == region.text
        assert region.text.strip() == region.text and region.text
    if text_a == text_b and words(text_a) and len(words(text_a)) >= min_words:
        assert len(alignment.passages) == 1 and alignment.edits == ()


def test_furniture_kept_as_one_captures_metadata_is_labelled_in_the_other() -> None:
    # a web page keeps its headline and caption as metadata; a plain-text copy of the same
    # story carries them in its text: there they are labelled as what they are
    body = (
        "Sources in the US government are angry with French President Emmanuel Macron, after "
        "his suggestion that preventing a Russian victory in the Ukraine conflict could "
        "require a NATO military force, Bloomberg has reported. A senior US official has told "
        "the outlet that some in Washington believe Macron might trigger a clash with Moscow."
    )
    page = Document("page", body, {"title": "Macron angers Washington", "captions": ["Photo X"]})
    copy = Document("copy", f"Photo X\nMacron angers Washington\n\n{body}")
    regions = [(r.side, r.label, r.text) for r in align(page, copy).unmatched]
    assert regions == [("b", "caption", "Photo X"), ("b", "headline", "Macron angers Washington")]


# ---- the fast paths of align agree with the plain ones ---------------------------------------

_TYPOGRAPHY = {
    " ": ("\u00a0", "\n\n", "  ", " "),
    ", ": (",\u00a0", " , ", ", "),
    ' "': (" \u201c", " '", ' "'),
    '" ': ("\u201d ", "' ", '" '),
    " - ": (" \u2013 ", " \u2014 ", " -- ", " - "),
}


@st.composite
def typography_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts with the same folded words, differing in case, quotes, dashes, spaces, soft
    hyphens and ligatures; now and then with a word that folding splits ("½")."""
    rng = random.Random(draw(st.integers(0, 2**32)))
    vocabulary = [*_WORDS, "final", "Macron", "NATO", "½"]
    a_parts: list[str] = []
    b_parts: list[str] = []
    for _ in range(draw(st.integers(1, 60))):
        word = rng.choice(vocabulary)
        variant = rng.choice(
            (
                word,
                word.upper(),
                word.capitalize(),
                word.replace("fi", "\ufb01"),
                word[:1] + "\u00ad" + word[1:],
            )
        )
        separator = rng.choice(list(_TYPOGRAPHY))
        a_parts += [word, separator]
        b_parts += [variant, rng.choice(_TYPOGRAPHY[separator])]
    return "".join(a_parts), "".join(b_parts)


def _typography_by_word(text_a: str, text_b: str) -> list[tuple[int, int, int, int]]:
    """The typography edits' spans of two texts of the same folded words, found the slow and
    obvious way: word by word and separator by separator, adjacent differing items joined,
    then shared punctuation trimmed from either end."""
    from copytrace.align import _Side

    side_a, side_b = _Side.pair(text_a, text_b)
    starts_a, ends_a = side_a.starts.tolist(), side_a.ends.tolist()
    starts_b, ends_b = side_b.starts.tolist(), side_b.ends.tolist()
    spans: list[list[int]] = []
    pending: list[int] | None = None
    for i in range(len(starts_a)):
        items = [(starts_a[i], ends_a[i], starts_b[i], ends_b[i])]
        if i + 1 < len(starts_a):  # the separator after this word
            items.append((ends_a[i], starts_a[i + 1], ends_b[i], starts_b[i + 1]))
        for sa, ea, sb, eb in items:
            if text_a[sa:ea] != text_b[sb:eb]:
                if pending is None:
                    pending = [sa, ea, sb, eb]
                else:
                    pending[1], pending[3] = ea, eb
            elif pending is not None:
                spans.append(pending)
                pending = None
    if pending is not None:
        spans.append(pending)
    trimmed = []
    for sa, ea, sb, eb in spans:
        while sa < ea and sb < eb and text_a[sa] == text_b[sb] and not text_a[sa].isalnum():
            sa, sb = sa + 1, sb + 1
        while ea > sa and eb > sb and text_a[ea - 1] == text_b[eb - 1]:
            if text_a[ea - 1].isalnum():
                break
            ea, eb = ea - 1, eb - 1
        trimmed.append((sa, ea, sb, eb))
    return trimmed


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typography_pairs())
def test_typography_edits_agree_with_the_word_by_word_walk(pair: tuple[str, str]) -> None:
    from copytrace.align import _Side, _typography

    side_a, side_b = _Side.pair(*pair)
    assert side_a.ids.tolist() == side_b.ids.tolist()  # the same words
    edits = _typography(side_a, side_b, (0, 0, len(side_a.ids)))
    spans = [(edit.a_start, edit.a_end, edit.b_start, edit.b_end) for edit in edits]
    assert spans == _typography_by_word(*pair)
    for edit in edits:
        assert pair[0][edit.a_start : edit.a_end] == edit.a_text != edit.b_text
        assert pair[1][edit.b_start : edit.b_end] == edit.b_text
        assert words(edit.a_text) == words(edit.b_text)


def test_new_edit_is_an_edit() -> None:
    from dataclasses import FrozenInstanceError

    from copytrace.align import _new_edit
    from copytrace.alignment import Edit

    made = _new_edit("substitution", 1, 2, 3, 5, "a", "bc", True)
    plain = Edit("substitution", 1, 2, 3, 5, "a", "bc", True)
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert made.to_dict() == plain.to_dict()
    with pytest.raises(FrozenInstanceError):
        made.kind = "deletion"  # type: ignore[misc]


def test_free_stretch_matches_a_walk() -> None:
    import numpy as np

    from copytrace.align import _free_stretch

    rng = random.Random(3)
    for _ in range(2000):
        size = rng.randint(0, 20)
        used = np.array([rng.random() < 0.3 for _ in range(size)] + [False], dtype=bool)
        edge, limit, forward = rng.randint(0, size), rng.randint(0, 8), rng.random() < 0.5
        walk: list[int] = []
        index = edge if forward else edge - 1
        while 0 <= index < size and not used[index] and len(walk) < limit:
            walk.append(index)
            index += 1 if forward else -1
        assert list(_free_stretch(used, edge, forward, limit, size)) == sorted(walk)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "ab", "ba", "b", "Ab", "\u00e9t\u00e9", "fi", "\ufb01", "1"])),
    st.lists(st.sampled_from(["a", "ab", "ba", "b", "\u00e9t\u00e9", "x", "1", "\u00bd"])),
)
def test_words_are_numbered_in_order_of_first_appearance(
    words_a: list[str], words_b: list[str]
) -> None:
    from copytrace.align import _Side

    text_a, text_b = " ".join(words_a), ", ".join(words_b)
    side_a, side_b = _Side.pair(text_a, text_b)
    folded_a, folded_b = tokenize(text_a).words, tokenize(text_b).words
    numbers: dict[str, int] = {}
    for word in folded_a + folded_b:
        numbers.setdefault(word, len(numbers))
    assert side_a.ids.tolist() == [numbers[word] for word in folded_a]
    assert side_b.ids.tolist() == [numbers[word] for word in folded_b]
