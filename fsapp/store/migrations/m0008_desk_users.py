"""Migration 8: the desk's people (operators, supervisors, admins): name, role, the agent they are, a password hash."""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import UtcDateTimeField

# Frozen copy of the table at version 8: never edit it, add a migration instead.


class DeskUser(pw.Model):
    name = pw.CharField(max_length=100, unique=True)
    role = pw.CharField(max_length=20)
    agent = pw.CharField(max_length=100, null=True)
    password_hash = pw.CharField(max_length=200)
    language = pw.CharField(max_length=10, default="nb")
    disabled = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    created_by = pw.CharField(max_length=100, default="")

    class Meta:
        database = None
        legacy_table_names = False


def apply(database: pw.Database) -> None:
    """Create the ``desk_user`` table."""
    with database.bind_ctx([DeskUser]):
        database.create_tables([DeskUser])
