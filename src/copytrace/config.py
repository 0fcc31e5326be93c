"""One typed, frozen configuration for every stage.

Users state intent (a similarity ``threshold``, a shingle size); the mechanics (LSH bands and
rows) are derived from it in :mod:`copytrace.candidates`. Each field has one name everywhere:
the Python field ``ngram_size`` is the CLI flag ``--ngram-size``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from copytrace.errors import ConfigError

RepresentativePolicy = Literal["earliest", "longest", "first"]
REPRESENTATIVE_POLICIES: tuple[str, ...] = ("earliest", "longest", "first")

#: metadata fields looked at, in this order, for a document's date
DEFAULT_DATE_FIELDS: tuple[str, ...] = (
    "date",
    "published",
    "published_date",
    "publication_date",
    "datetime",
    "crawl_date",
    "crawled",
    "timestamp",
)


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for reading, fingerprinting, candidate search, verification and clustering.

    threshold
        Pairs whose shingle Jaccard is at or above this are reported (0 < threshold <= 1).
    ngram_size
        Words per shingle.
    num_perm
        MinHash permutations; more gives sharper LSH at more cost.
    seed
        Seed of the MinHash permutations; signatures are stable for a given seed.
    bands, rows
        LSH banding; derived from ``threshold`` and ``num_perm`` when left as ``None``.
    representative
        Which member of a cluster is kept: ``earliest`` (earliest date in metadata, else
        longest, else first seen), ``longest``, or ``first`` (first seen).
    strict
        Make every unreadable record fatal instead of a counted skip.
    id_field, text_field
        Field (JSON Lines) or column (CSV, Parquet) holding a record's id and text.
    meta_fields
        Fields kept as metadata; empty means every field other than id and text.
    max_chars
        Documents longer than this (in characters) are skipped as ``too_large``.
    date_fields
        Metadata fields holding a document's date, tried in order.
    partial
        Also look for partial copies: a passage of one document reused inside another.
    min_passage_words
        The shortest shared passage reported as a partial copy (in words).
    max_anchor_df
        Anchors found in more documents than this are boilerplate and ignored for partial
        copies (they still count towards Jaccard).
    align
        Explain every pair: aligned passages with offsets, labelled differences, credits.
    workers
        Processes to fingerprint with; 0 means one per CPU core. Results do not depend on it.
    """

    threshold: float = 0.8
    ngram_size: int = 5
    num_perm: int = 128
    seed: int = 1
    bands: int | None = None
    rows: int | None = None
    representative: RepresentativePolicy = "earliest"
    strict: bool = False
    id_field: str = "id"
    text_field: str = "text"
    meta_fields: tuple[str, ...] = ()
    max_chars: int = 10_000_000
    date_fields: tuple[str, ...] = field(default=DEFAULT_DATE_FIELDS)
    partial: bool = True
    min_passage_words: int = 50
    max_anchor_df: int = 50
    align: bool = True
    workers: int = 0

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.ngram_size < 1:
            raise ConfigError(f"ngram_size must be at least 1, got {self.ngram_size}")
        if not 2 <= self.num_perm <= 4096:
            raise ConfigError(f"num_perm must be between 2 and 4096, got {self.num_perm}")
        if (self.bands is None) != (self.rows is None):
            raise ConfigError("give both bands and rows, or neither (they are then derived)")
        if self.bands is not None and self.rows is not None:
            if self.bands < 1 or self.rows < 1:
                raise ConfigError("bands and rows must be positive")
            if self.bands * self.rows > self.num_perm:
                raise ConfigError(
                    f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm ({self.num_perm})"
                )
        if self.representative not in REPRESENTATIVE_POLICIES:
            raise ConfigError(
                f"representative must be one of {', '.join(REPRESENTATIVE_POLICIES)}, "
                f"got {self.representative!r}"
            )
        if self.max_chars < 1:
            raise ConfigError(f"max_chars must be positive, got {self.max_chars}")
        if self.min_passage_words < self.ngram_size:
            raise ConfigError(
                f"min_passage_words ({self.min_passage_words}) must be at least ngram_size "
                f"({self.ngram_size})"
            )
        if self.workers < 0:
            raise ConfigError(f"workers must be 0 (one per core) or more, got {self.workers}")
        if self.max_anchor_df < 2:
            raise ConfigError(f"max_anchor_df must be at least 2, got {self.max_anchor_df}")
        if not self.id_field or not self.text_field:
            raise ConfigError("id_field and text_field must be non-empty")

    def with_(self, **changes: Any) -> Config:
        """A copy with some fields changed (validated again)."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return replace(self, **changes)
