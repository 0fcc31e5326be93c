"""Clusters: connected components of verified pairs, each with a representative.

Contract: :func:`cluster` takes the documents' ids in first-seen order and the verified pairs
and returns one :class:`~copytrace.model.Cluster` per connected component of two or more
documents, numbered in the order of their first-seen member, members in first-seen order. The
representative follows the policy:

- ``earliest``: the member with the earliest date in its metadata; members without a date
  lose to dated ones; with no dates at all, the longest; ties go to the first seen;
- ``longest``: the member with most words; ties go to the first seen;
- ``first``: the first seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from copytrace.dates import document_date
from copytrace.model import Cluster, Pair


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components with two or more members, each sorted, ordered by first member."""
    sets = UnionFind(n)
    touched: set[int] = set()
    for a, b in edges:
        sets.union(a, b)
        touched.update((a, b))
    groups: dict[int, list[int]] = {}
    for index in sorted(touched):
        groups.setdefault(sets.find(index), []).append(index)
    return [members for members in groups.values() if len(members) > 1]


def choose_representative(
    members: Sequence[int],
    policy: str,
    lengths: Sequence[int],
    metas: Sequence[Mapping[str, Any]],
    date_fields: Sequence[str],
) -> tuple[int, str]:
    """The representative's index among ``members`` (global indices) and why it was chosen."""
    if policy == "first":
        return members[0], "first seen"
    if policy == "earliest":
        dated: list[tuple[datetime, int, str]] = []
        for position, index in enumerate(members):
            found = document_date(metas[index], date_fields)
            if found is not None:
                dated.append((found[0], position, found[1]))
        if dated:
            when, position, field_name = min(dated)
            return members[position], f"earliest {field_name} ({when.isoformat()})"
    longest = max(members, key=lambda index: (lengths[index], -index))
    reason = "longest" if policy == "longest" else "no dates; longest"
    return longest, f"{reason} ({lengths[longest]} words)"


def cluster(
    ids: Sequence[str],
    pairs: Iterable[Pair],
    lengths: Sequence[int],
    metas: Sequence[Mapping[str, Any]],
    policy: str,
    date_fields: Sequence[str],
) -> list[Cluster]:
    """Clusters of the documents ``ids`` linked by ``pairs`` (see the module docstring)."""
    position = {doc_id: index for index, doc_id in enumerate(ids)}
    edges = ((position[pair.a], position[pair.b]) for pair in pairs)
    out = []
    for number, members in enumerate(components(len(ids), edges)):
        chosen, reason = choose_representative(members, policy, lengths, metas, date_fields)
        out.append(
            Cluster(
                id=number,
                members=tuple(ids[index] for index in members),
                representative=ids[chosen],
                policy=policy,
                reason=reason,
            )
        )
    return out
