"""``fsapp fs status|api|events`` against the simulated switch, and their one-line errors."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from click.testing import CliRunner

import cli
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AccessDenied
from fsapp.sim import CallerScript, SimulatedSwitch


def fs(sim: SimulatedSwitch, *args: str, password: str = "ClueCon"):
    host, port = sim.address
    return CliRunner().invoke(cli.main, ["fs", args[0], "--host", host, "--port", str(port),
                                         "--password", password, "--timeout", "3", *args[1:]], env={})


def test_status_reports_version_and_channels(sim: SimulatedSwitch) -> None:
    sim.place_call(caller="+4790000001", script=CallerScript(hangup_after=600.0))
    result = fs(sim, "status", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["ready"] is True and status["channels"] == 1
    assert status["version"].startswith("1.10")


def test_api_prints_the_answer_and_fails_on_err(sim: SimulatedSwitch) -> None:
    uuid = sim.place_call(caller="+4790000002", script=CallerScript(hangup_after=600.0))
    result = fs(sim, "api", "uuid_getvar", uuid, "fsapp_entry")
    assert (result.exit_code, result.output) == (0, "main\n")
    failed = fs(sim, "api", "nosuchcommand")
    assert failed.exit_code == 1 and failed.output.startswith("-ERR nosuchcommand")


class _ListenerList(list):
    """The simulated switch's client list, telling the test once a client has subscribed to events."""

    def __init__(self, subscribed) -> None:
        super().__init__()
        self.subscribed = subscribed

    def append(self, session) -> None:
        super().append(session)
        handle = session.handle

        def handle_then_tell(request):
            answer = handle(request)
            if session.subscription is not None:
                self.subscribed.set()
            return answer

        session.handle = handle_then_tell


def test_events_streams_json_lines(sim: SimulatedSwitch) -> None:
    import gevent
    from gevent.event import Event

    subscribed = Event()
    sim.core.listeners = _ListenerList(subscribed)

    def place_when_subscribed() -> None:
        if subscribed.wait(10):
            sim.place_call(caller="+4790000003", script=CallerScript(hangup_after=600.0))

    placer = gevent.spawn(place_when_subscribed)
    result = fs(sim, "events", "-n", "2", "--event", "CHANNEL_CREATE", "--event", "CHANNEL_PARK", "--wait", "10")
    placer.join(5)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    assert [event["Event-Name"] for event in events] == ["CHANNEL_CREATE", "CHANNEL_PARK"]
    assert events[1]["variable_fsapp_entry"] == "main"


def test_wrong_password_is_one_line_and_exit_1(sim: SimulatedSwitch) -> None:
    result = fs(sim, "status", password="wrong")
    host, port = sim.address
    assert result.exit_code == 1
    assert result.output == f"Error: switch {host}:{port} rejected the password (-ERR invalid)\n"


def test_refused_connection_is_one_line_and_exit_1() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = CliRunner().invoke(cli.main, ["fs", "status", "--port", str(port), "--timeout", "2"], env={})
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot connect to switch 127.0.0.1:{port}")
    assert result.output.count("\n") == 1


def test_a_switch_that_never_answers_times_out() -> None:
    listener = socket.create_server(("127.0.0.1", 0))   # accepts, then says nothing
    port = listener.getsockname()[1]
    try:
        result = CliRunner().invoke(cli.main, ["fs", "status", "--port", str(port), "--timeout", "0.5"], env={})
    finally:
        listener.close()
    assert result.exit_code == 1
    assert result.output == f"Error: switch 127.0.0.1:{port} did not answer within 0.5 s\n"


def test_an_acl_rejection_is_reported_as_access_denied() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    notice = b"Access Denied, go away.\n"

    def reject() -> None:
        conn, _ = listener.accept()
        conn.sendall(b"Content-Type: text/rude-rejection\nContent-Length: %d\n\n" % len(notice) + notice)
        conn.close()

    thread = threading.Thread(target=reject, daemon=True)
    thread.start()
    try:
        with pytest.raises(AccessDenied, match=f"127.0.0.1:{port} refused the connection: Access Denied"):
            ESLConnection("127.0.0.1", port, "ClueCon", connect_timeout=3).connect()
    finally:
        thread.join(5)
        listener.close()
