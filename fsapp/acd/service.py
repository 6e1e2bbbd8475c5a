"""The ACD's imperative shell: switch events in, router decisions carried out on the switch.

One worker greenlet runs every router event and the decisions it returns, in order, so the router is
never entered twice at once and decisions about one call are carried out in the order they were made.
Switch events reach the worker through a queue (the switch's listener must not block); originates run
in their own greenlets and report back through the same queue. A ticker greenlet runs the router's
timers and notices a reconnect of the switch, after which the router is reconciled with the switch's
channels.

Public API (see :class:`AcdService`)::

    service = AcdService(switch, router, clock, recordings_dir="var/recordings",
                         snapshot_path="var/acd.json", on_recording=store_row)
    service.start()
    outcome = service.enqueue(call, "building", caller=CallerInfo("+4790000001"))   # from a flow
    service.agent_login("anna"); service.agent_break("anna", "lunch"); service.agent_ready("anna")
    service.transfer(call_uuid, queue="roads") / service.transfer(call_uuid, agent="bo") /
    service.transfer(call_uuid, extension="6000") / service.transfer(call_uuid, number="+4790000009")
    service.consult(call_uuid, agent="bo" | number="+4790000009" | dial="user/2001")   # caller on hold
    service.complete_transfer(call_uuid) / service.cancel_consult(call_uuid) / service.conference(call_uuid)
    service.pickup("anna", call_uuid=None, queue="building")
    result = service.call_back("callback-7", "building", "+4790000001", agent="anna")  # agent first, then citizen
    service.withdraw("callback-7")                       # out of line before an agent answers
    service.stop()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import gevent
import gevent.pool
from gevent.event import AsyncResult
from gevent.event import Event as Flag
from gevent.queue import Queue

from fsapp.acd.attended import AttendedTransfers, Consultation
from fsapp.acd.calls import AgentLeg, QueuedCall
from fsapp.acd.clock import Clock
from fsapp.acd.decisions import (AgentStateChanged, Announce, AskCallbackNumber, Bridge, CallbackQueued,
                                 CallerInfo, CancelOffer, Decision, Hold, Offer, OfferOverdue, Overflow,
                                 PlayMessage, QueueExit, Repair, SendToVoicemail)
from fsapp.acd.dialing import (
    LEFT_QUEUE, ORIGINATE_MARGIN, PARK_AFTER_BRIDGE, WAITING_VARIABLE, bridges_itself, caller_bridge_variables,
    ends_with_partner, failure_reason, offer_variables, self_bridge_variables,
)
from fsapp.acd.engaged import Engagements
from fsapp.acd.outcome import (ABANDONED, ANSWERED, CALLBACK, MESSAGE, REMOVED, TRANSFERRED, VOICEMAIL,
                               QueueOutcome)
from fsapp.acd.pickup import pickup as pickup_call
from fsapp.acd.prompts import PromptRenderer, announcement_text, ask_number_text, tone_prompt
from fsapp.acd.recording_control import RecordingControl
from fsapp.acd.recordings import Recording, recording_path
from fsapp.acd.reconcile import agent_found_on_call
from fsapp.acd.router import Router
from fsapp.acd.snapshot_file import Snapshot, SnapshotFile
from fsapp.texts import Texts, shipped_texts
from fsapp.acd.states import AgentState
from fsapp.config import OutboundConfig
from fsapp.esl.errors import ChannelGone, ConnectionLost, ESLError
from fsapp.esl.events import Event
from fsapp.phones import DEFAULT_REGION
from fsapp.switch import Call, Channel, OriginateFailed, Switch
from fsapp.switch import dialstring
from fsapp.switch.call import new_uuid
from fsapp.switch.pool import SwitchPool

log = logging.getLogger(__name__)

HANGUP = "CHANNEL_HANGUP_COMPLETE"   # in the switch's default subscription (CHANNEL_HANGUP is not)
EXIT_KINDS = {"abandoned": ABANDONED, "voicemail": VOICEMAIL, "message": MESSAGE, "removed": REMOVED}
LINK_POLL = 0.2           # real seconds between looks for the switch link while it is down
HANDED_RECORDING_LIMIT = 24 * 3600.0   # seconds a transferred caller's recording is followed at most


ClockWait = Callable[[Flag, float], bool]
BRIDGE_WAIT = 10.0   # seconds from an agent's answer to the switch's own bridge of the caller (intercept)
SNAPSHOT_INTERVAL = 1.0   # seconds the saved router state may lag behind the live one (one write a second)
"""``wait(flag, seconds)``: wait until ``flag`` is set or ``seconds`` of the service's clock have passed."""


def wait_real_seconds(flag: Flag, seconds: float) -> bool:
    return bool(flag.wait(max(seconds, 0.0)))


class AcdStore(Protocol):
    """Where the service hands its records (the store implements it)."""

    def save_recording(self, record: dict[str, Any]) -> None: ...

    def save_queue_exit(self, record: dict[str, Any]) -> None: ...


class AcdService(AttendedTransfers, Engagements, RecordingControl):
    """Drives queue calls on ``switch`` with ``router``'s decisions (see the module docstring).

    - ``recordings_dir``: queues with ``record: true`` record answered calls under it.
    - ``store``: receives recording rows and queue exits (:class:`AcdStore`); ``on_recording`` too.
    - ``screen_pop_url``: sent to the agent's phone in ``Call-Info`` (``{uuid}`` is the caller's UUID).
    - ``prompt_renderer(text, language) -> path``: announcements (default: beeps, one per place), spoken in
      the caller's language (``CallerInfo.language``, else ``language``) from ``texts``.
    - ``snapshot_path``: the router's state is written there after changes, at most every
      ``snapshot_interval`` seconds (a burst of changes is one write), and when the service stops.
    - ``callback_dial``: dial string for calling back a number (``{number}`` is replaced by an E.164 number),
      also used for outside transfers and consultations; ``callback_caller_id``: the caller ID variables citizens
      see (both from ``outbound:`` in fsapp.yaml).
    - ``region``: where national numbers are read (callbacks and transfers dial only a valid E.164 number;
      see :func:`fsapp.switch.dialstring.dialable_number`).
    - ``tick_interval``: seconds between checks for a reconnect of the switch (timers wake the ticker
      on time regardless); with ``wait_on_clock`` set to a simulated clock's ``wait``, simulated seconds.
    - ``on_adopted(queued)``: told of a caller found talking to an agent after a restart, whom no flow waits
      for (``queued.outcome`` is set when the conversation ends; ``queued.adopted`` turns False if a flow
      takes the call up after all).
    """

    def __init__(self, switch: Switch | SwitchPool, router: Router, clock: Clock, *, recordings_dir: str | Path,
                 store: AcdStore | None = None, screen_pop_url: str | None = None,
                 prompt_renderer: PromptRenderer | None = None, language: str = "en",
                 on_recording: Callable[[dict[str, Any]], None] | None = None,
                 on_agent_state: Callable[[AgentStateChanged], None] | None = None,
                 snapshot_path: str | Path | None = None,
                 callback_dial: str = OutboundConfig().dial_template(), callback_caller_id: dict[str, str] | None = None,
                 tick_interval: float = 1.0, region: str = DEFAULT_REGION, texts: Texts | None = None) -> None:
        self.switch = switch
        self.router = router
        self.clock = clock
        self.recordings_dir = Path(recordings_dir)
        self.store = store
        self.screen_pop_url = screen_pop_url
        self.render_prompt = prompt_renderer or tone_prompt
        self.language = language
        self.texts = texts or shipped_texts()
        self.on_recording = on_recording
        self.on_agent_state = on_agent_state
        self.snapshot: Snapshot | None = SnapshotFile(snapshot_path) if snapshot_path else None
        self.callback_dial = callback_dial
        self.region = region
        router.dialable = lambda raw: dialstring.dialable_or_none(raw, region)
        self.callback_caller_id = dict(callback_caller_id or {})
        self.tick_interval = tick_interval
        self.calls: dict[str, QueuedCall] = {}           # caller uuid (or callback member id) -> call
        self._init_recording_control()
        self.legs: dict[str, AgentLeg] = {}              # agent leg uuid -> leg
        self._offers: dict[tuple[str, str], AgentLeg] = {}
        self._callback_legs: dict[str, str] = {}         # dialled citizen leg -> callback member id
        self.consults: dict[str, Consultation] = {}      # caller uuid -> the operator's consultation
        self.engaged: dict[str, str] = {}                # agent id -> why held (direct call, consultation)
        self.engaged_legs: dict[str, str] = {}           # leg uuid -> engaged agent id
        self._callback_waiters: dict[str, AsyncResult] = {}   # callback member id -> its QueueOutcome
        self._jobs: Queue = Queue()
        self._greenlets: list[gevent.Greenlet] = []
        self._ringing = gevent.pool.Group()              # one greenlet per agent phone being rung
        self._generation = 0
        self.reconciled = Flag()   # set once the router has been checked against the switch's channels
        self.wait_on_clock: ClockWait = wait_real_seconds
        self._deadline_moved = Flag()
        self.change_listeners: list[Callable[[], None]] = []   # told after every job that changed the state
        self.on_adopted: Callable[[QueuedCall], None] | None = None
        self._tick_until = 0.0
        self._dirty = False
        self.snapshot_interval = SNAPSHOT_INTERVAL
        self._snapshot_due: gevent.Greenlet | None = None
        switch.listen(self._on_event)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> AcdService:
        self._greenlets = [gevent.spawn(self._work), gevent.spawn(self._tick_loop)]
        return self

    def stop(self) -> None:
        """Stop driving calls (they stay up on the switch; a new service can take over)."""
        gevent.killall(self._greenlets)
        self._greenlets = []
        self._ringing.kill(block=False)  # phones still ringing are left to the switch's originate timeout
        if self._snapshot_due is not None:
            self._snapshot_due.kill(block=False)
            self._snapshot_due = None
        self._save_snapshot()

    # ------------------------------------------------------------------ the flow's entry point

    def enqueue(self, call: Call, queue: str, priority: int = 0, skills: dict[str, int] | None = None,
                caller: CallerInfo | None = None, *, keep_caller: bool = False,
                marks: Mapping[str, str] | None = None) -> QueueOutcome:
        """Put ``call`` in ``queue`` with hold music and wait until it leaves the queue.

        Runs in the call's greenlet. A call the router already has (restored after a restart) is taken
        up where it was. With ``keep_caller`` the caller is not hung up when the agent hangs up first.
        ``marks`` are channel variables of the caller's own, set with the queue's (one command).
        """
        if call.gone:   # hung up before reaching the queue: its hangup will not be seen again
            raise ChannelGone(f"call {call.uuid} ended before it reached queue {queue}")
        if not call.channel.answered:
            call.answer()
        wanted = {WAITING_VARIABLE: queue, **(marks or {})}
        if any(call.variables.get(name) != value for name, value in wanted.items()):
            # a restart finds the caller's queue on the channel, should the saved state not hold them yet; and the
            # caller is ready for an agent's leg to bridge itself
            call.set_variables({**wanted, **caller_bridge_variables(keep_caller)})
        info = caller or CallerInfo(number=call.caller_number or None)
        queued = self._run(lambda: self._admit(call, queue, priority, skills, info, keep_caller))
        outcome = queued.outcome.get()
        if not call.gone and not call.channel.hangup_sent:   # out of the queue, still on the line (a queue ending,
            # a survey): not back in line
            try:
                call.set_variable(WAITING_VARIABLE, "")
            except ESLError as exc:
                log.info("call %s: left queue %s, its mark stays: %s", call.uuid, queue, exc)
        return outcome

    def _admit(self, call: Call, queue: str, priority: int, skills: dict[str, int] | None,
               info: CallerInfo, keep_caller: bool) -> QueuedCall:
        queued = self.calls.get(call.uuid)
        if queued is not None and not queued.outcome.ready():
            queued.call, queued.keep_caller, queued.adopted = call, keep_caller, False
            if queued.holding:
                self._play_music(queued)
            log.info("call %s: taken up again in queue %s", call.uuid, queued.queue)
            return queued
        member = self.router.members.get(call.uuid)
        if member is not None and not member.is_callback:
            queued = self._track(call, member.queue, keep_caller)
            queued.music = self.router.config.queue(member.queue).hold_music
            self._play_music(queued)
            log.info("call %s: restored in queue %s at position %s", call.uuid, member.queue,
                     self.router.position(call.uuid))
            return queued
        queued = self._track(call, queue, keep_caller)
        queued.priority, queued.caller = priority, info
        try:
            self._carry_out(self.router.call_arrived(call.uuid, queue, priority, skills, info))
        except Exception:
            self.calls.pop(call.uuid, None)
            raise
        return queued

    def _track(self, call: Call, queue: str, keep_caller: bool) -> QueuedCall:
        queued = QueuedCall(call=call, queue=queue, keep_caller=keep_caller, queues=[queue])
        self.calls[call.uuid] = queued
        return queued

    # ------------------------------------------------------------------ agents

    def agent_login(self, agent_id: str, break_reason: str | None = None) -> str:
        """Log an agent in (available, or on break with a reason); returns the new state."""
        return self._agent(agent_id, lambda: self.router.agent_login(agent_id, break_reason))

    def agent_logout(self, agent_id: str) -> str:
        return self._agent(agent_id, lambda: self.router.agent_logout(agent_id))

    def agent_break(self, agent_id: str, reason: str) -> str:
        return self._agent(agent_id, lambda: self.router.agent_break(agent_id, reason))

    def agent_ready(self, agent_id: str) -> str:
        """Back from break (or wrap-up ended early)."""
        return self._agent(agent_id, lambda: self.router.agent_ready(agent_id))

    def _agent(self, agent_id: str, event: Callable[[], list[Decision]]) -> str:
        def job() -> str:
            self._carry_out(event())
            return self.router.agent(agent_id).state.value
        return self._run(job)

    def pickup(self, agent_id: str, call_uuid: str | None = None, queue: str | None = None) -> str:
        """Offer a particular waiting call (or the oldest in ``queue``) to an available agent now.

        Returns the picked call's UUID; raises an AcdError when the agent or call cannot take part.
        """
        def job() -> str:
            picked, decisions = pickup_call(self.router, agent_id, call_uuid, queue)
            self._carry_out(decisions)
            return picked
        return self._run(job)

    # ------------------------------------------------------------------ outbound

    def call_back(self, member_id: str, queue: str, number: str, *, caller: CallerInfo | None = None,
                  arrived_at: float | None = None, agent: str | None = None) -> AsyncResult:
        """Line up a callback that rings an agent first, then dials ``number`` (see ``Router.add_callback``).

        ``arrived_at`` (clock seconds) keeps the caller's place in line. With ``agent`` the request is offered
        to that agent alone when the agent is available (else it waits in line like any other). The result
        is the :class:`QueueOutcome`: ``answered`` when the conversation has ended, ``abandoned`` when the
        citizen could not be reached or the request was withdrawn. A member the router already holds
        (restored after a restart) is taken up, not added twice. NotDialable (nothing lined up) when ``number``
        is no valid E.164 number.
        """
        number = dialstring.dialable_number(number, self.region)
        waiter = self._callback_waiters.setdefault(member_id, AsyncResult())

        def job() -> None:
            if member_id in self.router.members or member_id in self.calls:
                return
            decisions = self.router.add_callback(member_id, queue, number, caller=caller, arrived_at=arrived_at)
            if agent is not None:
                decisions = self._offer_only_to(decisions, member_id, agent)
            self._carry_out(decisions)
        self._run(job)
        return waiter

    def _offer_only_to(self, decisions: list[Decision], member_id: str, agent_id: str) -> list[Decision]:
        """Turn an Offer of a new member to other agents into an offer to ``agent_id`` before anyone rings."""
        member = self.router.members.get(member_id)
        owner = self.router.agents.get(agent_id)
        if (member is None or owner is None or member.offered_to == {agent_id}
                or owner.state is not AgentState.AVAILABLE or member.queue not in owner.config.queues):
            return decisions
        withdrawn = set(member.offered_to)
        _, picked = pickup_call(self.router, agent_id, member_id)
        kept = [d for d in decisions if not (isinstance(d, Offer) and d.call_uuid == member_id)]
        return kept + [d for d in picked if not (isinstance(d, CancelOffer) and d.call_uuid == member_id
                                                 and d.agent_id in withdrawn)]

    def withdraw(self, member_id: str) -> bool:
        """Take a caller or callback out of line before an agent answers; False when it is not waiting."""
        def job() -> bool:
            if member_id not in self.router.members:
                return False
            member = self.router.members[member_id]
            self._carry_out(self.router.caller_abandoned(member_id))
            waiter = self._callback_waiters.pop(member_id, None)
            if waiter is not None:
                waiter.set(QueueOutcome(ABANDONED, member.queue, (member.queue,)))
            return True
        return self._run(job)

    # ------------------------------------------------------------------ transfers

    def transfer(self, call_uuid: str, *, queue: str | None = None, agent: str | None = None,
                 extension: str | None = None, number: str | None = None, priority: int | None = None) -> None:
        """Blind transfer of a queue call (waiting or talking to an agent).

        ``queue``: back in line in another queue, keeping its original priority unless ``priority``.
        ``agent``: straight to that agent's phone. ``extension``: ``uuid_transfer`` to the dialplan.
        ``number``: an outside number, dialled with ``callback_dial``. An extension or number that is not one
        (free text, a dial string, a second destination) raises UnsafeValue before anything happens.
        """
        if sum(target is not None for target in (queue, agent, extension, number)) != 1:
            raise ValueError("transfer needs exactly one of queue, agent, extension or number")
        if extension is not None:
            dialstring.extension(extension)
        dial = None if number is None else dialstring.number_endpoint(
            self.callback_dial, dialstring.dialable_number(number, self.region))
        self._run(lambda: self._transfer(call_uuid, queue, agent, extension, priority, dial))

    def change_priority(self, call_uuid: str, priority: int) -> None:
        """Give a waiting caller a new priority in its queue (higher is served sooner)."""
        def job() -> None:
            self._carry_out(self.router.change_priority(call_uuid, priority))
            queued = self.calls.get(call_uuid)
            if queued is not None:
                queued.priority = priority
        self._run(job)

    def _transfer(self, call_uuid: str, queue: str | None, agent: str | None, extension: str | None,
                  priority: int | None, dial: str | None = None) -> None:
        queued = self.calls.get(call_uuid)
        if queued is None:
            raise KeyError(f"call {call_uuid} is not handled by the ACD")
        member = self.router.members.get(call_uuid)
        old_priority = member.priority if member is not None else queued.priority
        caller = member.caller if member is not None else queued.caller
        self._leave_agent(queued, keep_recording=agent is not None or dial is not None)
        if member is not None:
            self._carry_out(self.router.caller_abandoned(call_uuid))
        if extension is not None or agent is not None or dial is not None:
            destination = extension or dial or self.router.agent(agent or "").config.contact
            self._finish(queued, QueueOutcome(TRANSFERRED, queued.queue, tuple(queued.queues), queued.waited,
                                              queued.agent_id, queued.talk_time(self.clock()), caller_alive=True,
                                              trace=queued.trace, segments=tuple(queued.segments)))
            if extension is None:
                self._safely(call_uuid, "hand off", lambda: self._hand_off(queued.call))
            self._safely(call_uuid, "transfer", lambda: self._transfer_leg(queued.call, destination,
                                                                            extension is not None))
            return
        assert queue is not None
        fresh = QueuedCall(call=queued.call, queue=queue, keep_caller=queued.keep_caller,
                           outcome=queued.outcome, queues=queued.queues + [queue], priority=old_priority,
                           caller=caller, segments=queued.segments, adopted=queued.adopted)
        self.calls[call_uuid] = fresh
        self._carry_out(self.router.call_arrived(call_uuid, queue, old_priority if priority is None else priority,
                                                 None, caller))

    def _transfer_leg(self, call: Call, destination: str, to_extension: bool) -> None:
        call.break_playback()
        if to_extension:
            call.transfer(destination)
        else:
            call.inline("bridge", dialstring.endpoint(destination))

    def _leave_agent(self, queued: QueuedCall, keep_recording: bool = False) -> None:
        """Take a talking caller away from its agent: the agent goes to wrap-up, its leg is hung up.

        ``keep_recording``: the caller is handed to a party outside the ACD (an agent's phone, an outside
        number) and the recording goes on with them until the caller hangs up."""
        if queued.agent_leg is None:
            return
        if keep_recording:
            self._hand_recording_on(queued)
        else:
            self._stop_recording(queued)
        self._carry_out(self.router.call_ended(queued.uuid))
        self._keep_caller_parked(queued)
        leg, queued.agent_leg = queued.agent_leg, None
        queued.end_segment(self.clock())
        self.legs.pop(leg, None)
        self._kill(leg)

    def _keep_caller_parked(self, queued: QueuedCall) -> None:
        """Before the caller's agent leg is taken away: the caller re-parks when it ends, not hangs up with it."""
        if queued.call.variables.get(PARK_AFTER_BRIDGE) != "true" and not queued.call.gone:
            self._safely(queued.uuid, "keep the caller", lambda: queued.call.set_variable(PARK_AFTER_BRIDGE, "true"))

    def _ends_with_caller(self, leg: AgentLeg | None, call_uuid: str) -> bool:
        """Whether the switch hangs the agent's leg up with its caller (:func:`dialing.ends_with_partner`)."""
        channel = None if leg is None else self.switch.registry.get(leg.uuid)
        return (leg is not None and channel is not None
                and ends_with_partner(leg.bridges_itself, leg.parks, channel.last_peer, call_uuid))

    # ------------------------------------------------------------------ worker

    def _run(self, job: Callable[[], Any]) -> Any:
        """Run ``job`` on the worker and return its result (or raise its exception)."""
        result: AsyncResult = AsyncResult()
        self._jobs.put((job, result))
        return result.get()

    def _submit(self, job: Callable[[], Any]) -> None:
        self._jobs.put((job, None))

    def _work(self) -> None:
        for job, result in self._jobs:
            try:
                value = job()
            except Exception as exc:  # the worker must survive any one job
                if result is not None:
                    result.set_exception(exc)
                else:
                    log.exception("ACD job failed")
                continue
            finally:
                if self._dirty:
                    self._dirty = False
                    self._snapshot_soon()
                    for listener in self.change_listeners:
                        listener()
                self._wake_ticker_if_sooner()
            if result is not None:
                result.set(value)

    def _snapshot_soon(self) -> None:
        """Save the router's state within ``snapshot_interval``: one write for a burst of changes.

        Serializing every agent and waiting caller after each change cost more than everything else a
        queued call does at 40 calls/s (bench/acd_capacity.py); the state a restart reads lags by at most
        the interval, and the calls themselves are read back from the switch on reconcile.
        """
        if self.snapshot is not None and self._snapshot_due is None:
            self._snapshot_due = gevent.spawn_later(self.snapshot_interval, self._snapshot_now)

    def _snapshot_now(self) -> None:
        self._snapshot_due = None
        self._save_snapshot()

    def _save_snapshot(self) -> None:
        if self.snapshot is None:
            return
        try:
            self.snapshot.save(self.router.snapshot())
        except OSError as exc:
            log.error("ACD snapshot %s not written: %s", self.snapshot.path, exc)

    def _tick_loop(self) -> None:
        while True:
            linked = self.switch.reconciled.wait(LINK_POLL)   # real seconds: only while the link is down
            if linked and self.switch.client.connections_made != self._generation:
                self._generation = self.switch.client.connections_made
                self.reconciled.clear()
                self._submit(self._reconcile)
            due, now = self.router.next_deadline(), self.clock()
            if due is not None and due <= now:
                self._run(lambda: self._carry_out(self.router.tick()))
                continue
            if not linked:
                continue
            self._tick_until = now + self.tick_interval if due is None else min(due, now + self.tick_interval)
            self._deadline_moved.clear()
            self.wait_on_clock(self._deadline_moved, self._tick_until - now)

    def _wake_ticker_if_sooner(self) -> None:
        """A job set an earlier deadline than the ticker is waiting for: wake it to wait for that one."""
        due = self.router.next_deadline()
        if due is not None and due < self._tick_until:
            self._deadline_moved.set()

    # ------------------------------------------------------------------ switch events

    def _on_event(self, event: Event, channel: Channel | None) -> None:
        """Called for every switch event: pick out ours and queue them for the worker (never blocks)."""
        if event.name == "CUSTOM":
            self._watch_conference(event)
        if channel is None:
            return
        uuid, name = channel.uuid, event.name
        if name == HANGUP and uuid in self.engaged_legs:
            self._submit(lambda: self._engaged_leg_ended(uuid))
        if uuid in self.legs:
            if name == "CHANNEL_PROGRESS" or name == "CHANNEL_PROGRESS_MEDIA":
                self._submit(lambda: self._agent_ringing(uuid))
            elif name == "CHANNEL_ANSWER":
                self._submit(lambda: self._leg_answered(uuid))
            elif name == HANGUP:
                self._submit(lambda: self._agent_leg_ended(uuid))
        elif uuid in self.calls or uuid in self.router.members:
            if name == HANGUP:
                self._submit(lambda: self._caller_ended(uuid))
            elif name == "DTMF":
                digit = event.get("DTMF-Digit", "")
                self._submit(lambda: self._key(uuid, digit))
            elif name == "PLAYBACK_STOP" and (event.get("Playback-Status") == "done"
                                              or event.variable("playback_terminator_used")):
                path = event.get("Playback-File-Path", "")   # the music played out, or a key stopped it
                self._submit(lambda: self._music_ended(uuid, path))
        elif uuid in self._callback_legs and name == HANGUP:
            self._submit(lambda: self._caller_ended(self._callback_legs.pop(uuid, uuid)))
        elif name == HANGUP and self._consulting_leg(uuid):
            self._submit(lambda: self._consult_leg_ended(uuid))

    def _agent_ringing(self, leg_uuid: str) -> None:
        leg = self.legs.get(leg_uuid)
        if leg is None or leg.answered:
            return
        if leg.cancelled:
            self._kill(leg_uuid)
            return
        self._carry_out(self.router.offer_ringing(leg.call_uuid, leg.agent_id))

    def _leg_answered(self, leg_uuid: str) -> None:
        """An agent's leg answered: taken up here when its originate will not report (orphaned) or when the
        switch is already bridging it to the caller (the router must know before the caller's hold music ends)."""
        leg = self.legs.get(leg_uuid)
        if leg is not None and (leg.orphaned or leg.bridges_itself) and not leg.answered:
            self._offer_answered(leg)

    def _agent_leg_ended(self, leg_uuid: str) -> None:
        leg = self.legs.pop(leg_uuid, None)
        if leg is not None and leg.orphaned and not leg.answered:
            self._offer_failed(leg, "no-answer")
            return
        if leg is None or not leg.answered:
            return   # a ringing leg: its originate reports the failure
        queued = self.calls.get(leg.call_uuid)
        if queued is None or queued.agent_leg != leg_uuid:
            return
        log.info("call %s: %s hung up", leg.call_uuid, f"agent {leg.agent_id}" if leg.agent_id else "the party")
        if self._operator_left_consult(queued):
            return   # the caller goes on with the consulted party
        self._stop_recording(queued)
        self._carry_out(self.router.call_ended(leg.call_uuid))
        queued.agent_leg = None
        queued.end_segment(self.clock())
        caller_alive = (queued.keep_caller or queued.conference is not None) and not queued.call.gone
        if not caller_alive and not queued.call.gone:
            queued.call.channel.hangup_sent = True   # its end is a moment away: no mark to clear, one call-log row
            parks = queued.call.variables.get(PARK_AFTER_BRIDGE) != "false"
            if not ends_with_partner(leg.bridges_itself, parks, queued.call.channel.last_peer, leg_uuid):
                self._kill(queued.call.uuid)
        self._finish(queued, self._answered(queued, caller_alive))

    def _caller_ended(self, call_uuid: str) -> None:
        queued = self.calls.get(call_uuid)
        if queued is not None and queued.conference is not None and queued.agent_leg is not None:
            log.info("call %s: caller left conference %s; agent %s stays", call_uuid, queued.conference,
                     queued.agent_id)
            return   # the call ends for the agent when their leg leaves the conference
        decisions = self.router.call_ended(call_uuid)
        self._carry_out(decisions)
        if queued is None or queued.outcome.ready():
            self.calls.pop(call_uuid, None)
            return
        self._caller_left_consult(queued)
        if queued.agent_leg is not None:
            log.info("call %s: caller hung up; ending agent %s's leg", call_uuid, queued.agent_id)
            self._stop_recording(queued)
            leg, queued.agent_leg = queued.agent_leg, None
            queued.end_segment(self.clock())
            agent = self.legs.pop(leg, None)
            if self._live(leg) and not self._ends_with_caller(agent, call_uuid):
                self._kill(leg)   # not when it hung up first and took the caller with it, nor when it goes with them
            self._finish(queued, self._answered(queued, False))
        elif call_uuid not in self.router.members:
            self._finish(queued, QueueOutcome(ABANDONED, queued.queue, tuple(queued.queues)))

    def _key(self, call_uuid: str, digit: str) -> None:
        queued = self.calls.get(call_uuid)
        if queued is not None and queued.holding and digit and not queued.asking_number:
            self._carry_out(self.router.key_pressed(call_uuid, digit))

    def _music_ended(self, call_uuid: str, path: str) -> None:
        """Hold music that ended (a file, not an endless stream, or stopped by a key of the channel's
        ``playback_terminators``) starts again while the caller waits."""
        queued = self.calls.get(call_uuid)
        if queued is not None and queued.holding and path == queued.music and call_uuid in self.router.members:
            self._safely(call_uuid, "hold music", lambda: queued.call.broadcast(queued.music))

    # ------------------------------------------------------------------ decisions

    def _carry_out(self, decisions: list[Decision]) -> None:
        self._dirty = self._dirty or bool(decisions)
        for decision in decisions:
            handler = self._DECISIONS.get(type(decision))
            if handler is not None:
                handler(self, decision)

    def _hold(self, decision: Hold) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is None:
            return
        first = not queued.music
        queued.music = decision.music
        self._play_music(queued, interrupt=not (first and queued.call.channel.parked))

    def _play_music(self, queued: QueuedCall, interrupt: bool = True) -> None:
        """Hold music, after stopping what plays to the caller; a caller who just joined and is parked (the
        flow's prompts run to their end before it queues) has nothing to stop."""
        music = queued.music

        def play() -> None:
            if interrupt:
                queued.call.break_playback()
            queued.call.broadcast(music)
        self._in_order(queued, "hold music", play)

    def _in_order(self, queued: QueuedCall, what: str, action: Callable[[], Any]) -> None:
        """Run a caller's switch commands in a greenlet of their own, after the ones decided before them.

        The worker decides for every call in turn; were it to wait for the switch's replies too, one round
        trip per command would hold every other call's decisions, and an agent's answer -> bridge time
        would grow with the load (bench/live_acd_capacity.py). Each caller's commands keep their order.
        """
        previous = queued.commands

        def run() -> None:
            if previous is not None:
                previous.join()
            self._attempt(queued.uuid, what, action)
        queued.commands = gevent.spawn(run)

    def _offer(self, offer: Offer) -> None:
        queued = self.calls.get(offer.call_uuid)
        by_switch = (len(offer.agents) == 1 and offer.callback_number is None and queued is not None
                     and not queued.call.gone and queued.call.channel.bridged_to is None)
        for target in offer.agents:
            leg = AgentLeg(new_uuid(), offer.call_uuid, target.agent_id, bridges_itself=by_switch)
            self.legs[leg.uuid] = leg
            self._offers[(offer.call_uuid, target.agent_id)] = leg
            if queued is not None and queued.call.gone:   # its hangup is next in line: it withdraws this offer
                log.info("call %s: hung up; agent %s not rung", offer.call_uuid, target.agent_id)
                leg.cancelled = True
                continue
            variables = offer_variables(offer, target, leg.uuid, self.screen_pop_url)
            if by_switch:
                variables.update(self_bridge_variables(offer.call_uuid))
            self._ringing.spawn(self._ring, leg, target.contact, variables, offer.timeout)

    def _ring(self, leg: AgentLeg, contact: str, variables: dict[str, str], timeout: float) -> None:
        """Originate to one agent (in its own greenlet) and report the result to the worker.

        A leg that bridges itself is placed with ``intercept`` of the caller (readied for it when it joined the
        queue: the switch hangs it up with the agent's leg, or re-parks it when the flow keeps it)."""
        log.info("call %s: ringing agent %s at %s", leg.call_uuid, leg.agent_id, contact)
        try:
            self.switch.originate(contact, variables, timeout=timeout + ORIGINATE_MARGIN,
                                  intercept=leg.call_uuid if leg.bridges_itself else None, throttled=False)
        except OriginateFailed as exc:
            reason = failure_reason(exc.cause)
            log.info("call %s: agent %s did not take it (%s)", leg.call_uuid, leg.agent_id, exc.cause)
            self._submit(lambda: self._offer_failed(leg, reason))
        except ConnectionLost as exc:
            log.warning("call %s: link lost while ringing agent %s (%s); following leg %s by its events",
                        leg.call_uuid, leg.agent_id, exc, leg.uuid)
            self._submit(lambda: setattr(leg, "orphaned", True))
        except ESLError as exc:
            log.warning("call %s: originate to agent %s failed: %s", leg.call_uuid, leg.agent_id, exc)
            self._submit(lambda: self._originate_unknown(leg))
        else:
            self._submit(lambda: self._offer_answered(leg))

    def _originate_unknown(self, leg: AgentLeg) -> None:
        """The originate failed without the switch's word on the leg (its result never came): the phone may
        still ring, or have answered with its events still on their way. The switch is asked: a leg that has
        answered keeps the call (it has taken the caller already); any other is hung up before the call is
        offered again, so that it cannot answer afterwards (and take the caller over from the next operator)."""
        if leg.answered:
            return
        if self._answered_on_switch(leg):
            log.warning("call %s: agent %s answered, though the switch's word on the call to them was lost",
                        leg.call_uuid, leg.agent_id)
            self._offer_answered(leg)
            return
        self._kill(leg.uuid)
        self._offer_failed(leg, "originate-failed")

    def _answered_on_switch(self, leg: AgentLeg) -> bool | None:
        """Whether the switch has the agent's leg answered (None: it has no such channel; False when it cannot
        tell)."""
        try:
            return self.switch.answered(leg.uuid)
        except ESLError as exc:
            log.warning("call %s: whether agent %s answered is unknown: %s", leg.call_uuid, leg.agent_id, exc)
            return False

    def _offer_failed(self, leg: AgentLeg, reason: str) -> None:
        self.legs.pop(leg.uuid, None)
        if self._offers.get((leg.call_uuid, leg.agent_id)) is leg:
            del self._offers[(leg.call_uuid, leg.agent_id)]
        if not leg.cancelled:
            self._carry_out(self.router.offer_failed(leg.call_uuid, leg.agent_id, reason))

    def _offer_answered(self, leg: AgentLeg) -> None:
        if leg.answered:
            return   # a leg that bridges itself is taken as answered from its CHANNEL_ANSWER, before its originate
            #          returns
        leg.answered = True
        if leg.cancelled:
            self.legs.pop(leg.uuid, None)
            self._kill(leg.uuid)
            return
        self._carry_out(self.router.offer_answered(leg.call_uuid, leg.agent_id))

    def _cancel_offer(self, decision: CancelOffer) -> None:
        leg = self._offers.pop((decision.call_uuid, decision.agent_id), None)
        if leg is None:
            return
        leg.cancelled = True
        log.info("call %s: offer to agent %s withdrawn (%s)", decision.call_uuid, decision.agent_id,
                 decision.reason)
        self._kill(leg.uuid)   # a leg not yet created is hung up when it starts ringing

    def _offer_overdue(self, decision: OfferOverdue) -> None:
        """An offer whose time ran out ends, unless the switch is behind: a phone that has answered already (its
        events can be seconds late) keeps the call, for a leg that bridges itself has the caller by now; a leg
        the switch has not even placed yet is waited for (the router asks again), for a hangup cannot reach it
        before it rings, and it would answer and take the caller from the next operator."""
        leg = self._offers.get((decision.call_uuid, decision.agent_id))
        if leg is not None and not leg.cancelled:
            answered = self._answered_on_switch(leg)
            if answered:
                log.warning("call %s: agent %s answered as the offer ran out (%s); the switch's word on it is late",
                            decision.call_uuid, decision.agent_id, decision.reason)
                self._offer_answered(leg)
                return
            if answered is None and not leg.orphaned:
                log.warning("call %s: the switch has not placed the call to agent %s yet (%s); waiting for it",
                            decision.call_uuid, decision.agent_id, decision.reason)
                return
        self._cancel_offer(CancelOffer(decision.call_uuid, decision.agent_id, decision.reason))
        self._carry_out(self.router.offer_failed(decision.call_uuid, decision.agent_id, decision.reason))

    def _bridge(self, decision: Bridge) -> None:
        leg = self._offers.pop((decision.call_uuid, decision.agent_id), None)
        queued = self.calls.get(decision.call_uuid)
        if leg is None:
            log.error("call %s: agent %s answered but its leg is unknown", decision.call_uuid, decision.agent_id)
            return
        if decision.callback_number is not None:
            gevent.spawn(self._call_back, decision, leg)
            return
        if queued is None:
            queued = self._adopt_caller(decision.call_uuid, decision.queue)
        queued.agent_id, queued.agent_leg, queued.waited = decision.agent_id, leg.uuid, decision.waited
        queued.begin_segment(decision.agent_id, leg.uuid, self.clock())
        record = self.records(queued.uuid, decision.queue)

        def bridge() -> None:
            try:
                if leg.bridges_itself:
                    talking = self._bridged_by_switch(queued)
                else:
                    queued.call.bridge(leg.uuid, stop_playback=True, marks={WAITING_VARIABLE: LEFT_QUEUE})
                    talking = True
            except ESLError as exc:
                log.warning("call %s: bridge to agent %s failed: %s", queued.uuid, decision.agent_id, exc)
                return   # the hangup that follows ends the call on both sides
            if not talking:
                log.info("call %s: the conversation with agent %s was over before its bridge was taken up",
                         queued.uuid, decision.agent_id)
                return
            log.info("call %s: bridged to agent %s after %.0f s", queued.uuid, decision.agent_id, decision.waited)
            if record:
                self._submit(lambda: self._record_if_talking(queued, decision.queue))
        self._in_order(queued, "bridge", bridge)

    @staticmethod
    def _bridged_by_switch(queued: QueuedCall) -> bool:
        """The agent's leg bridges itself to the caller (and marked them out of the queue as it answered): wait
        for the switch's word that they are bridged (ESLTimeout when they never are: the agent's leg then ends).
        By then the agent may have moved the caller on already (a consultation, a transfer): any bridge will
        do. False when the caller was bridged and has hung up already (this caller's commands ran late: a
        switch slow to answer them)."""
        queued.call.variables[WAITING_VARIABLE] = LEFT_QUEUE
        try:
            queued.call.wait_for("bridged", BRIDGE_WAIT)
        except ChannelGone:
            if queued.call.channel.last_peer is None:
                raise
            return False
        return True

    def _record_if_talking(self, queued: QueuedCall, queue: str) -> None:
        """Start the recording of a conversation just bridged, unless it has ended or is recorded already (the
        agent it was bridged to may have handed it on in the meantime: the recording is the caller's)."""
        if (self.calls.get(queued.uuid) is queued and queued.agent_leg is not None and queued.recording is None
                and not queued.call.gone):
            self._start_recording(queued, queue)
            self._dirty = True   # the call is now recorded: listeners (live feed, supervisors) are told

    def _adopt_caller(self, call_uuid: str, queue: str) -> QueuedCall:
        """A caller the service has no flow for (restored after a restart, its flow not yet resumed)."""
        channel = self.switch.registry.get(call_uuid)
        call = Call(self.switch, channel or Channel(call_uuid, gone=True))
        queued = self._track(call, queue, keep_caller=False)
        if channel is not None and self.on_adopted is not None:
            queued.adopted = True
            self.on_adopted(queued)
        return queued

    def _call_back(self, decision: Bridge, leg: AgentLeg) -> None:
        """The agent answered a callback request: dial the citizen and bridge them to the agent."""
        variables = {**self.callback_caller_id, "fsapp_role": "citizen", "fsapp_queue_call": decision.call_uuid}
        agent_call = Call(self.switch, self.switch.registry.get(leg.uuid) or Channel(leg.uuid))
        try:   # the number was checked when it was taken; it is checked again where it becomes a dial string
            dial = dialstring.number_endpoint(self.callback_dial, decision.callback_number or "")
            citizen = self.switch.originate(dial, variables, timeout=60.0, throttled=False)   # its agent waits
            citizen.bridge(agent_call)
        except ESLError as exc:
            log.warning("callback %s: could not reach %s: %s", decision.call_uuid, decision.callback_number, exc)
            self._submit(lambda: self._callback_failed(decision, leg))
            return
        self._submit(lambda: self._callback_connected(decision, leg, citizen))

    def _callback_connected(self, decision: Bridge, leg: AgentLeg, citizen: Call) -> None:
        waiter = self._callback_waiters.pop(decision.call_uuid, None) or AsyncResult()
        queued = self.calls[decision.call_uuid] = QueuedCall(call=citizen, queue=decision.queue,
                                                             queues=[decision.queue], outcome=waiter)
        self._callback_legs[citizen.uuid] = decision.call_uuid
        queued.agent_id, queued.agent_leg, queued.callback_number = decision.agent_id, leg.uuid, decision.callback_number
        queued.waited = decision.waited
        queued.begin_segment(decision.agent_id, leg.uuid, self.clock())
        leg.call_uuid = decision.call_uuid
        if citizen.gone:
            self._caller_ended(decision.call_uuid)
        elif self.records(decision.call_uuid, decision.queue):
            self._start_recording(queued, decision.queue)

    def _callback_failed(self, decision: Bridge, leg: AgentLeg) -> None:
        self.legs.pop(leg.uuid, None)
        self._kill(leg.uuid)
        self._carry_out(self.router.call_ended(decision.call_uuid))
        waiter = self._callback_waiters.pop(decision.call_uuid, None)
        if waiter is not None:
            waiter.set(QueueOutcome(ABANDONED, decision.queue, (decision.queue,), decision.waited,
                                    decision.agent_id))

    def _announce(self, decision: Announce) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is None or not queued.holding:
            return
        language = self._language_of(queued)
        prompt = self.render_prompt(announcement_text(decision.position, decision.estimated_wait, language,
                                                      self.texts), language)

        def play() -> None:
            if not queued.holding:
                return
            queued.call.break_playback()
            queued.call.broadcast(prompt)
            queued.call.broadcast(queued.music)
        log.info("call %s: announcing position %s, wait %s", queued.uuid, decision.position,
                 decision.estimated_wait)
        self._safely(queued.uuid, "announcement", play)

    def _language_of(self, queued: QueuedCall) -> str:
        """The language the caller chose in the menu, else the center's."""
        return queued.caller.language or self.language

    def _overflow(self, decision: Overflow) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is None:
            return
        log.info("call %s: overflow %s -> %s", queued.uuid, decision.from_queue, decision.to_queue)
        queued.queue, queued.music = decision.to_queue, decision.music
        queued.queues.append(decision.to_queue)
        self._play_music(queued)

    def _voicemail(self, decision: SendToVoicemail) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is not None:
            queued.pending = {"mailbox": decision.mailbox}
            self._safely(queued.uuid, "stop music", lambda: queued.call.break_playback())

    def _message(self, decision: PlayMessage) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is None:
            return
        queued.pending = {"sound": decision.sound}

        def play_and_hang_up() -> None:
            queued.call.break_playback()
            queued.call.playback(decision.sound)
            queued.call.hangup()
        gevent.spawn(self._safely, queued.uuid, "closing message", play_and_hang_up)

    def _ask_number(self, decision: AskCallbackNumber) -> None:
        queued = self.calls.get(decision.call_uuid)
        if queued is not None and not queued.asking_number:
            queued.asking_number = True
            gevent.spawn(self._collect_number, queued)

    def _collect_number(self, queued: QueuedCall) -> None:
        language = self._language_of(queued)
        prompt = self.render_prompt(ask_number_text(language, self.texts), language)

        def collect() -> str | None:
            queued.call.break_playback()
            return queued.call.play_and_get_digits(4, 15, 2, 8000, "#", prompt, "silence", "callback_number",
                                                   "\\d+", 3000)
        try:
            keyed = self._safely(queued.uuid, "callback number", collect)
            number = self.router.dialable(keyed) if keyed else None
            if number:
                self._submit(lambda: self._carry_out(self.router.request_callback(queued.uuid, number))
                             if queued.uuid in self.router.members else None)
                return
            if keyed:
                log.info("call %s: keyed callback number %r refused (no valid number)", queued.uuid, keyed)
                refused = self.render_prompt(self.texts.say("queue.not_dialable", language), language)
                self._safely(queued.uuid, "number refused", lambda: queued.call.playback(refused))
            if not queued.call.gone:
                self._play_music(queued)
        finally:   # through the worker: after the keyed digits' DTMF events, which came before the result
            self._submit(lambda: setattr(queued, "asking_number", False))

    def _callback_queued(self, decision: CallbackQueued) -> None:
        queued = self.calls.pop(decision.call_uuid, None)
        if queued is None:
            return
        self._settle(queued)
        self._safely(queued.uuid, "stop music", lambda: queued.call.break_playback())
        self._finish(queued, QueueOutcome(CALLBACK, decision.queue, tuple(queued.queues),
                                          callback_number=decision.number, position=decision.position,
                                          caller_alive=not queued.call.gone))

    def _queue_exit(self, decision: QueueExit) -> None:
        if self.store is not None:
            self.store.save_queue_exit({**decision.as_dict(), "trace": list(decision.trace)})
        queued = self.calls.get(decision.call_uuid)
        if queued is None:
            return
        queued.trace, queued.waited = decision.trace, decision.waited
        kind = EXIT_KINDS.get(decision.outcome)
        if kind is None:
            return   # answered: the outcome is given when the conversation ends
        self._finish(queued, QueueOutcome(kind, decision.queue, tuple(queued.queues), decision.waited,
                                          trace=decision.trace, caller_alive=not queued.call.gone,
                                          **queued.pending))  # type: ignore[arg-type]

    def _agent_state(self, decision: AgentStateChanged) -> None:
        if self.on_agent_state is not None:
            self.on_agent_state(decision)

    def _repair(self, decision: Repair) -> None:
        log.warning("ACD repair: %s", decision.description)

    _DECISIONS: dict[type, Callable[[AcdService, Any], None]] = {
        Hold: _hold, Offer: _offer, CancelOffer: _cancel_offer, OfferOverdue: _offer_overdue, Bridge: _bridge,
        Announce: _announce, Overflow: _overflow, SendToVoicemail: _voicemail, PlayMessage: _message,
        AskCallbackNumber: _ask_number, CallbackQueued: _callback_queued, QueueExit: _queue_exit,
        AgentStateChanged: _agent_state, Repair: _repair,
    }

    # ------------------------------------------------------------------ outcomes

    def _answered(self, queued: QueuedCall, caller_alive: bool) -> QueueOutcome:
        """The conversation is over: the agent who finished it, and every segment since the first answer."""
        return QueueOutcome(ANSWERED, queued.queue, tuple(queued.queues), queued.waited, queued.agent_id,
                            queued.talk_time(self.clock()), caller_alive=caller_alive, trace=queued.trace,
                            segments=tuple(queued.segments))

    def _finish(self, queued: QueuedCall, outcome: QueueOutcome) -> None:
        self._settle(queued)   # the flow takes the caller back: nothing of the queue's may reach it later
        if self.calls.get(queued.uuid) is queued:
            del self.calls[queued.uuid]
        if not queued.outcome.ready():
            log.info("call %s: left the ACD: %s in %s", queued.uuid, outcome.kind, outcome.queue)
            queued.outcome.set(outcome)

    # ------------------------------------------------------------------ recording

    def _start_recording(self, queued: QueuedCall, queue: str) -> None:
        now = self.clock()
        path = recording_path(self.recordings_dir, queued.uuid, now)
        path.parent.mkdir(parents=True, exist_ok=True)
        recording = Recording(queued.uuid, str(path), queue, queued.agent_id or "",
                              queued.call.caller_number or None, now)
        try:
            queued.call.start_recording(str(path), append=True)   # later segments go on after earlier ones
        except ESLError as exc:
            log.error("call %s: recording to %s not started: %s", queued.uuid, path, exc)
            return
        queued.recording = recording

    def _stop_recording(self, queued: QueuedCall) -> None:
        """End the conversation's recording and hand its record on.

        ``uuid_record stop`` closes the file before it replies; a caller who hung up has had the file
        closed by the switch before CHANNEL_HANGUP_COMPLETE.
        """
        recording, queued.recording = queued.recording, None
        if recording is None:
            return
        recording.ended_at = self.clock()
        if not queued.call.gone:
            self._safely(queued.uuid, "stop recording", lambda: queued.call.stop_recording(recording.path))
        self._report_recording(recording)

    def _hand_recording_on(self, queued: QueuedCall) -> None:
        """The recording goes on with the caller after the ACD lets the call go; reported when the caller's
        channel is gone (the switch closes the file as it hangs up)."""
        recording, queued.recording = queued.recording, None
        if recording is not None:
            log.info("call %s: recording to %s goes on after the transfer", queued.uuid, recording.path)
            gevent.spawn(self._report_when_gone, queued.call, recording)

    def _report_when_gone(self, call: Call, recording: Recording) -> None:
        try:
            call.wait_for("gone", HANDED_RECORDING_LIMIT)
        except ESLError as exc:
            log.warning("call %s: still up after %s s (%s); its recording is reported now", call.uuid,
                        HANDED_RECORDING_LIMIT, exc)
        recording.ended_at = self.clock()
        self._submit(lambda: self._report_recording(recording))

    def _report_recording(self, recording: Recording) -> None:
        record = recording.as_record(recording.ended_at or self.clock())
        log.info("call %s: recorded %.1f s to %s", recording.call_uuid, record["duration"], record["path"])
        if self.store is not None:
            self.store.save_recording(record)
        if self.on_recording is not None:
            self.on_recording(record)

    # ------------------------------------------------------------------ reconnect

    def _reconcile(self) -> None:
        """After a (re)connect: rebuild our view of agent legs, then repair the router against the switch."""
        live: set[str] = set()
        agent_calls: dict[str, str] = {}
        for channel in self.switch.registry:
            live.add(channel.uuid)
            if channel.role == "agent":
                self._adopt_agent_leg(channel, agent_calls)
        decisions: list[Decision] = []
        if self.switch.sees_every_node():
            for leg in [leg for leg in self.legs.values() if leg.orphaned and leg.uuid not in live]:
                self._offer_failed(leg, "originate-failed")   # it ended while the link was down
            decisions = self.router.reconcile(live, agent_calls)
            decisions += self.reconcile_engaged(list(self.switch.registry))
        else:   # a channel missing from the view may be on a node that is down: repair nothing yet
            log.warning("ACD: some of switch %s's nodes are down; repairs wait until they are back",
                        self.switch.name)
        self._carry_out(decisions)
        self.reconciled.set()
        log.info("ACD reconciled with switch %s: %d live channel(s), %d repair(s)", self.switch.name,
                 len(live), sum(isinstance(d, Repair) for d in decisions))

    def _adopt_agent_leg(self, channel: Channel, agent_calls: dict[str, str]) -> None:
        agent_id = channel.variables.get("fsapp_agent")
        call_uuid = channel.variables.get("fsapp_queue_call")
        if not agent_id or not call_uuid or agent_id not in self.router.agents:
            return
        self._found_on_call(channel, agent_id, call_uuid)
        agent = self.router.agent(agent_id)
        leg = self.legs.get(channel.uuid) or AgentLeg(channel.uuid, call_uuid, agent_id,
                                                      bridges_itself=bridges_itself(channel.variables),
                                                      parks=channel.variables.get(PARK_AFTER_BRIDGE) != "false")
        self.legs[channel.uuid] = leg
        if agent.state is AgentState.ON_CALL and agent.call_uuid == call_uuid and channel.bridged_to:
            agent_calls[agent_id] = channel.uuid
            leg.answered = True
            queued = self.calls.get(call_uuid) or self._adopt_caller(call_uuid, agent.call_queue or "")
            queued.agent_id, queued.agent_leg = agent_id, channel.uuid
            if not queued.segments:
                queued.begin_segment(agent_id, channel.uuid, agent.answered_at or self.clock())
        elif agent.state in (AgentState.RESERVED, AgentState.RINGING) and agent.call_uuid == call_uuid:
            self._offers[(call_uuid, agent_id)] = leg   # the router's deadline will withdraw it
            leg.orphaned = True   # its originate's result went with the old link (or the old controller)
            agent_calls[agent_id] = channel.uuid   # a callback being rung has no caller channel but this leg
        else:
            self.legs.pop(channel.uuid, None)
            log.warning("agent %s: stray leg %s for call %s hung up", agent_id, channel.uuid, call_uuid)
            self._kill(channel.uuid)

    def _found_on_call(self, channel: Channel, agent_id: str, call_uuid: str) -> None:
        """Reconcile found an agent's leg bridged to its caller: whatever the restored state says (the process
        died before saving the answer or a completed transfer), the agent is on call with that caller."""
        queue = channel.variables.get("fsapp_queue") or ""
        if channel.bridged_to != call_uuid or queue not in self.router.queues:
            return
        decisions = agent_found_on_call(self.router, agent_id, call_uuid, queue)
        if decisions:
            self.engaged.pop(agent_id, None)   # a consultation's hold is over: the transfer completed
            self._carry_out(decisions)

    # ------------------------------------------------------------------ helpers

    def _live(self, uuid: str) -> bool:
        """Whether the switch's channel ``uuid`` is known and has not hung up (by the events read so far; a
        channel forgotten after its hangup is not live, and one missed across a reconnect is found again by
        reconciliation)."""
        channel = self.switch.registry.get(uuid)
        return channel is not None and not channel.gone

    def _kill(self, uuid: str) -> None:
        try:
            self.switch.owner_of(uuid).connection().api(f"uuid_kill {uuid} NORMAL_CLEARING")
        except ESLError as exc:
            log.warning("call %s: hangup failed: %s", uuid, exc)

    def _safely(self, uuid: str, what: str, action: Callable[[], Any]) -> Any:
        """Run a call verb, after the caller's commands still on their way (:meth:`_in_order`); a failure
        (usually the caller just hung up) is logged, not raised."""
        queued = self.calls.get(uuid)
        if queued is not None:
            self._settle(queued)
        return self._attempt(uuid, what, action)

    @staticmethod
    def _settle(queued: QueuedCall) -> None:
        """Wait until the caller's switch commands sent off the worker have run (a command decided after
        them must reach the switch after them: no hold music over what follows the queue)."""
        pending = queued.commands
        if pending is not None and pending is not gevent.getcurrent():
            pending.join()

    def _attempt(self, uuid: str, what: str, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except ESLError as exc:
            log.info("call %s: %s failed: %s", uuid, what, exc)
            return None
