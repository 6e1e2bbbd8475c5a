"""Routing decision time of the ACD router, against a linear-scan baseline in the same run.

Scenario (the issue's): 1,000 agents, 20 queues, 5,000 waiting calls. Every agent serves 3 queues (tiers
1-2); all are busy, so callers wait. One measured step: a random agent finishes its call and becomes
available, which makes the router pick the longest-waiting caller (priority first) it can take across its
queues; then a new caller arrives and is queued. A second scenario measures arrivals while a third of
the agents are free (the router picks an agent by strategy, filtering by call skills).

The baseline answers the same questions by scanning every waiting call / every agent, as a naive
implementation would; its answers are checked against the router's.

Prints one JSON line: median and p99 in microseconds, the baseline's, the ratio, and how both grow with
agents (100/1,000/5,000) and waiting calls (500/5,000/20,000).
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fsapp.acd import AcdConfig, AgentConfig, AgentState, ManualClock, Offer, QueueConfig, Router  # noqa: E402
from fsapp.acd.config import AnnouncePolicy, Strategy  # noqa: E402
from fsapp.acd.models import Agent, Member  # noqa: E402

QUEUES = 20
QUEUES_PER_AGENT = 3
SAMPLES = 1500
STRATEGIES = [Strategy.LONGEST_IDLE, Strategy.FEWEST_CALLS, Strategy.SKILLS_BASED, Strategy.ROUND_ROBIN]
SKILLS = {"lang-nb": "", "lang-en": "", **{f"dom-{q}": "" for q in range(QUEUES)}}


def build_config(agents: int, rng: random.Random) -> AcdConfig:
    queues = {f"q{q}": QueueConfig(name=f"q{q}", strategy=STRATEGIES[q % len(STRATEGIES)],
                                   required_skills={f"dom-{q}": 1}, announce=AnnouncePolicy(every=0),
                                   wrap_up=0, reoffer_delay=0)
              for q in range(QUEUES)}
    agent_configs = {}
    for index in range(agents):
        member_of = rng.sample(range(QUEUES), QUEUES_PER_AGENT)
        skills = {"lang-nb": rng.randint(3, 10), **{f"dom-{q}": rng.randint(1, 10) for q in member_of}}
        if rng.random() < 0.5:
            skills["lang-en"] = rng.randint(1, 10)
        agent_configs[f"a{index}"] = AgentConfig(
            id=f"a{index}", contact=f"user/{1000 + index}", skills=skills,
            queues={f"q{q}": rng.choice((1, 1, 2)) for q in member_of})
    return AcdConfig(skills=SKILLS, queues=queues, agents=agent_configs)


def call_skills(rng: random.Random) -> dict[str, int]:
    roll = rng.random()
    return {"lang-en": 1} if roll < 0.2 else {"lang-nb": 3} if roll < 0.5 else {}


def answer_offers(router: Router, decisions: list[Any]) -> None:
    for offer in decisions:
        if isinstance(offer, Offer):
            router.offer_answered(offer.call_uuid, offer.agents[0].agent_id)


# --------------------------------------------------------------------- the linear-scan baseline

def naive_call_for(router: Router, agent: Agent) -> str | None:
    """Scan every waiting call for the best one this agent may take."""
    queues = {name for name in agent.config.queues if agent.id in router.queues[name].tiers}
    skills = agent.config.skills
    best: tuple[Any, ...] | None = None
    for member in router.members.values():
        if member.queue not in queues or member.offered_to:
            continue
        if all(skills.get(name, 0) >= level for name, level in member.skills.items()):
            key = (-member.priority, member.arrived_at, member.seq, member.call_uuid)
            if best is None or key < best:
                best = key
    return None if best is None else best[3]


def naive_agent_for(router: Router, member: Member) -> str | None:
    """Scan every agent for the longest-idle available one of the best tier that qualifies."""
    runtime = router.queues[member.queue]
    best: tuple[Any, ...] | None = None
    for agent in router.agents.values():
        tier = runtime.tiers.get(agent.id)
        if tier is None or agent.state is not AgentState.AVAILABLE:
            continue
        if all(agent.config.skills.get(name, 0) >= level for name, level in member.skills.items()):
            key = (tier, agent.idle_since, agent.id)
            if best is None or key < best:
                best = key
    return None if best is None else best[2]


# --------------------------------------------------------------------- scenarios

def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter_ns()
    result = action()
    return (time.perf_counter_ns() - start) / 1000.0, result


def overloaded(agents: int, waiting: int, seed: int = 7) -> dict[str, Any]:
    """All agents busy, ``waiting`` callers queued; time 'call ends, agent picks the next caller'
    (no wrap-up) and 'caller queued'."""
    rng = random.Random(seed)
    clock = ManualClock(0.0)
    router = Router(build_config(agents, rng), clock)
    for agent_id in router.agents:
        router.agent_login(agent_id)
    serial = 0
    while len(router.members) < waiting or any(a.state is AgentState.AVAILABLE for a in router.agents.values()):
        clock.advance(0.01)
        answer_offers(router, router.call_arrived(f"c{serial}", f"q{rng.randrange(QUEUES)}",
                                                  priority=rng.choice((0, 0, 0, 1)), skills=call_skills(rng)))
        serial += 1
    ready_times, arrive_times, naive_times, agree = [], [], [], 0
    on_call = [a for a in router.agents.values() if a.state is AgentState.ON_CALL]
    gc.collect()
    gc.disable()
    for _ in range(SAMPLES):
        agent = on_call.pop(rng.randrange(len(on_call)))
        clock.advance(0.5)
        naive_us, expected = timed(lambda: naive_call_for(router, agent))
        call_uuid = agent.call_uuid or ""
        took, decisions = timed(lambda: router.call_ended(call_uuid))
        offers = [d for d in decisions if isinstance(d, Offer)]
        agree += (offers[0].call_uuid if offers else None) == expected
        ready_times.append(took)
        naive_times.append(naive_us)
        answer_offers(router, decisions)
        if agent.state is AgentState.ON_CALL:
            on_call.append(agent)
        took, decisions = timed(lambda: router.call_arrived(f"c{serial}", f"q{rng.randrange(QUEUES)}",
                                                            priority=rng.choice((0, 0, 0, 1)),
                                                            skills=call_skills(rng)))
        serial += 1
        arrive_times.append(took)
    gc.enable()
    return {"ready": ready_times, "arrive": arrive_times, "naive": naive_times, "agree": agree,
            "waiting": len(router.members)}


def agents_free(agents: int, seed: int = 11) -> dict[str, Any]:
    """A third of the agents available; time the choice of agent for arriving callers."""
    rng = random.Random(seed)
    clock = ManualClock(0.0)
    router = Router(build_config(agents, rng), clock)
    for agent_id in router.agents:
        router.agent_login(agent_id)
        clock.advance(0.01)
    serial = 0
    for _ in range(agents * 2 // 3):
        answer_offers(router, router.call_arrived(f"w{serial}", f"q{rng.randrange(QUEUES)}"))
        serial += 1
    times, naive_times, agree, compared = [], [], 0, 0
    gc.collect()
    gc.disable()
    for _ in range(SAMPLES):
        clock.advance(0.5)
        queue = f"q{rng.randrange(QUEUES)}"
        skills = call_skills(rng)
        probe = Member("probe", queue, 0, clock(), clock(), 0, skills)
        naive_us, expected = timed(lambda: naive_agent_for(router, probe))
        took, decisions = timed(lambda: router.call_arrived(f"n{serial}", queue, skills=skills))
        offers = [d for d in decisions if isinstance(d, Offer)]
        got = offers[0].agents[0].agent_id if offers else None
        if router.queues[queue].config.strategy is Strategy.LONGEST_IDLE:
            agree += got == expected
            compared += 1
        times.append(took)
        naive_times.append(naive_us)
        if offers:   # the call is handled and the agent comes back, keeping the free share steady
            router.offer_answered(f"n{serial}", got or "")
            router.call_ended(f"n{serial}")
        else:
            router.caller_abandoned(f"n{serial}")
        serial += 1
    gc.enable()
    return {"arrive": times, "naive": naive_times, "agree_longest_idle": f"{agree}/{compared}"}


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"median_us": round(statistics.median(ordered), 2),
            "p99_us": round(ordered[int(len(ordered) * 0.99) - 1], 2)}


def main() -> None:
    head = overloaded(1000, 5000)
    decision_times = head["ready"] + head["arrive"]
    free = agents_free(1000)
    growth_agents = []
    for agents in (100, 1000, 5000):
        run = head if agents == 1000 else overloaded(agents, 5000)
        growth_agents.append({"agents": agents, "waiting": 5000, **summary(run["ready"] + run["arrive"]),
                              "naive": summary(run["naive"])})
    growth_waiting = []
    for waiting in (500, 5000, 20000):
        run = head if waiting == 5000 else overloaded(1000, waiting)
        growth_waiting.append({"agents": 1000, "waiting": waiting, **summary(run["ready"] + run["arrive"]),
                               "naive": summary(run["naive"])})
    result = {
        "benchmark": "acd_routing", "agents": 1000, "queues": QUEUES, "waiting": head["waiting"],
        "samples": len(decision_times), **summary(decision_times), "target_p99_us": 1000.0,
        "meets_target": summary(decision_times)["p99_us"] < 1000.0,
        "agent_free_pick_call": summary(head["ready"]), "call_queued": summary(head["arrive"]),
        "naive_pick_call": summary(head["naive"]),
        "ratio_pick_call_median": round(statistics.median(head["naive"]) / statistics.median(head["ready"]), 1),
        "agrees_with_naive": f"{head['agree']}/{len(head['ready'])}",
        "agents_free_pick_agent": {**summary(free["arrive"]), "naive": summary(free["naive"]),
                                   "ratio_median": round(statistics.median(free["naive"])
                                                         / statistics.median(free["arrive"]), 1),
                                   "agrees_with_naive_longest_idle": free["agree_longest_idle"]},
        "growth_with_agents": growth_agents, "growth_with_waiting": growth_waiting,
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
