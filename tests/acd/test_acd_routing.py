"""Routing: priorities, skills, agents in several queues, offer timeouts, auto-break and the trace."""

from __future__ import annotations

import json

import pytest
from acd_builders import of_type, offered_agents, unanswered

from fsapp.acd import (AgentState, AgentStateChanged, Bridge, CallerInfo, CancelOffer, DuplicateCall,
                       Hold, Offer, OfferOverdue, QueueExit, UnknownSkill)
from fsapp.acd.router import OVERDUE_RECHECK

S = AgentState


def busy_router(make_router, queues=None, agents=None):
    """A router whose only agent is on break, so calls wait."""
    router = make_router(queues or {"q": {}}, agents or {"anna": {"queues": {"q": 1}}})
    for agent_id in (agents or {"anna": None}):
        router.agent_break(agent_id, "meeting")
    return router


def test_waiting_call_gets_hold_music_and_the_next_free_agent(make_router, clock) -> None:
    router = busy_router(make_router, {"q": {"hold_music": "local_stream://calm"}})
    decisions = router.call_arrived("c1", "q", caller=CallerInfo("+4799999999", "Kari", ("C-17",)))
    assert decisions == [Hold("c1", "q", "local_stream://calm")]
    clock.advance(12)
    decisions = router.agent_ready("anna")
    [offer] = of_type(decisions, Offer)
    assert offer.caller.case_ids == ("C-17",) and offer.waited == 12 and offer.attempt == 1
    assert offer.agents[0].contact == "user/anna"


def test_higher_priority_is_served_first_then_arrival_order(make_router, clock) -> None:
    router = busy_router(make_router)
    for uuid, priority in [("low1", 0), ("low2", 0), ("high", 5), ("low3", 0)]:
        router.call_arrived(uuid, "q", priority=priority)
        clock.advance(1)
    assert router.waiting("q") == ["high", "low1", "low2", "low3"]
    assert router.position("low1") == 2
    served = []
    for _ in range(4):
        decisions = router.agent_ready("anna") if router.agent("anna").state is S.BREAK else router.tick()
        [offer] = of_type(decisions, Offer)
        served.append(offer.call_uuid)
        router.offer_answered(offer.call_uuid, "anna")
        router.call_ended(offer.call_uuid)
        clock.advance(10)
    assert served == ["high", "low1", "low2", "low3"]


def test_call_skills_narrow_the_agents(make_router, clock) -> None:
    agents = {"nb_only": {"queues": {"q": 1}, "skills": {"lang-nb": 8}},
              "bilingual": {"queues": {"q": 1}, "skills": {"lang-nb": 5, "lang-en": 6}}}
    router = make_router({"q": {}}, agents)
    assert offered_agents(router.call_arrived("en1", "q", skills={"lang-en": 3})) == ["bilingual"]
    entry = router.trace("en1")[-1]
    assert entry["considered"] == [{"agent": "nb_only", "tier": 1,
                                    "excluded": "lacks skill lang-en (level 0, needs 3)"}]
    assert entry["chosen"] == ["bilingual"]
    # a second English caller waits although nb_only is free
    assert offered_agents(router.call_arrived("en2", "q", skills={"lang-en": 3})) == []
    assert router.trace("en2")[-1]["event"] == "no-agent"
    # but a Norwegian caller behind them gets nb_only at once
    assert offered_agents(router.call_arrived("nb1", "q", skills={"lang-nb": 1})) == ["nb_only"]


def test_queue_required_skills_keep_unqualified_members_out(make_router, clock) -> None:
    agents = {"novice": {"queues": {"q": 1}, "skills": {"building": 1}},
              "expert": {"queues": {"q": 1}, "skills": {"building": 7}}}
    router = make_router({"q": {"required_skills": {"building": 5}}}, agents)
    router.agent_break("expert", "coffee")
    assert offered_agents(router.call_arrived("c1", "q")) == []
    assert router.trace("c1")[-1]["unqualified"] == 1
    assert offered_agents(router.agent_ready("expert")) == ["expert"]


def test_unknown_skill_and_duplicate_call_are_refused(make_router) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    with pytest.raises(UnknownSkill):
        router.call_arrived("c1", "q", skills={"klingon": 1})
    router.agent_break("anna", "x")
    router.call_arrived("c1", "q")
    with pytest.raises(DuplicateCall):
        router.call_arrived("c1", "q")


def test_agent_in_several_queues_gets_longest_waiting_caller_across_them(make_router, clock) -> None:
    agents = {"anna": {"queues": {"roads": 1, "water": 2}}}
    router = busy_router(make_router, {"roads": {}, "water": {}}, agents)
    router.call_arrived("roads-new", "roads")
    router.call_arrived("water-old", "water", arrived_at=clock() - 60)
    clock.advance(5)
    router.call_arrived("water-vip", "water", priority=3)
    decisions = router.agent_ready("anna")
    assert [o.call_uuid for o in of_type(decisions, Offer)] == ["water-vip"]
    router.offer_answered("water-vip", "anna")
    router.call_ended("water-vip")
    clock.advance(100)
    assert [o.call_uuid for o in of_type(router.tick(), Offer)] == ["water-old"]


def test_unanswered_offer_goes_to_the_next_agent_and_not_back_at_once(make_router, clock) -> None:
    agents = {"a1": {"queues": {"q": 1}}, "a2": {"queues": {"q": 1}}}
    router = make_router({"q": {"offer_timeout": 15, "reoffer_delay": 30}}, agents)
    assert offered_agents(router.call_arrived("c1", "q")) == ["a1"]
    router.offer_ringing("c1", "a1")
    clock.advance(15)
    overdue = router.tick()
    assert overdue == [OfferOverdue("c1", "a1", "no-answer")]   # until the switch says it did not answer
    assert router.agent("a1").state is S.RINGING
    decisions = unanswered(router, overdue)
    assert offered_agents(decisions) == ["a2"]
    assert router.agent("a1").state is S.AVAILABLE and router.agent("a1").no_answer_count == 1
    router.offer_failed("c1", "a2", "rejected")
    # both let it go recently: the call waits, then is offered again after the delay
    assert router.member("c1").offered_to == set()
    clock.advance(30)
    assert offered_agents(router.tick()) == ["a1"]
    events = [e["event"] for e in router.trace("c1") if e["event"] != "announce"]
    assert events == ["arrived", "offer", "offer-failed", "offer", "offer-failed", "no-agent", "offer"]


def test_agent_never_stays_reserved_when_the_phone_never_rings(make_router, clock) -> None:
    router = make_router({"q": {"reserve_timeout": 5}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    assert router.agent("anna").state is S.RESERVED
    assert router.next_deadline() == clock() + 5
    clock.advance(5)
    assert router.tick() == [OfferOverdue("c1", "anna", "reserve-timeout")]
    clock.advance(OVERDUE_RECHECK)   # no word from the service: asked again, never stuck
    assert router.tick() == [OfferOverdue("c1", "anna", "reserve-timeout")]
    router.offer_failed("c1", "anna", "reserve-timeout")
    assert router.agent("anna").state is S.AVAILABLE
    assert router.agent("anna").no_answer_count == 0   # not the agent's fault


def test_an_overdue_offer_the_phone_answered_is_bridged(make_router, clock) -> None:
    router = make_router({"q": {"offer_timeout": 15}}, {"anna": {"queues": {"q": 1}}, "bo": {"queues": {"q": 2}}})
    router.call_arrived("c1", "q")
    router.offer_ringing("c1", "anna")
    clock.advance(15)
    assert router.tick() == [OfferOverdue("c1", "anna", "no-answer")]
    decisions = router.offer_answered("c1", "anna")   # the switch: it answered as the time ran out
    assert of_type(decisions, Bridge) == [Bridge("c1", "anna", "q", 15.0, None)]
    assert router.agent("anna").state is S.ON_CALL and router.agent("anna").no_answer_count == 0
    assert offered_agents(decisions) == [] and router.agent("bo").state is S.AVAILABLE
    clock.advance(OVERDUE_RECHECK)
    assert router.tick() == []


def test_auto_break_after_n_unanswered_offers(make_router, clock) -> None:
    router = make_router({"q": {"reoffer_delay": 0}}, {"anna": {"queues": {"q": 1}, "max_no_answer": 2}})
    router.call_arrived("c1", "q")
    router.offer_failed("c1", "anna", "no-answer")
    assert router.agent("anna").state is S.RESERVED      # offered again (no re-offer delay)
    decisions = router.offer_failed("c1", "anna", "no-answer")
    changes = of_type(decisions, AgentStateChanged)
    assert changes[0].state == "break" and changes[0].reason == "auto-break: 2 unanswered offers"
    assert router.agent("anna").status.reason == "auto-break: 2 unanswered offers"
    assert router.member("c1").offered_to == set()


def test_stale_offer_results_are_ignored(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    router.offer_answered("c1", "anna")
    assert router.offer_failed("c1", "anna", "no-answer") == []
    assert router.offer_ringing("c1", "anna") == []
    assert router.agent("anna").state is S.ON_CALL


def test_abandon_during_ringing_frees_the_agent_for_the_next_caller(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    router.call_arrived("c2", "q")
    router.offer_ringing("c1", "anna")
    clock.advance(25)
    decisions = router.call_ended("c1")
    assert CancelOffer("c1", "anna", "caller left") in decisions
    [exit_] = of_type(decisions, QueueExit)
    assert exit_.outcome == "abandoned" and exit_.waited == 25
    assert offered_agents(decisions) == ["anna"]
    assert router.agent("anna").call_uuid == "c2"
    assert router.queue_stats("q")["service_level"] == 0.0   # abandoned after 20 s counts against


def test_answer_bridges_and_records_the_trace_with_the_exit(make_router, clock) -> None:
    router = make_router({"q": {"wrap_up": 20}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    clock.advance(3)
    decisions = router.offer_answered("c1", "anna")   # answered without a ringing report
    assert [d.kind for d in decisions] == ["agent-state", "bridge", "queue-exit"]
    assert decisions[1] == Bridge("c1", "anna", "q", 3.0, None)
    exit_ = decisions[2]
    assert [e["event"] for e in exit_.trace] == ["arrived", "offer", "answered"]
    json.dumps([d.as_dict() for d in decisions])        # decisions travel as JSON
    clock.advance(100)
    router.call_ended("c1")
    assert router.agent("anna").state is S.WRAP_UP
    clock.advance(20)
    router.tick()
    assert router.queue_stats("q")["average_handle_time"] == 120.0


def test_break_while_ringing_puts_the_call_back(make_router, clock) -> None:
    agents = {"a1": {"queues": {"q": 1}}, "a2": {"queues": {"q": 1}}}
    router = make_router({"q": {}}, agents)
    router.call_arrived("c1", "q")
    router.offer_ringing("c1", "a1")
    decisions = router.agent_break("a1", "fire drill")
    assert decisions[0] == CancelOffer("c1", "a1", "agent went break")
    assert offered_agents(decisions) == ["a2"]


def test_a_call_passed_to_another_agent_stays_theirs_when_the_first_ends_wrap_up(make_router, clock) -> None:
    router = make_router({"q": {"wrap_up": 30.0}}, {"anna": {"queues": {"q": 1}}, "bo": {"queues": {"q": 1}}})
    router.agent_break("bo", "meeting")
    router.call_arrived("c1", "q")
    router.offer_ringing("c1", "anna")
    router.offer_answered("c1", "anna")
    router.call_ended("c1")                       # anna hands the caller over: wrap-up
    router.agent_break("bo", "consultation")
    router.agent_took_call("bo", "c1", "q")       # bo takes the same call
    clock.advance(31)
    router.tick()                                 # anna's wrap-up ends
    assert router.agent("anna").state is S.AVAILABLE
    assert router.agent_call("c1") == "bo"
    router.call_ended("c1")
    assert router.agent("bo").state is S.WRAP_UP
