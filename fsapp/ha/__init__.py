"""High availability: one active controller, standbys waiting on a PostgreSQL lock, the ACD's state shared.

- :mod:`fsapp.ha.leader`: :class:`LeaderLock`, the advisory lock on a dedicated connection.
- :mod:`fsapp.ha.standby`: ``wait_for_leadership`` / ``watch_leadership``, what ``fsapp run`` does with ha.enabled.
- :mod:`fsapp.ha.acd_state`: the ACD's snapshot in PostgreSQL (``acd_snapshot``, ``restore_router``).

    from fsapp.ha import LeaderLock
    lock = LeaderLock("postgresql://fsapp@db/fsapp", "controller:fs1")
    if lock.acquire(timeout=None):      # blocks until this process is the leader
        ...                             # run; if the process dies, its connection closes and a standby takes over
"""

from __future__ import annotations

from fsapp.ha.errors import HaError, LockConnectionError
from fsapp.ha.leader import LeaderLock, lock_key

__all__ = ["HaError", "LeaderLock", "LockConnectionError", "lock_key"]
