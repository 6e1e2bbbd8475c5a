"""A simulated switch per test, running twenty times faster than real time."""

from __future__ import annotations

import pytest

from fsapp.sim import SimulatedSwitch


@pytest.fixture
def sim():
    switch = SimulatedSwitch(password="ClueCon", speed=20.0)
    switch.start()
    yield switch
    switch.stop()
