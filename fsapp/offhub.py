"""Work off the hub: named, bounded pools of OS threads for whatever may block.

fsapp runs every call on one gevent hub without monkey-patching: a query, a subprocess or a slow hook run
on the hub stops every call until it returns. Such work runs on a lane instead. The calling greenlet
waits for the result; the hub serves the calls meanwhile::

    rows = BULK.run(build_report, store, "daily", start, end, zone=zone)
    value = HOOKS.run_timed(3.0, hook, context)          # OffHubTimeout after 3 s; the thread runs on

    @off_hub(SPEECH)
    def render(text: str) -> Path: ...                   # every caller, wherever it is, leaves the hub

Rules:

- A lane has at most ``threads`` threads per calling hub; more callers wait (cooperatively) for a free one.
- Work started on any lane's thread runs right there (nested work must not queue behind itself), and so
  does work started inside the hub's own callbacks, where no greenlet can wait.
- Exceptions come back to the caller unchanged. A timeout abandons the wait, not the thread: work that
  cannot be stopped (a hook stuck on a socket) finishes on its own and its result is dropped.
- While work is off the hub, the interpreter hands the GIL back every :data:`SWITCH_INTERVAL` seconds, so
  CPU-heavy work on a thread delays the hub by at most about that much per wake-up.

One pause no thread escapes: a full collection of Python's cyclic garbage collector stops every thread for
as long as it walks the heap. :func:`freeze_heap` (the controller calls it once started) takes what was
built at start-up out of those walks, and work on the lanes avoids keeping many small containers alive
(queries stream plain rows instead of caching model objects), and frees big results a slice at a time
(:func:`release`). Programs a lane runs (espeak-ng, sox) run at a lower CPU priority; the threads do not, as
one holding the GIL while the scheduler passes it over would stall the hub.
"""

from __future__ import annotations

import functools
import gc
import sys
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import gevent
from gevent._hub_local import get_hub_if_exists
from gevent.threadpool import ThreadPool

from fsapp.errors import FsappError

P = ParamSpec("P")
T = TypeVar("T")

SWITCH_INTERVAL = 0.0002   # seconds a thread may hold the GIL while the hub waits for it (Python's default: 0.005)
RELEASE_SLICE = 5000       # rows freed at a time by release(): about a millisecond
NICENESS = 10              # how much lower the CPU priority of the programs work on a lane runs (espeak-ng, sox) is

_local = threading.local()   # .worker: a lane's thread; .pools: lane name -> ThreadPool; .waiting: a count


class OffHubTimeout(FsappError):
    """Work on a lane did not finish in the time it was given (it may still finish, unseen)."""


def on_worker() -> bool:
    """True on a lane's thread."""
    return getattr(_local, "worker", False)


def in_flight() -> int:
    """How many results greenlets of this thread are waiting for from the lanes."""
    return getattr(_local, "waiting", 0)


def _must_leave() -> bool:
    if on_worker():
        return False
    hub = get_hub_if_exists()
    return hub is None or gevent.getcurrent() is not hub


def _task(function: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, Any]:
    _local.worker = True
    try:
        return True, function(*args, **kwargs)
    except BaseException as exc:  # handed to the waiting greenlet, which raises it
        return False, exc


class Lane:
    """A named pool of at most ``threads`` OS threads (per calling hub)."""

    def __init__(self, name: str, threads: int) -> None:
        self.name = name
        self.threads = threads

    def __repr__(self) -> str:
        return f"Lane({self.name!r}, {self.threads})"

    def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``function(*args, **kwargs)`` on one of the lane's threads; the calling greenlet waits for it."""
        return self._call(None, function, args, kwargs)

    def run_timed(self, seconds: float, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """As :meth:`run`, raising :class:`OffHubTimeout` when no result came within ``seconds`` (waiting for a
        free thread included). Run on a lane's thread, the work runs there and is not timed."""
        return self._call(seconds, function, args, kwargs)

    def _call(self, seconds: float | None, function: Callable[..., T], args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> T:
        if not _must_leave():
            return function(*args, **kwargs)
        timer = gevent.Timeout.start_new(seconds) if seconds is not None else None
        _local.waiting = in_flight() + 1
        try:
            ok, value = self._pool().spawn(_task, function, args, kwargs).get()
        except gevent.Timeout as exc:
            if timer is None or exc is not timer:
                raise
            what = getattr(function, "__qualname__", repr(function))
            raise OffHubTimeout(f"{what} took more than {seconds:g} s (lane {self.name})") from None
        finally:
            _local.waiting = in_flight() - 1
            if timer is not None:
                timer.close()
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def _pool(self) -> ThreadPool:
        pools: dict[str, ThreadPool] | None = getattr(_local, "pools", None)
        if pools is None:
            pools = _local.pools = {}
        pool = pools.get(self.name)
        if pool is None:
            sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
            pool = pools[self.name] = ThreadPool(self.threads, hub=gevent.get_hub())
        return pool


def release(items: list[Any]) -> None:
    """Empty a big list a slice at a time. Freeing 200,000 rows at once is one C call that holds the GIL for
    about 40 ms, and the hub waits that long; between slices the interpreter can hand the GIL back."""
    while items:
        del items[-RELEASE_SLICE:]


def freeze_heap() -> None:
    """Collect the garbage, then keep every object alive now out of the collector's full walks (gc.freeze).

    Objects frozen are freed as usual when nothing refers to them; only their reference cycles wait for
    :func:`thaw_heap`."""
    gc.collect()
    gc.freeze()


def thaw_heap() -> None:
    """Give the frozen objects back to the collector (a stopped controller's cycles can be freed)."""
    gc.unfreeze()


def off_hub(lane: Lane) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Decorate a function so that every call runs on ``lane`` (see :meth:`Lane.run`)."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return lane.run(function, *args, **kwargs)

        return wrapper

    return decorate


STORE = Lane("store", 8)
"""Short queries and writes: the call path, the API's look-ups. Threads mostly wait on the database."""

BULK = Lane("bulk", 2)
"""Long queries and imports (reports, Open311 listings, exports): two at a time, so they never take every
store thread from the calls."""

SPEECH = Lane("speech", 2)
"""Prompt rendering (espeak-ng and sox, at a lower CPU priority) and speech recognition: CPU-heavy, so two
at a time on a small machine."""

HOOKS = Lane("hooks", 8)
"""Menu hooks: code the city writes, which may call slow systems (always run with a timeout)."""

DOCUMENTS = Lane("documents", 1)
"""Converting files (a received fax to PDF, a document to the fax's TIFF): CPU work, one at a time."""

NETWORK = Lane("network", 4)
"""Requests to other systems that may be slow: mail to the SMTP server, SMS to the gateway (with timeouts)."""
