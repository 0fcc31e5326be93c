"""verify, cluster and dates: exact similarity, verdicts, components and representatives."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace import verify as verify_module
from copytrace.cluster import choose_representative, cluster, components
from copytrace.config import DEFAULT_DATE_FIELDS, Config
from copytrace.dates import document_date, parse_date
from copytrace.fingerprint import (
    Fingerprint,
    Permutations,
    fingerprint_batch,
    fingerprint_text,
    ordered_shingles,
    ordered_shingles_of,
)
from copytrace.model import Document, Pair
from copytrace.timeline import capture_date
from copytrace.verify import in_memory, shingle_blocks, similarity, verify

# --- exact similarity ---------------------------------------------------------------------

_hash_sets = st.sets(st.integers(0, 2**64 - 1), max_size=60)


def _array(values: set[int]) -> np.ndarray:
    return np.array(sorted(values), dtype=np.uint64)


@settings(max_examples=200, deadline=None)
@given(_hash_sets, _hash_sets, st.sets(st.integers(0, 2**64 - 1), max_size=30))
def test_similarity_matches_set_arithmetic(a: set[int], b: set[int], common: set[int]) -> None:
    a, b = a | common, b | common  # make overlaps likely
    sim = similarity(_array(a), _array(b))
    shared = len(a & b)
    assert sim.shared == shared
    if not a or not b:
        assert sim == (0.0, 0.0, 0.0, 0)
        return
    assert sim.jaccard == pytest.approx(shared / len(a | b))
    assert sim.containment_a == pytest.approx(shared / len(a))
    assert sim.containment_b == pytest.approx(shared / len(b))


def test_similarity_of_extreme_hash_values() -> None:
    # the largest uint64 must not be lost to the searchsorted edge case
    top = 2**64 - 1
    sim = similarity(_array({0, top}), _array({top}))
    assert sim.shared == 1
    assert sim.jaccard == 0.5
    assert similarity(_array({top}), _array({0, 1})).shared == 0


# --- verify -------------------------------------------------------------------------------


def _fingerprints(texts: list[str], config: Config) -> list[Fingerprint]:
    permutations = Permutations.from_seed(config.num_perm, config.seed)
    return [fingerprint_text(text, config, permutations) for text in texts]


def _verify(
    texts: list[str], lefts: Sequence[int], rights: Sequence[int], ids: list[str], config: Config
) -> list[Pair]:
    batch = fingerprint_batch(texts, config, Permutations.from_seed(config.num_perm, config.seed))
    left = np.asarray(lefts, dtype=np.int64)
    right = np.asarray(rights, dtype=np.int64)

    blocks = shingle_blocks(
        [np.unique(ordered_shingles(text, config.ngram_size)) for text in texts]
    )
    asked: list[list[int]] = []

    def ordered(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        asked.append(rows.tolist())
        return ordered_shingles_of([texts[row] for row in rows.tolist()], config.ngram_size)

    pairs = list(verify(left, right, batch, ids, in_memory(blocks), ordered, config))
    # texts are shingled again only where a passage is measured, each once
    assert all(rows == sorted(set(rows)) for rows in asked)
    if not config.partial:
        assert asked == []
    return pairs


def _edit(text: str, rng: random.Random, changes: int) -> str:
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = f"edit{rng.randrange(10**6)}"
    return " ".join(words)


def test_verify_keeps_pairs_at_or_above_the_threshold(make_text: Callable[[int, int], str]) -> None:
    config = Config(threshold=0.8, partial=False)
    rng = random.Random(1)
    base = make_text(1, 400)
    texts = [
        base,
        _edit(base, rng, 2),  # near duplicate
        base.upper().replace(".", " –"),  # identical once folded
        _edit(base, rng, 40),  # too many edits
        make_text(2, 400),  # unrelated
        _edit(make_text(2, 400), rng, 1),
    ]
    ids = [f"d{i}" for i in range(len(texts))]
    prints = _fingerprints(texts, config)
    lefts, rights = zip(*itertools.combinations(range(len(texts)), 2), strict=True)
    pairs = _verify(texts, lefts, rights, ids, config)

    expected = {}
    for i, j in zip(lefts, rights, strict=True):
        jaccard = similarity(prints[i].shingles, prints[j].shingles).jaccard
        if jaccard >= config.threshold:
            expected[(ids[i], ids[j])] = jaccard
    assert {(p.a, p.b): p.jaccard for p in pairs} == expected
    assert {(p.a, p.b) for p in pairs} >= {("d0", "d1"), ("d0", "d2"), ("d4", "d5")}
    assert ("d0", "d3") not in expected
    verdicts = {(p.a, p.b): p.verdict for p in pairs}
    assert verdicts[("d0", "d2")] == "duplicate"
    assert verdicts[("d0", "d1")] == "near_duplicate"
    assert verdicts[("d1", "d2")] == "near_duplicate"
    assert verdicts[("d4", "d5")] == "near_duplicate"
    for pair in pairs:
        assert 0.8 <= pair.jaccard <= 1.0
        if pair.verdict == "duplicate":
            assert pair.jaccard == 1.0


def test_chunks_grow_from_the_first_and_cover_every_candidate() -> None:
    bounds = list(verify_module.chunk_bounds(100_000))
    assert bounds[0] == (0, verify_module.FIRST_CHUNK_PAIRS)
    assert all(end == first for (_, end), (first, _) in itertools.pairwise(bounds))
    assert bounds[-1][1] == 100_000
    sizes = [end - first for first, end in bounds]
    assert sizes[:6] == [512, 1_024, 2_048, 4_096, 8_192, 16_384]
    assert max(sizes) == verify_module.CHUNK_PAIRS
    assert list(verify_module.chunk_bounds(0)) == []
    assert list(verify_module.chunk_bounds(5)) == [(0, 5)]


def test_verified_pairs_do_not_depend_on_the_chunks(
    make_text: Callable[[int, int], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    base, other = make_text(5, 300), make_text(6, 300)
    texts = [base, _edit(base, rng, 2), other, _edit(other, rng, 3), base, other + " " + base]
    ids = [f"d{i}" for i in range(len(texts))]
    lefts, rights = zip(*itertools.combinations(range(len(texts)), 2), strict=True)
    whole = _verify(texts, lefts, rights, ids, Config())
    monkeypatch.setattr(verify_module, "FIRST_CHUNK_PAIRS", 1)
    monkeypatch.setattr(verify_module, "CHUNK_PAIRS", 3)
    assert _verify(texts, lefts, rights, ids, Config()) == whole
    assert {pair.verdict for pair in whole} == {"duplicate", "near_duplicate", "partial"}


def test_equal_shingle_sets_are_not_a_duplicate_unless_the_words_are_equal() -> None:
    # "x x x x x x" and "x x x x x" have the same single 5-word shingle, but different text
    config = Config(partial=False)
    pairs = _verify(
        ["x x x x x x", "x x x x x", "X, x x x x!"], [0, 1], [1, 2], ["a", "b", "c"], config
    )
    assert [(p.a, p.b, p.jaccard, p.verdict) for p in pairs] == [
        ("a", "b", 1.0, "near_duplicate"),
        ("b", "c", 1.0, "duplicate"),
    ]


def test_verify_reports_a_shared_passage_as_partial(make_text: Callable[[int, int], str]) -> None:
    source = make_text(10, 400)
    passage = " ".join(source.split()[100:180])  # 80 words
    quoting = f"{make_text(11, 150)} {passage} {make_text(12, 150)}"
    texts = [source, quoting]
    config = Config(min_passage_words=50)
    pairs = _verify(texts, [0], [1], ["source", "quoting"], config)
    assert len(pairs) == 1
    assert pairs[0].verdict == "partial"
    assert pairs[0].jaccard < config.threshold
    # without partial copies the pair is not kept
    assert _verify(texts, [0], [1], ["s", "q"], config.with_(partial=False)) == []
    # a passage shorter than min_passage_words is not a partial copy
    assert _verify(texts, [0], [1], ["s", "q"], config.with_(min_passage_words=120)) == []


def test_shared_shingles_scattered_over_short_passages_are_not_a_partial_copy(
    make_text: Callable[[int, int], str],
) -> None:
    # four 30-word passages of the source, each between unrelated text: 104 shared shingles,
    # enough for a 50-word passage to be looked for, but no shared run of 50 words; each
    # side's passage is measured against the other side's set
    source = make_text(20, 400)
    words = source.split()
    parts = [" ".join(words[start : start + 30]) for start in (0, 100, 200, 300)]
    mixed = " ".join(f"{make_text(21 + n, 40)} {part}" for n, part in enumerate(parts))
    config = Config(min_passage_words=50)
    for texts in ([source, mixed], [mixed, source]):
        assert _verify(texts, [0], [1], ["a", "b"], config) == []
        # with passages of 30 words, the same pair is a partial copy
        (pair,) = _verify(texts, [0], [1], ["a", "b"], config.with_(min_passage_words=30))
        assert pair.verdict == "partial"


# --- components and clusters --------------------------------------------------------------


def test_components_of_a_small_graph() -> None:
    edges = [(5, 4), (0, 1), (2, 1), (7, 3), (6, 6), (1, 0)]
    assert components(9, edges) == [[0, 1, 2], [3, 7], [4, 5]]
    assert components(3, []) == []


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(
            st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
        )
    )
)
def test_components_match_a_graph_search(graph: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = graph
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[int] = set()
    expected = []
    for start in range(n):
        if start in seen:
            continue
        stack, group = [start], set()
        while stack:
            node = stack.pop()
            if node not in group:
                group.add(node)
                stack.extend(neighbours[node])
        seen |= group
        if len(group) > 1:
            expected.append(sorted(group))
    assert components(n, edges) == expected


def _pair(a: str, b: str) -> Pair:
    return Pair(a, b, 0.9, 0.9, 0.9, "near_duplicate")


def _dates(metas: list[dict[str, object]]) -> list[tuple[datetime, str] | None]:
    return [
        capture_date(Document(str(i), "text", m), DEFAULT_DATE_FIELDS) for i, m in enumerate(metas)
    ]


def test_cluster_numbers_and_orders_members_by_first_seen() -> None:
    ids = ["e", "d", "c", "b", "a", "z"]
    pairs = [_pair("a", "b"), _pair("d", "b"), _pair("c", "e")]
    lengths = [10, 20, 30, 40, 50, 60]
    docs = [Document(doc_id, "some text") for doc_id in ids]
    found = cluster(docs, pairs, lengths, "first", DEFAULT_DATE_FIELDS)
    assert [(c.id, c.members, c.representative) for c in found] == [
        (0, ("e", "c"), "e"),
        (1, ("d", "b", "a"), "d"),
    ]
    assert all(c.policy == "first" and c.reason == "first seen" for c in found)
    longest = cluster(docs, pairs, lengths, "longest", DEFAULT_DATE_FIELDS)
    assert [c.representative for c in longest] == ["c", "a"]
    assert longest[1].reason == "longest (50 words)"


def _choose(policy: str, metas: list[dict[str, object]], lengths: list[int] | None = None) -> str:
    names = "abcdefgh"[: len(metas)]
    members = list(range(len(metas)))
    chosen, _ = choose_representative(members, policy, lengths or [100] * len(metas), _dates(metas))
    return names[chosen]


def test_earliest_compares_dates_across_formats_and_time_zones() -> None:
    metas: list[dict[str, object]] = [
        {"date": "2024-03-27T11:29:00Z"},
        {"published": "Wed, 27 Mar 2024 10:00:00 +0000"},
        {"date": "2024-03-27T11:00:00+02:00"},  # 09:00 UTC: the earliest
        {"crawl_date": 1711538940},  # epoch seconds: 11:29 UTC
        {"date": "27 Mar 2024 09:30"},
    ]
    assert _choose("earliest", metas) == "c"
    _, reason = choose_representative([0, 1, 2, 3, 4], "earliest", [1] * 5, _dates(metas))
    assert reason == (
        "earliest date (2024-03-27T09:00:00+00:00, date in metadata: 2024-03-27T11:00:00+02:00)"
    )


def test_earliest_prefers_dated_members_and_skips_junk_dates() -> None:
    metas: list[dict[str, object]] = [
        {},  # no date: loses to any dated member even though it is longest
        {"date": "not a date", "crawl_date": "27 Mar 2024"},  # junk date, then crawl_date
        {"date": "2024-04-01"},
    ]
    assert _choose("earliest", metas, [1000, 10, 10]) == "b"


def test_earliest_ties_go_to_the_first_seen() -> None:
    metas: list[dict[str, object]] = [{}, {"date": "2024-03-27"}, {"date": "2024-03-27T00:00Z"}]
    assert _choose("earliest", metas) == "b"


def test_earliest_without_dates_falls_back_to_longest_then_first() -> None:
    metas: list[dict[str, object]] = [{}, {"date": "junk"}, {}]
    assert _choose("earliest", metas, [10, 30, 30]) == "b"
    chosen, reason = choose_representative([0, 1, 2], "earliest", [10, 30, 30], _dates(metas))
    assert (chosen, reason) == (1, "no dates; longest (30 words)")


def test_longest_and_first_policies_ignore_dates() -> None:
    metas: list[dict[str, object]] = [{"date": "2030-01-01"}, {"date": "2000-01-01"}, {}]
    assert _choose("longest", metas, [5, 7, 9]) == "c"
    assert _choose("longest", metas, [9, 7, 9]) == "a"
    assert _choose("first", metas, [5, 7, 9]) == "a"


# --- dates --------------------------------------------------------------------------------


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-27", _utc(2024, 3, 27)),
        ("2024-03-27T11:29:00", _utc(2024, 3, 27, 11, 29)),  # naive: taken as UTC
        ("2024-03-27T11:29:00Z", _utc(2024, 3, 27, 11, 29)),
        ("2024-03-27T11:29:00.250Z", datetime(2024, 3, 27, 11, 29, 0, 250000, tzinfo=UTC)),
        ("2024-03-27T13:29:00+02:00", _utc(2024, 3, 27, 11, 29)),
        ("2024-03-27 11:29", _utc(2024, 3, 27, 11, 29)),
        ("  2024-03-27  ", _utc(2024, 3, 27)),
        ("Wed, 27 Mar 2024 11:29:00 GMT", _utc(2024, 3, 27, 11, 29)),
        ("Wed, 27 Mar 2024 13:29:00 +0200", _utc(2024, 3, 27, 11, 29)),
        ("27 Mar 2024", _utc(2024, 3, 27)),
        ("27 March 2024", _utc(2024, 3, 27)),
        ("27 Mar, 2024 11:29", _utc(2024, 3, 27, 11, 29)),  # the seed's dateline
        ("March 27, 2024", _utc(2024, 3, 27)),
        ("March 27, 2024 11:29", _utc(2024, 3, 27, 11, 29)),
        ("2024/03/27", _utc(2024, 3, 27)),
        ("27.03.2024", _utc(2024, 3, 27)),
        ("20240327112900", _utc(2024, 3, 27, 11, 29)),
        (1711538940, _utc(2024, 3, 27, 11, 29)),  # epoch seconds
        (1711538940.5, datetime(2024, 3, 27, 11, 29, 0, 500000, tzinfo=UTC)),
        (1711538940000, _utc(2024, 3, 27, 11, 29)),  # epoch milliseconds
        (0, _utc(1970, 1, 1)),
        (datetime(2024, 3, 27, 11, 29), _utc(2024, 3, 27, 11, 29)),
        (
            datetime(2024, 3, 27, 13, 29, tzinfo=timezone(timedelta(hours=2))),
            _utc(2024, 3, 27, 11, 29),
        ),
    ],
)
def test_parse_date(value: object, expected: datetime) -> None:
    parsed = parse_date(value)
    assert parsed == expected
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "junk",
        "",
        "   ",
        "yesterday",
        "2024-13-45",
        "32 Mar 2024",
        "12",
        None,
        True,
        False,
        [],
        {"date": "2024-03-27"},
        float("nan"),
        float("inf"),
        10**30,
    ],
)
def test_parse_date_rejects_what_is_not_a_date(value: object) -> None:
    assert parse_date(value) is None


def test_document_date_tries_fields_in_order() -> None:
    meta = {"date": "junk", "published": "2024-03-27", "crawl_date": "2020-01-01"}
    assert document_date(meta, ("date", "published", "crawl_date")) == (
        _utc(2024, 3, 27),
        "published",
    )
    assert document_date(meta, ("crawl_date", "published")) == (_utc(2020, 1, 1), "crawl_date")
    assert document_date({}, DEFAULT_DATE_FIELDS) is None
    assert document_date(meta, ("date",)) is None


# Regression (fixed):: an epoch timestamp held in a string, as every CSV
# column and many JSON feeds give it, is read by the "%Y%m%d%H%M%S" format as digits of a
# date: parse_date("1711538940") returns 1711-05-03 08:09:40 UTC instead of 2024-03-27 11:29
# (or None), so the "earliest" policy picks a wrong representative.
def test_epoch_seconds_in_a_string_is_not_year_1711() -> None:
    assert parse_date("1711538940") in (None, _utc(2024, 3, 27, 11, 29))


# Regression (fixed):: a datetime.date (what pyarrow gives for a Parquet
# date32/date64 column) is neither a datetime, a number nor a string, so it returns None and
# the document counts as undated.
def test_parse_date_accepts_a_date() -> None:
    assert parse_date(date(2024, 3, 27)) == _utc(2024, 3, 27)
