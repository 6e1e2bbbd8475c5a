"""Schema migrations: a database made with the first schema is upgraded in place and keeps its data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from fsapp.store import MigrationError, make_reference, open_store
from fsapp.store.database import open_database
from fsapp.store import migrations
from fsapp.store.migrations import LATEST, MIGRATIONS, Migration, SchemaVersion, current_version, migrate
from fsapp.store.migrations import m0001_initial as v1
from tests import timeline

AT = timeline.RUN_START - timedelta(hours=3, seconds=5)   # rows written before the upgrade


def _clock() -> datetime:
    return AT


def test_first_schema_data_survives_migration_to_latest(database_url: str) -> None:
    database = open_database(database_url)
    assert migrate(database, _clock, target=1) == [1]
    with database.bind_ctx(v1.TABLES):
        category = v1.Category.create(code="pothole", name="Pothole", service_level_hours=24)
        citizen = v1.Citizen.create(name="Kari Nordmann", created_at=AT, updated_at=AT)
        v1.CitizenPhone.create(citizen=citizen, number="+4722334455")
        v1.ReferenceCounter.create(year=AT.year, last=1)
        v1.Case.create(reference=make_reference(AT.year, 1), category=category, citizen=citizen, description="Hole",
                       received_at=AT, updated_at=AT)
    database.close()

    store = open_store(database_url, clock=_clock)
    assert store.schema_version() == LATEST
    info = store.lookup_caller("22 33 44 55")
    assert info.citizen is not None and info.citizen.name == "Kari Nordmann"
    assert info.citizen.external_id is None
    assert [c.reference for c in info.open_cases] == [make_reference(AT.year, 1)]
    newer = store.new_case("pothole", "Another", "agent", citizen_id=info.citizen.id)
    assert newer.reference == make_reference(AT.year, 2)  # the counter carried over
    store.erase_citizen(info.citizen.id, "dpo")
    assert store.audit_trail("citizen")[0]["action"] == "erase"
    store.close()


def test_migrating_twice_does_nothing_and_records_versions(database_url: str) -> None:
    database = open_database(database_url)
    assert migrate(database, _clock) == [m.version for m in MIGRATIONS]
    assert migrate(database, _clock) == []
    assert current_version(database) == LATEST
    with database.bind_ctx([SchemaVersion]):
        assert [row.version for row in SchemaVersion.select().order_by(SchemaVersion.version)] == \
            [m.version for m in MIGRATIONS]
    with pytest.raises(MigrationError, match="no migration"):
        migrate(database, _clock, target=LATEST + 1)
    database.close()


def test_a_migration_filling_a_gap_in_the_numbers_is_applied_to_a_database_past_it(database_url: str,
                                                                                    monkeypatch) -> None:
    database = open_database(database_url)
    migrate(database, _clock)
    gaps = sorted(set(range(1, LATEST + 1)) - {m.version for m in MIGRATIONS})
    assert gaps, "the numbers have a gap for changes made elsewhere"
    ran: list[int] = []
    filler = Migration(gaps[0], "made elsewhere", lambda db: ran.append(gaps[0]))
    monkeypatch.setattr(migrations, "MIGRATIONS", tuple(sorted((*MIGRATIONS, filler), key=lambda m: m.version)))
    assert migrate(database, _clock) == [gaps[0]] and ran == [gaps[0]]
    assert current_version(database) == LATEST
    database.close()
