"""Hostile values on every path that builds a switch command, on the simulated switch (which reads commands as
FreeSWITCH does: fsapp.sim.fsparse). What the switch received is asserted: the request lines and the dial
strings it parsed (``sim.core.requests``, ``sim.core.originated``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsapp.acd.decisions import CallerInfo
from fsapp.acd.outcome import CALLBACK
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.switch import Call, NotDialable, OriginateFailed, Switch, UnsafeValue
from fsapp.switch.dialstring import caller_number, originate_command
from fsapp.texts import shipped_texts
from tests.acd_service.acd_service_helpers import MUSIC, SPEED, WAIT, Controller, build_config
from tests.integration.conftest import Keypad

FORGED = "+4790000302,sofia/gateway/pstn/+4799999999"    # a caller ID naming a second destination
values = st.lists(st.sampled_from(list(",'\"\\ {}[]<>|=^:_$%&()\n\x00") + ["\\,", ":_:", "${x}"])
                  | st.characters(codec="utf-8"), max_size=20).map("".join)


@pytest.fixture
def sim_speed() -> float:
    return SPEED


@pytest.fixture
def switch(sim: SimulatedSwitch) -> Iterator[Switch]:
    host, port = sim.address
    linked = Switch(host, port, "ClueCon", reconnect_wait=5.0).start()
    assert linked.reconciled.wait(WAIT)
    yield linked
    linked.stop()


@pytest.fixture
def center(sim: SimulatedSwitch, tmp_path) -> Iterator[Any]:
    """An ACD on the simulated switch whose flow queues callers in ``support`` with ``Center.caller``'s details."""
    started: list[Controller] = []

    def start(**options: Any) -> Controller:
        config = build_config({"support": {"exit_key": "1", "offer_timeout": 30.0}},
                              {"anna": {"queues": {"support": 1}}})
        controller = Controller(sim, config, tmp_path, callback_dial="sofia/gateway/pstn/{number}", **options)
        started.append(controller)
        return controller
    yield start
    for controller in started:
        controller.stop()


def sent(sim: SimulatedSwitch, verb: str, word: str = "") -> list[str]:
    """The request lines the switch received: ``verb`` (api, bgapi, sendmsg) whose argument starts with ``word``."""
    return [request.line for request in sim.core.requests
            if request.verb == verb and request.arg.startswith(word)]


def dialled(sim: SimulatedSwitch) -> list[list[str]]:
    return [request.destinations for request in sim.core.originated]


# -- originate: every variable value arrives whole ----------------------------------------------------------

@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values)
def test_originate_sends_each_value_whole_or_nothing(sim: SimulatedSwitch, switch: Switch, value: str) -> None:
    variables = {"origination_uuid": "11111111-2222-3333-4444-555555555555", "fsapp_probe": value,
                 "fsapp_role": "agent"}
    before = len(sim.core.requests)
    try:
        command = originate_command("user/nobody", variables)
    except UnsafeValue:
        with pytest.raises(UnsafeValue):
            switch.originate("user/nobody", variables, timeout=5.0)
        assert len(sim.core.requests) == before   # nothing sent
        return
    with pytest.raises(OriginateFailed):
        switch.originate("user/nobody", variables, timeout=5.0)
    assert sent(sim, "bgapi")[-1] == f"bgapi {command}"
    request = sim.core.originated[-1]
    assert dict(request.variables) == {k: v for k, v in variables.items() if v}
    assert request.destinations == ["user/nobody"]


@pytest.mark.parametrize("dial", ["user/nobody,user/1001", "user/nobody|user/1001", "user/1 &echo()", FORGED])
def test_originate_refuses_more_than_one_endpoint(sim: SimulatedSwitch, switch: Switch, dial: str) -> None:
    before = len(sim.core.requests)
    with pytest.raises(UnsafeValue):
        switch.originate(dial, {}, timeout=5.0)
    assert len(sim.core.requests) == before


# -- the agent's phone: names, numbers and cells from outside -------------------------------------------------

def test_an_offer_with_a_hostile_caller_reaches_the_agent_with_clean_values(sim: SimulatedSwitch, center) -> None:
    sim.add_endpoint("anna", answer_after=0.5)
    acd = center()
    caller = CallerInfo(number=FORGED, name="Kari\nNordmann\\", case_ids=("S-1", "S-2"),
                        data={"district": "North}\r\n", "note": "tail\\", "x": "a,fsapp_role=evil"})
    acd.switch.route("*", lambda call: acd.outcomes[call.uuid].set(acd.service.enqueue(call, "support",
                                                                                   caller=caller)))
    acd.service.agent_login("anna")
    uuid = sim.place_call("+4790000302", entry="support")
    acd.wait_state("anna", "on-call", uuid)   # before: a newline or a trailing backslash failed every offer
    [request] = sim.core.originated
    variables = dict(request.variables)
    assert request.destinations == ["user/anna"]
    assert (variables["fsapp_role"], variables["fsapp_agent"], variables["fsapp_queue_call"]) == ("agent", "anna", uuid)
    assert variables["origination_caller_id_name"] == "Kari Nordmann"
    assert variables["origination_caller_id_number"] == variables["sip_h_X-Fsapp-Caller"] == caller_number(FORGED)
    assert variables["sip_h_X-Fsapp-Cases"] == "S-1,S-2"
    assert (variables["sip_h_X-Fsapp-Data-district"], variables["sip_h_X-Fsapp-Data-note"],
            variables["sip_h_X-Fsapp-Data-x"]) == ("North)", "tail\\", "a,fsapp_role=evil")
    sim.hangup(uuid)


# -- callbacks: only a valid E.164 number is dialled ---------------------------------------------------------

def test_a_forged_caller_id_asking_for_a_callback_is_asked_for_a_number(sim: SimulatedSwitch, center) -> None:
    for endpoint in ("anna", "+4790000302", "+4799999999"):
        sim.add_endpoint(endpoint, answer_after=0.5)
    acd = center()
    keypad = Keypad(sim, ["90000302#"])   # the number keyed when asked for one
    try:
        uuid = keypad.call(FORGED, entry="support")
        acd.wait_music(uuid)
        sim.send_dtmf(uuid, "1")   # the exit key: a callback
        outcome = acd.outcome(uuid)
    finally:
        keypad.close()
    assert (outcome.kind, outcome.callback_number) == (CALLBACK, "+4790000302")
    sim.hangup(uuid)
    acd.service.agent_login("anna")
    acd.wait_state("anna", "on-call", uuid)
    acd.events.wait(lambda e: e.name == "CHANNEL_BRIDGE")
    assert dialled(sim) == [["user/anna"], ["sofia/gateway/pstn/+4790000302"]]
    assert not [line for line in sent(sim, "bgapi") + sent(sim, "api") if "4799999999" in line]


def spoken(text: str, language: str) -> str:
    """A prompt file named after its first words (the simulated switch plays a missing file for a second)."""
    return "/prompts/" + "-".join(text.lower().rstrip(".").split()[:4]) + ".wav"


def test_a_keyed_number_that_cannot_be_called_back_is_refused_aloud(sim: SimulatedSwitch, center) -> None:
    acd = center(prompt_renderer=spoken)
    keypad = Keypad(sim, ["1001#"])   # an extension: no number to call back
    try:
        uuid = keypad.call("anonymous", entry="support")
        acd.wait_music(uuid)
        sim.send_dtmf(uuid, "1")
        refusal = spoken(shipped_texts().say("queue.not_dialable", "en"), "en")
        heard = acd.events.wait(lambda e: e.name == "PLAYBACK_START" and e.get("Unique-ID") == uuid
                                and e.get("Playback-File-Path") == refusal)
        earlier = {id(e) for e in acd.events.items[:acd.events.items.index(heard) + 1]}
        acd.events.wait(lambda e: id(e) not in earlier and e.name == "PLAYBACK_START"
                        and e.get("Unique-ID") == uuid and e.get("Playback-File-Path") == MUSIC)
    finally:
        keypad.close()
    member = acd.router.members[uuid]
    assert not member.is_callback and acd.router.waiting("support") == [uuid]   # still in line, music again
    assert dialled(sim) == []
    sim.hangup(uuid)


def test_a_stored_callback_to_a_number_that_cannot_be_dialled_is_refused(center) -> None:
    acd = center()
    with pytest.raises(NotDialable):
        acd.service.call_back("callback-1", "support", FORGED)
    assert acd.router.waiting("support") == []


# -- transfers, consultations, supervision: targets, never free text ------------------------------------------

@pytest.fixture
def talking(sim: SimulatedSwitch, center) -> tuple[Controller, str]:
    sim.add_endpoint("anna", answer_after=0.5)
    acd = center()
    acd.service.agent_login("anna")
    uuid = sim.place_call("+4790000303", entry="support")
    acd.wait_state("anna", "on-call", uuid)
    return acd, uuid


@pytest.mark.parametrize("target", [
    {"extension": "'system:touch /tmp/x' inline"}, {"extension": "bridge:user/1,system:reboot"},
    {"extension": "-both"}, {"extension": "6000 XML public"}, {"number": FORGED}, {"number": "1001"},
    {"number": "+4790000302 &system(reboot)"}])
def test_a_transfer_target_that_is_not_one_changes_nothing(sim: SimulatedSwitch, talking, target) -> None:
    acd, uuid = talking
    before = len(sim.core.requests)
    with pytest.raises(UnsafeValue):
        acd.service.transfer(uuid, **target)
    assert len(sim.core.requests) == before
    assert acd.router.agent("anna").state.value == "on-call"


@pytest.mark.parametrize("target", [{"dial": "bridge:user/1,system:reboot"}, {"dial": "user/1001,user/1002"},
                                    {"dial": "'system:touch /tmp/x' inline"}, {"number": FORGED}])
def test_a_consultation_target_that_is_not_one_changes_nothing(sim: SimulatedSwitch, talking, target) -> None:
    acd, uuid = talking
    before = len(sim.core.requests)
    with pytest.raises(UnsafeValue):
        acd.service.consult(uuid, **target)
    assert len(sim.core.requests) == before and acd.service.consults == {}


def test_a_number_transfer_sends_one_plain_bridge(sim: SimulatedSwitch, talking) -> None:
    acd, uuid = talking
    sim.add_endpoint("+4790000309", answer_after=0.5)
    acd.service.transfer(uuid, number="900 00 309")
    assert f"api uuid_transfer {uuid} bridge:sofia/gateway/pstn/+4790000309 inline" in sent(sim, "api")
    # the switch acts on the transfer at the channel's next frame: wait for the events that follow it
    acd.events.wait(lambda _: dialled(sim)[-1] == ["sofia/gateway/pstn/+4790000309"])


# -- call verbs: arguments that would expand, add a word or name an application --------------------------------

def test_call_verbs_refuse_values_that_change_the_command(sim: SimulatedSwitch, switch: Switch) -> None:
    uuid = sim.place_call("+4790000304", entry=None, script=CallerScript(hangup_after=60.0))
    call = Call(switch, switch.wait_channel(uuid, "parked", WAIT))
    before = len(sim.core.requests)
    for verb in (lambda: call.set_variable("fsapp_x", "${system(touch /tmp/x)}"),
                 lambda: call.set_variable("fsapp_x y", "1"), lambda: call.playback("${system(id)}.wav"),
                 lambda: call.broadcast("system::touch /tmp/x"), lambda: call.broadcast("%[x=y]/tmp/moh.wav"),
                 lambda: call.broadcast("/tmp/${x}.wav"), lambda: call.execute("set", "a=${b}"),
                 lambda: call.transfer("6000 XML public"), lambda: call.inline("bridge", "user/1,system:reboot"),
                 lambda: call.start_recording("/tmp/${x}.wav"), lambda: call.kill("CAUSE extra"),
                 lambda: call.bridge("0" * 8, marks={"fsapp_waiting_in": "x;execute_on_answer=system id"})):
        with pytest.raises(UnsafeValue):
            verb()
    assert len(sim.core.requests) == before
    call.set_variable("fsapp_note", "it's a \\ 'test', x=y")
    assert sim.channel(uuid).get_var("fsapp_note") == "it's a \\ 'test', x=y"
    sim.hangup(uuid)
