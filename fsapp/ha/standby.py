"""Active and standby controllers: wait for the leader lock, run while holding it, step down when it is lost.

    stopping = Flag()                                   # set by SIGTERM
    if wait_for_leadership(lock, stopping, on_standby=lambda: log.info("standby")):
        controller = Controller(config).start()         # reconciles with the switches, restores the queues
        watcher = gevent.spawn(watch_leadership, lock, 5.0, on_lost=stopping.set)

A leader whose lock connection breaks must stop driving calls at once: PostgreSQL has freed the lock and a
standby may already be running the same switches.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from gevent.event import Event as Flag

from fsapp.config import Config
from fsapp.ha.errors import HaError, LockConnectionError
from fsapp.ha.leader import LeaderLock
from fsapp.offhub import STORE

log = logging.getLogger(__name__)


def leader_lock_for(config: Config) -> LeaderLock:
    """The lock ``ha.lock_name`` in ``database.url``, which must be PostgreSQL (raises HaError otherwise)."""
    if not config.database.url.startswith(("postgresql:", "postgres:")):
        raise HaError("ha.enabled needs database.url to be PostgreSQL (postgresql://...): the standby "
                      "controller shares the lock and the queues through it")
    return LeaderLock(config.database.url, config.ha.lock_name, poll_interval=config.ha.poll_interval)


def wait_for_leadership(lock: LeaderLock, stopping: Flag, on_standby: Callable[[], None] | None = None) -> bool:
    """Try for the lock every ``lock.poll_interval`` seconds until held (True) or ``stopping`` is set (False).

    ``on_standby`` is called once, after the first attempt finds another controller holding the lock. A
    database that cannot be reached counts as not holding it (logged, retried).
    """
    told = False
    while not stopping.is_set():
        try:
            if lock.try_acquire():
                log.info("leader lock %r held: this controller is active", lock.name)
                return True
        except LockConnectionError as exc:
            log.warning("%s; retrying", exc)
        if not told:
            told = True
            log.info("standby: another controller holds leader lock %r; waiting", lock.name)
            if on_standby is not None:
                on_standby()
        stopping.wait(lock.poll_interval)
    return False


def watch_leadership(lock: LeaderLock, check_interval: float, on_lost: Callable[[], None],
                     stopping: Flag | None = None) -> None:
    """Ask the server every ``check_interval`` seconds whether we still hold the lock; ``on_lost`` if not.

    The question goes to the database from the store lane: a server that is slow to answer never stops
    the calls this controller carries meanwhile."""
    stopping = stopping or Flag()
    while not stopping.wait(check_interval):
        if not STORE.run(lock.verify):
            log.error("leader lock %r lost (database connection gone); stopping this controller", lock.name)
            on_lost()
            return
