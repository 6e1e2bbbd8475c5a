"""Agents engaged on a call the queues do not know about: a call to their direct number, or a consultation.

While such a call rings or talks the agent is on a break whose reason says why (:data:`DIRECT_CALL`,
:data:`CONSULTATION`), so no queue call is offered to them; afterwards they are made available again. An
agent who takes over the caller of a consultation (a completed attended transfer) is on call instead, and in
wrap-up after. Part of :class:`~fsapp.acd.service.AcdService`::

    if service.engage("bo", CONSULTATION):      # True: bo was available and is now held
        ...ring bo (channel variable fsapp_agent=bo)...
        service.follow_engaged_leg(leg_uuid, "bo")   # released when this leg hangs up
    service.release("bo")                            # or release at once

After a controller restart or a switch reconnect, :meth:`Engagements.reconcile_engaged` adopts the live legs
of such calls and makes available an agent left on such a break with none.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fsapp.acd.decisions import Decision, Repair
from fsapp.acd.states import AgentState

if TYPE_CHECKING:
    from fsapp.acd.service import AcdService
    from fsapp.switch import Channel

log = logging.getLogger(__name__)

DIRECT_CALL = "direct call"
CONSULTATION = "consultation"
ENGAGED_REASONS = frozenset({DIRECT_CALL, CONSULTATION})
ENGAGED_ROLES = frozenset({"direct", "consult"})   # fsapp_role of the legs that ring an engaged agent


def engaged_on(agent_state: AgentState, reason: str | None) -> bool:
    """Whether an agent in this state is held for a direct call or a consultation."""
    return agent_state is AgentState.BREAK and reason in ENGAGED_REASONS


class Engagements:
    """Mixed into AcdService: hold agents for direct calls and consultations (see the module docstring)."""

    engaged: dict[str, str]        # agent id -> reason, for agents held by this process
    engaged_legs: dict[str, str]   # leg uuid -> agent id: the agent is released (or ends its call) at hangup

    def engage(self: AcdService, agent_id: str, reason: str, *, ending_wrap_up: bool = False) -> bool:
        """Put an available agent (or, with ``ending_wrap_up``, one in wrap-up) on a ``reason`` break;
        False, and nothing changed, for an agent in any other state."""
        holdable = {AgentState.AVAILABLE, AgentState.WRAP_UP} if ending_wrap_up else {AgentState.AVAILABLE}

        def job() -> bool:
            if self.router.agent(agent_id).state not in holdable:
                return False
            self._carry_out(self.router.agent_break(agent_id, reason))
            self.engaged[agent_id] = reason
            return True
        return self._run(job)

    def release(self: AcdService, agent_id: str) -> None:
        """Make an agent held by :meth:`engage` available again (nothing if they are no longer held)."""
        self._run(lambda: self._release_engaged(agent_id))

    def follow_engaged_leg(self: AcdService, leg_uuid: str, agent_id: str) -> None:
        """Release ``agent_id`` (or end their call) when ``leg_uuid`` hangs up."""
        self.engaged_legs[leg_uuid] = agent_id

    # -- worker jobs ----------------------------------------------------------------------------------

    def _release_engaged(self: AcdService, agent_id: str) -> None:
        self.engaged.pop(agent_id, None)
        status = self.router.agent(agent_id).status
        if engaged_on(status.state, status.reason):
            log.info("agent %s: %s over, available again", agent_id, status.reason)
            self._carry_out(self.router.agent_ready(agent_id))

    def _engaged_leg_ended(self: AcdService, leg_uuid: str) -> None:
        agent_id = self.engaged_legs.pop(leg_uuid, None)
        if agent_id is None:
            return
        agent = self.router.agent(agent_id)
        if agent.state is AgentState.ON_CALL and agent.call_uuid is not None:
            log.info("call %s: agent %s hung up the transferred call", agent.call_uuid, agent_id)
            self._carry_out(self.router.call_ended(agent.call_uuid))
        else:
            self._release_engaged(agent_id)

    def reconcile_engaged(self: AcdService, channels: list[Channel]) -> list[Decision]:
        """Follow the live legs of engaged agents; make available those held with no live leg."""
        for channel in channels:
            agent_id = channel.variables.get("fsapp_agent")
            if channel.role in ENGAGED_ROLES and agent_id in self.router.agents:
                self.engaged_legs.setdefault(channel.uuid, agent_id)
        followed = set(self.engaged_legs.values())
        decisions: list[Decision] = []
        for agent in self.router.agents.values():
            if not engaged_on(agent.state, agent.status.reason) or agent.id in followed or agent.id in self.engaged:
                continue
            description = f"agent {agent.id}: on a {agent.status.reason} break with no live call, made available"
            decisions.append(Repair("agent", agent.id, "agent-released", description))
            decisions += self.router.agent_ready(agent.id)
        return decisions
