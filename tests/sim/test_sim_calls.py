"""Call flows on the simulated switch: the recorded event sequences, results and files."""

from __future__ import annotations

import wave
from array import array

import pytest

from fsapp.sim import CallerScript
from fsapp.sim.media import RATE
from tests.conftest import TRANSCRIPTS
from tests.fidelity import events_of
from tests.sim.simhelpers import PAGD_MENU, SUBSCRIPTION, connect, names_until, run, wait_for

ORIGINATE = "originate {{origination_uuid={uuid},origination_caller_id_number=5551000,fsapp_campaign=7{extra}}}" \
            "sofia/test/{user}@127.0.0.1:5090 &park()"


def parked_call(sim, connection, **kwargs) -> str:
    uuid = sim.place_call("caller", **kwargs)
    wait_for(connection, "CHANNEL_PARK", Unique_ID=uuid)
    return uuid


def test_inbound_call_runs_the_dialplan_and_parks(sim) -> None:
    connection = connect(sim)
    uuid = sim.place_call("caller", entry="main")
    assert names_until(connection, "CHANNEL_PARK") == [
        "CHANNEL_CREATE", "CHANNEL_EXECUTE:set", "CHANNEL_EXECUTE_COMPLETE:set", "CHANNEL_EXECUTE:export",
        "CHANNEL_EXECUTE_COMPLETE:export", "CHANNEL_EXECUTE:set", "CHANNEL_EXECUTE_COMPLETE:set",
        "CHANNEL_EXECUTE:park", "CHANNEL_PARK"]
    assert sim.channels[uuid].variables["fsapp_entry"] == "main"
    connection.exit()


def test_answer_echoes_event_uuid_and_reports_answer(sim) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection)
    complete = run(connection, uuid, "answer")
    assert complete["Application-Response"] == "_none_" and complete["Answer-State"] == "answered"
    assert complete["Channel-Call-State"] == "ACTIVE"
    connection.exit()
    connection = connect(sim)
    execution = connection.execute_start(uuid, "set", "fsapp_step=1")
    seen = names_until(connection, "CHANNEL_EXECUTE_COMPLETE", Application_UUID=execution.event_uuid)
    assert seen == ["CHANNEL_EXECUTE:set", "CHANNEL_EXECUTE_COMPLETE:set"]
    connection.exit()


def test_answer_sequence(sim) -> None:
    connection = connect(sim, ["CHANNEL_PARK", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_PROGRESS_MEDIA",
                               "CHANNEL_ANSWER", "CHANNEL_CALLSTATE", "PRIVATE_COMMAND"])
    uuid = parked_call(sim, connection)
    connection.execute_start(uuid, "answer")
    # FreeSWITCH 1.10 answering a parked inbound call: no early media, and no PRIVATE_COMMAND for a message
    # the park loop read before there was media
    assert names_until(connection, "CHANNEL_EXECUTE_COMPLETE") == [
        "CHANNEL_EXECUTE:answer", "CHANNEL_ANSWER", "CHANNEL_CALLSTATE", "CHANNEL_EXECUTE_COMPLETE:answer"]
    connection.execute_start(uuid, "set", "fsapp_step=1")
    assert names_until(connection, "PRIVATE_COMMAND") == [
        "CHANNEL_EXECUTE:set", "CHANNEL_EXECUTE_COMPLETE:set", "PRIVATE_COMMAND"]
    connection.exit()


def test_channel_states_and_call_states_are_announced(sim) -> None:
    connection = connect(sim, ["CHANNEL_CREATE", "CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE",
                               "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE"])
    uuid = sim.place_call("caller")
    seen: list = []
    wait_for(connection, "CHANNEL_PARK", seen=seen, Unique_ID=uuid)
    execution = connection.execute_start(uuid, "answer")
    wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    connection.api(f"uuid_kill {uuid}")
    wait_for(connection, "CHANNEL_STATE", seen=seen, Unique_ID=uuid, Channel_State="CS_DESTROY")
    steps = [(event.name, event.get("Channel-State"), event.get("Channel-Call-State"))
             for event in seen if event.name in ("CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_CREATE",
                                                 "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY")]
    assert steps == [("CHANNEL_STATE", "CS_NEW", "DOWN"), ("CHANNEL_STATE", "CS_INIT", "DOWN"),
                     ("CHANNEL_CREATE", "CS_INIT", "DOWN"), ("CHANNEL_CALLSTATE", "CS_ROUTING", "RINGING"),
                     ("CHANNEL_STATE", "CS_ROUTING", "RINGING"), ("CHANNEL_STATE", "CS_EXECUTE", "RINGING"),
                     ("CHANNEL_CALLSTATE", "CS_EXECUTE", "ACTIVE"), ("CHANNEL_STATE", "CS_HANGUP", "ACTIVE"),
                     ("CHANNEL_CALLSTATE", "CS_HANGUP", "HANGUP"), ("CHANNEL_STATE", "CS_REPORTING", "HANGUP"),
                     ("CHANNEL_HANGUP_COMPLETE", "CS_REPORTING", "HANGUP"),
                     ("CHANNEL_DESTROY", "CS_REPORTING", "HANGUP"), ("CHANNEL_STATE", "CS_DESTROY", "HANGUP")]
    states = [event for event in seen if event.name in ("CHANNEL_STATE", "CHANNEL_CALLSTATE")]
    assert not any(key.startswith("variable_") for event in states for key in event.headers)
    callstate = next(event for event in states if event.name == "CHANNEL_CALLSTATE")
    assert (callstate["Original-Channel-Call-State"], callstate["Channel-Call-State-Number"]) == ("DOWN", "2")
    connection.exit()


def test_play_and_get_digits_invalid_then_success(sim) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection, script=CallerScript(keys=[(1.5, "*"), (3.0, "3")]))
    run(connection, uuid, "answer")
    execution = connection.execute_start(uuid, "play_and_get_digits", PAGD_MENU)
    seen: list = []
    complete = wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    labels = [(event.name, event.get("DTMF-Digit") or event.get("Playback-File-Path") or "") for event in seen]
    assert labels == [
        ("CHANNEL_EXECUTE", ""), ("PLAYBACK_START", "tone_stream://%(200,0,500)"),
        ("PLAYBACK_STOP", "tone_stream://%(200,0,500)"), ("DTMF", "*"),
        ("PLAYBACK_START", "tone_stream://%(200,0,300)"), ("PLAYBACK_STOP", "tone_stream://%(200,0,300)"),
        ("PLAYBACK_START", "tone_stream://%(200,0,500)"), ("PLAYBACK_STOP", "tone_stream://%(200,0,500)"),
        ("DTMF", "3"), ("CHANNEL_EXECUTE_COMPLETE", "")]
    assert complete.variable("menu_choice") == "3" and complete.variable("read_result") == "success"
    assert complete.variable("menu_choice_invalid") == "*"
    assert complete["Application-Response"] == "_none_"
    dtmf = [event for event in seen if event.name == "DTMF"][0]
    assert (dtmf["DTMF-Source"], dtmf["DTMF-Duration"]) == ("RTP", "2240")
    connection.exit()


def test_play_and_get_digits_timeout(sim) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection)
    run(connection, uuid, "answer")
    complete = connection.execute(
        uuid, "play_and_get_digits", "1 1 1 2000 # tone_stream://%(200,0,500) silence_stream://250 menu_choice2 \\d 1000")
    assert complete.variable("read_result") == "failure"
    assert complete.variable("menu_choice2") is None
    assert connection.api(f"uuid_getvar {uuid} menu_choice2") == "_undef_"
    connection.exit()


def test_playback_done_and_broken(sim) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection)
    run(connection, uuid, "answer")
    done = connection.execute_start(uuid, "playback", "tone_stream://%(500,500,440);loops=2")
    assert names_until(connection, "CHANNEL_EXECUTE_COMPLETE") == [
        "CHANNEL_EXECUTE:playback", "PLAYBACK_START", "PLAYBACK_STOP", "CHANNEL_EXECUTE_COMPLETE:playback"]
    assert done.wait(1)["Application-Response"] == "FILE PLAYED"
    assert done.playback_status == "done"
    assert connection.api(f"uuid_broadcast {uuid} tone_stream://%(1000,0,350);loops=20 aleg") == "+OK Message sent\n"
    start = wait_for(connection, "PLAYBACK_START", Unique_ID=uuid)
    assert (start["Playback-File-Type"], start["Playback-File-Path"]) == (
        "tone_stream", "tone_stream://%(1000,0,350);loops=20")
    assert connection.api(f"uuid_break {uuid} all") == "+OK\n"
    assert names_until(connection, "CHANNEL_EXECUTE_COMPLETE") == ["PLAYBACK_STOP", "CHANNEL_EXECUTE_COMPLETE:playback"]
    assert sim.channels[uuid].variables["current_application_response"] == "FILE PLAYED"
    connection.exit()


def speech_file(tmp_path, seconds: float) -> str:
    path = tmp_path / "speech.wav"
    samples = array("h", [(i * 37 % 2000) - 1000 for i in range(int(seconds * RATE))])
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(samples.tobytes())
    return str(path)


def test_record_limit_and_silence_write_wav_files(sim, tmp_path) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection, script=CallerScript(speech_wav=speech_file(tmp_path, 1.05)))
    run(connection, uuid, "answer")
    first, second = tmp_path / "r1.wav", tmp_path / "r2.wav"
    execution = connection.execute_start(uuid, "record", f"{first} 1 200 2")
    assert names_until(connection, "CHANNEL_EXECUTE_COMPLETE", Application_UUID=execution.event_uuid) == [
        "CHANNEL_EXECUTE:record", "RECORD_START", "RECORD_STOP", "CHANNEL_EXECUTE_COMPLETE:record"]
    limited = execution.wait(1)
    assert limited.variable("silence_hits_exhausted") == "false"
    assert 1000 <= int(limited.variable("record_ms")) <= 1200
    on_silence = run(connection, uuid, "record", f"{second} 10 200 2")
    assert on_silence.variable("silence_hits_exhausted") == "true"
    assert on_silence.variable("record_ms") == "1050"
    with wave.open(str(second), "rb") as reader:
        assert (reader.getframerate(), reader.getnchannels(), reader.getnframes()) == (8000, 1, 8400)
        assert max(array("h", reader.readframes(8400))) > 0
    assert on_silence.variable("record_file_size") == str(second.stat().st_size)
    connection.exit()


def test_originate_success_busy_no_answer_and_failure(sim) -> None:
    connection = connect(sim)
    sim.add_endpoint("citizen", answer_after=1.0)
    sim.add_endpoint("busy", behaviour="busy")
    sim.add_endpoint("silent", behaviour="no_answer")
    leg = "bb99b513-1efa-4e00-afdd-27d214094ec7"
    assert connection.bgapi(ORIGINATE.format(uuid=leg, user="citizen", extra=""), job_uuid="job-1") == f"+OK {leg}\n"
    assert names_until(connection, "CHANNEL_PARK") == [
        "CHANNEL_CREATE", "CHANNEL_ORIGINATE", "CHANNEL_PROGRESS", "CHANNEL_ANSWER", "BACKGROUND_JOB",
        "CHANNEL_EXECUTE:park", "CHANNEL_PARK"]
    channel = sim.channels[leg]
    assert channel.variables["fsapp_campaign"] == "7"
    assert channel.profile["Caller-ID-Number"] == "citizen" and channel.profile["Orig-Caller-ID-Number"] == "5551000"
    connection.hangup(leg)
    wait_for(connection, "CHANNEL_DESTROY", Unique_ID=leg)

    busy = "30019e3a-a854-46a3-ba30-3db319afbede"
    assert connection.bgapi(ORIGINATE.format(uuid=busy, user="busy", extra="")) == "-ERR USER_BUSY\n"
    seen: list = []
    complete = wait_for(connection, "CHANNEL_HANGUP_COMPLETE", seen=seen, Unique_ID=busy)
    assert complete["Hangup-Cause"] == "USER_BUSY" and complete.variable("sip_term_status") == "486"
    assert complete.variable("hangup_cause_q850") == "17"

    silent = "a8518c71-ddc6-409c-bd9b-ea50c7aa4207"
    job = connection.bgapi(ORIGINATE.format(uuid=silent, user="silent", extra=",originate_timeout=5"))
    assert job == "-ERR NO_ANSWER\n"
    complete = wait_for(connection, "CHANNEL_HANGUP_COMPLETE", Unique_ID=silent)
    assert complete.variable("sip_hangup_disposition") == "send_cancel"
    assert complete.variable("hangup_cause_q850") == "19"

    nobody = "b2fe409e-fe72-4bbf-8bbc-34298a750bc0"
    assert connection.bgapi(ORIGINATE.format(uuid=nobody, user="agent2", extra="")) == \
        "-ERR NORMAL_TEMPORARY_FAILURE\n"
    assert connection.api(f"uuid_bridge {busy} {nobody}") == "-ERR Invalid uuid\n"
    connection.exit()


def bridged(sim, connection, agent_parks: bool, agent_hangs_up_after: float | None = None,
            caller_hangs_up_after: float | None = None) -> tuple[str, str]:
    sim.add_endpoint("agent1", answer_after=0.5, hangup_after=agent_hangs_up_after)
    caller = parked_call(sim, connection, script=CallerScript(hangup_after=caller_hangs_up_after))
    run(connection, caller, "answer")
    agent = "0249e38a-2724-46b1-bdd0-ba9788e5e93e"
    extra = ",park_after_bridge=true" if agent_parks else ""
    assert connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1", extra=extra)) == f"+OK {agent}\n"
    wait_for(connection, "CHANNEL_PARK", Unique_ID=agent)
    assert connection.api(f"uuid_bridge {caller} {agent}") == f"+OK {agent}\n"
    seen: list = []
    bridge = wait_for(connection, "CHANNEL_BRIDGE", seen=seen)
    steps = [(event.name, event.uuid, event.get("Application", "")) for event in seen]
    assert steps == [("CHANNEL_UNPARK", agent, ""), ("CHANNEL_EXECUTE_COMPLETE", agent, "park"),
                     ("CHANNEL_UNPARK", caller, ""), ("CHANNEL_EXECUTE_COMPLETE", caller, "park"),
                     ("CHANNEL_EXECUTE", caller, "uuid_bridge"), ("CHANNEL_EXECUTE", agent, "uuid_bridge"),
                     ("CHANNEL_BRIDGE", caller, "")]
    assert (bridge["Bridge-A-Unique-ID"], bridge["Bridge-B-Unique-ID"]) == (caller, agent)
    assert (bridge["Other-Type"], bridge["Other-Leg-Unique-ID"]) == ("originatee", agent)
    assert bridge.variable("bridge_uuid") == agent and bridge.variable("signal_bond") == agent
    return caller, agent


def sequence(connection, last: str, uuid: str) -> list[tuple[str, str]]:
    seen: list = []
    wait_for(connection, last, seen=seen, Unique_ID=uuid)
    return [(event.name, event.uuid) for event in seen]


def test_bridge_caller_hangs_up_and_agent_is_reparked(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=True, caller_hangs_up_after=3.0)
    assert sequence(connection, "CHANNEL_DESTROY", caller) == [
        ("CHANNEL_HANGUP", caller), ("CHANNEL_PARK", agent), ("CHANNEL_UNBRIDGE", caller),
        ("CHANNEL_HANGUP_COMPLETE", caller), ("CHANNEL_DESTROY", caller)]
    assert connection.api(f"uuid_getvar {agent} fsapp_role") == "_undef_"
    assert connection.api(f"uuid_kill {agent}") == "+OK\n"
    assert sequence(connection, "CHANNEL_DESTROY", agent) == [
        ("CHANNEL_HANGUP", agent), ("CHANNEL_UNPARK", agent), ("CHANNEL_HANGUP_COMPLETE", agent),
        ("CHANNEL_DESTROY", agent)]
    connection.exit()


def test_bridge_agent_hangs_up_and_caller_is_reparked(sim) -> None:
    connection = connect(sim)
    caller = parked_call(sim, connection)
    assert connection.api(f"uuid_setvar {caller} park_after_bridge true") == "+OK\n"
    caller, agent = _bridge_existing(sim, connection, caller, agent_hangs_up_after=2.0)
    unbridge_seen = sequence(connection, "CHANNEL_DESTROY", agent)
    assert unbridge_seen == [
        ("CHANNEL_HANGUP", agent), ("CHANNEL_HANGUP_COMPLETE", agent), ("CHANNEL_UNBRIDGE", caller),
        ("CHANNEL_PARK", caller), ("CHANNEL_DESTROY", agent)]
    played = run(connection, caller, "playback", "tone_stream://%(300,100,440);loops=2")
    assert played["Application-Response"] == "FILE PLAYED"
    connection.exit()


def _bridge_existing(sim, connection, caller: str, agent_hangs_up_after: float | None) -> tuple[str, str]:
    sim.add_endpoint("agent1", answer_after=0.5, hangup_after=agent_hangs_up_after)
    run(connection, caller, "answer")
    agent = "ce02f5b3-8818-4dd2-b4ec-0c8906aca4bb"
    assert connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1", extra=",park_after_bridge=true")) == \
        f"+OK {agent}\n"
    wait_for(connection, "CHANNEL_PARK", Unique_ID=agent)
    assert connection.api(f"uuid_bridge {caller} {agent}") == f"+OK {agent}\n"
    wait_for(connection, "CHANNEL_BRIDGE")
    return caller, agent


def test_bridge_without_park_after_bridge_hangs_up_the_survivor(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=False, agent_hangs_up_after=2.0)
    seen = sequence(connection, "CHANNEL_DESTROY", caller)
    assert seen[:4] == [("CHANNEL_HANGUP", agent), ("CHANNEL_HANGUP_COMPLETE", agent),
                        ("CHANNEL_UNBRIDGE", caller), ("CHANNEL_HANGUP", caller)]
    assert ("CHANNEL_DESTROY", agent) in seen
    assert seen[-2:] == [("CHANNEL_HANGUP_COMPLETE", caller), ("CHANNEL_DESTROY", caller)]
    connection.exit()


@pytest.mark.parametrize("park_on_cancel", [False, True])
def test_a_leg_gone_before_the_bridge_cancels_it(sim, park_on_cancel: bool) -> None:
    """As FreeSWITCH 1.10.12 does (recorded live): the other leg killed right after uuid_bridge's +OK, before
    the caller's thread bridges: the caller leaves its park, then is hung up ORIGINATOR_CANCEL, or parks again
    with ``uuid_bridge_park_on_cancel`` set (set with ``uuid_setvar_multi``, as fsapp does)."""
    connection = connect(sim)
    sim.add_endpoint("agent1", answer_after=0.5)
    caller = parked_call(sim, connection)
    run(connection, caller, "answer")
    agent = "5b0d1c1e-31a4-4c0e-9d55-0b5f0a3c2f61"
    assert connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1", extra=",park_after_bridge=true")) == \
        f"+OK {agent}\n"
    wait_for(connection, "CHANNEL_PARK", Unique_ID=agent)
    if park_on_cancel:
        assert connection.api(f"uuid_setvar_multi {caller} park_after_bridge=true;uuid_bridge_park_on_cancel=true"
                              ) == "+OK\n"
    assert connection.api(f"uuid_bridge {caller} {agent}") == f"+OK {agent}\n"
    assert connection.api(f"uuid_kill {agent}") == "+OK\n"
    events: list = []
    last = wait_for(connection, "CHANNEL_PARK" if park_on_cancel else "CHANNEL_HANGUP_COMPLETE", seen=events,
                    Unique_ID=caller)
    seen = [event.name for event in events if event.uuid == caller]
    assert seen[:2] == ["CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE"] and "CHANNEL_BRIDGE" not in seen
    if park_on_cancel:
        played = run(connection, caller, "playback", "tone_stream://%(300,100,440);loops=2")
        assert played["Application-Response"] == "FILE PLAYED"
    else:
        assert last["Hangup-Cause"] == "ORIGINATOR_CANCEL"
    connection.exit()


def test_eavesdrop_dtmf_and_sendevent_change_the_mode(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=True)
    supervisor = sim.place_call("supervisor", destination="6001", entry="supervisor",
                                script=CallerScript(keys=[(1.0, "2"), (2.0, "3"), (3.0, "1"), (4.0, "0")]))
    wait_for(connection, "CHANNEL_PARK", Unique_ID=supervisor)
    run(connection, supervisor, "answer")
    run(connection, supervisor, "set", "eavesdrop_enable_dtmf=true")
    execution = connection.execute_start(supervisor, "eavesdrop", agent)
    modes = []
    for digit in "2310":
        event = wait_for(connection, "DTMF", Unique_ID=supervisor)
        assert event["DTMF-Digit"] == digit
        modes.append(sim.channels[supervisor].eavesdrop_mode)
    connection.sendevent("CUSTOM", {"Event-Subclass": "fsapp::eavesdrop", "Unique-ID": supervisor,
                                    "eavesdrop-command": "2"})
    channel = sim.channels[supervisor]
    channel.wait(5, lambda: channel.eavesdrop_mode == "2")
    assert channel.eavesdrop_mode == "2"
    assert modes == ["2", "3", "1", "0"]
    connection.api(f"uuid_kill {supervisor}")
    assert execution.wait(10)["Application-Response"] == "_none_"
    connection.exit()


def test_an_eavesdropping_leg_ignores_sendmsg_hangup_until_killed(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=True)
    supervisor = sim.place_call("supervisor", destination="6001", entry="supervisor")
    wait_for(connection, "CHANNEL_PARK", Unique_ID=supervisor)
    run(connection, supervisor, "answer")
    execution = connection.execute_start(supervisor, "eavesdrop", agent)
    channel = sim.channels[supervisor]
    channel.wait(5, lambda: channel.eavesdrop_mode == "0")
    connection.hangup(supervisor)   # the eavesdrop loop never reads it (FreeSWITCH 1.10)
    assert not execution.done and channel.wait(1.0, lambda: not channel.alive) is False
    assert connection.api(f"uuid_kill {supervisor}") == "+OK\n"
    complete = execution.wait(10)
    assert complete["Application-Response"] == "_none_" and complete["Answer-State"] == "hangup"
    assert sim.wait_gone(supervisor, 10)
    connection.exit()


def test_a_sendmsg_hangup_to_an_eavesdropping_leg_acts_when_the_eavesdrop_ends(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=True)
    supervisor = sim.place_call("supervisor", destination="6001", entry="supervisor")
    wait_for(connection, "CHANNEL_PARK", Unique_ID=supervisor)
    run(connection, supervisor, "answer")
    execution = connection.execute_start(supervisor, "eavesdrop", agent)
    channel = sim.channels[supervisor]
    channel.wait(5, lambda: channel.eavesdrop_mode == "0")
    connection.hangup(supervisor)
    sim.hangup(agent)               # the eavesdropped leg ends: the queued hangup is read
    execution.wait(10)
    assert sim.wait_gone(supervisor, 10)
    connection.exit()


def wav_seconds(path) -> float:
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def record_twice(sim, connection, uuid: str, path) -> None:
    for _ in range(2):
        assert connection.api(f"uuid_record {uuid} start {path}") == "+OK Success\n"
        sim.channels[uuid].sleep(1.0)
        assert connection.api(f"uuid_record {uuid} stop {path}") == "+OK Success\n"
        wait_for(connection, "RECORD_STOP", Unique_ID=uuid)


def test_a_second_uuid_record_to_one_path_overwrites_unless_record_append(sim, tmp_path) -> None:
    connection = connect(sim, [*SUBSCRIPTION, "MEDIA_BUG_START", "MEDIA_BUG_STOP"])
    uuid = parked_call(sim, connection)
    run(connection, uuid, "answer")
    record_twice(sim, connection, uuid, tmp_path / "plain.wav")
    assert 0.9 <= wav_seconds(tmp_path / "plain.wav") < 1.5          # the second recording replaced the first
    connection.api(f"uuid_setvar {uuid} RECORD_APPEND true")
    record_twice(sim, connection, uuid, tmp_path / "kept.wav")
    assert 1.9 <= wav_seconds(tmp_path / "kept.wav") < 2.5           # both segments are kept
    connection.exit()


def test_uuid_record_events_and_the_file_closed_at_hangup(sim, tmp_path) -> None:
    connection = connect(sim, [*SUBSCRIPTION, "MEDIA_BUG_START", "MEDIA_BUG_STOP"])
    uuid = parked_call(sim, connection)
    run(connection, uuid, "answer")
    path = tmp_path / "call.wav"
    assert connection.api(f"uuid_record {uuid} start {path}") == "+OK Success\n"
    assert connection.api(f"uuid_record {uuid} start {path}") == "+OK Success\n"   # already recording
    assert names_until(connection, "MEDIA_BUG_START") == ["RECORD_START", "MEDIA_BUG_START"]
    sim.channels[uuid].sleep(1.0)
    sim.hangup(uuid)
    seen: list = []
    wait_for(connection, "CHANNEL_HANGUP_COMPLETE", seen=seen, Unique_ID=uuid)
    names = [event.name for event in seen]
    assert names.index("RECORD_STOP") < names.index("MEDIA_BUG_STOP") < names.index("CHANNEL_HANGUP_COMPLETE")
    stop = seen[names.index("RECORD_STOP")]
    assert (stop["Record-File-Path"], stop["Record-Completion-Cause"]) == (str(path), "no-input-timeout")
    assert wav_seconds(path) >= 1.0
    connection.exit()


def test_a_break_at_once_followed_by_a_bridge_ends_the_music_done_after_the_recording_starts(sim, tmp_path) -> None:
    connection = connect(sim)
    sim.add_endpoint("agent1", answer_after=0.5)
    caller = parked_call(sim, connection)
    run(connection, caller, "answer")
    connection.api(f"uuid_broadcast {caller} tone_stream://%(1000,0,350);loops=-1 aleg")
    wait_for(connection, "PLAYBACK_START", Unique_ID=caller)
    agent = "0249e38a-2724-46b1-bdd0-ba9788e5e93e"
    connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1", extra=",park_after_bridge=true"))
    wait_for(connection, "CHANNEL_PARK", Unique_ID=agent)
    for command in (f"uuid_break {caller} all", f"uuid_setvar {caller} park_after_bridge true",
                    f"uuid_bridge {caller} {agent}", f"uuid_record {caller} start {tmp_path / 'call.wav'}"):
        assert connection.api(command).startswith("+OK")
    seen: list = []
    wait_for(connection, "CHANNEL_BRIDGE", seen=seen)
    mine = [event for event in seen if event.uuid == caller]
    names = [event.name for event in mine]
    assert names.index("RECORD_START") < names.index("PLAYBACK_STOP") < names.index("CHANNEL_UNPARK")
    assert mine[names.index("PLAYBACK_STOP")]["Playback-Status"] == "done"   # the bridge wins over the break
    connection.exit()


def test_the_throttle_answers_an_originate_as_the_real_switch_did(sim) -> None:
    """tests/data/transcripts/call-control/originate_throttled: at one session a second FreeSWITCH 1.10.12
    refused an originate at once, and let the one with ``no_throttle_limits=true`` ring the (busy) phone."""
    recorded = [e.body.strip() for e in events_of((TRANSCRIPTS / "call-control" / "originate_throttled.rx.bin")
                                                  .read_bytes()) if e.name == "BACKGROUND_JOB"]
    assert recorded == ["-ERR DESTINATION_OUT_OF_ORDER", "-ERR USER_BUSY"]
    sim.add_endpoint("citizen", behaviour="busy")
    connection = connect(sim)
    assert connection.api("fsctl sps 1").startswith("+OK sessions per second: 1")
    told = [connection.bgapi(f"originate {{originate_timeout=5{extra}}}sofia/internal/citizen@127.0.0.1:5093 &park()",
                             timeout=10).strip() for extra in ("", ",no_throttle_limits=true")]
    assert told == recorded
    connection.exit()


def test_a_broadcast_runs_no_sooner_than_after_the_lead_frames_the_real_switch_read(sim) -> None:
    """tests/data/transcripts/call-control/broadcast_lead_frames: on a parked leg that sends no audio, FreeSWITCH
    1.10.12 ran ``uuid_broadcast``'s playback 180 ms after the command (its API event); so does the simulated
    switch, in simulated time, at least."""
    recorded = events_of((TRANSCRIPTS / "call-control" / "broadcast_lead_frames.rx.bin").read_bytes())
    api = next(e for e in recorded if e.name == "API" and e.get("API-Command") == "uuid_broadcast")
    played = next(e for e in recorded if e.name == "CHANNEL_EXECUTE" and e.get("Application") == "playback")
    real = int(played["Event-Date-Timestamp"]) - int(api["Event-Date-Timestamp"])
    assert real >= 8 * 20_000   # eight frames at least: the recording holds what the model rests on
    connection = connect(sim)
    caller = parked_call(sim, connection)
    run(connection, caller, "answer")
    sent = sim.core.clock.micros()
    connection.api(f"uuid_broadcast {caller} tone_stream://%(100,0,440) aleg")
    execute = wait_for(connection, "CHANNEL_EXECUTE", Unique_ID=caller, Application="playback")
    assert int(execute["Event-Date-Timestamp"]) - sent >= real - 20_000   # within a frame of it, or later
    connection.exit()


def test_a_bridge_waits_for_the_lead_frames_of_a_broadcast_sent_just_before(sim) -> None:
    """FreeSWITCH 1.10.12: ``uuid_broadcast`` has the leg's thread read lead frames before it runs the
    application, deaf to all else; a bridge asked for just after it came 200 ms later on a silent parked caller,
    once the broadcast's playback had started (and ended with the bridge). A ``sendmsg`` playback has none."""
    connection = connect(sim)
    sim.add_endpoint("agent1", answer_after=0.1)
    caller = parked_call(sim, connection)
    run(connection, caller, "answer")
    agent = "5c0f2d0e-57a4-4b8e-9d55-0c6f3f1b7a21"
    connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1", extra=",park_after_bridge=true"))
    wait_for(connection, "CHANNEL_PARK", Unique_ID=agent)
    connection.api(f"uuid_broadcast {caller} tone_stream://%(1000,0,350);loops=-1 aleg")
    assert connection.api(f"uuid_bridge {caller} {agent}").startswith("+OK")
    seen: list = []
    wait_for(connection, "CHANNEL_BRIDGE", seen=seen)
    mine = [event for event in seen if event.uuid == caller]
    names = [event.name for event in mine]
    assert names.index("PLAYBACK_START") < names.index("PLAYBACK_STOP") < names.index("CHANNEL_UNPARK")
    assert mine[names.index("PLAYBACK_STOP")]["Playback-Status"] == "done"
    connection.exit()


def test_a_digit_that_stops_a_prompt_comes_before_the_playback_stop(sim) -> None:
    connection = connect(sim)
    uuid = parked_call(sim, connection, script=CallerScript(keys=[(0.5, "4"), (3.0, "#")]))
    run(connection, uuid, "answer")
    menu = "1 1 1 5000 # tone_stream://%(2000,0,500) silence_stream://250 menu_choice \\d 3000"
    execution = connection.execute_start(uuid, "play_and_get_digits", menu)
    seen: list = []
    complete = wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    assert [(event.name, event.get("DTMF-Digit") or event.get("Playback-Status") or "") for event in seen][1:] == [
        ("PLAYBACK_START", ""), ("DTMF", "4"), ("PLAYBACK_STOP", "break"), ("CHANNEL_EXECUTE_COMPLETE", "")]
    assert complete.variable("menu_choice") == "4"
    connection.api(f"uuid_setvar {uuid} playback_terminators #")
    execution = connection.execute_start(uuid, "playback", "tone_stream://%(5000,0,440)")
    seen = []
    complete = wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    assert [(event.name, event.get("DTMF-Digit") or event.get("Playback-Status") or "") for event in seen][1:] == [
        ("PLAYBACK_START", ""), ("DTMF", "#"), ("PLAYBACK_STOP", "break"), ("CHANNEL_EXECUTE_COMPLETE", "")]
    assert complete.variable("playback_terminator_used") == "#"
    connection.exit()


def test_an_originated_leg_that_intercepts_a_parked_caller_is_bridged_to_it(sim) -> None:
    """``originate ... &intercept(<caller>)`` as FreeSWITCH 1.10.12 ran it (tests/data/transcripts/fsapp-live/
    queue_answer): the answered leg runs intercept and the bridge is reported on it (leg A); the caller, now leg
    B, shows the operator as its caller (kept in Orig-Caller-ID-*); when the caller hangs up the operator's leg
    is parked (park_after_bridge)."""
    sim.add_endpoint("agent1", answer_after=0.5)
    connection = connect(sim)
    caller = parked_call(sim, connection, script=CallerScript(hangup_after=4.0))
    run(connection, caller, "answer")
    agent = "5a1c0f3e-3b7e-4a39-9f8e-0d4c2b1a9e77"
    command = ORIGINATE.format(uuid=agent, user="agent1", extra=",park_after_bridge=true,intercept_unbridged_only=true")
    assert connection.bgapi(command.replace("&park()", f"&intercept({caller})")) == f"+OK {agent}\n"
    seen: list = []
    bridge = wait_for(connection, "CHANNEL_BRIDGE", seen=seen)
    steps = [(e.name, e.uuid, e.get("Application", "")) for e in seen]
    assert ("CHANNEL_EXECUTE_COMPLETE", agent, "intercept") in steps
    assert (bridge.uuid, bridge["Bridge-A-Unique-ID"], bridge["Bridge-B-Unique-ID"]) == (agent, agent, caller)
    assert connection.api(f"uuid_getvar {caller} bridge_to") == agent
    profile = sim.channel(caller).profile
    assert (profile["Caller-ID-Number"], profile["Callee-ID-Number"], profile["Orig-Caller-ID-Number"]) == (
        "agent1", "caller", "caller")
    assert [(name, uuid) for name, uuid in sequence(connection, "CHANNEL_DESTROY", caller)
            if name in ("CHANNEL_HANGUP", "CHANNEL_UNBRIDGE", "CHANNEL_PARK")] == [
        ("CHANNEL_HANGUP", caller), ("CHANNEL_UNBRIDGE", agent), ("CHANNEL_PARK", agent)]
    connection.exit()


def test_intercept_unbridged_only_leaves_a_bridged_caller_alone(sim) -> None:
    connection = connect(sim)
    caller, agent = bridged(sim, connection, agent_parks=True)
    late = "6b2d1f4e-4c8f-4b4a-8a9f-1e5d3c2b0f88"
    sim.add_endpoint("agent2", answer_after=0.5)
    command = ORIGINATE.format(uuid=late, user="agent2", extra=",intercept_unbridged_only=true")
    assert connection.bgapi(command.replace("&park()", f"&intercept({caller})")) == f"+OK {late}\n"
    wait_for(connection, "CHANNEL_HANGUP_COMPLETE", Unique_ID=late)   # nothing to take: its dialplan ends
    bridge = sim.channel(caller).bridge
    assert bridge is not None and bridge.other(sim.channel(caller)).uuid == agent
    connection.exit()


def test_api_on_answer_runs_as_the_leg_answers(sim) -> None:
    """``api_on_answer`` (switch_channel_api_on): the API command runs as the leg is answered (the dial string's
    escaped spaces read back as spaces)."""
    sim.add_endpoint("agent1", answer_after=0.5)
    connection = connect(sim)
    caller = parked_call(sim, connection, script=CallerScript(hangup_after=4.0))
    agent = "7c3e2a5f-5d9a-4c5b-9b0a-2f6e4d3c1a99"
    command = ORIGINATE.format(uuid=agent, user="agent1",
                               extra=f",api_on_answer=uuid_setvar\\\\s{caller}\\\\sfsapp_waiting_in\\\\sanswered")
    assert connection.bgapi(command) == f"+OK {agent}\n"
    wait_for(connection, "CHANNEL_ANSWER", Unique_ID=agent)
    assert connection.api(f"uuid_getvar {caller} fsapp_waiting_in") == "answered"
    connection.exit()
