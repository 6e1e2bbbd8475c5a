"""Fixtures for the dialer: a store on a temporary SQLite file, the simulated switch, a Switch on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.dialer import CampaignSettings, CampaignStore
from fsapp.sim import SimulatedSwitch
from fsapp.store import Store, open_store
from fsapp.switch import Switch
from tests.dialer.dialer_helpers import write_list
from tests.integration.conftest import ROOT, controller_config, one_clock

SIM_SPEED = 50.0
CONTROLLER_WAIT = 30.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'fsapp.db'}")
    yield opened
    opened.close()


@pytest.fixture
def campaigns(store: Store) -> CampaignStore:
    return CampaignStore.of(store)


@pytest.fixture
def sim_speed() -> float:
    return SIM_SPEED


@pytest.fixture
def switch(sim: SimulatedSwitch) -> Iterator[Switch]:
    host, port = sim.address
    connected = Switch(host, port, "ClueCon", reconnect_wait=10.0).start()
    connected.wait_connected(10.0)
    yield connected
    connected.stop()



@pytest.fixture
def make_campaign(campaigns: CampaignStore, sim: SimulatedSwitch,
                  tmp_path: Path) -> Callable[..., str]:
    """A campaign whose numbers reach endpoints with the given behaviours: ``{"+47...": "busy", ...}``."""

    def make(name: str, behaviours: dict[str, str], **settings: object) -> str:
        for number, behaviour in behaviours.items():
            sim.add_endpoint(number, behaviour=behaviour, answer_after=0.5)
        values: dict[str, object] = {"message": {"nb": "Vannet stenges i morgen.", "en": "Water is off tomorrow."},
                                     "max_concurrent": 5, "calls_per_second": 50.0, "ring_timeout": 5.0}
        values.update(settings)
        campaigns.create(name, CampaignSettings.from_dict(values))
        campaigns.import_list(name, write_list(tmp_path / f"{name}.csv", list(behaviours)))
        return name

    return make


@pytest.fixture
def make_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Callable[..., Controller]]:
    """Controllers on ``sim`` (see tests/integration's ``controller_config``) whose outbound side is ready."""
    started: list[Controller] = []

    def make(flows_dir: Path = ROOT / "ivr_scripts", at: datetime | None = None, **overrides: object) -> Controller:
        clock = one_clock(sim, at) if at else {}   # pinned: the switch's clock; else the real one, as in a center
        controller = Controller(controller_config(sim, tmp_path, flows_dir, **overrides), **clock)
        controller.outbound.poll = 0.1
        started.append(controller)
        controller.start()
        controller.switch.wait_connected(CONTROLLER_WAIT)
        assert controller.desk.wait_ready(CONTROLLER_WAIT)
        return controller

    yield make
    for controller in started:
        controller.stop()
