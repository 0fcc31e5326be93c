"""Accounting of records that were not read: every skip is counted with a reason.

Readers call :meth:`SkipLog.skip` for a record they cannot use; in strict mode that raises
:class:`~copytrace.errors.InputError` naming the file and line instead. Nothing is dropped
without being counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from copytrace.errors import InputError
from copytrace.model import Skip

#: how many example skips are kept for the summary
MAX_EXAMPLES = 20


class SkipLog:
    """Counts of skipped records by reason, with the first few kept as examples."""

    def __init__(self, strict: bool = False, keep_all: bool = False) -> None:
        self.strict = strict
        self.counts: Counter[str] = Counter()
        self.examples: list[Skip] = []
        #: every skip, in order, when ``keep_all`` (a worker's log, replayed by the main one)
        self.everything: list[Skip] = []
        self._keep_all = keep_all

    def skip(self, source: str, line: int | None, reason: str, detail: str = "") -> None:
        """Record that one record was skipped (or raise, in strict mode)."""
        if self.strict:
            message = f"{reason}: {detail}" if detail else reason
            raise InputError(
                f"{message} (strict mode; drop --strict to skip such records)", source, line
            )
        self.counts[reason] += 1
        skipped = Skip(source, line, reason, detail)
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(skipped)
        if self._keep_all:
            self.everything.append(skipped)

    def replay(self, skips: Iterable[Skip]) -> None:
        """Record ``skips`` (another log's :attr:`everything`) as if they happened here."""
        for skipped in skips:
            self.skip(skipped.source, skipped.line, skipped.reason, skipped.detail)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
