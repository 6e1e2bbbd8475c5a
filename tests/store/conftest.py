"""Store fixtures: every store test runs on SQLite and on a private PostgreSQL cluster.

The cluster (``postgres_cluster``, a session fixture in tests/conftest.py; see tests/pgcluster.py) is shared
with every other area that needs PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timezone
from pathlib import Path

import pytest
from pgcluster import PostgresCluster

from fsapp.store import Store, open_store
from fsapp.store.workflow import ManualClock
from tests import timeline

START = timeline.next_weekday(timeline.MONDAY, 9, tz=timezone.utc)   # a Monday morning

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database (no tables at all) on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fsapp.db"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    cluster.reset()
    return cluster.url


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no rows, possibly already migrated, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/fsapp.db"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.fresh_url()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def store(store_url: str, clock: ManualClock, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store with a manual clock and attachments under ``tmp_path``."""
    opened = open_store(store_url, clock=clock, region="NO", files_dir=tmp_path / "files")
    try:
        yield opened
    finally:
        opened.close()
