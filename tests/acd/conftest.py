"""Fixtures for ACD tests: a manual clock and a router factory."""

from __future__ import annotations

from typing import Any

import pytest
from acd_builders import build_config

from fsapp.acd import ManualClock, Router


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1000.0)


@pytest.fixture
def make_router(clock: ManualClock):
    def make(queues: dict[str, dict[str, Any]], agents: dict[str, dict[str, Any]],
             login: bool = True) -> Router:
        router = Router(build_config(queues, agents), clock)
        if login:
            for agent_id in agents:
                router.agent_login(agent_id)
                clock.advance(1)
        return router
    return make
