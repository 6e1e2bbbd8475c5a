"""Against a real FreeSWITCH: the Event Socket core and call control, with SIPp as the caller and the phone.

Calls reach the rendered trunks' profile (127.0.0.1:5080), whose dialplan parks 6000 with fsapp_entry=main
(the session's ``live`` fixture installs it)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import gevent
import pytest
from click.testing import CliRunner
from gevent.event import AsyncResult

import cli
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AuthenticationFailed
from fsapp.esl.events import Event
from fsapp.switch.call import Call
from fsapp.switch.errors import OriginateFailed
from fsapp.switch.service import Switch
from tests.live.livekit import wait_bound

pytestmark = pytest.mark.freeswitch


def test_status_command(switch_address: tuple[str, int, str]) -> None:
    host, port, password = switch_address
    result = CliRunner().invoke(cli.main, ["fs", "status", "--json", "--host", host, "--port", str(port),
                                           "--password", password])
    assert result.exit_code == 0, result.output
    assert '"ready": true' in result.output


def test_wrong_password(switch_address: tuple[str, int, str]) -> None:
    host, port, _ = switch_address
    with pytest.raises(AuthenticationFailed, match=f"{host}:{port}"):
        ESLConnection(host, port, "not-the-password").connect()


def test_background_job(switch_address: tuple[str, int, str]) -> None:
    connection = ESLConnection(*switch_address).connect()
    connection.subscribe(["BACKGROUND_JOB"])   # the switch sends a job's result only to its subscribers
    assert connection.bgapi("status").startswith("UP ")
    assert connection.bgapi("nosuchcommand").startswith("-ERR")
    connection.exit()


def test_parked_call_menu_and_hangup(switch_address: tuple[str, int, str], live, sipp) -> None:
    host, port, password = switch_address
    outcome: AsyncResult = AsyncResult()

    def main_flow(call: Call) -> None:
        call.answer()
        digits = call.play_and_get_digits(1, 1, 3, 5000, "#", "tone_stream://%(200,0,500)",
                                          "tone_stream://%(200,0,300)", "menu_choice", r"\d", 3000)
        played = call.playback("tone_stream://%(500,0,440)")
        call.hangup()
        outcome.set((digits, played))

    switch = Switch(host, port, password)
    switch.route("main", main_flow)
    switch.start().wait_connected(10)
    try:
        sipp("uac2_ivr.xml", "-s", "6000", "127.0.0.1:5080", "-i", "127.0.0.1", "-p", "5070", "-mp", "6000",
             "-m", "1", "-l", "1")
        assert outcome.get(timeout=60) == ("3", True)
    finally:
        switch.stop()


def test_originate_to_a_busy_phone(switch_address: tuple[str, int, str], live, sipp) -> None:
    switch = Switch(*switch_address).start()
    switch.wait_connected(10)
    try:
        sipp("uas2_busy.xml", "-i", "127.0.0.1", "-p", "5092", "-m", "1")
        wait_bound(5092)
        with pytest.raises(OriginateFailed) as failure:
            switch.originate("sofia/fsapp_trunks/citizen@127.0.0.1:5092", {"originate_timeout": "10"}, timeout=30)
        assert failure.value.cause == "USER_BUSY"
    finally:
        switch.stop()


def test_the_switch_throttle_spares_the_legs_of_calls_already_in(switch_address: tuple[str, int, str], live,
                                                                  sipp) -> None:
    """At one session a second (the switch starts N - 1 a second: none), of five legs placed at once the switch
    refuses those it counts (``Throttle Error!``, DESTINATION_OUT_OF_ORDER) and lets every leg placed with
    ``throttled=False`` through to the phone, which is busy here. The new limit counts from the switch's next
    second on (its timer thread starts each second's count): until then the legs get through, so the batches go
    on until one is refused."""
    admin = ESLConnection(*switch_address).connect()
    limit = re.search(r"out of max (\d+)", admin.api("status"))
    assert limit is not None
    switch = Switch(*switch_address).start()
    switch.wait_connected(10)

    def place(throttled: bool) -> str:
        try:
            switch.originate("sofia/fsapp_trunks/citizen@127.0.0.1:5093", {"originate_timeout": "10"}, timeout=30,
                             throttled=throttled)
        except OriginateFailed as failure:
            return failure.cause
        return "answered"

    def five_at_once(throttled: bool) -> list[str]:
        jobs = [gevent.spawn(place, throttled) for _ in range(5)]
        gevent.joinall(jobs, raise_error=True)
        return [job.value for job in jobs]

    try:
        sipp("uas2_busy.xml", "-i", "127.0.0.1", "-p", "5093", "-m", "5000")
        wait_bound(5093)
        assert "+OK" in admin.api("fsctl sps 1")
        deadline = time.monotonic() + 5
        while (counted := five_at_once(True)).count("DESTINATION_OUT_OF_ORDER") < 3:
            assert time.monotonic() < deadline, f"the switch never throttled: {counted}"
        assert set(counted) <= {"DESTINATION_OUT_OF_ORDER", "USER_BUSY"}, counted
        assert five_at_once(False) == ["USER_BUSY"] * 5
    finally:
        admin.api(f"fsctl sps {limit[1]}")
        deadline = time.monotonic() + 5   # the old limit counts from the next second: the next test's calls get in
        while place(True) == "DESTINATION_OUT_OF_ORDER" and time.monotonic() < deadline:
            pass
        admin.close()
        switch.stop()


def test_completions_of_the_dial_plans_applications_are_left_out(switch_address: tuple[str, int, str], live,
                                                                   sipp) -> None:
    """fsapp tags its executions (``Event-UUID-Name``) and its filters keep only their completions: a socket without
    them gets the dial plan's and a broadcast's too."""
    observer = ESLConnection(*switch_address).connect()
    observer.subscribe(["CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE"])
    connection = ESLConnection(*switch_address).connect()
    connection.subscribe(["CHANNEL_PARK", "CHANNEL_EXECUTE_COMPLETE", "PLAYBACK_STOP", "CHANNEL_HANGUP_COMPLETE"],
                         foreign_executions=False)
    try:
        sipp("uac2_wait_bye.xml", "-s", "6000", "127.0.0.1:5080", "-i", "127.0.0.1", "-p", "5071", "-mp", "6010",
             "-m", "1", "-l", "1")
        before_park = events_until(observer, lambda event: event.name == "CHANNEL_PARK")
        assert [event["Application"] for event in before_park[:-1]][:1] == ["set"]   # the dial plan's
        park = connection.next_event(timeout=20)
        assert park.name == "CHANNEL_PARK" and park.uuid == before_park[-1].uuid
        answered = connection.execute(park.uuid, "answer", timeout=10)
        assert (answered["Application"], answered["Application-UUID-Name"]) == ("answer", "fsapp")
        assert connection.next_event(timeout=5).get("Application") == "answer"
        connection.api(f"uuid_broadcast {park.uuid} tone_stream://%(100,0,440) aleg")   # not sendmsg: not ours
        stop = connection.next_event(timeout=10)
        assert (stop.name, stop["Playback-Status"]) == ("PLAYBACK_STOP", "done")
        broadcast = events_until(observer, lambda event: event.get("Application") == "playback")[-1]
        assert broadcast.get("Application-UUID-Name") is None
        connection.execute_detached(park.uuid, "playback", "tone_stream://%(100,0,440)")   # followed no further
        stop = connection.next_event(timeout=10)
        assert (stop.name, stop["Playback-Status"]) == ("PLAYBACK_STOP", "done")
        assert events_until(observer, lambda event: event.get("Application") == "playback")[-1].uuid == park.uuid
        connection.api(f"uuid_kill {park.uuid}")
        assert connection.next_event(timeout=10).name == "CHANNEL_HANGUP_COMPLETE"
    finally:
        observer.exit()
        connection.exit()


def events_until(connection: ESLConnection, last: Callable[[Event], bool]) -> list[Event]:
    """Events up to and including the first for which ``last`` holds."""
    seen: list[Event] = []
    while not seen or not last(seen[-1]):
        event = connection.next_event(timeout=20)
        assert event is not None, "the connection closed"
        seen.append(event)
    return seen
