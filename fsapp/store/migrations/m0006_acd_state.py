"""Migration 6: the ACD's live state (waiting callers in line order, agents' states), shared by controllers.

With PostgreSQL, the active controller keeps its router's snapshot here instead of a local file, so a standby
controller on another machine that takes over carries on with the same queues and agents.
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField

# Frozen copies of the tables at version 6: never edit them, add a migration instead.


class BaseModel(pw.Model):
    class Meta:
        database = None
        legacy_table_names = False


class AcdMember(BaseModel):
    call_uuid = pw.CharField(max_length=64, primary_key=True)
    position = pw.IntegerField()
    queue = pw.CharField(max_length=100)
    priority = pw.IntegerField(default=0)
    arrived_at = pw.DoubleField()
    queue_entered_at = pw.DoubleField()
    data = JsonField()

    class Meta:
        indexes = ((("queue", "position"), False),)


class AcdAgent(BaseModel):
    agent_id = pw.CharField(max_length=100, primary_key=True)
    state = pw.CharField(max_length=20)
    since = pw.DoubleField()
    data = JsonField()


class AcdRouterState(BaseModel):
    name = pw.CharField(max_length=100, primary_key=True)
    data = JsonField()
    saved_at = UtcDateTimeField()


TABLES: list[type[BaseModel]] = [AcdMember, AcdAgent, AcdRouterState]


def apply(database: pw.Database) -> None:
    """Create the tables holding the ACD's waiting callers, agents and the rest of its state."""
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES)
