"""copytrace: find every copy of a text.

The public API::

    import copytrace
    result = copytrace.scan(["articles.jsonl"], copytrace.Config(threshold=0.8), out="out/")
    comparison = copytrace.compare(text_a, text_b)

Everything the CLI does goes through these functions.
"""

from copytrace.config import Config
from copytrace.errors import ConfigError, CopytraceError, DependencyError, InputError
from copytrace.ingest import read_document_file, read_documents
from copytrace.model import Cluster, Comparison, Document, Pair, Skip
from copytrace.pipeline import ScanResult, ScanStats, compare, compare_files, scan

__version__ = "0.1.0"

__all__ = [
    "Cluster",
    "Comparison",
    "Config",
    "ConfigError",
    "CopytraceError",
    "DependencyError",
    "Document",
    "InputError",
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
