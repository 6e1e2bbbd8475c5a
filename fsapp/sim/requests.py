"""Sans-IO parser for what a client sends to an inbound Event Socket.

A request is a first line (``api status``, ``sendmsg <uuid>``, ``event plain ALL``...), then
``Name: value`` header lines, then a blank line; when a ``Content-Length`` header is present, exactly
that many bytes of body follow. Feed bytes in any fragmentation; take complete requests out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_REQUEST_HEAD = 64 * 1024
MAX_REQUEST_BODY = 4 * 1024 * 1024


class RequestError(ValueError):
    """The client sent something that is not an Event Socket request."""


@dataclass(slots=True)
class Request:
    """One client command: its first line split into verb and argument, its headers and body."""

    line: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""

    @property
    def verb(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def arg(self) -> str:
        parts = self.line.split(" ", 1)
        return parts[1].strip() if len(parts) > 1 else ""


class RequestParser:
    """Bytes from a client -> :class:`Request` objects."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pending: Request | None = None
        self._need = 0

    def feed(self, data: bytes) -> list[Request]:
        self._buffer += data
        requests: list[Request] = []
        while True:
            if self._pending is None and not self._take_head():
                break
            if len(self._buffer) < self._need:
                break
            request = self._pending
            assert request is not None
            request.body = bytes(self._buffer[:self._need]).decode("utf-8", "replace")
            del self._buffer[:self._need]
            self._pending, self._need = None, 0
            requests.append(request)
        return requests

    def _take_head(self) -> bool:
        buffer = self._buffer
        while buffer[:1] in (b"\n", b"\r") and buffer:
            del buffer[:1]
        end = buffer.find(b"\n\n")
        crlf_end = buffer.find(b"\r\n\r\n")
        if crlf_end >= 0 and (end < 0 or crlf_end < end):
            end, skip = crlf_end, 4
        else:
            skip = 2
        if end < 0:
            if len(buffer) > MAX_REQUEST_HEAD:
                raise RequestError("request head exceeds 64 KiB without a blank line")
            return False
        lines = bytes(buffer[:end]).decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
        del buffer[:end + skip]
        request = Request(lines[0].strip(), _headers(lines[1:]))
        self._pending = request
        self._need = _body_length(request.headers)
        return True


def _headers(lines: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep:
            raise RequestError(f"header line without a colon: {line[:80]!r}")
        headers[name.strip()] = value.strip()
    return headers


def _body_length(headers: dict[str, str]) -> int:
    raw = headers.get("Content-Length") or headers.get("content-length")
    if raw is None:
        return 0
    try:
        length = int(raw)
    except ValueError as exc:
        raise RequestError(f"Content-Length is not a number: {raw!r}") from exc
    if not 0 <= length <= MAX_REQUEST_BODY:
        raise RequestError(f"Content-Length out of range: {length}")
    return length
