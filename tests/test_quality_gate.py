"""Quality gate: copytrace's precision and recall on the planted-copy corpus stay >= 0.99.

Runs ``benchmarks/quality.py`` in-process at smoke size (no peers, so datasketch is not
needed) against exact all-pairs ground truth, and scores the planted partial copies of the
same scan: recall and passage precision >= 0.99, passage ends within a few characters of the
planted ones on average. Skipped when the shared data is absent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"

#: pinned floors from DESIGN.md (pairs at Jaccard >= 0.8, 5-word shingles)
PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.99
#: partial copies of >= 50 words (DESIGN.md), and where their reported passages end
PARTIAL_RECALL_FLOOR = 0.99
PASSAGE_PRECISION_FLOOR = 0.99
MAX_MEAN_OFFSET_ERROR_CHARS = 5.0


def _load(name: str) -> ModuleType:
    """Import ``benchmarks/<name>.py`` by path (benchmarks are scripts, not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being built
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def smoke_result() -> dict[str, Any]:
    corpus = _load("corpus")
    quality = _load("quality")
    if not corpus.DEFAULT_DATA_DIR.is_dir():
        pytest.skip(
            f"shared data not found at {corpus.DEFAULT_DATA_DIR}; the quality gate needs "
            "reuters21578/ there (see shared/data/README.md)"
        )
    result: dict[str, Any] = quality.run_quality(
        corpus.DEFAULT_DATA_DIR, quality.SMOKE_DOCS, seed=0, peers=False
    )
    return result


def test_ground_truth_has_planted_pairs(smoke_result: dict[str, Any]) -> None:
    assert smoke_result["ground_truth"]["planted_pairs"] >= 50


def test_copytrace_precision_floor(smoke_result: dict[str, Any]) -> None:
    copytrace = smoke_result["copytrace"]
    assert copytrace["precision"] >= PRECISION_FLOOR, copytrace["false_alarms"]


def test_copytrace_recall_floor(smoke_result: dict[str, Any]) -> None:
    copytrace = smoke_result["copytrace"]
    assert copytrace["recall"] >= RECALL_FLOOR, copytrace["misses"]


def test_partial_copies_planted(smoke_result: dict[str, Any]) -> None:
    partial = smoke_result["partial"]
    assert partial["planted"] >= 40
    assert partial["partial_pairs_by_kind"]["with_partial_doc"] >= partial["planted"]


def test_partial_recall_floor(smoke_result: dict[str, Any]) -> None:
    partial = smoke_result["partial"]
    assert partial["recall"] >= PARTIAL_RECALL_FLOOR, partial["misses"]


def test_passage_precision_floor(smoke_result: dict[str, Any]) -> None:
    partial = smoke_result["partial"]
    assert partial["passage_precision"] >= PASSAGE_PRECISION_FLOOR, partial["wrong_passages"]


def test_passage_offsets_match_planted(smoke_result: dict[str, Any]) -> None:
    errors = smoke_result["partial"]["offset_error_chars"]
    assert errors["mean"] is not None
    assert errors["mean"] <= MAX_MEAN_OFFSET_ERROR_CHARS, smoke_result["partial"]["offset_examples"]
