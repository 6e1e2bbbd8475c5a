"""The core every part of :class:`~fsapp.store.Store` shares: the database, the clock, the region, the audit log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import peewee as pw

from fsapp.store import migrations
from fsapp.store.lanes import bound, bulk, in_store
from fsapp.store.models import AuditEntry
from fsapp.store.phones import DEFAULT_REGION
from fsapp.store.workflow import Clock, system_clock

log = logging.getLogger(__name__)

__all__ = ["StoreBase", "bound", "bulk"]


class StoreBase:
    """Holds the database and the injected clock; the store's parts are mixed in on top of it."""

    def __init__(self, db: pw.Database, clock: Clock = system_clock, region: str = DEFAULT_REGION,
                 files_dir: str | Path = "var/attachments") -> None:
        self.db = db
        self.clock = clock
        self.region = region
        self.files_dir = Path(files_dir)

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "postgresql" if isinstance(self.db, pw.PostgresqlDatabase) else "sqlite"

    def migrate(self, target: int | None = None) -> list[int]:
        """Bring the schema up to date (or to ``target``); returns the versions applied."""
        return in_store(self.db, migrations.migrate, self.db, self.clock, target)

    def schema_version(self) -> int:
        """The schema version the database is at."""
        return in_store(self.db, migrations.current_version, self.db)

    def close(self) -> None:
        """Close this thread's connection (a later call reopens it). The lanes' threads keep theirs until
        the database object is dropped."""
        if not self.db.is_closed():
            self.db.close()

    @bound
    def audit(self, actor: str, action: str, entity: str, entity_id: object, detail: str = "") -> None:
        """Write one audit-log line: ``actor`` did ``action`` to ``entity`` ``entity_id``."""
        AuditEntry.create(at=self.clock(), actor=actor, action=action, entity=entity,
                          entity_id=str(entity_id), detail=detail)

    @bound
    def audit_trail(self, entity: str | None = None, entity_id: object | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit lines, optionally for one entity."""
        query = AuditEntry.select().order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        if entity_id is not None:
            query = query.where(AuditEntry.entity_id == str(entity_id))
        return [{"at": row.at, "actor": row.actor, "action": row.action, "entity": row.entity,
                 "entity_id": row.entity_id, "detail": row.detail} for row in query]
