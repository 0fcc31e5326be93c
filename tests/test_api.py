"""The public surface is what ``copytrace.__all__`` exports, and it works on plain strings."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

import copytrace

PUBLIC = {
    "Cluster",
    "Comparison",
    "Config",
    "ConfigError",
    "CopytraceError",
    "DependencyError",
    "Document",
    "InputError",
    "OutputError",
    "Pair",
    "ScanResult",
    "ScanStats",
    "Skip",
    "__version__",
    "compare",
    "compare_files",
    "read_document_file",
    "read_documents",
    "scan",
}


def test_all_is_the_intended_public_surface() -> None:
    assert set(copytrace.__all__) == PUBLIC
    assert len(copytrace.__all__) == len(set(copytrace.__all__))


def test_everything_in_all_is_importable_and_public() -> None:
    module = importlib.import_module("copytrace")
    for name in copytrace.__all__:
        assert hasattr(module, name), name
        assert not name.startswith("_") or (name.startswith("__") and name.endswith("__"))
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("copytrace."), name
            assert inspect.getdoc(value), f"{name} has no docstring"


def test_no_public_name_is_left_out_of_all() -> None:
    # every public attribute of the package that is not a submodule is exported
    exported = set(copytrace.__all__)
    for name, value in vars(copytrace).items():
        if name.startswith("_") or isinstance(value, types.ModuleType):
            continue
        assert name in exported, f"copytrace.{name} is public but not in __all__"


def test_error_tree_has_one_root() -> None:
    for name in ("ConfigError", "InputError", "OutputError", "DependencyError"):
        assert issubclass(getattr(copytrace, name), copytrace.CopytraceError)
    assert issubclass(copytrace.ConfigError, ValueError)
    assert issubclass(copytrace.DependencyError, ImportError)
    error = copytrace.InputError("bad line", "a.jsonl", 3)
    assert (str(error), error.source, error.line) == ("a.jsonl:3: bad line", "a.jsonl", 3)
    assert str(copytrace.InputError("no file")) == "no file"
    missing = copytrace.DependencyError("zstandard", "zstd", "Reading .zst files")
    assert "pip install 'copytrace[zstd]'" in str(missing)


def test_version() -> None:
    assert isinstance(copytrace.__version__, str)
    assert copytrace.__version__.count(".") >= 2


def test_compare_on_plain_strings() -> None:
    a = "The French leader’s move may not have been smart, “from the standpoint” of security."
    b = 'The French leader\'s move may not have been smart, "from the standpoint" of security.'
    result = copytrace.compare(a, b)
    assert isinstance(result, copytrace.Comparison)
    assert (result.a, result.b) == ("a", "b")
    assert result.verdict == "duplicate"
    assert result.jaccard == 1.0
    assert result.to_dict()["verdict"] == "duplicate"
    other = copytrace.compare(a, "A completely different sentence about the weather today.")
    assert other.verdict == "different"
    assert other.jaccard == 0.0


def test_scan_on_documents_and_config_validation() -> None:
    docs = [
        copytrace.Document("x", "one two three four five six seven eight"),
        copytrace.Document("y", "One, two, three, four, five, six, seven, eight."),
    ]
    result = copytrace.scan(docs)
    assert isinstance(result, copytrace.ScanResult)
    assert [(p.a, p.b, p.verdict) for p in result.pairs] == [("x", "y", "duplicate")]
    assert isinstance(result.stats, copytrace.ScanStats)
    config = copytrace.Config(threshold=0.9)
    assert config.with_(ngram_size=3).ngram_size == 3
    with pytest.raises(copytrace.ConfigError, match="threshold"):
        config.with_(threshold=1.5)
    with pytest.raises(copytrace.ConfigError, match="unknown setting"):
        config.with_(nonsense=1)
