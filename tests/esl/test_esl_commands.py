"""Commands are written byte for byte as the recorded client wrote them."""

from __future__ import annotations

import re

import pytest

from fsapp.esl import commands
from fsapp.esl.errors import ESLError
from tests.conftest import TRANSCRIPTS

CALL_CONTROL = TRANSCRIPTS / "call-control"


def recorded_blocks(name: str) -> list[bytes]:
    data = (CALL_CONTROL / name).read_bytes()
    return [block + b"\n\n" for block in data.split(b"\n\n") if block]


def rebuild(block: bytes) -> bytes:
    lines = block.decode().rstrip("\n").split("\n")
    first, headers = lines[0], dict(line.split(": ", 1) for line in lines[1:])
    verb, _, rest = first.partition(" ")
    if verb == "sendmsg" and headers.get("call-command") == "execute":
        return commands.execute(rest, headers["execute-app-name"], headers.get("execute-app-arg"),
                                event_uuid=headers.get("Event-UUID"),
                                event_lock=headers.get("event-lock") == "true", tag=headers.get("Event-UUID-Name"))
    if verb == "sendmsg" and headers.get("call-command") == "hangup":
        return commands.hangup(rest, headers["hangup-cause"])
    if verb == "sendevent":
        return commands.sendevent(rest, headers)
    if verb == "bgapi":
        return commands.bgapi(rest, headers.get("Job-UUID"))
    if verb == "event":
        fmt, _, names = rest.partition(" ")
        return commands.event(names.split(), fmt)
    if verb == "api":
        return commands.api(rest)
    if verb == "auth":
        return commands.auth(rest)
    return commands.simple(first)


@pytest.mark.parametrize("name", sorted(p.name for p in CALL_CONTROL.glob("*.tx.bin")))
def test_commands_match_recorded_client_bytes(name: str) -> None:
    for block in recorded_blocks(name):
        assert rebuild(block) == block


def test_custom_goes_last_in_subscriptions() -> None:
    data = commands.event(["CUSTOM", "conference::maintenance", "CHANNEL_PARK", "DTMF"])
    assert data == b"event plain CHANNEL_PARK DTMF CUSTOM conference::maintenance\n\n"


def test_newlines_are_refused_in_command_lines() -> None:
    with pytest.raises(ESLError):
        commands.api("status\n\nexit")


def test_multiline_argument_travels_as_body() -> None:
    data = commands.execute("u1", "speak", "line one\nline two", event_uuid="e1")
    head, _, body = data.partition(b"\n\n")
    assert body == b"line one\nline two"
    assert re.search(rb"Content-Length: 17", head)
