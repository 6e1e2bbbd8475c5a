"""Talking raw HTTP to a server on loopback: hostile requests that http.client would not send."""

from __future__ import annotations

import json
from gevent import socket  # cooperative: the server runs in this process
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

CLIENT_WAIT = 15.0   # how long the client waits for an answer; the server's deadlines are far shorter


@dataclass
class Answer:
    status: int | None       # None: the server closed without answering
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=CLIENT_WAIT)


def read_answer(sock: socket.socket) -> Answer:
    """One response (by its Content-Length), or whatever arrived before the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return Answer(None, {}, data)
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Answer(status, headers, rest[:length])


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (waits at most CLIENT_WAIT)."""
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def request(url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None,
            declared: int | None = None) -> Answer:
    """Send one request to ``url`` + ``path`` (``declared`` overrides Content-Length) and read its answer."""
    with connect(url) as sock:
        full = urlsplit(url).path + path
        sock.sendall(head(method, full, headers, len(body) if declared is None else declared) + body)
        return read_answer(sock)


def head(method: str, path: str, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: fsapp.test"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
