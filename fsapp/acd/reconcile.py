"""Reconciliation: compare the ACD's state with the channels the switch really has, and repair it.

Run after a reconnect or restore, and periodically. Two kinds of repair, each returned as a
:class:`fsapp.acd.decisions.Repair` whose ``description`` is a complete log line:

- an agent reserved, ringing or on a call whose channel is gone (and who has no channel of its own)
  becomes available (``agent-released``);
- a waiting caller whose channel is gone is removed from its queue (``member-removed``); callback
  requests have no channel and are kept.

The list also holds the decisions that follow (offers to the released agents, QueueExit records). Agents
held on a break for a direct call or a consultation are checked by the service
(:meth:`fsapp.acd.engaged.Engagements.reconcile_engaged`), which knows those calls' legs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Iterable

from fsapp.acd.decisions import Decision, Repair
from fsapp.acd.states import AgentState

if TYPE_CHECKING:
    from fsapp.acd.models import Agent
    from fsapp.acd.router import Router

log = logging.getLogger(__name__)

S = AgentState
BUSY = (S.RESERVED, S.RINGING, S.ON_CALL)


def reconcile(router: Router, live_channel_uuids: Iterable[str],
              agent_calls: dict[str, str]) -> list[Decision]:
    """Repair ``router`` against the switch.

    ``live_channel_uuids``: every channel UUID the switch has (``show channels``).
    ``agent_calls``: agent id -> UUID of a live channel the agent is on (its softphone leg), for agents
    the switch shows on a call.
    """
    live = set(live_channel_uuids)
    decisions: list[Decision] = []
    decisions += _repair_members(router, live)
    decisions += _repair_agents(router, live, agent_calls)
    return decisions


def _repair_members(router: Router, live: set[str]) -> list[Decision]:
    decisions: list[Decision] = []
    now = router.clock()
    for member in list(router.members.values()):
        if member.is_callback or member.call_uuid in live:
            continue
        description = (f"call {member.call_uuid}: channel gone, removed from queue {member.queue} "
                       f"after {now - member.queue_entered_at:.0f} s")
        log.warning("%s", description)
        decisions.append(Repair("member", member.call_uuid, "member-removed", description))
        released, follow = router._withdraw_offers(member, "caller channel gone")
        router._trace(member, now, "removed", reason="channel gone")
        decisions += follow
        decisions.append(router._exit(member, "removed", now))
        for agent in released:
            decisions += router._serve_agent(agent, now)
    return decisions


def _repair_agents(router: Router, live: set[str], agent_calls: dict[str, str]) -> list[Decision]:
    decisions: list[Decision] = []
    now = router.clock()
    for agent in router.agents.values():
        if agent.state not in BUSY:
            continue
        if agent.call_uuid in live or agent.id in agent_calls:
            continue
        description = (f"agent {agent.id}: {agent.state.value} for call {agent.call_uuid} "
                       f"with no channel, made available")
        log.warning("%s", description)
        decisions.append(Repair("agent", agent.id, "agent-released", description))
        decisions += _release_agent(router, agent, now)
    return decisions


def _release_agent(router: Router, agent: Agent, now: float) -> list[Decision]:
    member = router.members.get(agent.call_uuid or "")
    if agent.state is S.ON_CALL:
        agent.answered_at = None   # the real handle time is unknown; keep it out of the estimate
        return router._finish_call(agent, now, S.AVAILABLE, "reconciled: no channel")
    decisions = router._release(agent, now, S.AVAILABLE, None)
    if member is not None:
        member.offered_to.discard(agent.id)
        router._trace(member, now, "offer-withdrawn", agent=agent.id, reason="agent channel gone")
        if not member.offered_to:
            router.queues[member.queue].line.mark_ready(member)
            decisions += router._route_member(member, now, "agent channel gone")
    return decisions + router._serve_agent(agent, now)


def agent_found_on_call(router: Router, agent_id: str, call_uuid: str, queue: str) -> list[Decision]:
    """The switch shows ``agent_id``'s leg bridged to the caller ``call_uuid`` of ``queue`` while the restored
    state says otherwise: the process died within the snapshot interval of the answer (or of a completed
    transfer), so the saved state still has the agent free, ringing, on a consultation break or logged out,
    and perhaps the caller waiting. The switch is right: the caller leaves the line answered by the agent,
    and the agent is on call with them (wrap-up when the call ends). An agent the state has on, or ringing
    for, another call is left for the ordinary repairs."""
    agent = router.agent(agent_id)
    if agent.state is S.ON_CALL or (agent.state in BUSY and agent.call_uuid != call_uuid):
        return []
    now = router.clock()
    description = (f"agent {agent_id}: {agent.state.value} in the saved state but talking to call {call_uuid} "
                   f"on the switch, now on call")
    log.warning("%s", description)
    decisions: list[Decision] = [Repair("agent", agent_id, "agent-on-call", description)]
    decisions += _answered_member(router, agent_id, call_uuid, now)
    router.timers.cancel(("agent", agent_id))
    agent.deadline = None
    agent.call_uuid, agent.call_queue, agent.answered_at = call_uuid, queue, now
    router._on_call[call_uuid] = agent_id
    moves = [router._set_state(agent, state, now, call_uuid=call_uuid) for state in _WAY_TO_A_CALL[agent.state]]
    decisions[1:1] = moves + [router._set_state(agent, S.ON_CALL, now, call_uuid=call_uuid)]
    return decisions


# The legal moves from where the saved state left the agent to on-call: an offer they answered (a held agent
# takes the caller straight from the consultation break).
_WAY_TO_A_CALL: dict[AgentState, tuple[AgentState, ...]] = {
    S.LOGGED_OUT: (S.AVAILABLE, S.RESERVED), S.AVAILABLE: (S.RESERVED,), S.WRAP_UP: (S.AVAILABLE, S.RESERVED),
    S.BREAK: (), S.RESERVED: (), S.RINGING: ()}


def _answered_member(router: Router, agent_id: str, call_uuid: str, now: float) -> list[Decision]:
    """The saved line still holds the caller: they leave it answered by ``agent_id``; the others rung for
    them are released (never the answering agent's own, bridged leg)."""
    member = router.members.get(call_uuid)
    if member is None:
        return []
    member.offered_to.discard(agent_id)
    released, decisions = router._withdraw_offers(member, f"answered by {agent_id}")
    waited = now - member.queue_entered_at
    router._trace(member, now, "answered", agent=agent_id, waited=round(waited, 3), reason="found on the switch")
    decisions.append(router._exit(member, "answered", now, agent_id))
    for other in released:
        decisions += router._serve_agent(other, now)
    return decisions
