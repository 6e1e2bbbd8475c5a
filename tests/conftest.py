"""Shared fixtures: the recorded FreeSWITCH transcripts, a private PostgreSQL, a simulated switch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PostgresCluster, running_cluster

from fsapp.sim import SimulatedSwitch

TRANSCRIPTS = Path(__file__).parent / "data" / "transcripts"


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
