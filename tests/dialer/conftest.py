"""Fixtures for the dialer: a store on a temporary SQLite file, the simulated switch, a Switch on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fsapp.dialer import CampaignSettings, CampaignStore
from fsapp.sim import SimulatedSwitch
from fsapp.store import Store, open_store
from fsapp.switch import Switch
from tests.dialer.dialer_helpers import write_list

SIM_SPEED = 50.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'fsapp.db'}")
    yield opened
    opened.close()


@pytest.fixture
def campaigns(store: Store) -> CampaignStore:
    return CampaignStore.of(store)


@pytest.fixture
def sim() -> Iterator[SimulatedSwitch]:
    switch = SimulatedSwitch(password="ClueCon", speed=SIM_SPEED)
    switch.start()
    yield switch
    switch.stop()


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
