"""fsapp's automatic call distributor (ACD): queues, agents, skills and routing — the pure core.

No sockets, no gevent, no wall clock: a :class:`Router` is given an :class:`AcdConfig` and a clock (a
callable returning float seconds) and turns events into decisions. A service layer drives the switch:
it reports what happened by calling the router's event methods and carries out the decisions returned,
in order.

Configuration
    ``load_acd_config(path) -> AcdConfig`` / ``parse_acd_config(text, path)``; bad files raise
    :class:`AcdConfigError` (``str()`` is ``FILE:LINE: key: message``). See conf/acd.yaml.
    ``AcdConfig(skills, queues: {name: QueueConfig}, agents: {id: AgentConfig})`` may also be built in code.

Router events (each returns ``list[Decision]``)
    callers:  ``call_arrived(call_uuid, queue, priority=0, skills=None, caller=CallerInfo(...))``
              ``caller_abandoned(call_uuid)``           the caller hung up while waiting
              ``change_priority(call_uuid, priority)``  a supervisor reorders the line
              ``call_ended(call_uuid)``                 any channel hangup: waiting -> abandoned,
                                                         answered -> agent wrap-up; callbacks ignored
              ``key_pressed(call_uuid, digit)``          the queue's exit key requests a callback
              ``request_callback(call_uuid, number=None)``
              ``add_callback(member_id, queue, number, ...)``  a callback with no live call
    offers:   ``offer_ringing(call_uuid, agent_id)``    the agent's phone rings (CHANNEL_PROGRESS)
              ``offer_answered(call_uuid, agent_id)``   -> Bridge (+ CancelOffer for the others)
              ``offer_failed(call_uuid, agent_id, reason)``  no-answer / rejected / busy / unreachable /
                                                         originate-failed
    agents:   ``agent_login(agent_id, break_reason=None)``, ``agent_ready(agent_id)``,
              ``agent_break(agent_id, reason)``, ``agent_logout(agent_id)``
    time:     ``tick()`` — run every second or at ``next_deadline()``
    repair:   ``reconcile(live_channel_uuids, agent_calls)`` -> Repair items and follow-up decisions
    restart:  ``snapshot() -> dict`` (JSON-able); ``Router.restore(config, clock, snapshot)``

Router queries
    ``position(call_uuid)``, ``estimated_wait(call_uuid)``, ``trace(call_uuid)``, ``waiting(queue)``,
    ``queue_stats(queue)``, ``agent(agent_id)`` (``.state``, ``.status.reason``, ``.call_uuid``),
    ``agent_call(call_uuid)``, ``next_deadline()``

Decisions (frozen dataclasses, ``.kind`` and ``.as_dict()``; see :mod:`fsapp.acd.decisions`)
    Hold, Offer(agents: AgentTarget(agent_id, contact)...), CancelOffer, OfferOverdue, Bridge, Announce,
    Overflow, SendToVoicemail, PlayMessage, AskCallbackNumber, CallbackQueued, QueueExit(trace),
    AgentStateChanged, Repair

Carrying out an Offer: originate to each ``AgentTarget.contact`` (timeout ``Offer.timeout``) with the
caller's details in SIP headers from ``Offer.caller`` (number, name, case ids); report ringing, answer or
failure back with the ``call_uuid`` and ``agent_id``. The router keeps its own deadlines too: an agent
reserved for ``reserve_timeout`` without ringing, or ringing for ``offer_timeout``, makes ``tick()`` return
an OfferOverdue; the service asks the switch whether the phone answered after all (its events can be late)
and reports ``offer_failed`` or ``offer_answered``. Until then the offer is reported overdue again every few
seconds: agents are never stuck reserved.

Agent states and the allowed moves are in :mod:`fsapp.acd.states`; a move the machine does not allow
raises :class:`IllegalTransition`.
"""

from fsapp.acd.clock import Clock, ManualClock
from fsapp.acd.config import (AcdConfig, AgentConfig, AnnouncePolicy, MaxWaitAction, MaxWaitPolicy,
                              QueueConfig, ServiceLevelTarget, Strategy)
from fsapp.acd.decisions import (AgentStateChanged, AgentTarget, Announce, AskCallbackNumber, Bridge,
                                 CallbackQueued, CallerInfo, CancelOffer, Decision, Hold, Offer, OfferOverdue,
                                 Overflow, PlayMessage, QueueExit, Repair, SendToVoicemail)
from fsapp.acd.errors import (AcdConfigError, AcdError, DuplicateCall, IllegalTransition, SnapshotError,
                              UnknownAgent, UnknownCall, UnknownQueue, UnknownSkill)
from fsapp.acd.loader import load_acd_config, parse_acd_config
from fsapp.acd.reconcile import reconcile
from fsapp.acd.router import Router
from fsapp.acd.states import TRANSITIONS, AgentState, can_transition
from fsapp.acd.stats import estimated_wait

__all__ = [
    "AcdConfig", "AcdConfigError", "AcdError", "AgentConfig", "AgentState", "AgentStateChanged",
    "AgentTarget", "Announce", "AnnouncePolicy", "AskCallbackNumber", "Bridge", "CallbackQueued",
    "CallerInfo", "CancelOffer", "Clock", "Decision", "DuplicateCall", "Hold", "IllegalTransition",
    "ManualClock", "MaxWaitAction", "MaxWaitPolicy", "Offer", "OfferOverdue", "Overflow", "PlayMessage",
    "QueueConfig", "QueueExit", "Repair", "Router", "SendToVoicemail", "ServiceLevelTarget", "SnapshotError",
    "Strategy", "TRANSITIONS", "UnknownAgent", "UnknownCall", "UnknownQueue", "UnknownSkill", "can_transition",
    "estimated_wait", "load_acd_config", "parse_acd_config", "reconcile",
]
