"""Reconciliation against the switch's channels, and snapshot/restore across a controller restart."""

from __future__ import annotations

import json

import pytest
from acd_builders import build_config, of_type

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
    decisions = again.tick()
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
