"""Opening a database from its URL.

``sqlite:///path.db``, ``sqlite:///:memory:`` or ``postgresql://user@host:port/db``.

SQLite runs in WAL mode: readers never wait for the writer. Store work runs on several threads, each with
its own connection (see :mod:`fsapp.store.lanes`), so a transaction starts with ``BEGIN IMMEDIATE``: it takes
the write lock first and waits for it (up to ``busy_timeout``) instead of failing at once with "database is
locked" when it reads, another connection writes, and it then wants to write itself. Those waits happen on
a lane's thread, never on the hub, so the timeout may be long.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import unquote, urlsplit

import peewee as pw

from fsapp.privatefiles import ensure_private
from fsapp.store.errors import DatabaseUrlError

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": 30000,
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
    if path == ":memory:":   # one database for every thread's connection, gone with the last of them
        return pw.SqliteDatabase(f"file:fsapp-memory-{next(_MEMORY_NAMES)}?mode=memory&cache=shared",
                                 pragmas=SQLITE_PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE", uri=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    ensure_private(path)   # personal data: 0600 (SQLite gives its -wal and -shm files the same mode)
    return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")


_MEMORY_NAMES = itertools.count(1)


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
