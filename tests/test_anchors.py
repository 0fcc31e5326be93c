"""anchors: every shared passage of min_passage_words words is a candidate; short runs are not."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from copytrace.anchors import anchor_pairs, anchor_span, anchor_window, winnow_batch
from copytrace.fingerprint import _shingle_batch

VOCABULARY = [f"w{i}" for i in range(5000)]


def _candidates(texts: list[str], min_words: int = 50, k: int = 5, max_df: int = 50) -> set:
    shingles, owners, _, _, _ = _shingle_batch(texts, k)
    cuts = np.searchsorted(owners, np.arange(len(texts) + 1))
    hashes, anchor_owners, positions = winnow_batch(shingles, cuts, anchor_window(min_words, k))
    join = anchor_pairs(
        hashes, anchor_owners, positions, len(texts), max_df, anchor_span(min_words, k)
    )
    assert join.max_df == max_df  # these small corpora are well within the join's budget
    return set(zip(join.lefts.tolist(), join.rights.tolist(), strict=True))


def _words(rng: random.Random, n: int) -> list[str]:
    return rng.choices(VOCABULARY, k=n)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    length=st.integers(50, 120),
    before_a=st.integers(0, 200),
    before_b=st.integers(0, 200),
)
def test_a_shared_passage_of_min_words_is_always_a_candidate(
    seed: int, length: int, before_a: int, before_b: int
) -> None:
    rng = random.Random(seed)
    passage = _words(rng, length)
    a = _words(rng, before_a) + passage + _words(rng, 60)
    b = _words(rng, before_b) + passage + _words(rng, 30)
    assert (0, 1) in _candidates([" ".join(a), " ".join(b), " ".join(_words(rng, 100))])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), edits=st.integers(1, 3))
def test_a_passage_with_a_few_edits_is_still_a_candidate(seed: int, edits: int) -> None:
    rng = random.Random(seed)
    passage = _words(rng, 80)
    edited = list(passage)
    for _ in range(edits):  # substitutions, and one inserted word, away from the ends
        edited[rng.randrange(20, 60)] = "changed"
    edited.insert(40, "inserted")
    a = _words(rng, 100) + passage + _words(rng, 50)
    b = _words(rng, 30) + edited + _words(rng, 90)
    assert (0, 1) in _candidates([" ".join(a), " ".join(b)])


def test_a_shared_sentence_is_not_a_candidate() -> None:
    # 25 shared words (a sentence, a quotation, a stock phrase) cannot span far enough
    rng = random.Random(3)
    sentence = _words(rng, 25)
    texts = [" ".join(_words(rng, 150) + sentence + _words(rng, 150)) for _ in range(6)]
    assert _candidates(texts) == set()
    assert anchor_span(50, 5) > 25 - 5  # why: a 25-word run spans at most 20 positions


def test_boilerplate_above_max_df_is_ignored() -> None:
    rng = random.Random(4)
    footer = _words(rng, 80)
    texts = [" ".join(_words(rng, 100) + footer) for _ in range(8)]
    assert len(_candidates(texts, max_df=50)) == 28  # every pair shares the 80-word footer
    assert _candidates(texts, max_df=7) == set()  # in 8 documents: boilerplate


def test_the_join_lowers_the_df_ceiling_to_stay_within_its_budget() -> None:
    # 30 documents share one 80-word passage: 435 pairs. With a budget too small for them,
    # the ceiling drops below 30 and says so, rather than blowing up memory.
    rng = random.Random(5)
    shared = _words(rng, 80)
    texts = [" ".join(_words(rng, 60) + shared + _words(rng, 60)) for _ in range(30)]
    texts += [" ".join(_words(rng, 100) + _words(rng, 5) * 20) for _ in range(2)]
    shingles, owners, _, _, _ = _shingle_batch(texts, 5)
    cuts = np.searchsorted(owners, np.arange(len(texts) + 1))
    hashes, anchor_owners, positions = winnow_batch(shingles, cuts, anchor_window(50, 5))
    args = (hashes, anchor_owners, positions, len(texts), 50, anchor_span(50, 5))
    full = anchor_pairs(*args)
    assert full.max_df == 50 and full.lefts.shape[0] == 435
    tight = anchor_pairs(*args, budget=full.rows // 2)
    assert tight.max_df < 30 and tight.rows <= full.rows // 2
    assert tight.lefts.shape[0] < 435
