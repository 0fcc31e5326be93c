"""copytrace: find every copy of a text.

The public API::

    import copytrace
    result = copytrace.scan(["articles.jsonl"], copytrace.Config(threshold=0.8), out="out/")
    comparison = copytrace.compare(text_a, text_b)

Everything the CLI does goes through these functions.

Each public name is imported from its module on first use, so that ``import copytrace`` (and
with it ``copytrace --help``) does not load numba and the whole pipeline: a program that
uses only part of the package pays only for that part.
"""

import importlib
import typing

__version__ = "0.1.0"

#: the module defining each public name (see :func:`__getattr__`)
_HOMES = {
    "Cluster": "copytrace.model",
    "Comparison": "copytrace.model",
    "Config": "copytrace.config",
    "ConfigError": "copytrace.errors",
    "CopytraceError": "copytrace.errors",
    "DependencyError": "copytrace.errors",
    "Document": "copytrace.model",
    "InputError": "copytrace.errors",
    "OutputError": "copytrace.errors",
    "Pair": "copytrace.model",
    "ScanResult": "copytrace.pipeline",
    "ScanStats": "copytrace.pipeline",
    "Skip": "copytrace.model",
    "compare": "copytrace.pipeline",
    "compare_files": "copytrace.pipeline",
    "read_document_file": "copytrace.ingest",
    "read_documents": "copytrace.ingest",
    "scan": "copytrace.pipeline",
}

if typing.TYPE_CHECKING:  # what type checkers see, and what __getattr__ gives at run time
    from copytrace.config import Config
    from copytrace.errors import (
        ConfigError,
        CopytraceError,
        DependencyError,
        InputError,
        OutputError,
    )
    from copytrace.ingest import read_document_file, read_documents
    from copytrace.model import Cluster, Comparison, Document, Pair, Skip
    from copytrace.pipeline import ScanResult, ScanStats, compare, compare_files, scan

__all__ = [
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
]


def __getattr__(name: str) -> typing.Any:
    """A public name, imported from its module the first time it is asked for (and kept
    here, so that this runs once per name)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
