"""Fixtures for faxes through the controller on the simulated switch."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from tests.api.api_waits import CHANGES
from tests.integration.conftest import WAIT, controller_config, one_clock

FAX_NUMBER = "+4721000099"


@pytest.fixture
def sim_speed() -> float:
    return 20.0


def fax_overrides(tmp_path: Path, **more: object) -> dict[str, object]:
    return {"fax.enabled": True, "fax.number": FAX_NUMBER, "fax.station_id": "+47 21 00 00 99",
            "paths.faxes": str(tmp_path / "faxes"), **more}


@pytest.fixture
def fax_controller(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Callable[..., Controller]]:
    started: list[Controller] = []

    def make(**more: object) -> Controller:
        config = controller_config(sim, tmp_path, **fax_overrides(tmp_path, **more))
        controller = Controller(config, **one_clock(sim))
        started.append(controller)
        controller.start()
        controller.switch.wait_connected(WAIT)
        controller.switch.listen(CHANGES.poke)
        controller.fax.listeners.append(CHANGES.poke)
        sim.core.observers.append(CHANGES.poke)
        return controller

    yield make
    for controller in started:
        controller.stop()
