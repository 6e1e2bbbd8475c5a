"""Where store work runs: off the hub, on the store's lanes, with the models bound to the right database.

Every public method of the store (and of the dialer's stores) is decorated with :func:`bound` (short
queries and writes: the ``store`` lane) or :func:`bulk` (long queries and imports: the ``bulk`` lane).
Called from a greenlet, the method runs on a lane's thread, which keeps its own connection (peewee keeps
one per thread); the greenlet waits and the hub goes on serving calls. It runs on the calling thread
instead when that thread is a lane's (a method calling another) or has a transaction open on the
database (the caller chose to hold it; the calls inside belong to that transaction).

Models are module-level classes bound to one database at a time. Several stores may be open in one
process (tests open one per backend), and now their methods run on threads at the same time, so
:class:`_Binding` lets threads use the models together only while they want the same database.

An in-memory SQLite database is one shared cache that every thread's connection opens; work on it is
done one call at a time, as SQLite's shared cache locks whole tables instead of waiting.
"""

from __future__ import annotations

import functools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, ParamSpec, Protocol, TypeVar

import peewee as pw

from fsapp.offhub import BULK, STORE
from fsapp.store.models import ACD_STATE_MODELS, ALL_MODELS

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_MODEL_GROUPS: list[Sequence[type[pw.Model]]] = [ALL_MODELS, ACD_STATE_MODELS]


def register_models(models: Sequence[type[pw.Model]]) -> None:
    """Bind these models too whenever a store's methods run (the dialer's tables)."""
    if not any(group is models for group in _MODEL_GROUPS):
        _MODEL_GROUPS.append(models)


class _Binding:
    """Which database the models are bound to, and how many threads are using them now."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._database: pw.Database | None = None
        self._users = 0
        self._held = threading.local()   # .depth: this thread's nested uses

    @contextmanager
    def using(self, database: pw.Database) -> Iterator[None]:
        depth = getattr(self._held, "depth", 0)
        with self._changed:
            if depth and self._database is not database:
                log.warning("models rebound to another database inside a store call on the same thread")
                self._bind(database)
            while self._database is not database and self._users:
                self._changed.wait()
            if self._database is not database:
                self._bind(database)
            self._users += 1
        self._held.depth = depth + 1
        try:
            yield
        finally:
            self._held.depth = depth
            with self._changed:
                self._users -= 1
                if not self._users:
                    self._changed.notify_all()

    def _bind(self, database: pw.Database) -> None:
        for group in _MODEL_GROUPS:
            database.bind(group, bind_refs=False, bind_backrefs=False)
        self._database = database


_BINDING = _Binding()


def is_memory(database: pw.Database) -> bool:
    """Whether ``database`` is an in-memory SQLite database."""
    name = str(getattr(database, "database", ""))
    return isinstance(database, pw.SqliteDatabase) and (name == ":memory:" or "mode=memory" in name)


_ONE_AT_A_TIME: weakref.WeakKeyDictionary[pw.Database, threading.RLock] = weakref.WeakKeyDictionary()
_ONE_AT_A_TIME_LOCK = threading.Lock()


def _serialized(database: pw.Database) -> AbstractContextManager[Any]:
    if not is_memory(database):
        return nullcontext()
    with _ONE_AT_A_TIME_LOCK:
        return _ONE_AT_A_TIME.setdefault(database, threading.RLock())


def _with_models(database: pw.Database, function: Callable[..., T], args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> T:
    with _serialized(database), _BINDING.using(database):
        return function(*args, **kwargs)


def in_store(database: pw.Database, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``function(*args, **kwargs)`` with the models bound to ``database``, off the hub (``store`` lane)."""
    return _run(database, False, function, args, kwargs)


def _run(database: pw.Database, long: bool, function: Callable[..., T], args: tuple[Any, ...],
         kwargs: dict[str, Any]) -> T:
    if database.in_transaction():
        return _with_models(database, function, args, kwargs)
    return (BULK if long else STORE).run(_with_models, database, function, args, kwargs)


class HasDatabase(Protocol):
    db: pw.Database


def _method(long: bool) -> Callable[[F], F]:
    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: HasDatabase, *args: Any, **kwargs: Any) -> Any:
            return _run(self.db, long, method, (self, *args), kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


bound = _method(long=False)
"""A store method: short queries and writes, on the ``store`` lane (see the module docstring)."""

bulk = _method(long=True)
"""A store method that reads or writes much (reports, listings, imports), on the ``bulk`` lane."""
