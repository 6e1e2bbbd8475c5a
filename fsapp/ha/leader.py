"""Leader election with a PostgreSQL session advisory lock on a dedicated connection.

The lock belongs to the connection: if the leader's process dies or its network goes, PostgreSQL ends the
session and frees the lock, and the next standby polling ``pg_try_advisory_lock`` gets it. The connection
is used for nothing else, so no transaction or pool can release it by accident.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

from fsapp.ha.errors import LockConnectionError

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``name``."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderLock:
    """``acquire(timeout)`` waits to become leader; ``held`` says whether we still are; ``release()`` steps down."""

    def __init__(self, db_url: str, name: str, *, poll_interval: float = 0.5, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        self.db_url = db_url
        self.name = name
        self.key = lock_key(name)
        self.poll_interval = poll_interval
        self._clock = clock
        self._sleep = sleep
        self._connection: Any = None
        self._held = False

    def _connect(self) -> Any:
        import psycopg2

        if self._connection is None or self._connection.closed:
            try:
                self._connection = psycopg2.connect(self.db_url, application_name=f"fsapp leader {self.name}"[:63])
            except psycopg2.Error as exc:
                raise LockConnectionError(f"leader lock {self.name!r}: cannot connect to the database: "
                                          f"{str(exc).strip().splitlines()[0]}") from None
            self._connection.autocommit = True
        return self._connection

    def try_acquire(self) -> bool:
        """One attempt, without waiting."""
        import psycopg2

        try:
            with self._connect().cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                self._held = bool(cursor.fetchone()[0])
        except psycopg2.Error as exc:
            self._drop()
            raise LockConnectionError(f"leader lock {self.name!r}: {str(exc).strip().splitlines()[0]}") from None
        return self._held

    def acquire(self, timeout: float | None = None) -> bool:
        """Wait until this process holds the lock (True) or ``timeout`` seconds pass (False; None waits forever)."""
        deadline = None if timeout is None else self._clock() + timeout
        while not self.try_acquire():
            remaining = None if deadline is None else deadline - self._clock()
            if remaining is not None and remaining <= 0:
                return False
            self._sleep(self.poll_interval if remaining is None else min(self.poll_interval, remaining))
        log.info("leader lock %r acquired", self.name)
        return True

    @property
    def held(self) -> bool:
        """True while we hold the lock and its connection is open (checked locally, without a query)."""
        return self._held and self._connection is not None and not self._connection.closed

    def verify(self) -> bool:
        """Ask the server whether this session still holds the lock (a lost connection means no)."""
        import psycopg2

        if not self.held:
            return False
        try:
            with self._connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                               "AND pid = pg_backend_pid() AND classid = %s::bigint::oid "
                               "AND objid = %s::bigint::oid AND objsubid = 1",
                               ((self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF))
                self._held = cursor.fetchone()[0] > 0
        except psycopg2.Error:
            self._drop()
        return self._held

    def release(self) -> None:
        """Give up leadership and close the connection."""
        if self._connection is not None and not self._connection.closed and self._held:
            import psycopg2

            try:
                with self._connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            except psycopg2.Error:
                pass  # closing the session below frees the lock anyway
            log.info("leader lock %r released", self.name)
        self._drop()

    def _drop(self) -> None:
        self._held = False
        if self._connection is not None and not self._connection.closed:
            self._connection.close()
        self._connection = None

    def __enter__(self) -> LeaderLock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()
