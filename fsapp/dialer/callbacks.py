"""Callbacks: requests from the IVR, the queue, operators and case closure, scheduled and dialed back.

Each request is a store ``callback_request`` plus a :class:`~fsapp.dialer.models.CallbackPlan`: who owns it,
the caller's preferred window (``window_start``..``window_end``), the attempts allowed, and — for a caller
who left a queue asking to be called back — ``queued_since``, the moment they joined the queue. Due
callbacks are listed oldest ``queued_since`` (else request time) first, and the queued-since time travels
with the call to the ACD (``caller["queued_since"]``) so the caller keeps their place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import gevent
import peewee as pw
from gevent.event import AsyncResult

from fsapp.acd.outcome import ANSWERED
from fsapp.config import OutboundConfig
from fsapp.dialer.models import CallbackPlan
from fsapp.dialer.rules import NOT_DIALABLE_CAUSE, outcome_of_cause
from fsapp.dialer.scripts import AgentDesk
from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.store.lanes import bound
from fsapp.store.models import CallbackRequest
from fsapp.store.records import CaseDetail
from fsapp.switch import OriginateFailed, UnsafeValue
from fsapp.switch.call import new_uuid
from fsapp.switch.dialstring import number_endpoint

log = logging.getLogger(__name__)

SOURCES = ("ivr", "queue", "operator", "case_closed", "web")


@dataclass(frozen=True)
class ScheduledCallback:
    """A pending callback and its plan."""

    id: int
    number: str
    source: str
    queue: str | None
    owner: str | None
    citizen_id: int | None
    case_id: int | None
    requested_at: datetime
    window_start: datetime | None
    window_end: datetime | None
    queued_since: datetime | None
    attempts: int
    max_attempts: int
    next_attempt_at: datetime | None
    last_cause: str
    due: bool

    @property
    def place(self) -> datetime:
        """Where the caller stands in line: when they joined the queue, else when they asked."""
        return self.queued_since or self.requested_at


class CallbackBook:
    """Requests, plans, due lists and outcomes of callbacks, on a :class:`~fsapp.store.Store`."""

    def __init__(self, store: Any, retry_delay: float = 900.0) -> None:
        self.store = store
        self.db = store.db
        self.clock = store.clock
        self.retry_delay = retry_delay

    @bound
    def request(self, number: str, *, source: str = "operator", owner: str | None = None,
                queue: str | None = None, case_reference: str | None = None, citizen_id: int | None = None,
                window_start: datetime | None = None, window_end: datetime | None = None,
                queued_since: datetime | None = None, max_attempts: int = 3) -> int:
        """Ask for ``number`` to be called back; returns the request id."""
        if source not in SOURCES:
            raise ValueError(f"callback source must be one of {', '.join(SOURCES)}")
        if window_start and window_end and window_end <= window_start:
            raise ValueError("the callback window must end after it starts")
        with self.db.atomic():
            request_id = self.store.add_callback_request(number, citizen_id=citizen_id,
                                                         case_reference=case_reference, queue=queue,
                                                         reason=source, not_before=window_start)
            CallbackPlan.create(request_id=request_id, owner=owner, window_start=window_start,
                                window_end=window_end, max_attempts=max_attempts, queued_since=queued_since)
        return request_id

    @bound
    def scheduled(self, *, owner: str | None = None, queue: str | None = None, due_only: bool = False,
                  limit: int = 200) -> list[ScheduledCallback]:
        """Pending callbacks in line order (``due_only``: those that may be dialed now)."""
        now = self.clock()
        self.expire(now)
        query = (CallbackRequest.select(CallbackRequest, CallbackPlan)
                 .join(CallbackPlan, on=(CallbackPlan.request_id == CallbackRequest.id), join_type=pw.JOIN.LEFT_OUTER,
                       attr="plan")
                 .where(CallbackRequest.status == "pending"))
        if owner is not None:
            query = query.where(CallbackPlan.owner == owner)
        if queue is not None:
            query = query.where(CallbackRequest.queue == queue)
        rows = [_scheduled(row, getattr(row, "plan", None), now) for row in query]
        rows.sort(key=lambda item: (item.place, item.id))
        if due_only:
            rows = [row for row in rows if row.due]
        return rows[:limit]

    @bound
    def expire(self, now: datetime) -> int:
        """Close pending callbacks whose window has passed; returns how many."""
        late = [plan.request_id for plan in CallbackPlan.select(CallbackPlan.request_id)
                .join(CallbackRequest, on=(CallbackPlan.request_id == CallbackRequest.id))
                .where(CallbackRequest.status == "pending", CallbackPlan.window_end <= now,
                       CallbackPlan.in_progress == False)]  # noqa: E712 (peewee expression)
        for request_id in late:
            self.store.finish_callback(request_id, "failed")
            CallbackPlan.update(last_cause="WINDOW_PASSED").where(CallbackPlan.request_id == request_id).execute()
        return len(late)

    @bound
    def claim(self, request_id: int) -> bool:
        """Take a callback for dialing (False if someone else has it)."""
        CallbackPlan.insert(request_id=request_id).on_conflict_ignore().execute()  # requests made without a plan
        return bool(CallbackPlan.update(in_progress=True).where(CallbackPlan.request_id == request_id,
                                                                CallbackPlan.in_progress == False).execute())  # noqa: E712

    @bound
    def finish(self, request_id: int, outcome: str, cause: str = "") -> str:
        """Record an attempt: ``connected``/``reached`` close it as done; other outcomes retry or fail."""
        plan = CallbackPlan.get_or_none(CallbackPlan.request_id == request_id)
        attempts = CallbackRequest.get_by_id(request_id).attempts + 1
        with self.db.atomic():
            if outcome in ("connected", "reached"):
                status = "done"
            elif plan is not None and attempts >= plan.max_attempts:
                status = "failed"
            else:
                status = "retry"
            self.store.finish_callback(request_id, status)
            next_at = self.clock() + timedelta(seconds=self.retry_delay) if status == "retry" else None
            if plan is not None:
                CallbackPlan.update(in_progress=False, last_cause=cause or outcome, next_attempt_at=next_at).where(
                    CallbackPlan.request_id == request_id).execute()
        return status

    @bound
    def claimed(self) -> list[int]:
        """Requests taken for dialing and not finished (after a restart: left by the controller that stopped)."""
        return [plan.request_id for plan in CallbackPlan.select(CallbackPlan.request_id)
                .join(CallbackRequest, on=(CallbackPlan.request_id == CallbackRequest.id))
                .where(CallbackPlan.in_progress == True, CallbackRequest.status == "pending")]  # noqa: E712

    @bound
    def release(self, request_id: int) -> None:
        """Give a claimed request back without counting an attempt (it was never dialed)."""
        CallbackPlan.update(in_progress=False).where(CallbackPlan.request_id == request_id).execute()

    def cancel(self, request_id: int) -> None:
        self.store.finish_callback(request_id, "cancelled")


def _scheduled(row: CallbackRequest, plan: CallbackPlan | None, now: datetime) -> ScheduledCallback:
    window_start = plan.window_start if plan else None
    window_end = plan.window_end if plan else None
    next_at = plan.next_attempt_at if plan else None
    due = (all(moment is None or moment <= now for moment in (row.not_before, window_start, next_at))
           and (window_end is None or now < window_end) and not (plan and plan.in_progress))
    return ScheduledCallback(row.id, row.number, row.reason, row.queue, plan.owner if plan else None,
                             row.citizen_id, row.case_id, row.requested_at, window_start, window_end,
                             plan.queued_since if plan else None, row.attempts, plan.max_attempts if plan else 1,
                             next_at, plan.last_cause if plan else "", due)


def callback_on_case_closure(book: CallbackBook, *, queue: str | None = None) -> Callable[[CaseDetail], None]:
    """A ``Store.on_case_closed`` listener asking a callback for citizens who prefer the phone."""

    def listener(detail: CaseDetail) -> None:
        citizen_id = detail.summary.citizen_id
        if citizen_id is None:
            return
        citizen = book.store.get_citizen(citizen_id)
        if citizen.preferred_channel != "phone" or not citizen.phones:
            return
        book.request(citizen.phones[0], source="case_closed", owner=detail.summary.assignee, queue=queue,
                     case_reference=detail.summary.reference, citizen_id=citizen_id)

    return listener


class CallbackDialer:
    """Dials due callbacks and hands them to the operators.

    With a desk that can ring the agent first (:class:`~fsapp.dialer.desk.AcdDesk`), every due callback is
    lined up in the ACD keeping the caller's place, a scheduled one offered to its owner while the owner is
    available; the ACD rings the agent, then the citizen. :meth:`run_once` returns at once and each
    request's final status arrives in :attr:`results`. With a desk that can only take answered calls,
    the citizen is dialed first (as many as there are free agents) and the answered call handed over;
    :meth:`run_once` then waits for those calls.

    ``queue``: only that queue's callbacks (None: all, requests without a queue go to ``default_queue``).
    """

    def __init__(self, book: CallbackBook, switch: Any, desk: AgentDesk, queue: str | None = None, *,
                 dial_template: str = OutboundConfig().dial_template(), caller_id: dict[str, str] | None = None,
                 ring_timeout: float = 30.0,
                 default_queue: str | None = None) -> None:
        self.book = book
        self.switch = switch
        self.desk = desk
        self.queue = queue
        self.default_queue = default_queue or queue
        self.dial_template = dial_template
        self.caller_id = dict(caller_id or {})   # origination_caller_id_* of the citizen's leg
        self.ring_timeout = ring_timeout
        self.results: dict[int, AsyncResult] = {}   # request id -> its status after the attempt
        self._waiting: dict[int, gevent.Greenlet] = {}
        self._agent_first = callable(getattr(desk, "call_back", None))

    def run_once(self) -> dict[int, str]:
        """One pass over the due callbacks; returns each request dialed (or lined up) and its status."""
        if self._agent_first:
            return self._line_up()
        free = self.desk.free_agents(self.queue or "")
        due = self.book.scheduled(queue=self.queue, due_only=True, limit=max(free, 0))
        jobs = {item.id: gevent.spawn(self._dial, item) for item in due if self.book.claim(item.id)}
        gevent.joinall(list(jobs.values()))
        return {request_id: job.value for request_id, job in jobs.items()}

    def resume(self) -> dict[int, str]:
        """After a restart: follow callbacks the ACD still holds, give back the others (never dialed)."""
        found: dict[int, str] = {}
        pending: dict[int, ScheduledCallback] | None = None   # read once, when the ACD holds one
        for request_id in self.book.claimed():
            if request_id in self._waiting:
                continue
            if self._agent_first and self.desk.holds_callback(request_id):  # type: ignore[attr-defined]
                if pending is None:
                    pending = {i.id: i for i in self.book.scheduled(limit=100000)}
                item = pending.get(request_id)
                if item is not None:
                    self._follow(item, self._queue_of(item) or "", owner=None)
                    found[request_id] = "following"
                    continue
            self.book.release(request_id)
            found[request_id] = "released"
        return found

    def stop(self) -> None:
        """Stop following callbacks (those in the ACD stay there; :meth:`resume` picks them up again)."""
        gevent.killall(list(self._waiting.values()), block=False)
        self._waiting.clear()

    # -- agent first, through the ACD ----------------------------------------------------------------------

    def _line_up(self) -> dict[int, str]:
        started: dict[int, str] = {}
        for item in self.book.scheduled(queue=self.queue, due_only=True, limit=1000):
            if item.id in self._waiting:
                continue
            queue = self._queue_of(item)
            if queue is None:
                log.warning("callback %d: no queue to put it in", item.id)
                continue
            owner = None
            if item.owner:
                presence = self.desk.presence(item.owner)  # type: ignore[attr-defined]
                if presence == "busy":
                    continue   # the owner's phone rings once the owner is free
                owner = item.owner if presence == "available" else None
            if not self.book.claim(item.id):
                continue
            try:
                self._follow(item, queue, owner)
            except UnsafeValue as exc:   # NotDialable: the stored number cannot be called back
                log.warning("callback %d: %s", item.id, exc)
                started[item.id] = self.book.finish(item.id, "failed", NOT_DIALABLE_CAUSE)
                self.results.setdefault(item.id, AsyncResult()).set(started[item.id])
                continue
            started[item.id] = f"owner {owner}" if owner else f"queue {queue}"
            log.info("callback %d: %s lined up for %s", item.id, item.number, started[item.id])
        return started

    def _queue_of(self, item: ScheduledCallback) -> str | None:
        desk: Any = self.desk
        for queue in (item.queue, desk.home_queue(item.owner) if item.owner else None, self.default_queue):
            if queue and desk.has_queue(queue):
                return queue
        return None

    def _follow(self, item: ScheduledCallback, queue: str, owner: str | None) -> None:
        waited = max(0.0, (self.book.clock() - item.place).total_seconds())
        caller = {"number": item.number, "callback_request": item.id, "case_id": item.case_id,
                  "owner": item.owner or ""}
        result = self.results[item.id] = AsyncResult()   # before call_back yields, so it is there at once
        waiter = self.desk.call_back(item.id, queue, item.number, waited=waited,  # type: ignore[attr-defined]
                                     caller=caller, owner=owner)
        self._waiting[item.id] = gevent.spawn(self._await, item, waiter, result)

    def _await(self, item: ScheduledCallback, waiter: AsyncResult, result: AsyncResult) -> None:
        """Wait for the ACD's outcome; a callback still in line when its window closes is withdrawn."""
        try:
            while True:
                left = (item.window_end - self.book.clock()).total_seconds() if item.window_end else None
                try:
                    outcome = waiter.get(timeout=max(left, 0.0) if left is not None else None)
                    break
                except gevent.Timeout:
                    if self.desk.withdraw_callback(item.id):  # type: ignore[attr-defined]
                        result.set(self.book.finish(item.id, "expired", "WINDOW_PASSED"))
                        return
                    item = replace(item, window_end=None)   # an agent has it: wait for the conversation
            if outcome.kind == ANSWERED:
                status = self.book.finish(item.id, "connected", "NORMAL_CLEARING")
            else:
                status = self.book.finish(item.id, "no_answer", "CITIZEN_NOT_REACHED")
            log.info("callback %d: %s (%s)", item.id, status, outcome.kind)
            result.set(status)
        finally:
            self._waiting.pop(item.id, None)

    # -- citizen first -------------------------------------------------------------------------------------

    def _dial(self, item: ScheduledCallback) -> str:
        uuid = new_uuid()
        variables = {**self.caller_id, "origination_uuid": uuid, "originate_timeout": str(int(self.ring_timeout)),
                     "fsapp_role": "callback", "fsapp_callback": str(item.id)}
        try:
            call = self.switch.originate(number_endpoint(self.dial_template, item.number), variables,
                                         timeout=self.ring_timeout + 15.0)
        except UnsafeValue as exc:
            log.warning("call %s: callback %d not dialled: %s", uuid, item.id, exc)
            return self.book.finish(item.id, "failed", NOT_DIALABLE_CAUSE)
        except OriginateFailed as exc:
            return self.book.finish(item.id, outcome_of_cause(exc.cause), exc.cause)
        except ESLError as exc:
            log.warning("call %s: callback %d: %s", uuid, item.id, exc)
            return self.book.finish(item.id, "failed", "CONTROLLER_ERROR")
        caller = {"number": item.number, "origin": "callback", "callback_request": item.id,
                  "queued_since": item.place.isoformat(), "case_id": item.case_id}
        queue = self._queue_of_plain(item)
        try:
            connected = self.desk.connect(call, queue, caller)
        except ChannelGone:
            connected = False
        if not connected and not call.gone:
            try:
                call.hangup()
            except ESLError as exc:
                log.info("call %s: hangup: %s", uuid, exc)
        return self.book.finish(item.id, "connected" if connected else "abandoned",
                                "NORMAL_CLEARING" if connected else "NO_AGENT")

    def _queue_of_plain(self, item: ScheduledCallback) -> str:
        return item.queue or self.default_queue or ""
