"""Pickup: an agent takes a particular waiting call, or the oldest in a queue, out of turn (pure).

The call is offered to that agent alone; agents ringing with it meanwhile are released (their offers are
withdrawn, not counted as unanswered) and served again. The usual Offer follows, so the service rings the
agent's phone as for any other offer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fsapp.acd.decisions import Decision
from fsapp.acd.errors import AcdError, IllegalTransition, UnknownCall
from fsapp.acd.models import Member
from fsapp.acd.states import AgentState

if TYPE_CHECKING:
    from fsapp.acd.router import Router


def pickup(router: Router, agent_id: str, call_uuid: str | None = None,
           queue: str | None = None) -> tuple[str, list[Decision]]:
    """Offer ``call_uuid`` (or the first call in line in ``queue``) to ``agent_id``.

    Returns the picked call's UUID and the decisions. Raises UnknownCall when there is no such waiting
    call, IllegalTransition when the agent is not available, AcdError when the agent is not in the queue.
    """
    agent = router.agent(agent_id)
    member = _choose(router, call_uuid, queue)
    if agent.state is not AgentState.AVAILABLE:
        raise IllegalTransition(agent_id, agent.state.value, AgentState.RESERVED.value)
    if member.queue not in agent.config.queues:
        raise AcdError(f"agent {agent_id} does not serve queue {member.queue}")
    now = router.clock()
    released, decisions = router._withdraw_offers(member, f"picked up by {agent_id}")
    runtime = router.queues[member.queue]
    decisions += router._offer(member, runtime, [agent], now, "pickup", f"{agent_id} picked the call up", [])
    for other in released:
        decisions += router._serve_agent(other, now)
    return member.call_uuid, decisions


def _choose(router: Router, call_uuid: str | None, queue: str | None) -> Member:
    if call_uuid is not None:
        return router.member(call_uuid)
    if queue is None:
        raise ValueError("pickup needs a call UUID or a queue")
    waiting = router.waiting(queue)
    if not waiting:
        raise UnknownCall(f"no call waiting in queue {queue}")
    return router.members[waiting[0]]
