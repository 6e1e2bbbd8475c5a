"""Migration 2: citizens get an external id (the city's own register key) and an erasure time."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate

from fsapp.store.fields import UtcDateTimeField


def apply(database: pw.Database) -> None:
    """Add ``citizen.external_id`` (unique) and ``citizen.erased_at``."""
    migrator = SchemaMigrator.from_database(database)
    migrate(
        migrator.add_column("citizen", "external_id", pw.CharField(max_length=100, null=True)),
        migrator.add_column("citizen", "erased_at", UtcDateTimeField(null=True)),
        migrator.add_index("citizen", ("external_id",), unique=True),
    )
