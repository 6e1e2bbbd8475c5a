"""The controller process: its switch (or pool of switches), the IVR flows, the ACD and the case store.

Calls parked with ``fsapp_entry=<entry>`` run the flow that ``ivr.entries`` names for that entry. A flow
that queues the call hands it to the ACD; voicemail, callback requests and every call's path end up in
the case store. After a reconnect or a restart, calls the ACD still holds go back to their queue, and
calls that were in the menu start their flow again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import gevent

from fsapp.acd.calls import QueuedCall
from fsapp.acd.config import AcdConfig
from fsapp.acd.decisions import CallerInfo
from fsapp.acd.dialing import LEFT_QUEUE, WAITING_VARIABLE
from fsapp.acd.loader import load_acd_config
from fsapp.acd.outcome import ANSWERED, QueueOutcome
from fsapp.acd.service import AcdService, ClockWait
from fsapp.calllog import CallLog, queue_columns
from fsapp.channels.service import ChannelService
from fsapp.config import Config
from fsapp.dialer.callbacks import CallbackBook
from fsapp.dialer.desk import AcdDesk
from fsapp.dialer.erasure import attach_erasure
from fsapp.dialer.outbound import OutboundService
from fsapp.dialer.runner import Notification
from fsapp.dialer.scripts import default_prompt
from fsapp.dialer.surveys import attach_case_surveys, unknown_surveys
from fsapp.doctor.on_connect import log_switch_checks
from fsapp.errors import FsappError, SourceError
from fsapp.fax.inbox import FaxInbox
from fsapp.features import FeatureCodes
from fsapp.health import HEARTBEAT_FILE, Heartbeat
from fsapp.ha.acd_state import acd_snapshot, restore_router
from fsapp.esl.errors import ChannelGone, ESLError, TransportError
from fsapp.ivr.actions import Callback, Queue, Recorded, Voicemail
from fsapp.ivr.callpath import CallPath
from fsapp.ivr.errors import FlowError
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.schema import Flow, QueueNode
from fsapp.ivr.runner import LANGUAGE_VARIABLE, Handlers, IvrRunner
from fsapp.offhub import freeze_heap, thaw_heap
from fsapp.register import RegisterError, sync_register
from fsapp.speech.asr import Recognizers
from fsapp.speech.tts import TtsCache
from fsapp.queue_endings import QueueEndings
from fsapp.relay.service import RelayService
from fsapp.results import ResultBook
from fsapp.render.model import DIRECT_ENTRY, FAX_ENTRY, FEATURE_ENTRY
from fsapp.store import open_store
from fsapp.store.records import CallerInfo as StoredCaller
from fsapp.store.records import CitizenRecord
from fsapp.switch.call import Call
from fsapp.switch.door import at_the_door
from fsapp.switch.overload import OVERLOAD_CAUSE, REFUSED, Admission, OverloadGuard
from fsapp.switch.pool import SwitchPool, build_switch
from fsapp.switch.service import Switch
from fsapp.texts import load_texts
from fsapp.yamlsource import load_yaml

if TYPE_CHECKING:
    from fsapp.api.server import ApiServer

log = logging.getLogger(__name__)


def queues_missing_from_acd(flows: Iterable[Flow], acd_config: AcdConfig) -> list[SourceError]:
    """Queue nodes naming a queue or skill the ACD configuration does not have, located in their file."""
    problems: list[SourceError] = []
    for flow in flows:
        source = None
        for node in flow.nodes.values():
            if not isinstance(node, QueueNode):
                continue
            unknown = [f"queue {node.queue!r}"] if node.queue not in acd_config.queues else []
            unknown += [f"skill {skill!r}" for skill in node.skills if skill not in acd_config.skills]
            if unknown:
                source = source or flow.source or load_yaml(flow.path)
                problems.append(source.error(node.where, f"{', '.join(unknown)} not in {acd_config.path}"))
    return problems


@dataclass
class CallSummary:
    """What a finished call did, as kept in the store and shown by ``fsapp calls``."""

    call_uuid: str
    caller: str
    path: CallPath
    queue_outcome: str | None = None


def _card(number: str, found: StoredCaller | None) -> CallerInfo:
    """The caller as the agent's screen shows them: their number, name and open cases (the number alone when
    the store could not say)."""
    if found is None:
        return CallerInfo(number=number or None)
    citizen = found.citizen
    return CallerInfo(number=number or None, name=citizen.name if citizen else None,
                      case_ids=tuple(case.reference for case in found.open_cases))


class Controller:
    """Everything one controller runs against its switch, or every node of ``switches:`` (a SwitchPool)."""

    def __init__(self, config: Config, *, switch_host: str | None = None, switch_port: int | None = None,
                 wall_clock: Callable[[], float] | None = None, clock_wait: ClockWait | None = None,
                 switch_checks: bool = True) -> None:
        """``wall_clock`` (epoch seconds) is the one clock of everything the controller runs: the ACD, the menus,
        the store's timestamps, campaigns. ``clock_wait`` makes the ACD's timers wait on that clock too (a
        simulated switch's clock running faster than real time); by default they wait real seconds.
        ``switch_checks``: run ``fsapp doctor``'s switch checks on every (re)connection and log them."""
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self._seconds = wall_clock or time.time
        self._clock_wait = clock_wait
        self.store = open_store(config.database.url, region=config.region, clock=self.utc_now)
        # a reload naming a queue or skill the ACD does not have is refused; the last good flow stays
        self.flows = FlowRegistry(config.ivr.flows_dir, config.ivr.entries,
                                  check=lambda flow: queues_missing_from_acd([flow], self.acd_config))
        self.switch: Switch | SwitchPool = build_switch(config, switch_host, switch_port)
        self.call_log = CallLog(self.store, self.switch, now=self.utc_now)
        self.tts = TtsCache(config.speech.tts_cache)
        self.texts = load_texts(config.speech.texts)
        self.acd = self._build_acd()
        self.acd.on_adopted = self._adopted
        self.ivr = IvrRunner(tts=self.tts, recognizers=Recognizers(config.speech.vosk_models,
                                                                  config.speech.asr_engine),
                             handlers=Handlers(on_queue=self._queue, on_voicemail=self._voicemail,
                                               on_callback=self._callback, on_finished=self._finished),
                             hooks=HookLoader(config.ivr.flows_dir), clock=self.now,
                             recordings_dir=config.paths.recordings, store=self.store, region=config.region)
        self.endings = QueueEndings(self.ivr.perform, self.ivr.audio_path, self.texts, enqueue=self._rescue_enqueue,
                                    known_queue=lambda name: name in self.acd_config.queues)
        self.finished: list[CallSummary] = []
        self.desk_cases: dict[str, str] = {}   # call uuid -> the case the desk opened from it (linked at the end)
        self._flow_watch: gevent.Greenlet | None = None
        self.api_server: ApiServer | None = None
        self.heartbeat: Heartbeat | None = None
        self._summaries: ResultBook[CallSummary] = ResultBook()
        self._queue_outcomes: dict[str, QueueOutcome] = {}
        self._refusing_share = 1.0   # the overload guard's share of callers let in, as last logged
        self._paced = False          # ... and whether it was pacing them
        for entry in config.ivr.entries:
            self.switch.route(entry, self.serve_call)
        self.features = FeatureCodes(self.acd_config, {
            "login": self.acd.agent_login, "logout": self.acd.agent_logout,
            "break": lambda agent: self.acd.agent_break(agent, "phone"), "resume": self.acd.agent_ready,
        }, config.freeswitch.feature_codes, self._render_prompt, config.ivr.default_language)
        self.switch.route(FEATURE_ENTRY, self.features.serve)
        if switch_checks:
            self.switch.on_connect(lambda connection: log_switch_checks(connection, config))
        self.relay = RelayService(self.acd, self.store, CallbackBook(self.store), self._render_prompt,
                                  language=config.ivr.default_language, now=self.now, caller_info=self._caller_info,
                                  texts=self.texts, record_call=self.call_log.record_call)
        self.switch.route(DIRECT_ENTRY, self.relay.serve)   # staff's direct numbers
        self.desk = AcdDesk(self.acd, lookup=self._lookup_number, on_finished=self._outbound_finished)
        self.outbound = OutboundService(self.store, self.switch, self.desk, clock=self.now,
                                        prompt_renderer=self._outbound_prompt, listener=self.ivr,
                                        callback_queue=next(iter(self.acd_config.queues), None),
                                        outbound=config.outbound, on_notification=self._notification_call)
        attach_case_surveys(self.store, self.outbound.campaigns, config.surveys.after_case_closed)
        self.channels = ChannelService(config, self.store, lambda: self.acd.router, self._seconds, self.now,
                                       self.flows, agent_name=self._agent_shown_name)
        self.fax = FaxInbox(config, self.store, self.utc_now, self.channels.rules)
        if config.fax.enabled:
            self.switch.route(FAX_ENTRY, self.fax.serve)   # the published fax number
        attach_erasure(self.store)

    def _build_acd(self) -> AcdService:
        acd_config = self.acd_config = load_acd_config(self.config.acd.file)
        snapshot = acd_snapshot(self.config, self.store.db)   # PostgreSQL: shared with a standby controller
        router = restore_router(acd_config, self._seconds, snapshot)
        service = AcdService(self.switch, router, self._seconds,
                             recordings_dir=self.config.paths.recordings, prompt_renderer=self._render_prompt,
                             language=self.config.ivr.default_language, on_recording=self._recording,
                             region=self.config.region, texts=self.texts,
                             callback_dial=self.config.outbound.dial_template(),
                             callback_caller_id=self.config.outbound.caller_id(),
                             screen_pop_url=self.config.desk.screen_pop_url or None)
        service.snapshot = snapshot
        if self._clock_wait is not None:
            service.wait_on_clock = self._clock_wait
        return service

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._seconds(), self.zone)

    def _started(self, call: Call) -> datetime:
        """When the call began (its channel's creation on the switch; now when the switch did not say)."""
        return datetime.fromtimestamp(call.channel.created_at or self._seconds(), timezone.utc)

    def utc_now(self) -> datetime:
        """The controller's clock as an aware UTC datetime (the store's clock)."""
        return datetime.fromtimestamp(self._seconds(), timezone.utc)

    def _agent_shown_name(self, agent_id: str) -> str:
        """How a citizen sees an operator in a chat: the first name only."""
        agent = self.acd_config.agents.get(agent_id)
        words = (agent.name if agent else "").split()
        return words[0] if words else "An operator"

    def _render_prompt(self, text: str, language: str) -> str:
        return str(self.tts.render(text, language))

    def _outbound_prompt(self, text: str, language: str) -> str:
        """Campaign messages: sound files and ``scheme://`` sources as they are, other text through the TTS cache."""
        source = default_prompt(text, language)
        return self._render_prompt(text, language) if source.startswith("say:") else source

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Controller:
        errors = self.flows.reload()
        for error in errors:
            log.error("%s", error.located())
        if not self.flows.flows:
            raise FsappError(f"no valid flow in {self.config.ivr.flows_dir}")
        problems = [error for error in errors if not isinstance(error, FlowError)]   # the check's: unknown queues
        if problems:
            raise FsappError("\n".join(problem.located() for problem in problems))
        for problem in unknown_surveys(self.flows.flows.values(), self.outbound.campaigns):
            log.warning("%s (create it before callers opt in)", problem.located())
        self._flow_watch = self.flows.watch()  # edited menus are picked up without a restart
        self.acd.start()
        self.switch.start()
        self.outbound.start()   # campaigns marked running (fsapp campaign start) and due callbacks
        self.channels.start()   # the mail listener, notices, chats (their web side is on the API's port)
        self.heartbeat = Heartbeat(Path(self.config.paths.state) / HEARTBEAT_FILE, self._health, time.time).start()
        self._load_register()
        if (self.config.api.tokens or self.channels.serves_http or self.store.desk_users()
                or any(key.active for key in self.store.open311_keys())):
            self.start_api()
        freeze_heap()   # start-up objects out of the garbage collector's full walks (they stop the hub)
        return self

    def _load_register(self) -> None:
        """Departments, categories and the Q&A guide from ``register.file`` into the store (errors logged)."""
        try:
            sync_register(self.store, self.config.register.file)
        except RegisterError as exc:
            log.error("%s (the store keeps its categories)", exc.located())

    def start_api(self, port: int | None = None) -> ApiServer:
        """Serve the control API on ``api.listen:api.port`` (``port=0``: a free port, for tests)."""
        from fsapp.api.server import ApiServer

        if self.api_server is None:
            self.api_server = ApiServer(self, self.config.api.listen,
                                        self.config.api.port if port is None else port).start()
        return self.api_server

    def stop(self) -> None:
        if self._flow_watch is not None:
            self._flow_watch.kill(block=False)
        if self.api_server is not None:
            self.api_server.stop()
            self.api_server = None
        self.channels.stop()
        self.outbound.stop()
        if self.heartbeat is not None:
            self.heartbeat.stop()
        self.acd.stop()
        self.call_log.flush()
        self.switch.stop()
        thaw_heap()

    def _health(self) -> dict[str, object]:
        """What the heartbeat file says about this controller (see :mod:`fsapp.health`)."""
        nodes = self.switch.nodes if isinstance(self.switch, SwitchPool) else [self.switch]
        guards = [node.overload for node in nodes]
        return {"role": "active", "switch_connected": self.switch.reconciled.is_set(),
                "acd_reconciled": self.acd.reconciled.is_set(), "waiting_calls": len(self.acd.router.members),
                "callers_let_in": round(min(guard.share for guard in guards), 3),   # the overload guard's share
                "callers_at_the_door": sum(guard.waiting for guard in guards),
                "callers_refused": sum(guard.refused for guard in guards)}

    def abandon(self) -> None:
        """Stop without writing the ACD state: another controller has taken over and owns it now."""
        self.acd.snapshot = None
        self.stop()

    # -- calls -----------------------------------------------------------------------------------------

    def serve_call(self, call: Call) -> None:
        """Run the call's flow; a call the ACD still holds goes straight back to its queue."""
        if call.resumed:
            call.break_playback()
            member = self.acd.router.members.get(call.uuid)
            queue = member.queue if member is not None else self._queue_marked_on(call)
            if queue is not None:
                self._resume_in_queue(call, queue)
                return
        if not call.resumed and not call.channel.answered and not self._admitted(call):
            return
        flow: Flow | None = None
        try:
            flow = self.flows.flow_for_entry(call.channel.entry or "")
            if not call.channel.answered:
                call.answer()
            path = self.ivr.run(call, flow)
        except TransportError:
            raise   # the link dropped: the call is resumed after the reconnect
        except Exception:  # one call's fault: the caller is told and let on, never left parked
            log.exception("call %s: its flow failed", call.uuid)
            self._rescue(call, flow, call.variables.get(LANGUAGE_VARIABLE) or "")
            return
        if path.stopped and not call.gone:
            log.warning("call %s: its flow stopped at %s: %s", call.uuid, path.nodes[-1:], path.stopped)
            self._rescue(call, flow, path.language)

    def _admitted(self, call: Call) -> bool:
        """Whether a new caller is let in. While the switch cannot keep up with the calls it has (the overload
        guard), new callers are let in at a pace and the others kept ringing, unanswered, for up to
        ``switch.overload_wait`` seconds; a caller still waiting then is turned away before the answer (SIP 503,
        the network's congestion tone) and recorded as ``refused``, one who hangs up meanwhile as
        ``abandoned``, so that the calls already in go on."""
        guard = call.switch.overload   # the node the call is on
        ticket = guard.arrive()
        self._tell_pace(call, guard)
        admission = at_the_door(call, guard, ticket)
        if admission is Admission.IN:
            return True
        path = CallPath(flow=call.channel.entry or "", call_uuid=call.uuid)
        if admission is Admission.LEFT:
            log.info("call %s: hung up waiting at the door", call.uuid)
            path.finish("abandoned", "waiting at the door")
            self._finished(call, path)
            return False
        log.info("call %s: refused, the switch is overloaded: letting in %.0f %% of new callers, %d waiting",
                 call.uuid, guard.share * 100, guard.waiting)
        path.finish(REFUSED, "overload")
        call.channel.hangup_sent = True   # recorded once, with the hangup
        self._finished(call, path)
        try:
            call.hangup(OVERLOAD_CAUSE)
        except ESLError as exc:
            log.warning("call %s: the refused call was not hung up: %s", call.uuid, exc)
        return False

    def _tell_pace(self, call: Call, guard: OverloadGuard) -> None:
        """Log when the guard lets fewer callers in, and when it lets every caller in at once again."""
        share, paced = guard.share, guard.pace is not None
        if self._paced and not paced:
            log.warning("call %s: every caller let in at once again: the switch keeps up (%d callers refused since "
                        "the start)", call.uuid, guard.refused)
        elif paced and (not self._paced or share < self._refusing_share):
            log.warning("call %s: the switch is overloaded (its commands take %.2f s, over %s s): letting in "
                        "%.0f %% of new callers, the others ring for up to %s s", call.uuid, guard.last_median,
                        guard.limit, share * 100, guard.wait)
        self._paced, self._refusing_share = paced, share

    def _queue_marked_on(self, call: Call) -> str | None:
        """The queue a resumed caller was waiting in when the saved ACD state did not hold them yet (a restart
        within the snapshot interval of their joining): the channel carries it; they go back in line last."""
        queue = call.variables.get(WAITING_VARIABLE) or ""
        if queue == LEFT_QUEUE or queue not in self.acd_config.queues or call.channel.bridged_to:
            return None
        log.warning("call %s: resumed in queue %s from its channel (not in the saved state): back in line",
                    call.uuid, queue)
        return queue

    def _rescue(self, call: Call, flow: Flow | None, language: str) -> None:
        language = language or (flow.default_language if flow else self.config.ivr.default_language)
        self.endings.rescue(call, language, flow.operator_queue if flow else None)

    def _rescue_enqueue(self, call: Call, queue: str) -> None:
        outcome = self.acd.enqueue(call, queue, caller=self._caller_info(call))
        self._queue_outcomes.setdefault(call.uuid, outcome)

    def _resume_in_queue(self, call: Call, queue: str) -> None:
        """A caller restored to their place after a restart: back in line, and recorded when the call ends."""
        self._queue_outcomes[call.uuid] = self.acd.enqueue(call, queue)
        self._finished(call, self._resumed_path(call, queue))

    def _adopted(self, queued: QueuedCall) -> None:
        """A caller found talking to an agent after a restart: record the call when the conversation ends."""
        def follow() -> None:
            outcome = queued.outcome.get()
            if queued.adopted:   # else a resumed flow took the call up and records it
                self._queue_outcomes[queued.uuid] = outcome
                self._finished(queued.call, self._resumed_path(queued.call, outcome.queue))
        gevent.spawn(follow)

    def _resumed_path(self, call: Call, queue: str) -> CallPath:
        """The path of a call taken over after a restart: its way through the menu went with the old process."""
        try:
            flow = self.flows.flow_for_entry(call.channel.entry or "").name
        except FsappError:
            flow = call.channel.entry or ""
        path = CallPath(flow=flow, call_uuid=call.uuid)
        path.finish("queue", queue)
        path.errors.append("resumed after a restart: the way through the menu before it is not known")
        return path

    def _caller_info(self, call: Call) -> CallerInfo:
        return _card(call.caller_number, self._look_up(call))

    def _look_up(self, call: Call) -> StoredCaller | None:
        """What the store knows of the caller (None when it could not say: the call goes on without)."""
        try:
            return self.store.lookup_caller(call.caller_number)
        except FsappError as exc:
            log.warning("call %s: caller lookup failed: %s", call.uuid, exc)
            return None

    def _lookup_number(self, number: str) -> CallerInfo:
        """The citizen with this number and their open cases, for the agent's screen."""
        return _card(number, self.store.lookup_caller(number))

    def _outbound_finished(self, call: Call, outcome: QueueOutcome, caller: dict[str, object]) -> None:
        """An outbound call an agent took (campaign or callback) has ended: keep it with the calls."""
        started = self._started(call)
        number = str(caller.get("number") or "")
        self.call_log.record_call(call.uuid, "out", started, called_number=number, outcome=outcome.kind,
                                  **queue_columns(outcome))
        self.store.record_interaction("phone", "out", call_uuid=call.uuid, address=number,
                                      agent=outcome.agent_id,
                                      body=json.dumps({"origin": caller.get("origin"), "queue": outcome.queue,
                                                       "trace": list(outcome.trace)}, ensure_ascii=False,
                                                      default=str))

    def _notification_call(self, done: Notification) -> None:
        """A message or survey campaign call ended: a call row and a contact like every other call, so the
        citizen's history and the reports include it."""
        number = done.claimed.number
        self.call_log.record_call(done.claimed.call_uuid, "out", done.started_at, called_number=number,
                                  outcome=done.outcome[:30], hangup_cause=done.cause)
        self.store.record_interaction("phone", "out", at=done.started_at, call_uuid=done.claimed.call_uuid,
                                      address=number, subject=f"{done.mode} campaign {done.campaign}: {done.outcome}",
                                      body=json.dumps({"campaign": done.campaign, "mode": done.mode,
                                                       "outcome": done.outcome, "answer": done.answer},
                                                      ensure_ascii=False, default=str), ended_at=done.ended_at)

    def _queue(self, call: Call, action: Queue) -> None:
        skills = {skill: 1 for skill in action.skills}
        language_skill = f"lang-{action.language}"
        if language_skill in self.acd_config.skills:
            skills[language_skill] = 1  # callers who chose a language reach operators who speak it
        found = self._look_up(call)   # one look-up for the agent's screen and the consent to recording
        caller = replace(_card(call.caller_number, found), language=action.language)
        self._recording_notice(call, action.name, action.language or self.config.ivr.default_language,
                               found.citizen if found else None)
        outcome = self.acd.enqueue(call, action.name, action.priority, skills, caller=caller,
                                   keep_caller=bool(action.survey),
                                   marks={LANGUAGE_VARIABLE: action.language} if action.language else None)
        self._queue_outcomes[call.uuid] = outcome
        log.info("call %s: left queue %s: %s", call.uuid, outcome.queue, outcome.kind)
        self.endings.after_queue(call, outcome, action.language or self.config.ivr.default_language)
        if action.survey and outcome.kind == ANSWERED and outcome.caller_alive:   # the caller opted in
            case = caller.case_ids[0] if len(caller.case_ids) == 1 else None
            self.outbound.surveys.ask_on_call(call, action.survey, language=action.language, case_reference=case)

    def _recording_notice(self, call: Call, queue: str, language: str, citizen: CitizenRecord | None) -> None:
        """Tell a caller their call will be recorded before an agent answers it (once per call), unless the
        notice is off, the queue or call is not recorded, or the citizen's consent to recording is on file
        (``citizen``: the caller as the store found them, None when it did not)."""
        if not self.config.acd.recording_notice or not self.acd.records(call.uuid, queue):
            return
        if call.variables.get("fsapp_recording_notice") == "played":
            return
        if citizen is not None and citizen.consent_recording:
            return
        try:
            self.endings.say(call, "queue.recording_notice", language)
            call.set_variable("fsapp_recording_notice", "played")
        except (TransportError, ChannelGone):
            raise   # the link dropped (the call is resumed after the reconnect), or the caller hung up
        except (FsappError, ESLError) as exc:   # the queue takes the caller all the same
            if call.gone:
                raise ChannelGone(f"call {call.uuid} ended during the recording notice") from exc
            log.warning("call %s: recording notice not played: %s", call.uuid, exc)

    def _voicemail(self, call: Call, action: Voicemail, recorded: Recorded) -> None:
        self.store.record_interaction("voicemail", "in", call_uuid=call.uuid, address=call.caller_number,
                                      subject=action.subject, recording_path=recorded.path)
        now = self._seconds()
        self.store.save_recording({"call_uuid": call.uuid, "path": recorded.path, "caller_number": call.caller_number,
                                   "started_at": now - recorded.ms / 1000, "ended_at": now,
                                   "duration": recorded.ms / 1000}, kind="voicemail", subject=action.subject)

    def _callback(self, call: Call, action: Callback) -> None:
        self.store.add_callback_request(action.number or call.caller_number, reason="ivr")

    def _recording(self, record: dict) -> None:
        """A recorded segment of a queue call ended: a row in the store, linked to the call, agent and citizen."""
        log.info("call %s: recorded to %s", record.get("call_uuid"), record.get("path"))
        try:
            self.store.save_recording(record)
        except FsappError as exc:   # the file is on disk; `fsapp recordings find` still lists it from there
            log.error("call %s: recording %s not kept in the store: %s", record.get("call_uuid"), record.get("path"),
                      exc)

    def _finished(self, call: Call, path: CallPath) -> None:
        queued = self._queue_outcomes.pop(call.uuid, None)
        started = self._started(call)
        contact = {"channel": "phone", "direction": "in", "address": call.caller_number,
                   "agent": queued.agent_id if queued else None, "ivr_path": path.nodes,
                   "case_reference": self.desk_cases.pop(call.uuid, None),   # opened from the desk during the call
                   "body": json.dumps(path.to_dict(), ensure_ascii=False)}
        summary = CallSummary(call.uuid, call.caller_number, path, queued.kind if queued else None)
        self.call_log.record_call(call.uuid, "in", started, caller_number=call.caller_number,
                                  called_number=call.channel.destination, contact=contact,
                                  outcome=queued.kind if queued else path.outcome, **queue_columns(queued),
                                  hanging_up=call.channel.hangup_sent and not call.gone,
                                  written=lambda: self._recorded(summary))

    def _recorded(self, summary: CallSummary) -> None:
        """The call's row is in the store: the call is finished for :meth:`wait_finished`."""
        self.finished.append(summary)
        del self.finished[:-1000]
        self._summaries.set(summary.call_uuid, summary)

    def wait_finished(self, call_uuid: str, timeout: float) -> CallSummary:
        """Wait until the call has left its flow and been recorded; returns its summary (the latest
        thousand calls' summaries are kept)."""
        try:
            return self._summaries.wait(call_uuid, timeout)
        except gevent.Timeout as exc:
            raise FsappError(f"call {call_uuid} was not finished within {timeout} s") from exc
