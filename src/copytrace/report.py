"""Writing a scan's results: machine-readable files, written so that none is ever half-written.

Contract: :func:`write_scan` writes into ``out`` (created if needed):

- ``pairs.jsonl``: one verified pair a line (:meth:`copytrace.model.Pair.to_dict`), with
  ``passages``, ``typography_only`` and ``dropped_credits`` when pairs were explained;
- ``alignments.jsonl``: one explanation a line, in the order of ``pairs.jsonl``
  (:meth:`copytrace.explain.Explanation.to_dict`: passages with character offsets into both
  original texts, edits, labelled unmatched regions, credits);
- ``clusters.jsonl``: one cluster a line (:meth:`copytrace.model.Cluster.to_dict`), with
  its captures in order and the evidence for the order;
- ``deduplicated.jsonl`` or ``deduplicated.parquet``: the input with one document per
  cluster (its representative) plus every document in no cluster, in input order, each as
  ``{id_field: id, text_field: text, **meta}`` so that it can be scanned again;
- ``summary.json``: the scan's statistics and settings;
- ``report.html`` when asked for: the same for people, pairs side by side.

Each file is written to a temporary name in ``out`` and renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from copytrace.errors import ConfigError, OutputError
from copytrace.model import Comparison, Document
from copytrace.records import document_record, json_line
from copytrace.termination import uninterrupted

if TYPE_CHECKING:
    from copytrace.config import Config
    from copytrace.fingerprint import I64
    from copytrace.pipeline import ScanResult
    from copytrace.spill import DocumentSpill

DEDUP_FORMATS: tuple[str, ...] = ("jsonl", "parquet")
#: pairs shown side by side in report.html (all are in pairs.jsonl and alignments.jsonl)
MAX_REPORT_PAIRS = 200


def check_dedup_format(fmt: str) -> None:
    if fmt not in DEDUP_FORMATS:
        raise ConfigError(f"dedup format must be one of {', '.join(DEDUP_FORMATS)}, got {fmt!r}")


@contextlib.contextmanager
def output_folder(out: Path) -> Iterator[Path]:
    """The folder ``out``, made (with its parents) and checked that files can be made in it
    as the block starts, so that a wrong output folder is one clear error at once, not one
    after the whole corpus has been read. The folders made here are removed again if the
    block fails and leaves them empty: a failed scan leaves nothing behind."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"the output folder {out} is a file")
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=".copytrace-probe.", dir=out)
        os.close(handle)
        os.unlink(name)
    except OSError as exc:
        raise OutputError(
            f"cannot write in the output folder {out}: {exc.strerror or exc}"
        ) from exc
    try:
        yield out
    except BaseException:
        for folder in made:  # the deepest first
            try:
                folder.rmdir()
            except OSError:  # not empty, or not ours to remove after all
                break
        raise


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        # mkstemp creates 0600; the result should have the permissions of any new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_text(target: Path) -> Iterator[IO[str]]:
    """A text file that appears at ``target`` only once fully written."""
    with atomic_path(target) as temp, temp.open("w", encoding="utf-8") as handle:
        yield handle


@contextlib.contextmanager
def atomic_binary(target: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at ``target`` only once fully written (written through a
    large buffer: callers write it a line at a time)."""
    with atomic_path(target) as temp, temp.open("wb", buffering=1 << 20) as handle:
        yield handle


def _write_lines(handle: IO[bytes], rows: Iterable[Any]) -> int:
    """Write ``rows`` to ``handle`` as JSON Lines; returns the number of rows."""
    count = 0
    for row in rows:
        handle.write(json_line(row))
        count += 1
    return count


def write_parquet(target: Path, records: list[dict[str, Any]], config: Config) -> None:
    """Write records as Parquet to ``target`` (not atomically); metadata that does not fit
    one schema goes in a JSON column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        table = pa.Table.from_pylist(
            [
                {
                    config.id_field: r[config.id_field],
                    config.text_field: r[config.text_field],
                    "meta": json.dumps(
                        {
                            k: v
                            for k, v in r.items()
                            if k not in (config.id_field, config.text_field)
                        },
                        ensure_ascii=False,
                        default=str,
                    ),
                }
                for r in records
            ]
        )
    pq.write_table(table, target)


def write_deduplicated(
    path: Path, docs: DocumentSpill, rows: Sequence[int] | I64, config: Config, dedup_format: str
) -> None:
    """Write the deduplicated corpus, the documents of ``docs`` at ``rows``, to ``path`` (as
    it is, not atomically: callers write a temporary path, see :func:`atomic_path`). JSON
    Lines are copied from the spill, where each document already is its line, unless the
    spill's lines name the id and text fields otherwise than ``config``."""
    if dedup_format == "parquet":
        records = [document_record(doc, config) for doc in docs.documents(rows)]
        write_parquet(path, records, config)
        return
    with path.open("wb", buffering=1 << 20) as handle:
        if (docs.id_field, docs.text_field) == (config.id_field, config.text_field):
            docs.copy_lines(np.asarray(rows, dtype=np.int64), handle)
        else:
            _write_lines(handle, (document_record(doc, config) for doc in docs.documents(rows)))


def write_scan(
    result: ScanResult,
    out: Path,
    dedup_format: str = "jsonl",
    html: bool = False,
    *,
    deduplicated_written: bool = False,
    placed: contextlib.ExitStack | None = None,
) -> None:
    """Write a scan's files into ``out`` (see the module docstring); with ``html``, also
    ``report.html`` for people (:func:`copytrace.htmlreport.render_scan_report`). With
    ``deduplicated_written``, the deduplicated corpus is not written: the caller has.

    The files are written under temporary names and put in place together at the end (a
    termination waits for that), or, with ``placed``, as that stack closes, along with the
    caller's own: a scan that fails leaves the last scan's files as they were, not some new
    beside some old."""
    check_dedup_format(dedup_format)
    out.mkdir(parents=True, exist_ok=True)
    config = result.config
    with contextlib.ExitStack() as own:
        stack = own if placed is None else placed
        _write_lines(stack.enter_context(atomic_binary(out / "pairs.jsonl")), pair_records(result))
        if result.alignments_written:
            pass  # streamed there while the pairs were explained
        elif result.explanations:
            _write_lines(
                stack.enter_context(atomic_binary(out / "alignments.jsonl")),
                (e.to_dict() for e in result.explanations),
            )
        else:
            (out / "alignments.jsonl").unlink(missing_ok=True)  # never leave a stale one
        _write_lines(
            stack.enter_context(atomic_binary(out / "clusters.jsonl")),
            (found.to_dict() for found in result.clusters),
        )
        if not deduplicated_written:
            path = stack.enter_context(atomic_path(out / f"deduplicated.{dedup_format}"))
            write_deduplicated(path, result.documents, result.kept_rows(), config, dedup_format)
        summary = {"stats": result.stats.to_dict(), "config": _config_dict(config)}
        handle = stack.enter_context(atomic_text(out / "summary.json"))
        json.dump(summary, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
        if html:
            page = stack.enter_context(atomic_text(out / "report.html"))
            page.write(render_html_report(result, summary))
        with uninterrupted():
            own.close()


def render_html_report(result: ScanResult, summary: dict[str, Any]) -> str:
    """The scan's HTML report: summary, cluster timelines, pairs side by side."""
    from copytrace.htmlreport import render_scan_report

    shown = {doc_id for pair in result.pairs[:MAX_REPORT_PAIRS] for doc_id in (pair.a, pair.b)}
    documents = result.documents
    return render_scan_report(
        {doc_id: documents[documents.index_of(doc_id)] for doc_id in shown},
        list(pair_records(result)),
        [explanation.to_dict() for explanation in result.explanations[:MAX_REPORT_PAIRS]],
        [found.to_dict() for found in result.clusters],
        summary,
        max_pairs=MAX_REPORT_PAIRS,
    )


def write_comparison_html(
    doc_a: Document, doc_b: Document, comparison: Comparison, target: Path
) -> None:
    """An HTML page of one comparison: the two texts side by side, passages marked.

    The comparison must carry its explanation (``Config.align`` on).
    """
    from copytrace.htmlreport import render_comparison

    if comparison.explanation is None:
        raise ConfigError("an HTML comparison needs the alignment: leave --align on")
    page = render_comparison(doc_a, doc_b, comparison.to_dict(), comparison.explanation.to_dict())
    with atomic_text(target) as handle:
        handle.write(page)


def pair_records(result: ScanResult) -> Iterator[dict[str, Any]]:
    """Pairs as records; with explanations, each also says how many passages it has, whether
    the shared text differs only in typography, and which credits one side dropped."""
    if not result.summaries:
        yield from (pair.to_dict() for pair in result.pairs)
        return
    for pair, summary in zip(result.pairs, result.summaries, strict=True):
        record = pair.to_dict()
        record["passages"] = summary.passages
        record["typography_only"] = summary.typography_only
        record["dropped_credits"] = list(summary.dropped_credits)
        yield record


def _config_dict(config: Config) -> dict[str, Any]:
    values = asdict(config)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
