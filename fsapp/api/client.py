"""A small client of the control API (the ``fsapp`` supervisor commands use it).

Its sockets are gevent's, so it also works inside a gevent process (tests, the controller) without
blocking other greenlets; in a plain process they behave as ordinary blocking sockets.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

from gevent import socket as gsocket

from fsapp.api.sse import parse_stream
from fsapp.errors import FsappError


class ApiClientError(FsappError):
    """The API answered with an error (``status`` 0: it could not be reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Connection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = gsocket.create_connection((self.host, self.port), self.timeout)


class ApiClient:
    """``ApiClient("http://127.0.0.1:8088", token).get("/api/v1/queues")``."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.base = parts.path.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json", **(extra or {})}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _open(self, method: str, path: str, query: dict[str, Any] | None, body: Any,
              timeout: float | None) -> tuple[_Connection, http.client.HTTPResponse]:
        params = {key: value for key, value in (query or {}).items() if value is not None}
        target = self.base + path + (f"?{urlencode(params)}" if params else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        connection = _Connection(self.host, self.port, timeout=timeout)
        try:
            connection.request(method, target, body=data,
                               headers=self._headers({"Content-Type": "application/json"} if data else None))
            response = connection.getresponse()
        except OSError as exc:
            connection.close()
            raise ApiClientError(0, f"control API {self.host}:{self.port} not reachable: {exc}") from exc
        if response.status >= 400:
            raw = response.read()
            connection.close()
            try:
                message = json.loads(raw).get("error", raw.decode("utf-8", "replace"))
            except (ValueError, AttributeError):
                message = raw.decode("utf-8", "replace")
            raise ApiClientError(response.status, f"{response.status}: {message}")
        return connection, response

    def request(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        connection, response = self._open(method, path, query, body, self.timeout)
        try:
            raw = response.read()
        finally:
            connection.close()
        return json.loads(raw) if raw else None

    def get(self, path: str, **query: Any) -> Any:
        return self.request("GET", path, query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body=body if body is not None else {})

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def download(self, path: str) -> bytes:
        connection, response = self._open("GET", path, None, None, self.timeout)
        try:
            return response.read()
        finally:
            connection.close()

    def events(self, path: str = "/api/v1/events") -> Iterator[tuple[str, Any]]:
        """``(event, data)`` from the live stream until the server ends it."""
        connection, response = self._open("GET", path, None, None, None)
        try:
            lines = (line.decode("utf-8") for line in iter(response.readline, b""))
            yield from parse_stream(lines)
        finally:
            connection.close()
