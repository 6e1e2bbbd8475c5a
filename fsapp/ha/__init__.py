"""High availability: one active controller per switch (or per site), standbys waiting on a PostgreSQL lock.

    from fsapp.ha import LeaderLock
    lock = LeaderLock("postgresql://fsapp@db/fsapp", "controller:fs1")
    if lock.acquire(timeout=None):      # blocks until this process is the leader
        ...                             # run; if the process dies, its connection closes and a standby takes over
"""

from __future__ import annotations

from fsapp.ha.errors import HaError, LockConnectionError
from fsapp.ha.leader import LeaderLock, lock_key

__all__ = ["HaError", "LeaderLock", "LockConnectionError", "lock_key"]
