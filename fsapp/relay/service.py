"""The relay service's shell: a call to a direct number on the switch, following :mod:`fsapp.relay.menu`.

Public API::

    relay = RelayService(acd, store, callbacks, render_prompt, language="nb", now=controller.now,
                         caller_info=controller.caller_info)
    switch.route("direct", relay.serve)       # the dialplan parks direct numbers with fsapp_entry=direct
    result = relay.result_for(call_uuid, timeout=30)    # what happened (tests, monitoring)

While the person's phone rings (and while they talk) they are on a ``direct call`` break in the ACD, so no
queue call is offered to them at the same time; they are made available again afterwards.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from fsapp.acd.config import AgentConfig
from fsapp.acd.decisions import CallerInfo
from fsapp.acd.dialing import ORIGINATE_MARGIN
from fsapp.acd.engaged import DIRECT_CALL
from fsapp.acd.outcome import QueueOutcome
from fsapp.acd.prompts import PromptRenderer
from fsapp.acd.service import AcdService
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError
from fsapp.relay.errors import UnknownDirectNumber
from fsapp.relay.menu import (Choice, Presence, agent_for_number, availability_text, choice_for,
                              relay_queue, should_ring, text)
from fsapp.results import ResultBook
from fsapp.store.away import Away
from fsapp.switch import Call, ChannelGone
from fsapp.switch.dialstring import caller_number
from fsapp.texts import Texts, shipped_texts

log = logging.getLogger(__name__)

RINGBACK = "tone_stream://%(2000,4000,440,480);loops=-1"
LONGEST_CALL = 6 * 3600.0
MENU_ROUNDS = 3

ANSWERED, QUEUED, CALLBACK, NO_CHOICE, UNKNOWN = "answered", "relayed", "callback", "no-choice", "unknown-number"


class RelayStore(Protocol):
    """What the relay service needs from the store."""

    def away_note(self, agent: str, at: datetime | None = None) -> Away | None: ...

    def record_call(self, call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int: ...

    def record_interaction(self, channel: str, direction: str, **values: Any) -> int: ...


class CallbackRequests(Protocol):
    """Where callback requests go (:class:`fsapp.dialer.callbacks.CallbackBook`)."""

    def request(self, number: str, *, source: str = ..., owner: str | None = ..., queue: str | None = ...,
                **values: Any) -> int: ...


@dataclass
class RelayResult:
    """What one direct call did: ``outcome``, whether the person's phone ``rang``, and, for the record, every
    choice keyed and text spoken."""

    agent_id: str | None
    outcome: str = NO_CHOICE
    rang: bool = False
    choices: list[str] = field(default_factory=list)
    said: list[str] = field(default_factory=list)
    queue_outcome: QueueOutcome | None = None
    talk_seconds: float = 0.0
    callback_id: int | None = None


class RelayService:
    """Serves calls parked for a direct number (see the module docstring)."""

    def __init__(self, acd: AcdService, store: RelayStore, callbacks: CallbackRequests,
                 render_prompt: PromptRenderer, *, language: str, now: Callable[[], datetime],
                 caller_info: Callable[[Call], CallerInfo] | None = None, ring_seconds: float = 20.0,
                 ringback: str = RINGBACK, texts: Texts | None = None,
                 record_call: Callable[..., int] | None = None) -> None:
        self.acd = acd
        self.store = store
        self.record_call = record_call or store.record_call   # e.g. a CallLog, which adds how the call ended
        self.callbacks = callbacks
        self.render_prompt = render_prompt
        self.language = language
        self.texts = texts or shipped_texts()
        self.now = now
        self.caller_info = caller_info or (lambda call: CallerInfo(number=call.caller_number or None))
        self.ring_seconds = ring_seconds
        self.ringback = ringback
        self._results: ResultBook[RelayResult] = ResultBook()

    def serve(self, call: Call) -> RelayResult:
        """Ring the person, else offer the menu; the call is recorded in the store either way."""
        started = self.now()
        number = call.channel.destination or ""
        try:
            agent = agent_for_number(self.acd.router.config, number)
        except UnknownDirectNumber:
            log.warning("call %s: %s is nobody's direct number; hanging up", call.uuid, number)
            result = RelayResult(None, UNKNOWN)
            call.hangup("UNALLOCATED_NUMBER")
            self._results.set(call.uuid, result)
            return result
        result = RelayResult(agent.id)
        try:
            self._serve(call, agent, result)
        except ChannelGone:
            log.info("call %s: the caller hung up (direct call to %s)", call.uuid, agent.id)
        finally:
            self._record(call, started, result)
            self._results.set(call.uuid, result)
        return result

    def result_for(self, call_uuid: str, timeout: float) -> RelayResult:
        """Wait until the direct call ``call_uuid`` has been served and recorded."""
        return self._results.wait(call_uuid, timeout)

    def _serve(self, call: Call, agent: AgentConfig, result: RelayResult) -> None:
        if not call.channel.answered:
            call.answer()
        if should_ring(self.presence(agent.id), self.now()) and self._ring(call, agent, result):
            return
        self._menu(call, agent, result)

    def presence(self, agent_id: str) -> Presence:
        """The person's ACD state and away note now."""
        status = self.acd.router.agent(agent_id).status
        away = self.store.away_note(agent_id, self.now())
        return Presence(status.state.value, status.reason, away.note if away else None,
                        away.until if away else None, away is not None)

    # -- ringing the person -------------------------------------------------------------------------

    def _ring(self, call: Call, agent: AgentConfig, result: RelayResult) -> bool:
        """Ring the person's phone; True when they answered (and the conversation is over)."""
        if not self.acd.engage(agent.id, DIRECT_CALL):
            log.info("call %s: %s is no longer free for a direct call", call.uuid, agent.id)
            return False
        try:
            return self._ring_held(call, agent, result)
        finally:
            self.acd.release(agent.id)

    def _ring_held(self, call: Call, agent: AgentConfig, result: RelayResult) -> bool:
        variables = {"fsapp_role": "direct", "fsapp_agent": agent.id, "fsapp_direct_call": call.uuid,
                     "origination_caller_id_number": caller_number(call.caller_number),
                     "originate_timeout": str(round(self.ring_seconds))}
        log.info("call %s: ringing %s at %s", call.uuid, agent.id, agent.contact)
        result.rang = True
        call.broadcast(self.ringback)
        try:
            leg = self.acd.switch.originate(agent.contact, variables, timeout=self.ring_seconds + ORIGINATE_MARGIN,
                                            throttled=False)
        except ESLError as exc:   # OriginateFailed: no answer, busy, rejected, unreachable
            log.info("call %s: %s did not answer (%s)", call.uuid, agent.id, exc)
            call.break_playback()
            return False
        try:
            call.break_playback()
            call.bridge(leg)
        except ESLError:
            log.info("call %s: caller gone before %s answered; hanging up the phone", call.uuid, agent.id)
            leg.kill()
            raise
        answered = self.now()
        result.outcome = ANSWERED
        self._wait_conversation(call, leg)
        result.talk_seconds = (self.now() - answered).total_seconds()
        return True

    def _wait_conversation(self, call: Call, leg: Call) -> None:
        try:
            call.wait_for("bridged", 10.0)
            call.wait_for("unbridged", LONGEST_CALL)
        except ESLError as exc:
            log.warning("call %s: direct call ended abnormally: %s", call.uuid, exc)
        for party in (leg, call):
            if not party.gone:
                try:
                    party.kill()
                except ESLError as exc:
                    log.info("call %s: hangup of %s failed: %s", call.uuid, party.uuid, exc)

    # -- the menu -----------------------------------------------------------------------------------

    def _menu(self, call: Call, agent: AgentConfig, result: RelayResult) -> None:
        name = agent.name or agent.id
        for _ in range(MENU_ROUNDS):
            choice = self._ask(call, text("menu", self.language, self.texts, name=name), result)
            if choice is Choice.COLLEAGUE:
                self._to_colleague(call, agent, result)
                return
            if choice is Choice.CALLBACK:
                self._callback(call, agent, result)
                return
            if choice is None:
                break
            said = availability_text(name, self.presence(agent.id), self.now(), self.language, self.texts)
            self._say(call, said, result)
        self._say(call, text("goodbye", self.language, self.texts), result)
        call.hangup()

    def _ask(self, call: Call, question: str, result: RelayResult) -> Choice | None:
        result.said.append(question)
        prompt = self.render_prompt(question, self.language)
        digits = call.play_and_get_digits(1, 1, 2, 6000, "#", prompt, "silence_stream://250", "relay_choice",
                                          "[123]", 3000)
        choice = choice_for(digits)
        log.info("call %s: relay menu choice %s", call.uuid, choice.value if choice else "none")
        if choice is not None:
            result.choices.append(choice.value)
        return choice

    def _say(self, call: Call, words: str, result: RelayResult) -> None:
        result.said.append(words)
        call.playback(self.render_prompt(words, self.language))

    def _to_colleague(self, call: Call, agent: AgentConfig, result: RelayResult) -> None:
        queue = relay_queue(agent)
        if queue is None:
            self._say(call, text("no_colleague", self.language, self.texts), result)
            call.hangup()
            return
        log.info("call %s: %s's caller goes to queue %s", call.uuid, agent.id, queue)
        result.outcome = QUEUED
        result.queue_outcome = self.acd.enqueue(call, queue, caller=self.caller_info(call))

    def _callback(self, call: Call, agent: AgentConfig, result: RelayResult) -> None:
        try:
            result.callback_id = self.callbacks.request(call.caller_number, source="ivr", owner=agent.id,
                                                        queue=relay_queue(agent))
        except FsappError as exc:   # e.g. a withheld number
            log.warning("call %s: no callback request for %s: %s", call.uuid, call.caller_number, exc)
            self._say(call, text("goodbye", self.language, self.texts), result)
            call.hangup()
            return
        result.outcome = CALLBACK
        log.info("call %s: callback request %s for %s", call.uuid, result.callback_id, agent.id)
        self._say(call, text("callback", self.language, self.texts, name=agent.name or agent.id), result)
        call.hangup()

    # -- the record ---------------------------------------------------------------------------------

    def _record(self, call: Call, started: datetime, result: RelayResult) -> None:
        queued = result.queue_outcome
        self.record_call(
            call.uuid, "in", started.astimezone(timezone.utc), caller_number=call.caller_number,
            called_number=call.channel.destination or "", queue=queued.queue if queued else None,
            agent=(queued.agent_id if queued else None) or (result.agent_id if result.outcome == ANSWERED else None),
            wait_seconds=queued.waited if queued else 0.0,
            talk_seconds=(queued.talk_time or 0.0) if queued else result.talk_seconds,
            outcome=queued.kind if queued else result.outcome)
        detail = {"direct_to": result.agent_id, "outcome": result.outcome, "rang": result.rang,
                  "choices": result.choices}
        self.store.record_interaction("phone", "in", call_uuid=call.uuid, address=call.caller_number,
                                      agent=result.agent_id, subject="direct call",
                                      body=json.dumps(detail, ensure_ascii=False))
