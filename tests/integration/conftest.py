"""Fixtures for whole calls through the controller on the simulated switch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fsapp.config import Config, load_config
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests import timeline

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0
OSLO = ZoneInfo("Europe/Oslo")


def one_clock(sim: SimulatedSwitch, moment: datetime | None = None) -> dict[str, Any]:
    """The controller's clock arguments: the simulated switch's own clock, pinned at ``moment`` if given.

    One clock per test: the switch's event times, the controller's menus, ACD timers and the store's records
    all read the same time, so a call placed "on Monday morning" is recorded on that Monday.
    """
    if moment is not None:
        sim.clock.jump_to(moment.timestamp())
    return {"wall_clock": sim.clock.now, "clock_wait": sim.clock.wait}


def controller_config(sim: SimulatedSwitch, tmp_path: Path, flows_dir: Path = ROOT / "ivr_scripts",
                      **overrides: object) -> Config:
    """conf/fsapp.yaml and conf/acd.yaml pointed at ``sim``, with the store and files under ``tmp_path``."""
    host, port = sim.address
    return load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{tmp_path / 'fsapp.db'}", "ivr.flows_dir": str(flows_dir),
        "acd.file": str(ROOT / "conf" / "acd.yaml"), "speech.tts_cache": str(ROOT / "sounds" / "tts"),
        "paths.recordings": str(tmp_path / "recordings"), "paths.state": str(tmp_path / "state"),
        "register.file": str(tmp_path / "register.yaml"),   # none: a test makes the categories it needs
        "switch.host": host, "switch.port": port, **overrides})


@pytest.fixture
def sim_speed() -> float:
    return 10.0


def started_controllers(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Callable[..., Controller]]:
    """Yields ``make(moment, flows_dir=..., **overrides)``: a started controller on ``sim`` with its store and files
    under the test's directory (``overrides``: dotted config keys); ``moment`` pins the clock (None: a controller
    started later in the same test, on the clock as it runs). Every one is stopped afterwards."""
    started: list[Controller] = []

    def make(moment: datetime | None, flows_dir: Path = ROOT / "ivr_scripts", **overrides: object) -> Controller:
        controller = Controller(controller_config(sim, tmp_path, flows_dir, **overrides), **one_clock(sim, moment))
        started.append(controller)
        controller.start()
        controller.switch.wait_connected(WAIT)
        return controller

    yield make
    for controller in started:
        controller.stop()


@pytest.fixture
def make_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Callable[..., Controller]]:
    yield from started_controllers(sim, tmp_path)


def crash(controller: Controller) -> None:
    """What ``kill -9`` of ``fsapp run`` leaves: no flow finished, nothing written at exit, the link just cut
    (calls stay up on the switch)."""
    import gevent

    gevent.killall(controller.acd._greenlets)
    controller.acd._ringing.kill()
    for greenlet in (controller._flow_watch, controller.heartbeat and controller.heartbeat._greenlet):
        if greenlet is not None:
            greenlet.kill()
    client = controller.switch.client
    client._stopping = True
    if client._connection is not None:
        client._connection.close()
    gevent.killall(list(controller.switch._handlers.values()))


MONDAY_MORNING = timeline.MONDAY_MORNING
SUNDAY = timeline.SUNDAY_NOON


class Keypad:
    """A caller who keys each answer when the switch asks for it (a play_and_get_digits starting on the call).

    A key pressed during a plain prompt stops it and answers the next question (type-ahead); a test caller
    waits for the question rather than keying at a guessed moment.
    """

    def __init__(self, sim: SimulatedSwitch, presses: list[str]) -> None:
        import gevent

        from fsapp.esl.connection import ESLConnection

        self.sim = sim
        self.presses = list(presses)
        self.uuid: str | None = None
        host, port = sim.address
        self.watcher = ESLConnection(host, port, "ClueCon").connect()
        self.watcher.subscribe(["CHANNEL_EXECUTE"])
        self.greenlet = gevent.spawn(self._watch)

    def call(self, caller: str, **kwargs) -> str:
        from fsapp.sim import CallerScript

        kwargs.setdefault("script", CallerScript(hangup_after=900.0))
        self.uuid = self.sim.place_call(caller=caller, **kwargs)
        return self.uuid

    def _watch(self) -> None:
        for event in self.watcher.iter_events():
            if (self.presses and event.uuid == self.uuid
                    and event.get("Application") == "play_and_get_digits"):
                self.sim.send_dtmf(self.uuid, self.presses.pop(0))

    def close(self) -> None:
        self.watcher.close()
        self.greenlet.kill(block=False)


@pytest.fixture
def keypad(sim: SimulatedSwitch) -> Iterator:
    pads: list[Keypad] = []

    def make(*presses: str) -> Keypad:
        pads.append(Keypad(sim, list(presses)))
        return pads[-1]

    yield make
    for pad in pads:
        pad.close()
