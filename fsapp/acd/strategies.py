"""Strategies: how a queue ranks its available agents (lowest key first).

- longest-idle: earliest ``idle_since``
- fewest-calls: fewest ``calls_handled``, then longest idle
- skills-based: highest sum of levels in the queue's required skills (all skills if it requires none),
  then longest idle; skills a single call asks for are a filter, not part of the ranking
- round-robin: member order in the configuration, starting after the agent offered last
- ring-all: every eligible agent of the best tier is offered at once (ranked longest-idle for the trace)
"""

from __future__ import annotations

from typing import Any

from fsapp.acd.config import QueueConfig, Strategy
from fsapp.acd.models import Agent


def skill_score(queue: QueueConfig, agent: Agent) -> int:
    skills = agent.config.skills
    wanted = queue.required_skills or skills
    return sum(skills.get(name, 0) for name in wanted)


def ranking_key(queue: QueueConfig, agent: Agent, member_index: int) -> tuple[Any, ...]:
    strategy = queue.strategy
    if strategy is Strategy.ROUND_ROBIN:
        return (member_index,)
    if strategy is Strategy.FEWEST_CALLS:
        return (agent.calls_handled, agent.idle_since)
    if strategy is Strategy.SKILLS_BASED:
        return (-skill_score(queue, agent), agent.idle_since)
    return (agent.idle_since,)


def explain_choice(queue: QueueConfig, agent: Agent, now: float) -> str:
    """Why the strategy put this agent first, for the routing trace."""
    strategy = queue.strategy
    idle = f"idle {now - agent.idle_since:.1f} s"
    if strategy is Strategy.FEWEST_CALLS:
        return f"fewest-calls: {agent.calls_handled} calls handled, {idle}"
    if strategy is Strategy.SKILLS_BASED:
        return f"skills-based: skill score {skill_score(queue, agent)}, {idle}"
    if strategy is Strategy.ROUND_ROBIN:
        return "round-robin: next in turn"
    if strategy is Strategy.RING_ALL:
        return "ring-all: every eligible agent of the best tier"
    return f"longest-idle: {idle}"


def lacking_skills(agent: Agent, required: dict[str, int]) -> str | None:
    """A reason if the agent does not meet ``required`` (skill -> minimum level), else None."""
    skills = agent.config.skills
    for name, minimum in required.items():
        level = skills.get(name, 0)
        if level < minimum:
            return f"lacks skill {name} (level {level}, needs {minimum})"
    return None
