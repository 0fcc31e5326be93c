"""pipeline: scan and compare end to end, on the seed pair and on planted copies."""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import copytrace
from copytrace import Config, Document, batches, compare, compare_files, pipeline, scan
from copytrace import spill as spill_module
from copytrace.candidates import STAR_FROM
from copytrace.errors import OutputError
from copytrace.fingerprint import ordered_shingles, shingle_set
from copytrace.normalize import words
from copytrace.records import document_line
from copytrace.report import write_scan
from copytrace.skips import SkipLog
from copytrace.spill import FingerprintSpill, ShingleSpill
from copytrace.verify import similarity

# --- the seed pair ------------------------------------------------------------------------


def test_scan_of_the_seed_pair(seeds_dir: Path) -> None:
    result = scan(seeds_dir)  # the folder also holds README.md, which is not a known format
    assert [d.id for d in result.documents] == [
        "000_79bc1770f18cd301.txt",
        "001_10ba7ebf5372380a.txt",
    ]
    assert len(result.pairs) == 1
    pair = result.pairs[0]
    assert (pair.a, pair.b, pair.verdict) == (
        "000_79bc1770f18cd301.txt",
        "001_10ba7ebf5372380a.txt",
        "near_duplicate",
    )
    assert 0.80 < pair.jaccard < 0.90
    assert pair.jaccard == pytest.approx(0.856, abs=0.0005)
    assert pair.containment_a >= 0.89  # the RT capture's extra headline block is small
    assert pair.containment_b >= 0.89
    assert len(result.clusters) == 1
    assert set(result.clusters[0].members) == {pair.a, pair.b}
    assert result.stats.skipped == {"unknown_format": 1}  # the folder's README.md
    assert result.stats.kept == 1


def test_folding_raises_the_seed_jaccard(seed_texts: tuple[str, str]) -> None:
    # naive shingling (lowercase, split on whitespace) sees curly vs straight quotes and
    # apostrophes, and punctuation glued to words, as differences
    def naive(text: str) -> set[tuple[str, ...]]:
        tokens = text.lower().split()
        return {tuple(tokens[i : i + 5]) for i in range(len(tokens) - 4)}

    a, b = (naive(text) for text in seed_texts)
    naive_jaccard = len(a & b) / len(a | b)
    folded = compare(*seed_texts).jaccard
    assert naive_jaccard < 0.80 < folded  # folding is what makes the pair a near-duplicate
    assert folded - naive_jaccard > 0.08


def test_compare_files_on_the_seed_pair(seed_paths: tuple[Path, Path]) -> None:
    result = compare_files(*seed_paths)
    assert result.verdict == "near_duplicate"
    assert result.jaccard == pytest.approx(0.856, abs=0.0005)
    assert result.a == "000_79bc1770f18cd301.txt"
    assert result.shared_shingles == round(
        result.jaccard * (result.shingles_a + result.shingles_b - result.shared_shingles)
    )


# --- planted copies -----------------------------------------------------------------------


def _edit(text: str, rng: random.Random, changes: int) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"changed{rng.randrange(10**6)}"
    return " ".join(words)


@pytest.fixture
def planted(make_text: Callable[[int, int], str]) -> list[Document]:
    """40 random articles and 6 planted copies, in a shuffled but fixed order."""
    rng = random.Random(5)
    originals = [Document(f"orig{i:02d}", make_text(100 + i, 250)) for i in range(40)]
    texts = {d.id: d.text for d in originals}
    copies = [
        Document("copy03_edited", _edit(texts["orig03"], rng, 2)),
        Document("copy07_typography", texts["orig07"].upper().replace(".", " —")),
        Document("copy12_headline", "Breaking: a headline. " + texts["orig12"] + " © Agency"),
        # a chain: orig20 ~ copy20_a ~ copy20_b
        Document("copy20_a", _edit(texts["orig20"], rng, 3)),
        Document("copy20_b", _edit(texts["orig20"], rng, 3)),
        Document("copy31_edited", _edit(texts["orig31"], rng, 4)),
    ]
    docs = originals + copies
    rng.shuffle(docs)
    return docs


def _exact_pairs(docs: list[Document], config: Config) -> dict[tuple[str, str], float]:
    """Every pair at or above the threshold, by exact all-pairs comparison."""
    sets = [shingle_set(doc.text, config.ngram_size) for doc in docs]
    found = {}
    for i, j in itertools.combinations(range(len(docs)), 2):
        jaccard = similarity(sets[i], sets[j]).jaccard
        if jaccard >= config.threshold:
            found[(docs[i].id, docs[j].id)] = jaccard
    return found


def test_scan_finds_the_planted_copies(planted: list[Document]) -> None:
    config = Config(partial=False)
    result = scan(planted, config)
    found = {(p.a, p.b): p.jaccard for p in result.pairs}
    assert found == pytest.approx(_exact_pairs(planted, config))
    as_sets = {frozenset(key) for key in found}
    assert {
        frozenset({"orig03", "copy03_edited"}),
        frozenset({"orig07", "copy07_typography"}),
        frozenset({"orig12", "copy12_headline"}),
        frozenset({"orig20", "copy20_a"}),
        frozenset({"orig20", "copy20_b"}),
        frozenset({"copy20_a", "copy20_b"}),
        frozenset({"orig31", "copy31_edited"}),
    } == as_sets
    verdicts = {frozenset((p.a, p.b)): p.verdict for p in result.pairs}
    assert verdicts.pop(frozenset({"orig07", "copy07_typography"})) == "duplicate"
    assert set(verdicts.values()) == {"near_duplicate"}
    clusters = {frozenset(c.members) for c in result.clusters}
    assert frozenset({"orig20", "copy20_a", "copy20_b"}) in clusters
    assert len(clusters) == 5
    assert result.stats.documents == 46
    assert result.stats.kept == 46 - 11 + 5


def test_scan_writes_its_files(planted: list[Document], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = scan(planted, Config(partial=False), out=out)
    assert sorted(p.name for p in out.iterdir()) == [
        "alignments.jsonl",
        "clusters.jsonl",
        "deduplicated.jsonl",
        "pairs.jsonl",
        "summary.json",
    ]
    pairs = [json.loads(line) for line in (out / "pairs.jsonl").read_text().splitlines()]
    core = {"a", "b", "jaccard", "containment_a", "containment_b", "verdict"}
    assert [{k: v for k, v in p.items() if k in core} for p in pairs] == [
        p.to_dict() for p in result.pairs
    ]
    assert set(pairs[0]) == core | {"passages", "typography_only", "dropped_credits"}
    alignments = [json.loads(line) for line in (out / "alignments.jsonl").read_text().splitlines()]
    assert [(a["a"], a["b"]) for a in alignments] == [(p.a, p.b) for p in result.pairs]
    assert all(a["passages"] for a in alignments)
    clusters = [json.loads(line) for line in (out / "clusters.jsonl").read_text().splitlines()]
    assert [c["members"] for c in clusters] == [list(c.members) for c in result.clusters]
    assert all(c["size"] == len(c["members"]) for c in clusters)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stats"]["documents"] == 46
    assert summary["stats"]["pairs"] == len(result.pairs) == 7
    assert summary["stats"]["clusters"] == 5
    assert summary["stats"]["kept"] == 40
    assert summary["config"]["threshold"] == 0.8
    assert summary["config"]["ngram_size"] == 5

    kept = [json.loads(line) for line in (out / "deduplicated.jsonl").read_text().splitlines()]
    kept_ids = [record["id"] for record in kept]
    assert len(kept_ids) == 40
    for found in result.clusters:  # one document per cluster: its representative
        assert [m for m in found.members if m in kept_ids] == [found.representative]
    in_clusters = {m for c in result.clusters for m in c.members}
    representatives = {c.representative for c in result.clusters}
    expected = [d.id for d in planted if d.id not in in_clusters or d.id in representatives]
    assert kept_ids == expected  # in input order
    assert {r["id"]: r["text"] for r in kept} == {d.id: d.text for d in planted if d.id in kept_ids}

    # the deduplicated corpus can be scanned again, and has no pairs left
    again = scan(out / "deduplicated.jsonl", Config(partial=False))
    assert again.stats.documents == 40
    assert again.pairs == []
    assert again.stats.skipped == {}


def test_deduplicated_parquet_round_trips(planted: list[Document], tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    out = tmp_path / "out"
    scan(planted, Config(partial=False), out=out, dedup_format="parquet")
    assert (out / "deduplicated.parquet").is_file()
    assert not (out / "deduplicated.jsonl").exists()
    again = scan(out / "deduplicated.parquet", Config(partial=False))
    assert again.stats.documents == 40
    assert again.pairs == []


@pytest.mark.parametrize("dedup_format", ["jsonl", "parquet"])
def test_a_scan_that_fails_at_its_end_leaves_the_last_output_as_it_was(
    planted: list[Document], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dedup_format: str
) -> None:
    # the deduplicated corpus is written before the scan ends (while the last pairs are
    # explained): it must appear only with the rest, so a later failure keeps the old one
    out = tmp_path / "out"
    name = f"deduplicated.{dedup_format}"
    scan(planted[:4], out=out, dedup_format=dedup_format)
    before = (out / name).read_bytes()
    alignments = (out / "alignments.jsonl").read_bytes()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(copytrace.report, "write_scan", broken)
    with pytest.raises(OSError, match="disk full"):
        scan(planted, out=out, dedup_format=dedup_format)
    assert (out / name).read_bytes() == before
    assert (out / "alignments.jsonl").read_bytes() == alignments  # streamed, yet not placed
    assert not [path.name for path in out.iterdir() if path.name.startswith(".")]
    monkeypatch.undo()
    result = scan(planted, out=out, dedup_format=dedup_format)
    assert (out / name).read_bytes() != before
    assert (out / "alignments.jsonl").read_bytes() != alignments
    assert result.stats.kept < len(planted)


def test_a_failed_scan_removes_the_output_folders_it_made(
    planted: list[Document], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(copytrace.report, "write_scan", broken)
    with pytest.raises(OSError, match="disk full"):
        scan(planted[:4], out=tmp_path / "new" / "out")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()  # a folder that was there before is left in place
    with pytest.raises(OSError, match="disk full"):
        scan(planted[:4], out=tmp_path / "kept" / "out")
    assert [path.name for path in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []


def test_scan_into_a_file_fails_before_reading(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")

    def never() -> Iterator[Document]:
        raise AssertionError("the input was read before the output folder was checked")
        yield  # a generator

    with pytest.raises(OutputError, match=r"the output folder .*taken is a file"):
        scan(never(), out=tmp_path / "taken")
    with pytest.raises(OutputError, match=r"cannot write in the output folder .*: Not a directory"):
        scan(never(), out=tmp_path / "taken" / "out")


def test_scan_keeps_metadata_in_the_deduplicated_corpus(tmp_path: Path) -> None:
    text = "one two three four five six seven eight nine ten eleven twelve"
    docs = [
        Document("late", text, {"date": "2024-03-28", "site": "b"}),
        Document("early", text + " thirteen", {"date": "2024-03-27", "site": "a"}),
    ]
    result = scan(docs, Config(threshold=0.5), out=tmp_path)
    assert result.clusters[0].representative == "early"
    assert result.clusters[0].reason.startswith("earliest date (2024-03-27T00:00:00+00:00, date in")
    (kept,) = [json.loads(x) for x in (tmp_path / "deduplicated.jsonl").read_text().splitlines()]
    assert kept == {"id": "early", "text": text + " thirteen", "date": "2024-03-27", "site": "a"}


def test_scan_is_deterministic(planted: list[Document]) -> None:
    first = scan(planted)
    second = scan(list(planted))
    assert first.pairs == second.pairs
    assert first.clusters == second.clusters
    assert [p.to_dict() for p in first.pairs] == [p.to_dict() for p in second.pairs]


def test_two_processes_give_what_one_gives(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # real news (BBC, with its identical and near-identical articles) in many small batches,
    # most of them fingerprinted and all pairs explained by a pool of two processes, which
    # also write the documents' lines that the deduplicated corpus is copied from
    docs = data_dir / "bbc" / "docs.jsonl"
    if not docs.is_file():
        pytest.skip(f"{docs} not found")
    monkeypatch.setattr(batches, "BATCH_BYTES", 50_000)
    monkeypatch.setattr(pipeline, "PARALLEL_FROM_PAIRS", 10)
    monkeypatch.setattr(pipeline, "EXPLAIN_CHUNK", 16)
    one = scan(docs, Config(workers=1), out=tmp_path / "one")
    two = scan(docs, Config(workers=2), out=tmp_path / "two")
    assert one.stats.documents == two.stats.documents == 2225
    assert len(one.pairs) > 200
    assert one.pairs == two.pairs
    assert one.clusters == two.clusters
    assert [e.to_dict() for e in one.explanations] == [e.to_dict() for e in two.explanations]
    assert one.summaries == two.summaries
    for name in ("pairs", "alignments", "clusters", "deduplicated"):
        written = (tmp_path / "one" / f"{name}.jsonl").read_bytes()
        assert written == (tmp_path / "two" / f"{name}.jsonl").read_bytes()
        assert written.count(b"\n") > 100


def test_the_spills_give_back_each_documents_text_and_shingles(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # real news fingerprinted by a pool of two, so that the shingles lie in two files (the
    # texts in the input, their lines standing as they are); asked for in a random order,
    # with a document asked for twice, and the shingles read both where they lie in the
    # mapped files and copied out of them
    path = data_dir / "bbc" / "docs.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    monkeypatch.setattr(batches, "BATCH_BYTES", 50_000)
    config, skips = Config(workers=2), SkipLog()
    with ShingleSpill() as spill:
        prints = FingerprintSpill(25, 5)
        try:
            read = batches.fingerprint_documents([path], config, skips, spill, prints)
            assert len(list(spill.folder.glob("shingles-*"))) == 2
            wanted = np.random.default_rng(0).permutation(len(read))[:400]
            wanted = np.append(wanted, wanted[0])
            read_back = {}
            for mapped_up_to in (spill.nbytes(), spill.nbytes() - 1):  # mapped, then copied
                monkeypatch.setattr(spill_module, "MAPPED_UP_TO", mapped_up_to)
                with spill.blocks(wanted) as where:
                    read_back[mapped_up_to] = [
                        where.sources[where.files[i]][where.starts[i] : where.ends[i]].tolist()
                        for i in range(wanted.shape[0])
                    ]
                    if mapped_up_to == spill.nbytes():  # the documents lie in both files
                        assert len(set(where.files.tolist())) == 2
                spill._maps = None  # (mapped once for the spill's life: mapped no more)
        finally:
            prints.close()
    blocks, copied = read_back.values()
    assert blocks == copied
    # texts read together, from the two files, in order or not, equal texts read one by one
    in_order = list(read)
    assert [doc.text for doc in in_order] == [read.text(i) for i in range(len(read))]
    assert [doc.id for doc in in_order] == read.ids
    scattered = [doc.text for doc in read.documents(wanted.tolist())]
    assert scattered == [read.text(i) for i in wanted.tolist()]
    for index, unique in zip(wanted.tolist(), blocks, strict=True):
        expected = ordered_shingles(read[index].text, config.ngram_size)
        assert unique == np.unique(expected).tolist()
    # lines copied from the spill are the documents' own lines in the input, byte for byte,
    # whether they follow on in their file (every document but some, in order) or not
    # (scattered, one repeated)
    given = {json.loads(line)["id"]: line for line in path.read_bytes().splitlines(True)}
    some = np.flatnonzero(np.arange(len(read)) % 7 != 3)
    for rows in (some, wanted, np.arange(0), np.arange(len(read))):
        copied_lines = io.BytesIO()
        read.copy_lines(rows, copied_lines)
        expected_lines = b"".join(given[read.ids[row]] for row in rows.tolist())
        assert copied_lines.getvalue() == expected_lines
    assert len(expected_lines.splitlines()) == len(read) > 1000


def test_a_scan_with_other_field_names_writes_its_corpus_with_them(tmp_path: Path) -> None:
    # the spill holds each document's line with the scan's field names: the deduplicated
    # corpus is those lines, and a result written with other names is written record by record
    records = [
        {"url": f"u{n}", "body": f"Story number {n} about the harbour and the council.", "n": n}
        for n in range(5)
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    config = Config(id_field="url", text_field="body")
    result = scan(path, config, out=tmp_path / "out")
    written = (tmp_path / "out" / "deduplicated.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in written] == records
    result = dataclasses.replace(result, config=Config())
    write_scan(result, tmp_path / "plain")
    written = (tmp_path / "plain" / "deduplicated.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in written] == [
        {"id": r["url"], "text": r["body"], "n": r["n"]} for r in records
    ]


def test_scan_files_and_documents_agree(planted: list[Document], tmp_path: Path) -> None:
    path = tmp_path / "planted.jsonl"
    path.write_text(
        "".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in planted),
        encoding="utf-8",
    )
    assert scan(path).pairs == scan(planted).pairs
    assert scan([str(path)]).pairs == scan(planted).pairs


def test_scan_of_nothing(tmp_path: Path) -> None:
    result = scan([], out=tmp_path / "out")
    assert result.pairs == []
    assert result.clusters == []
    assert result.stats.documents == 0
    assert (tmp_path / "out" / "pairs.jsonl").read_text() == ""


def test_scan_rejects_an_unknown_dedup_format(planted: list[Document], tmp_path: Path) -> None:
    with pytest.raises(copytrace.ConfigError, match="dedup format"):
        scan(planted, out=tmp_path, dedup_format="csv")


def test_scan_finds_the_labelled_duplicates_of_real_news(data_dir: Path) -> None:
    # BBC News 2004-05: 137 labelled pairs of identical bodies (see shared/data/README.md)
    docs = data_dir / "bbc" / "docs.jsonl"
    labels = data_dir / "bbc" / "exact_dup_groups.jsonl"
    if not docs.is_file() or not labels.is_file():
        pytest.skip(f"{docs.parent} not found")
    result = scan(docs, Config(partial=False))
    assert result.stats.skipped == {}
    found = {frozenset((p.a, p.b)): p.verdict for p in result.pairs}
    groups = [json.loads(line)["ids"] for line in labels.read_text().splitlines()]
    labelled = [frozenset(pair) for g in groups for pair in itertools.combinations(g, 2)]
    assert len(labelled) >= 137
    assert all(found.get(pair) == "duplicate" for pair in labelled)
    # a duplicate verdict means identical once folded, never merely similar
    texts = {d.id: d.text for d in result.documents}
    for pair in result.pairs:
        identical = words(texts[pair.a]) == words(texts[pair.b])
        assert identical == (pair.verdict == "duplicate"), (pair.a, pair.b)


# --- compare ------------------------------------------------------------------------------


def test_compare_verdicts(make_text: Callable[[int, int], str]) -> None:
    base = make_text(1, 300)
    rng = random.Random(2)
    assert compare(base, base.upper().replace(".", " –")).verdict == "duplicate"
    near = compare(base, _edit(base, rng, 3))
    assert near.verdict == "near_duplicate"
    assert near.jaccard >= 0.8
    passage = " ".join(base.split()[50:150])  # 100 words of base inside another text
    partial = compare(base, f"{make_text(3, 200)} {passage} {make_text(4, 200)}")
    assert partial.verdict == "partial"
    assert partial.jaccard < 0.8
    different = compare(base, make_text(5, 300))
    assert different.verdict == "different"
    assert different.jaccard < 0.05


def test_compare_edge_cases() -> None:
    empty = compare("", "")
    assert (empty.verdict, empty.jaccard, empty.shingles_a) == ("different", 0.0, 0)
    assert compare("", "some words").verdict == "different"
    short = compare("Hello, world!", "hello world")  # shorter than one shingle: one shingle
    assert (short.verdict, short.jaccard, short.shingles_a) == ("duplicate", 1.0, 1)


def test_compare_takes_documents_and_config() -> None:
    a = Document("left", "alpha beta gamma delta epsilon zeta")
    b = Document("right", "alpha beta gamma delta epsilon eta")
    result = compare(a, b, Config(ngram_size=1, threshold=0.7))
    assert (result.a, result.b) == ("left", "right")
    assert result.jaccard == pytest.approx(5 / 7)
    assert result.verdict == "near_duplicate"
    assert (result.ngram_size, result.threshold) == (1, 0.7)
    assert compare(a, b, Config(ngram_size=1, threshold=0.75)).verdict != "near_duplicate"


# --- known bugs ---------------------------------------------------------------------------


# Regression (fixed):: clusters are built from every verified
# pair, partial ones included, and the deduplicated corpus keeps one document per cluster. So
# with the default Config (partial=True) an article that merely quotes an 80-word passage of
# another (Jaccard 0.08, verdict "partial") is merged with it and one of the two is dropped
# from deduplicated.jsonl. Near-duplicate removal should cluster duplicate/near_duplicate
# pairs only.
def test_a_partial_copy_does_not_remove_a_document(make_text: Callable[[int, int], str]) -> None:
    source = make_text(1, 400)
    passage = " ".join(source.split()[100:180])
    quoting = f"{make_text(2, 300)} {passage} {make_text(3, 300)}"
    result = scan([Document("source", source), Document("quoting", quoting)])
    assert [p.verdict for p in result.pairs] == ["partial"]  # found, and reported...
    assert [d.id for d in result.kept_documents()] == ["source", "quoting"]  # ...but both kept


def test_the_deduplicated_corpus_keeps_what_json_lines_can_hold(tmp_path: Path) -> None:
    # values orjson refuses or would read differently: an integer beyond 64 bits, a float,
    # lone surrogates (escaped in the input), non-ASCII text; written back exactly
    record = {
        "id": "odd",
        "text": "Café owners met the mayor on Tuesday \ud800 to discuss the harbour plan.",
        "big": 123456789012345678901234567890,
        "score": 0.25,
        "note": "\udfff and ünïcode",
    }
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="ascii")
    scan(path, out=tmp_path / "out")
    (line,) = (tmp_path / "out" / "deduplicated.jsonl").read_bytes().splitlines()
    assert json.loads(line) == record


def test_many_identical_documents_are_paired_as_a_star(seed_texts: tuple[str, str]) -> None:
    """70 copies of one story (as a crawl holds of a syndicated page) make 69 pairs with the
    first, not 2,415; its near copy and a text quoting it are still found, paired with the
    first, and all of them are one cluster."""
    story = seed_texts[0]
    copies = [Document(f"copy-{n:02d}", story) for n in range(STAR_FROM + 6)]
    near = Document("near", seed_texts[1])
    body = story[story.index("Sources") :]
    quoting = Document("quoting", "An unrelated opening about the weather. " * 5 + body[:1500])
    result = scan([*copies, near, quoting], Config())
    found = {(pair.a, pair.b): pair.verdict for pair in result.pairs}
    first = copies[0].id
    assert {pair for pair, verdict in found.items() if verdict == "duplicate"} == {
        (first, copy.id) for copy in copies[1:]
    }
    assert {pair: verdict for pair, verdict in found.items() if verdict != "duplicate"} == {
        (first, "near"): "near_duplicate",
        (first, "quoting"): "partial",
        ("near", "quoting"): "partial",
    }
    (note,) = result.stats.notes
    assert f"{len(copies)} documents in 1 group of more than {STAR_FROM}" in note
    assert f"({len(copies) - 1} pairs instead of {len(copies) * (len(copies) - 1) // 2:,})" in note
    (whole,) = result.clusters
    assert set(whole.members) == {copy.id for copy in copies} | {"near"}


def test_pages_of_one_template_are_paired_as_a_star(seed_texts: tuple[str, str]) -> None:
    """A site's pages that differ in a line (an archive's pages of one template) share LSH
    buckets by the hundred: each bucket's first page is paired with the others (199 pairs,
    not 19,900), and they are one cluster."""
    story = seed_texts[0]
    pages = [
        Document(f"page-{n:03d}", f"Archive page {n}. {story} Item number {n * 7919 % 10007}.")
        for n in range(200)
    ]
    result = scan(pages, Config())
    assert {pair.a for pair in result.pairs} == {"page-000"}
    assert len(result.pairs) == len(pages) - 1
    assert any(f"share LSH buckets of more than {STAR_FROM}" in note for note in result.stats.notes)
    (whole,) = result.clusters
    assert len(whole.members) == len(pages)


#: makes the three work folders of a scan in sys.argv[1], says so, then waits to be killed
_HOLD_FOLDERS = """
import sys
from copytrace.spill import DocumentSpill, FingerprintSpill, ShingleSpill
from copytrace.config import Config
spills = [ShingleSpill(sys.argv[1]), FingerprintSpill(25, 5, sys.argv[1]),
          DocumentSpill(Config(), sys.argv[1])]
print("made", flush=True)
sys.stdin.read()
"""


def test_a_killed_scans_work_folders_are_removed_by_the_next_and_no_others(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import subprocess
    import sys

    def holder() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLD_FOLDERS, str(tmp_path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline() == "made\n"
        return process

    killed = holder()
    killed_folders = set(tmp_path.iterdir())
    killed.send_signal(signal.SIGKILL)  # as the out-of-memory killer: no clean-up runs
    killed.wait()
    assert len(killed_folders) == 3 and set(tmp_path.iterdir()) == killed_folders
    alive = holder()  # its first folder removes the killed scan's
    alive_folders = set(tmp_path.iterdir())
    assert len(alive_folders) == 3 and not alive_folders & killed_folders
    older = tmp_path / f"copytrace-texts-{os.getpid()}-0123456789ab"  # made with no lock
    older.mkdir()
    unrelated = tmp_path / "copytrace-notes"
    unrelated.mkdir()
    try:
        spill = ShingleSpill(tmp_path)
        assert set(tmp_path.iterdir()) == alive_folders | {older, unrelated, spill.folder}
        spill.close()
    finally:
        assert alive.stdin is not None
        alive.stdin.close()
        alive.wait(timeout=30)
    assert set(tmp_path.iterdir()) == {older, unrelated}  # the living one removed its own


def test_the_deduplicated_corpus_holds_each_record_as_given_where_it_can_stand_as_it_is(
    tmp_path: Path, make_text: Callable[[int, int], str]
) -> None:
    # byte for byte: a record of a plain file whose id it gives as a string (its spacing,
    # its key order, its numbers as written; a Windows line end too); written again from
    # the document: a record whose id is made up (none given) or converted (a number), the
    # first record after a byte order mark, a last line with no newline, and every record
    # of a compressed file
    import gzip

    texts = [make_text(seed, 60) for seed in range(7)]
    given = [
        b'\xef\xbb\xbf{"id": "bom", "text": %s}\n',
        b'{ "text" : %s , "id":"spaced", "score": 1.50 }\n',
        b'{"text": %s}\n',
        b'{"id": 7, "text": %s}\n',
        b'{"id": "crlf", "text": %s}\r\n',
        b'{"id": "last", "text": %s}',
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(
        b"".join(line % json.dumps(text).encode() for line, text in zip(given, texts, strict=False))
    )
    packed = tmp_path / "packed.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"id": "gz", "text": %s}\n' % json.dumps(texts[6]).encode()))
    result = scan([corpus, packed], out=tmp_path / "out")
    assert result.stats.documents == 7 and not result.pairs
    lines = (tmp_path / "out" / "deduplicated.jsonl").read_bytes().splitlines(True)
    original = corpus.read_bytes().splitlines(True)
    by_id = {doc.id: doc for doc in result.documents}
    config = Config()
    assert lines == [
        document_line(by_id["bom"], config),
        original[1],
        document_line(by_id["corpus.jsonl:3"], config),
        document_line(by_id["7"], config),
        original[4],
        document_line(by_id["last"], config),
        document_line(by_id["gz"], config),
    ]
    assert original[4].endswith(b"\r\n") and b'"score": 1.50' in original[1]
