"""Frames the switch writes, byte for byte in FreeSWITCH's layout.

- command/reply: ``Content-Type`` then ``Reply-Text`` (plus extra headers such as ``Job-UUID``), no body.
- api/response: ``Content-Type`` first, then ``Content-Length``, then the body exactly as the command wrote it.
- events: ``Content-Length`` first, then ``Content-Type: text/event-plain`` (or ``text/event-json``).
- disconnect notice: ``Content-Type: text/disconnect-notice`` with the goodbye text as body.
"""

from __future__ import annotations

import json
from functools import lru_cache

from fsapp.esl.codec import url_encode

GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def auth_request() -> bytes:
    return b"Content-Type: auth/request\n\n"


def command_reply(text: str, extra: list[tuple[str, str]] | None = None) -> bytes:
    lines = ["Content-Type: command/reply", f"Reply-Text: {text}"]
    lines += [f"{name}: {value}" for name, value in extra or ()]
    return ("\n".join(lines) + "\n\n").encode()


def api_response(body: str) -> bytes:
    data = body.encode()
    return f"Content-Type: api/response\nContent-Length: {len(data)}\n\n".encode() + data


def disconnect_notice() -> bytes:
    data = GOODBYE.encode()
    return f"Content-Type: text/disconnect-notice\nContent-Length: {len(data)}\n\n".encode() + data


@lru_cache(maxsize=131072)
def _header_line(header: tuple[str, str]) -> str:
    # Headers repeat from event to event (a channel's variables), so their encoded lines are kept.
    return f"{header[0]}: {url_encode(header[1])}"


def plain_event_body(headers: list[tuple[str, str]], body: str = "") -> bytes:
    """The text/event-plain body: URL-encoded header lines, a blank line, then the event body if any."""
    lines = list(map(_header_line, headers))
    if body:
        data = body.encode()
        lines.append(f"Content-Length: {len(data)}")
        return ("\n".join(lines) + "\n\n").encode() + data
    return ("\n".join(lines) + "\n\n").encode()


def json_event_body(headers: list[tuple[str, str]], body: str = "") -> bytes:
    data = dict(headers)
    if body:
        data["Content-Length"] = str(len(body.encode()))
        data["_body"] = body
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def event_frame(content: bytes, content_type: str) -> bytes:
    return f"Content-Length: {len(content)}\nContent-Type: {content_type}\n\n".encode() + content
