"""The core every part of :class:`~fsapp.store.Store` shares: the database, the clock, the region, the audit log."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import peewee as pw

from fsapp.store import migrations
from fsapp.store.models import ALL_MODELS, AuditEntry
from fsapp.store.phones import DEFAULT_REGION
from fsapp.store.workflow import Clock, system_clock

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def bound(method: F) -> F:
    """Make sure the models talk to this store's database before the method runs.

    Models are module-level classes; opening a second store (tests do, on two backends) rebinds them.
    """

    @functools.wraps(method)
    def wrapper(self: StoreBase, *args: Any, **kwargs: Any) -> Any:
        if AuditEntry._meta.database is not self.db:
            self.db.bind(ALL_MODELS, bind_refs=False, bind_backrefs=False)
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
        return migrations.migrate(self.db, self.clock, target)

    def schema_version(self) -> int:
        """The schema version the database is at."""
        return migrations.current_version(self.db)

    def close(self) -> None:
        """Close the connection (a later call reopens it)."""
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
