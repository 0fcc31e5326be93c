"""Reading dates out of metadata values, for ordering captures and choosing representatives.

Contract: :func:`parse_date` accepts ISO 8601 dates and datetimes (with or without time zone,
``Z`` included), Unix timestamps (numbers, or strings of 9 to 13 digits), ``YYYYMMDD`` and
``YYYYMMDDhhmmss`` digit strings, ``date`` and ``datetime`` objects, RFC 2822 dates as found
in feeds and HTTP headers, and common news formats ("27 Mar 2024", "March 27, 2024 11:29").
It returns an aware UTC datetime (naive inputs are taken as UTC) or ``None`` when the value is
not a date it can read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from email.utils import parsedate_to_datetime
from typing import Any

_FORMATS = (
    "%d %b %Y",
    "%d %B %Y",
    "%d %b, %Y",
    "%d %B, %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d %b %Y %H:%M",
    "%d %b, %Y %H:%M",
    "%d %B %Y %H:%M",
    "%B %d, %Y %H:%M",
    "%b %d, %Y %H:%M",
    "%Y/%m/%d",
    "%d.%m.%Y",
)
_SPACES = re.compile(r"\s+")


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _parse_digits(text: str) -> datetime | None:
    """All digits: 8 is YYYYMMDD, 14 is YYYYMMDDhhmmss (WARC and CDX dates), 9 to 13 digits
    a Unix timestamp in seconds or milliseconds."""
    formats = {8: "%Y%m%d", 14: "%Y%m%d%H%M%S"}
    if len(text) in formats:
        try:
            return datetime.strptime(text, formats[len(text)]).replace(tzinfo=UTC)
        except ValueError:
            return None
    if 9 <= len(text) <= 13:
        return parse_date(int(text))
    return None


def parse_date(value: Any) -> datetime | None:
    """The date in ``value``, as an aware UTC datetime, or ``None``."""
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, date):  # pyarrow gives dates for Parquet date32/date64 columns
        return datetime.combine(value, time(), tzinfo=UTC)
    if isinstance(value, str) and value.strip().isdigit():
        return _parse_digits(value.strip())
    if isinstance(value, int | float) and not isinstance(value, bool):
        # seconds, or milliseconds since the epoch (values past year 33658 in seconds)
        seconds = value / 1000 if abs(value) > 1e12 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    text = _SPACES.sub(" ", value.strip())
    if not text:
        return None
    try:
        return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return _aware(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in _FORMATS:
        try:
            return _aware(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def document_date(meta: Mapping[str, Any], fields: Sequence[str]) -> tuple[datetime, str] | None:
    """The first readable date among ``fields`` of ``meta``, with the field it came from."""
    for name in fields:
        if name in meta:
            parsed = parse_date(meta[name])
            if parsed is not None:
                return parsed, name
    return None
