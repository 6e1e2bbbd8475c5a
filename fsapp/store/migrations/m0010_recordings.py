"""Migration 10: recordings are rows in the store, linked to the call, the agent and the citizen.

``recording`` holds one row per recorded segment of a call (queue conversations, voicemails), with the file it
went to, so retention and erasure remove the files they expire and voicemails form a work list (done or not).
Files recorded before this version are not listed here (``fsapp recordings find`` still finds them on disk).

Numbers 8 and 9 are left to other changes of the schema; migrations apply in order of their number.
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import UtcDateTimeField

# A frozen copy of the table at version 10: never edit it, add a migration instead.


class _Citizen(pw.Model):
    class Meta:
        database = None
        table_name = "citizen"


class _Case(pw.Model):
    class Meta:
        database = None
        table_name = "case"


class Recording(pw.Model):
    call_uuid = pw.CharField(max_length=64, index=True)
    kind = pw.CharField(max_length=20, default="call")
    file_name = pw.CharField(max_length=200, index=True)
    path = pw.CharField(max_length=500)
    queue = pw.CharField(max_length=60, null=True)
    agent = pw.CharField(max_length=100, null=True)
    caller_number = pw.CharField(max_length=40, default="")
    citizen = pw.ForeignKeyField(_Citizen, null=True, on_delete="SET NULL")
    case = pw.ForeignKeyField(_Case, null=True, on_delete="SET NULL")
    subject = pw.CharField(max_length=300, default="")
    started_at = UtcDateTimeField(index=True)
    ended_at = UtcDateTimeField(null=True)
    duration = pw.DoubleField(default=0.0)
    deleted_at = UtcDateTimeField(null=True)
    done_at = UtcDateTimeField(null=True)
    done_by = pw.CharField(max_length=100, default="")

    class Meta:
        database = None
        table_name = "recording"


def apply(database: pw.Database) -> None:
    """Create the recording table with its links to citizens and cases."""
    with database.bind_ctx([_Citizen, _Case, Recording]):
        database.create_tables([Recording])
