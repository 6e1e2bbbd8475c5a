"""Helpers for the simulated switch tests: a connected client, waiting on events, transcript shapes."""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from fsapp.esl.connection import ESLConnection
from fsapp.esl.events import Event, parse_plain_event
from fsapp.esl.parser import EVENT_PLAIN, FrameParser
from tests.conftest import TRANSCRIPTS

SUBSCRIPTION = ("CHANNEL_CREATE CHANNEL_ORIGINATE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER "
                "CHANNEL_PARK CHANNEL_UNPARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_BRIDGE "
                "CHANNEL_UNBRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_DESTROY RECORD_START RECORD_STOP "
                "PLAYBACK_START PLAYBACK_STOP BACKGROUND_JOB CUSTOM conference::maintenance").split()
PAGD_MENU = "1 1 3 5000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) menu_choice \\d 3000"


def connect(sim, names=SUBSCRIPTION) -> ESLConnection:
    host, port = sim.address
    connection = ESLConnection(host, port, "ClueCon", connect_timeout=5, command_timeout=10).connect()
    if names:
        connection.subscribe(list(names))
    return connection


def wait_for(connection: ESLConnection, name: str, timeout: float = 10.0, seen: list | None = None,
             **headers: str) -> Event:
    """The next event called ``name`` with these headers (underscores stand for dashes)."""
    while True:
        event = connection.next_event(timeout=timeout)
        assert event is not None, f"connection closed before {name}"
        if seen is not None:
            seen.append(event)
        if event.name == name and all(event.get(key.replace("_", "-")) == value for key, value in headers.items()):
            return event


def names_until(connection: ESLConnection, name: str, **headers: str) -> list[str]:
    """Event names (with Application for executions) up to and including the one awaited."""
    seen: list[Event] = []
    wait_for(connection, name, seen=seen, **headers)
    return [label(event) for event in seen]


def label(event: Event) -> str:
    app = event.get("Application")
    return f"{event.name}:{app}" if app else event.name


def shape(names: list[str]) -> tuple[str, ...]:
    """Header names with runs of variable_*, Caller-* and Other-Leg-* folded into one entry each."""
    out: list[str] = []
    for name in names:
        group = name
        if name.startswith("variable_"):
            group = "variable_*"
        elif name.startswith("Caller-") and name != "Caller-Direction":
            group = "Caller-*"
        elif name.startswith("Other-Leg-"):
            group = "Other-Leg-*"
        if not out or out[-1] != group:
            out.append(group)
    return tuple(out)


@lru_cache(maxsize=1)
def transcript_events() -> dict[str, list[Event]]:
    """Every plain event of every recorded transcript, by Event-Name."""
    found: dict[str, list[Event]] = defaultdict(list)
    for path in sorted(TRANSCRIPTS.rglob("*.rx.bin")):
        for frame in FrameParser().feed(path.read_bytes()):
            if frame.content_type == EVENT_PLAIN:
                event = parse_plain_event(frame.text)
                found[event.name].append(event)
    return found


def transcript_shapes(name: str) -> set[tuple[str, ...]]:
    return {shape(list(event.headers)) for event in transcript_events()[name]}


def transcript_field_order(prefix: str) -> list[str]:
    """The order in which ``<prefix>-*`` headers appear in the transcripts (union of all events)."""
    order: list[str] = []
    for events in transcript_events().values():
        for event in events:
            names = [key for key in event.headers if key.startswith(prefix)]
            for index, key in enumerate(names):
                if key not in order:
                    before = [k for k in names[:index] if k in order]
                    position = order.index(before[-1]) + 1 if before else 0
                    order.insert(position, key)
    return order


VALUE_FORMATS = {
    "Event-Date-Timestamp": re.compile(r"^\d{16}$"),
    "Event-Date-Local": re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"),
    "Event-Date-GMT": re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$"),
    "Event-Sequence": re.compile(r"^\d+$"),
    "Caller-Channel-Created-Time": re.compile(r"^\d{16}$"),
    "Caller-Profile-Created-Time": re.compile(r"^\d{16}$"),
    "Caller-Channel-Answered-Time": re.compile(r"^(0|\d{16})$"),
    "Caller-Channel-Hangup-Time": re.compile(r"^(0|\d{16})$"),
    "Unique-ID": re.compile(r"^[0-9a-f-]{36}$"),
    "Core-UUID": re.compile(r"^[0-9a-f-]{36}$"),
    "Channel-State-Number": re.compile(r"^\d{1,2}$"),
    "variable_start_uepoch": re.compile(r"^\d{16}$"),
    "variable_start_stamp": re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"),
    "DTMF-Duration": re.compile(r"^\d+$"),
}


def run(connection: ESLConnection, uuid: str, app: str, arg: str | None = None) -> Event:
    """Execute an application and consume the events up to its EXECUTE_COMPLETE, which is returned."""
    execution = connection.execute_start(uuid, app, arg)
    return wait_for(connection, "CHANNEL_EXECUTE_COMPLETE", Application_UUID=execution.event_uuid)
