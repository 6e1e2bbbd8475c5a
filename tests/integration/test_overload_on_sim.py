"""New callers turned away (SIP 503) while the switch answers commands late, recorded, and let in again after."""

from __future__ import annotations

from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.switch.overload import MIN_EVIDENCE, WINDOW, OverloadGuard
from tests.integration.conftest import MONDAY_MORNING, WAIT

LATE = 1.3   # real seconds each command waits on the starved switch: over the guard's 1 s


class Clock:
    """The guard's windows, moved on by the test (the round trips themselves are real seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_callers_are_refused_while_commands_come_back_late_and_let_in_again(sim: SimulatedSwitch, make_controller,
                                                                          sim_speed: float) -> None:
    controller = make_controller(MONDAY_MORNING)
    assert controller.config.switch.overload_after == 1.0   # the default
    clock = Clock()
    controller.switch.overload = guard = OverloadGuard(controller.config.switch.overload_after, clock)
    sim.slow_commands(LATE * sim_speed)
    connection = controller.switch.connection()
    for _ in range(MIN_EVIDENCE):
        connection.api("status")   # each answered LATE real seconds after it was sent
    sim.slow_commands(0)
    clock.now += WINDOW

    refused = sim.place_call(caller="+4790000041", script=CallerScript(hangup_after=900.0))
    channel = sim.channel(refused)
    assert sim.wait_gone(refused, WAIT)
    assert (channel.hangup_cause, channel.answer_state) == ("NORMAL_TEMPORARY_FAILURE", "hangup")
    assert not channel.answered   # turned away before the answer: the caller's network says 503
    summary = controller.wait_finished(refused, WAIT)
    assert (summary.path.outcome, summary.path.nodes) == ("refused", [])
    record = controller.store.call(refused)
    assert (record["outcome"], record["hangup_cause"]) == ("refused", "NORMAL_TEMPORARY_FAILURE")
    assert guard.share == 0.5 and guard.last_median >= LATE and guard.refused == 1

    let_in = sim.place_call(caller="+4790000042", script=CallerScript(hangup_after=20.0))   # every other one
    summary = controller.wait_finished(let_in, WAIT)
    assert summary.path.outcome != "refused" and summary.path.nodes[0] == "opening_hours"
    assert controller.store.call(let_in)["outcome"] != "refused"
    assert guard.refused == 1
