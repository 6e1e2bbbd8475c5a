"""Attended transfer and three-way conference of a queue call, as part of :class:`~fsapp.acd.service.AcdService`.

An operator talking to a caller consults someone (an agent, an expert's phone, an outside number): the
caller is parked on hold music and the operator is bridged to the new party. Then the operator either
completes the transfer (caller and new party bridged, the operator's leg hung up and the operator in
wrap-up), cancels it (back to the caller, the new party hung up), or joins all three in a conference.
A completed transfer is followed to the end of the call: the recording goes on, the new party's leg is the
call's agent leg (it may be transferred again), and the outcome, given when the call ends, names the agent
who finished it, with every agent's segment and the whole talk time.
If the consulted party hangs up first, the operator is put back to the caller. A consulted agent is held
away from queue calls (:mod:`fsapp.acd.engaged`) and, if the caller is transferred to them, is on call with
the caller, then in wrap-up. In a conference anyone may leave, the caller too; whoever is left alone is hung up.

On the switch: ``uuid_transfer <caller> park inline`` holds the caller (the operator's leg, with
``park_after_bridge=true``, parks), ``originate`` rings the new party, ``uuid_bridge`` moves legs between
bridges (the leg left behind parks), and ``uuid_transfer ... conference:<name>@default inline`` (``-both``
for the operator and the new party) builds the conference.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fsapp.acd.calls import AgentLeg, QueuedCall
from fsapp.acd.dialing import ORIGINATE_MARGIN, PARK_AFTER_BRIDGE
from fsapp.acd.engaged import CONSULTATION
from fsapp.acd.errors import TransferError, UnknownCall
from fsapp.acd.states import AgentState
from fsapp.esl.events import Event
from fsapp.esl.errors import ESLError
from fsapp.phones import DEFAULT_REGION
from fsapp.switch import Call, Channel
from fsapp.switch.dialstring import dialable_number, endpoint, number_endpoint

if TYPE_CHECKING:
    from fsapp.acd.service import AcdService

log = logging.getLogger(__name__)

CONFERENCE_PREFIX = "fsapp-"
BUSY = (AgentState.RESERVED, AgentState.RINGING, AgentState.ON_CALL)


@dataclass
class Consultation:
    """The operator of ``call_uuid`` is talking to ``target_leg`` while the caller holds."""

    call_uuid: str
    agent_leg: str
    target: str
    target_leg: str | None = None   # set once the consulted party answered
    agent_id: str | None = None     # the consulted agent, held away from queue calls meanwhile


def consult_dial(*, agent_contact: str | None, number: str | None, dial: str | None, outside_dial: str,
                 region: str = DEFAULT_REGION) -> str:
    """The dial string of the party to consult: an agent's contact, an outside number (valid, in ``region``)
    or one endpoint (``user/2001``); UnsafeValue for anything else (free text, several destinations)."""
    if sum(value is not None for value in (agent_contact, number, dial)) != 1:
        raise ValueError("consult needs exactly one of agent, number or dial")
    if number is not None:
        return number_endpoint(outside_dial, dialable_number(number, region))
    return endpoint(agent_contact or dial or "")


class AttendedTransfers:
    """Mixed into AcdService: consult, complete, cancel, conference (see the module docstring)."""

    consults: dict[str, Consultation]

    def consult(self: AcdService, call_uuid: str, *, agent: str | None = None, number: str | None = None,
                dial: str | None = None, ring_seconds: float = 30.0) -> str:
        """Hold the caller and ring the party to consult; returns its leg UUID once it answered.

        Raises TransferError when the call has no conversation, the agent to consult is busy with a
        queue call, or the party does not answer (the operator is then back with the caller). An available
        agent is held on a ``consultation`` break while consulted, so no queue call is offered to them.
        """
        contact = self.router.agent(agent).config.contact if agent is not None else None
        destination = consult_dial(agent_contact=contact, number=number, dial=dial,
                                   outside_dial=self.callback_dial, region=self.region)
        held = agent is not None and self._hold_consulted_agent(call_uuid, agent)
        try:
            self._run(lambda: self._hold_for_consult(call_uuid, destination, agent))
        except Exception:
            if held:
                self.release(agent or "")
            raise
        variables = {"fsapp_role": "consult", "fsapp_queue_call": call_uuid,
                     "originate_timeout": str(max(1, round(ring_seconds)))}
        if agent is not None:
            variables["fsapp_agent"] = agent
        log.info("call %s: consulting %s", call_uuid, destination)
        try:
            leg = self.switch.originate(destination, variables, timeout=ring_seconds + ORIGINATE_MARGIN,
                                        throttled=False)
        except ESLError as exc:   # OriginateFailed: no answer, busy, rejected, unreachable
            self._run(lambda: self._end_consult(call_uuid, "the consulted party did not answer"))
            if held:
                self.release(agent or "")
            raise TransferError(f"call {call_uuid}: {destination} did not answer: {exc}") from exc
        self._run(lambda: self._consult_answered(call_uuid, leg, agent if held else None))
        return leg.uuid

    def _hold_consulted_agent(self: AcdService, call_uuid: str, agent_id: str) -> bool:
        """Hold an agent who is available or in wrap-up for the consultation (True; a consultation ends the
        wrap-up); refuse one busy with a queue call."""
        if self.engage(agent_id, CONSULTATION, ending_wrap_up=True):
            return True
        state = self.router.agent(agent_id).state
        if state in BUSY:
            raise TransferError(f"call {call_uuid}: agent {agent_id} is {state.value}")
        return False   # on break or logged out: rung without changing their state

    def complete_transfer(self: AcdService, call_uuid: str) -> None:
        """Bridge the caller to the consulted party; the operator leaves (wrap-up)."""
        self._run(lambda: self._complete(call_uuid))

    def cancel_consult(self: AcdService, call_uuid: str) -> None:
        """Hang up the consulted party and put the operator back to the caller."""
        self._run(lambda: self._end_consult(call_uuid, "cancelled"))

    def conference(self: AcdService, call_uuid: str) -> str:
        """Join caller, operator and consulted party in a conference; returns its name."""
        return self._run(lambda: self._conference(call_uuid))

    # -- worker jobs ----------------------------------------------------------------------------------

    def _talking(self: AcdService, call_uuid: str) -> QueuedCall:
        queued = self.calls.get(call_uuid)
        if queued is None or queued.agent_leg is None:
            raise UnknownCall(f"call {call_uuid} is not talking to an agent")
        return queued

    def _consultation(self: AcdService, call_uuid: str) -> tuple[QueuedCall, Consultation]:
        consult = self.consults.get(call_uuid)
        if consult is None or consult.target_leg is None:
            raise TransferError(f"call {call_uuid} has no consultation in progress")
        return self._talking(call_uuid), consult

    def _hold_for_consult(self: AcdService, call_uuid: str, destination: str, agent_id: str | None) -> None:
        queued = self._talking(call_uuid)
        if call_uuid in self.consults:
            raise TransferError(f"call {call_uuid} is already consulting {self.consults[call_uuid].target}")
        self.consults[call_uuid] = Consultation(call_uuid, queued.agent_leg or "", destination, agent_id=agent_id)
        self._keep_caller_parked(queued)
        self._keep_operator_parked(queued)
        queued.call.inline("park")   # the operator's leg parks (park_after_bridge)
        queued.music = queued.music or self.router.config.queue(queued.queue).hold_music
        self._play_music(queued)
        log.info("call %s: caller on hold while agent %s consults %s", call_uuid, queued.agent_id, destination)

    def _keep_operator_parked(self: AcdService, queued: QueuedCall) -> None:
        """Before the caller is put on hold: the operator's leg re-parks as the caller leaves it, not hangs up."""
        leg = self.legs.get(queued.agent_leg or "")
        if leg is not None and leg.bridges_itself and not leg.parks:
            leg.parks = True
            self._attempt(leg.uuid, "keep the operator", lambda: self._leg(leg.uuid).set_variable(PARK_AFTER_BRIDGE,
                                                                                                   "true"))

    def _consult_answered(self: AcdService, call_uuid: str, leg: Call, held_agent: str | None) -> None:
        if held_agent is not None:
            self.follow_engaged_leg(leg.uuid, held_agent)
            if leg.gone:   # hung up before we followed it
                self._engaged_leg_ended(leg.uuid)
        consult = self.consults.get(call_uuid)
        if consult is None:   # the caller hung up meanwhile
            self._kill(leg.uuid)
            return
        consult.target_leg = leg.uuid
        self._leg(consult.agent_leg).bridge(leg)
        log.info("call %s: agent leg %s talking to %s", call_uuid, consult.agent_leg, consult.target)

    def _complete(self: AcdService, call_uuid: str) -> None:
        queued, consult = self._consultation(call_uuid)
        del self.consults[call_uuid]
        self._rejoin(queued, consult.target_leg or "")
        self._hand_over(queued, consult)
        log.info("call %s: transferred to %s", call_uuid, consult.target)

    def _hand_over(self: AcdService, queued: QueuedCall, consult: Consultation) -> None:
        """The consulted party has the caller now: the operator leaves (wrap-up), the call goes on with the
        new party's leg as its agent leg; the recording is not interrupted."""
        now = self.clock()
        self._carry_out(self.router.call_ended(queued.uuid))    # the operator goes to wrap-up
        operator_leg, target_leg = queued.agent_leg, consult.target_leg or ""
        if operator_leg is not None:
            self.legs.pop(operator_leg, None)
            self._kill(operator_leg)
        self.engaged_legs.pop(target_leg, None)
        self.legs[target_leg] = AgentLeg(target_leg, queued.uuid, consult.agent_id or "", answered=True)
        queued.agent_leg = target_leg
        queued.agent_id = consult.agent_id or queued.agent_id
        queued.begin_segment(consult.agent_id, target_leg, now)
        self._consulted_agent_takes_over(queued, consult)
        if consult.agent_id is not None:   # after a restart, reconcile takes the leg up as the call's agent leg
            self._safely(queued.uuid, "mark the agent leg", lambda: self._mark_agent_leg(target_leg, queued.queue))

    def _mark_agent_leg(self: AcdService, leg_uuid: str, queue: str) -> None:
        leg = self._leg(leg_uuid)
        leg.set_variable("fsapp_queue", queue)
        leg.set_variable("fsapp_role", "agent")

    def _consulted_agent_takes_over(self: AcdService, queued: QueuedCall, consult: Consultation) -> None:
        """A held agent who gets the caller is on call with them (wrap-up when their leg hangs up)."""
        agent_id = consult.agent_id
        if agent_id is None:
            return
        status = self.router.agent(agent_id).status
        if status.state is not AgentState.BREAK or status.reason != CONSULTATION:
            return
        self.engaged.pop(agent_id, None)
        self._carry_out(self.router.agent_took_call(agent_id, queued.uuid, queued.queue))
        log.info("call %s: agent %s on call with the transferred caller", queued.uuid, agent_id)

    def _hand_off(self: AcdService, call: Call) -> None:
        """The caller is no longer driven by a flow: after a reconnect it must not be resumed into one."""
        self.switch.owner_of(call.uuid).connection().api_ok(f"uuid_setvar {call.uuid} fsapp_entry")
        call.channel.variables.pop("fsapp_entry", None)

    def _end_consult(self: AcdService, call_uuid: str, why: str) -> None:
        consult = self.consults.pop(call_uuid, None)
        queued = self.calls.get(call_uuid)
        if consult is None or queued is None or queued.agent_leg is None:
            return
        log.info("call %s: back to the caller (%s)", call_uuid, why)
        self._safely(call_uuid, "back to the caller", lambda: self._rejoin(queued, queued.agent_leg or ""))
        if consult.target_leg is not None:
            self._kill(consult.target_leg)

    def _rejoin(self: AcdService, queued: QueuedCall, leg_uuid: str) -> None:
        """Take the caller off hold into a conversation with ``leg_uuid`` (the operator, or the consulted party)."""
        queued.call.break_playback()
        queued.call.bridge(leg_uuid)

    def _conference(self: AcdService, call_uuid: str) -> str:
        queued, consult = self._consultation(call_uuid)
        del self.consults[call_uuid]
        name = f"{CONFERENCE_PREFIX}{call_uuid}"
        queued.conference = name
        self._hand_off(queued.call)
        queued.call.break_playback()
        queued.call.inline("conference", f"{name}@default")
        self._leg(consult.agent_leg).inline("conference", f"{name}@default", both=True)
        log.info("call %s: conference %s with agent %s and %s", call_uuid, name, queued.agent_id, consult.target)
        return name

    def _operator_left_consult(self: AcdService, queued: QueuedCall) -> bool:
        """The operator hung up while consulting: the caller goes to the consulted party (True), as on a PBX."""
        consult = self.consults.pop(queued.uuid, None)
        if consult is None or consult.target_leg is None or queued.call.gone:
            return False
        self._safely(queued.uuid, "hand over", lambda: self._rejoin(queued, consult.target_leg or ""))
        self._hand_over(queued, consult)
        return True

    def _caller_left_consult(self: AcdService, queued: QueuedCall) -> None:
        """The caller hung up while on hold: end the consultation (a conference goes on without them)."""
        consult = self.consults.pop(queued.uuid, None)
        if consult is not None and consult.target_leg is not None:
            self._kill(consult.target_leg)

    def _watch_conference(self: AcdService, event: Event) -> None:
        """A member left one of our conferences: the one left alone in it is hung up (nobody to talk to)."""
        name = event.get("Conference-Name") or ""
        if (event.get("Event-Subclass") == "conference::maintenance" and event.get("Action") == "del-member"
                and event.get("Conference-Size") == "1" and name.startswith(CONFERENCE_PREFIX)):
            switch = self.switch.owner_of(event.get("Unique-ID") or "")
            log.info("conference %s: one party left alone, hanging up", name)
            self._submit(lambda: self._safely(name, "end conference",
                                              lambda: switch.connection().api(f"conference {name} hup all")))

    def _consult_leg_ended(self: AcdService, leg_uuid: str) -> None:
        for call_uuid, consult in list(self.consults.items()):
            if consult.target_leg == leg_uuid:
                self._end_consult(call_uuid, "the consulted party hung up")

    def _leg(self: AcdService, uuid: str) -> Call:
        switch = self.switch.owner_of(uuid)
        return Call(switch, switch.registry.get(uuid) or Channel(uuid))

    def _consulting_leg(self: AcdService, uuid: str) -> bool:
        return any(consult.target_leg == uuid for consult in self.consults.values())
