"""Listen, whisper and barge: a supervisor's phone is called and eavesdrops on an agent's leg.

``start`` originates to the supervisor's extension (it parks once answered), runs ``eavesdrop`` on the
agent's leg with DTMF enabled, and sets the requested mode with ``sendevent eavesdrop-command``. The mode
is tracked per session: from the commands sent, and from the digits the supervisor keys on the phone
(DTMF events of the supervisor's leg). When the eavesdrop ends (the agent's call ended) the supervisor's
leg is hung up; when the supervisor hangs up the session ends.

The supervisor's leg is ended with ``uuid_kill``: a leg running ``eavesdrop`` reads only
``eavesdrop-command`` events from its queue, so a ``sendmsg hangup`` would wait until the agent's call ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gevent

from fsapp.acd.service import AcdService
from fsapp.acd.states import AgentState
from fsapp.esl.connection import Execution
from fsapp.esl.errors import ESLError
from fsapp.esl.events import Event
from fsapp.switch import Call, Channel, OriginateFailed, Switch
from fsapp.switch.call import new_uuid
from fsapp.switch.dialstring import caller_name, extension_endpoint
from fsapp.supervise.errors import NoCallToSupervise, SupervisorUnreachable, UnknownSession
from fsapp.supervise.modes import ModeTracker, digit_for

log = logging.getLogger(__name__)

HANGUP = "CHANNEL_HANGUP_COMPLETE"


def dial_string(extension: str) -> str:
    """``2001`` -> ``user/2001``; one endpoint given in full (``sofia/...``, ``user/...``) is used as given.
    Anything else (free text, several destinations) raises UnsafeValue."""
    return extension_endpoint(extension)


@dataclass
class EavesdropSession:
    """One supervisor listening to one agent; ``id`` is the supervisor's leg UUID."""

    id: str
    agent_id: str
    call_uuid: str
    agent_leg: str
    extension: str
    actor: str
    started_at: float
    tracker: ModeTracker = field(default_factory=ModeTracker)
    call: Call | None = None
    execution: Execution | None = None
    ended_at: float | None = None

    @property
    def mode(self) -> str:
        return self.tracker.mode

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "agent": self.agent_id, "call_uuid": self.call_uuid, "agent_leg": self.agent_leg,
                "extension": self.extension, "actor": self.actor, "mode": self.mode,
                "started_at": self.started_at, "ended_at": self.ended_at,
                "history": [{"at": at, "mode": mode, "by": by} for at, mode, by in self.tracker.history]}


class Supervision:
    """Eavesdrop sessions on one switch; ``listeners`` are called (no arguments) after every change."""

    def __init__(self, switch: Switch, acd: AcdService, clock: Callable[[], float], *,
                 answer_timeout: float = 30.0) -> None:
        self.switch = switch
        self.acd = acd
        self.clock = clock
        self.answer_timeout = answer_timeout
        self.sessions: dict[str, EavesdropSession] = {}
        self.listeners: list[Callable[[], None]] = []
        switch.listen(self._on_event)

    def agent_leg(self, agent_id: str) -> tuple[str, str]:
        """The agent's call and the agent's own leg; raises NoCallToSupervise (UnknownAgent if no agent)."""
        agent = self.acd.router.agent(agent_id)
        queued = self.acd.calls.get(agent.call_uuid or "")
        if agent.state is not AgentState.ON_CALL or queued is None or queued.agent_leg is None:
            raise NoCallToSupervise(f"agent {agent_id} has no call in progress ({agent.state.value})")
        return queued.uuid, queued.agent_leg

    def start(self, agent_id: str, extension: str, mode: str = "listen", actor: str = "") -> EavesdropSession:
        """Ring ``extension`` and, once answered, eavesdrop on the agent's leg in ``mode``."""
        digit_for(mode)
        dial = dial_string(extension)
        call_uuid, agent_leg = self.agent_leg(agent_id)
        session = EavesdropSession(new_uuid(), agent_id, call_uuid, agent_leg, extension, actor, self.clock())
        self.sessions[session.id] = session
        variables = {"origination_uuid": session.id, "fsapp_role": "supervisor", "fsapp_eavesdrop_agent": agent_id,
                     "origination_caller_id_name": caller_name(f"eavesdrop-{agent_id}"),
                     "fsapp_node": self.switch.owner_of(agent_leg).name}   # eavesdrop works within one switch
        try:
            session.call = self.switch.originate(dial, variables, timeout=self.answer_timeout, throttled=False)
            session.execution = session.call.eavesdrop(agent_leg)
        except OriginateFailed as exc:
            self.sessions.pop(session.id, None)
            raise SupervisorUnreachable(f"extension {extension} did not answer: {exc.cause}") from exc
        except ESLError:
            self.sessions.pop(session.id, None)
            raise
        log.info("call %s: %s eavesdrops on agent %s (leg %s) from %s", call_uuid, actor or "supervisor",
                 agent_id, agent_leg, extension)
        if mode != "listen":
            self.set_mode(session.id, mode)
        gevent.spawn(self._watch, session)
        self._changed()
        return session

    def session(self, session_id: str) -> EavesdropSession:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise UnknownSession(f"no eavesdrop session {session_id}") from None

    def set_mode(self, session_id: str, mode: str) -> EavesdropSession:
        """Switch to listen, caller, whisper or barge with ``sendevent eavesdrop-command``."""
        session = self.session(session_id)
        digit = digit_for(mode)
        assert session.call is not None
        session.call.eavesdrop_command(digit)
        session.tracker.commanded(mode, self.clock())
        log.info("call %s: eavesdrop %s now %s", session.call_uuid, session.id, mode)
        self._changed()
        return session

    def stop(self, session_id: str) -> EavesdropSession:
        """Hang up the supervisor's leg (which ends the eavesdrop)."""
        session = self.session(session_id)
        self._hang_up_supervisor(session)
        self._end(session)
        return session

    # -- switch events ----------------------------------------------------------------------------------

    def _on_event(self, event: Event, channel: Channel | None) -> None:
        if channel is None:
            return
        if event.name == HANGUP:
            for watched in list(self.sessions.values()):
                if channel.uuid in (watched.agent_leg, watched.call_uuid):
                    gevent.spawn(self._release, watched)   # the conversation is over
        session = self.sessions.get(channel.uuid)
        if session is None:
            return
        if event.name == "DTMF" and session.tracker.keyed(event.get("DTMF-Digit", ""), self.clock()):
            self._changed()
        elif event.name == HANGUP:
            self._end(session)

    def _release(self, session: EavesdropSession) -> None:
        self._hang_up_supervisor(session)
        self._end(session)

    def _watch(self, session: EavesdropSession) -> None:
        """When the eavesdrop ends on its own (the agent's call is over), release the supervisor."""
        assert session.execution is not None and session.call is not None
        try:
            session.execution.wait(None)
        except ESLError as exc:
            log.info("call %s: eavesdrop %s ended: %s", session.call_uuid, session.id, exc)
        self._hang_up_supervisor(session)
        self._end(session)

    def _hang_up_supervisor(self, session: EavesdropSession) -> None:
        """``uuid_kill`` the supervisor's leg (a leg in ``eavesdrop`` never reads a ``sendmsg hangup``)."""
        if session.call is None or session.call.gone:
            return
        try:
            session.call.kill()
        except ESLError as exc:   # usually: it has just hung up by itself
            log.info("call %s: supervisor leg %s not hung up: %s", session.call_uuid, session.id, exc)

    def _end(self, session: EavesdropSession) -> None:
        if self.sessions.pop(session.id, None) is None:
            return
        session.ended_at = self.clock()
        log.info("call %s: eavesdrop %s by %s ended", session.call_uuid, session.id, session.actor)
        self._changed()

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
