"""Reconciliation against the switch's channels, and snapshot/restore across a controller restart."""

from __future__ import annotations

import json

import pytest
from acd_builders import build_config, of_type, unanswered

from fsapp.acd import AgentState, CallerInfo, ManualClock, Offer, QueueExit, Repair, Router, SnapshotError

S = AgentState


def test_agents_stuck_with_no_channel_are_released_and_described(make_router, clock) -> None:
    agents = {"ringer": {"queues": {"q": 1}}, "talker": {"queues": {"q": 1}}, "fine": {"queues": {"q": 1}}}
    router = make_router({"q": {"reserve_timeout": 999, "offer_timeout": 999}}, agents)
    router.call_arrived("gone-call", "q")          # offered to ringer
    router.call_arrived("talk-gone", "q")          # offered to talker
    router.offer_answered("talk-gone", "talker")
    router.call_arrived("talk-live", "q")          # offered to fine
    router.offer_answered("talk-live", "fine")
    assert router.agent("ringer").state is S.RESERVED
    decisions = router.reconcile(live_channel_uuids={"talk-live"}, agent_calls={"fine": "leg-fine"})
    repairs = of_type(decisions, Repair)
    assert {(r.subject, r.subject_id, r.action) for r in repairs} == {
        ("member", "gone-call", "member-removed"), ("agent", "talker", "agent-released")}
    assert all(r.description.startswith(("call gone-call", "agent talker")) for r in repairs)
    assert router.agent("ringer").state is S.AVAILABLE
    assert router.agent("talker").state is S.AVAILABLE
    assert router.agent("fine").state is S.ON_CALL
    assert [e.outcome for e in of_type(decisions, QueueExit)] == ["removed"]
    assert router.reconcile({"talk-live"}, {"fine": "leg-fine"}) == []   # nothing left to repair


def test_agent_whose_own_leg_is_live_is_left_alone(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.add_callback("cb-1", "q", "+4790000000")
    router.offer_answered("cb-1", "anna")          # a callback: no caller channel yet
    assert router.reconcile(set(), {"anna": "anna-leg"}) == []
    assert router.agent("anna").state is S.ON_CALL


def test_callback_requests_survive_reconciliation(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.agent_break("anna", "x")
    router.add_callback("cb-1", "q", "+4790000000")
    router.call_arrived("live", "q")
    router.call_arrived("dead", "q")
    decisions = router.reconcile({"live"}, {})
    assert [r.subject_id for r in of_type(decisions, Repair)] == ["dead"]
    assert router.waiting("q") == ["cb-1", "live"]


def test_reconciled_agent_takes_the_next_caller(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    router.offer_answered("c1", "anna")
    router.call_arrived("c2", "q")
    decisions = router.reconcile({"c2"}, {})
    assert [o.call_uuid for o in of_type(decisions, Offer)] == ["c2"]


def restarted(router: Router, clock: ManualClock, config) -> Router:
    data = json.loads(json.dumps(router.snapshot()))   # as it would be stored
    return Router.restore(config, clock, data)


def test_restore_keeps_waiting_order_and_carries_on(clock) -> None:
    config = build_config({"q": {"wrap_up": 0}, "r": {}},
                          {"anna": {"queues": {"q": 1, "r": 1}}, "bo": {"queues": {"q": 1}}})
    router = Router(config, clock)
    router.agent_login("anna")
    router.agent_login("bo")
    router.call_arrived("talking", "q")
    router.offer_answered("talking", "anna")
    router.call_arrived("ringing", "q")
    router.offer_ringing("ringing", "bo")
    for uuid, priority in [("w1", 0), ("w2", 0), ("vip", 2), ("w3", 0)]:
        clock.advance(1)
        router.call_arrived(uuid, "q", priority=priority, caller=CallerInfo("+47" + uuid))
    router.request_callback("w2", "+4790000002")
    before = router.waiting("q")

    clock.advance(3)
    again = restarted(router, clock, config)
    assert again.waiting("q") == before == ["vip", "ringing", "w1", "w2", "w3"]
    assert again.agent("anna").state is S.ON_CALL and again.agent("bo").state is S.RINGING
    assert again.member("w2").is_callback and again.member("w1").caller.number == "+47w1"
    assert again.trace("vip") == router.trace("vip")
    # the ringing offer still times out after the restart
    clock.advance(20)
    decisions = unanswered(again, again.tick())
    assert again.agent("bo").state is S.RESERVED and again.agent("bo").call_uuid == "vip"
    assert [o.call_uuid for o in of_type(decisions, Offer)] == ["vip"]
    # new callers go behind the restored ones
    again.call_arrived("new", "q")
    assert again.waiting("q")[-1] == "new"
    decisions = again.call_ended("talking")            # no wrap-up: anna takes the next caller
    assert [o.call_uuid for o in of_type(decisions, Offer)] == ["ringing"]


def test_restore_refuses_an_unknown_version(clock) -> None:
    config = build_config({"q": {}}, {})
    with pytest.raises(SnapshotError):
        Router.restore(config, clock, {"version": 99})


def test_restore_drops_members_of_removed_queues(clock) -> None:
    old = build_config({"q": {}, "gone": {}}, {})
    router = Router(old, clock)
    router.call_arrived("c1", "q")
    router.call_arrived("c2", "gone")
    again = Router.restore(build_config({"q": {}}, {}), clock, router.snapshot())
    assert list(again.members) == ["c1"]


@pytest.mark.parametrize("saved_as", ["logged-out", "available", "ringing", "wrap-up", "consultation"])
def test_an_agent_the_switch_shows_talking_to_a_caller_is_on_call_with_them(make_router, clock,
                                                                          saved_as: str) -> None:
    """The saved state lags the switch (a crash within the snapshot interval of an answer or a transfer): the
    switch is right. Where the saved line still holds the caller, they leave it answered by the agent."""
    from fsapp.acd.reconcile import agent_found_on_call

    agents = {"anna": {"queues": {"q": 1}}, "bo": {"queues": {"q": 1}}}
    router = make_router({"q": {"strategy": "ring-all", "reserve_timeout": 999, "offer_timeout": 999}},
                         agents, login=saved_as != "logged-out")
    if saved_as == "logged-out":
        router.call_arrived("c1", "q")             # nobody logged in: the caller waits
    elif saved_as == "ringing":
        router.call_arrived("c1", "q")             # rung on anna and bo
        router.offer_ringing("c1", "anna")
    elif saved_as == "wrap-up":
        router.call_arrived("earlier", "q")
        router.offer_answered("earlier", "anna")
        router.call_ended("earlier")
    elif saved_as == "consultation":
        router.agent_break("anna", "consultation")
    was_waiting = "c1" in router.members
    decisions = agent_found_on_call(router, "anna", "c1", "q")
    assert [(r.subject_id, r.action) for r in of_type(decisions, Repair)] == [("anna", "agent-on-call")]
    assert router.agent("anna").state is S.ON_CALL and router.agent_call("c1") == "anna"
    assert "c1" not in router.members
    assert [(e.outcome, e.agent_id) for e in of_type(decisions, QueueExit)] == (
        [("answered", "anna")] if was_waiting else [])
    assert not [o for o in of_type(decisions, Offer) if o.call_uuid == "c1"]
    assert router.agent("bo").state in (S.AVAILABLE, S.LOGGED_OUT)   # not left ringing for a taken caller
    assert agent_found_on_call(router, "anna", "c1", "q") == []      # once
    router.call_ended("c1")
    assert router.agent("anna").state is S.WRAP_UP


def test_an_agent_the_state_has_on_another_call_is_left_to_the_ordinary_repairs(make_router, clock) -> None:
    from fsapp.acd.reconcile import agent_found_on_call

    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    router.offer_answered("c1", "anna")
    assert agent_found_on_call(router, "anna", "c2", "q") == []
    assert router.agent_call("c1") == "anna"
