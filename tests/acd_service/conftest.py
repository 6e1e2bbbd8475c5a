"""Fixtures: a simulated switch running twenty times faster than real time, and controllers on it."""

from __future__ import annotations

from typing import Any

import pytest
from acd_service_helpers import SPEED, Controller

from fsapp.acd import AcdConfig


@pytest.fixture
def sim_speed() -> float:
    return SPEED


@pytest.fixture
def controller(sim, tmp_path):
    started: list[Controller] = []

    def start(config: AcdConfig, **options: Any) -> Controller:
        center = Controller(sim, config, tmp_path, **options)
        started.append(center)
        return center
    yield start
    for center in started:
        center.stop()
