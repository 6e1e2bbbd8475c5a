"""Shared fixtures: the recorded FreeSWITCH transcripts used as protocol fixtures; a private PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PostgresCluster, running_cluster

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
