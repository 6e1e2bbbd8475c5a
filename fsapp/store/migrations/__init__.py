"""Numbered schema migrations and the runner that applies them in order, recording each in ``schema_version``.

To change the schema, add ``mNNNN_<what>.py`` with an ``apply(database)`` function, list it in
:data:`MIGRATIONS` and change :mod:`fsapp.store.models` to match. Never edit an applied migration.

Numbers may have gaps (a number handed to a change not merged yet): every listed migration that is not in
``schema_version`` is applied, in order of its number, so a database already past a gap still gets the
migration that later fills it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from fsapp.store.errors import MigrationError
from fsapp.store.fields import UtcDateTimeField
from fsapp.store.migrations import m0001_initial, m0002_citizen_identity, m0003_audit, m0004_dialer
from fsapp.store.migrations import m0005_away_notes
from fsapp.store.migrations import m0006_acd_state
from fsapp.store.migrations import m0007_open311_privacy
from fsapp.store.migrations import m0008_desk_users
from fsapp.store.migrations import m0010_recordings
from fsapp.store.migrations import m0011_work_items

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Migration:
    """One step of the schema's history."""

    version: int
    name: str
    apply: Callable[[pw.Database], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", m0001_initial.apply),
    Migration(2, "citizen external id and erasure", m0002_citizen_identity.apply),
    Migration(3, "audit log", m0003_audit.apply),
    Migration(4, "outbound campaigns and callback plans", m0004_dialer.apply),
    Migration(5, "staff away notes", m0005_away_notes.apply),
    Migration(6, "shared ACD state", m0006_acd_state.apply),
    Migration(7, "Open311 public cases and keys, unverified contacts", m0007_open311_privacy.apply),
    Migration(8, "desk users", m0008_desk_users.apply),
    Migration(10, "recordings as rows: call, agent, citizen, voicemail work list", m0010_recordings.apply),
    Migration(11, "work items, open chats and contact files", m0011_work_items.apply),
)

LATEST = MIGRATIONS[-1].version


class SchemaVersion(pw.Model):
    """Which migrations have been applied, and when."""

    version = pw.IntegerField(primary_key=True)
    name = pw.CharField(max_length=200)
    applied_at = UtcDateTimeField()

    class Meta:
        database = None
        table_name = "schema_version"


def current_version(database: pw.Database) -> int:
    """The highest applied migration (0 for an empty database)."""
    with database.bind_ctx([SchemaVersion]):
        if not SchemaVersion.table_exists():
            return 0
        return SchemaVersion.select(pw.fn.MAX(SchemaVersion.version)).scalar() or 0


def migrate(database: pw.Database, now: Callable[[], datetime], target: int | None = None) -> list[int]:
    """Apply every listed migration not applied yet, up to ``target`` (default: the latest), in order.

    Each migration runs in its own transaction; returns the versions applied.
    """
    goal = LATEST if target is None else target
    if not 0 <= goal <= LATEST:
        raise MigrationError(f"no migration {goal} (latest is {LATEST})")
    with database.bind_ctx([SchemaVersion]):
        database.create_tables([SchemaVersion])
        start = current_version(database)
        if start > LATEST:
            raise MigrationError(f"the database is at schema {start}, newer than this program ({LATEST})")
        done = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
        applied = []
        for migration in MIGRATIONS:
            if migration.version not in done and migration.version <= goal:
                _apply_one(database, migration, now())
                applied.append(migration.version)
    return applied


def _apply_one(database: pw.Database, migration: Migration, at: datetime) -> None:
    log.info("applying schema migration %d: %s", migration.version, migration.name)
    try:
        with database.atomic():
            migration.apply(database)
            SchemaVersion.create(version=migration.version, name=migration.name, applied_at=at)
    except pw.DatabaseError as exc:
        raise MigrationError(f"migration {migration.version} ({migration.name}) failed: {exc}") from exc
