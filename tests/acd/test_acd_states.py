"""The agent state machine: allowed moves, refused moves, and how the router uses it."""

from __future__ import annotations

import pytest

from fsapp.acd import TRANSITIONS, AgentState, IllegalTransition, can_transition
from fsapp.acd.states import AgentStatus

S = AgentState


def test_every_state_has_a_way_back_to_available() -> None:
    for state in AgentState:
        if state is S.AVAILABLE:
            continue
        assert S.AVAILABLE in TRANSITIONS[state], state


@pytest.mark.parametrize(("current", "requested"), [
    (S.LOGGED_OUT, S.RESERVED), (S.LOGGED_OUT, S.ON_CALL), (S.BREAK, S.RESERVED),
    (S.AVAILABLE, S.ON_CALL), (S.AVAILABLE, S.WRAP_UP), (S.ON_CALL, S.LOGGED_OUT), (S.ON_CALL, S.ON_CALL),
    (S.ON_CALL, S.BREAK), (S.WRAP_UP, S.ON_CALL), (S.RINGING, S.RESERVED),
])
def test_illegal_moves_raise_with_both_states(current: AgentState, requested: AgentState) -> None:
    status = AgentStatus("anna", current, since=5.0)
    assert not can_transition(current, requested)
    with pytest.raises(IllegalTransition) as caught:
        status.move(requested, 10.0)
    assert (caught.value.agent_id, caught.value.current, caught.value.requested) == \
        ("anna", current.value, requested.value)
    assert status.state is current and status.since == 5.0


def test_break_keeps_its_reason_and_leaving_break_clears_it() -> None:
    status = AgentStatus("anna", S.AVAILABLE)
    assert status.move(S.BREAK, 3.0, "lunch") is S.AVAILABLE
    assert (status.state, status.reason, status.since) == (S.BREAK, "lunch", 3.0)
    status.move(S.AVAILABLE, 4.0)
    assert status.reason is None


def test_router_refuses_logout_during_a_call(make_router, clock) -> None:
    router = make_router({"q": {}}, {"anna": {"queues": {"q": 1}}})
    router.call_arrived("c1", "q")
    router.offer_ringing("c1", "anna")
    router.offer_answered("c1", "anna")
    with pytest.raises(IllegalTransition):
        router.agent_logout("anna")
    assert router.agent("anna").state is S.ON_CALL
    assert router.queue_stats("q")["agents"] == {"on-call": 1}


def test_full_call_cycle_goes_through_every_busy_state(make_router, clock) -> None:
    router = make_router({"q": {"wrap_up": 30}}, {"anna": {"queues": {"q": 1}}})
    seen = [router.agent("anna").state]
    router.call_arrived("c1", "q")
    seen.append(router.agent("anna").state)
    router.offer_ringing("c1", "anna")
    seen.append(router.agent("anna").state)
    router.offer_answered("c1", "anna")
    seen.append(router.agent("anna").state)
    router.call_ended("c1")
    seen.append(router.agent("anna").state)
    clock.advance(30)
    router.tick()
    seen.append(router.agent("anna").state)
    assert seen == [S.AVAILABLE, S.RESERVED, S.RINGING, S.ON_CALL, S.WRAP_UP, S.AVAILABLE]
