"""Random event sequences keep the router consistent: indexes match states, nobody is stuck."""

from __future__ import annotations

from acd_builders import build_config
from hypothesis import given, settings
from hypothesis import strategies as st

from fsapp.acd import AgentState, ManualClock, Router

S = AgentState
AGENTS = ["a1", "a2", "a3"]
CONFIG = build_config(
    {"q": {"strategy": "ring-all", "reserve_timeout": 3, "offer_timeout": 5, "wrap_up": 2},
     "r": {"strategy": "round-robin", "required_skills": {"lang-en": 1}, "offer_timeout": 5}},
    {"a1": {"queues": {"q": 1, "r": 1}, "skills": {"lang-en": 3}, "max_no_answer": 2},
     "a2": {"queues": {"q": 2}}, "a3": {"queues": {"q": 1, "r": 2}, "skills": {"lang-en": 1}}})

EVENTS = st.lists(st.tuples(
    st.sampled_from(["arrive", "ring", "answer", "fail", "hangup", "ready", "break", "tick"]),
    st.integers(0, 5), st.sampled_from(AGENTS), st.floats(0, 4)), max_size=60)


def check(router: Router) -> None:
    for agent in router.agents.values():
        for name, runtime in router.queues.items():
            if name in agent.config.queues and agent.id in runtime.tiers:
                assert (agent.id in runtime.available) == (agent.state is S.AVAILABLE)
        if agent.state in (S.RESERVED, S.RINGING):
            assert agent.call_uuid in router.members
            assert agent.id in router.members[agent.call_uuid].offered_to
            assert router.timers.due_of(("agent", agent.id)) is not None
    for uuid, member in router.members.items():
        assert router.queues[member.queue].line.position(member) is not None
        for agent_id in member.offered_to:
            assert router.agents[agent_id].call_uuid == uuid
    for name, runtime in router.queues.items():
        members = [a for a in router.agents.values() if name in a.config.queues]
        assert sum(runtime.states.values()) == len(members)


@settings(max_examples=150, deadline=None, database=None)
@given(EVENTS)
def test_random_events_keep_the_router_consistent(events) -> None:
    clock = ManualClock(0.0)
    router = Router(CONFIG, clock)
    for agent_id in AGENTS:
        router.agent_login(agent_id)
    for kind, number, agent_id, dt in events:
        clock.advance(dt)
        uuid = f"c{number}"
        agent = router.agent(agent_id)
        if kind == "arrive" and uuid not in router.members and router.agent_call(uuid) is None:
            router.call_arrived(uuid, "r" if number % 2 else "q")
        elif kind == "ring" and agent.call_uuid:
            router.offer_ringing(agent.call_uuid, agent_id)
        elif kind == "answer" and agent.call_uuid:
            router.offer_answered(agent.call_uuid, agent_id)
        elif kind == "fail" and agent.call_uuid:
            router.offer_failed(agent.call_uuid, agent_id, "rejected")
        elif kind == "hangup":
            router.call_ended(uuid)
        elif kind == "ready" and agent.state in (S.BREAK, S.WRAP_UP, S.LOGGED_OUT):
            router.agent_ready(agent_id)
        elif kind == "break" and agent.state is not S.ON_CALL:
            router.agent_break(agent_id, "random")
        else:
            router.tick()
        check(router)
    # with time passing and no more events, nobody stays reserved, ringing or in wrap-up
    clock.advance(60)
    router.tick()
    check(router)
    for agent in router.agents.values():
        assert agent.state not in (S.WRAP_UP,) and (agent.state not in (S.RESERVED, S.RINGING)
                                                    or clock() < (agent.deadline or 0))
