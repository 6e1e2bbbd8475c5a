"""Framing, authentication, subscriptions and api reply formats of the simulated switch."""

from __future__ import annotations

import json
import random
from gevent import socket

import pytest

from fsapp.esl import commands
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AuthenticationFailed, ChannelGone
from fsapp.esl.parser import FrameParser
from fsapp.sim.requests import RequestParser
from fsapp.sim.server import passes_filters
from tests.conftest import TRANSCRIPTS
from tests.sim.simhelpers import connect, names_until, wait_for


def raw_exchange(sim, data: bytes, frames_wanted: int) -> tuple[bytes, list]:
    """Send ``data`` on a raw socket; return the bytes and frames received (up to ``frames_wanted``)."""
    sock = socket.create_connection(sim.address, timeout=5)
    received = b""
    parser = FrameParser()
    frames: list = []
    frames += parser.feed(sock.recv(4096))
    received_parts = [b"Content-Type: auth/request\n\n"]
    sock.sendall(data)
    while len(frames) < frames_wanted:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received_parts.append(chunk)
        frames += parser.feed(chunk)
    sock.close()
    received = b"".join(received_parts)
    return received, frames


def test_bad_password_gets_the_recorded_bytes_and_is_closed(sim) -> None:
    expected = (TRANSCRIPTS / "inbound_commands_badauth.rx.bin").read_bytes()
    sent = (TRANSCRIPTS / "inbound_commands_badauth.tx.bin").read_bytes()
    sock = socket.create_connection(sim.address, timeout=5)
    sock.sendall(sent)
    received = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    assert received == expected
    with pytest.raises(AuthenticationFailed):
        ESLConnection(*sim.address, "wrong", connect_timeout=5).connect()


def test_exit_sends_bye_and_the_disconnect_notice(sim) -> None:
    received, frames = raw_exchange(sim, b"auth ClueCon\n\nexit\n\n", 4)
    assert received.endswith(
        b"Content-Type: command/reply\nReply-Text: +OK bye\n\n"
        b"Content-Type: text/disconnect-notice\nContent-Length: 67\n\n"
        b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n")
    assert frames[1].headers == {"Content-Type": "command/reply", "Reply-Text": "+OK accepted"}


def test_api_frames_put_content_type_first(sim) -> None:
    received, frames = raw_exchange(sim, b"auth ClueCon\n\napi show channels as json\n\n", 3)
    assert received.endswith(b"Content-Type: api/response\nContent-Length: 17\n\n{\"row_count\": 0}\n")


def test_requests_parse_in_any_fragmentation() -> None:
    stream = b"".join([commands.auth("ClueCon"), commands.api("status"),
                       commands.bgapi("originate {a=1}user/x &park()", "J-1"),
                       commands.execute("u-1", "playback", "a\nb", event_uuid="E-1"),
                       commands.sendevent("CUSTOM", {"Event-Subclass": "fsapp::eavesdrop", "x": "1"}, "body")])
    whole = RequestParser().feed(stream)
    assert [request.line for request in whole] == [
        "auth ClueCon", "api status", "bgapi originate {a=1}user/x &park()", "sendmsg u-1", "sendevent CUSTOM"]
    assert whole[2].headers == {"Job-UUID": "J-1"}
    assert whole[3].body == "a\nb" and whole[3].headers["Event-UUID"] == "E-1"
    assert whole[4].body == "body"
    rng = random.Random(7)
    for _ in range(50):
        parser, got, pos = RequestParser(), [], 0
        while pos < len(stream):
            step = rng.randint(1, 40)
            got += parser.feed(stream[pos:pos + step])
            pos += step
        assert got == whole


def test_api_replies_have_the_recorded_formats(sim) -> None:
    connection = connect(sim, names=["BACKGROUND_JOB"])
    assert connection.api("show channels as json") == '{"row_count": 0}\n'
    assert connection.api("nosuchcommand") == "-ERR nosuchcommand Command not found!\n"
    status = connection.api("status")
    assert status.startswith("UP 0 years, 0 days, 0 hours, ") and "FreeSWITCH (Version 1.10.12" in status
    assert connection.api("version").startswith("FreeSWITCH Version 1.10.12")
    assert connection.api("uuid_kill 00000000-0000-0000-0000-000000000000") == "-ERR No such channel!\n"
    assert connection.api("uuid_bridge a b") == "-ERR Invalid uuid\n"
    assert connection.api("uuid_exists nope") == "false"
    assert connection.bgapi("status").startswith("UP 0 years")
    assert connection.bgapi("nosuchcommand") == "-ERR nosuchcommand Command not found!\n"
    reply = connection.send(commands.bgapi("status", "my-job-1"))
    assert reply.headers["Reply-Text"] == "+OK Job-UUID: my-job-1" and reply.headers["Job-UUID"] == "my-job-1"
    with pytest.raises(ChannelGone):
        connection.execute("0f0f0f0f-0000-0000-0000-000000000000", "answer")
    text = connection.send(commands.execute("dead-uuid", "answer")).reply_text
    assert text == "-ERR invalid session id [dead-uuid]"
    assert connection.send(commands.simple("bogus")).reply_text == "-ERR command not found"
    connection.exit()


def test_channel_variables_and_dump(sim) -> None:
    connection = connect(sim)
    uuid = sim.place_call("caller", entry="main")
    wait_for(connection, "CHANNEL_PARK", Unique_ID=uuid)
    assert connection.api(f"uuid_exists {uuid}") == "true"
    assert connection.api(f"uuid_getvar {uuid} fsapp_entry") == "main"
    assert connection.api(f"uuid_getvar {uuid} no_such_variable") == "_undef_"
    assert connection.api(f"uuid_setvar {uuid} fsapp_queue sales") == "+OK\n"
    assert connection.api(f"uuid_getvar {uuid} fsapp_queue") == "sales"
    dump = json.loads(connection.api(f"uuid_dump {uuid} json"))
    assert dump["Event-Name"] == "CHANNEL_DATA" and dump["variable_fsapp_queue"] == "sales"
    assert dump["Unique-ID"] == uuid and dump["Channel-Name"] == "sofia/test/caller@127.0.0.1:5070"
    connection.exit()


def test_subscriptions_filters_and_several_clients(sim) -> None:
    creates = connect(sim, names=["CHANNEL_CREATE"])
    everything = connect(sim, names=["ALL"])
    custom = connect(sim, names=["CUSTOM", "fsapp::test"])
    filtered = connect(sim, names=["ALL"])
    assert filtered.filter("Event-Name", "CHANNEL_ANSWER") == "+OK filter added. [Event-Name]=[CHANNEL_ANSWER]"
    uuid = sim.place_call("caller")
    assert wait_for(creates, "CHANNEL_CREATE").uuid == uuid
    wait_for(everything, "CHANNEL_PARK")
    everything.execute(uuid, "answer")
    assert filtered.next_event(timeout=5).name == "CHANNEL_ANSWER"
    assert filtered.filter_delete("Event-Name", "CHANNEL_ANSWER") == \
        "+OK filter deleted. [Event-Name][CHANNEL_ANSWER]"
    event_uuid = everything.sendevent("CUSTOM", {"Event-Subclass": "fsapp::test", "x-note": "hello world"})
    got = custom.next_event(timeout=5)
    assert (got.name, got.subclass, got["x-note"], got["Event-UUID"]) == ("CUSTOM", "fsapp::test", "hello world",
                                                                         event_uuid)
    assert creates.events.empty()
    assert creates.noevents() == "+OK no longer listening for events"
    for connection in (creates, everything, custom, filtered):
        connection.exit()


def test_a_lagging_switch_sends_its_events_late_in_order_and_replies_at_once(sim) -> None:
    connection = connect(sim)
    sim.fall_behind(10.0)   # half a second at the test's speed: far more than an api round trip
    uuid = sim.place_call("caller")
    assert connection.api(f"uuid_exists {uuid}") == "true"
    assert connection.events.empty()
    names = names_until(connection, "CHANNEL_PARK")
    assert sim.clock.now() - sim.channel(uuid).times["created"] / 1e6 >= 10.0
    assert names[0] == "CHANNEL_CREATE" and names.count("CHANNEL_PARK") == 1
    connection.exit()


def test_json_events(sim) -> None:
    connection = connect(sim, names=())
    assert connection.subscribe(["CHANNEL_CREATE", "BACKGROUND_JOB"], fmt="json") == \
        "+OK event listener enabled json"
    uuid = sim.place_call("caller")
    event = wait_for(connection, "CHANNEL_CREATE")
    assert event.uuid == uuid and event["Channel-Name"] == "sofia/test/caller@127.0.0.1:5070"
    assert connection.bgapi("status").startswith("UP ")
    connection.exit()


def test_dropping_clients_keeps_calls_and_reconnect_lists_them(sim) -> None:
    first = connect(sim)
    uuid = sim.place_call("caller", entry="main")
    wait_for(first, "CHANNEL_PARK", Unique_ID=uuid)
    first.execute(uuid, "answer")
    first.api(f"uuid_broadcast {uuid} tone_stream://%(1000,1000,440);loops=60 aleg")
    wait_for(first, "PLAYBACK_START", Unique_ID=uuid)
    assert sim.drop_clients() == 1
    assert first.wait_closed(5)
    assert uuid in sim.channels
    second = connect(sim)
    rows = second.api("show channels as json")
    assert rows.startswith('{"row_count":1,"rows":[') and not rows.endswith("\n")
    row = json.loads(rows)["rows"][0]
    assert (row["uuid"], row["state"], row["dest"], row["application"], row["callstate"]) == (
        uuid, "CS_EXECUTE", "6000", "playback", "ACTIVE")
    assert row["application_data"] == "tone_stream://%(1000,1000,440);loops=60"
    assert "fsapp_entry" not in rows
    calls = json.loads(second.api("show calls as json"))
    assert calls["row_count"] == 1 and calls["rows"][0]["b_uuid"] == ""
    assert second.api(f"uuid_getvar {uuid} fsapp_entry") == "main"
    assert second.api(f"uuid_break {uuid} all") == "+OK\n"
    assert wait_for(second, "PLAYBACK_STOP")["Playback-Status"] == "break"
    assert second.api(f"uuid_kill {uuid}") == "+OK\n"
    wait_for(second, "CHANNEL_DESTROY", Unique_ID=uuid)
    assert second.api("show channels as json") == '{"row_count": 0}\n'
    second.exit()


def test_completions_of_applications_others_sent_are_left_out(sim) -> None:
    observer = connect(sim, names=["ALL"])
    connection = connect(sim, names=[])
    connection.subscribe(["CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "PLAYBACK_STOP", "CHANNEL_HANGUP_COMPLETE"],
                         foreign_executions=False)
    uuid = sim.place_call("caller")
    dialplan = wait_for(observer, "CHANNEL_EXECUTE_COMPLETE", Unique_ID=uuid)   # the dial plan's set, before its park
    assert dialplan.get("Application-UUID-Name") is None
    assert names_until(connection, "CHANNEL_PARK") == ["CHANNEL_PARK"]
    answered = connection.execute(uuid, "answer", timeout=5)
    assert (answered["Application"], answered["Application-UUID-Name"]) == ("answer", "fsapp")
    assert names_until(connection, "CHANNEL_EXECUTE_COMPLETE") == ["CHANNEL_EXECUTE_COMPLETE:answer"]
    connection.api(f"uuid_broadcast {uuid} tone_stream://%(100,0,440) aleg")   # not sent with sendmsg: not ours
    wait_for(observer, "CHANNEL_EXECUTE_COMPLETE", Unique_ID=uuid, Application="playback")
    assert names_until(connection, "PLAYBACK_STOP") == ["PLAYBACK_STOP"]
    connection.execute_detached(uuid, "playback", "tone_stream://%(100,0,440)")   # followed no further
    wait_for(observer, "CHANNEL_EXECUTE_COMPLETE", Unique_ID=uuid, Application="playback")
    assert names_until(connection, "PLAYBACK_STOP") == ["PLAYBACK_STOP"]
    connection.api(f"uuid_kill {uuid}")
    assert names_until(connection, "CHANNEL_HANGUP_COMPLETE") == ["CHANNEL_HANGUP_COMPLETE"]
    for each in (observer, connection):
        each.exit()


@pytest.mark.parametrize(("filters", "passes"), [
    ([("Event-Name", "CHANNEL_ANSWER")], False),
    ([("event-name", "channel_execute_complete")], True),
    ([("Event-Name", "/EXECUTE_COMPLETE$/"), ("Application", "-set")], False),
    ([("Application", "- set"), ("Event-Name", "CHANNEL_EXECUTE_COMPLETE")], False),
    ([("Application", "-answer"), ("Event-Name", "CHANNEL_EXECUTE_COMPLETE")], True),
    ([("Application-UUID-Name", "fsapp")], False),
    ([("Application", "/^SET$/i")], True),
    ([("Application", "/set")], False),
])
def test_filters_work_as_the_switchs(filters: list[tuple[str, str]], passes: bool) -> None:
    headers = [("Event-Name", "CHANNEL_EXECUTE_COMPLETE"), ("Application", "set")]
    assert passes_filters(filters, headers) is passes
