"""Migration 3: the audit log of who read or changed what."""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import UtcDateTimeField


class AuditEntry(pw.Model):
    at = UtcDateTimeField(index=True)
    actor = pw.CharField(max_length=100)
    action = pw.CharField(max_length=20)
    entity = pw.CharField(max_length=30)
    entity_id = pw.CharField(max_length=60)
    detail = pw.TextField(default="")

    class Meta:
        database = None
        legacy_table_names = False


def apply(database: pw.Database) -> None:
    """Create the ``audit_entry`` table."""
    with database.bind_ctx([AuditEntry]):
        database.create_tables([AuditEntry])
