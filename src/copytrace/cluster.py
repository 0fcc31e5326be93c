"""Clusters: connected components of verified pairs, each with a representative.

Contract: :func:`cluster` takes the documents in first-seen order and the verified pairs
and returns one :class:`~copytrace.model.Cluster` per connected component of two or more
documents, numbered in the order of their first-seen member, members in first-seen order. The
representative follows the policy:

- ``earliest``: the member with the earliest capture date (a date in its metadata, else a
  dateline in its text); members without a date lose to dated ones; with no dates at all,
  the longest; ties go to the first seen;
- ``longest``: the member with most words; ties go to the first seen;
- ``first``: the first seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from copytrace.model import Cluster, Document, Pair
from copytrace.timeline import capture_date, order_captures, pair_index


class UnionFind:
    """Disjoint sets of the integers that unions name (each first seen alone), with path
    halving and union by size: memory and time follow the unions made, not the largest node."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        for x in (a, b):
            if x not in self.parent:
                self.parent[x], self.size[x] = x, 1
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components of nodes 0..n-1 with two or more members, each sorted, ordered by
    first member."""
    sets = UnionFind()
    for a, b in edges:
        if not (0 <= a < n and 0 <= b < n):
            raise IndexError(f"edge ({a}, {b}) names a node outside 0..{n - 1}")
        sets.union(a, b)
    groups: dict[int, list[int]] = {}
    for index in sorted(sets.parent):
        groups.setdefault(sets.find(index), []).append(index)
    return [members for members in groups.values() if len(members) > 1]


def choose_representative(
    members: Sequence[int],
    policy: str,
    lengths: Sequence[int],
    dates: Sequence[tuple[datetime, str] | None],
) -> tuple[int, str]:
    """The representative's index among ``members`` (global indices) and why it was chosen.

    ``dates[i]`` is document i's capture date and its evidence, or ``None``.
    """
    if policy == "first":
        return members[0], "first seen"
    if policy == "earliest":
        dated = [
            (found[0], position, found[1])
            for position, index in enumerate(members)
            if (found := dates[index]) is not None
        ]
        if dated:
            when, position, evidence = min(dated)
            return members[position], f"earliest date ({when.isoformat()}, {evidence})"
    longest = max(members, key=lambda index: (lengths[index], -index))
    reason = "longest" if policy == "longest" else "no dates; longest"
    return longest, f"{reason} ({lengths[longest]} words)"


def cluster(
    docs: Sequence[Document],
    pairs: Sequence[Pair],
    lengths: Sequence[int],
    policy: str,
    date_fields: Sequence[str],
) -> list[Cluster]:
    """Clusters of ``docs`` linked by ``pairs`` (see the module docstring), each with its
    captures in order (:func:`copytrace.timeline.order_captures`)."""
    # a DocumentSpill knows its ids and positions without reading every text back, and
    # reads the clustered documents together (each once)
    ids: Sequence[str] = getattr(docs, "ids", None) or [doc.id for doc in docs]
    index_of: Callable[[str], int] | None = getattr(docs, "index_of", None)
    if index_of is None:
        index_of = {doc_id: index for index, doc_id in enumerate(ids)}.__getitem__
    groups = components(len(ids), ((index_of(pair.a), index_of(pair.b)) for pair in pairs))
    rows = sorted(index for members in groups for index in members)
    read: Callable[[Iterable[int]], Iterable[Document]] | None = getattr(docs, "documents", None)
    clustered = dict(zip(rows, read(rows) if read else (docs[row] for row in rows), strict=True))
    dates: list[tuple[datetime, str] | None] = [None] * len(ids)
    for index, doc in clustered.items():
        dates[index] = capture_date(doc, date_fields)
    by_ids = pair_index(pairs)
    out = []
    for number, members in enumerate(groups):
        chosen, reason = choose_representative(members, policy, lengths, dates)
        captures, order_known = order_captures(
            [clustered[index] for index in members],
            by_ids,
            date_fields,
            [dates[index] for index in members],
        )
        out.append(
            Cluster(
                id=number,
                members=tuple(ids[index] for index in members),
                representative=ids[chosen],
                policy=policy,
                reason=reason,
                captures=captures,
                order_known=order_known,
            )
        )
    return out
