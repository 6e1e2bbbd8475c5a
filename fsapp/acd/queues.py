"""Runtime state of one queue: its line, its available agents, statistics and staffing counts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fsapp.acd.availability import QueueAvailability
from fsapp.acd.config import AcdConfig, QueueConfig
from fsapp.acd.states import STAFFED, AgentState
from fsapp.acd.stats import HandleTimeEstimator, ServiceLevelStats, estimated_wait
from fsapp.acd.strategies import lacking_skills
from fsapp.acd.waitlist import WaitList
from fsapp.acd.models import Agent


@dataclass
class QueueRuntime:
    config: QueueConfig
    line: WaitList
    available: QueueAvailability
    handle_time: HandleTimeEstimator
    service_level: ServiceLevelStats
    member_index: dict[str, int]                 # agent id -> position in the queue's member list
    tiers: dict[str, int]                        # agent id -> tier (agents meeting the queue's skills)
    unqualified: dict[str, str]                  # agent id -> why it does not meet the queue's skills
    states: Counter[AgentState] = field(default_factory=Counter)
    round_robin_last: tuple[Any, ...] | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def staffed(self) -> int:
        return sum(count for state, count in self.states.items() if state in STAFFED)

    def estimated_wait(self, position: int) -> float | None:
        return estimated_wait(position, self.handle_time.average, self.staffed)


def build_queues(config: AcdConfig, agents: dict[str, Agent]) -> dict[str, QueueRuntime]:
    """One runtime per configured queue, with its qualified members and their tiers."""
    queues: dict[str, QueueRuntime] = {}
    for name, queue in config.queues.items():
        queues[name] = QueueRuntime(
            config=queue, line=WaitList(), available=QueueAvailability(queue),
            handle_time=HandleTimeEstimator(queue.default_handle_time, queue.handle_time_weight),
            service_level=ServiceLevelStats(queue.service_level.seconds, queue.sl_window),
            member_index={}, tiers={}, unqualified={})
    for agent in agents.values():
        for queue_name, tier in agent.config.queues.items():
            runtime = queues[queue_name]
            runtime.member_index[agent.id] = len(runtime.member_index)
            reason = lacking_skills(agent, runtime.config.required_skills)
            if reason:
                runtime.unqualified[agent.id] = reason
            else:
                runtime.tiers[agent.id] = tier
            runtime.states[agent.state] += 1
    return queues
