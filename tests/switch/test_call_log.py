"""Call rows written once with their end when fsapp hangs the call up, and never lost when the end does not come."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from gevent.event import Event as Flag

from fsapp import calllog
from fsapp.calllog import CallLog
from fsapp.esl.events import Event
from fsapp.switch.channel import Channel

WAIT = 10.0


class Store:
    """Every write the call log makes, in order."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, str, dict[str, Any]]] = []
        self.ended = Flag()

    def record_call(self, call_uuid: str, direction: str, started_at: datetime, **values: Any) -> int:
        self.writes.append(("row", call_uuid, values))
        return len(self.writes)

    def end_call(self, call_uuid: str, ended_at: datetime, hangup_cause: str) -> bool:
        self.writes.append(("end", call_uuid, {"ended_at": ended_at, "hangup_cause": hangup_cause}))
        self.ended.set()
        return True


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


NOW = datetime.now(timezone.utc)


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
    log.record_call("c8", "in", NOW, outcome="abandoned", hanging_up=True)
    assert store.writes == [("row", "c8", {"outcome": "abandoned", "ended_at": NOW, "hangup_cause": "USER_BUSY"})]
