"""The live picture a supervisor watches: queues, agents and calls, and what changed between two pictures.

Pure: built from the router, the ACD's calls and the switch's channels at ``now``; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fsapp.acd.calls import QueuedCall
from fsapp.acd.router import Router
from fsapp.switch.channel import Channel

Snapshot = dict[str, Any]


def queue_rows(router: Router, now: float, levels_today: Mapping[str, float | None]) -> list[dict[str, Any]]:
    """One row per queue: waiting callers, longest wait, service level, agents by state."""
    rows = []
    for name in router.queues:
        stats = router.queue_stats(name)
        longest = stats["longest_wait"]
        rows.append({"name": name, "waiting": stats["waiting"],
                     "longest_wait": None if longest is None else round(longest, 1),
                     "service_level": stats["service_level"], "service_level_today": levels_today.get(name),
                     "service_level_target": stats["service_level_target"], "agents": stats["agents"],
                     "available": stats["available"]})
    return rows


def agent_rows(router: Router, calls: Mapping[str, QueuedCall], now: float) -> list[dict[str, Any]]:
    """One row per agent: state, for how long, the call being handled."""
    rows = []
    for agent in router.agents.values():
        queued = calls.get(agent.call_uuid or "")
        rows.append({"id": agent.id, "name": agent.config.name, "state": agent.state.value,
                     "reason": agent.status.reason, "since": agent.status.since,
                     "time_in_state": round(max(0.0, now - agent.status.since), 1), "call_uuid": agent.call_uuid,
                     "queue": agent.call_queue, "caller": queued.call.caller_number if queued else None,
                     "calls_handled": agent.calls_handled})
    return rows


def call_rows(router: Router, calls: Mapping[str, QueuedCall], channels: Iterable[Channel],
              first_seen: Mapping[str, float], now: float) -> list[dict[str, Any]]:
    """One row per caller's leg on the switch: in the menu, waiting, or talking to an agent."""
    rows = []
    for channel in channels:
        if channel.gone or channel.role is not None or channel.entry is None:
            continue
        queued = calls.get(channel.uuid)
        member = router.members.get(channel.uuid)
        state = "ivr" if queued is None else ("talking" if queued.agent_leg else "waiting")
        seen = first_seen.get(channel.uuid)
        rows.append({"uuid": channel.uuid, "caller": channel.caller_number, "destination": channel.destination,
                     "state": state, "queue": queued.queue if queued else None,
                     "path": list(queued.queues) if queued else [],
                     "position": router.position(channel.uuid) if member else None,
                     "priority": member.priority if member else (queued.priority if queued else None),
                     "waited": round(now - member.queue_entered_at, 1) if member else
                     (round(queued.waited, 1) if queued else None),
                     "agent": queued.agent_id if queued and queued.agent_leg else None,
                     "duration": None if seen is None else round(max(0.0, now - seen), 1)})
    return rows


def build_snapshot(router: Router, calls: Mapping[str, QueuedCall], channels: Iterable[Channel],
                   sessions: Iterable[dict[str, Any]], *, now: float, first_seen: Mapping[str, float],
                   levels_today: Mapping[str, float | None] | None = None) -> Snapshot:
    """The whole live picture (JSON-able)."""
    return {"at": now, "queues": queue_rows(router, now, levels_today or {}),
            "agents": agent_rows(router, calls, now),
            "calls": call_rows(router, calls, channels, first_seen, now),
            "supervision": list(sessions)}


# Fields that change every second by themselves; a change in them alone is not news.
_TICKING = ("time_in_state", "longest_wait", "waited", "duration", "history")

_KINDS = (("queues", "queue", "name"), ("agents", "agent", "id"), ("calls", "call", "uuid"),
          ("supervision", "supervision", "id"))


def changes(old: Snapshot | None, new: Snapshot) -> list[tuple[str, dict[str, Any]]]:
    """Events that turn ``old`` into ``new``: ``(kind, row)``, and ``(kind + "-ended", {key: id})``."""
    events: list[tuple[str, dict[str, Any]]] = []
    for section, kind, key in _KINDS:
        before = {row[key]: row for row in (old or {}).get(section, [])}
        after = {row[key]: row for row in new.get(section, [])}
        for ident, row in after.items():
            previous = before.get(ident)
            if previous is None or _steady(previous) != _steady(row):
                events.append((kind, row))
        for ident in before.keys() - after.keys():
            events.append((f"{kind}-ended", {key: ident}))
    return events


def _steady(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in _TICKING}
