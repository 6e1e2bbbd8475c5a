"""The ordered waiting line of one queue.

Every member is kept in one sorted list (for positions, O(log n)). Members that can be offered right now
("ready": not ringing anyone) are also kept in one sorted list per *skill signature* — the extra skills
the call asks for — so finding the longest-waiting call an agent can take costs one look per signature,
not a scan of the line.
"""

from __future__ import annotations

import heapq
from typing import Iterator

from sortedcontainers import SortedList

from fsapp.acd.models import Member

Signature = tuple[tuple[str, int], ...]
Entry = tuple[int, float, int, str]   # (-priority, arrived_at, seq, call_uuid)


def signature_of(skills: dict[str, int]) -> Signature:
    return tuple(sorted(skills.items()))


def entry_of(member: Member) -> Entry:
    return (-member.priority, member.arrived_at, member.seq, member.call_uuid)


class WaitList:
    """Members of one queue in order ``(-priority, arrived_at, seq)``."""

    def __init__(self) -> None:
        self._all: SortedList = SortedList()
        self._ready: dict[Signature, SortedList] = {}
        self._ready_count = 0

    def __len__(self) -> int:
        return len(self._all)

    @property
    def ready_count(self) -> int:
        return self._ready_count

    def add(self, member: Member, ready: bool = True) -> None:
        self._all.add(entry_of(member))
        if ready:
            self.mark_ready(member)

    def remove(self, member: Member) -> None:
        self._all.discard(entry_of(member))
        self.mark_busy(member)

    def mark_ready(self, member: Member) -> None:
        group = self._ready.setdefault(signature_of(member.skills), SortedList())
        entry = entry_of(member)
        if entry not in group:
            group.add(entry)
            self._ready_count += 1

    def mark_busy(self, member: Member) -> None:
        signature = signature_of(member.skills)
        group = self._ready.get(signature)
        if group is None:
            return
        entry = entry_of(member)
        if entry in group:
            group.remove(entry)
            self._ready_count -= 1
            if not group:
                del self._ready[signature]

    def position(self, member: Member) -> int | None:
        """1 for the next member; None if the member is not in this line."""
        entry = entry_of(member)
        index = self._all.bisect_left(entry)
        if index < len(self._all) and self._all[index] == entry:
            return index + 1
        return None

    def ready_groups(self) -> Iterator[tuple[Signature, SortedList]]:
        return iter(list(self._ready.items()))

    def uuids(self) -> list[str]:
        """Call UUIDs in line order."""
        return [entry[3] for entry in self._all]

    def ready_uuids(self) -> Iterator[str]:
        """Ready members in line order (merging the signature groups)."""
        return (entry[3] for entry in heapq.merge(*self._ready.values()))
