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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import gevent
import peewee as pw

from fsapp.dialer.models import CallbackPlan, bound
from fsapp.dialer.rules import outcome_of_cause
from fsapp.dialer.scripts import AgentDesk
from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.store.models import CallbackRequest
from fsapp.store.records import CaseDetail
from fsapp.switch import OriginateFailed
from fsapp.switch.call import new_uuid

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
    """Dials due callbacks of a queue while its agents are free, and hands the answered call to the ACD."""

    def __init__(self, book: CallbackBook, switch: Any, desk: AgentDesk, queue: str, *,
                 dial_template: str = "sofia/gateway/pstn/{number}", ring_timeout: float = 30.0) -> None:
        self.book = book
        self.switch = switch
        self.desk = desk
        self.queue = queue
        self.dial_template = dial_template
        self.ring_timeout = ring_timeout

    def run_once(self) -> dict[int, str]:
        """Dial as many due callbacks as there are free agents; returns each request's new status."""
        free = self.desk.free_agents(self.queue)
        due = self.book.scheduled(queue=self.queue, due_only=True, limit=max(free, 0))
        jobs = {item.id: gevent.spawn(self._dial, item) for item in due if self.book.claim(item.id)}
        gevent.joinall(list(jobs.values()))
        return {request_id: job.value for request_id, job in jobs.items()}

    def _dial(self, item: ScheduledCallback) -> str:
        uuid = new_uuid()
        variables = {"origination_uuid": uuid, "originate_timeout": str(int(self.ring_timeout)),
                     "fsapp_role": "callback", "fsapp_callback": str(item.id)}
        try:
            call = self.switch.originate(self.dial_template.format(number=item.number), variables,
                                         timeout=self.ring_timeout + 15.0)
        except OriginateFailed as exc:
            return self.book.finish(item.id, outcome_of_cause(exc.cause), exc.cause)
        except ESLError as exc:
            log.warning("call %s: callback %d: %s", uuid, item.id, exc)
            return self.book.finish(item.id, "failed", "CONTROLLER_ERROR")
        caller = {"number": item.number, "origin": "callback", "callback_request": item.id,
                  "queued_since": item.place.isoformat(), "case_id": item.case_id}
        try:
            connected = self.desk.connect(call, self.queue, caller)
        except ChannelGone:
            connected = False
        if not connected and not call.gone:
            try:
                call.hangup()
            except ESLError as exc:
                log.info("call %s: hangup: %s", uuid, exc)
        return self.book.finish(item.id, "connected" if connected else "abandoned",
                                "NORMAL_CLEARING" if connected else "NO_AGENT")
