"""Events of the simulated switch against the recorded ones: header names, order, value formats, encoding."""

from __future__ import annotations

from gevent import socket

from fsapp.esl.events import Event
from fsapp.esl.parser import EVENT_PLAIN, FrameParser
from fsapp.sim import CallerScript
from tests.sim.simhelpers import (PAGD_MENU, VALUE_FORMATS, connect, shape, transcript_events,
                                  transcript_field_order, transcript_shapes, wait_for)

ORIGINATE = ("originate {{origination_uuid={uuid},origination_caller_id_number=5551000,fsapp_campaign=7,"
             "park_after_bridge=true}}sofia/test/{user}@127.0.0.1:5090 &park()")


def exercise(sim, tmp_path) -> list[Event]:
    """A call through every event type the controller subscribes to; returns what a client received."""
    connection = connect(sim)
    seen: list[Event] = []
    sim.add_endpoint("agent1", answer_after=0.5)
    sim.add_endpoint("busy", behaviour="busy")
    caller = sim.place_call("caller", script=CallerScript(keys=[(0.5, "*"), (1.0, "3")]))
    wait_for(connection, "CHANNEL_PARK", seen=seen, Unique_ID=caller)
    connection.api(f"uuid_setvar {caller} park_after_bridge true")
    for app, arg in (("pre_answer", None), ("answer", None), ("play_and_get_digits", PAGD_MENU), ("playback", "/no/such/file.wav"),
                     ("playback", "tone_stream://%(200,0,440)"), ("record", f"{tmp_path}/a.wav 1")):
        execution = connection.execute_start(caller, app, arg)
        wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    agent = "0249e38a-2724-46b1-bdd0-ba9788e5e93e"
    connection.bgapi(ORIGINATE.format(uuid=agent, user="agent1"))
    wait_for(connection, "CHANNEL_PARK", seen=seen, Unique_ID=agent)
    connection.api(f"uuid_bridge {caller} {agent}")
    wait_for(connection, "CHANNEL_BRIDGE", seen=seen)
    connection.api(f"uuid_kill {agent}")
    wait_for(connection, "CHANNEL_PARK", seen=seen, Unique_ID=caller)
    connection.bgapi(ORIGINATE.format(uuid="30019e3a-a854-46a3-ba30-3db319afbede", user="busy"))
    wait_for(connection, "CHANNEL_DESTROY", seen=seen, Unique_ID="30019e3a-a854-46a3-ba30-3db319afbede")
    connection.api(f"uuid_kill {caller}")
    wait_for(connection, "CHANNEL_DESTROY", seen=seen, Unique_ID=caller)
    connection.exit()
    return seen


def test_every_event_has_a_recorded_header_shape(sim, tmp_path) -> None:
    seen = exercise(sim, tmp_path)
    produced = {event.name for event in seen}
    assert produced >= {"CHANNEL_CREATE", "CHANNEL_ORIGINATE", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA",
                        "CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_EXECUTE",
                        "CHANNEL_EXECUTE_COMPLETE", "DTMF", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE",
                        "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY", "RECORD_START",
                        "RECORD_STOP", "PLAYBACK_START", "PLAYBACK_STOP", "BACKGROUND_JOB"}
    for event in seen:
        names = list(event.headers)
        assert untagged(shape(names)) in {untagged(known) for known in transcript_shapes(event.name)}, \
            (event.name, shape(names))


def untagged(names: tuple[str, ...]) -> tuple[str, ...]:
    """A shape without ``Application-UUID-Name``: whether it is there depends only on whether the sendmsg named
    its execution (``Event-UUID-Name``), whatever the channel's state (test_tagged_executions_...)."""
    return tuple(name for name in names if name != "Application-UUID-Name")


def test_tagged_executions_carry_the_name_where_the_switch_puts_it(sim, tmp_path) -> None:
    recorded = [event for name in ("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE")
                for event in transcript_events()[name] if "Application-UUID-Name" in event.headers]
    assert {event["Application-UUID-Name"] for event in recorded} == {"fsapp"}
    simulated = [event for event in exercise(sim, tmp_path) if "Application-UUID-Name" in event.headers]
    assert {event["Application"] for event in simulated} >= {"answer", "playback", "record"}
    for event in recorded + simulated:
        assert list(event.headers)[-2:] == ["Application-UUID", "Application-UUID-Name"], event.name


def test_state_events_of_a_parked_call_have_the_recorded_shapes(sim) -> None:
    names = ["CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_DESTROY"]
    connection = connect(sim, names)
    caller = sim.place_call("caller")
    seen: list[Event] = []
    wait_for(connection, "CHANNEL_PARK", seen=seen, Unique_ID=caller)
    execution = connection.execute_start(caller, "answer")
    wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", seen=seen, Application_UUID=execution.event_uuid)
    connection.api(f"uuid_kill {caller}")
    wait_for(connection, "CHANNEL_STATE", seen=seen, Unique_ID=caller, Channel_State="CS_DESTROY")
    states = [event for event in seen if event.name in ("CHANNEL_STATE", "CHANNEL_CALLSTATE")]
    assert len(states) == 10
    for event in states:
        assert shape(list(event.headers)) in transcript_shapes(event.name), (event.name, shape(list(event.headers)))
    connection.exit()


def test_profile_and_variable_order_follow_the_recordings(sim, tmp_path) -> None:
    seen = exercise(sim, tmp_path)
    for prefix in ("Caller-", "Other-Leg-"):
        order = transcript_field_order(prefix)
        for event in seen:
            names = [key for key in event.headers if key.startswith(prefix)]
            positions = [order.index(key) for key in names]
            assert positions == sorted(positions), (event.name, names)
    recorded = {key for events in transcript_events().values() for event in events for key in event.headers
                if key.startswith("variable_")}
    ours = {key for event in seen for key in event.headers if key.startswith("variable_")}
    assert ours - recorded <= {"variable_park_after_bridge"}


def test_values_have_the_recorded_formats(sim, tmp_path) -> None:
    seen = exercise(sim, tmp_path)
    checked = 0
    for event in seen:
        for header, pattern in VALUE_FORMATS.items():
            if header in event.headers:
                assert pattern.match(event[header]), (event.name, header, event[header])
                checked += 1
    assert checked > 200
    for header, pattern in VALUE_FORMATS.items():
        for events in transcript_events().values():
            for event in events[:3]:
                if header in event.headers:
                    assert pattern.match(event[header]), ("transcript", header, event[header])


def test_event_frames_are_laid_out_and_encoded_as_recorded(sim) -> None:
    sock = socket.create_connection(sim.address, timeout=5)
    sock.sendall(b"auth ClueCon\n\nevent plain CHANNEL_CREATE BACKGROUND_JOB\n\n")
    parser = FrameParser()
    frames: list = []
    received = b""
    while len(frames) < 3:
        chunk = sock.recv(65536)
        received += chunk
        frames += parser.feed(chunk)
    uuid = sim.place_call("caller")
    sock.sendall(b"bgapi originate {origination_uuid=x1,a=b}user/nobody &park()\nJob-UUID: job-7\n\n")
    while not any(b"BACKGROUND_JOB" in frame.body for frame in frames):
        chunk = sock.recv(65536)
        received += chunk
        frames += parser.feed(chunk)
    sock.close()
    create = next(frame for frame in frames if b"CHANNEL_CREATE" in frame.body)
    assert list(create.headers) == ["Content-Length", "Content-Type"] and create.content_type == EVENT_PLAIN
    text = create.text
    assert text.startswith("Event-Name: CHANNEL_CREATE\nCore-UUID: ")
    assert "\nFreeSWITCH-IPv6: fd00%3A%3A2\n" in text
    assert "\nChannel-Name: sofia/test/caller%40127.0.0.1%3A5070\n" in text
    assert f"\nUnique-ID: {uuid}\n" in text and text.endswith("\n\n")
    assert "\nEvent-Date-GMT: " in text and ",%20" in text.split("\nEvent-Date-GMT: ")[1].split("\n")[0]
    job = next(frame for frame in frames if b"BACKGROUND_JOB" in frame.body).text
    assert "\nJob-UUID: job-7\nJob-Command: originate\n" in job
    assert "\nJob-Command-Arg: %7Borigination_uuid%3Dx1,a%3Db%7Duser/nobody%20%26park()\n" in job
    assert job.endswith("Content-Length: 25\n\n-ERR USER_NOT_REGISTERED\n")
