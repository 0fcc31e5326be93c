"""ingest: every format read, every bad record counted with its reason, strict mode fatal."""

from __future__ import annotations

import contextlib
import gzip
import json
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from copytrace import batches
from copytrace.config import Config
from copytrace.errors import ConfigError, InputError
from copytrace.ingest import (
    MAX_NESTING,
    detect_format,
    line_blocks,
    line_spans,
    read_document_file,
    read_documents,
    read_span,
)
from copytrace.model import Document
from copytrace.pipeline import scan
from copytrace.skips import SkipLog
from copytrace.spill import FingerprintSpill, ShingleSpill

if TYPE_CHECKING:
    from conftest import Corpus

RECORDS = [
    {"id": "a1", "text": "The first article, about the harbour.", "site": "a.example", "n": 1},
    {"id": "b2", "text": "The second article – with “quotes”.", "site": "b.example", "n": 2},
    {"id": "c3", "text": "Москва: the third article.", "site": "c.example", "n": 3},
]


def _read(
    paths: list[Path] | Path, config: Config | None = None, fmt: str = "auto"
) -> tuple[list[Document], SkipLog]:
    """(documents, skips) of reading ``paths`` leniently."""
    skips = SkipLog()
    items = paths if isinstance(paths, list) else [paths]
    docs = list(read_documents(items, config or Config(), skips, fmt))
    return docs, skips


def _reasons(skips: SkipLog) -> dict[str, int]:
    return dict(skips.counts)


def _where(skips: SkipLog) -> list[tuple[str, int | None, str]]:
    return [(Path(s.source).name, s.line, s.reason) for s in skips.examples]


# --- formats ------------------------------------------------------------------------------


def test_txt_folder_ids_are_file_names(tmp_corpus: Corpus) -> None:
    tmp_corpus.txt("b.txt", "Second file.")
    tmp_corpus.txt("a.txt", "First file.")
    tmp_corpus.txt("sub/c.txt", "In a subfolder.")
    tmp_corpus.txt("notes.md", "Not a known format: counted, not read.")
    tmp_corpus.txt(".hidden.txt", "Hidden: ignored.")
    tmp_corpus.txt(".git/HEAD", "ref: refs/heads/main")
    tmp_corpus.raw("bom.txt", b"\xef\xbb\xbfWith a byte order mark.")
    docs, skips = _read(tmp_corpus.root)
    # sorted walk; a file in a subfolder is named by its path in the folder given
    assert [d.id for d in docs] == ["a.txt", "b.txt", "bom.txt", "sub/c.txt"]
    assert docs[0].text == "First file."
    assert docs[2].text == "With a byte order mark."  # the BOM is not text
    assert docs[3].meta == {"path": str(tmp_corpus.root / "sub" / "c.txt")}
    assert _where(skips) == [("notes.md", None, "unknown_format")]


def test_a_folder_file_of_unknown_extension_is_sniffed_or_counted(tmp_corpus: Corpus) -> None:
    tmp_corpus.jsonl("export/part-00000", [{"id": "x", "text": "Found by its first bytes."}])
    tmp_corpus.raw("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF")
    tmp_corpus.txt("a.txt", "A text.")
    docs, skips = _read(tmp_corpus.root)
    assert [d.id for d in docs] == ["a.txt", "x"]
    assert _where(skips) == [("photo.jpg", None, "unknown_format")]


def test_a_named_format_reads_a_folder_s_files_but_those_of_another_format(
    tmp_corpus: Corpus,
) -> None:
    tmp_corpus.txt("notes.md", "Markdown notes, read as text when asked.")
    tmp_corpus.txt("a.txt", "A text.")
    tmp_corpus.jsonl("docs.jsonl", [{"id": "x", "text": "Records, not text."}])
    docs, skips = _read(tmp_corpus.root, fmt="txt")
    assert [d.id for d in docs] == ["a.txt", "notes.md"]
    assert _where(skips) == [("docs.jsonl", None, "other_format")]
    assert "--format txt" in skips.examples[0].detail
    # a file named itself is read as the format named, whatever its extension
    docs, skips = _read(tmp_corpus.root / "docs.jsonl", fmt="txt")
    assert [d.id for d in docs] == ["docs.jsonl"] and skips.total == 0


@pytest.mark.parametrize("name", ["docs.jsonl", "docs.jsonl.gz", "docs.jsonl.zst", "docs.ndjson"])
def test_jsonl_plain_and_compressed(tmp_corpus: Corpus, name: str) -> None:
    path = tmp_corpus.jsonl(name, RECORDS)
    docs, skips = _read(path)
    assert docs == [
        Document(r["id"], r["text"], {"site": r["site"], "n": r["n"]})  # type: ignore[arg-type]
        for r in RECORDS
    ]
    assert skips.total == 0


def test_jsonl_custom_fields_and_meta(tmp_corpus: Corpus) -> None:
    records = [{"url": "https://x.example/1", "body": "Body one.", "date": "2024-03-27", "x": 1}]
    path = tmp_corpus.jsonl("custom.jsonl", records)
    config = Config(id_field="url", text_field="body", meta_fields=("date", "missing"))
    docs, _ = _read(path, config)
    assert docs == [Document("https://x.example/1", "Body one.", {"date": "2024-03-27"})]
    # without meta_fields every other field is kept
    docs, _ = _read(path, Config(id_field="url", text_field="body"))
    assert docs[0].meta == {"date": "2024-03-27", "x": 1}


def test_missing_or_empty_id_falls_back_to_file_and_line(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.jsonl(
        "noid.jsonl",
        [{"text": "No id at all."}, "", {"id": "", "text": "Empty id."}, {"id": 7, "text": "Int."}],
    )
    docs, skips = _read(path)
    assert [d.id for d in docs] == ["noid.jsonl:1", "noid.jsonl:3", "7"]
    assert skips.total == 0  # a blank line is not a record


@pytest.mark.parametrize(("name", "delimiter"), [("docs.csv", ","), ("docs.tsv", "\t")])
def test_csv_and_tsv(tmp_corpus: Corpus, name: str, delimiter: str) -> None:
    rows = [
        {"id": "r1", "text": "A text, with a comma\nand a newline.", "site": "a"},
        {"id": "", "text": "No id here.", "site": "b"},
    ]
    path = tmp_corpus.csv(name, rows, delimiter)
    docs, skips = _read(path)
    assert docs == [
        Document("r1", "A text, with a comma\nand a newline.", {"site": "a"}),
        Document(f"{name}:3", "No id here.", {"site": "b"}),
    ]
    assert skips.total == 0


def test_csv_custom_columns(tmp_corpus: Corpus) -> None:
    rows = [{"key": "k1", "body": "Body text.", "title": "T", "junk": "j"}]
    path = tmp_corpus.csv("custom.csv", rows)
    config = Config(id_field="key", text_field="body", meta_fields=("title",))
    docs, _ = _read(path, config)
    assert docs == [Document("k1", "Body text.", {"title": "T"})]


def test_parquet(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.parquet(
        "docs.parquet",
        [
            {"id": "p1", "text": "Parquet one.", "site": "a"},
            {"id": None, "text": "Parquet two.", "site": "b"},
        ],
    )
    docs, skips = _read(path)
    assert docs == [
        Document("p1", "Parquet one.", {"site": "a"}),
        Document("docs.parquet:2", "Parquet two.", {"site": "b"}),
    ]
    assert skips.total == 0
    docs, _ = _read(path, Config(meta_fields=("nothere",)))
    assert [d.meta for d in docs] == [{}, {}]


def test_format_detection() -> None:
    assert detect_format(Path("a.JSONL.GZ")) == "jsonl"
    assert detect_format(Path("a.csv.zst")) == "csv"
    assert detect_format(Path("a.tsv")) == "csv"
    assert detect_format(Path("a.txt")) == "txt"
    assert detect_format(Path("a.parquet")) == "parquet"
    assert detect_format(Path("a.gz")) is None
    assert detect_format(Path("README")) is None


def test_unknown_extension_is_skipped_unless_the_format_is_named(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.txt("article.data", "Plain words.")
    docs, skips = _read(path)
    assert docs == []
    assert _reasons(skips) == {"unknown_format": 1}
    docs, skips = _read(path, fmt="txt")
    assert [d.id for d in docs] == ["article.data"]
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        _read(path, fmt="xml")


# --- bad records --------------------------------------------------------------------------


def test_a_record_nested_too_deep_is_a_skip_not_an_internal_error(tmp_corpus: Corpus) -> None:
    """Python's own recursion limit (reading a record orjson refuses, writing one orjson
    cannot) is no article's: past MAX_NESTING levels a record is bad JSON."""

    def nested(levels: int, leaf: str = "1") -> bytes:
        inner = "[" * (levels - 1) + leaf + "]" * (levels - 1)  # the record is a level
        return f'{{"id": "n{levels}", "text": "Some words.", "deep": {inner}}}'.encode()

    lines = [nested(MAX_NESTING), nested(MAX_NESTING + 1), nested(5000), nested(600, "0.5")]
    path = tmp_corpus.raw("deep.jsonl", b"\n".join(lines) + b"\n")
    docs, skips = _read(path)
    assert [d.id for d in docs] == [f"n{MAX_NESTING}"]
    assert _where(skips) == [("deep.jsonl", line, "bad_json") for line in (2, 3, 4)]
    assert {s.detail for s in skips.examples} == {f"nested more than {MAX_NESTING} levels deep"}


def test_every_bad_jsonl_record_is_counted_with_its_reason(tmp_corpus: Corpus) -> None:
    good = json.dumps({"id": "good", "text": "Fine."}).encode()
    lines = [
        good,  # 1
        b'{"id": "x", "text": "unterminated',  # 2 bad_json
        b'["a", "list"]',  # 3 not_an_object
        b'{"id": "y"}',  # 4 missing_text
        b'{"id": "z", "text": 42}',  # 5 bad_text_type
        b'{"id": "u", "text": "bad \xff byte"}',  # 6 bad_utf8
        b'{"id": "e", "text": "  \\n\\t "}',  # 7 empty
        json.dumps({"id": "big", "text": "x" * 101}).encode(),  # 8 too_large
        b"",  # 9 blank: not a record
        json.dumps({"id": "last", "text": "Also fine."}).encode(),  # 10
    ]
    path = tmp_corpus.raw("bad.jsonl", b"\n".join(lines) + b"\n")
    docs, skips = _read(path, Config(max_chars=100))
    assert [d.id for d in docs] == ["good", "last"]
    assert _reasons(skips) == {
        "bad_json": 1,
        "not_an_object": 1,
        "missing_text": 1,
        "bad_text_type": 1,
        "bad_utf8": 1,
        "empty": 1,
        "too_large": 1,
    }
    assert _where(skips) == [
        ("bad.jsonl", 2, "bad_json"),
        ("bad.jsonl", 3, "not_an_object"),
        ("bad.jsonl", 4, "missing_text"),
        ("bad.jsonl", 5, "bad_text_type"),
        ("bad.jsonl", 6, "bad_utf8"),
        ("bad.jsonl", 7, "empty"),
        ("bad.jsonl", 8, "too_large"),
    ]


def test_text_of_exactly_max_chars_is_kept(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.jsonl("edge.jsonl", [{"id": "a", "text": "y" * 50}])
    docs, skips = _read(path, Config(max_chars=50))
    assert [d.id for d in docs] == ["a"]
    assert skips.total == 0


def test_bad_utf8_txt_file_is_skipped(tmp_corpus: Corpus) -> None:
    tmp_corpus.raw("bad.txt", b"caf\xe9 in latin-1")
    tmp_corpus.txt("good.txt", "Fine.")
    tmp_corpus.txt("blank.txt", " \n\t\n")
    docs, skips = _read(tmp_corpus.root)
    assert [d.id for d in docs] == ["good.txt"]
    assert _reasons(skips) == {"bad_utf8": 1, "empty": 1}


def test_bad_csv_rows(tmp_corpus: Corpus) -> None:
    data = b"id,text\nx,good text\ny,bad \xff text\nz,\nw\nv,more good text\n"
    path = tmp_corpus.raw("bad.csv", data)
    docs, skips = _read(path)
    assert [d.id for d in docs] == ["x", "v"]
    assert _reasons(skips) == {"bad_utf8": 1, "empty": 1, "missing_text": 1}
    assert _where(skips) == [
        ("bad.csv", 3, "bad_utf8"),
        ("bad.csv", 4, "empty"),
        ("bad.csv", 5, "missing_text"),
    ]


@pytest.mark.parametrize("name", ["open.csv", "open.csv.gz"])
def test_a_csv_quote_never_closed_is_a_skip_not_a_document(tmp_corpus: Corpus, name: str) -> None:
    """csv, leniently, reads from a stray opening quote to the end of the file as one field:
    the rows after it would become one document's text, without a word."""
    data = (
        'id,text\nx,"a first text,\nover two lines"\ny,"a quote that is never closed\n'
        "z,a row swallowed by it\nw,another one\n"
    )
    path = tmp_corpus.raw(
        name, gzip.compress(data.encode()) if name.endswith(".gz") else data.encode()
    )
    docs, skips = _read(path)
    assert [(d.id, d.text) for d in docs] == [("x", "a first text,\nover two lines")]
    assert _where(skips) == [(name, 4, "bad_csv")]
    assert "lines 4 to 6, the end of the file" in skips.examples[0].detail


def test_a_csv_ending_in_a_closed_multiline_field_is_read_whole(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.txt("closed.csv", 'id,text\nx,one\ny,"two lines,\n""quoted"" too"\n')
    docs, skips = _read(path)
    assert [d.text for d in docs] == ["one", 'two lines,\n"quoted" too']
    assert skips.total == 0


def test_csv_without_the_text_column(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.csv("nobody.csv", [{"id": "a", "body": "x"}])
    docs, skips = _read(path)
    assert docs == []
    assert _reasons(skips) == {"missing_text": 1}
    assert "--text-field" in skips.examples[0].detail


def test_bad_parquet(tmp_corpus: Corpus) -> None:
    tmp_corpus.parquet("a_int.parquet", [{"id": "p", "text": 5}])
    tmp_corpus.parquet("b_notext.parquet", [{"id": "p", "body": "x"}])
    tmp_corpus.raw("c_damaged.parquet", b"PAR1 not really parquet")
    docs, skips = _read(tmp_corpus.root)
    assert docs == []
    assert _where(skips) == [
        ("a_int.parquet", 1, "bad_text_type"),
        ("b_notext.parquet", None, "missing_text"),
        ("c_damaged.parquet", None, "unreadable_file"),
    ]


def _gzip_cut(tmp_corpus: Corpus, name: str, n: int, fraction: float) -> tuple[Path, int]:
    """A .jsonl.gz of ``n`` records cut at ``fraction`` of its bytes, and how many complete
    lines can be decompressed from what is left."""
    import os

    records = [{"id": f"d{i}", "text": f"record {i} {os.urandom(24).hex()}"} for i in range(n)]
    compressed = gzip.compress(tmp_corpus.jsonl_bytes(records))
    cut = compressed[: int(len(compressed) * fraction)]
    recoverable = zlib.decompressobj(wbits=31).decompress(cut)
    return tmp_corpus.raw(name, cut), recoverable.count(b"\n")


@pytest.mark.parametrize("fraction", [0.3, 0.75])
def test_truncated_gzip_keeps_every_line_before_the_damage(
    tmp_corpus: Corpus, fraction: float
) -> None:
    path, complete = _gzip_cut(tmp_corpus, "cut.jsonl.gz", 600, fraction)
    assert 0 < complete < 600
    docs, skips = _read(path)
    assert [d.id for d in docs] == [f"d{i}" for i in range(complete)]
    assert _where(skips) == [("cut.jsonl.gz", complete + 1, "truncated_archive")]


def test_truncated_gzip_csv(tmp_corpus: Corpus) -> None:
    rows = "id,text\n" + "".join(f"r{i},row {i} {i * 7919 % 10007}\n" for i in range(3000))
    compressed = gzip.compress(rows.encode())
    path = tmp_corpus.raw("cut.csv.gz", compressed[: len(compressed) // 2])
    docs, skips = _read(path)
    assert len(docs) > 100
    assert [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]
    assert _reasons(skips) == {"truncated_archive": 1}


def test_not_gzip_at_all(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.raw("fake.jsonl.gz", b'{"id": "a", "text": "plain, not gzip"}\n')
    docs, skips = _read(path)
    assert docs == []
    assert _where(skips) == [("fake.jsonl.gz", 1, "truncated_archive")]


def test_duplicate_ids_are_counted_by_scan(tmp_corpus: Corpus) -> None:
    first = tmp_corpus.jsonl("one.jsonl", [{"id": "same", "text": "First copy of the id."}])
    second = tmp_corpus.jsonl(
        "two.jsonl",
        [{"id": "same", "text": "Another text."}, {"id": "other", "text": "A third text."}],
    )
    result = scan([first, second], Config())
    assert [d.id for d in result.documents] == ["same", "other"]
    assert result.documents[0].text == "First copy of the id."
    assert result.stats.skipped == {"duplicate_id": 1}


def test_repeated_ids_are_dropped_within_and_across_batches(
    tmp_corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    # blocks of a few lines each, parsed one by one: an id repeats inside a block, in a later
    # block, and in a batch of texts read by the main process (a .txt file's name as its id)
    monkeypatch.setattr(batches, "BATCH_BYTES", 200)
    records = [
        {"id": f"d{i % 3}.txt", "text": f"Text number {i} of the corpus."} for i in range(30)
    ]
    path = tmp_corpus.jsonl("repeats.jsonl", records)
    plain = tmp_corpus.txt("d2.txt", "A text file named like a record's id.")
    result = scan([path, plain], Config())
    assert [d.id for d in result.documents] == [f"d{i}.txt" for i in range(3)]
    assert [d.text for d in result.documents] == [
        f"Text number {i} of the corpus." for i in range(3)
    ]
    assert result.stats.skipped == {"duplicate_id": 28}
    # each repeat is named by its file and line where it has one (the worker that parsed it
    # says which), else by its file
    where = [(Path(s.source).name, s.line, s.reason) for s in result.stats.skip_examples]
    assert where[:3] == [("repeats.jsonl", line, "duplicate_id") for line in (4, 5, 6)]
    whole = SkipLog(keep_all=True)
    with ShingleSpill() as spill, contextlib.closing(FingerprintSpill(25, 5)) as prints:
        batches.fingerprint_documents([path, plain], Config(), whole, spill, prints)
    assert [(Path(s.source).name, s.line) for s in whole.everything] == [
        *(("repeats.jsonl", line) for line in range(4, 31)),
        ("d2.txt", None),
    ]


def _sixty_lines_two_bad() -> list[bytes]:
    """60 JSON Lines records (ids r0 to r59), line 11 not JSON and line 41 not UTF-8."""
    lines = [
        json.dumps({"id": f"r{i}", "text": f"Record {i} has a few words in it."}).encode()
        for i in range(60)
    ]
    lines[10] = b"{not json"
    lines[40] = b'{"id": "x", "text": "\xff"}'  # not UTF-8
    return lines


@pytest.mark.parametrize("strict", [False, True])
def test_skips_are_met_in_input_order_whatever_the_number_of_processes(
    tmp_corpus: Corpus, monkeypatch: pytest.MonkeyPatch, strict: bool
) -> None:
    # bad lines parsed by the workers, then an archive cut short, found by the main process
    # as it reads: counted (and, strict, raised) in the order of the input, as one process
    # meets them, however far the reading has run ahead of the workers
    monkeypatch.setattr(batches, "BATCH_BYTES", 300)
    lines = _sixty_lines_two_bad()
    whole = gzip.compress(b"\n".join(lines) + b"\n")
    cut = tmp_corpus.raw("cut.jsonl.gz", whole[: len(whole) * 3 // 4])
    plain = tmp_corpus.jsonl("plain.jsonl", [{"id": "p", "text": "A last file, read whole."}])
    found = []
    for workers in (1, 2):
        config = Config(workers=workers, strict=strict)
        if strict:
            with pytest.raises(InputError) as raised:
                scan([cut, plain], config)
            found.append(str(raised.value))
        else:
            stats = scan([cut, plain], config).stats
            found.append([(s.source, s.line, s.reason) for s in stats.skip_examples])
    assert found[0] == found[1]
    if strict:
        assert "cut.jsonl.gz:11: bad_json" in found[0]
    else:
        reasons = [reason for _, _, reason in found[0]]
        assert reasons == ["bad_json", "bad_utf8", "truncated_archive"]


@pytest.mark.parametrize("workers", [1, 2])
def test_skips_in_plain_files_name_their_lines_in_the_file(
    tmp_corpus: Corpus, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    # a plain file is cut into blocks without being read through, and each block's lines are
    # numbered by the worker from 1: the lines named are still those of the file, and a
    # second file's numbers start again at 1 (a byte order mark opens it, and only it)
    monkeypatch.setattr(batches, "BATCH_BYTES", 300)
    lines = _sixty_lines_two_bad()
    lines[50] = b""  # a blank line is no record, and no skip
    first = tmp_corpus.raw("first.jsonl", b"\n".join(lines) + b"\n")
    again = [b'{"id": "r3", "text": "An id met before."}', b"[1, 2]"]
    second = tmp_corpus.raw("second.jsonl", b"\xef\xbb\xbf" + b"\n".join([*lines[:2], *again]))
    result = scan([first, second], Config(workers=workers))
    where = [(Path(s.source).name, s.line, s.reason) for s in result.stats.skip_examples]
    assert where == [
        ("first.jsonl", 11, "bad_json"),
        ("first.jsonl", 41, "bad_utf8"),
        # met by the worker, then the repeated ids by the main process
        ("second.jsonl", 4, "not_an_object"),
        ("second.jsonl", 1, "duplicate_id"),  # r0, behind the byte order mark
        ("second.jsonl", 2, "duplicate_id"),
        ("second.jsonl", 3, "duplicate_id"),
    ]
    # strict, the first skip raises, naming its line in the file (the bad JSON left out)
    later = tmp_corpus.raw("later.jsonl", b"\n".join(lines[:10] + lines[11:]) + b"\n")
    with pytest.raises(InputError, match=r"later\.jsonl:40: bad_utf8"):
        scan([later], Config(workers=workers, strict=True))


def test_documents_without_words_are_counted_by_scan(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.jsonl(
        "punct.jsonl", [{"id": "p", "text": "– … !!"}, {"id": "w", "text": "Words."}]
    )
    result = scan(path)
    assert [d.id for d in result.documents] == ["w"]
    assert result.stats.skipped == {"empty": 1}


# --- strict mode and missing inputs -------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json", "bad_json"),
        (b"[1, 2]", "not_an_object"),
        (b'{"id": "a"}', "missing_text"),
        (b'{"id": "a", "text": "\xff"}', "bad_utf8"),
    ],
)
def test_strict_mode_raises_naming_file_and_line(
    tmp_corpus: Corpus, line: bytes, reason: str
) -> None:
    good = b'{"id": "ok", "text": "Fine."}\n'
    path = tmp_corpus.raw("strict.jsonl", good + good.replace(b"ok", b"ok2") + line + b"\n")
    with pytest.raises(InputError) as caught:
        list(read_documents([path], Config(strict=True)))
    assert caught.value.source == str(path)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: {reason}")
    assert "--strict" in str(caught.value)


def test_strict_mode_raises_on_a_bad_txt_file(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.raw("bad.txt", b"\xff\xfe")
    with pytest.raises(InputError, match=r"bad\.txt: bad_utf8"):
        list(read_documents([path], Config(strict=True)))


def test_strict_scan_raises_on_duplicate_ids(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.jsonl("dup.jsonl", [{"id": "a", "text": "x y"}, {"id": "a", "text": "z"}])
    with pytest.raises(InputError, match=r"dup\.jsonl:2: duplicate_id"):
        scan(path, Config(strict=True))


def test_missing_input_path_raises(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(InputError, match="no such file or folder"):
        list(read_documents([missing]))
    with pytest.raises(InputError, match=str(missing)):
        scan([missing])


def test_read_document_file(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.jsonl("two.jsonl", RECORDS[:2])
    assert read_document_file(path).id == "a1"
    empty = tmp_corpus.jsonl("empty.jsonl", ['{"id": "x", "text": ""}'])
    with pytest.raises(InputError, match=r"empty\.jsonl: no usable document \(empty"):
        read_document_file(empty)


# --- known bugs ---------------------------------------------------------------------------


# Regression (fixed):: a truncated .txt.gz raises EOFError out of
# read_documents (read_txt catches only OSError around _open_binary(path).read(), and EOFError
# and zlib.error are not OSErrors); the CLI turns it into "internal error: EOFError". Expected:
# a counted truncated_archive (or unreadable_file) skip, like the other readers.
def test_truncated_txt_gz_is_a_counted_skip(tmp_corpus: Corpus) -> None:
    compressed = gzip.compress(" ".join(str(i) for i in range(20000)).encode())
    path = tmp_corpus.raw("cut.txt.gz", compressed[: len(compressed) // 2])
    docs, skips = _read(path)
    assert docs == []
    assert skips.total == 1


# Regression (fixed):: zstandard's stream_reader ends quietly
# at a truncated frame, so a cut .jsonl.zst is not reported as truncated_archive: its last,
# partial line becomes a bad_json skip (and a cut that falls between lines loses the rest of
# the file silently; a cut .txt.zst yields a shortened document with no skip at all).
def test_truncated_zst_is_reported(tmp_corpus: Corpus) -> None:
    zstandard = pytest.importorskip("zstandard")
    import os

    # zstd decodes whole blocks (up to 128 KiB): ~600 KiB of incompressible text makes several,
    # so the blocks before the cut can be read back
    records = [{"id": f"d{i}", "text": f"record {i} {os.urandom(500).hex()}"} for i in range(600)]
    compressed = zstandard.ZstdCompressor().compress(tmp_corpus.jsonl_bytes(records))
    path = tmp_corpus.raw("cut.jsonl.zst", compressed[: len(compressed) // 2])
    docs, skips = _read(path)
    assert 0 < len(docs) < 600
    assert [d.id for d in docs] == [f"d{i}" for i in range(len(docs))]
    assert _reasons(skips) == {"truncated_archive": 1}


# Regression (fixed):: lines are decoded with "utf-8", not "utf-8-sig"
# as the txt and csv readers do, so a JSON Lines file that starts with a byte order mark (as
# Windows tools write it) loses its first record as bad_json ("Unexpected UTF-8 BOM").
def test_jsonl_with_a_byte_order_mark(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.raw("bom.jsonl", b"\xef\xbb\xbf" + tmp_corpus.jsonl_bytes(RECORDS))
    docs, skips = _read(path)
    assert [d.id for d in docs] == ["a1", "b2", "c3"]
    assert skips.total == 0


def test_formats_are_recognised_by_content_when_the_extension_says_nothing(
    tmp_path: Path,
) -> None:
    from copytrace.ingest import sniff_format

    jsonl = tmp_path / "export.data"
    jsonl.write_text('{"id": "x", "text": "one two three four five six"}\n', encoding="utf-8")
    page = tmp_path / "page.dump"
    page.write_text("<!DOCTYPE html><html><head><title>T</title></head></html>", encoding="utf-8")
    archive = tmp_path / "crawl.bin"
    archive.write_bytes(gzip.compress(b"WARC/1.0\r\nWARC-Type: warcinfo\r\n\r\n"))
    plain = tmp_path / "notes.data"
    plain.write_text("just some words", encoding="utf-8")
    assert [sniff_format(p) for p in (jsonl, page, archive, plain)] == [
        "jsonl",
        "html",
        "warc",
        None,
    ]
    skips = SkipLog()
    docs = list(read_documents([jsonl, plain], Config(), skips))
    assert [d.id for d in docs] == ["x"]
    assert skips.counts == {"unknown_format": 1}


@pytest.mark.parametrize(
    "content",
    [
        b"".join(b'{"id": "%d", "text": "line %d"}\n' % (n, n) for n in range(200)),
        b'{"id": "a", "text": "no newline at the end"}',
        b"short\n" + b"x" * 5000 + b"\nlong line above\n\n\nlast",  # a line longer than a block
        b"",
    ],
    ids=["lines", "no-final-newline", "long-line", "empty"],
)
def test_line_blocks_are_whole_lines_where_the_spans_lie(
    tmp_corpus: Corpus, content: bytes
) -> None:
    # a plain file's spans carry no bytes (a worker reads them from the file), a compressed
    # file's carry theirs; either way the blocks are the file's lines, cut after a newline,
    # each numbered by its first line
    plain = tmp_corpus.raw("lines.jsonl", content)
    packed = tmp_corpus.raw("lines.jsonl.gz", gzip.compress(content))
    for path in (plain, packed):
        spans = list(line_spans(path, SkipLog(), 300))
        blocks = list(line_blocks(path, SkipLog(), 300))
        assert all((span.data == b"") == (path == plain) for span in spans)
        assert [read_span(span, str(path)) for span in spans] == [block for _, block in blocks]
        assert b"".join(block for _, block in blocks) == content
        assert [start for start, _ in blocks] == [
            1 + content[: span.start].count(b"\n") for span in spans
        ]
        assert all(block.endswith(b"\n") for _, block in blocks[:-1])
        assert all(span.end - span.start < 300 + 5001 for span in spans)
        if content.count(b"\n") > 3:
            assert len(blocks) > 1


def test_a_block_cut_short_after_it_was_cut_is_an_error(tmp_corpus: Corpus) -> None:
    path = tmp_corpus.raw("shrinking.jsonl", b'{"id": "a", "text": "one"}\n' * 20)
    (span,) = list(line_spans(path, SkipLog()))
    path.write_bytes(b'{"id": "a", "text": "one"}\n')  # the file shrank before a worker read it
    with pytest.raises(InputError, match="cut short while it was being read"):
        read_span(span, str(path))
