"""Each strategy picks the agent it promises, and tiers come before strategy."""

from __future__ import annotations

from acd_builders import offered_agents

from fsapp.acd import AgentState, Offer

AGENTS = ("a1", "a2", "a3")


def agents_in(queue: str, **extra) -> dict[str, dict]:
    return {agent_id: {"queues": {queue: 1}, **extra} for agent_id in AGENTS}


def answer_and_finish(router, clock, call_uuid: str, agent_id: str) -> None:
    router.offer_ringing(call_uuid, agent_id)
    router.offer_answered(call_uuid, agent_id)
    router.call_ended(call_uuid)


def test_longest_idle_offers_the_agent_free_longest(make_router, clock) -> None:
    router = make_router({"q": {"strategy": "longest-idle", "wrap_up": 0}}, agents_in("q"))
    # a1 logged in first; after taking a call it is free most recently.
    assert offered_agents(router.call_arrived("c1", "q")) == ["a1"]
    answer_and_finish(router, clock, "c1", "a1")
    clock.advance(5)
    assert offered_agents(router.call_arrived("c2", "q")) == ["a2"]
    assert "longest-idle" in router.trace("c2")[-1]["why"]


def test_round_robin_takes_turns_in_member_order(make_router, clock) -> None:
    router = make_router({"q": {"strategy": "round-robin", "wrap_up": 0}}, agents_in("q"))
    picks = []
    for number in range(5):
        uuid = f"c{number}"
        [agent] = offered_agents(router.call_arrived(uuid, "q"))
        picks.append(agent)
        answer_and_finish(router, clock, uuid, agent)
    assert picks == ["a1", "a2", "a3", "a1", "a2"]


def test_ring_all_offers_everyone_and_the_first_answer_wins(make_router, clock) -> None:
    router = make_router({"q": {"strategy": "ring-all"}}, agents_in("q"))
    [offer] = [d for d in router.call_arrived("c1", "q") if isinstance(d, Offer)]
    assert sorted(t.agent_id for t in offer.agents) == list(AGENTS)
    assert {t.contact for t in offer.agents} == {"user/a1", "user/a2", "user/a3"}
    for agent_id in AGENTS:
        router.offer_ringing("c1", agent_id)
    decisions = router.offer_answered("c1", "a2")
    cancelled = sorted(d.agent_id for d in decisions if d.kind == "cancel-offer")
    assert cancelled == ["a1", "a3"]
    assert [router.agent(a).state for a in AGENTS] == \
        [AgentState.AVAILABLE, AgentState.ON_CALL, AgentState.AVAILABLE]
    # a late answer from a loser is refused so the service hangs that leg up
    late = router.offer_answered("c1", "a1")
    assert [d.kind for d in late] == ["cancel-offer"]


def test_fewest_calls_prefers_the_least_busy_agent(make_router, clock) -> None:
    router = make_router({"q": {"strategy": "fewest-calls"}}, agents_in("q"), login=False)
    for agent_id, handled in {"a1": 5, "a2": 0, "a3": 2}.items():
        router.agent(agent_id).calls_handled = handled
        router.agent_login(agent_id)   # a1 first: it would win on idle time alone
        clock.advance(1)
    picks = [offered_agents(router.call_arrived(f"c{n}", "q")) for n in range(3)]
    assert picks == [["a2"], ["a3"], ["a1"]]
    assert "0 calls handled" in router.trace("c0")[-1]["why"]


def test_skills_based_prefers_higher_levels(make_router, clock) -> None:
    agents = {"junior": {"queues": {"q": 1}, "skills": {"building": 2}},
              "senior": {"queues": {"q": 1}, "skills": {"building": 9}},
              "middle": {"queues": {"q": 1}, "skills": {"building": 5}}}
    router = make_router({"q": {"strategy": "skills-based", "required_skills": {"building": 1}}}, agents)
    assert offered_agents(router.call_arrived("c1", "q")) == ["senior"]
    assert offered_agents(router.call_arrived("c2", "q")) == ["middle"]
    assert "skill score 5" in router.trace("c2")[-1]["why"]


def test_lower_tier_is_asked_only_when_no_first_tier_agent_is_free(make_router, clock) -> None:
    agents = {"backup": {"queues": {"q": 2}}, "main": {"queues": {"q": 1}}}
    router = make_router({"q": {}}, agents)
    assert router.agent("backup").idle_since < router.agent("main").idle_since
    assert offered_agents(router.call_arrived("c1", "q")) == ["main"]
    assert offered_agents(router.call_arrived("c2", "q")) == ["backup"]


def test_ring_all_rings_only_the_best_tier(make_router, clock) -> None:
    agents = {"t1a": {"queues": {"q": 1}}, "t1b": {"queues": {"q": 1}}, "t2": {"queues": {"q": 2}}}
    router = make_router({"q": {"strategy": "ring-all"}}, agents)
    assert sorted(offered_agents(router.call_arrived("c1", "q"))) == ["t1a", "t1b"]
    assert offered_agents(router.call_arrived("c2", "q")) == ["t2"]
