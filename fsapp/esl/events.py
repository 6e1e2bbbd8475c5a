"""The Event model: one FreeSWITCH event with its headers and optional body."""

from __future__ import annotations

import json

from fsapp.esl.codec import url_decode
from fsapp.esl.errors import ProtocolError


class Event:
    """A FreeSWITCH event. Header values are already URL-decoded."""

    __slots__ = ("headers", "body")

    def __init__(self, headers: dict[str, str], body: str = "") -> None:
        self.headers = headers
        self.body = body

    @property
    def name(self) -> str:
        return self.headers.get("Event-Name", "")

    @property
    def subclass(self) -> str:
        return self.headers.get("Event-Subclass", "")

    @property
    def uuid(self) -> str:
        """The channel the event is about (``Unique-ID``), or ``""``."""
        return self.headers.get("Unique-ID", "")

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def __contains__(self, name: str) -> bool:
        return name in self.headers

    def variable(self, name: str, default: str | None = None) -> str | None:
        """A channel variable carried by the event (header ``variable_<name>``)."""
        return self.headers.get("variable_" + name, default)

    def variables(self) -> dict[str, str]:
        """Every channel variable carried by the event, without the ``variable_`` prefix."""
        return {key[9:]: value for key, value in self.headers.items() if key.startswith("variable_")}

    def __repr__(self) -> str:
        label = self.subclass or self.name
        return f"<Event {label} {self.uuid}>" if self.uuid else f"<Event {label}>"


def parse_header_lines(block: str) -> dict[str, str]:
    """Split a header block into lines, then decode each value on its own.

    Splitting first is what keeps an encoded newline inside a value (``%0AUnique-ID%3A%20x``) from
    ever becoming a header of its own.
    """
    headers: dict[str, str] = {}
    for line in block.split("\n"):
        name, sep, value = line.partition(": ")
        if not sep:
            name, sep, value = line.partition(":")
            if not sep:
                if line.strip():
                    raise ProtocolError(f"header line without a colon: {line[:80]!r}")
                continue
            value = value.lstrip()
        if value.endswith("\r"):
            value = value[:-1]
        headers[name] = url_decode(value) if "%" in value else value
    return headers


def parse_plain_event(text: str) -> Event:
    """An event from a ``text/event-plain`` body: headers, and after a blank line an optional body."""
    head, _, rest = text.partition("\n\n")
    headers = parse_header_lines(head)
    length = headers.get("Content-Length")
    if length is not None:
        try:
            size = int(length)
        except ValueError as exc:
            raise ProtocolError(f"event Content-Length is not a number: {length!r}") from exc
        body = rest[:size] if size <= len(rest) else rest
        return Event(headers, body)
    return Event(headers, rest)


def parse_json_event(text: str) -> Event:
    """An event from a ``text/event-json`` body (its ``_body`` key becomes the body)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProtocolError(f"event JSON does not parse: {exc}") from exc
    if not isinstance(data, dict):
        raise ProtocolError("event JSON is not an object")
    body = data.pop("_body", "")
    return Event({str(key): str(value) for key, value in data.items()}, str(body))
