"""Open311 API keys: one per application (a citizen app, a city website), revocable, each with a rate limit.

The key itself is shown once, when it is made (``fsapp open311 keys add``); the store keeps its SHA-256 only.
Keys are long random strings, so a plain hash is enough to look them up without keeping them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.models import Open311Key

DEFAULT_RATE_PER_MINUTE = 30


@dataclass(frozen=True)
class Open311KeyRecord:
    """An application's key, without the key."""

    id: int
    application: str
    rate_per_minute: int
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class Open311Keys(StoreBase):
    """Making, listing, revoking and checking Open311 keys."""

    @bound
    def add_open311_key(self, application: str, actor: str,
                        rate_per_minute: int = DEFAULT_RATE_PER_MINUTE) -> str:
        """Make a key for ``application`` and return it (the only time it is seen)."""
        name = application.strip()
        if not name or len(name) > 100:
            raise StoreError("the application's name must be 1 to 100 characters")
        if rate_per_minute < 1:
            raise StoreError("rate_per_minute must be at least 1")
        key = secrets.token_urlsafe(32)
        try:
            with self.db.atomic():
                Open311Key.create(application=name, key_hash=key_hash(key), rate_per_minute=rate_per_minute,
                                  created_at=self.clock(), created_by=actor)
        except pw.IntegrityError:
            raise StoreError(f"application {name!r} already has a key (revoke it first, or pick another name)") \
                from None
        self.audit(actor, "create", "open311_key", name)
        return key

    @bound
    def open311_keys(self) -> list[Open311KeyRecord]:
        """Every application's key, revoked ones included, by application."""
        return [_record(row) for row in Open311Key.select().order_by(Open311Key.application)]

    @bound
    def revoke_open311_key(self, application: str, actor: str) -> Open311KeyRecord:
        """Revoke an application's key at once; its record stays (under a name freed for a new key)."""
        row = Open311Key.get_or_none(Open311Key.application == application, Open311Key.revoked_at.is_null())
        if row is None:
            raise NotFound(f"no active Open311 key for application {application!r}")
        now = self.clock()
        Open311Key.update(revoked_at=now, application=f"{row.application} (revoked {now:%Y-%m-%d %H:%M:%S})"[:100]) \
            .where(Open311Key.id == row.id).execute()
        self.audit(actor, "update", "open311_key", application, "revoked")
        return _record(Open311Key.get_by_id(row.id))

    @bound
    def open311_key(self, key: str) -> Open311KeyRecord | None:
        """The active key ``key`` is, or None (unknown or revoked)."""
        row = Open311Key.get_or_none(Open311Key.key_hash == key_hash(key), Open311Key.revoked_at.is_null())
        return _record(row) if row is not None else None


def _record(row: Open311Key) -> Open311KeyRecord:
    return Open311KeyRecord(row.id, row.application, row.rate_per_minute, row.created_at, row.created_by,
                            row.revoked_at)
