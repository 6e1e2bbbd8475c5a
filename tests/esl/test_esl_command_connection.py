"""Commands on sockets of their own (``command_connections``), against the simulated switch.

The event socket only reads events; api, bgapi and sendmsg go over command sockets that subscribe to nothing,
and the events those commands cause (BACKGROUND_JOB, CHANNEL_EXECUTE_COMPLETE) come back on the event socket.
"""

from __future__ import annotations

import gevent
import pytest

from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import ConnectFailed, ConnectionLost, ESLTimeout
from fsapp.sim import CallerScript, SimulatedSwitch
from tests.sim.simhelpers import SUBSCRIPTION, wait_for

WAIT = 10.0


def connect(sim: SimulatedSwitch, command_connections: int, queue_size: int = 1000) -> ESLConnection:
    host, port = sim.address
    connection = ESLConnection(host, port, "ClueCon", connect_timeout=5, command_timeout=WAIT,
                               queue_size=queue_size, command_connections=command_connections).connect()
    connection.subscribe(SUBSCRIPTION)
    return connection


def listening(sim: SimulatedSwitch) -> list[bool]:
    """For each of the switch's client sessions, whether it subscribes to events."""
    return sorted(session.subscription is not None for session in sim._server.sessions)


@pytest.mark.parametrize("count", [1, 3])
def test_commands_use_their_own_sockets_and_events_come_on_the_event_socket(sim: SimulatedSwitch,
                                                                              count: int) -> None:
    connection = connect(sim, count)
    assert listening(sim) == [False] * count + [True]
    uuid = sim.place_call(caller="+4790000100", script=CallerScript(hangup_after=600.0))
    wait_for(connection, "CHANNEL_PARK", Unique_ID=uuid)
    complete = connection.execute(uuid, "answer", timeout=WAIT)   # its completion is an event
    assert complete.get("Application") == "answer"
    assert connection.bgapi(f"uuid_getvar {uuid} fsapp_entry", timeout=WAIT) == "main"   # a job: an event too
    connection.api_ok(f"uuid_kill {uuid}")
    wait_for(connection, "CHANNEL_HANGUP_COMPLETE", Unique_ID=uuid)
    connection.close()


def test_a_command_is_answered_while_the_event_socket_is_flooded(sim: SimulatedSwitch) -> None:
    """Nobody reads the events: the event queue fills, the event socket stops being read and the switch's
    buffer fills behind it. A reply on the same socket would wait behind them; on its own socket it does not."""
    connection = connect(sim, 1, queue_size=10)
    flood(sim)
    assert connection.api("status", timeout=2.0).startswith("UP ")
    close_draining(connection)


def test_on_one_socket_the_same_command_waits_behind_the_flood(sim: SimulatedSwitch) -> None:
    """The other side of the test above: what the command sockets are for."""
    connection = connect(sim, 0, queue_size=10)
    flood(sim)
    with pytest.raises(ESLTimeout, match="did not answer 'api status'"):
        connection.api("status", timeout=2.0)
    close_draining(connection)


def flood(sim: SimulatedSwitch, count: int = 3000) -> None:
    """Events for every subscriber, 2 KB each, faster than anyone reads them."""
    for number in range(count):
        sim.core.fire(sim.core.factory.core("CUSTOM", subclass="conference::maintenance")
                      + [("Action", "flood"), ("Sequence", str(number)), ("Padding", "x" * 2000)])


def close_draining(connection: ESLConnection) -> None:
    drainer = gevent.spawn(lambda: list(connection.iter_events()))
    connection.close()
    drainer.join(WAIT)


def test_replies_from_many_greenlets_are_never_mismatched(sim: SimulatedSwitch) -> None:
    connection = connect(sim, 3)
    calls = [sim.place_call(caller=f"+47900002{n:02d}", script=CallerScript(hangup_after=600.0)) for n in range(20)]
    for uuid in calls:
        wait_for(connection, "CHANNEL_PARK", Unique_ID=uuid)
        connection.api_ok(f"uuid_setvar {uuid} fsapp_probe {uuid[:8]}")

    def ask(uuid: str, round_: int) -> tuple[str, str]:
        if round_ % 3 == 0:
            first, second = connection.api_each([f"uuid_getvar {uuid} fsapp_probe", f"uuid_getvar {uuid} fsapp_entry"])
            return uuid, first if second == "main" else "entry mismatched"
        if round_ % 3 == 1:
            return uuid, connection.bgapi(f"uuid_getvar {uuid} fsapp_probe", timeout=WAIT)
        return uuid, connection.api(f"uuid_getvar {uuid} fsapp_probe")

    asks = [gevent.spawn(ask, uuid, round_) for round_ in range(6) for uuid in calls]
    gevent.joinall(asks, timeout=30, raise_error=True)
    answers = [job.value for job in asks]
    assert len(answers) == 120
    assert all(value == uuid[:8] for uuid, value in answers), [a for a in answers if a[1] != a[0][:8]][:3]
    connection.close()


@pytest.mark.parametrize("drop", [True, False], ids=["event socket dropped", "command socket dropped"])
def test_losing_either_socket_closes_the_link_and_fails_what_waits(sim: SimulatedSwitch, drop: bool) -> None:
    connection = connect(sim, 1)
    uuid = sim.place_call(caller="+4790000300", script=CallerScript(hangup_after=600.0))
    wait_for(connection, "CHANNEL_PARK", Unique_ID=uuid)
    connection.execute(uuid, "answer", timeout=WAIT)
    playing = connection.execute_start(uuid, "playback", "tone_stream://%(1000,0,440);loops=600")
    assert sim.drop_clients(listening=drop) == 1
    assert connection.wait_closed(WAIT)
    with pytest.raises(ConnectionLost):
        playing.wait(WAIT)
    for wire in connection._wires:   # the other socket was closed with it
        wire.join(WAIT)
        assert wire.closed
    with pytest.raises(ConnectionLost):
        connection.api("status")
    while connection.next_event(timeout=WAIT) is not None:
        pass   # events read before the drop are still delivered, then the end
    connection.close()


def test_a_command_socket_lost_while_the_event_queue_is_full_ends_the_event_reader_too(sim: SimulatedSwitch) -> None:
    connection = connect(sim, 1, queue_size=1)
    flood(sim, 300)
    assert connection.api("status", timeout=2.0).startswith("UP ")   # the event reader meanwhile fills the queue
    assert sim.drop_clients(listening=False) == 1
    drained = gevent.spawn(lambda: list(connection.iter_events()))
    assert drained.get(timeout=WAIT)   # the events read before the end, then the end
    connection._event_wire.join(WAIT)
    assert connection._event_wire.closed   # not left blocked on a queue nobody reads any more


def test_exit_closes_every_socket(sim: SimulatedSwitch) -> None:
    connection = connect(sim, 2)
    assert len(listening(sim)) == 3
    connection.exit(timeout=WAIT)
    assert connection.wait_closed(WAIT)
    assert connection.disconnect_notice is not None
    assert not connection.connected
    for wire in connection._wires:
        wire.join(WAIT)
        assert wire.closed


def test_a_failed_login_on_a_command_socket_closes_the_event_socket(sim: SimulatedSwitch) -> None:
    host, port = sim.address
    accepted = iter(range(10))
    serve = sim._server._accept

    def hang_up_on_the_second(sock, address) -> None:
        if next(accepted) == 1:
            sock.close()
        else:
            serve(sock, address)

    sim._server._server.set_handle(hang_up_on_the_second)
    connection = ESLConnection(host, port, "ClueCon", connect_timeout=2, command_connections=1)
    with pytest.raises(ConnectFailed, match="closed the connection during login"):
        connection.connect()
    assert not connection.connected
    assert connection._event_wire._sock.fileno() == -1


def test_each_commands_round_trip_is_told_late_replies_and_timeouts_too(sim: SimulatedSwitch) -> None:
    """What the overload guard reads: the seconds from sending a command to its reply, or to giving up on it."""
    connection = connect(sim, 1)
    seen: list[float] = []
    connection.round_trip = seen.append
    connection.api("status")
    connection.api_each(["status", "status"])
    assert len(seen) == 3 and max(seen) < 0.5
    late = 0.3
    sim.slow_commands(late * sim.clock.speed)
    connection.api("status")
    assert seen[-1] >= late
    with pytest.raises(ESLTimeout):
        connection.api("status", timeout=0.1)
    assert len(seen) == 5 and seen[-1] >= 0.1   # the wait until it gave up; its late reply is not told again
    sim.slow_commands(0)
    close_draining(connection)
