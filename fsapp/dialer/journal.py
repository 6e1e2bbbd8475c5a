"""Group commit of campaign attempts: many attempts' writes, one transaction per short interval.

Attempt greenlets queue plain parameterised statements; a writer greenlet has them run with ``executemany``
(on the store lane, off the hub), one statement shape at a time, in one transaction every ``interval`` seconds. Each statement is written so that
its order against the others does not matter (``dialing`` only moves a ``claimed`` attempt, ``finish`` sets
everything it needs), so grouping by shape is safe.

Durability where a crash could make fsapp call a reached person twice: :meth:`AttemptJournal.answered`
returns only once the answer is committed (the message plays after that); it wakes the writer at once, so
the answers of one turn of the event loop share a commit. Everything else may be lost in a
crash, and :meth:`~fsapp.dialer.campaigns.CampaignStore.reconcile` settles it: an attempt still ``claimed`` was
not dialed (or not answered) and its contact is dialed again; one answered counts as reached.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

import gevent
import peewee as pw
from gevent.event import AsyncResult
from gevent.event import Event as Flag

from fsapp.dialer.campaigns import ClaimedAttempt, db_time, stored_answer
from fsapp.dialer.models import CampaignAttempt, CampaignContact
from fsapp.dialer.rules import Verdict
from fsapp.store.lanes import in_store

log = logging.getLogger(__name__)

_json = CampaignContact.answer.db_value


class AttemptJournal:
    """Queues attempt writes and commits them together (see the module docstring)."""

    def __init__(self, db: pw.Database, interval: float = 0.05) -> None:
        self.db = db
        self.interval = interval
        p = db.param
        attempts, contacts = CampaignAttempt._meta.table_name, CampaignContact._meta.table_name
        self._dialing = (f"UPDATE {attempts} SET state = 'dialing', started_at = {p} "
                         f"WHERE id = {p} AND state = 'claimed'")
        self._answered = f"UPDATE {attempts} SET answered_at = {p} WHERE id = {p}"
        self._attempt_done = (f"UPDATE {attempts} SET state = 'done', started_at = {p}, outcome = {p}, "
                              f"hangup_cause = {p}, ended_at = {p}, answer = {p} WHERE id = {p}")
        self._contact_done = (f"UPDATE {contacts} SET status = {p}, result = {p}, next_attempt_at = {p}, "
                              f"last_cause = {p}, updated_at = {p}, answer = COALESCE({p}, answer) WHERE id = {p}")
        self._order = (self._dialing, self._answered, self._attempt_done, self._contact_done)
        self._pending: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self._committed: AsyncResult = AsyncResult()   # set when the writes queued so far are committed
        self._work = Flag()
        self._urgent = Flag()
        self._writer: gevent.Greenlet | None = None

    # -- what the attempts queue ---------------------------------------------------------------------

    def dialing(self, claimed: ClaimedAttempt, at: datetime) -> None:
        """The originate for this attempt is about to be sent."""
        self._queue(self._dialing, (db_time(at), claimed.attempt_id))

    def answered(self, claimed: ClaimedAttempt, at: datetime, timeout: float = 10.0) -> None:
        """Record the answer and wait until it is committed."""
        committed = self._queue(self._answered, (db_time(at), claimed.attempt_id))
        self._urgent.set()   # the caller is waiting on the line: write at the next turn of the loop
        committed.get(timeout=timeout)

    def finished(self, claimed: ClaimedAttempt, started_at: datetime, outcome: str, cause: str, verdict: Verdict,
                 now: datetime, answer: Any = None) -> None:
        """Close the attempt and set the contact's future as ``verdict`` says."""
        answer_text = stored_answer(answer)
        self._queue(self._attempt_done, (db_time(started_at), outcome, cause, db_time(now), answer_text,
                                         claimed.attempt_id))
        if verdict.done:
            status, result, next_at = "done", verdict.result, None
        else:
            status, result, next_at = "pending", "", verdict.retry_at
        self._queue(self._contact_done, (status, result, db_time(next_at) if next_at else None, cause[:60],
                                         db_time(now), _json(answer), claimed.contact_id))

    # -- writing ---------------------------------------------------------------------------------------

    def _queue(self, sql: str, params: tuple[Any, ...]) -> AsyncResult:
        self._pending[sql].append(params)
        if self._writer is None or self._writer.dead:
            self._writer = gevent.spawn(self._write_loop)
        self._work.set()
        return self._committed

    def _write_loop(self) -> None:
        while True:
            self._work.wait()
            self._urgent.wait(self.interval)   # let the other attempts of this interval queue theirs
            gevent.idle()
            self._work.clear()
            self._urgent.clear()
            self.flush()

    def flush(self) -> None:
        """Commit everything queued now (also called at the end of a run)."""
        pending, self._pending = self._pending, defaultdict(list)
        committed, self._committed = self._committed, AsyncResult()
        if not pending:
            committed.set(None)
            return
        try:
            in_store(self.db, self._commit, pending)
        except Exception as exc:  # the driver's own errors (sqlite3, psycopg2) are not wrapped here
            log.error("campaign attempts not written (%d statement(s)): %s",
                      sum(len(rows) for rows in pending.values()), exc)
            committed.set_exception(exc)
            return
        committed.set(None)

    def _commit(self, pending: dict[str, list[tuple[Any, ...]]]) -> None:
        with self.db.atomic():
            cursor = self.db.cursor()
            for sql in self._order:
                if pending.get(sql):
                    cursor.executemany(sql, pending[sql])

    def close(self) -> None:
        """Write what is queued and stop the writer."""
        if self._writer is not None:
            self._writer.kill(block=True)
            self._writer = None
        self.flush()
