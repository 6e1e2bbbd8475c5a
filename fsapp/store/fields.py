"""Column types shared by the models and the migrations: UTC times and JSON text, the same on every backend."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import peewee


class UtcDateTimeField(peewee.DateTimeField):
    """Aware datetimes in Python, naive UTC in the database (so SQLite sorts and compares them as text)."""

    def db_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value: Any) -> Any:
        value = super().python_value(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class JsonField(peewee.TextField):
    """A JSON document kept as text (portable between SQLite and PostgreSQL)."""

    def db_value(self, value: Any) -> Any:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: Any) -> Any:
        return None if value is None else json.loads(value)
