"""Opening a database from its URL.

``sqlite:///path.db``, ``sqlite:///:memory:`` or ``postgresql://user@host:port/db``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import peewee as pw

from fsapp.privatefiles import ensure_private
from fsapp.store.errors import DatabaseUrlError

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 5000,
    "cache_size": -64000,
}


def open_database(url: str) -> pw.Database:
    """A peewee database for ``url`` (SQLite in WAL mode; its directory is created if missing, the file 0600)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return _sqlite(url)
    if scheme in ("postgresql", "postgres"):
        return _postgresql(url)
    raise DatabaseUrlError(f"unsupported database URL {url!r} (use sqlite:///FILE or postgresql://USER@HOST/DB)")


def _sqlite(url: str) -> pw.SqliteDatabase:
    if not url.startswith("sqlite:///"):
        raise DatabaseUrlError(f"{url!r}: a SQLite URL is sqlite:///relative/path.db or sqlite:////absolute/path.db")
    path = unquote(url[len("sqlite:///"):])
    if not path:
        raise DatabaseUrlError(f"{url!r}: no database file named")
    if path != ":memory:":
        ensure_private(path)   # personal data: 0600 (SQLite gives its -wal and -shm files the same mode)
    return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False)


def _postgresql(url: str) -> pw.PostgresqlDatabase:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise DatabaseUrlError(f"{url!r}: no database name (postgresql://USER@HOST:PORT/DBNAME)")
    options: dict[str, object] = {}
    if parts.hostname:
        options["host"] = parts.hostname
    if parts.port:
        options["port"] = parts.port
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    return pw.PostgresqlDatabase(name, **options)
