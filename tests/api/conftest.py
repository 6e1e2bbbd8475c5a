"""A controller with its control API on the simulated switch, and clients of that API."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fsapp.api.client import ApiClient
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES, WAIT
from tests.integration.conftest import MONDAY_MORNING, controller_config, one_clock

TOKENS = {"tok-supervisor": "supervisor", "tok-operator": "operator", "tok-admin": "admin",
          "tok-integration": "integration"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def sim_speed() -> float:
    return 10.0


@pytest.fixture
def sim(sim: SimulatedSwitch) -> SimulatedSwitch:
    """The shared simulated switch, telling :data:`CHANGES` of every change."""
    sim.core.observers.append(CHANGES.poke)
    return sim


@pytest.fixture
def controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    config = controller_config(sim, tmp_path, **{"api.port": free_port(), "api.tokens": TOKENS})
    started = Controller(config, **one_clock(sim, MONDAY_MORNING))
    started.start()
    started.acd.change_listeners.append(CHANGES.poke)
    started.switch.listen(CHANGES.poke)   # after the API's own listeners, so their state is up to date
    started.switch.wait_connected(WAIT)
    yield started
    started.stop()


@pytest.fixture
def api(controller: Controller) -> ApiClient:
    assert controller.api_server is not None, "tokens are configured, so start() serves the API"
    return ApiClient(controller.api_server.url, "tok-supervisor")


def client_as(controller: Controller, role: str) -> ApiClient:
    assert controller.api_server is not None
    return ApiClient(controller.api_server.url, f"tok-{role}")
