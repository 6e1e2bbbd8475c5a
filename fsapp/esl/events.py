"""The Event model: one FreeSWITCH event with its headers and optional body."""

from __future__ import annotations

import json

from fsapp.esl.codec import url_decode
from fsapp.esl.errors import ProtocolError


class Event:
    """A FreeSWITCH event. Header values are URL-decoded when read.

    A plain event keeps its raw header block and decodes a header only when it is asked for; the full
    dictionary is built the first time :attr:`headers` is used. Looking up a name searches for
    ``"\n<name>: "`` in the raw block; encoded values never hold a raw newline, so a value can never be
    mistaken for a header (the same guarantee as splitting lines before decoding).
    """

    __slots__ = ("_headers", "_raw", "_name", "body")

    def __init__(self, headers: dict[str, str] | None = None, body: str = "", raw: str | None = None) -> None:
        self._headers = headers
        self._raw = raw
        self._name: str | None = None
        self.body = body

    @property
    def headers(self) -> dict[str, str]:
        """Every header, decoded, in the order the switch sent them."""
        if self._headers is None:
            self._headers = parse_header_lines(self._raw or "")
            self._raw = None
        return self._headers

    def get(self, name: str, default: str | None = None) -> str | None:
        if self._headers is not None:
            return self._headers.get(name, default)
        return _find_header(self._raw or "", name, default)

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    @property
    def name(self) -> str:
        if self._name is None:
            self._name = self.get("Event-Name") or ""
        return self._name

    @property
    def subclass(self) -> str:
        return self.get("Event-Subclass") or ""

    @property
    def uuid(self) -> str:
        """The channel the event is about (``Unique-ID``), or ``""``."""
        return self.get("Unique-ID") or ""

    def variable(self, name: str, default: str | None = None) -> str | None:
        """A channel variable carried by the event (header ``variable_<name>``)."""
        return self.get("variable_" + name, default)

    def variables(self, prefix: str = "") -> dict[str, str]:
        """Channel variables carried by the event whose names start with ``prefix``, without ``variable_``."""
        lead = "variable_" + prefix
        if self._headers is not None:
            return {key[9:]: value for key, value in self._headers.items() if key.startswith(lead)}
        return _find_headers_with_prefix(self._raw or "", lead, strip=9)

    def __repr__(self) -> str:
        label = self.subclass or self.name
        return f"<Event {label} {self.uuid}>" if self.uuid else f"<Event {label}>"


def _find_headers_with_prefix(raw: str, lead: str, strip: int) -> dict[str, str]:
    found: dict[str, str] = {}
    needle = "\n" + lead
    start: int | None = 0 if raw.startswith(lead) else None
    if start is None:
        index = raw.find(needle)
        start = index + 1 if index >= 0 else None
    while start is not None:
        end = raw.find("\n", start)
        line = raw[start:] if end < 0 else raw[start:end]
        name, sep, value = line.partition(": ")
        if sep:
            value = value.rstrip("\r")
            found.setdefault(name[strip:], url_decode(value) if "%" in value else value)
        index = raw.find(needle, end) if end >= 0 else -1
        start = index + 1 if index >= 0 else None
    return found


def _find_header(raw: str, name: str, default: str | None) -> str | None:
    # The first occurrence wins, as it does when the block is turned into a dictionary.
    key = name + ": "
    if raw.startswith(key):
        start = len(key)
    else:
        index = raw.find("\n" + key)
        if index < 0:
            return default
        start = index + 1 + len(key)
    end = raw.find("\n", start)
    value = raw[start:] if end < 0 else raw[start:end]
    if value.endswith("\r"):
        value = value[:-1]
    return url_decode(value) if "%" in value else value


def parse_header_lines(block: str) -> dict[str, str]:
    """Split a header block into lines, then decode each value on its own.

    Splitting first is what keeps an encoded newline inside a value (``%0AUnique-ID%3A%20x``) from
    ever becoming a header of its own.
    """
    lines = block.split("\n")
    try:
        if "\r" in block:
            raise ValueError("carriage returns: take the careful path")
        pairs = [line.split(": ", 1) for line in lines]
        headers = dict(pairs)
    except ValueError:
        return _parse_header_lines_carefully(lines)
    if len(headers) != len(pairs):  # a repeated name: the first one wins
        headers = {}
        for name, value in pairs:
            headers.setdefault(name, value)
    if "%" in block:
        for name, value in headers.items():
            if "%" in value:
                headers[name] = url_decode(value)
    return headers


def _parse_header_lines_carefully(lines: list[str]) -> dict[str, str]:
    """The slow path: blank lines, ``Name:value`` without a space, trailing carriage returns."""
    headers: dict[str, str] = {}
    for line in lines:
        line = line.rstrip("\r")
        name, sep, value = line.partition(": ")
        if not sep:
            name, sep, value = line.partition(":")
            if not sep:
                if line.strip():
                    raise ProtocolError(f"header line without a colon: {line[:80]!r}")
                continue
            value = value.lstrip()
        headers.setdefault(name, url_decode(value) if "%" in value else value)
    return headers


def parse_plain_event(text: str) -> Event:
    """An event from a ``text/event-plain`` body: headers, and after a blank line an optional body.

    The header block is kept raw; headers are decoded when they are read.
    """
    head, _, rest = text.partition("\n\n")
    event = Event(None, rest, head)
    if rest:
        length = event.get("Content-Length")
        if length is not None:
            try:
                size = int(length)
            except ValueError as exc:
                raise ProtocolError(f"event Content-Length is not a number: {length!r}") from exc
            event.body = rest[:size]
    return event


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
