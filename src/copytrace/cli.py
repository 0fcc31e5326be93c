"""The command line: parse options, call the Python API, print. Nothing else lives here.

Exit codes: 0 success, 1 an error in the input or a run, 2 wrong options (click's and
:class:`~copytrace.errors.ConfigError`), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
Errors print one line, never a
traceback (set ``COPYTRACE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import gc
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from copytrace import __version__
from copytrace.config import REPRESENTATIVE_POLICIES, Config
from copytrace.errors import ConfigError, CopytraceError
from copytrace.ingest import FORMATS, check_input, read_document_file
from copytrace.report import DEDUP_FORMATS, write_comparison_html
from copytrace.termination import Terminated, stop_requested, terminate_cleanly

if TYPE_CHECKING:  # imported where used: ``--help`` and ``scan -q`` need none of them
    from rich.console import Console

    from copytrace.model import ProgressCallback
    from copytrace.pipeline import ScanResult

F = TypeVar("F", bound=Callable[..., Any])

_STAGE_LABELS = {
    "read": "reading",
    "fingerprint": "fingerprinting",
    "verify": "verifying pairs",
    "align": "explaining pairs",
}


def config_options(command: F) -> F:
    """The options that make up a :class:`~copytrace.config.Config`, shared by commands."""
    options = [
        click.option(
            "--threshold",
            type=float,
            default=0.8,
            show_default=True,
            help="Report pairs whose word-shingle Jaccard is at least this.",
        ),
        click.option(
            "--ngram-size", type=int, default=5, show_default=True, help="Words per shingle."
        ),
        click.option(
            "--num-perm", type=int, default=128, show_default=True, help="MinHash permutations."
        ),
        click.option(
            "--seed",
            type=int,
            default=1,
            show_default=True,
            help="Seed of the MinHash permutations.",
        ),
        click.option(
            "--bands",
            type=int,
            default=None,
            help="LSH bands (with --rows); derived from --threshold if omitted.",
        ),
        click.option("--rows", type=int, default=None, help="LSH rows per band (with --bands)."),
        click.option(
            "--representative",
            type=click.Choice(REPRESENTATIVE_POLICIES),
            default="earliest",
            show_default=True,
            help="Which member of a cluster the deduplicated corpus keeps.",
        ),
        click.option(
            "--strict",
            is_flag=True,
            help="Stop at the first unreadable record instead of skipping it.",
        ),
        click.option(
            "--id-field",
            default="id",
            show_default=True,
            help="Field or column holding a record's id.",
        ),
        click.option(
            "--text-field",
            default="text",
            show_default=True,
            help="Field or column holding a record's text.",
        ),
        click.option(
            "--meta-field",
            "meta_fields",
            multiple=True,
            help="Field kept as metadata (repeatable; default: all other fields).",
        ),
        click.option(
            "--max-chars",
            type=int,
            default=10_000_000,
            show_default=True,
            help="Skip documents longer than this many characters.",
        ),
        click.option(
            "--partial/--no-partial",
            default=True,
            show_default=True,
            help="Also find partial copies: a passage of one document inside another.",
        ),
        click.option(
            "--min-passage-words",
            type=int,
            default=50,
            show_default=True,
            help="Shortest shared passage reported as a partial copy, in words.",
        ),
        click.option(
            "--max-anchor-df",
            type=int,
            default=50,
            show_default=True,
            help="Passages found in more documents than this are boilerplate, not copies.",
        ),
        click.option(
            "--align/--no-align",
            default=True,
            show_default=True,
            help="Explain every pair: aligned passages, labelled differences, credits.",
        ),
        click.option(
            "--workers",
            type=int,
            default=0,
            show_default=True,
            help="Processes to work with; 0 is one per CPU core. Results do not depend on it.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default="auto",
            show_default=True,
            help="Input format (default: by file extension).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def build_config(options: dict[str, Any]) -> Config:
    """A Config from the shared options, popped from ``options``: each option is named after
    its Config field (``--ngram-size`` is ``ngram_size``)."""
    values = {f.name: options.pop(f.name) for f in dataclasses.fields(Config) if f.name in options}
    values["meta_fields"] = tuple(values.get("meta_fields", ()))
    return Config(**values)


def handle_errors(command: F) -> F:
    """Turn copytrace's errors into one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with terminate_cleanly():
                return command(*args, **kwargs)
        except KeyboardInterrupt:
            _stopped(signal.SIGINT)
        except Terminated:
            _stopped(signal.SIGTERM)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            _fail_with(exc)

    return wrapper  # type: ignore[return-value]


#: what a command stopped by a signal says, and its exit status (128 + the signal's number)
_STOPPED = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}


def _stopped(by: signal.Signals) -> NoReturn:
    _fail(_STOPPED[by], 128 + by)


def _fail_with(exc: Exception) -> None:
    """One line on stderr for ``exc``, and the exit code it calls for."""
    stop = stop_requested()
    if stop is not None:  # what broke as the command was stopped (see there)
        _stopped(stop)
    if isinstance(exc, ConfigError):
        _fail(str(exc), 2)
    if isinstance(exc, CopytraceError):
        _fail(str(exc), 1)
    if isinstance(exc, OSError):  # the machine's doing (a disk full, a folder taken away)
        _fail(_os_error_line(exc), 1)
    # the last line of defence: no traceback reaches a user
    if os.environ.get("COPYTRACE_DEBUG"):
        raise exc
    _fail(
        f"internal error: {type(exc).__name__}: {exc} "
        "(set COPYTRACE_DEBUG=1 for a traceback, and please report it)",
        1,
    )


def _os_error_line(exc: OSError) -> str:
    """``No space left on device: /out/pairs.jsonl``: what the system refused, and where."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {exc.filename}" if exc.filename else reason


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


#: optional packages that numba imports if it can, as it is imported (coverage, for its
#: line-coverage hook) and as its compiler starts (scipy's BLAS, for ``np.dot``; cffi, for
#: cffi functions): copytrace's kernels use none of them, and finding them costs a command
#: about 0.2 s (scipy's linear algebra alone 0.1 to 0.2 s)
NUMBA_PROBES = ("coverage", "scipy.linalg.cython_blas", "cffi")


@contextmanager
def _unimportable(names: Sequence[str]) -> Iterator[None]:
    """Within, importing one of ``names`` that is not imported yet fails as if it were not
    installed (``None`` in :data:`sys.modules` means so); after, it imports as before."""
    absent = [name for name in names if name not in sys.modules]
    for name in absent:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for name in absent:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


#: whether this process is the ``copytrace`` program (see :class:`_Program`)
_own_process = False
#: objects made between two collections of the youngest generation (see :func:`load_kernels`)
COLLECT_AFTER = 20_000


def load_kernels() -> None:
    """Load the kernels for a command that runs them, in the way that costs least in a
    process that runs nothing else. They are compiled ahead of time first where they are
    not yet (once per machine and version, about 20 s, said in one line on stderr: see
    :mod:`copytrace.aot`); numba is then not loaded at all. Where they are JIT-compiled
    instead, numba is loaded and its compiler started (:func:`copytrace.kernels.start`)
    without any of :data:`NUMBA_PROBES` (it then has no BLAS for ``np.dot``, no cffi and no
    coverage hook in this process). The objects loaded so far are frozen out of garbage
    collection (:func:`gc.freeze`), now and again at exit: collecting them would cost time
    during a run and at exit (numba's compiler: about 0.2 s), to free memory that the
    process gives back as it ends anyway (temporary files are removed by atexit handlers,
    which still run). The collector then runs after every :data:`COLLECT_AFTER` objects made
    (Python's default: 700), its older generations as much less often: a run makes millions
    of objects that live until it ends, and no cycles but a few (on the 100k benchmark, 246
    collections took 44 ms of the main process; now 7 take 10 ms). Freed arrays are kept for
    reuse (:func:`copytrace.allocator.reuse_freed_memory`).

    Only in the ``copytrace`` program's own process, before the kernels are loaded;
    elsewhere (a command run by another program) this does nothing, and the kernels load as
    they always do (compiled ahead of time where that is built, else by numba).
    """
    if not _own_process or "copytrace.kernels" in sys.modules:
        return
    from copytrace import aot
    from copytrace.allocator import reuse_freed_memory

    reuse_freed_memory()
    aot.build(lambda line: click.echo(f"copytrace: {line}", err=True))
    with _unimportable(NUMBA_PROBES):
        from copytrace import kernels

        kernels.start()
    gc.freeze()
    atexit.register(gc.freeze)
    gc.set_threshold(COLLECT_AFTER, 20, 20)


class _Program(click.Group):
    """The command group. Run as a program, its arguments taken from the command line (as the
    ``copytrace`` script runs it; click's test runner and other callers pass them), it owns
    the process: see :func:`load_kernels`."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        global _own_process
        _own_process = _own_process or args is None
        return super().main(args, *rest, **extra)


@click.group(cls=_Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="copytrace")
def main() -> None:
    """copytrace: find every copy of a text."""


@contextmanager
def progress_display(console: Console, enabled: bool) -> Iterator[ProgressCallback]:
    """A progress callback that draws rich progress bars on stderr (when it is a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not enabled,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            tasks[stage] = progress.add_task(_STAGE_LABELS.get(stage, stage), total=total)
        progress.update(tasks[stage], completed=done, total=total)

    with progress:
        yield update


@main.command("scan")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "-o",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for pairs.jsonl, clusters.jsonl, deduplicated.* and summary.json.",
)
@click.option(
    "--dedup-format",
    type=click.Choice(DEDUP_FORMATS),
    default="jsonl",
    show_default=True,
    help="Format of the deduplicated corpus.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@click.option("--report", is_flag=True, help="Also write report.html: pairs side by side.")
@config_options
@handle_errors
def scan_command(
    inputs: tuple[Path, ...],
    out: Path,
    dedup_format: str,
    quiet: bool,
    report: bool,
    **options: Any,
) -> None:
    """Find every copy among INPUTS (files or folders): near-duplicates and partial copies,
    explained, clustered, with a deduplicated corpus, written to --out."""
    fmt = options.pop("fmt")
    config = build_config(options)
    for path in inputs:  # a missing input is said before the kernels load (or are built)
        check_input(path)
    load_kernels()
    started = time.perf_counter()  # the scan's time, not a first command's kernel build
    from copytrace.pipeline import scan

    run = functools.partial(
        scan, list(inputs), config, out=out, fmt=fmt, dedup_format=dedup_format, report=report
    )
    if quiet:
        run()
        return
    from rich.console import Console

    console = Console(stderr=True)
    with progress_display(console, enabled=console.is_terminal) as update:
        result = run(progress=update)
    print_summary(console, result, out, time.perf_counter() - started)


def print_summary(console: Console, result: ScanResult, out: Path, seconds: float) -> None:
    """One screen: documents read and skipped (by reason), pairs, clusters, time, files."""
    from rich.table import Table

    stats = result.stats
    table = Table(title="copytrace scan", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("documents read", f"{stats.documents:,}")
    skipped = sum(stats.skipped.values())
    reasons = ", ".join(f"{reason}: {count:,}" for reason, count in sorted(stats.skipped.items()))
    table.add_row("skipped", f"{skipped:,}" + (f" ({reasons})" if reasons else ""))
    table.add_row(
        "candidate pairs", f"{stats.candidates:,} (LSH {stats.bands} bands x {stats.rows} rows)"
    )
    verdicts: dict[str, int] = {}
    for pair in result.pairs:
        verdicts[pair.verdict] = verdicts.get(pair.verdict, 0) + 1
    detail = ", ".join(f"{k}: {v:,}" for k, v in sorted(verdicts.items()))
    table.add_row(
        f"pairs (Jaccard >= {result.config.threshold:g})",
        f"{stats.pairs:,}" + (f" ({detail})" if detail else ""),
    )
    table.add_row("clusters", f"{stats.clusters:,} ({stats.documents_in_clusters:,} documents)")
    table.add_row("kept after dedup", f"{stats.kept:,}")
    table.add_row("time", f"{seconds:.2f} s")
    table.add_row("output", str(out))
    console.print(table)
    for note in stats.notes:
        console.print(f"note: {note}", style="yellow", markup=False)
    for example in stats.skip_examples[:3]:
        where = f"{example.source}:{example.line}" if example.line else example.source
        console.print(
            f"  skipped {where}: {example.reason}"
            + (f" ({example.detail})" if example.detail else ""),
            markup=False,
        )


@main.command("compare")
@click.argument("a", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("b", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@click.option("--brief", is_flag=True, help="Leave out the two marked-up texts.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write an HTML page with the two texts side by side, copied passages marked.",
)
@config_options
@handle_errors
def compare_command(
    a: Path, b: Path, as_json: bool, brief: bool, html_path: Path | None, **options: Any
) -> None:
    """Compare the documents in files A and B: verdict, Jaccard, containment, and what was
    copied (passages with offsets), what each side alone has, what changed, who is credited."""
    fmt = options.pop("fmt")
    config = build_config(options)
    doc_a = read_document_file(a, config, fmt)
    doc_b = read_document_file(b, config, fmt)
    load_kernels()
    from copytrace.pipeline import compare

    comparison = compare(doc_a, doc_b, config)
    if html_path is not None:
        write_comparison_html(doc_a, doc_b, comparison, html_path)
    if as_json:
        click.echo(json.dumps(comparison.to_dict(), ensure_ascii=False))
        return
    from rich.console import Console

    from copytrace.textview import comparison_view

    console = Console(highlight=False, soft_wrap=True)
    for renderable in comparison_view(comparison, a, b, doc_a.text, doc_b.text, not brief):
        console.print(renderable)
