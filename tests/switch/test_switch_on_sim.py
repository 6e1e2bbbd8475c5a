"""Call control through fsapp's Switch against the simulated switch: whole calls, bridges, reconnects."""

from __future__ import annotations

from collections.abc import Iterator

import gevent
import pytest
from gevent.event import AsyncResult, Event as Flag

from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.sim import CallerScript, CallThrottled, SimulatedSwitch
from fsapp.switch.call import Call
from fsapp.switch.errors import OriginateFailed
from fsapp.switch.service import Switch

WAIT = 15.0


@pytest.fixture
def make_switch(sim: SimulatedSwitch) -> Iterator:
    started: list[Switch] = []

    def make() -> Switch:
        host, port = sim.address
        switch = Switch(host, port, "ClueCon", reconnect_wait=WAIT)
        started.append(switch)
        return switch

    yield make
    for switch in started:
        switch.stop()


def test_parked_call_runs_its_flow(sim: SimulatedSwitch, make_switch) -> None:
    result: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        call.answer()
        digits = call.play_and_get_digits(1, 1, 3, 5000, "#", "tone_stream://%(200,0,500)",
                                          "tone_stream://%(200,0,300)", "menu_choice", r"\d", 3000)
        played = call.playback("tone_stream://%(500,0,440)")
        call.hangup()
        result.set((call.caller_number, call.channel.entry, digits, played))

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    uuid = sim.place_call(caller="+4790000001", destination="6000", entry="main",
                          script=CallerScript(keys=[(1.5, "*"), (3.0, "3")], hangup_after=60.0))
    assert result.get(timeout=WAIT) == ("+4790000001", "main", "3", True)
    assert sim.wait_gone(uuid, WAIT)


def test_invalid_key_then_timeout_gives_none(sim: SimulatedSwitch, make_switch) -> None:
    result: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        call.answer()
        result.set(call.play_and_get_digits(1, 1, 2, 2000, "#", "tone_stream://%(200,0,500)",
                                            "tone_stream://%(200,0,300)", "choice", r"\d", 1000))
        call.hangup()

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    sim.place_call(caller="+4790000002", script=CallerScript(keys=[(0.5, "*")], hangup_after=60.0))
    assert result.get(timeout=WAIT) is None


def test_broken_playback_is_reported(sim: SimulatedSwitch, make_switch) -> None:
    result: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        call.answer()
        breaker = gevent.spawn_later(0.05, call.break_playback)
        played = call.playback("tone_stream://%(1000,0,440);loops=100")
        breaker.join(WAIT)
        call.hangup()
        result.set(played)

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    sim.place_call(caller="+4790000003", script=CallerScript(hangup_after=600.0))
    assert result.get(timeout=WAIT) is False


def test_originate_and_bridge_reparks_the_survivor(sim: SimulatedSwitch, make_switch) -> None:
    sim.add_endpoint("agent1", behaviour="answer", answer_after=1.0, hangup_after=5.0)
    result: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        call.answer()
        agent = call.switch.originate("sofia/internal/agent1@127.0.0.1", {"fsapp_role": "agent"})
        assert agent.channel.role == "agent"
        call.bridge(agent)
        call.wait_for("bridged", WAIT)
        peer = call.channel.bridged_to
        call.switch.wait_channel(agent.uuid, "gone", WAIT)   # the agent hangs up after 5 s
        reparked = call.wait_for("parked", WAIT)
        call.hangup()
        result.set((peer == agent.uuid, reparked.bridged_to))

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    sim.place_call(caller="+4790000004", script=CallerScript(hangup_after=600.0))
    assert result.get(timeout=WAIT) == (True, None)


def test_waiting_for_a_bridge_ends_when_the_caller_hangs_up(sim: SimulatedSwitch, make_switch) -> None:
    """A wait for what a channel can no longer become ends at its hangup, not at its time limit (a worker joining
    such a wait would otherwise hold every other call for that long)."""
    result: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        call.answer()
        errors: list[ESLError] = []
        for _ in range(2):   # while it is up, then once the switch has forgotten it
            try:
                call.wait_for("bridged", 600.0)
            except ESLError as exc:
                errors.append(exc)
        result.set((errors, call.switch.registry.get(call.uuid)))

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    sim.place_call(caller="+4790000005", script=CallerScript(hangup_after=1.0))
    errors, registered = result.get(timeout=WAIT)
    assert [type(error) for error in errors] == [ChannelGone, ChannelGone] and registered is None
    assert "hung up before it was bridged" in str(errors[0])


@pytest.mark.parametrize("behaviour, cause", [("busy", "USER_BUSY"), ("no_answer", "NO_ANSWER"),
                                              ("fail", "NORMAL_TEMPORARY_FAILURE")])
def test_originate_failures_carry_the_cause(sim: SimulatedSwitch, make_switch, behaviour: str,
                                            cause: str) -> None:
    sim.add_endpoint("citizen", behaviour=behaviour, answer_after=1.0)
    switch = make_switch().start()
    switch.wait_connected(WAIT)
    with pytest.raises(OriginateFailed) as failure:
        switch.originate("sofia/external/citizen@127.0.0.1", {"originate_timeout": "5"}, timeout=WAIT)
    assert failure.value.cause == cause


def test_the_switch_throttle_refuses_new_legs_but_not_those_for_calls_already_in(sim: SimulatedSwitch,
                                                                                   make_switch) -> None:
    sim.add_endpoint("citizen", answer_after=0.1)
    switch = make_switch().start()
    switch.wait_connected(WAIT)
    assert "+OK" in switch.connection().api("fsctl sps 1")
    assert "per Sec out of max 1," in switch.connection().api("status")
    sim.core.sessions_per_second = 0   # the second's one session used up, however the seconds fall
    with pytest.raises(OriginateFailed) as refused:
        switch.originate("sofia/external/citizen@127.0.0.1", {"originate_timeout": "5"}, timeout=WAIT)
    assert refused.value.cause == "DESTINATION_OUT_OF_ORDER"   # sofia's "Error Creating Session"
    leg = switch.originate("sofia/external/citizen@127.0.0.1", {"originate_timeout": "5"}, timeout=WAIT,
                           throttled=False)
    assert leg.channel.parked and sim.channel(leg.uuid).variables["no_throttle_limits"] == "true"
    with pytest.raises(CallThrottled):
        sim.place_call(caller="+4790000007")


@pytest.mark.parametrize("listening, cut", [(None, 2), (True, 1), (False, 1)],
                         ids=["both sockets cut", "event socket cut", "command socket cut"])
def test_a_call_in_progress_when_the_link_drops_is_resumed(sim: SimulatedSwitch, make_switch,
                                                           listening: bool | None, cut: int) -> None:
    first_step = Flag()
    resumed: AsyncResult = AsyncResult()
    runs: list[bool] = []

    def main(call: Call) -> None:
        runs.append(call.resumed)
        if not call.resumed:
            call.answer()
            call.set_variable("fsapp_step", "menu")
            first_step.set()
            call.playback("tone_stream://%(1000,0,440);loops=600")  # interrupted by the cut
            return
        step = call.get_variable("fsapp_step")
        call.break_playback()
        call.hangup()
        resumed.set((step, call.channel.answered))

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    uuid = sim.place_call(caller="+4790000005", script=CallerScript(hangup_after=6000.0))
    assert first_step.wait(WAIT)
    assert sim.drop_clients(listening) == cut
    assert resumed.get(timeout=WAIT) == ("menu", True)
    assert runs == [False, True]
    assert switch.client.connections_made == 2
    assert sim.wait_gone(uuid, WAIT)


def test_a_call_that_ended_during_the_outage_is_forgotten(sim: SimulatedSwitch, make_switch) -> None:
    answered = Flag()
    runs: list[bool] = []

    def main(call: Call) -> None:
        runs.append(call.resumed)
        call.answer()
        answered.set()
        call.playback("tone_stream://%(1000,0,440);loops=600")

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    uuid = sim.place_call(caller="+4790000006", script=CallerScript(hangup_after=6000.0))
    assert answered.wait(WAIT)
    switch.client.stop()  # the controller goes away; the caller hangs up meanwhile
    sim.hangup(uuid)
    assert sim.wait_gone(uuid, WAIT)
    second = make_switch()
    second.route("main", main)
    second.start().wait_connected(WAIT)
    assert second.reconciled.wait(WAIT)
    assert uuid not in second.registry
    assert runs == [False]


def test_a_new_controller_resumes_parked_calls(sim: SimulatedSwitch, make_switch) -> None:
    uuid = sim.place_call(caller="+4790000007", script=CallerScript(hangup_after=6000.0))
    resumed: AsyncResult = AsyncResult()

    def main(call: Call) -> None:
        resumed.set((call.uuid, call.resumed, call.caller_number))
        call.hangup()

    switch = make_switch()
    switch.route("main", main)
    switch.start()
    assert resumed.get(timeout=WAIT) == (uuid, True, "+4790000007")


def test_unknown_entry_is_hung_up(sim: SimulatedSwitch, make_switch) -> None:
    switch = make_switch()
    switch.route("main", lambda call: None)
    switch.start().wait_connected(WAIT)
    uuid = sim.place_call(caller="+4790000008", entry="nosuchflow", script=CallerScript(hangup_after=6000.0))
    assert sim.wait_gone(uuid, WAIT)


def test_the_client_keeps_trying_until_the_switch_is_up() -> None:
    import socket

    from fsapp.esl.backoff import Backoff
    from fsapp.esl.client import ESLClient

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connected = Flag()
    client = ESLClient("127.0.0.1", port, "ClueCon", events=["CHANNEL_PARK"], on_event=lambda event: None,
                       on_connect=lambda connection: connected.set(),
                       backoff=Backoff(initial=0.05, maximum=0.2))
    client.start()
    late = SimulatedSwitch(password="ClueCon", port=port)
    try:
        with pytest.raises(Exception, match=f"127.0.0.1:{port}"):
            client.wait_connected(0.3)
        assert "cannot connect" in (client.last_error or "")
        late.start()
        assert connected.wait(WAIT)
        assert client.connections_made == 1
    finally:
        client.stop()
        late.stop()


def test_a_wrong_password_is_reported_and_retried(sim: SimulatedSwitch) -> None:
    from fsapp.esl.backoff import Backoff
    from fsapp.esl.client import ESLClient

    host, port = sim.address
    client = ESLClient(host, port, "wrong", events=["CHANNEL_PARK"], on_event=lambda event: None,
                       backoff=Backoff(initial=0.05, maximum=0.1))
    client.start()
    try:
        with pytest.raises(Exception, match="rejected the password"):
            client.wait_connected(0.5)
    finally:
        client.stop()


def test_backoff_grows_to_its_ceiling_with_jitter() -> None:
    import random

    from fsapp.esl.backoff import Backoff

    backoff = Backoff(initial=0.5, maximum=4.0, jitter=0.1, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(6)]
    for delay, base in zip(delays, [0.5, 1, 2, 4, 4, 4]):
        assert base * 0.9 <= delay <= base * 1.1
    backoff.reset()
    assert backoff.next_delay() <= 0.55


def test_a_flow_started_on_this_link_is_not_started_again_by_its_reconcile(sim: SimulatedSwitch,
                                                                              make_switch) -> None:
    runs: list[bool] = []
    handed_on = Flag()

    def main(call: Call) -> None:   # answers and leaves the call parked, as a hand-off to the ACD does
        runs.append(call.resumed)
        call.answer()
        handed_on.set()

    switch = make_switch()
    switch.route("main", main)
    switch.start().wait_connected(WAIT)
    assert switch.reconciled.wait(WAIT)
    uuid = sim.place_call(caller="+4790000007", script=CallerScript(hangup_after=6000.0))
    assert handed_on.wait(WAIT)
    switch._reconcile(switch.connection())   # what a first connect's reconcile does when it meets the call
    assert switch.call(uuid).channel.parked
    sim.hangup(uuid)
    assert sim.wait_gone(uuid, WAIT)   # a flow the reconcile had started again would have run by now
    assert runs == [False]
