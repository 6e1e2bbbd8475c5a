"""Migration 12: files kept with a contact (a received fax as PDF, a fax sent), and fax as a channel.

``interaction_file`` holds one row per file of a contact, checked by its SHA-256 like a case's attachments; the
bytes live under the store's files directory. Retention and erasure remove the files with their contacts.

Number 11 is left to another change of the schema; migrations apply in order of their number.
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import UtcDateTimeField

# A frozen copy of the table at version 12: never edit it, add a migration instead.


class _Interaction(pw.Model):
    class Meta:
        database = None
        table_name = "interaction"


class InteractionFile(pw.Model):
    interaction = pw.ForeignKeyField(_Interaction, backref="files", on_delete="CASCADE")
    filename = pw.CharField(max_length=255)
    path = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=100, default="application/octet-stream")
    pages = pw.IntegerField(null=True)
    added_at = UtcDateTimeField()

    class Meta:
        database = None
        table_name = "interaction_file"


def apply(database: pw.Database) -> None:
    """Create the interaction_file table."""
    with database.bind_ctx([_Interaction, InteractionFile]):
        database.create_tables([InteractionFile])
