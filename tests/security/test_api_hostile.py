"""The control API port under hostile requests, through the real HTTP server on loopback: every one gets a
clean 4xx within the server's deadlines, and one client's stalled request holds nothing for long."""

from __future__ import annotations

import json
from gevent import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fsapp.api.auth import grants
from fsapp.controller import Controller
from fsapp.errors import ConfigError
from fsapp.sim import SimulatedSwitch
from tests.api.conftest import free_port
from tests.integration.conftest import MONDAY_MORNING, WAIT, controller_config, one_clock
from tests.security.http_raw import closed_by_server, connect, head, read_answer, request

SUPERVISOR = "tok-supervisor-0123456789"
OLA = "tok-operator-ola-0123456789"
ANY_OPERATOR = "tok-operator-any-0123456789"
TOKENS = {SUPERVISOR: "supervisor", OLA: {"role": "operator", "agent": "ola"}, ANY_OPERATOR: "operator"}
LIMITS = {"api.read_timeout": 1.0, "api.idle_timeout": 1.0, "api.max_body": 4096}


@pytest.fixture
def guarded(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    """A controller whose API has short deadlines and a small body limit."""
    config = controller_config(sim, tmp_path, **{"api.port": free_port(), "api.tokens": TOKENS, **LIMITS})
    started = Controller(config, **one_clock(sim, MONDAY_MORNING)).start()
    started.switch.wait_connected(WAIT)
    yield started
    started.stop()


def _url(controller: Controller) -> str:
    assert controller.api_server is not None
    return controller.api_server.url


def _auth(token: str = SUPERVISOR) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def test_json_nested_30k_deep_is_a_400(guarded: Controller) -> None:
    body = b'{"reason": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    big = request(_url(guarded), "POST", "/api/v1/agents/ola/break", body, _auth())
    assert big.status == 413   # deeper than anything legitimate, and larger than api.max_body too
    body = b'{"reason": ' + b"[" * 2000 + b"]" * 2000 + b"}"
    answer = request(_url(guarded), "POST", "/api/v1/agents/ola/break", body, _auth())
    assert answer.status == 400 and "nested deeper than 32 levels" in answer.json()["error"]


def test_a_body_shorter_than_its_content_length_gets_408_not_a_hang(guarded: Controller) -> None:
    with connect(_url(guarded)) as sock:
        sock.sendall(head("POST", "/api/v1/agents/ola/break", _auth(), 100) + b'{"reason": "lun')
        answer = read_answer(sock)
        assert answer.status == 408 and "not sent within" in answer.json()["error"]
        assert closed_by_server(sock)


def test_half_sent_headers_and_idle_connections_are_dropped(guarded: Controller) -> None:
    socks = [connect(_url(guarded)) for _ in range(60)]
    try:
        for index, sock in enumerate(socks):
            if index % 2:
                sock.sendall(b"GET /api/v1/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bea")
        for index, sock in enumerate(socks):
            answer = read_answer(sock)
            assert answer.status == (408 if index % 2 else None), index
            assert closed_by_server(sock)
    finally:
        for sock in socks:
            sock.close()
    assert request(_url(guarded), "GET", "/api/v1/agents", headers=_auth()).status == 200


def test_a_huge_declared_body_is_413_before_any_of_it_is_sent(guarded: Controller) -> None:
    with connect(_url(guarded)) as sock:
        sock.sendall(head("POST", "/api/v1/agents/ola/break", _auth(), 256 * 1024 * 1024))
        answer = read_answer(sock)
        assert answer.status == 413 and closed_by_server(sock)


def test_a_chunked_body_over_the_limit_is_413(guarded: Controller) -> None:
    chunk = b"x" * 3000
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
    answer = request(_url(guarded), "POST", "/api/v1/agents/ola/break", body,
                     {**_auth(), "Transfer-Encoding": "chunked"}, declared=None)
    assert answer.status == 413, answer.body


def test_an_unread_body_of_a_refused_request_is_not_read(guarded: Controller) -> None:
    with connect(_url(guarded)) as sock:
        sock.sendall(head("POST", "/api/v1/agents/ola/break", {"Authorization": "Bearer wrong"}, 10 ** 9))
        assert read_answer(sock).status == 401
        assert closed_by_server(sock)


def test_keep_alive_goes_on_after_a_small_unread_body(guarded: Controller) -> None:
    with connect(_url(guarded)) as sock:
        sock.sendall(head("GET", "/api/v1/agents", _auth(), 5) + b"hello")
        assert read_answer(sock).status == 200
        sock.sendall(head("GET", "/api/v1/queues", _auth()))
        assert read_answer(sock).status == 200


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=9999-12-31&to=9999-12-31", "from=0001-01-01",
                                   "from=2026-02-01&to=2026-01-01", "from=2026-13-01", "to=now"])  # any-date-ok
def test_report_dates_out_of_range_are_400(guarded: Controller, query: str) -> None:
    answer = request(_url(guarded), "GET", f"/api/v1/reports/daily?{query}", headers=_auth())
    assert answer.status == 400, answer.body


def test_audit_limit_is_bounded(sim: SimulatedSwitch, tmp_path: Path) -> None:
    config = controller_config(sim, tmp_path, **{"api.port": free_port(), "api.tokens": {SUPERVISOR: "admin"}})
    controller = Controller(config, **one_clock(sim, MONDAY_MORNING)).start()
    try:
        for limit in ("-1", "0", "10000000000", "x"):
            assert request(_url(controller), "GET", f"/api/v1/audit?limit={limit}", headers=_auth()).status == 400
    finally:
        controller.stop()


JSON_BITS = st.sampled_from(['{', '}', '[', ']', '"', ':', ',', '"reason"', '"x"', '1', '-0', '1e999', 'null',
                             'true', '\\u0000', '\\ud800', ' ', '\n', '\xff', '"\\'])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.lists(JSON_BITS, max_size=40).map("".join))
def test_any_body_is_answered_without_a_500(guarded: Controller, body: str) -> None:
    answer = request(_url(guarded), "POST", "/api/v1/agents/ola/break", body.encode("utf-8", "surrogatepass"),
                     _auth())
    assert answer.status is not None and answer.status < 500, (body, answer.body)


def test_an_operator_token_bound_to_an_agent_acts_on_that_agent_only(guarded: Controller) -> None:
    url = _url(guarded)
    assert request(url, "POST", "/api/v1/agents/ola/login", b"{}", _auth(OLA)).status == 200
    refused = request(url, "POST", "/api/v1/agents/ingrid/logout", b"{}", _auth(OLA))
    assert refused.status == 403 and "ola only" in refused.json()["error"]
    assert request(url, "POST", "/api/v1/agents/ingrid/login", b"{}", _auth(ANY_OPERATOR)).status == 200
    assert request(url, "POST", "/api/v1/agents/ingrid/logout", b"{}", _auth(OLA)).status == 403
    assert request(url, "POST", "/api/v1/agents/ingrid/logout", b"{}", _auth(SUPERVISOR)).status == 200


@pytest.mark.parametrize("spec, message", [
    ({"role": "supervisor", "agent": "ola"}, "only an operator token"),
    ({"role": "operator", "agent": "nobody"}, "unknown agent 'nobody'"),
    ({"agent": "ola"}, "give a role"),
    ({"role": "operator", "agent": "ola", "extra": "x"}, "give a role"),
    ("root", "unknown role 'root'"),
])
def test_token_grants_are_checked(spec: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        grants({"a-long-enough-token-0123": spec}, agents={"ola"})
    assert "a-long-enough-token-0123" not in str(caught.value)


def test_the_plain_string_form_still_works() -> None:
    found = grants({"t" * 20: "operator", "u" * 20: {"role": "operator", "agent": "ola"}}, agents={"ola"})
    assert (found["t" * 20].role, found["t" * 20].agent, found["u" * 20].agent) == ("operator", None, "ola")


def test_socket_helpers_notice_a_close() -> None:
    left, right = socket.socketpair()
    right.close()
    assert closed_by_server(left)
    left.close()


def test_errors_are_json(guarded: Controller) -> None:
    answer = request(_url(guarded), "POST", "/api/v1/agents/ola/break", b"[1, 2]", _auth())
    assert answer.status == 400 and json.loads(answer.body) == {"error": "body must be a JSON object"}
