"""The simulated switch held to the real one: one scenario's events, per leg, from both.

A raw observer connection (``event plain ALL``) records every byte the switch sends while fsapp's controller
runs a scenario. From those events come, per leg (the caller, the agent, ...): the sequence of event names
(with the application of CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE) and the ``fsapp_*`` variables the
controller reads, with channel UUIDs replaced by the leg's role. :func:`compare` lists what differs:

- ``events_only_real`` / ``events_only_sim``: event names one switch sends on a leg and the other never does;
- ``sequence``: on the events both send, each place where the per-leg sequences differ (``difflib`` opcodes,
  with the real switch's event just before it);
- ``variables``: ``fsapp_*`` variables whose value differs or that one switch never shows.

The recordings live in ``tests/data/transcripts/fsapp-live/`` with a ``differences.yaml`` that lists each
difference and why it is harmless; the CI test requires the computed list and the file to agree exactly.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
import yaml
from gevent import socket   # cooperative: the controller under test runs in this process
from gevent.event import Event as Flag

from fsapp.esl.events import Event
from fsapp.esl.parser import EVENT_PLAIN, FrameParser

BATCH = Path(__file__).resolve().parent / "data" / "transcripts" / "fsapp-live"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
LABELLED = ("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE")


class RawObserver:
    """A plain socket on the switch's Event Socket: ``auth``, ``event plain ALL``, then every byte kept."""

    def __init__(self, host: str, port: int, password: str) -> None:
        self.sock = socket.create_connection((host, port), timeout=5)
        self.rx = bytearray()
        self.tx = bytearray()
        self._expect(b"auth/request")
        self._send(f"auth {password}\n\n".encode())
        self._expect(b"+OK accepted")
        self._send(b"event plain ALL\n\n")
        self._expect(b"+OK event listener enabled plain")
        self.sock.settimeout(None)
        self._more = Flag()
        self._reader = gevent.spawn(self._read)

    def _send(self, data: bytes) -> None:
        self.tx += data
        self.sock.sendall(data)

    def _expect(self, marker: bytes) -> None:
        while marker not in self.rx:
            chunk = self.sock.recv(65536)
            assert chunk, f"the switch closed the socket before {marker!r}"
            self.rx += chunk

    def _read(self) -> None:
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            self.rx += chunk
            self._more.set()

    def wait_destroyed(self, count: int, timeout: float) -> None:
        """Wait until this connection itself has read ``count`` CHANNEL_DESTROY events (each leg's last)."""
        deadline = time.monotonic() + timeout
        while sum(event.name == "CHANNEL_DESTROY" for event in events_of(bytes(self.rx))) < count:
            self._more.clear()
            assert self._more.wait(max(0.0, deadline - time.monotonic())), f"{count} legs not gone in {timeout} s"

    def wait_more(self, timeout: float) -> None:
        """Wait until more bytes arrive (AssertionError after ``timeout`` s)."""
        self._more.clear()
        assert self._more.wait(timeout), f"nothing more from the switch in {timeout} s"

    def close(self) -> tuple[bytes, bytes]:
        """Stop reading; returns everything received and sent."""
        self._reader.kill()
        self.sock.close()
        return bytes(self.rx), bytes(self.tx)


def events_of(rx: bytes) -> list[Event]:
    return [frame.event() for frame in FrameParser().feed(rx) if frame.content_type == EVENT_PLAIN]


def label(event: Event, playback_status: bool = True) -> str:
    """The event's name, with the application of an execution and how a playback stopped (fsapp reads both)."""
    detail = event.get("Application") if event.name in LABELLED else None
    if event.name == "PLAYBACK_STOP" and playback_status:
        detail = event.get("Playback-Status")
    return f"{event.name}:{detail}" if detail else event.name


def roles(events: list[Event]) -> dict[str, str]:
    """Channel UUID -> role: ``caller`` (the inbound call), else its ``fsapp_role`` (agent, citizen...)."""
    found: dict[str, str] = {}
    for event in events:
        uuid = event.get("Unique-ID")
        if not uuid or uuid in found or event.name != "CHANNEL_CREATE":
            continue
        role = event.get("variable_fsapp_role") or ("caller" if event.get("Call-Direction") == "inbound"
                                                     else "outbound")
        taken = sum(1 for value in found.values() if value.split("#")[0] == role)
        found[uuid] = role if not taken else f"{role}#{taken + 1}"
    return found


@dataclass
class Story:
    """What one switch told of a scenario, per leg."""

    sequences: dict[str, list[str]] = field(default_factory=dict)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)


def story(events: list[Event], only: frozenset[str] | None = None, playback_status: bool = True) -> Story:
    """Per leg, the events (``only`` those names, if given) and the fsapp_* variables they carry."""
    legs = roles(events)
    told = Story({role: [] for role in legs.values()}, {role: {} for role in legs.values()})
    for event in events:
        role = legs.get(event.get("Unique-ID") or "")
        if role is None:
            continue
        if only is None or event.name in only:
            told.sequences[role].append(label(event, playback_status))
        for name, value in event.variables("fsapp_").items():
            told.variables[role][name] = _UUID.sub(lambda match: legs.get(match[0], "uuid"), value)
    return told


RACED_AFTER_LAST_BRIDGE = frozenset(("CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_HANGUP"))


def settled(told: Story) -> Story:
    """``told`` without what a race decides afresh on each run: a leg whose last bridge ends as its partner hangs
    up is parked by the switch (``park_after_bridge``) unless fsapp's ``uuid_kill`` gets there first, so after
    its last CHANNEL_BRIDGE its parking, unparking and CHANNEL_HANGUP (before or after the CHANNEL_UNBRIDGE) are
    left out."""
    sequences = {}
    for role, names in told.sequences.items():
        last = max((index for index, name in enumerate(names) if name == "CHANNEL_BRIDGE"), default=len(names))
        sequences[role] = names[:last] + [n for n in names[last:] if n not in RACED_AFTER_LAST_BRIDGE]
    return Story(sequences, told.variables)


def compare(real: Story, sim: Story) -> dict[str, Any]:
    """The differences between two stories, in the shape of ``differences.yaml`` (without the reasons)."""
    only_real: dict[str, list[str]] = {}
    only_sim: dict[str, list[str]] = {}
    sequence: list[dict[str, Any]] = []
    variables: list[dict[str, Any]] = []
    for role in sorted(set(real.sequences) | set(sim.sequences)):
        ours, theirs = real.sequences.get(role, []), sim.sequences.get(role, [])
        names_real, names_sim = {n.split(":")[0] for n in ours}, {n.split(":")[0] for n in theirs}
        if names_real - names_sim:
            only_real[role] = sorted(names_real - names_sim)
        if names_sim - names_real:
            only_sim[role] = sorted(names_sim - names_real)
        shared = names_real & names_sim
        a = [n for n in ours if n.split(":")[0] in shared]
        b = [n for n in theirs if n.split(":")[0] in shared]
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag != "equal":
                sequence.append({"leg": role, "after": a[i1 - 1] if i1 else None, "real": a[i1:i2],
                                 "sim": b[j1:j2]})
        real_vars, sim_vars = real.variables.get(role, {}), sim.variables.get(role, {})
        for name in sorted(set(real_vars) | set(sim_vars)):
            if real_vars.get(name) != sim_vars.get(name):
                variables.append({"leg": role, "variable": name, "real": real_vars.get(name),
                                  "sim": sim_vars.get(name)})
    return {"events_only_real": only_real, "events_only_sim": only_sim, "sequence": sequence,
            "variables": variables}


def listed(path: Path) -> dict[str, Any]:
    """``differences.yaml`` without its reasons, comparable with :func:`compare`'s result."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        "events_only_real": {leg: sorted(names) for leg, names in (data.get("events_only_real") or {}).items()},
        "events_only_sim": {leg: sorted(names) for leg, names in (data.get("events_only_sim") or {}).items()},
        "sequence": [{key: item.get(key) for key in ("leg", "after", "real", "sim")}
                     for item in data.get("sequence") or []],
        "variables": [{key: item.get(key) for key in ("leg", "variable", "real", "sim")}
                      for item in data.get("variables") or []],
    }


def reasons_given(path: Path) -> list[str]:
    """Entries of ``differences.yaml`` that carry no reason (each must say why the difference is harmless)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = [f"sequence {item}" for item in data.get("sequence") or [] if not item.get("reason")]
    missing += [f"variable {item}" for item in data.get("variables") or [] if not item.get("reason")]
    for key in ("events_only_real", "events_only_sim"):
        reasons = data.get(f"{key}_reasons") or {}
        for names in (data.get(key) or {}).values():
            missing += [f"{key} {name}" for name in names if not reasons.get(name)]
    return missing
