"""SMS through an HTTP gateway, and a loopback gateway that keeps what it receives (tests, the simulator).

The gateway protocol is provider-neutral: ``POST <url>`` with ``Authorization: Bearer <token>`` and the JSON
body ``{"to": "+47...", "from": "<sender>", "text": "..."}``; a 2xx answer with ``{"id": "..."}`` means
accepted. Providers with another shape get a small adapter service in front.
"""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from fsapp.notify.errors import DeliveryError


class SmsGateway(Protocol):
    """Anything that can send one SMS and return the provider's message id."""

    def send(self, to: str, text: str) -> str: ...


class HttpSmsGateway:
    """The provider-neutral HTTP gateway client."""

    def __init__(self, url: str, token: str, sender: str, timeout: float = 10.0) -> None:
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, to: str, text: str) -> str:
        """Send ``text`` to ``to`` (E.164); returns the gateway's message id."""
        payload = json.dumps({"to": to, "from": self.sender, "text": text}).encode("utf-8")
        request = urllib.request.Request(self.url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS to {to} refused by the gateway: HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"SMS to {to} failed: {exc}") from exc
        return str(answer.get("id", ""))


class LoopbackSmsServer:
    """A gateway on 127.0.0.1 that accepts messages with the right token and queues them for inspection."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-loopback", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/messages"

    def __enter__(self) -> LoopbackSmsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                if self.headers.get("Authorization") != f"Bearer {owner.token}":
                    self._answer(401, {"error": "bad token"})
                    return
                try:
                    message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                except ValueError:
                    message = None
                if not isinstance(message, dict) or not message.get("to") or "text" not in message:
                    self._answer(400, {"error": "need JSON with to and text"})
                    return
                message["id"] = uuid.uuid4().hex
                owner.received.put(message)
                self._answer(202, {"id": message["id"]})

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler
