"""Outbound inside the controller: campaigns marked running in the store, and due callbacks.

Every ``poll`` seconds the service starts a :class:`~fsapp.dialer.runner.CampaignRunner` for each campaign whose
status is ``running`` (``fsapp campaign start`` / ``resume`` set it from any process) and has the
:class:`~fsapp.dialer.callbacks.CallbackDialer` line up due callbacks. A runner follows pause and resume by
itself (it polls the status) and ends when its campaign is finished. On start, a runner settles what a
stopped controller left unfinished (answered attempts count as reached, so nobody reached is called twice),
and callbacks the ACD restored from its snapshot are followed again. Survey answers are noted in the case a
contact is about, and :attr:`OutboundService.surveys` asks a survey on a caller's own call
(:mod:`fsapp.dialer.surveys`).

    outbound = OutboundService(store, switch, desk, clock=controller.now).start()
    outbound.wait_idle(name, timeout=60)      # tests: until that campaign's runner has ended
    outbound.stop()
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
import peewee as pw
from gevent.event import AsyncResult

from fsapp.config import OutboundConfig
from fsapp.dialer.callbacks import CallbackBook, CallbackDialer
from fsapp.dialer.campaigns import CampaignStore, ClaimedAttempt
from fsapp.dialer.errors import DialerError
from fsapp.dialer.runner import CampaignRunner, NotificationHook, RunSummary
from fsapp.dialer.scripts import AgentDesk, PromptRenderer, SpeechListener, default_prompt
from fsapp.dialer.surveys import Surveys
from fsapp.errors import FsappError
from fsapp.store.workflow import Clock, system_clock

log = logging.getLogger(__name__)


class OutboundService:
    """Runs the store's running campaigns and due callbacks on one switch (see the module docstring)."""

    def __init__(self, store: Any, switch: Any, desk: AgentDesk, *, clock: Clock = system_clock,
                 prompt_renderer: PromptRenderer = default_prompt, poll: float = 1.0,
                 callback_queue: str | None = None,
                 on_attempt: Callable[[ClaimedAttempt, str, str], None] | None = None,
                 listener: SpeechListener | None = None, outbound: OutboundConfig | None = None,
                 on_notification: NotificationHook | None = None) -> None:
        self.campaigns = CampaignStore.of(store)
        self.on_notification = on_notification   # message and survey calls, for the call history
        self.outbound = outbound or OutboundConfig()
        self.book = CallbackBook(store)
        self.switch = switch
        self.desk = desk
        self.clock = clock
        self.render = prompt_renderer
        self.poll = poll
        self.on_attempt = on_attempt
        self.listener = listener   # hears spoken survey answers (the IVR's runner); None: keys only
        self.callbacks = CallbackDialer(self.book, switch, desk, default_queue=callback_queue,
                                        dial_template=self.outbound.dial_template(),
                                        caller_id=self.outbound.caller_id())
        self.surveys = Surveys(store, self.campaigns, prompt_renderer, listener)
        self.runners: dict[str, CampaignRunner] = {}
        self.summaries: dict[str, AsyncResult] = {}    # campaign name -> RunSummary of its latest run
        self._loop: gevent.Greenlet | None = None

    def start(self) -> OutboundService:
        self._loop = gevent.spawn(self._run)
        return self

    def stop(self) -> None:
        """Stop dialing; calls in flight stay up, and the next start settles their attempts."""
        if self._loop is not None:
            self._loop.kill(block=False)
            self._loop = None
        for runner in list(self.runners.values()):
            runner.stop()
        self.callbacks.stop()

    def wait_idle(self, name: str, timeout: float) -> RunSummary:
        """Wait until the run of campaign ``name`` has ended; returns its summary."""
        return self.summaries.setdefault(name, AsyncResult()).get(timeout=timeout)

    # -- the loop ----------------------------------------------------------------------------------------

    def _run(self) -> None:
        self.switch.wait_connected(None)
        wait_ready = getattr(self.desk, "wait_ready", None)
        if wait_ready is not None:
            wait_ready()
        self.callbacks.resume()
        while True:
            self.pass_once()
            gevent.sleep(self.poll)

    def pass_once(self) -> None:
        """Start runners for campaigns newly running; line up due callbacks."""
        try:
            for info in self.campaigns.list():
                if info.status == "running" and info.name not in self.runners:
                    self._start_runner(info.name)
            self.callbacks.run_once()
        except (FsappError, pw.PeeweeException) as exc:   # e.g. the database briefly locked: next pass
            log.error("outbound: %s", exc)

    def _start_runner(self, name: str) -> None:
        runner = CampaignRunner(self.campaigns, self.switch, name, clock=self.clock, prompt_renderer=self.render,
                                desk=self.desk, status_poll=self.poll, on_attempt=self.on_attempt,
                                listener=self.listener, outbound=self.outbound, on_notification=self.on_notification,
                                on_answers=lambda claimed, answers: self.surveys.dialed_answers(name, claimed, answers))
        self.runners[name] = runner
        result = self.summaries.get(name)
        if result is None or result.ready():
            result = self.summaries[name] = AsyncResult()
        log.info("campaign %s: dialing", name)
        gevent.spawn(self._drive, name, runner, result)

    def _drive(self, name: str, runner: CampaignRunner, result: AsyncResult) -> None:
        try:
            summary = runner.run()
        except (DialerError, pw.PeeweeException) as exc:
            log.error("campaign %s: %s", name, exc)
            summary = runner.summary
            summary.stopped_because = summary.stopped_because or f"error: {exc}"
        finally:
            self.runners.pop(name, None)
        log.info("campaign %s: %d call(s) started, %s", name, summary.started, summary.stopped_because)
        result.set(summary)
