"""Snapshot and restore of the router's state as plain JSON-able data.

A controller writes a snapshot after changes (or periodically) and, after a restart, restores it with the
same configuration: waiting callers keep their order, callbacks their place, agents their states and
deadlines. Then it should call :func:`fsapp.acd.reconcile.reconcile` with what the switch reports, because
calls may have ended while nobody was watching.
"""

from __future__ import annotations

import itertools
import logging
from typing import TYPE_CHECKING, Any

from fsapp.acd.errors import SnapshotError
from fsapp.acd.models import Member
from fsapp.acd.states import AgentState

if TYPE_CHECKING:
    from fsapp.acd.router import Router

log = logging.getLogger(__name__)

VERSION = 1
S = AgentState


def take_snapshot(router: Router) -> dict[str, Any]:
    """Agents, members in line order, queue statistics and the sequence counter."""
    members = [router.members[uuid].as_dict()
               for runtime in router.queues.values() for uuid in runtime.line.uuids()]
    queues = {name: {"handle_time": {"value": rt.handle_time.value, "samples": rt.handle_time.samples},
                     "service_level": rt.service_level.as_dict(),
                     "round_robin_last": None if rt.round_robin_last is None else list(rt.round_robin_last)}
              for name, rt in router.queues.items()}
    next_seq = max((m["seq"] for m in members), default=0) + 1
    return {"version": VERSION, "taken_at": router.clock(), "next_seq": max(next_seq, _peek(router)),
            "agents": {agent_id: agent.as_dict() for agent_id, agent in router.agents.items()},
            "members": members, "queues": queues, "on_call": dict(router._on_call)}


def _peek(router: Router) -> int:
    value = next(router._seq)
    router._seq = itertools.count(value)
    return value


def restore_snapshot(router: Router, data: dict[str, Any]) -> Router:
    """Load ``data`` into a freshly built ``router``; things the configuration no longer has are dropped."""
    if data.get("version") != VERSION:
        raise SnapshotError(f"snapshot version {data.get('version')!r}, expected {VERSION}")
    router._seq = itertools.count(int(data.get("next_seq", 1)))
    for agent_id, saved in data.get("agents", {}).items():
        if agent_id not in router.agents:
            log.warning("agent %s in the snapshot is no longer configured; dropped", agent_id)
            continue
        _restore_agent(router, agent_id, saved)
    for saved in data.get("members", []):
        _restore_member(router, Member.from_dict(saved))
    for name, saved in data.get("queues", {}).items():
        runtime = router.queues.get(name)
        if runtime is None:
            continue
        runtime.handle_time.value = saved["handle_time"]["value"]
        runtime.handle_time.samples = int(saved["handle_time"]["samples"])
        runtime.service_level.load(saved["service_level"])
        last = saved.get("round_robin_last")
        runtime.round_robin_last = None if last is None else tuple(last)
    router._on_call = {uuid: agent_id for uuid, agent_id in data.get("on_call", {}).items()
                       if agent_id in router.agents and router.agents[agent_id].state is S.ON_CALL}
    _release_orphans(router)
    return router


def _restore_agent(router: Router, agent_id: str, saved: dict[str, Any]) -> None:
    agent = router.agents[agent_id]
    state = AgentState(saved["state"])
    for queue_name in agent.config.queues:
        runtime = router.queues[queue_name]
        runtime.states[agent.state] -= 1
        runtime.states[state] += 1
    agent.status.state = state
    agent.status.since = float(saved["since"])
    agent.status.reason = saved.get("reason")
    agent.idle_since = float(saved["idle_since"])
    agent.calls_handled = int(saved["calls_handled"])
    agent.no_answer_count = int(saved["no_answer_count"])
    agent.call_uuid = saved.get("call_uuid")
    agent.call_queue = saved.get("call_queue")
    agent.answered_at = saved.get("answered_at")
    agent.deadline = saved.get("deadline")
    if state is S.AVAILABLE:
        for queue_name in agent.config.queues:
            runtime = router.queues[queue_name]
            if agent.id in runtime.tiers:
                runtime.available.add(agent, runtime.tiers[agent.id], runtime.member_index[agent.id])
    if agent.deadline is not None and state in (S.RESERVED, S.RINGING, S.WRAP_UP):
        router.timers.set(("agent", agent.id), agent.deadline)


def _restore_member(router: Router, member: Member) -> None:
    runtime = router.queues.get(member.queue)
    if runtime is None:
        log.warning("call %s: queue %s is no longer configured; dropped from the snapshot",
                    member.call_uuid, member.queue)
        return
    member.offered_to = {agent_id for agent_id in member.offered_to
                         if agent_id in router.agents
                         and router.agents[agent_id].call_uuid == member.call_uuid
                         and router.agents[agent_id].state in (S.RESERVED, S.RINGING)}
    router.members[member.call_uuid] = member
    runtime.line.add(member, ready=not member.offered_to)
    if member.is_callback:
        return
    if member.next_announce_at is not None:
        router.timers.set(("announce", member.call_uuid), member.next_announce_at)
    policy = runtime.config.on_max_wait
    if policy is not None:
        router.timers.set(("maxwait", member.call_uuid), member.queue_entered_at + policy.max_wait)


def _release_orphans(router: Router) -> None:
    """Agents reserved or ringing for a call that is not in the snapshot go back to available."""
    for agent in router.agents.values():
        if agent.state in (S.RESERVED, S.RINGING) and agent.call_uuid not in router.members:
            log.warning("agent %s: was %s for call %s, which is not waiting; made available",
                        agent.id, agent.state.value, agent.call_uuid)
            router._release(agent, router.clock(), S.AVAILABLE)
