"""Fixtures for whole calls through the controller on the simulated switch."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fsapp.config import Config, load_config
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch

ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0
OSLO = ZoneInfo("Europe/Oslo")


def shifted_clock(moment: datetime):
    """Real time moving on from ``moment`` (opening hours are decided by the moment of the call)."""
    offset = moment.timestamp() - time.time()
    return lambda: time.time() + offset


def controller_config(sim: SimulatedSwitch, tmp_path: Path, flows_dir: Path = ROOT / "ivr_scripts",
                      **overrides: object) -> Config:
    """conf/fsapp.yaml and conf/acd.yaml pointed at ``sim``, with the store and files under ``tmp_path``."""
    host, port = sim.address
    return load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{tmp_path / 'fsapp.db'}", "ivr.flows_dir": str(flows_dir),
        "acd.file": str(ROOT / "conf" / "acd.yaml"), "speech.tts_cache": str(ROOT / "sounds" / "tts"),
        "paths.recordings": str(tmp_path / "recordings"), "paths.state": str(tmp_path / "state"),
        "switch.host": host, "switch.port": port, **overrides})


@pytest.fixture
def sim_speed() -> float:
    return 10.0


@pytest.fixture
def make_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator:
    started: list[Controller] = []

    def make(moment: datetime, flows_dir: Path = ROOT / "ivr_scripts") -> Controller:
        controller = Controller(controller_config(sim, tmp_path, flows_dir), wall_clock=shifted_clock(moment))
        started.append(controller)
        controller.start()
        controller.switch.wait_connected(WAIT)
        return controller

    yield make
    for controller in started:
        controller.stop()


MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=OSLO)
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=OSLO)


class Keypad:
    """A caller who keys each answer when the switch asks for it (a play_and_get_digits starting on the call).

    Keys pressed during a plain prompt are eaten by the playback, on the real switch as on the simulated
    one, so a test caller waits for the question rather than keying at a guessed moment.
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
