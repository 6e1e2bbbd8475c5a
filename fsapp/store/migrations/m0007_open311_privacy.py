"""Migration 7: what Open311 may show, its own keys, and contacts whose link to a case is not verified.

- ``case.public`` and ``case.public_description``: a case is listed by Open311 only once it is public (posted
  through Open311, or published by staff), and Open311 shows the public text, never the internal description.
- ``open311_key``: one key per application, stored as its SHA-256, revocable, with its own rate limit.
- ``interaction.unverified_case``: the case an inbound message quotes when its sender is not that case's
  citizen; an operator confirms the link or leaves it.

Cases posted through Open311 before this version stay visible to it (public, with an empty public text).
"""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator, migrate

from fsapp.store.fields import UtcDateTimeField

# Frozen copies of the tables at version 7: never edit them, add a migration instead.


class Open311Key(pw.Model):
    application = pw.CharField(max_length=100, unique=True)
    key_hash = pw.CharField(max_length=64, unique=True)
    rate_per_minute = pw.IntegerField(default=30)
    created_at = UtcDateTimeField()
    created_by = pw.CharField(max_length=100, default="")
    revoked_at = UtcDateTimeField(null=True)

    class Meta:
        database = None
        legacy_table_names = False


class _Case(pw.Model):
    channel = pw.CharField(max_length=20)
    public = pw.BooleanField(default=False)

    class Meta:
        database = None
        table_name = "case"


class _CaseEvent(pw.Model):
    case_id = pw.IntegerField()
    actor = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=20)

    class Meta:
        database = None
        table_name = "case_event"


def apply(database: pw.Database) -> None:
    """Add the columns and the key table; keep earlier Open311 requests followable."""
    migrator = SchemaMigrator.from_database(database)
    migrate(
        migrator.add_column("case", "public", pw.BooleanField(default=False)),
        migrator.add_column("case", "public_description", pw.TextField(default="")),
        migrator.add_column("interaction", "unverified_case", pw.CharField(max_length=20, null=True)),
    )
    with database.bind_ctx([Open311Key, _Case, _CaseEvent]):
        database.create_tables([Open311Key])
        posted = _CaseEvent.select(_CaseEvent.case_id).where(_CaseEvent.kind == "created",
                                                             _CaseEvent.actor == "open311")
        _Case.update(public=True).where(_Case.channel == "web", _Case.id.in_(posted)).execute()
