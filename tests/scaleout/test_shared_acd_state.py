"""The ACD's snapshot in PostgreSQL: line order and agents survive a round trip; a failed write is not fatal."""

from __future__ import annotations

import logging

import peewee as pw
import pytest
import yaml

from fsapp.acd.loader import parse_acd_config
from fsapp.ha.acd_state import SharedSnapshot, restore_router
from fsapp.store import open_store
from fsapp.store.database import open_database
from tests.scaleout.conftest import QUEUES

pytestmark = pytest.mark.postgres


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_restored_router_keeps_priority_order_and_agent_states(database_url: str) -> None:
    open_store(database_url).close()   # the controller's store brings the schema up to date
    config = parse_acd_config(yaml.safe_dump(QUEUES))
    clock = Clock()
    snapshot = SharedSnapshot(open_database(database_url))
    assert snapshot.load() is None
    router = restore_router(config, clock, snapshot)
    for uuid, priority in [("c1", 0), ("c2", 0), ("c3", 5), ("c4", 0)]:
        clock.now += 1
        router.call_arrived(uuid, "service", priority, None, None)
    router.agent_login("anna")
    router.agent_break("anna", "lunch")
    snapshot.save(router.snapshot())

    restored = restore_router(config, clock, SharedSnapshot(open_database(database_url)))
    assert list(restored.queues["service"].line.uuids()) == ["c3", "c1", "c2", "c4"]
    assert restored.members["c2"].arrived_at == router.members["c2"].arrived_at
    assert restored.agent("anna").state.value == "break" and restored.agent("anna").status.reason == "lunch"
    assert restored.agent("bo").state.value == router.agent("bo").state.value


def test_a_failed_write_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    unreachable = pw.PostgresqlDatabase("fsapp", host="127.0.0.1", port=1, user="fsapp", connect_timeout=2)
    with caplog.at_level(logging.ERROR, logger="fsapp.ha.acd_state"):
        SharedSnapshot(unreachable).save({"version": 1, "members": [], "agents": {}})
    assert [record.message.startswith("ACD state not written to the database") for record in caplog.records] == [True]
