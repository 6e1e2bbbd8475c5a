"""Leader election on a private PostgreSQL cluster: one holder at a time, takeover when the holder dies."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgcluster import PostgresCluster

from fsapp.ha import LeaderLock, LockConnectionError, lock_key

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys
from fsapp.ha import LeaderLock
lock = LeaderLock(sys.argv[1], sys.argv[2], poll_interval=0.05)
print("held" if lock.acquire(timeout=20) else "timeout", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_name(request: pytest.FixtureRequest) -> str:
    return f"controller:{request.node.name}"


@pytest.fixture
def holder(postgres_cluster: PostgresCluster, lock_name: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the lock (it says ``held`` once it has it)."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, postgres_cluster.url, lock_name],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                               env=dict(os.environ, PYTHONPATH=str(ROOT)))
    ready, _, _ = select.select([process.stdout], [], [], 30)
    assert ready, "the holder process did not report within 30 s"
    assert process.stdout.readline().strip() == "held"
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_second_holder_takes_over_when_the_first_process_dies(postgres_cluster: PostgresCluster,
                                                              lock_name: str, holder: subprocess.Popen[str]) -> None:
    standby = LeaderLock(postgres_cluster.url, lock_name, poll_interval=0.05)
    try:
        assert standby.acquire(timeout=0.3) is False
        assert not standby.held
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        assert standby.acquire(timeout=20) is True
        assert standby.held and standby.verify()
    finally:
        standby.release()
    assert not standby.held


def test_only_one_holder_and_release_hands_over(postgres_cluster: PostgresCluster, lock_name: str) -> None:
    first = LeaderLock(postgres_cluster.url, lock_name)
    second = LeaderLock(postgres_cluster.url, lock_name)
    other_name = LeaderLock(postgres_cluster.url, lock_name + ":other")
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert other_name.try_acquire(), "a lock of another name is independent"
        first.release()
        assert not first.held
        assert second.try_acquire() and second.verify()
    finally:
        for lock in (first, second, other_name):
            lock.release()


def test_a_terminated_session_loses_the_lock(postgres_cluster: PostgresCluster, lock_name: str) -> None:
    import psycopg2

    lock = LeaderLock(postgres_cluster.url, lock_name)
    try:
        assert lock.acquire(timeout=5)
        admin = psycopg2.connect(postgres_cluster.url)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                           "AND classid = %s::bigint::oid AND objid = %s::bigint::oid",
                           ((lock.key >> 32) & 0xFFFFFFFF, lock.key & 0xFFFFFFFF))
            assert cursor.fetchall() == [(True,)]
        admin.close()
        assert lock.verify() is False
        assert not lock.held
    finally:
        lock.release()


def test_unreachable_database_is_reported_without_the_password() -> None:
    lock = LeaderLock("postgresql://fsapp:s3cret-pw@127.0.0.1:1/fsapp", "controller:x")
    with pytest.raises(LockConnectionError) as caught:
        lock.try_acquire()
    assert "s3cret-pw" not in str(caught.value)


def test_lock_keys_are_stable_signed_64_bit() -> None:
    key = lock_key("controller:fs1")
    assert key == lock_key("controller:fs1") != lock_key("controller:fs2")
    assert -2**63 <= key < 2**63
