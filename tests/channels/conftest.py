"""A controller with its channels on the simulated switch, real SMTP servers and an SMS gateway on loopback.

The test's greenlet shares the gevent hub with the controller: anything that blocks an OS thread (smtplib,
waiting on a thread's queue, a browser driver) runs on a thread of the hub's pool (:func:`off_hub`), so the
controller keeps serving meanwhile.
"""

from __future__ import annotations

import json
import queue
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import gevent
import pytest
from aiosmtpd.controller import Controller as SmtpController

from fsapp.api.client import ApiClient
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import WAIT
from tests.api.conftest import free_port
from tests.integration.conftest import MONDAY_MORNING, started_controllers

T = TypeVar("T")
TOKENS = {"tok-supervisor": "supervisor", "tok-ingrid": {"role": "operator", "agent": "ingrid"},
          "tok-ola": {"role": "operator", "agent": "ola"}}
SMS_TOKEN = "sms-webhook-token-0123456789"


def off_hub(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` on a thread of the hub's pool; this greenlet waits, the controller runs on."""
    return gevent.get_hub().threadpool.apply(function, args)


class MailCatcher:
    """A real SMTP server on loopback keeping what it is sent (the city's outgoing mail server)."""

    def __init__(self) -> None:
        self.messages: queue.Queue[EmailMessage] = queue.Queue()
        self.port = free_port()
        self._server = SmtpController(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.put(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def next(self, timeout: float = WAIT) -> EmailMessage:
        return off_hub(self.messages.get, True, timeout)

    def __enter__(self) -> MailCatcher:
        off_hub(self._server.start)
        return self

    def __exit__(self, *exc: object) -> None:
        off_hub(self._server.stop)


@pytest.fixture
def sim_speed() -> float:
    return 10.0


@pytest.fixture
def make_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Callable[..., Controller]]:
    """A started controller with its control API on a free port, on Monday morning unless told otherwise."""
    for make in started_controllers(sim, tmp_path):
        yield lambda moment=MONDAY_MORNING, **overrides: make(
            moment, **{"api.port": free_port(), "api.tokens": TOKENS, **overrides})


def api_as(controller: Controller, token: str) -> ApiClient:
    assert controller.api_server is not None
    return ApiClient(controller.api_server.url, token)


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None,
         raw: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    """One request from a plain client (run it with :func:`off_hub`): status, headers, JSON body or None."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as answer:
            status, head, content = answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        status, head, content = exc.code, dict(exc.headers), exc.read()
    return status, head, json.loads(content) if content else None
