"""A throw-away PostgreSQL cluster for tests (store, leader election, ...).

The cluster is made with initdb in a temporary directory, listens on a free loopback port and is stopped at
the end of the session. As root, the server runs as the ``postgres`` (or ``nobody``) user. The session
fixture ``postgres_cluster`` (tests/conftest.py) starts one and skips with the reason when PostgreSQL's
programs or psycopg2 are missing.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("running as root and neither a postgres nor a nobody user exists to run the server")


def _run(command: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    if user:
        command = ["runuser", "-u", user, "--"] + command
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


class PostgresCluster:
    """A throw-away PostgreSQL server: ``url`` points at an empty database ``fsapp``."""

    def __init__(self) -> None:
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="fsapp-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.url = f"postgresql://fsapp@127.0.0.1:{self.port}/fsapp"
        self.migrated = False

    def start(self) -> None:
        if self.user:
            shutil.chown(self.root, self.user)
        init = _run(["initdb", "-D", str(self.data), "-U", "fsapp", "-A", "trust", "-E", "UTF8", "--no-sync"],
                    self.user)
        if init.returncode:
            pytest.fail(f"initdb failed: {init.stderr.strip()}")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        started = _run(["pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                        "-w", "-t", "60", "start"], self.user)
        if started.returncode:
            log = (self.root / "server.log").read_text(errors="replace")
            pytest.fail(f"pg_ctl start failed: {started.stderr.strip()} {log[-2000:]}")
        self._sql("postgres", "CREATE DATABASE fsapp")

    def _sql(self, database: str, statement: str) -> None:
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.port, user="fsapp", dbname=database)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    def reset(self) -> None:
        """Drop everything in the test database."""
        self._sql("fsapp", "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        self.migrated = False

    def fresh_url(self) -> str:
        """The test database with no rows: migrated by the first user, emptied for every later one."""
        if self.migrated:
            self.empty_tables()
        else:
            self.reset()
            self.migrated = True
        return self.url

    def empty_tables(self) -> None:
        """Keep the migrated schema, remove every row (much faster than migrating again)."""
        self._sql("fsapp", "DO $$ BEGIN EXECUTE (SELECT 'TRUNCATE ' || string_agg(quote_ident(tablename), ', ') "
                           "|| ' RESTART IDENTITY CASCADE' FROM pg_tables WHERE schemaname = 'public' "
                           "AND tablename <> 'schema_version'); END $$")

    def stop(self) -> None:
        _run(["pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop"], self.user)
        shutil.rmtree(self.root, ignore_errors=True)


def running_cluster() -> Iterator[PostgresCluster]:
    """Start a cluster, yield it, stop it (skips when PostgreSQL or psycopg2 is missing)."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not on PATH (install postgresql to run these tests)")
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("psycopg2 is not installed (pip install psycopg2-binary)")
    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
