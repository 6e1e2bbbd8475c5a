"""The dialplan's safety net on the simulated switch, which runs ``sched_transfer`` and ``park_timeout`` as
FreeSWITCH 1.10 does: a call no controller takes is transferred to the last resort (an apology, then a hang-up);
a call the controller takes has its last resort cancelled and is served as usual; ``park_timeout`` hangs up a
first park that lasts longer, whatever the controller runs in it (why it must exceed the longest queue wait)."""

from __future__ import annotations

from collections.abc import Iterator

import gevent
import pytest
from gevent.event import Event as Flag

from fsapp.esl.connection import ESLConnection
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.integration.conftest import WAIT
from tests.integration.test_queue_endings_on_sim import ears, start   # noqa: F401 (ears: a fixture)

APOLOGY = "/sounds/apology.wav"


class Hangups:
    """Each channel's hangup cause and its last fsapp_last_resort value, from CHANNEL_HANGUP_COMPLETE."""

    def __init__(self, sim: SimulatedSwitch) -> None:
        host, port = sim.address
        self.connection = ESLConnection(host, port, "ClueCon").connect()
        self.connection.subscribe(["CHANNEL_HANGUP_COMPLETE"])
        self.ended: dict[str, tuple[str, str]] = {}
        self.changed = Flag()
        self.greenlet = gevent.spawn(self._listen)

    def _listen(self) -> None:
        for event in self.connection.iter_events():
            self.ended[event.uuid] = (event.get("Hangup-Cause") or "", event.get("variable_fsapp_last_resort") or "")
            self.changed.set()

    def wait_for(self, uuid: str) -> tuple[str, str]:
        with gevent.Timeout(WAIT, AssertionError(f"{uuid} never hung up")):
            while uuid not in self.ended:
                self.changed.clear()
                self.changed.wait()
        return self.ended[uuid]

    def close(self) -> None:
        self.connection.close()
        self.greenlet.kill(block=False)


@pytest.fixture
def hangups(sim: SimulatedSwitch) -> Iterator[Hangups]:
    watching = Hangups(sim)
    yield watching
    watching.close()


def test_a_call_no_controller_takes_hears_the_apology_and_is_let_go(sim: SimulatedSwitch, ears, hangups) -> None:
    sim.arm_safety_net(after=30, park_timeout=7200, apology=APOLOGY)
    caller = sim.place_call("+4790000701", script=CallerScript(hangup_after=900.0))   # no controller is running
    ears.wait_for(caller, APOLOGY)
    assert hangups.wait_for(caller) == ("NORMAL_TEMPORARY_FAILURE", "used")


def test_the_controller_cancels_the_last_resort_of_the_calls_it_takes(sim: SimulatedSwitch, tmp_path, keypad,
                                                                     ears) -> None:
    sim.arm_safety_net(after=30, park_timeout=7200, apology=APOLOGY)
    controller = start(sim, tmp_path)
    try:
        caller = keypad("0").call("+4790000702")
        ears.wait_for(caller, "local_stream://moh")            # in the operator queue, nobody logged in
        assert not any(group == caller for group, _ in sim.core.scheduled.values())   # cancelled
        assert f"api sched_del {caller}" in [request.line for request in sim.core.requests]
        sim.channel(caller).sleep(60.0)                        # well past the 30 s of the last resort
        assert APOLOGY not in ears.heard[caller] and sim.channel(caller).alive
        assert caller in controller.acd.router.waiting("operator")
    finally:
        controller.stop()


def test_park_timeout_ends_a_first_park_that_lasts_too_long(sim: SimulatedSwitch, tmp_path, keypad, ears,
                                                           hangups) -> None:
    sim.arm_safety_net(after=30, park_timeout=90, apology=APOLOGY)   # shorter than the queue's wait: wrong
    controller = start(sim, tmp_path)
    try:
        caller = keypad("0").call("+4790000703")
        ears.wait_for(caller, "local_stream://moh")
        cause, _ = hangups.wait_for(caller)                    # cut in the queue, as FreeSWITCH would
        assert cause == "RECOVERY_ON_TIMER_EXPIRE"
    finally:
        controller.stop()
