"""Migration 5: staff's away notes (out of office until a time), read out by the relay service."""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import UtcDateTimeField

# Frozen copy of the table at version 5: never edit it, add a migration instead.


class AwayNote(pw.Model):
    agent = pw.CharField(max_length=100, primary_key=True)
    note = pw.CharField(max_length=300, default="")
    until = UtcDateTimeField(null=True)
    set_by = pw.CharField(max_length=100, default="")
    set_at = UtcDateTimeField()

    class Meta:
        database = None
        legacy_table_names = False


def apply(database: pw.Database) -> None:
    """Create the ``away_note`` table."""
    with database.bind_ctx([AwayNote]):
        database.create_tables([AwayNote])
