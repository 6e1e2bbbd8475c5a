"""A controller with its control API on the simulated switch, and clients of that API."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import gevent
import pytest

from fsapp.api.client import ApiClient
from fsapp.config import load_config
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20.0
OSLO = ZoneInfo("Europe/Oslo")
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=OSLO)
TOKENS = {"tok-supervisor": "supervisor", "tok-operator": "operator", "tok-admin": "admin",
          "tok-integration": "integration"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout: float = WAIT, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        gevent.sleep(0.02)   # lets the controller's greenlets run while polling its state
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def sim() -> Iterator[SimulatedSwitch]:
    switch = SimulatedSwitch(password="ClueCon", speed=10.0)
    switch.start()
    yield switch
    switch.stop()


@pytest.fixture
def controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    host, port = sim.address
    config = load_config(ROOT / "conf" / "fsapp.yaml", env={}, overrides={
        "database.url": f"sqlite:///{tmp_path / 'fsapp.db'}", "ivr.flows_dir": str(ROOT / "ivr_scripts"),
        "acd.file": str(ROOT / "conf" / "acd.yaml"), "speech.tts_cache": str(ROOT / "sounds" / "tts"),
        "paths.recordings": str(tmp_path / "recordings"), "paths.state": str(tmp_path / "state"),
        "switch.host": host, "switch.port": port, "api.port": free_port(), "api.tokens": TOKENS})
    offset = MONDAY_MORNING.timestamp() - time.time()
    started = Controller(config, wall_clock=lambda: time.time() + offset)
    started.start()
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
