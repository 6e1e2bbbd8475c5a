"""Callers on the simulated nodes, and what the tests watch for on them."""

from __future__ import annotations

from collections.abc import Callable

from fsapp.esl.events import Event
from fsapp.sim import CallerScript
from tests.scaleout.conftest import MUSIC, Node, SeenEvents, bridge_legs


def call(node: Node, caller: str) -> str:
    return node.sim.place_call(caller=caller, entry="main", script=CallerScript(hangup_after=900.0))


def holding(uuid: str) -> Callable[[str, Event], bool]:
    return lambda node, event: (event.name == "PLAYBACK_START" and event.get("Unique-ID") == uuid
                                and event.get("Playback-File-Path") == MUSIC)


def bridged(uuids: list[str]) -> Callable[[str, Event], bool]:
    return lambda node, event: event.name == "CHANNEL_BRIDGE" and bridge_legs(event)[0] in uuids


def queue_callers(nodes: dict[str, Node], seen: SeenEvents, order: list[str]) -> list[tuple[str, str]]:
    """Callers arriving one after another on the named nodes; each waits on hold music before the next."""
    callers = []
    for number, name in enumerate(order):
        uuid = call(nodes[name], f"+47900000{number:02d}")
        seen.wait(holding(uuid))
        callers.append((name, uuid))
    return callers
