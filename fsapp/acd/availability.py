"""Index of available agents per queue and tier, each kept in its queue's strategy order.

An agent enters the index of every queue it serves (and meets the queue's required skills for) when it
becomes available and leaves them all when it is reserved, goes on break or logs out. While an agent is
in the index its ranking key does not change (idle time, call count and skills only change while it is
busy), so a sorted list per tier stays correct.
"""

from __future__ import annotations

from typing import Any, Iterator

from sortedcontainers import SortedList

from fsapp.acd.config import QueueConfig
from fsapp.acd.models import Agent
from fsapp.acd.strategies import ranking_key


class QueueAvailability:
    """Available agents of one queue: tier -> sorted (ranking key, agent id)."""

    def __init__(self, queue: QueueConfig) -> None:
        self.queue = queue
        self._tiers: dict[int, SortedList] = {}
        self._keys: dict[str, tuple[int, tuple[Any, ...]]] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, agent_id: str) -> bool:
        return agent_id in self._keys

    def add(self, agent: Agent, tier: int, member_index: int) -> None:
        if agent.id in self._keys:
            return
        key = ranking_key(self.queue, agent, member_index)
        self._keys[agent.id] = (tier, key)
        self._tiers.setdefault(tier, SortedList()).add((key, agent.id))

    def remove(self, agent_id: str) -> None:
        found = self._keys.pop(agent_id, None)
        if found is None:
            return
        tier, key = found
        group = self._tiers[tier]
        group.remove((key, agent_id))
        if not group:
            del self._tiers[tier]

    def tiers(self) -> list[int]:
        return sorted(self._tiers)

    def in_order(self, tier: int, start_after: tuple[Any, ...] | None = None) -> Iterator[str]:
        """Agent ids of ``tier`` in ranking order; with ``start_after``, rotate to begin after that key."""
        group = self._tiers.get(tier)
        if not group:
            return
        if start_after is None:
            for _, agent_id in group:
                yield agent_id
            return
        split = group.bisect_right((start_after, "\uffff"))
        for index in range(split, len(group)):
            yield group[index][1]
        for index in range(split):
            yield group[index][1]
