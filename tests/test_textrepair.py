"""textrepair: mojibake and character references are undone for comparing, text that only
looks damaged is left alone, and every span still points into the text as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from copytrace import Config, compare, scan
from copytrace.fingerprint import folded_bytes
from copytrace.normalize import tokenize, words
from copytrace.textrepair import repair, repair_spans


def _read_as_cp1252(text: str) -> str:
    """UTF-8 read as Windows-1252, Latin-1 for the bytes it leaves undefined: the usual
    mojibake of a page served with the wrong charset."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


@pytest.mark.parametrize(
    "original",
    [
        "He said “we don’t” – then left… for €5™",
        "Café crème, naïve façade, 20\u00a0km",
        "Здравствуй, мир: новости",
        "中国新闻 and 日本語",
        "Emoji 😀 too",
        "\ufeffA byte order mark first",
    ],
)
def test_mojibake_is_undone(original: str) -> None:
    damaged = _read_as_cp1252(original)
    assert damaged != original
    assert repair(damaged) == original
    assert repair(_read_as_cp1252(damaged)) == original  # read wrongly twice
    assert words(damaged) == words(original)
    assert folded_bytes(damaged) == folded_bytes(original)


@pytest.mark.parametrize(
    "text",
    [
        "LÊ\u00a0THÁI TỔ founded the Later Lê\u00a0dynasty",
        "an area of 280\u00a0km ×\u00a080\u00a0km",
        "une décision créée à Noël, ça va très bien",
        "São João, Ação, Über, Ärger, Øre, Ångström",
        "AT&T and R&D; a &b; c & d",
        "plain ASCII text",
        "",
    ],
)
def test_text_that_only_looks_damaged_is_left_alone(text: str) -> None:
    assert repair(text) == text
    assert len(repair_spans(text)[1]) == 0


def test_character_references_are_undone_even_when_escaped_twice() -> None:
    damaged = "Tom&#8217;s &amp;quot;caf&eacute;&amp;quot; &amp;amp; bar&nbsp;&amp;#8217;"
    assert repair(damaged) == "Tom’s \"café\" & bar\u00a0’"
    assert words(damaged) == ["tom", "s", "café", "bar"]


def test_spans_point_into_the_damaged_text() -> None:
    text = "The cafÃ©\u00a0said donâ€™t &amp; Ð¼Ð¸Ñ€ caf&eacute;s"
    tokens = tokenize(text)
    spans = [text[s:e] for s, e in zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)]
    assert tokens.words == ["the", "café", "said", "don", "t", "мир", "cafés"]
    assert spans == ["The", "cafÃ©", "said", "don", "t", "Ð¼Ð¸Ñ€", "caf&eacute;s"]


def test_a_copy_read_in_the_wrong_encoding_is_a_duplicate_with_typography_changes(
    seed_texts: tuple[str, str],
) -> None:
    original = seed_texts[0]
    damaged = _read_as_cp1252(original)
    result = compare(original, damaged)
    assert (result.verdict, result.jaccard) == ("duplicate", 1.0)
    assert result.explanation is not None
    assert result.explanation.alignment.typography_only


def test_a_scan_pairs_damaged_copies_with_their_original(
    seed_texts: tuple[str, str], tmp_path: Path
) -> None:
    original = seed_texts[0]
    folder = tmp_path / "captures"
    folder.mkdir()
    (folder / "original.txt").write_text(original, encoding="utf-8")
    (folder / "mojibake.txt").write_text(_read_as_cp1252(original), encoding="utf-8")
    escaped = original.replace("’", "&#8217;").replace("“", "&ldquo;").replace("–", "&ndash;")
    (folder / "escaped.txt").write_text(escaped, encoding="utf-8")
    result = scan(folder, Config())
    assert {(pair.a, pair.b, pair.verdict) for pair in result.pairs} == {
        ("escaped.txt", "mojibake.txt", "duplicate"),
        ("escaped.txt", "original.txt", "duplicate"),
        ("mojibake.txt", "original.txt", "duplicate"),
    }
    assert [sorted(c.members) for c in result.clusters] == [
        ["escaped.txt", "mojibake.txt", "original.txt"]
    ]


def test_markup_left_in_text_is_no_words() -> None:
    assert repair('<p class="lede">Hello</p><p>World<br/>again</p>') == " Hello  World again "
    assert repair("un<b>bold</b> <A HREF='x'>link</A>") == "unbold link"
    assert repair("&lt;p&gt;Escaped&lt;/p&gt; tags") == " Escaped  tags"
    for text in ("Reuters <IBM> said", "if x<y>z then", "a < b and c > d", "<paragraph>"):
        assert repair(text) == text
    # the spans still cover the words as given, tags around them left out
    text = "<p>Macron <b>said</b></p>"
    tokens = tokenize(text)
    spans = [text[s:e] for s, e in zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True)]
    assert (tokens.words, spans) == (["macron", "said"], ["Macron", "said"])


def test_a_copy_with_its_markup_left_in_is_a_duplicate(seed_texts: tuple[str, str]) -> None:
    original = seed_texts[0]
    paragraphs = original.split("\n\n")
    marked = "".join(f'<p class="story-body__inner">{p}</p>\n' for p in paragraphs)
    result = compare(original, marked)
    assert (result.verdict, result.jaccard) == ("duplicate", 1.0)


def test_the_quick_test_for_mojibake_leads_names_exactly_the_latin_1_letters() -> None:
    # every code point on its own: the byte C3 is in its UTF-8 exactly from U+00C0 to U+00FF,
    # which hold every lead of mojibake (U+00C2 to U+00F4)
    from copytrace.textrepair import _may_hold_mojibake

    held = [code for code in range(0x110000) if _may_hold_mojibake(chr(code))]
    assert held == list(range(0xC0, 0x100))
    assert _may_hold_mojibake("caf\u00c3\u00a9 \u201cquoted\u201d")
    assert not _may_hold_mojibake("\u201cquoted\u201d \u2013 with\u00a0a no-break space")
