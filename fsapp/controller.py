"""The controller process: one switch, the IVR flows, the ACD and the case store, wired together.

Calls parked with ``fsapp_entry=<entry>`` run the flow that ``ivr.entries`` names for that entry. A flow
that queues the call hands it to the ACD; voicemail, callback requests and every call's path end up in
the case store. After a reconnect or a restart, calls the ACD still holds go back to their queue, and
calls that were in the menu start their flow again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import gevent
from gevent.event import AsyncResult

from fsapp.acd.config import AcdConfig
from fsapp.acd.decisions import CallerInfo
from fsapp.acd.loader import load_acd_config
from fsapp.acd.outcome import QueueOutcome
from fsapp.acd.router import Router
from fsapp.acd.service import AcdService
from fsapp.config import Config
from fsapp.errors import FsappError, SourceError
from fsapp.features import FeatureCodes
from fsapp.ivr.actions import Callback, Queue, Recorded, Voicemail
from fsapp.ivr.callpath import CallPath
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.schema import Flow, QueueNode
from fsapp.ivr.runner import Handlers, IvrRunner
from fsapp.speech.asr import Recognizers
from fsapp.speech.tts import TtsCache
from fsapp.render.model import FEATURE_ENTRY
from fsapp.store import open_store
from fsapp.switch.call import Call
from fsapp.switch.service import Switch
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
                source = source or load_yaml(flow.path)
                problems.append(source.error(node.where, f"{', '.join(unknown)} not in {acd_config.path}"))
    return problems


@dataclass
class CallSummary:
    """What a finished call did, as kept in the store and shown by ``fsapp calls``."""

    call_uuid: str
    caller: str
    path: CallPath
    queue_outcome: str | None = None


class Controller:
    """Everything one controller runs against one switch."""

    def __init__(self, config: Config, *, switch_host: str | None = None, switch_port: int | None = None,
                 wall_clock: Callable[[], float] | None = None) -> None:
        import time

        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self._seconds = wall_clock or time.time
        self.store = open_store(config.database.url, region=config.region)
        self.flows = FlowRegistry(config.ivr.flows_dir, config.ivr.entries)
        self.switch = Switch(switch_host or config.switch.host, switch_port or config.switch.port,
                             config.switch.password, connect_timeout=config.switch.connect_timeout,
                             command_timeout=config.switch.command_timeout)
        self.tts = TtsCache(config.speech.tts_cache)
        self.acd = self._build_acd()
        self.ivr = IvrRunner(tts=self.tts, recognizers=Recognizers(config.speech.vosk_models,
                                                                  config.speech.asr_engine),
                             handlers=Handlers(on_queue=self._queue, on_voicemail=self._voicemail,
                                               on_callback=self._callback, on_finished=self._finished),
                             hooks=HookLoader(config.ivr.flows_dir), clock=self.now,
                             recordings_dir=config.paths.recordings, store=self.store)
        self.finished: list[CallSummary] = []
        self._flow_watch: gevent.Greenlet | None = None
        self.api_server: ApiServer | None = None
        self._summaries: dict[str, AsyncResult] = {}
        self._queue_outcomes: dict[str, QueueOutcome] = {}
        for entry in config.ivr.entries:
            self.switch.route(entry, self.serve_call)
        self.features = FeatureCodes(self.acd_config, {
            "login": self.acd.agent_login, "logout": self.acd.agent_logout,
            "break": lambda agent: self.acd.agent_break(agent, "phone"), "resume": self.acd.agent_ready,
        }, config.freeswitch.feature_codes, self._render_prompt, config.ivr.default_language)
        self.switch.route(FEATURE_ENTRY, self.features.serve)

    def _build_acd(self) -> AcdService:
        acd_config = self.acd_config = load_acd_config(self.config.acd.file)
        router = Router(acd_config, self._seconds)
        state = Path(self.config.paths.state) / "acd-state.json"
        return AcdService(self.switch, router, self._seconds, recordings_dir=self.config.paths.recordings,
                          prompt_renderer=self._render_prompt, language=self.config.ivr.default_language,
                          on_recording=self._recording, snapshot_path=state)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._seconds(), self.zone)

    def _render_prompt(self, text: str, language: str) -> str:
        return str(self.tts.render(text, language))

    # -- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> Controller:
        errors = self.flows.reload()
        for error in errors:
            log.error("%s", error.located())
        if not self.flows.flows:
            raise FsappError(f"no valid flow in {self.config.ivr.flows_dir}")
        problems = queues_missing_from_acd(self.flows.flows.values(), self.acd_config)
        if problems:
            raise FsappError("\n".join(problem.located() for problem in problems))
        self._flow_watch = self.flows.watch()  # edited menus are picked up without a restart
        self.acd.start()
        self.switch.start()
        if self.config.api.tokens:
            self.start_api()
        return self

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
        self.acd.stop()
        self.switch.stop()

    # -- calls -----------------------------------------------------------------------------------------

    def serve_call(self, call: Call) -> None:
        """Run the call's flow; a call the ACD still holds goes straight back to its queue."""
        if call.resumed:
            call.break_playback()
            member = self.acd.router.members.get(call.uuid)
            if member is not None:
                self.acd.enqueue(call, member.queue)
                return
        flow = self.flows.flow_for_entry(call.channel.entry or "")
        if not call.channel.answered:
            call.answer()
        self.ivr.run(call, flow)

    def _caller_info(self, call: Call) -> CallerInfo:
        try:
            found = self.store.lookup_caller(call.caller_number)
        except FsappError as exc:
            log.warning("call %s: caller lookup failed: %s", call.uuid, exc)
            return CallerInfo(number=call.caller_number or None)
        citizen = found.citizen
        return CallerInfo(number=call.caller_number or None, name=citizen.name if citizen else None,
                          case_ids=tuple(case.reference for case in found.open_cases))

    def _queue(self, call: Call, action: Queue) -> None:
        skills = {skill: 1 for skill in action.skills}
        language_skill = f"lang-{action.language}"
        if language_skill in self.acd_config.skills:
            skills[language_skill] = 1  # callers who chose a language reach operators who speak it
        outcome = self.acd.enqueue(call, action.name, action.priority, skills, caller=self._caller_info(call))
        self._queue_outcomes[call.uuid] = outcome
        log.info("call %s: left queue %s: %s", call.uuid, outcome.queue, outcome.kind)

    def _voicemail(self, call: Call, action: Voicemail, recorded: Recorded) -> None:
        self.store.record_interaction("voicemail", "in", call_uuid=call.uuid, address=call.caller_number,
                                      subject=action.subject, recording_path=recorded.path)

    def _callback(self, call: Call, action: Callback) -> None:
        self.store.add_callback_request(action.number or call.caller_number, reason="ivr")

    def _recording(self, record: dict) -> None:
        log.info("call %s: recorded to %s", record.get("call_uuid"), record.get("path"))

    def _finished(self, call: Call, path: CallPath) -> None:
        queued = self._queue_outcomes.pop(call.uuid, None)
        started = datetime.fromtimestamp(call.channel.created_at or self._seconds(), timezone.utc)
        self.store.record_call(call.uuid, "in", started, caller_number=call.caller_number,
                               called_number=call.channel.destination,
                               queue=queued.queue if queued else None,
                               agent=queued.agent_id if queued else None,
                               wait_seconds=queued.waited if queued else 0.0,
                               talk_seconds=(queued.talk_time or 0.0) if queued else 0.0,
                               outcome=queued.kind if queued else path.outcome)
        self.store.record_interaction("phone", "in", call_uuid=call.uuid, address=call.caller_number,
                                      agent=queued.agent_id if queued else None, ivr_path=path.nodes,
                                      body=json.dumps(path.to_dict(), ensure_ascii=False))
        summary = CallSummary(call.uuid, call.caller_number, path, queued.kind if queued else None)
        self.finished.append(summary)
        del self.finished[:-1000]
        self._summaries.setdefault(call.uuid, AsyncResult()).set(summary)

    def wait_finished(self, call_uuid: str, timeout: float) -> CallSummary:
        """Wait until the call has left its flow and been recorded; returns its summary."""
        result = self._summaries.setdefault(call_uuid, AsyncResult())
        try:
            return result.get(timeout=timeout)
        except gevent.Timeout as exc:
            raise FsappError(f"call {call_uuid} was not finished within {timeout} s") from exc
        finally:
            if result.ready():
                self._summaries.pop(call_uuid, None)
