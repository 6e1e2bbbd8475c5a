"""Call rows that say when and how each call ended (``ended_at``, ``hangup_cause``), whoever writes them.

A flow, the relay or the dialer writes a call's row when it is done with the call, which may be before the caller's
channel has hung up (the flow hung up itself, or handed the call on) or after. :class:`CallLog` writes the row of a
call still up at once and completes it when the channel's CHANNEL_HANGUP_COMPLETE arrives; a call that has ended
already is written whole, with its end. A call fsapp itself is hanging up (``hanging_up``: its end is a moment
away) is written once, with its end, when that event comes, or without it after ``HOLD_FOR`` seconds if it does not
(the link dropped); :meth:`CallLog.flush` writes what is held when the controller stops. Rows and ends that come
while the store writes the last ones, or within ``GATHER_FOR`` seconds after, go together, in one transaction (one
trip to the store lane and one commit for many calls under load; an idle log writes at once)::

    log = CallLog(store, switch, now=controller.utc_now)
    log.record_call(call.uuid, "in", started, caller_number=..., **queue_columns(outcome))   # as store.record_call

:func:`queue_columns` turns what the ACD says of a queue call into the row's columns: the queue, the agent who
finished the call, waiting and talking time, and one ``agent`` leg per party who talked to the caller.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

import gevent
from gevent.event import Event as Flag

from fsapp.acd.outcome import QueueOutcome
from fsapp.esl.events import Event
from fsapp.store import CallWrite, LegInfo
from fsapp.switch.channel import Channel

log = logging.getLogger(__name__)

HANGUP = "CHANNEL_HANGUP_COMPLETE"
REMEMBERED_ENDS = 2000   # channels whose end is kept for a row written after the hangup (and rows waiting)
HOLD_FOR = 5.0   # seconds a row of a call being hung up waits for the hangup, to be written once with its end
GATHER_FOR = 0.1   # seconds after a batch during which the next rows gather (one store trip and commit for all)
BATCH_WAIT = 30.0   # seconds record_call waits for the batch that writes the row of a call already ended


Row = tuple[str, datetime, dict[str, Any]]   # direction, started at, the row's other values
Written = Callable[[], None] | None   # told when a held row has been written


class CallStore(Protocol):
    def record_call(self, call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int: ...

    def write_calls(self, writes: Sequence[CallWrite]) -> None: ...


class Switchlike(Protocol):
    def listen(self, listener: Callable[[Event, Channel | None], None]) -> None: ...


class CallLog:
    """Writes call rows through ``store`` and completes them with the channel's end (see the module docstring)."""

    def __init__(self, store: CallStore, switch: Switchlike, *, now: Callable[[], datetime]) -> None:
        self.store = store
        self.now = now
        self._open: OrderedDict[str, tuple[str, datetime, dict[str, Any]]] = OrderedDict()   # before the hangup
        self._ended: OrderedDict[str, tuple[datetime, str]] = OrderedDict()
        self._held: dict[str, tuple[float, Row, Written]] = {}   # calls being hung up: since (monotonic), row
        self._sweeper: gevent.Greenlet | None = None
        self._batch: list[tuple[CallWrite, Written]] = []   # written together, after the batch in progress
        self._writer: gevent.Greenlet | None = None
        self._writing: set[str] = set()          # calls whose row record_call is writing now
        self._late: dict[str, CallWrite] = {}     # their ends, written once that row is in
        switch.listen(self._on_event)

    def record_call(self, call_uuid: str, direction: str, started_at: datetime, *, hanging_up: bool = False,
                    written: Written = None, **values: Any) -> int | None:
        """``store.record_call``, with ``ended_at``/``hangup_cause`` filled in now or when the call ends (a
        ``contact`` written with the row is written once, not again with the end). ``hanging_up``: fsapp has
        told the switch to hang the call up; the row is held for its end and written once (returns None). A call
        that has ended already is written whole, in the next batch, before this returns (returns None: the batch
        spares a store trip per call). ``written`` is called once the row is in the store."""
        ended = self._ended.get(call_uuid)
        if ended is not None:
            values.setdefault("ended_at", ended[0])
            values.setdefault("hangup_cause", ended[1])
            self._write_in_batch(CallWrite(call_uuid, direction, started_at, values), written)
            return None
        if hanging_up:
            self._held[call_uuid] = (time.monotonic(), (direction, started_at, values), written)
            if self._sweeper is None:
                self._sweeper = gevent.spawn(self._sweep)
            return None
        else:
            self._open[call_uuid] = (direction, started_at, {key: value for key, value in values.items()
                                                             if key != "contact"})
            while len(self._open) > REMEMBERED_ENDS:   # calls whose hangup was missed (the link was down)
                self._open.popitem(last=False)
        self._writing.add(call_uuid)
        try:
            call_id = self.store.record_call(call_uuid, direction, started_at, **values)
        finally:
            self._writing.discard(call_uuid)
            late = self._late.pop(call_uuid, None)
            if late is not None:   # the end came while the row was being written: after it, never before
                self._queue(late, None)
        if written is not None:
            written()
        return call_id

    def _write_in_batch(self, write: CallWrite, written: Written) -> None:
        """Queue ``write`` in the next batch and wait (this greenlet only) until that batch is in the store."""
        done = Flag()

        def finished() -> None:
            done.set()
            if written is not None:
                written()
        self._queue(write, finished)
        if not done.wait(BATCH_WAIT):
            log.warning("call %s: its row was not written within %.0f s; it is written when the store can",
                        write.call_uuid, BATCH_WAIT)

    def _on_event(self, event: Event, channel: Channel | None) -> None:
        if event.name != HANGUP or channel is None:
            return
        end = (self.now(), channel.hangup_cause or event.get("Hangup-Cause") or "")
        self._ended[channel.uuid] = end
        while len(self._ended) > REMEMBERED_ENDS:
            self._ended.popitem(last=False)
        held = self._held.pop(channel.uuid, None)
        if held is not None:
            direction, started_at, values = held[1]
            values = {**values, "ended_at": end[0], "hangup_cause": end[1]}
            self._queue(CallWrite(channel.uuid, direction, started_at, values), held[2])
            return
        row = self._open.pop(channel.uuid, None)
        if row is not None:   # the row written at record_call gets its end; the whole row only if it is not there
            direction, started_at, values = row
            values = {**values, "ended_at": end[0], "hangup_cause": end[1]}
            write = CallWrite(channel.uuid, direction, started_at, values, end_only=True)
            if channel.uuid in self._writing:
                self._late[channel.uuid] = write
            else:
                self._queue(write, None)

    def flush(self) -> None:
        """Write every held row now, without its end, and whatever waits to be written (the controller is
        stopping)."""
        for call_uuid in list(self._held):
            self._release(call_uuid)
        if self._writer is not None:
            self._writer.join()
        self._drain()

    def _sweep(self) -> None:
        """Write, without their end, the rows whose hangup did not come within HOLD_FOR (then completed as
        any row is if the end comes later); runs while rows are held."""
        try:
            while self._held:
                gevent.sleep(HOLD_FOR)
                due = time.monotonic() - HOLD_FOR
                for call_uuid in [uuid for uuid, (since, _row, _written) in self._held.items() if since <= due]:
                    self._release(call_uuid)
        finally:
            self._sweeper = None

    def _release(self, call_uuid: str) -> None:
        held = self._held.pop(call_uuid, None)
        if held is None:
            return
        direction, started_at, values = held[1]
        log.warning("call %s: no hangup from the switch within %.0f s of fsapp's; its row is written without "
                    "its end", call_uuid, HOLD_FOR)
        self._open[call_uuid] = (direction, started_at, {k: v for k, v in values.items() if k != "contact"})
        self._queue(CallWrite(call_uuid, direction, started_at, values), held[2])

    def _queue(self, write: CallWrite, written: Written) -> None:
        """Write in the next batch: a listener must not block, and rows that come while the store writes the
        last batch go together (one trip to the store lane, one commit)."""
        self._batch.append((write, written))
        if self._writer is None:
            self._writer = gevent.spawn(self._drain)

    def _drain(self) -> None:
        try:
            while self._batch:
                batch, self._batch = self._batch, []
                self._write_batch(batch)
                gevent.sleep(GATHER_FOR)
        finally:
            self._writer = None

    def _write_batch(self, batch: list[tuple[CallWrite, Written]]) -> None:
        try:
            self.store.write_calls([write for write, _written in batch])
        except Exception:   # the store failing must not take the switch's event dispatch down with it
            if len(batch) > 1:   # one bad row must not cost the others theirs
                for item in batch:
                    self._write_batch([item])
                return
            log.exception("call %s: its row was not written", batch[0][0].call_uuid)
        for _write, written in batch:
            if written is not None:
                written()


def utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc)


def queue_columns(outcome: QueueOutcome | None) -> dict[str, Any]:
    """The call row's queue columns (none for a call that never reached a queue).

    Each segment of the conversation becomes a leg with role ``agent`` whose ``number`` is the agent's id
    (empty for a party who is no agent, such as an outside number the call was transferred to).
    """
    if outcome is None:
        return {"queue": None, "agent": None, "wait_seconds": 0.0, "talk_seconds": 0.0}
    segments = outcome.segments
    return {"queue": outcome.queue, "agent": outcome.agent_id, "wait_seconds": outcome.waited,
            "talk_seconds": outcome.talk_time or 0.0,
            "answered_at": utc(segments[0].started_at) if segments else None,
            "legs": [LegInfo(segment.leg_uuid, "agent", segment.agent_id or "", utc(segment.started_at),
                             None if segment.ended_at is None else utc(segment.ended_at))
                     for segment in segments]}
