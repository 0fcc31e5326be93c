"""Documents and results as lines of JSON: the one way copytrace writes a JSON Lines row.

Contract: :func:`json_line` writes any row as one UTF-8 line (values JSON has no type for as
their ``str``); :func:`document_line` is a document's line in ``deduplicated.jsonl``,
``{id_field: id, text_field: text, **meta}``, which is also how a scan's document spill
holds it (:class:`~copytrace.spill.DocumentSpill`), so that the deduplicated corpus is
copied from there byte for byte; :func:`text_of_line` reads the text back from such a line.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import orjson

from copytrace.model import Document

if TYPE_CHECKING:
    from copytrace.config import Config

#: what orjson does differently from ``json.dumps(default=str)`` is turned off: dates and
#: dataclasses go through ``default`` as there, keys that are not strings become strings
_ORJSON_OPTIONS = (
    orjson.OPT_APPEND_NEWLINE
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


def json_line(row: Any) -> bytes:
    """``row`` as one line of JSON (UTF-8, newline-terminated); values JSON has no type for
    are written as their ``str``."""
    try:
        return orjson.dumps(row, default=str, option=_ORJSON_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        # what orjson refuses: integers beyond 64 bits, and strings holding a lone surrogate
        # (JSON input may escape one, "\ud800"): the json module writes both, escaped
        return (json.dumps(row, default=str) + "\n").encode("ascii")


def document_record(doc: Document, config: Config) -> dict[str, Any]:
    """A document as a flat record with the configured id and text field names."""
    record: dict[str, Any] = {config.id_field: doc.id, config.text_field: doc.text}
    for key, value in doc.meta.items():
        record.setdefault(key, value)
    return record


def document_line(doc: Document, config: Config) -> bytes:
    """A document's line in the deduplicated corpus (:func:`document_record` as JSON)."""
    return json_line(document_record(doc, config))


def text_of_line(line: bytes, text_field: str) -> str:
    """The text of a document from its :func:`document_line` (written with ``text_field``)."""
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        # what json_line wrote with the json module (a lone surrogate), which orjson refuses
        record = json.loads(line)
    text: str = record[text_field]
    return text
