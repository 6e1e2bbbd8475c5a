"""Call rows written once with their end when fsapp hangs the call up, and never lost when the end does not come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import gevent
import pytest
from gevent.event import Event as Flag

from fsapp import calllog
from fsapp.calllog import CallLog
from fsapp.esl.events import Event
from fsapp.switch.channel import Channel
from tests.api.api_waits import until_idle

WAIT = 10.0


class Store:
    """Every write the call log makes, in order."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, dict[str, Any]]] = []
        self.ended = Flag()
        self.batches: list[int] = []

    def record_call(self, call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int:
        self.writes.append(("row", call_uuid, values))
        return len(self.writes)

    def write_calls(self, writes) -> None:
        self.batches.append(len(writes))
        for write in writes:
            if write.end_only and any(uuid == write.call_uuid for _kind, uuid, _values in self.writes):
                self.writes.append(("end", write.call_uuid, {key: write.values[key]
                                                             for key in ("ended_at", "hangup_cause")}))
                self.ended.set()
            else:
                self.record_call(write.call_uuid, write.direction, write.started_at, **write.values)


class Switch:
    def __init__(self) -> None:
        self.listeners: list = []

    def listen(self, listener) -> None:
        self.listeners.append(listener)

    def hang_up(self, uuid: str, cause: str = "NORMAL_CLEARING") -> None:
        channel = Channel(uuid, gone=True, hangup_cause=cause)
        for listener in self.listeners:
            listener(Event({"Event-Name": "CHANNEL_HANGUP_COMPLETE", "Unique-ID": uuid, "Hangup-Cause": cause}),
                     channel)


NOW = datetime.now(UTC)


@pytest.fixture
def parts():
    store, switch = Store(), Switch()
    return store, switch, CallLog(store, switch, now=lambda: NOW)


def written_flag() -> tuple[Flag, Any]:
    flag = Flag()
    return flag, flag.set


def test_a_call_fsapp_hangs_up_is_written_once_with_its_end(parts) -> None:
    store, switch, log = parts
    flag, written = written_flag()
    assert log.record_call("c1", "in", NOW - timedelta(seconds=30), outcome="hangup", hanging_up=True,
                           written=written) is None
    assert store.writes == [] and not flag.is_set()        # held for the hangup on its way
    switch.hang_up("c1")
    assert flag.wait(WAIT)
    assert store.writes == [("row", "c1", {"outcome": "hangup", "ended_at": NOW, "hangup_cause": "NORMAL_CLEARING"})]


def test_a_call_still_up_is_written_at_once_and_completed_at_its_end(parts) -> None:
    store, switch, log = parts
    flag, written = written_flag()
    log.record_call("c2", "in", NOW, outcome="transfer", written=written)
    assert flag.is_set() and [w[0] for w in store.writes] == ["row"]
    switch.hang_up("c2", "NORMAL_CLEARING")
    assert store.ended.wait(WAIT)
    assert [(kind, uuid) for kind, uuid, _values in store.writes] == [("row", "c2"), ("end", "c2")]


def test_a_held_row_whose_hangup_never_comes_is_written_without_its_end_then_completed(parts, monkeypatch) -> None:
    store, switch, log = parts
    monkeypatch.setattr(calllog, "HOLD_FOR", 0.01)
    flag, written = written_flag()
    log.record_call("c4", "in", NOW, outcome="hangup", hanging_up=True, written=written)
    assert flag.wait(WAIT)                               # the link dropped: the row is not lost
    assert store.writes == [("row", "c4", {"outcome": "hangup"})]
    switch.hang_up("c4", "NORMAL_CLEARING")              # the end, after all
    assert store.ended.wait(WAIT)
    assert store.writes[1:] == [("end", "c4", {"ended_at": NOW, "hangup_cause": "NORMAL_CLEARING"})]


def test_a_stopping_controller_writes_every_held_row(parts) -> None:
    store, _switch, log = parts
    log.record_call("c6", "in", NOW, outcome="hangup", hanging_up=True)
    log.record_call("c7", "in", NOW, outcome="hangup", hanging_up=True)
    log.flush()
    assert sorted(uuid for _kind, uuid, _values in store.writes) == ["c6", "c7"]
    log.flush()
    assert len(store.writes) == 2


def test_a_call_that_ended_first_is_written_once_with_its_end(parts) -> None:
    store, switch, log = parts
    switch.hang_up("c8", "USER_BUSY")
    flag, written = written_flag()
    assert log.record_call("c8", "in", NOW, outcome="abandoned", hanging_up=True, written=written) is None
    assert flag.wait(WAIT)
    assert store.writes == [("row", "c8", {"outcome": "abandoned", "ended_at": NOW, "hangup_cause": "USER_BUSY"})]


def test_rows_of_calls_that_ended_first_go_together_in_one_batch(parts) -> None:
    store, switch, log = parts
    flags, writers = [], []
    for index in range(4):   # four calls' flows, each recording its call as it ends
        switch.hang_up(f"e{index}", "NORMAL_CLEARING")
        flag, written = written_flag()
        flags.append(flag)
        writers.append(gevent.spawn(log.record_call, f"e{index}", "in", NOW, outcome="answered", written=written))
    gevent.joinall(writers, timeout=WAIT)
    assert all(flag.is_set() for flag in flags), "each row is in the store when record_call returns"
    assert [kind for kind, _uuid, _values in store.writes] == ["row"] * 4
    assert store.batches == [4], "one trip to the store for the four rows"


def test_rows_that_come_while_the_store_writes_go_together_in_one_batch(parts) -> None:
    store, switch, log = parts
    flags = []
    for index in range(5):
        flag = Flag()
        flags.append(flag)
        log.record_call(f"b{index}", "in", NOW, outcome="hangup", hanging_up=True, written=flag.set)
    for index in range(5):   # five hangups in one burst of events, before the writer runs
        switch.hang_up(f"b{index}")
    assert all(flag.wait(WAIT) for flag in flags)
    assert store.batches == [5] and sorted(uuid for _kind, uuid, _values in store.writes) == [
        f"b{index}" for index in range(5)]


def test_rows_that_come_just_after_a_batch_gather_for_the_next_one(parts, monkeypatch) -> None:
    """Under load, rows written one by one would cost a trip to the store lane and a commit each."""

    monkeypatch.setattr(calllog, "GATHER_FOR", 1.0)   # g2 and g3 come within it: two lines apart, no I/O between
    store, switch, log = parts
    flags = {uuid: Flag() for uuid in ("g1", "g2", "g3")}
    for uuid, flag in flags.items():
        log.record_call(uuid, "in", NOW, outcome="hangup", hanging_up=True, written=flag.set)
    switch.hang_up("g1")
    assert flags["g1"].wait(WAIT)       # an idle log writes at once
    switch.hang_up("g2")
    until_idle()                        # a writer that had ended would have written g2 alone by now
    switch.hang_up("g3")
    assert flags["g2"].wait(WAIT) and flags["g3"].wait(WAIT)
    assert store.batches == [1, 2]


def test_one_row_the_store_refuses_does_not_cost_the_others_theirs(parts) -> None:
    store, switch, log = parts
    refused = store.record_call

    def record_call(call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int:
        if call_uuid == "bad":
            raise ValueError("refused")
        return refused(call_uuid, direction, started_at, **values)

    def write_calls(writes) -> None:   # one transaction: all or none
        if any(write.call_uuid == "bad" for write in writes):
            raise ValueError("refused")
        for write in writes:
            record_call(write.call_uuid, write.direction, write.started_at, **write.values)

    store.record_call, store.write_calls = record_call, write_calls
    done = Flag()
    for uuid in ("good1", "bad", "good2"):
        log.record_call(uuid, "in", NOW, outcome="hangup", hanging_up=True,
                        written=done.set if uuid == "good2" else None)
    for uuid in ("good1", "bad", "good2"):
        switch.hang_up(uuid)
    assert done.wait(WAIT)
    assert sorted(uuid for _kind, uuid, _values in store.writes) == ["good1", "good2"]


def test_an_end_that_comes_while_the_row_is_being_written_is_written_after_it(parts) -> None:
    """The store has several threads: an end written beside the row's first write could be overwritten by it."""

    store, switch, log = parts
    plain_record = store.record_call
    writing, go_on = Flag(), Flag()

    def slow_record_call(call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int:
        if call_uuid == "c9" and not writing.is_set():
            writing.set()
            assert go_on.wait(WAIT)   # the store busy with the row (the hub serves others meanwhile)
        return plain_record(call_uuid, direction, started_at, **values)

    store.record_call = slow_record_call
    writer = gevent.spawn(log.record_call, "c9", "in", NOW, outcome="transfer")
    assert writing.wait(WAIT)
    switch.hang_up("c9", "NORMAL_CLEARING")          # the end arrives mid-write
    until_idle()                                     # any write it queued would have started by now
    assert [w[0] for w in store.writes] == []        # nothing written beside the row
    go_on.set()
    writer.get(timeout=WAIT)
    assert store.ended.wait(WAIT)
    assert [(kind, uuid) for kind, uuid, _values in store.writes] == [("row", "c9"), ("end", "c9")]
