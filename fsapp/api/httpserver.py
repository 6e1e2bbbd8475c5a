"""gevent's WSGI server with deadlines, for every request the API port reads.

- A connection gets ``idle_timeout`` seconds to start each request and ``read_timeout`` seconds to send its
  request line and headers (408 otherwise); bodies are read by :mod:`fsapp.httpbody` within ``read_timeout``.
- A body the application did not read is drained only when it is small and arrives in time; otherwise the
  connection is closed after the answer, so a client cannot make the server read what it refused.
"""

from __future__ import annotations

import logging
from typing import Any

import gevent
from gevent.pywsgi import Input, WSGIHandler, WSGIServer

log = logging.getLogger(__name__)


class RequestTimedOut(ValueError):
    """The request line and headers did not arrive within the read timeout (answered 408)."""


_TIMEOUT_RESPONSE = (b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain\r\n"
                     b"Content-Length: 26\r\n\r\nrequest not sent in time\r\n")


class BoundedInput(Input):
    """``wsgi.input`` that knows whether it was read to its end, and drains only small leftovers in time."""

    __slots__ = ("abandoned", "deadline", "drain_limit")

    def __init__(self, *args: Any, deadline: float, drain_limit: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.abandoned = False
        self.deadline = deadline
        self.drain_limit = drain_limit

    @property
    def finished(self) -> bool:
        if self.chunked_input:
            return self.chunk_length == 0
        return self.position >= (self.content_length or 0)

    def _discard(self) -> None:
        if self.abandoned or self.finished or self.chunked_input:
            return
        if (self.content_length or 0) - self.position > self.drain_limit:
            return
        with gevent.Timeout(self.deadline, False):
            super()._discard()


class GuardedHandler(WSGIHandler):
    """Reads each request within the server's deadlines; closes connections whose body was left unread."""

    server: GuardedServer

    def read_requestline(self) -> str:
        with gevent.Timeout(self.server.idle_timeout, False):
            return super().read_requestline()  # type: ignore[no-any-return]
        return ""   # idle too long: the connection is closed

    def read_request(self, raw_requestline: str) -> bool:
        try:
            with gevent.Timeout(self.server.read_timeout):
                return super().read_request(raw_requestline)  # type: ignore[no-any-return]
        except gevent.Timeout:
            raise RequestTimedOut(f"headers not sent within {self.server.read_timeout} s") from None

    def _handle_client_error(self, ex: BaseException) -> Any:
        if isinstance(ex, RequestTimedOut):
            log.info("request from %s dropped: %s", self.client_address, ex)
            return ("408", _TIMEOUT_RESPONSE)
        return super()._handle_client_error(ex)

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        plain = self.wsgi_input
        bounded = BoundedInput(plain.rfile, plain.content_length, socket=plain.socket,
                               chunked_input=plain.chunked_input, deadline=self.server.read_timeout,
                               drain_limit=self.server.max_body)
        self.wsgi_input = bounded
        if environ.get("wsgi.input") is plain:
            environ["wsgi.input"] = bounded
        return environ  # type: ignore[no-any-return]

    def handle_one_response(self) -> None:
        super().handle_one_response()
        if isinstance(self.wsgi_input, BoundedInput) and not self.wsgi_input.finished:
            self.close_connection = True   # the stream is not at the next request: do not read on


class GuardedServer(WSGIServer):
    """A WSGI server using :class:`GuardedHandler` with these limits."""

    handler_class = GuardedHandler

    def __init__(self, listener: tuple[str, int], application: Any, *, read_timeout: float, idle_timeout: float,
                 max_body: int, **kwargs: Any) -> None:
        super().__init__(listener, application, **kwargs)
        self.read_timeout = read_timeout
        self.idle_timeout = idle_timeout
        self.max_body = max_body

