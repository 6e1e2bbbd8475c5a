"""Running a campaign on a switch: pacing decisions in, originates out, every attempt written down.

One scheduling greenlet asks the :class:`~fsapp.dialer.pacing.Pacer` whether a call may start, takes the
next due contact (claimed in the database in batches, before dialing; those not dialed when the run pauses or
stops are given back) and spawns a greenlet for the attempt, whose writes go through an
:class:`~fsapp.dialer.journal.AttemptJournal`; it sleeps until the pacer's next moment, an attempt ending, or
the status poll (so ``fsapp campaign pause`` from another process takes effect within ``status_poll`` seconds). A campaign with nothing pending and nothing in flight is
``finished``, unless its ``keep_open`` setting has it wait for contacts added later.

    runner = CampaignRunner(CampaignStore.of(store), switch, "water-district-4")
    summary = runner.run()                 # blocks until finished, paused-and-stopped, or stop()
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import gevent
import gevent.pool
import peewee as pw
from gevent.event import Event as Flag

from fsapp.config import OutboundConfig
from fsapp.dialer.campaigns import CampaignInfo, CampaignStore, ClaimedAttempt
from fsapp.dialer.errors import CampaignStateError
from fsapp.dialer.journal import AttemptJournal
from fsapp.dialer.pacing import Pace, Pacer, ProgressiveRatio
from fsapp.dialer.rules import NOT_DIALABLE_CAUSE, outcome_of_cause
from fsapp.dialer.scripts import AgentDesk, Contact, PromptRenderer, SpeechListener, default_prompt, run_answered
from fsapp.errors import FsappError
from fsapp.esl.errors import ChannelGone, ESLError
from fsapp.store.workflow import Clock, system_clock
from fsapp.switch import Call, OriginateFailed, UnsafeValue
from fsapp.switch.call import new_uuid
from fsapp.switch.dialstring import caller_number, number_endpoint

log = logging.getLogger(__name__)

ORIGINATE_MARGIN = 15.0  # seconds the originate job may take beyond the ring time
CLAIM_BATCH = 32         # contacts claimed per transaction
IDLE_REASONS = ("paused", "ended", "not started", "outside calling hours", "waiting for free agents")


class Originator:
    """The one verb the runner needs from :class:`~fsapp.switch.Switch`."""

    def originate(self, dial_string: str, variables: dict[str, str] | None = None, *, timeout: float = 60.0,
                  wait_park: bool = True) -> Call: ...


@dataclass
class RunSummary:
    """What one run did."""

    started: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    reconciled: dict[str, int] = field(default_factory=dict)
    max_active: int = 0
    stopped_because: str = ""


@dataclass(frozen=True)
class Notification:
    """One message or survey attempt that ended, for the call history (agent campaigns' calls are kept by the
    ACD's side)."""

    campaign: str
    mode: str
    claimed: ClaimedAttempt
    started_at: datetime
    ended_at: datetime
    outcome: str
    cause: str
    answer: object = None


NotificationHook = Callable[[Notification], None]


class CampaignRunner:
    """Dials one campaign until it is finished, paused (when ``stop_when_paused``) or stopped."""

    def __init__(self, campaigns: CampaignStore, switch: Originator, name: str, *, clock: Clock = system_clock,
                 prompt_renderer: PromptRenderer = default_prompt, desk: AgentDesk | None = None,
                 status_poll: float = 1.0, stop_when_paused: bool = False,
                 on_attempt: Callable[[ClaimedAttempt, str, str], None] | None = None,
                 on_answers: Callable[[ClaimedAttempt, dict[str, str | None]], None] | None = None,
                 listener: SpeechListener | None = None, outbound: OutboundConfig | None = None,
                 on_notification: NotificationHook | None = None) -> None:
        self.campaigns = campaigns
        self.outbound = outbound or OutboundConfig()   # the gateway and caller ID a campaign does not name
        self.switch = switch
        self.name = name
        self.clock = clock
        self.render = prompt_renderer
        self.desk = desk
        self.status_poll = status_poll
        self.stop_when_paused = stop_when_paused
        self.on_attempt = on_attempt
        self.on_answers = on_answers   # a survey's answers, e.g. to note them in the case the contact is about
        self.on_notification = on_notification   # a message or survey attempt ended: into the call history
        self.listener = listener       # hears spoken survey answers; None: keys only
        self.summary = RunSummary()
        self.active = 0
        self._wake = Flag()
        self._stopping = False
        self._attempts = gevent.pool.Group()
        self._claimed: deque[ClaimedAttempt] = deque()   # claimed in the database, not dialed yet
        self._status = "running"
        self._status_checked: datetime | None = None
        self.info: CampaignInfo = campaigns.get(name)
        settings = self.info.settings
        self.rules = settings.retry_rules()
        self.pacer = Pacer(settings.max_concurrent, settings.calls_per_second,
                           settings.calling_windows(self.outbound.holidays),
                           settings.start_time(), settings.end_time())
        self.progressive = (ProgressiveRatio(settings.dial_ratio, settings.max_abandon_rate)
                            if settings.mode == "agent" else None)
        self.claim_batch = 1 if self.progressive is not None else max(1, min(CLAIM_BATCH, settings.max_concurrent))
        self.journal = AttemptJournal(campaigns.db)

    # -- lifecycle -----------------------------------------------------------------------------------

    def begin(self) -> None:
        """Mark the campaign running and settle what a previous run left unfinished."""
        if self.info.status == "finished":
            raise CampaignStateError(f"campaign {self.name!r} is finished")
        self.info = self.campaigns.set_status(self.name, "running")
        self.summary.reconciled = self.campaigns.reconcile(self.info.id, self.rules)

    def run(self) -> RunSummary:
        """Dial until finished (or stopped); waits for calls in flight before returning."""
        self.begin()
        while not self._stopping:
            wake_at = self.step(self.clock())
            if wake_at is None:
                break
            self._sleep_until(wake_at)
        self._attempts.join()
        self._release_claimed()
        self.journal.close()
        if self.summary.stopped_because in ("finished", "ended"):
            self.campaigns.set_status(self.name, "finished")
        return self.summary

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the calls in flight to end; False if some are still up after ``timeout``."""
        return self._attempts.join(timeout=timeout)

    def stop(self) -> None:
        """End the run after the current step; calls in flight finish normally."""
        self._stopping = True
        self.summary.stopped_because = self.summary.stopped_because or "stopped"
        self._wake.set()

    def _sleep_until(self, wake_at: datetime) -> None:
        seconds = (wake_at - self.clock()).total_seconds()
        if seconds <= 0:
            gevent.idle()
            return
        self._wake.clear()
        self._wake.wait(min(seconds, self.status_poll))

    # -- one scheduling pass ---------------------------------------------------------------------------

    def step(self, now: datetime) -> datetime | None:
        """Start what may start at ``now``; returns when to look again (None: the run is over)."""
        status = self._poll_status(now)
        if status == "finished":
            return self._over("finished by command")
        paused = status == "paused"
        if paused and self.stop_when_paused:
            return self._over("paused")
        pace = self._decide(now, paused)
        while pace.start:
            claimed = self._claim_next(now)
            if claimed is None:
                return self._nothing_due(now)
            self._launch(claimed, now)
            pace = self._decide(now, paused)
        if pace.reason in IDLE_REASONS:
            self._release_claimed()
        if pace.reason == "ended":
            return self._over("ended") if self.active == 0 else now + _seconds(self.status_poll)
        return pace.wake_at or now + _seconds(self.status_poll)

    def _decide(self, now: datetime, paused: bool) -> Pace:
        ceiling = None
        if self.progressive is not None and self.desk is not None:
            ceiling = self.progressive.ceiling(self.desk.free_agents(self.info.settings.queue))
        return self.pacer.decide(now, self.active, paused=paused, ceiling=ceiling)

    def _poll_status(self, now: datetime) -> str:
        if self._status_checked is None or (now - self._status_checked).total_seconds() >= self.status_poll:
            self._status = self.campaigns.status_of(self.info.id)
            self._status_checked = now
        return self._status

    def _over(self, reason: str) -> None:  # returns None so step() can end the run with it
        self.summary.stopped_because = reason
        return None

    def _nothing_due(self, now: datetime) -> datetime | None:
        if self.active == 0:
            self.journal.flush()   # retries decided by the last attempts must be seen before calling it finished
        next_due = self.campaigns.next_due_at(self.info.id)
        if next_due is None and self.active == 0 and not self.info.settings.keep_open:
            return self._over("finished")
        if next_due is None or next_due <= now:
            return now + _seconds(self.status_poll)  # wait for calls in flight to end
        return next_due

    def _claim_next(self, now: datetime) -> ClaimedAttempt | None:
        if not self._claimed:
            self._claimed.extend(self.campaigns.claim_batch(self.info.id, now, self.claim_batch, new_uuid))
        return self._claimed.popleft() if self._claimed else None

    def _release_claimed(self) -> None:
        if self._claimed:
            self.campaigns.release(self._claimed)
            self._claimed.clear()

    def _launch(self, claimed: ClaimedAttempt, now: datetime) -> None:
        self.pacer.started(now)
        self.active += 1
        self.summary.started += 1
        self.summary.max_active = max(self.summary.max_active, self.active)
        self.journal.dialing(claimed, now)
        self._attempts.spawn(self._attempt, claimed, now)

    # -- one attempt -----------------------------------------------------------------------------------

    def _attempt(self, claimed: ClaimedAttempt, started_at: datetime) -> None:
        outcome, cause, answer = "failed", "", None
        try:
            outcome, cause, answer = self._dial(claimed)
        except ESLError as exc:
            log.warning("call %s: campaign %s attempt failed: %s", claimed.call_uuid, self.name, exc)
            outcome, cause = "failed", "CONTROLLER_ERROR"
        finally:
            now = self.clock()
            verdict = self.rules.verdict(outcome, claimed.attempt_no, now)
            self.journal.finished(claimed, started_at, outcome, cause, verdict, now, answer)
            self.summary.outcomes[outcome] = self.summary.outcomes.get(outcome, 0) + 1
            if self.on_answers is not None and isinstance(answer, dict):
                self.on_answers(claimed, answer)
            self._keep(Notification(self.info.name, self.info.settings.mode, claimed, started_at, now, outcome,
                                    cause, answer))
            if self.on_attempt is not None:
                self.on_attempt(claimed, outcome, cause)
            self.active -= 1
            self._wake.set()

    def _keep(self, done: Notification) -> None:
        """An opt-out goes on the do-not-call list; a message or survey call goes into the call history."""
        try:
            if done.outcome == "opted_out":
                self.campaigns.add_do_not_call([done.claimed.number], reason=f"opted out by key during {self.name}")
                log.info("call %s: %s opted out of calls (%s)", done.claimed.call_uuid, done.claimed.number,
                         self.name)
            if self.on_notification is not None and done.mode != "agent":
                self.on_notification(done)
        except (FsappError, pw.PeeweeException) as exc:   # the attempt itself is journaled; the run goes on
            log.error("call %s: %s: not kept: %s", done.claimed.call_uuid, self.name, exc)

    def _dial(self, claimed: ClaimedAttempt) -> tuple[str, str, object]:
        settings = self.info.settings
        variables = {**settings.originate_variables, "origination_uuid": claimed.call_uuid,
                     "originate_timeout": str(int(settings.ring_timeout)), "fsapp_role": "campaign",
                     "fsapp_campaign": str(self.info.id), "fsapp_attempt": str(claimed.attempt_id)}
        variables.update(self.outbound.caller_id())
        if settings.caller_id:
            variables["origination_caller_id_number"] = caller_number(settings.caller_id)
        try:
            dial = number_endpoint(settings.dial_template or self.outbound.dial_template(), claimed.number)
        except UnsafeValue as exc:
            log.warning("call %s: %s: not dialled: %s", claimed.call_uuid, self.name, exc)
            return "failed", NOT_DIALABLE_CAUSE, None
        try:
            call = self.switch.originate(dial, variables, timeout=settings.ring_timeout + ORIGINATE_MARGIN)
        except OriginateFailed as exc:
            log.info("call %s: %s to %s: %s", claimed.call_uuid, self.name, claimed.number, exc.cause)
            return outcome_of_cause(exc.cause), exc.cause, None
        self.journal.answered(claimed, self.clock())   # committed before anything is played
        return self._answered(call, claimed)

    def _answered(self, call: Call, claimed: ClaimedAttempt) -> tuple[str, str, object]:
        contact = Contact(claimed.number, claimed.name, claimed.language, claimed.data)
        keep = False
        try:
            result = run_answered(call, contact, self.info.settings, self.render, self.desk, self.listener)
            keep = result.keep_call
            if self.progressive is not None and result.outcome in ("connected", "abandoned"):
                self.progressive.record(result.outcome == "abandoned")
            return result.outcome, "NORMAL_CLEARING", result.answer
        except ChannelGone:
            return "reached", call.channel.hangup_cause or "NORMAL_CLEARING", None
        except ESLError as exc:
            # Answered, then the link failed (e.g. the controller stopping): the person was reached, and
            # counting it so keeps them from being called again, as reconcile does after a crash.
            log.warning("call %s: campaign %s: %s after answer", call.uuid, self.name, exc)
            return "reached", "CONTROLLER_ERROR", None
        finally:
            if not keep and not call.gone:
                _hangup_quietly(call)


def _hangup_quietly(call: Call) -> None:
    try:
        call.hangup()
    except ESLError as exc:
        log.info("call %s: hangup: %s", call.uuid, exc)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)
