"""The router: events in, decisions out.

Each public method is one event the service layer observes (a caller arrives, an agent's phone rings, an
agent answers, a timer falls due, ...). It updates the ACD's state and returns the decisions to carry out,
in order. Nothing here touches a socket or reads the time except through the injected clock.

Invariant kept after every event: no *ready* member (waiting, not being offered) can be taken by an
*available* agent, except where the agent let that call go less than ``reoffer_delay`` seconds ago.
"""

from __future__ import annotations

import itertools
import logging
from typing import Any, Callable, Iterable

from fsapp.acd.clock import Clock
from fsapp.acd.config import AcdConfig, MaxWaitAction, QueueConfig, Strategy
from fsapp.acd.decisions import (AgentStateChanged, AgentTarget, Announce, AskCallbackNumber, Bridge,
                                 CallbackQueued, CallerInfo, CancelOffer, Decision, Hold, Offer,
                                 OfferOverdue, Overflow, PlayMessage, QueueExit, SendToVoicemail)
from fsapp.acd.errors import DuplicateCall, UnknownAgent, UnknownCall, UnknownQueue, UnknownSkill
from fsapp.acd.models import MEMBER_CALLBACK, Agent, Member
from fsapp.acd.queues import QueueRuntime, build_queues
from fsapp.acd.states import AgentState, AgentStatus
from fsapp.acd.strategies import explain_choice, lacking_skills
from fsapp.acd.timers import Timers
from fsapp.acd.waitlist import Signature
from fsapp.phones import DEFAULT_REGION
from fsapp.switch.dialstring import dialable_or_none

log = logging.getLogger(__name__)

S = AgentState
OFFERING = (S.RESERVED, S.RINGING)
# Reasons for a failed offer that count towards an agent's automatic break.
UNANSWERED = frozenset({"no-answer", "rejected", "busy", "unreachable"})
OVERDUE_RECHECK = 5.0   # seconds after which an overdue offer nobody settled is reported again
TRACE_LIMIT = 200        # entries kept per call (the oldest are dropped)
CONSIDERED_LIMIT = 20    # agents listed per trace entry


class Router:
    """Routes calls in the queues of ``config`` to its agents; see :mod:`fsapp.acd` for the API."""

    def __init__(self, config: AcdConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        # The number a callback may dial for what a caller presented or keyed (E.164), or None; the service
        # sets the configured region. Anything else (anonymous, an extension, a forged caller ID) is asked for.
        self.dialable: Callable[[str], str | None] = lambda raw: dialable_or_none(raw, DEFAULT_REGION)
        now = clock()
        self.agents: dict[str, Agent] = {
            agent_id: Agent(cfg, AgentStatus(agent_id, S.LOGGED_OUT, now), idle_since=now)
            for agent_id, cfg in config.agents.items()}
        self.queues: dict[str, QueueRuntime] = build_queues(config, self.agents)
        self.members: dict[str, Member] = {}
        self.timers = Timers()
        self._on_call: dict[str, str] = {}   # call uuid -> agent id, for answered calls
        self._seq = itertools.count(1)

    # ------------------------------------------------------------------ queries

    def agent(self, agent_id: str) -> Agent:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"no agent {agent_id!r}") from None

    def queue(self, name: str) -> QueueRuntime:
        try:
            return self.queues[name]
        except KeyError:
            raise UnknownQueue(f"no queue {name!r}") from None

    def member(self, call_uuid: str) -> Member:
        try:
            return self.members[call_uuid]
        except KeyError:
            raise UnknownCall(f"no waiting call {call_uuid}") from None

    def position(self, call_uuid: str) -> int | None:
        member = self.member(call_uuid)
        return self.queues[member.queue].line.position(member)

    def estimated_wait(self, call_uuid: str) -> float | None:
        member = self.member(call_uuid)
        runtime = self.queues[member.queue]
        position = runtime.line.position(member)
        return runtime.estimated_wait(position) if position else None

    def trace(self, call_uuid: str) -> list[dict[str, Any]]:
        return list(self.member(call_uuid).trace)

    def waiting(self, queue: str) -> list[str]:
        """Call UUIDs (and callback member ids) of ``queue`` in line order."""
        return self.queue(queue).line.uuids()

    def agent_call(self, call_uuid: str) -> str | None:
        """The agent handling an answered call, if any."""
        return self._on_call.get(call_uuid)

    def next_deadline(self) -> float | None:
        """When :meth:`tick` next has something to do (None: nothing scheduled)."""
        return self.timers.next_due()

    def queue_stats(self, name: str) -> dict[str, Any]:
        """Live figures of one queue (JSON-able)."""
        runtime = self.queue(name)
        now = self.clock()
        oldest = min((self.members[uuid].queue_entered_at for uuid in runtime.line.ready_uuids()),
                     default=None)
        return {"queue": name, "waiting": len(runtime.line), "ready": runtime.line.ready_count,
                "available": len(runtime.available), "staffed": runtime.staffed,
                "agents": {state.value: count for state, count in runtime.states.items() if count},
                "average_handle_time": runtime.handle_time.average,
                "handle_time_samples": runtime.handle_time.samples,
                "service_level": runtime.service_level.level,
                "recent_service_level": runtime.service_level.recent_level(now),
                "service_level_target": runtime.config.service_level.fraction,
                "longest_wait": None if oldest is None else now - oldest}

    # ------------------------------------------------------------------ caller events

    def call_arrived(self, call_uuid: str, queue: str, priority: int = 0,
                     skills: dict[str, int] | None = None, caller: CallerInfo | None = None,
                     arrived_at: float | None = None) -> list[Decision]:
        """A caller enters ``queue``. ``skills`` (skill -> minimum level) narrow the agents for this call."""
        runtime = self.queue(queue)
        self._check_new(call_uuid, skills or {})
        now = self.clock()
        member = Member(call_uuid=call_uuid, queue=queue, priority=priority,
                        arrived_at=now if arrived_at is None else arrived_at, queue_entered_at=now,
                        seq=next(self._seq), skills=dict(skills or {}), caller=caller or CallerInfo())
        self._enter(member, runtime, now)
        self._trace(member, now, "arrived", queue=queue, priority=priority, skills=dict(member.skills))
        decisions: list[Decision] = [Hold(call_uuid, queue, runtime.config.hold_music)]
        decisions += self._route_member(member, now, "call arrived")
        return decisions

    def add_callback(self, member_id: str, queue: str, number: str, priority: int = 0,
                     skills: dict[str, int] | None = None, caller: CallerInfo | None = None,
                     arrived_at: float | None = None) -> list[Decision]:
        """A callback request with no live call (web form, dialer, a failed callback put back)."""
        runtime = self.queue(queue)
        self._check_new(member_id, skills or {})
        now = self.clock()
        member = Member(call_uuid=member_id, queue=queue, priority=priority,
                        arrived_at=now if arrived_at is None else arrived_at, queue_entered_at=now,
                        seq=next(self._seq), skills=dict(skills or {}), caller=caller or CallerInfo(),
                        kind=MEMBER_CALLBACK, callback_number=number)
        self.members[member_id] = member
        runtime.line.add(member)
        self._trace(member, now, "callback-requested", queue=queue, number=number)
        return self._route_member(member, now, "callback requested")

    def caller_abandoned(self, call_uuid: str) -> list[Decision]:
        """The caller hung up (or a callback request was withdrawn) before being answered."""
        member = self.members.get(call_uuid)
        if member is None:
            return []
        now = self.clock()
        released, decisions = self._withdraw_offers(member, "caller left")
        waited = now - member.queue_entered_at
        if not member.is_callback:
            self.queues[member.queue].service_level.record(now, "abandoned", waited)
        self._trace(member, now, "abandoned", waited=round(waited, 3))
        decisions.append(self._exit(member, "abandoned", now))
        for agent in released:
            decisions += self._serve_agent(agent, now)
        return decisions

    def key_pressed(self, call_uuid: str, digit: str) -> list[Decision]:
        """A DTMF key from a waiting caller: the queue's exit key asks for a callback."""
        member = self.members.get(call_uuid)
        if member is None or member.is_callback:
            return []
        if digit != self.queues[member.queue].config.exit_key:
            return []
        return self.request_callback(call_uuid)

    def request_callback(self, call_uuid: str, number: str | None = None) -> list[Decision]:
        """Turn a waiting caller into a callback request that keeps their place.

        Without ``number`` the caller's own number is used. Only a number :attr:`dialable` accepts is kept (in
        E.164); when there is none (withheld, an extension, a forged caller ID) the answer is
        :class:`AskCallbackNumber` and the caller keeps waiting.
        """
        member = self.member(call_uuid)
        if member.is_callback:
            return []
        number = self.dialable(number or member.caller.number or "")
        if number is None:
            return [AskCallbackNumber(call_uuid, member.queue)]
        now = self.clock()
        released, decisions = self._withdraw_offers(member, "caller chose a callback")
        member.kind = MEMBER_CALLBACK
        member.callback_number = number
        for kind in ("announce", "maxwait"):
            self.timers.cancel((kind, call_uuid))
        member.next_announce_at = None
        self._trace(member, now, "callback-requested", number=number)
        runtime = self.queues[member.queue]
        runtime.line.mark_ready(member)
        decisions.append(CallbackQueued(call_uuid, member.queue, number, runtime.line.position(member)))
        decisions += self._route_member(member, now, "callback keeps the caller's place")
        for agent in released:
            decisions += self._serve_agent(agent, now)
        return decisions

    def call_ended(self, call_uuid: str) -> list[Decision]:
        """A channel hung up. A waiting caller counts as abandoned; an answered call starts wrap-up.

        The channel of a caller who became a callback request is ignored (the request stays).
        """
        member = self.members.get(call_uuid)
        if member is not None:
            return [] if member.is_callback else self.caller_abandoned(call_uuid)
        agent_id = self._on_call.pop(call_uuid, None)
        if agent_id is None:
            return []
        agent = self.agents[agent_id]
        if agent.state is not S.ON_CALL or agent.call_uuid != call_uuid:
            return []
        now = self.clock()
        agent.calls_handled += 1
        wrap_up = self._wrap_up_seconds(agent)
        if wrap_up > 0:
            agent.deadline = now + wrap_up
            self.timers.set(("agent", agent.id), agent.deadline)
            return [self._set_state(agent, S.WRAP_UP, now, reason=f"{wrap_up:g} s")]
        return self._finish_call(agent, now, S.AVAILABLE)

    def agent_took_call(self, agent_id: str, call_uuid: str, queue: str) -> list[Decision]:
        """An agent held on break for a consultation takes over the caller (a completed attended transfer):
        on call now, wrap-up after :meth:`call_ended` as for a call offered from ``queue``."""
        agent = self.agent(agent_id)
        now = self.clock()
        agent.call_uuid, agent.call_queue, agent.answered_at = call_uuid, queue, now
        self._on_call[call_uuid] = agent.id
        return [self._set_state(agent, S.ON_CALL, now, call_uuid=call_uuid)]

    def change_priority(self, call_uuid: str, priority: int) -> list[Decision]:
        """A supervisor moves a waiting caller up (higher number) or down the line of its queue."""
        member = self.member(call_uuid)
        line = self.queues[member.queue].line
        ready = not member.offered_to
        line.remove(member)
        member.priority = priority
        line.add(member, ready=ready)
        self._trace(member, self.clock(), "priority-changed", priority=priority)
        return []   # no agent became free, so no new offer is due

    # ------------------------------------------------------------------ offer events

    def offer_ringing(self, call_uuid: str, agent_id: str) -> list[Decision]:
        """The agent's phone is ringing with this call; the no-answer timeout starts now."""
        agent = self.agent(agent_id)
        if agent.state is not S.RESERVED or agent.call_uuid != call_uuid:
            return []
        now = self.clock()
        queue = self.queues[agent.call_queue or ""].config
        agent.deadline = now + queue.offer_timeout
        self.timers.set(("agent", agent.id), agent.deadline)
        return [self._set_state(agent, S.RINGING, now, call_uuid=call_uuid)]

    def offer_answered(self, call_uuid: str, agent_id: str) -> list[Decision]:
        """The agent answered. Returns Bridge (and CancelOffer for the others rung with it).

        If the call is no longer waiting for this agent (the caller left, someone else answered first),
        the answer is a single CancelOffer: hang up the agent's leg.
        """
        agent = self.agent(agent_id)
        member = self.members.get(call_uuid)
        if member is None or agent.call_uuid != call_uuid or agent.state not in OFFERING:
            return [CancelOffer(call_uuid, agent_id, "call no longer waiting for this agent")]
        now = self.clock()
        member.offered_to.discard(agent.id)
        released, decisions = self._withdraw_offers(member, f"answered by {agent.id}")
        self.timers.cancel(("agent", agent.id))
        agent.deadline = None
        agent.answered_at = now
        agent.no_answer_count = 0
        decisions.insert(0, self._set_state(agent, S.ON_CALL, now, call_uuid=call_uuid))
        self._on_call[call_uuid] = agent.id
        waited = now - member.queue_entered_at
        if not member.is_callback:
            self.queues[member.queue].service_level.record(now, "answered", waited)
        self._trace(member, now, "answered", agent=agent.id, waited=round(waited, 3))
        decisions.insert(1, Bridge(call_uuid, agent.id, member.queue, waited, member.callback_number))
        decisions.append(self._exit(member, "answered", now, agent.id))
        for other in released:
            decisions += self._serve_agent(other, now)
        return decisions

    def offer_failed(self, call_uuid: str, agent_id: str, reason: str = "no-answer") -> list[Decision]:
        """The offer to this agent ended without an answer.

        ``reason``: ``no-answer``, ``rejected``, ``busy``, ``unreachable`` (these count towards the
        agent's automatic break) or anything else (e.g. ``originate-failed``), which does not.
        """
        agent = self.agent(agent_id)
        if agent.call_uuid != call_uuid or agent.state not in OFFERING:
            log.info("call %s: stale offer result %s from agent %s ignored", call_uuid, reason, agent_id)
            return []
        return self._offer_failed(agent, reason, self.clock())

    # ------------------------------------------------------------------ agent events

    def agent_login(self, agent_id: str, break_reason: str | None = None) -> list[Decision]:
        """Log an agent in, available (or straight on break with ``break_reason``)."""
        agent = self.agent(agent_id)
        now = self.clock()
        if break_reason is not None:
            return [self._set_state(agent, S.BREAK, now, reason=break_reason)]
        return self._make_available(agent, now)

    def agent_ready(self, agent_id: str) -> list[Decision]:
        """The agent is ready for calls: from break, from logged-out, or ending wrap-up early."""
        agent = self.agent(agent_id)
        now = self.clock()
        if agent.state is S.WRAP_UP:
            return self._finish_call(agent, now, S.AVAILABLE)
        return self._make_available(agent, now)

    def agent_break(self, agent_id: str, reason: str) -> list[Decision]:
        """Put an agent on break; a call being offered to it goes back to the line."""
        return self._take_away(self.agent(agent_id), S.BREAK, reason)

    def agent_logout(self, agent_id: str) -> list[Decision]:
        """Log an agent out; a call being offered to it goes back to the line."""
        return self._take_away(self.agent(agent_id), S.LOGGED_OUT, None)

    # ------------------------------------------------------------------ time

    def tick(self) -> list[Decision]:
        """Handle every deadline that has come: offer and reserve timeouts, wrap-up ends, max waits,
        announcements and re-offers. Call it at least every second, or at :meth:`next_deadline`."""
        now = self.clock()
        decisions: list[Decision] = []
        for kind, key in self.timers.pop_due(now):
            if kind == "agent":
                decisions += self._agent_deadline(self.agents[key], now)
            elif key in self.members:
                member = self.members[key]
                if kind == "announce":
                    decisions += self._announce(member, now)
                elif kind == "maxwait":
                    decisions += self._max_wait_due(member, now)
                elif kind == "reoffer":
                    decisions += self._route_member(member, now, "re-offer after a declined offer")
        return decisions

    # ------------------------------------------------------------------ restart and repair

    def snapshot(self) -> dict[str, Any]:
        """The ACD's state as plain JSON-able data (see :func:`fsapp.acd.snapshot.take_snapshot`)."""
        from fsapp.acd.snapshot import take_snapshot
        return take_snapshot(self)

    @classmethod
    def restore(cls, config: AcdConfig, clock: Clock, data: dict[str, Any]) -> Router:
        """A router carrying on from a snapshot, with waiting callers in the same order."""
        from fsapp.acd.snapshot import restore_snapshot
        return restore_snapshot(cls(config, clock), data)

    def reconcile(self, live_channel_uuids: Iterable[str], agent_calls: dict[str, str]) -> list[Decision]:
        """Repair state against the switch (see :func:`fsapp.acd.reconcile.reconcile`)."""
        from fsapp.acd.reconcile import reconcile
        return reconcile(self, live_channel_uuids, agent_calls)

    # ------------------------------------------------------------------ internals: members

    def _check_new(self, member_id: str, skills: dict[str, int]) -> None:
        if member_id in self.members:
            raise DuplicateCall(f"call {member_id} is already in queue {self.members[member_id].queue}")
        for name in skills:
            if name not in self.config.skills:
                raise UnknownSkill(f"no skill {name!r}")

    def _enter(self, member: Member, runtime: QueueRuntime, now: float) -> None:
        self.members[member.call_uuid] = member
        runtime.line.add(member)
        queue = runtime.config
        if queue.announce.every > 0:
            member.next_announce_at = now + queue.announce.first_after
            self.timers.set(("announce", member.call_uuid), member.next_announce_at)
        if queue.on_max_wait is not None:
            self.timers.set(("maxwait", member.call_uuid), now + queue.on_max_wait.max_wait)

    def _exit(self, member: Member, outcome: str, now: float, agent_id: str | None = None) -> QueueExit:
        self.queues[member.queue].line.remove(member)
        del self.members[member.call_uuid]
        for kind in ("announce", "maxwait", "reoffer"):
            self.timers.cancel((kind, member.call_uuid))
        return QueueExit(member.call_uuid, member.queue, outcome, now - member.queue_entered_at,
                         agent_id, tuple(member.trace))

    def _trace(self, member: Member, now: float, event: str, **details: Any) -> None:
        member.trace.append({"t": now, "event": event, **details})
        if len(member.trace) > TRACE_LIMIT:
            del member.trace[1]   # keep the arrival entry

    def _route_member(self, member: Member, now: float, trigger: str) -> list[Decision]:
        """Offer a ready member to the best available agent(s) of its queue, if any."""
        if member.offered_to:
            return []
        runtime = self.queues[member.queue]
        if not member.is_callback and self._max_wait_passed(member, runtime.config, now):
            return self._apply_max_wait(member, now)
        chosen, considered = self._choose_agents(member, runtime, now)
        if not chosen:
            self._trace(member, now, "no-agent", trigger=trigger, considered=considered,
                        **self._staffing_summary(runtime))
            if any(now - at < runtime.config.reoffer_delay for at in member.declined.values()):
                self.timers.set(("reoffer", member.call_uuid), now + runtime.config.reoffer_delay)
            return []
        why = explain_choice(runtime.config, chosen[0], now)
        return self._offer(member, runtime, chosen, now, trigger, why, considered)

    def _choose_agents(self, member: Member, runtime: QueueRuntime,
                       now: float) -> tuple[list[Agent], list[dict[str, Any]]]:
        queue = runtime.config
        considered: list[dict[str, Any]] = []
        start = runtime.round_robin_last if queue.strategy is Strategy.ROUND_ROBIN else None
        for tier in runtime.available.tiers():
            chosen: list[Agent] = []
            for agent_id in runtime.available.in_order(tier, start):
                agent = self.agents[agent_id]
                reason = self._exclusion(agent, member, queue, now)
                if reason is not None:
                    if len(considered) < CONSIDERED_LIMIT:
                        considered.append({"agent": agent_id, "tier": tier, "excluded": reason})
                    continue
                chosen.append(agent)
                if queue.strategy is not Strategy.RING_ALL:
                    break
            if chosen:
                return chosen, considered
        return [], considered

    def _exclusion(self, agent: Agent, member: Member, queue: QueueConfig, now: float) -> str | None:
        declined_at = member.declined.get(agent.id)
        if declined_at is not None and now - declined_at < queue.reoffer_delay:
            return f"let this call go {now - declined_at:.1f} s ago"
        return lacking_skills(agent, member.skills)

    def _staffing_summary(self, runtime: QueueRuntime) -> dict[str, Any]:
        return {"available": len(runtime.available),
                "agents": {state.value: count for state, count in runtime.states.items() if count},
                "unqualified": len(runtime.unqualified)}

    def _offer(self, member: Member, runtime: QueueRuntime, agents: list[Agent], now: float,
               trigger: str, why: str, considered: list[dict[str, Any]]) -> list[Decision]:
        queue = runtime.config
        decisions: list[Decision] = []
        member.attempts += 1
        runtime.line.mark_busy(member)
        for agent in agents:
            agent.call_uuid = member.call_uuid
            agent.call_queue = member.queue
            agent.deadline = now + queue.reserve_timeout
            self.timers.set(("agent", agent.id), agent.deadline)
            member.offered_to.add(agent.id)
            decisions.append(self._set_state(agent, S.RESERVED, now, call_uuid=member.call_uuid))
        if queue.strategy is Strategy.ROUND_ROBIN:
            runtime.round_robin_last = (runtime.member_index[agents[-1].id],)
        ids = [agent.id for agent in agents]
        self._trace(member, now, "offer", trigger=trigger, chosen=ids, why=why, considered=considered,
                    attempt=member.attempts)
        log.info("call %s: offered in %s to %s (%s)", member.call_uuid, member.queue, ", ".join(ids), why)
        decisions.append(Offer(member.call_uuid, member.queue,
                               tuple(AgentTarget(a.id, a.config.contact) for a in agents),
                               queue.offer_timeout, member.caller, now - member.arrived_at,
                               member.attempts, member.callback_number))
        return decisions

    def _withdraw_offers(self, member: Member, reason: str) -> tuple[list[Agent], list[Decision]]:
        """Stop ringing every agent offered ``member``; they become available (not counted as unanswered)."""
        now = self.clock()
        released: list[Agent] = []
        decisions: list[Decision] = []
        for agent_id in sorted(member.offered_to):
            agent = self.agents[agent_id]
            decisions.append(CancelOffer(member.call_uuid, agent_id, reason))
            decisions += self._release(agent, now, S.AVAILABLE)
            released.append(agent)
        member.offered_to.clear()
        return released, decisions

    def _max_wait_passed(self, member: Member, queue: QueueConfig, now: float) -> bool:
        policy = queue.on_max_wait
        return policy is not None and now - member.queue_entered_at >= policy.max_wait

    def _max_wait_due(self, member: Member, now: float) -> list[Decision]:
        if member.offered_to or member.is_callback:
            return []   # an offer in progress finishes first; a failed offer re-checks max wait
        return self._apply_max_wait(member, now)

    def _apply_max_wait(self, member: Member, now: float) -> list[Decision]:
        runtime = self.queues[member.queue]
        policy = runtime.config.on_max_wait
        assert policy is not None
        self._trace(member, now, "max-wait", action=policy.action.value, target=policy.target)
        log.info("call %s: waited %.0f s in %s, %s", member.call_uuid, now - member.queue_entered_at,
                 member.queue, policy.action.value)
        if policy.action is MaxWaitAction.OVERFLOW:
            return self._overflow(member, runtime, self.queues[policy.target or ""], now)
        if policy.action is MaxWaitAction.CALLBACK:
            self.timers.cancel(("maxwait", member.call_uuid))
            return self.request_callback(member.call_uuid)
        if policy.action is MaxWaitAction.VOICEMAIL:
            return [SendToVoicemail(member.call_uuid, member.queue, policy.target or member.queue),
                    self._exit(member, "voicemail", now)]
        return [PlayMessage(member.call_uuid, member.queue, policy.target or ""),
                self._exit(member, "message", now)]

    def _overflow(self, member: Member, source: QueueRuntime, target: QueueRuntime,
                  now: float) -> list[Decision]:
        source.line.remove(member)
        for kind in ("announce", "maxwait", "reoffer"):
            self.timers.cancel((kind, member.call_uuid))
        member.queue = target.name
        member.queue_entered_at = now
        member.declined.clear()
        self._enter(member, target, now)
        decisions: list[Decision] = [Overflow(member.call_uuid, source.name, target.name,
                                              target.config.hold_music)]
        return decisions + self._route_member(member, now, f"overflow from {source.name}")

    def _announce(self, member: Member, now: float) -> list[Decision]:
        runtime = self.queues[member.queue]
        policy = runtime.config.announce
        if member.is_callback or policy.every <= 0:
            return []
        member.next_announce_at = now + policy.every
        self.timers.set(("announce", member.call_uuid), member.next_announce_at)
        if member.offered_to:
            return []
        position = runtime.line.position(member)
        wait = runtime.estimated_wait(position) if position else None
        self._trace(member, now, "announce", position=position, estimated_wait=wait)
        return [Announce(member.call_uuid, member.queue, position if policy.position else None,
                         wait if policy.wait else None)]

    # ------------------------------------------------------------------ internals: agents

    def _set_state(self, agent: Agent, state: AgentState, now: float, reason: str | None = None,
                   call_uuid: str | None = None) -> AgentStateChanged:
        previous = agent.status.move(state, now, reason)
        for queue_name in agent.config.queues:
            runtime = self.queues[queue_name]
            runtime.states[previous] -= 1
            runtime.states[state] += 1
            if previous is S.AVAILABLE:
                runtime.available.remove(agent.id)
            elif state is S.AVAILABLE and agent.id in runtime.tiers:
                runtime.available.add(agent, runtime.tiers[agent.id], runtime.member_index[agent.id])
        log.info("agent %s: %s -> %s%s", agent.id, previous.value, state.value,
                 f" ({reason})" if reason else "")
        return AgentStateChanged(agent.id, previous.value, state.value, reason,
                                 call_uuid or agent.call_uuid)

    def _make_available(self, agent: Agent, now: float) -> list[Decision]:
        agent.idle_since = now
        agent.no_answer_count = 0
        decisions: list[Decision] = [self._set_state(agent, S.AVAILABLE, now)]
        return decisions + self._serve_agent(agent, now)

    def _wrap_up_seconds(self, agent: Agent) -> float:
        if agent.config.wrap_up is not None:
            return agent.config.wrap_up
        queue = self.queues.get(agent.call_queue or "")
        return queue.config.wrap_up if queue else 0.0

    def _finish_call(self, agent: Agent, now: float, state: AgentState,
                     reason: str | None = None) -> list[Decision]:
        """End an agent's call (and wrap-up): record the handle time and move on to ``state``."""
        queue = self.queues.get(agent.call_queue or "")
        if queue is not None and agent.answered_at is not None:
            queue.handle_time.add(now - agent.answered_at)
        self.timers.cancel(("agent", agent.id))
        if agent.call_uuid is not None and self._on_call.get(agent.call_uuid) == agent.id:
            del self._on_call[agent.call_uuid]   # after a transfer the call's link is another agent's
        agent.call_uuid = agent.call_queue = agent.answered_at = agent.deadline = None
        if state is S.AVAILABLE:
            agent.idle_since = now
            decisions: list[Decision] = [self._set_state(agent, state, now, reason)]
            return decisions + self._serve_agent(agent, now)
        return [self._set_state(agent, state, now, reason)]

    def _release(self, agent: Agent, now: float, state: AgentState,
                 reason: str | None = None) -> list[Decision]:
        """Take an agent out of an offer into ``state`` (available, break or logged out)."""
        self.timers.cancel(("agent", agent.id))
        call_uuid = agent.call_uuid
        agent.call_uuid = agent.call_queue = agent.deadline = None
        return [self._set_state(agent, state, now, reason, call_uuid=call_uuid)]

    def _offer_failed(self, agent: Agent, reason: str, now: float) -> list[Decision]:
        member = self.members.get(agent.call_uuid or "")
        decisions: list[Decision] = []
        if reason in UNANSWERED:
            agent.no_answer_count += 1
        limit = agent.config.max_no_answer
        if limit and agent.no_answer_count >= limit:
            decisions += self._release(agent, now, S.BREAK,
                                       f"auto-break: {agent.no_answer_count} unanswered offers")
        else:
            decisions += self._release(agent, now, S.AVAILABLE)
        if member is not None:
            member.offered_to.discard(agent.id)
            member.declined[agent.id] = now
            self._trace(member, now, "offer-failed", agent=agent.id, reason=reason)
            if not member.offered_to:
                self.queues[member.queue].line.mark_ready(member)
                decisions += self._route_member(member, now, f"offer to {agent.id} failed: {reason}")
        if agent.state is S.AVAILABLE:
            decisions += self._serve_agent(agent, now)
        return decisions

    def _take_away(self, agent: Agent, state: AgentState, reason: str | None) -> list[Decision]:
        now = self.clock()
        if agent.state is S.WRAP_UP:
            return self._finish_call(agent, now, state, reason)
        if agent.state not in OFFERING:
            return [self._set_state(agent, state, now, reason)]
        member = self.members.get(agent.call_uuid or "")
        decisions: list[Decision] = [CancelOffer(agent.call_uuid or "", agent.id, f"agent went {state.value}")]
        decisions += self._release(agent, now, state, reason)
        if member is not None:
            member.offered_to.discard(agent.id)
            self._trace(member, now, "offer-withdrawn", agent=agent.id, reason=f"agent went {state.value}")
            if not member.offered_to:
                self.queues[member.queue].line.mark_ready(member)
                decisions += self._route_member(member, now, f"agent {agent.id} went {state.value}")
        return decisions

    def _agent_deadline(self, agent: Agent, now: float) -> list[Decision]:
        if agent.state is S.RESERVED:
            return self._offer_overdue(agent, "reserve-timeout", now)
        if agent.state is S.RINGING:
            return self._offer_overdue(agent, "no-answer", now)
        if agent.state is S.WRAP_UP:
            return self._finish_call(agent, now, S.AVAILABLE)
        return []

    def _offer_overdue(self, agent: Agent, reason: str, now: float) -> list[Decision]:
        """An offer's time is up, but only the switch knows whether the phone answered a moment ago (a busy
        switch's events can be seconds late): the agent stays offered until the service reports back with
        ``offer_failed`` or ``offer_answered``, and is reported overdue again should no word come."""
        agent.deadline = now + OVERDUE_RECHECK
        self.timers.set(("agent", agent.id), agent.deadline)
        return [OfferOverdue(agent.call_uuid or "", agent.id, reason)]

    def _serve_agent(self, agent: Agent, now: float) -> list[Decision]:
        """An agent is free: offer it the longest-waiting call (priority first) across its queues."""
        if agent.state is not S.AVAILABLE:
            return []
        best: Member | None = None
        best_entry: tuple[Any, ...] | None = None
        for queue_name in agent.config.queues:
            runtime = self.queues[queue_name]
            if agent.id not in runtime.tiers or not runtime.line.ready_count:
                continue
            for signature, group in runtime.line.ready_groups():
                if not self._meets(agent, signature):
                    continue
                for entry in group:
                    if best_entry is not None and entry >= best_entry:
                        break
                    member = self.members[entry[3]]
                    if self._exclusion(agent, member, runtime.config, now) is None:
                        best, best_entry = member, entry
                        break
        if best is None:
            return []
        runtime = self.queues[best.queue]
        if self._max_wait_passed(best, runtime.config, now) and not best.is_callback:
            return self._apply_max_wait(best, now) + self._serve_agent(agent, now)
        why = (f"{agent.id} became free; longest-waiting call it can take across "
               f"{', '.join(agent.config.queues)}")
        return self._offer(best, runtime, [agent], now, "agent available", why, [])

    def _meets(self, agent: Agent, signature: Signature) -> bool:
        skills = agent.config.skills
        return all(skills.get(name, 0) >= level for name, level in signature)
