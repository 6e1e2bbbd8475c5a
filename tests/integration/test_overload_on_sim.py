"""New callers while the switch answers commands late: let in at a pace, the others ringing at the door until
there is room (or turned away with a SIP 503 when their wait is over), recorded, and all let in again after."""

from __future__ import annotations

import logging
from collections import defaultdict

import pytest
from gevent.event import Event as Flag

from fsapp.controller import Controller
from fsapp.esl.events import Event
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.switch.channel import Channel
from fsapp.switch.overload import MIN_EVIDENCE, WINDOW, OverloadGuard
from tests.integration.conftest import MONDAY_MORNING, WAIT

LATE = 1.3   # real seconds each command waits on the starved switch: over the guard's 1 s


class Clock:
    """The guard's windows, moved on by the test (the round trips themselves are real seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Seen:
    """The events the controller's switch link has had, by name and channel, to wait on."""

    def __init__(self, controller: Controller) -> None:
        self.flags: dict[tuple[str, str], Flag] = defaultdict(Flag)
        controller.switch.listen(self._on_event)

    def _on_event(self, event: Event, _channel: Channel | None) -> None:
        self.flags[(event.name, event.uuid)].set()

    def wait(self, name: str, uuid: str) -> None:
        assert self.flags[(name, uuid)].wait(WAIT), f"no {name} for call {uuid}"


def overloaded(sim: SimulatedSwitch, controller: Controller, sim_speed: float, wait: float) -> tuple[OverloadGuard,
                                                                                                      Clock]:
    """The controller's guard on a clock of the test's, after a window of commands answered LATE: the pace is
    then one caller a second, with no room yet."""
    clock = Clock()
    controller.switch.overload = guard = OverloadGuard(controller.config.switch.overload_after, clock, wait)
    sim.slow_commands(LATE * sim_speed)
    connection = controller.switch.connection()
    for _ in range(MIN_EVIDENCE):
        connection.api("status")   # each answered LATE real seconds after it was sent
    sim.slow_commands(0)
    clock.now += WINDOW
    return guard, clock


def ringing_at_the_door(sim: SimulatedSwitch, controller: Controller, sim_speed: float, wait: float,
                        caller: str, hangup_after: float) -> tuple[OverloadGuard, Clock, str]:
    """A new caller on an overloaded switch with no room yet, told it rings (CHANNEL_PROGRESS): the guard, its
    clock and the call's UUID."""
    seen = Seen(controller)
    guard, clock = overloaded(sim, controller, sim_speed, wait)
    uuid = sim.place_call(caller=caller, script=CallerScript(hangup_after=hangup_after))
    seen.wait("CHANNEL_PROGRESS", uuid)   # ring_ready: the caller hears ringing, not silence
    return guard, clock, uuid


def test_a_caller_who_cannot_wait_is_refused_at_once_and_the_next_let_in_as_the_pace_makes_room(
        sim: SimulatedSwitch, make_controller, sim_speed: float) -> None:
    controller = make_controller(MONDAY_MORNING)
    assert (controller.config.switch.overload_after, controller.config.switch.overload_wait) == (1.0, 5.0)
    guard, clock = overloaded(sim, controller, sim_speed, wait=0.0)

    refused = sim.place_call(caller="+4790000041", script=CallerScript(hangup_after=900.0))
    channel = sim.channel(refused)
    assert sim.wait_gone(refused, WAIT)
    assert (channel.hangup_cause, channel.answer_state) == ("NORMAL_TEMPORARY_FAILURE", "hangup")
    assert not channel.answered   # turned away before the answer: the caller's network says 503
    summary = controller.wait_finished(refused, WAIT)
    assert (summary.path.outcome, summary.path.nodes) == ("refused", [])
    record = controller.store.call(refused)
    assert (record["outcome"], record["hangup_cause"]) == ("refused", "NORMAL_TEMPORARY_FAILURE")
    assert guard.pace == 1 and guard.last_median >= LATE and guard.refused == 1

    clock.now += WINDOW   # a second at one caller a second: room for the next
    let_in = sim.place_call(caller="+4790000042", script=CallerScript(hangup_after=20.0))
    summary = controller.wait_finished(let_in, WAIT)
    assert summary.path.outcome != "refused" and summary.path.nodes[0] == "opening_hours"
    assert controller.store.call(let_in)["outcome"] != "refused"
    assert guard.refused == 1


def test_a_caller_waits_ringing_at_the_door_unanswered_and_is_let_in_once_there_is_room(
        sim: SimulatedSwitch, make_controller, sim_speed: float, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="fsapp.controller")
    controller = make_controller(MONDAY_MORNING)
    seen = Seen(controller)
    guard, clock, uuid = ringing_at_the_door(sim, controller, sim_speed, 10.0, "+4790000043", 20.0)
    channel = sim.channel(uuid)
    assert (channel.call_state, channel.answered, guard.waiting) == ("RINGING", False, 1)
    assert controller._health()["callers_at_the_door"] == 1
    assert "the switch is overloaded (its commands take" in caplog.text and "ring for up to 10.0 s" in caplog.text

    clock.now += WINDOW   # room for one
    seen.wait("CHANNEL_ANSWER", uuid)
    summary = controller.wait_finished(uuid, WAIT)
    assert summary.path.outcome != "refused" and summary.path.nodes[0] == "opening_hours"
    assert (guard.waiting, guard.refused) == (0, 0)
    clock.now += 5 * WINDOW   # quiet seconds: every caller let in at once again, and the log says so
    let_in = sim.place_call(caller="+4790000046", script=CallerScript(hangup_after=20.0))
    assert controller.wait_finished(let_in, WAIT).path.nodes[0] == "opening_hours" and guard.pace is None
    assert "every caller let in at once again" in caplog.text


def test_a_caller_who_hangs_up_at_the_door_is_recorded_as_abandoned(sim: SimulatedSwitch, make_controller,
                                                                   sim_speed: float) -> None:
    controller = make_controller(MONDAY_MORNING)
    guard, _clock, uuid = ringing_at_the_door(sim, controller, sim_speed, 10.0, "+4790000044", 20.0)
    channel = sim.channel(uuid)
    sim.hangup(uuid)
    summary = controller.wait_finished(uuid, WAIT)
    assert (summary.path.outcome, summary.path.nodes) == ("abandoned", [])
    assert controller.store.call(uuid)["outcome"] == "abandoned"
    assert not channel.answered and channel.hangup_cause == "NORMAL_CLEARING"
    assert (guard.waiting, guard.refused) == (0, 0)


def test_a_caller_still_at_the_door_when_its_wait_is_over_is_refused(sim: SimulatedSwitch, make_controller,
                                                                    sim_speed: float) -> None:
    controller = make_controller(MONDAY_MORNING)
    guard, clock, uuid = ringing_at_the_door(sim, controller, sim_speed, 1.0, "+4790000045", 900.0)
    channel = sim.channel(uuid)
    clock.now += 1.001   # at one caller a second, the room for it comes just after its wait is over
    assert sim.wait_gone(uuid, WAIT)
    assert (channel.hangup_cause, channel.answered) == ("NORMAL_TEMPORARY_FAILURE", False)
    assert controller.wait_finished(uuid, WAIT).path.outcome == "refused"
    assert (guard.waiting, guard.refused) == (0, 1)
