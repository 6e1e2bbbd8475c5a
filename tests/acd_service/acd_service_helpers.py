"""A controller (Switch + AcdService) driving queue calls on a simulated switch, and ways to wait on it."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

import gevent
from gevent.event import AsyncResult, Event as Flag

from fsapp.acd import AcdConfig, AgentConfig, AgentStateChanged, QueueConfig
from fsapp.acd.outcome import QueueOutcome
from fsapp.acd.service import AcdService
from fsapp.acd.snapshot_file import load_router
from fsapp.esl.events import Event
from fsapp.sim import SimulatedSwitch
from fsapp.switch import DEFAULT_EVENTS, Call, Channel, Switch

SPEED = 20.0
MUSIC = "tone_stream://%(1000,3000,440);loops=-1"     # endless, like local_stream://moh
WAIT = 15.0                                            # real seconds any one expectation may take


def build_config(queues: dict[str, dict[str, Any]], agents: dict[str, dict[str, Any]]) -> AcdConfig:
    return AcdConfig(
        skills={},
        queues={name: QueueConfig(name=name, **{"hold_music": MUSIC, "wrap_up": 0.0, **settings})
                for name, settings in queues.items()},
        agents={agent_id: AgentConfig(id=agent_id, **{"contact": f"user/{agent_id}", **settings})
                for agent_id, settings in agents.items()})


class Watch:
    """Things seen so far, and a way to wait until one of them shows up (woken by each new one)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = Flag()

    def add(self, item: Any) -> None:
        self.items.append(item)
        self._changed.set()

    def wait(self, predicate: Callable[[Any], bool], timeout: float = WAIT) -> Any:
        with gevent.Timeout(timeout, AssertionError("expected item did not show up")):
            seen = 0
            while True:
                for item in self.items[seen:]:
                    if predicate(item):
                        return item
                seen = len(self.items)
                self._changed.clear()
                self._changed.wait()


class Controller:
    """The queue side of fsapp on one simulated switch: every parked call enters the queue named by its entry."""

    def __init__(self, sim: SimulatedSwitch, config: AcdConfig, workdir: Path, *, more_events: tuple[str, ...] = (),
                 keep_caller: bool = False, **options: Any) -> None:
        host, port = sim.address
        self.sim = sim
        self.keep_caller = keep_caller   # the flow goes on after the conversation (a survey)
        # PLAYBACK_START on top of the defaults lets the tests see what callers hear.
        self.switch = Switch(host, port, "ClueCon", reconnect_wait=5.0,
                             events=(*DEFAULT_EVENTS[:-2], "PLAYBACK_START", *more_events, *DEFAULT_EVENTS[-2:]))
        self.router = load_router(config, sim.clock, workdir / "acd.json")
        self.states = Watch()
        self.events = Watch()
        self.recordings: list[dict[str, Any]] = []
        self.recorded = Watch()
        self.outcomes: dict[str, AsyncResult] = defaultdict(AsyncResult)
        self.service = AcdService(self.switch, self.router, sim.clock, recordings_dir=workdir / "recordings",
                                  snapshot_path=workdir / "acd.json", on_recording=self._recording,
                                  on_agent_state=self.states.add, tick_interval=0.02, **options)
        self.switch.route("*", self._flow)
        self.switch.listen(self._event)
        self.switch.start()
        self.service.start()
        self.switch.reconciled.wait(5.0)

    def _flow(self, call: Call) -> None:
        self.outcomes[call.uuid].set(self.service.enqueue(call, call.channel.entry or "", keep_caller=self.keep_caller))

    def _event(self, event: Event, channel: Channel | None) -> None:
        self.events.add(event)

    def _recording(self, record: dict[str, Any]) -> None:
        self.recordings.append(record)
        self.recorded.add(record)

    def outcome(self, uuid: str, timeout: float = WAIT) -> QueueOutcome:
        return self.outcomes[uuid].get(timeout=timeout)

    def wait_state(self, agent_id: str, state: str, call_uuid: str | None = None) -> AgentStateChanged:
        return self.states.wait(lambda d: d.agent_id == agent_id and d.state == state
                                and (call_uuid is None or d.call_uuid == call_uuid))

    def wait_music(self, uuid: str, path: str = MUSIC, since: int = 0) -> Event:
        """The caller hears ``path`` (its PLAYBACK_START, among the events from number ``since`` on)."""
        return self.events.wait(lambda e: e.name == "PLAYBACK_START" and e.get("Unique-ID") == uuid
                                and e.get("Playback-File-Path") == path and self.events.items.index(e) >= since)

    def agent_leg(self, agent_id: str) -> str:
        """The live leg the simulated switch has to this agent."""
        legs = [uuid for uuid, channel in self.sim.channels.items()
                if channel.variables.get("fsapp_agent") == agent_id and channel.alive]
        assert len(legs) == 1, f"agent {agent_id} legs: {legs}"
        return legs[0]

    def stop(self) -> None:
        self.service.stop()
        self.switch.stop()
