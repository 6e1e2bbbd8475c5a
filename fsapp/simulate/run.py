"""One simulated day: the real controller, flows and queues against the simulated switch on a virtual clock.

The switch and the controller share a :class:`~fsapp.simulate.vclock.VirtualClock`; bytes between them
go over loopback sockets as in production. Synthetic citizens call at the drawn arrival times, synthetic
operators log in (``agents`` of the configured ones, or ``staffing[hour]`` per hour), answer, talk and take
breaks. The day ends when the last call has left the switch.
"""

from __future__ import annotations

import logging
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, time as clock_time, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import gevent

from fsapp.acd.decisions import AgentStateChanged
from fsapp.config import Config
from fsapp.controller import Controller
from fsapp.errors import FsappError
from fsapp.sim import SimulatedSwitch
from fsapp.simulate.center import agent_endpoint, next_opening, unrecorded_copy
from fsapp.simulate.errors import SimulationError
from fsapp.simulate.operators import OperatorProfile, working_day_breaks
from fsapp.simulate.traffic import CallerProfile, caller_number, counted_arrivals, poisson_arrivals
from fsapp.simulate.vclock import VirtualClock

log = logging.getLogger(__name__)

ACD_TICK = 3600.0          # simulated seconds between the ACD's reconnect checks (a simulated day has none)
RETRY_WHEN_BUSY = 20.0     # simulated seconds before asking a busy operator again to go on break / log out
FREE_STATES = ("available", "wrap-up")


@dataclass
class SimulationSettings:
    """What to simulate. Give ``calls_per_hour`` (Poisson) or ``arrivals_per_hour`` (counts per hour)."""

    hours: float = 8.0
    calls_per_hour: float | None = None
    arrivals_per_hour: list[int] | None = None
    agents: int | None = None                 # how many of the configured agents log in (config order)
    staffing: list[int] | None = None         # agents logged in during each hour (overrides ``agents``)
    seed: int = 1
    callers: CallerProfile = field(default_factory=CallerProfile)
    operators: OperatorProfile | None = None  # None: exponential talk, a day's usual breaks
    start: clock_time = clock_time(8, 0)
    sample_every: float = 60.0                # simulated seconds between samples for the plot
    timeout: float = 600.0                    # real seconds the whole day may take
    speed: float | None = None                # at most this many simulated seconds per real second


@dataclass
class DayRecord:
    """What happened: one row per call (from the store), samples over the day, agents' state changes."""

    day_start: float
    hours: float
    calls: list[dict[str, Any]]
    samples: list[dict[str, Any]]
    agent_states: list[tuple[float, str, str]]    # (seconds into the day, agent, new state)
    logged_in: dict[str, list[tuple[float, float]]]   # agent -> (from, to) seconds into the day
    agents_of_queue: dict[str, list[str]]         # queue -> agents who logged in and serve it
    wall_seconds: float = 0.0
    simulated_seconds: float = 0.0


def arrival_times(settings: SimulationSettings, rng: random.Random) -> list[float]:
    if settings.arrivals_per_hour is not None:
        return counted_arrivals(rng, settings.arrivals_per_hour)
    if settings.calls_per_hour is None:
        raise SimulationError("give calls per hour or an arrivals file")
    return poisson_arrivals(rng, settings.calls_per_hour, settings.hours)


def run_day(config: Config, settings: SimulationSettings) -> DayRecord:
    """Simulate one day of ``config``'s contact center; ``config`` is changed for the run (switch, store)."""
    rng = random.Random(settings.seed)
    arrivals = arrival_times(settings, rng)
    zone = ZoneInfo(config.timezone)
    day_start = next_opening(zone, datetime(2026, 3, 1, tzinfo=zone), settings.start).timestamp()
    clock = VirtualClock(day_start, settings.speed)
    with tempfile.TemporaryDirectory(prefix="fsapp-simulate-") as scratch:
        config.acd.file = str(unrecorded_copy(config.acd.file, Path(scratch)))
        config.database.url = "sqlite:///:memory:"
        config.paths.state = str(Path(scratch) / "state")
        sim = SimulatedSwitch(password=config.switch.password, clock=clock)
        config.switch.host, config.switch.port = sim.start()
        day = _Day(config, settings, sim, clock, rng)
        try:
            return day.run(arrivals)
        finally:
            day.stop()


class _Day:
    def __init__(self, config: Config, settings: SimulationSettings, sim: SimulatedSwitch,
                 clock: VirtualClock, rng: random.Random) -> None:
        self.settings, self.sim, self.clock, self.rng = settings, sim, clock, rng
        self.day_start = clock.now()
        self.operators = settings.operators or OperatorProfile(breaks=working_day_breaks(settings.hours))
        # the ACD's timers are alarms on the virtual clock
        self.controller = Controller(config, wall_clock=clock, clock_wait=clock.wait, switch_checks=False)
        self.controller.acd.tick_interval = ACD_TICK
        self.controller.acd.on_agent_state = self._agent_state
        self.controller.acd.snapshot = None   # kept for restarts; a simulated day has none
        self.agent_states: list[tuple[float, str, str]] = []
        self.state: dict[str, str] = {}
        self.logged_in: dict[str, list[tuple[float, float]]] = {}
        self.samples: list[dict[str, Any]] = []
        self.uuids: list[str] = []
        self.arrivals_done = False
        self.greenlets: list[gevent.Greenlet] = []

    def elapsed(self) -> float:
        return self.clock.now() - self.day_start

    def run(self, arrivals: list[float]) -> DayRecord:
        started = time.monotonic()
        self.controller.start()
        self.controller.switch.wait_connected(30)
        self.controller.acd.reconciled.wait(30)
        roster = self._roster()
        self._staff(roster)
        self.greenlets = [gevent.spawn(self._callers, arrivals), gevent.spawn(self._sampler)]
        if self.settings.staffing is not None:
            self.greenlets.append(gevent.spawn(self._shifts, roster))
        deadline = started + self.settings.timeout
        self.clock.run(lambda: self._over() or time.monotonic() > deadline)
        if not self._over():
            raise SimulationError(f"the simulated day did not end within {self.settings.timeout} s of real time")
        for uuid in self.uuids:
            self.controller.wait_finished(uuid, 30)
        ended = self.elapsed()
        self._close_sessions(ended)
        calls = self.controller.store.calls_between(datetime.fromtimestamp(self.day_start - 1, timezone.utc),
                                                    datetime.fromtimestamp(self.clock.now() + 1, timezone.utc))
        return DayRecord(day_start=self.day_start, hours=self.settings.hours, calls=calls, samples=self.samples,
                         agent_states=self.agent_states, logged_in=self.logged_in,
                         agents_of_queue=self._agents_of_queue(), wall_seconds=time.monotonic() - started,
                         simulated_seconds=ended)

    def stop(self) -> None:
        gevent.killall(self.greenlets)
        try:
            self.controller.stop()
        finally:
            self.sim.stop()

    def _over(self) -> bool:
        return self.arrivals_done and not self.sim.core.channels

    # -- operators ---------------------------------------------------------------------------------

    def _roster(self) -> list[str]:
        agents = list(self.controller.acd_config.agents)
        wanted = max(self.settings.staffing) if self.settings.staffing else self.settings.agents
        if wanted is not None and wanted > len(agents):
            raise SimulationError(f"{wanted} operators asked for, but {self.controller.config.acd.file} "
                                  f"has only {len(agents)} agents")
        return agents if wanted is None else agents[:wanted]

    def _staff(self, roster: list[str]) -> None:
        acd_config = self.controller.acd_config
        for agent_id in acd_config.agents:
            agent = acd_config.agents[agent_id]
            mean = _mean_handle_time(acd_config, agent_id)
            self.sim.add_endpoint(agent_endpoint(agent.contact), behaviour="answer",
                                  answer_after=self.rng.uniform(*self.operators.answer_after),
                                  hangup_after=self.operators.talk_sampler(random.Random(self.rng.random()), mean))
        first = roster if self.settings.staffing is None else roster[:self.settings.staffing[0]]
        for agent_id in first:
            self._login(agent_id)
            for item in self.operators.breaks_for(self.rng):
                self.greenlets.append(gevent.spawn(self._take_break, agent_id, item.at, item.seconds, item.reason))

    def _login(self, agent_id: str) -> None:
        self.controller.acd.agent_login(agent_id)
        self.logged_in.setdefault(agent_id, []).append((self.elapsed(), -1.0))

    def _logout(self, agent_id: str) -> None:
        self.controller.acd.agent_logout(agent_id)
        start, _ = self.logged_in[agent_id][-1]
        self.logged_in[agent_id][-1] = (start, self.elapsed())

    def _close_sessions(self, ended: float) -> None:
        for sessions in self.logged_in.values():
            if sessions and sessions[-1][1] < 0:
                sessions[-1] = (sessions[-1][0], ended)

    def _wait_free(self, agent_id: str) -> bool:
        """Wait until the agent can leave (available or in wrap-up); False if it logged out meanwhile."""
        while self.state.get(agent_id, "available") not in FREE_STATES:
            if self.state.get(agent_id) == "logged-out":
                return False
            self.clock.sleep(RETRY_WHEN_BUSY)
        return True

    def _take_break(self, agent_id: str, at: float, seconds: float, reason: str) -> None:
        self.clock.sleep(at - self.elapsed())
        if self.arrivals_done or not self._wait_free(agent_id):
            return
        self.controller.acd.agent_break(agent_id, reason)
        self.clock.sleep(seconds)
        if self.state.get(agent_id) == "break":
            self.controller.acd.agent_ready(agent_id)

    def _shifts(self, roster: list[str]) -> None:
        staffing = self.settings.staffing or []
        for hour, count in enumerate(staffing[1:], start=1):
            self.clock.sleep(hour * 3600 - self.elapsed())
            active = [agent for agent in roster if self.state.get(agent, "logged-out") != "logged-out"]
            for agent_id in roster:
                if len(active) >= count:
                    break
                if agent_id not in active:
                    self._login(agent_id)
                    active.append(agent_id)
            for agent_id in reversed(active[count:]):
                gevent.spawn(self._leave, agent_id)

    def _leave(self, agent_id: str) -> None:
        if self._wait_free(agent_id):
            self._logout(agent_id)

    def _agent_state(self, change: AgentStateChanged) -> None:
        self.state[change.agent_id] = change.state
        self.agent_states.append((self.elapsed(), change.agent_id, change.state))

    def _agents_of_queue(self) -> dict[str, list[str]]:
        agents = self.controller.acd_config.agents
        return {queue: [agent_id for agent_id in self.logged_in if queue in agents[agent_id].queues]
                for queue in self.controller.acd_config.queues}

    # -- callers -----------------------------------------------------------------------------------

    def _callers(self, arrivals: list[float]) -> None:
        try:
            for moment in arrivals:
                self.clock.sleep(moment - self.elapsed())
                script = self.settings.callers.script(self.rng)
                self.uuids.append(self.sim.place_call(caller=caller_number(self.rng), script=script))
        finally:
            self.arrivals_done = True

    def _sampler(self) -> None:
        router = self.controller.acd.router
        queues = list(self.controller.acd_config.queues)
        while True:
            states: dict[str, int] = {}
            for agent_state in self.state.values():
                states[agent_state] = states.get(agent_state, 0) + 1
            self.samples.append({"at": self.elapsed(),
                                 "waiting": {q: router.queue_stats(q)["waiting"] for q in queues},
                                 "agents": states})
            self.clock.sleep(self.settings.sample_every)


def _mean_handle_time(acd_config: Any, agent_id: str) -> float:
    """The mean talk time of the agent's first queue (``default_handle_time`` in the ACD file)."""
    queues = list(acd_config.agents[agent_id].queues)
    if not queues:
        return 240.0
    return float(acd_config.queue(queues[0]).default_handle_time)


def run_day_checked(config: Config, settings: SimulationSettings) -> DayRecord:
    """:func:`run_day`, with any controller failure reported as a :class:`SimulationError`."""
    try:
        return run_day(config, settings)
    except SimulationError:
        raise
    except FsappError as exc:
        raise SimulationError(str(exc)) from exc
