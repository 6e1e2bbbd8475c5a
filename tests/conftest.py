"""Shared fixtures: the recorded FreeSWITCH transcripts, a private PostgreSQL, a simulated switch.

``FSAPP_TEST_DAYS_AHEAD=N`` runs the tests with the wall clock N days ahead (``make test`` runs the suites
that deal in dates a year ahead as well), so a date that expires fails here first, not in a city.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from pgcluster import PostgresCluster, running_cluster

from fsapp.sim import SimulatedSwitch

TRANSCRIPTS = Path(__file__).parent / "data" / "transcripts"
DAYS_AHEAD = "FSAPP_TEST_DAYS_AHEAD"


def _travel_ahead() -> object | None:
    """Move the wall clock ahead before anything reads it, when ``FSAPP_TEST_DAYS_AHEAD`` asks for it.

    Started when this file is imported: pytest imports it before every other conftest and test module, so
    :data:`tests.timeline.RUN_START` is read on the moved clock. time-machine moves ``time.time``,
    ``datetime.now`` and friends in this process and lets them tick on; monotonic clocks (gevent's timers)
    are left alone. (libfaketime cannot serve here: under it Python's ``time.sleep`` fails with EINVAL.)
    """
    days = os.environ.get(DAYS_AHEAD, "").strip()
    if not days:
        return None
    import time_machine

    traveller = time_machine.travel(datetime.now(timezone.utc) + timedelta(days=int(days)), tick=True)
    traveller.start()
    return traveller


TRAVELLER = _travel_ahead()


def pytest_report_header(config: pytest.Config) -> str:
    return f"wall clock: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"


def transcript_paths(suffix: str) -> list[Path]:
    """Every recorded stream with this suffix (``.rx.bin``: from the switch, ``.tx.bin``: to it)."""
    return sorted(TRANSCRIPTS.rglob(f"*{suffix}"))


@pytest.fixture(scope="session")
def transcripts_dir() -> Path:
    return TRANSCRIPTS


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A private PostgreSQL cluster for the whole session (see tests/pgcluster.py)."""
    yield from running_cluster()


@pytest.fixture
def sim_speed() -> float:
    """How many times faster than real time ``sim`` runs (a directory's conftest.py may say otherwise)."""
    return 20.0


@pytest.fixture
def sim(sim_speed: float) -> Iterator[SimulatedSwitch]:
    """A simulated switch for one test, on a free loopback port."""
    switch = SimulatedSwitch(password="ClueCon", speed=sim_speed)
    switch.start()
    yield switch
    switch.stop()
