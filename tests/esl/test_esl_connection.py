"""The gevent connection against recorded switches: replies, jobs, executions, errors, timeouts."""

from __future__ import annotations

import socket

import gevent
import pytest

from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AuthenticationFailed, ChannelGone, ConnectFailed, ConnectionLost, ESLTimeout
from tests.conftest import TRANSCRIPTS
from tests.esl.replay import ReplaySwitch

CALL_CONTROL = TRANSCRIPTS / "call-control"
SUBSCRIPTION = ("CHANNEL_CREATE CHANNEL_ORIGINATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER "
                "CHANNEL_PARK CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_BRIDGE "
                "CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY RECORD_START RECORD_STOP "
                "PLAYBACK_START PLAYBACK_STOP BACKGROUND_JOB CUSTOM conference::maintenance").split()


def replay(stem: str, seed: int = 0, folder=CALL_CONTROL, **kwargs) -> tuple[ReplaySwitch, ESLConnection]:
    server = ReplaySwitch(folder / f"{stem}.rx.bin", folder / f"{stem}.tx.bin", seed=seed, **kwargs)
    connection = ESLConnection("127.0.0.1", server.port, "ClueCon", connect_timeout=5, command_timeout=5)
    connection.connect()
    return server, connection


def wait_for_event(connection: ESLConnection, name: str, timeout: float = 5.0, **headers: str):
    while True:
        event = connection.next_event(timeout=timeout)
        assert event is not None, f"connection closed before {name}"
        if event.name == name and all(event.get(k.replace("_", "-")) == v for k, v in headers.items()):
            return event


@pytest.mark.parametrize("seed", range(3))
def test_inbound_commands_replies_and_jobs(seed: int) -> None:
    server, connection = replay("inbound_commands", seed, folder=TRANSCRIPTS)
    connection.subscribe("BACKGROUND_JOB CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE "
                         "DTMF CUSTOM callcenter::info".split())
    assert connection.api("status").startswith("UP 0 years")
    assert connection.api("nosuchcommand") == "-ERR nosuchcommand Command not found!\n"
    assert connection.api("show channels as json") == '{"row_count": 0}\n'
    connection.api("callcenter_config queue list")
    connection.api("callcenter_config agent list")
    assert connection.bgapi("status").startswith("UP 0 years")
    assert connection.bgapi("nosuchcommand").startswith("-ERR nosuchcommand")
    assert connection.filter("Event-Name", "CHANNEL_CREATE").startswith("+OK")
    assert connection.filter_delete("Event-Name", "CHANNEL_CREATE").startswith("+OK")
    create = wait_for_event(connection, "CHANNEL_CREATE")
    assert create["Caller-Destination-Number"] == "7000"
    rows = connection.api("show channels as json")
    assert rows.startswith('{"row_count":')
    connection.api("show calls as json")
    connection.api("callcenter_config queue list agents support@default")
    connection.noevents()
    connection.exit()
    assert server.done.wait(5) and server.error is None
    assert connection.disconnect_notice is not None
    assert "Disconnected" in connection.disconnect_notice.text


def test_wrong_password_is_a_clear_error_and_closes() -> None:
    server = ReplaySwitch(TRANSCRIPTS / "inbound_commands_badauth.rx.bin",
                          TRANSCRIPTS / "inbound_commands_badauth.tx.bin")
    connection = ESLConnection("127.0.0.1", server.port, "wrong", connect_timeout=5)
    with pytest.raises(AuthenticationFailed, match=f"127.0.0.1:{server.port} rejected the password"):
        connection.connect()
    assert server.done.wait(5)
    assert not connection.connected


def test_refused_connection_names_the_switch() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectFailed, match=f"127.0.0.1:{port}"):
        ESLConnection("127.0.0.1", port, "ClueCon", connect_timeout=2).connect()


@pytest.mark.parametrize("seed", range(3))
def test_park_ivr_executions_complete_with_their_results(seed: int) -> None:
    server, connection = replay("park_ivr", seed)
    connection.subscribe(["ALL"])
    park = wait_for_event(connection, "CHANNEL_PARK")
    uuid = park.uuid
    assert park.variable("fsapp_entry") == "main"
    assert connection.execute(uuid, "answer")["Application"] == "answer"
    digits = connection.execute(uuid, "play_and_get_digits",
                                r"1 1 3 5000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) menu_choice \d 3000")
    assert digits.variable("menu_choice") == "3"
    assert digits.variable("read_result") == "success"
    assert digits.variable("menu_choice_invalid") == "*"
    playback = connection.execute_start(uuid, "playback", "/usr/local/freeswitch/sounds/fsapp_tone_2s.wav")
    assert playback.wait(5)["Application-Response"] == "FILE PLAYED"
    assert playback.playback_status == "done"
    first = connection.execute(uuid, "record", "/usr/local/freeswitch/recordings/park_ivr_1.wav 5 200 2")
    assert first.variable("silence_hits_exhausted") == "false"
    assert first.variable("record_ms") == "5580"
    second = connection.execute(uuid, "record", "/usr/local/freeswitch/recordings/park_ivr_2.wav 10 200 2")
    assert second.variable("silence_hits_exhausted") == "true"
    tone = "tone_stream://%(1000,0,350);loops=20"
    assert connection.api(f"uuid_broadcast {uuid} {tone} aleg") == "+OK Message sent\n"
    start = wait_for_event(connection, "PLAYBACK_START", Playback_File_Path=tone)
    assert start.uuid == uuid
    assert connection.api(f"uuid_break {uuid} all") == "+OK\n"
    assert wait_for_event(connection, "PLAYBACK_STOP", Playback_File_Path=tone)["Playback-Status"] == "break"
    assert connection.api(f"uuid_setvar {uuid} fsapp_queue sales") == "+OK\n"
    assert connection.api(f"uuid_getvar {uuid} fsapp_queue") == "sales"
    assert connection.api(f"uuid_getvar {uuid} menu_choice") == "3"
    assert connection.api(f"uuid_getvar {uuid} no_such_variable") == "_undef_"
    timeout_path = connection.execute(
        uuid, "play_and_get_digits", r"1 1 1 2000 # tone_stream://%(200,0,500) silence_stream://250 menu_choice2 \d 1000")
    assert timeout_path.variable("read_result") == "failure"
    assert timeout_path.variable("menu_choice2") is None
    assert connection.api(f"uuid_kill {uuid}") == "+OK\n"
    assert connection.api(f"uuid_kill {uuid}") == "-ERR No such channel!\n"
    with pytest.raises(ChannelGone):
        connection.execute(uuid, "answer")
    connection.exit()
    assert server.done.wait(5) and server.error is None


def test_originate_jobs_match_by_job_uuid() -> None:
    server, connection = replay("originate_outbound")
    connection.subscribe(SUBSCRIPTION)
    answered = connection.bgapi("originate {origination_uuid=bb99b513-1efa-4e00-afdd-27d214094ec7,"
                                "origination_caller_id_number=5551000,fsapp_campaign=7,originate_timeout=10}"
                                "sofia/test/citizen@127.0.0.1:5090 &park()", timeout=10)
    leg = answered.split()[1]
    assert answered.startswith("+OK ")
    park = wait_for_event(connection, "CHANNEL_PARK")
    assert park.uuid == leg and park.variable("fsapp_campaign") == "7"
    played = connection.execute(leg, "playback", "tone_stream://%(500,500,440);loops=2")
    assert played["Application-Response"] == "FILE PLAYED"
    connection.hangup(leg)
    busy = connection.bgapi_start("originate {origination_uuid=30019e3a-a854-46a3-ba30-3db319afbede,"
                                  "origination_caller_id_number=5551000,fsapp_campaign=7,originate_timeout=10}"
                                  "sofia/test/citizen@127.0.0.1:5092 &park()")
    no_answer = connection.bgapi_start("originate {origination_uuid=a8518c71-ddc6-409c-bd9b-ea50c7aa4207,"
                                       "origination_caller_id_number=5551000,fsapp_campaign=7,originate_timeout=5}"
                                       "sofia/test/citizen@127.0.0.1:5093 &park()")
    assert busy[1].get(timeout=10) == "-ERR USER_BUSY\n"
    assert no_answer[1].get(timeout=10) == "-ERR NO_ANSWER\n"
    connection.exit()
    assert server.done.wait(5) and server.error is None


def test_a_dropped_link_fails_what_waits_on_it() -> None:
    server, connection = replay("reconnect_conn1", close_at_end=False)
    connection.subscribe(SUBSCRIPTION)
    park = wait_for_event(connection, "CHANNEL_PARK")
    connection.execute(park.uuid, "answer")
    assert connection.api(f"uuid_broadcast {park.uuid} tone_stream://%(1000,1000,440);loops=60 aleg").startswith("+OK")
    waiting = gevent.spawn(connection.api, "status")
    gevent.idle()
    server.release.set()  # the link drops with a command unanswered
    with pytest.raises(ConnectionLost, match="127.0.0.1"):
        waiting.get(timeout=5)
    assert connection.wait_closed(5)
    with pytest.raises(ConnectionLost):
        connection.api("status")
    names = []
    while (event := connection.next_event(timeout=5)) is not None:
        names.append(event.name)
    assert "PLAYBACK_START" in names  # events read before the drop are still delivered
    assert connection.next_event(timeout=1) is None


def test_a_reply_that_never_comes_times_out() -> None:
    server, connection = replay("reconnect_conn1", close_at_end=False)
    connection.subscribe(SUBSCRIPTION)
    park = wait_for_event(connection, "CHANNEL_PARK")
    connection.execute(park.uuid, "answer")
    connection.api(f"uuid_broadcast {park.uuid} tone_stream://%(1000,1000,440);loops=60 aleg")
    with pytest.raises(ESLTimeout, match="did not answer 'api status' within 0.3 s"):
        connection.api("status", timeout=0.3)
    connection.close()
    server.release.set()
    assert connection.wait_closed(5)


def test_commands_sent_together_get_their_own_replies_in_order() -> None:
    server, connection = replay("inbound_commands", folder=TRANSCRIPTS)
    connection.subscribe("BACKGROUND_JOB CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP_COMPLETE "
                         "DTMF CUSTOM callcenter::info".split())
    status, missing, rows = connection.api_each(["status", "nosuchcommand", "show channels as json"])
    assert status.startswith("UP 0 years")
    assert missing == "-ERR nosuchcommand Command not found!\n"
    assert rows == '{"row_count": 0}\n'
    connection.close()
