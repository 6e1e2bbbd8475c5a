"""The dialer's way to operators: an :class:`~fsapp.dialer.scripts.AgentDesk` over the ACD.

Outbound calls meet the same agents as inbound ones, through the same :class:`~fsapp.acd.service.AcdService`:
the same agent states (an agent reserved for an outbound call is not offered an inbound one, and the
reverse), the same screen-pop headers (the contact's list columns travel as ``X-Fsapp-Data-*``), recording
and decision trace.

- Agent-mode campaigns: the answered call joins the campaign's queue like an inbound caller; :meth:`connect`
  returns as soon as an agent has it (the conversation goes on under the ACD), or False when no agent took
  it within ``answer_wait`` seconds (it is taken out of line; the campaign counts an abandon).
- Callbacks: :meth:`call_back` lines a request up in the ACD keeping the caller's place; the ACD rings an
  agent first and dials the citizen when the agent answers. A callback with an owner rings the owner alone
  when the owner is available; while the owner is away (on break or logged out) it waits in the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import AsyncResult

from fsapp.acd.decisions import CallerInfo
from fsapp.acd.outcome import ANSWERED, QueueOutcome
from fsapp.acd.service import AcdService
from fsapp.acd.states import AgentState
from fsapp.esl.errors import ESLError
from fsapp.switch import Call

log = logging.getLogger(__name__)

CallerLookup = Callable[[str], CallerInfo | None]
"""``number -> CallerInfo`` from the case store (name, open cases), or None when unknown."""
Finished = Callable[[Call, QueueOutcome, dict[str, Any]], None]
"""Called when an outbound conversation handed to the ACD has ended (e.g. to record the call)."""

AVAILABLE, BUSY, AWAY = "available", "busy", "away"
AWAY_STATES = (AgentState.LOGGED_OUT, AgentState.BREAK)


def callback_member(request_id: int) -> str:
    """The ACD member id of a callback request."""
    return f"callback-{request_id}"


class AcdDesk:
    """Agent mode and callbacks on an :class:`AcdService` (see the module docstring)."""

    def __init__(self, acd: AcdService, *, lookup: CallerLookup | None = None, answer_wait: float = 5.0,
                 priority: int = 0, on_finished: Finished | None = None) -> None:
        self.acd = acd
        self.lookup = lookup
        self.answer_wait = answer_wait
        self.priority = priority
        self.on_finished = on_finished
        self.conversations: dict[str, gevent.Greenlet] = {}   # call uuid -> the greenlet holding it in the ACD

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the ACD has checked its state against the switch (offers made before may be undone)."""
        return self.acd.reconciled.wait(timeout)

    # -- AgentDesk ---------------------------------------------------------------------------------------

    def free_agents(self, queue: str) -> int:
        """Available agents of ``queue`` not already wanted by callers waiting in its line."""
        runtime = self.acd.router.queues.get(queue)
        if runtime is None:
            return 0
        return max(0, len(runtime.available) - runtime.line.ready_count)

    def connect(self, call: Call, queue: str, caller: dict[str, Any]) -> bool:
        """Put the answered ``call`` in ``queue``; True once an agent is talking to it."""
        job = gevent.spawn(self._conversation, call, queue, self.caller_info(caller), caller)
        self.conversations[call.uuid] = job
        bridged = gevent.spawn(self._bridged, call)
        try:
            gevent.wait([job, bridged], count=1, timeout=self.answer_wait)
            if bridged.ready() and bridged.value:
                return True
            if job.ready():
                return job.successful() and job.value.kind == ANSWERED
            if self.acd.withdraw(call.uuid):
                log.info("call %s: no agent of %s within %.0f s", call.uuid, queue, self.answer_wait)
                job.join()
                return False
            return True   # an agent answered while the wait ran out
        finally:
            bridged.kill(block=False)

    def _bridged(self, call: Call) -> bool:
        try:
            call.wait_for("bridged", self.answer_wait)
        except ESLError:
            return False
        return True

    def _conversation(self, call: Call, queue: str, info: CallerInfo, caller: dict[str, Any]) -> QueueOutcome:
        try:
            outcome = self.acd.enqueue(call, queue, self.priority, caller=info)
        finally:
            self.conversations.pop(call.uuid, None)
        log.info("call %s: outbound call left %s: %s", call.uuid, queue, outcome.kind)
        if self.on_finished is not None:
            self.on_finished(call, outcome, caller)
        return outcome

    def caller_info(self, caller: dict[str, Any]) -> CallerInfo:
        """What the agent's screen shows: the contact's name and data, the citizen's open cases."""
        number = str(caller.get("number") or "") or None
        found = self.lookup(number) if self.lookup is not None and number else None
        data = {str(k): str(v) for k, v in (caller.get("data") or {}).items()}
        data.update({key: str(caller[key]) for key in ("origin", "campaign", "callback_request", "case_id")
                     if caller.get(key) not in (None, "")})
        return CallerInfo(number=number, name=caller.get("name") or (found.name if found else None),
                          case_ids=found.case_ids if found else (), data=data)

    # -- callbacks ---------------------------------------------------------------------------------------

    def presence(self, agent_id: str) -> str:
        """``available``, ``busy`` (offered or on a call or in wrap-up) or ``away`` (break, logged out, unknown)."""
        agent = self.acd.router.agents.get(agent_id)
        if agent is None or agent.state in AWAY_STATES:
            return AWAY
        return AVAILABLE if agent.state is AgentState.AVAILABLE else BUSY

    def home_queue(self, agent_id: str | None) -> str | None:
        """The first queue an agent serves (where its callbacks go while it is away)."""
        agent = self.acd.router.agents.get(agent_id or "")
        return next(iter(agent.config.queues), None) if agent is not None else None

    def has_queue(self, queue: str) -> bool:
        return queue in self.acd.router.queues

    def call_back(self, request_id: int, queue: str, number: str, *, waited: float = 0.0,
                  caller: dict[str, Any] | None = None, owner: str | None = None) -> AsyncResult:
        """Line up callback ``request_id`` (``waited``: seconds the caller has held a place already).

        Returns the ACD's :class:`QueueOutcome` result (``answered`` once the conversation has ended).
        """
        info = self.caller_info({"number": number, **(caller or {}), "origin": "callback",
                                 "callback_request": request_id})
        return self.acd.call_back(callback_member(request_id), queue, number, caller=info,
                                  arrived_at=self.acd.clock() - max(waited, 0.0), agent=owner)

    def holds_callback(self, request_id: int) -> bool:
        """Whether the ACD has this callback in line or in conversation (e.g. restored after a restart)."""
        member = callback_member(request_id)
        return member in self.acd.router.members or member in self.acd.calls

    def withdraw_callback(self, request_id: int) -> bool:
        """Take a callback out of line before an agent answers it; False when it is not waiting."""
        return self.acd.withdraw(callback_member(request_id))
