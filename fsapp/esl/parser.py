"""Sans-IO Event Socket framing: bytes in any fragmentation -> frames -> replies and events.

A frame is a block of ``Name: value`` header lines ended by a blank line, followed by exactly
``Content-Length`` bytes of body when that header is present. Nothing here does I/O: feed it bytes,
take frames out.
"""

from __future__ import annotations

from dataclasses import dataclass

from fsapp.esl.errors import ProtocolError
from fsapp.esl.events import Event, parse_header_lines, parse_json_event, parse_plain_event

MAX_HEADER_BLOCK = 256 * 1024
MAX_BODY = 64 * 1024 * 1024

AUTH_REQUEST = "auth/request"
COMMAND_REPLY = "command/reply"
API_RESPONSE = "api/response"
EVENT_PLAIN = "text/event-plain"
EVENT_JSON = "text/event-json"
DISCONNECT_NOTICE = "text/disconnect-notice"
RUDE_REJECTION = "text/rude-rejection"
LOG_DATA = "log/data"


@dataclass(slots=True)
class Frame:
    """One Event Socket frame: its outer headers (decoded) and its raw body."""

    headers: dict[str, str]
    body: bytes = b""

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def reply_text(self) -> str:
        """What the switch said: ``Reply-Text`` of a command/reply, the body of an api/response."""
        if self.content_type == API_RESPONSE:
            return self.text
        return self.headers.get("Reply-Text", "")

    @property
    def is_event(self) -> bool:
        return self.content_type in (EVENT_PLAIN, EVENT_JSON)

    def event(self) -> Event:
        """The event this frame carries (plain or json)."""
        if self.content_type == EVENT_PLAIN:
            return parse_plain_event(self.text)
        if self.content_type == EVENT_JSON:
            return parse_json_event(self.text)
        raise ProtocolError(f"frame of type {self.content_type!r} carries no event")


class FrameParser:
    """Turns a byte stream into frames, whatever the boundaries of the chunks fed in."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._pending: dict[str, str] | None = None
        self._need = 0

    def feed(self, data: bytes) -> list[Frame]:
        """Add bytes; return every frame now complete, in order."""
        buffer = self._buffer
        buffer += data
        frames: list[Frame] = []
        pos = 0
        size = len(buffer)
        while True:
            if self._pending is None:
                while pos < size and buffer[pos] == 0x0A:
                    pos += 1
                end = buffer.find(b"\n\n", pos)
                if end < 0:
                    if size - pos > MAX_HEADER_BLOCK:
                        raise ProtocolError("frame header block exceeds 256 KiB without a blank line")
                    break
                headers = parse_header_lines(buffer[pos:end].decode("utf-8", "replace"))
                pos = end + 2
                need = _content_length(headers)
                if need == 0:
                    frames.append(Frame(headers))
                    continue
                self._pending, self._need = headers, need
            if size - pos < self._need:
                break
            frames.append(Frame(self._pending, bytes(buffer[pos:pos + self._need])))
            pos += self._need
            self._pending = None
        del buffer[:pos]
        return frames

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return len(self._buffer)


def _content_length(headers: dict[str, str]) -> int:
    raw = headers.get("Content-Length")
    if raw is None:
        return 0
    try:
        length = int(raw)
    except ValueError as exc:
        raise ProtocolError(f"Content-Length is not a number: {raw!r}") from exc
    if length < 0 or length > MAX_BODY:
        raise ProtocolError(f"Content-Length out of range: {length}")
    return length
