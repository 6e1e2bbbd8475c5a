"""insert_row: the prepared INSERT stores what peewee's own INSERT stores, on every backend."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fsapp.store import Store
from fsapp.store.lanes import in_store
from fsapp.store.models import Call, CitizenPhone, Interaction
from fsapp.store.statements import first_value, insert_row, row_values


def _row(model: Any, row_id: int) -> dict[str, Any]:
    found = model.select().where(model.id == row_id).dicts().get()
    found.pop("id")
    return found


def _both_ways(model: Any, values: dict[str, Any], other: dict[str, Any]) -> tuple[dict, dict]:
    prepared = insert_row(model, values)
    plain = model.insert(**other).execute()
    return _row(model, prepared), _row(model, plain)


def test_a_call_row_is_stored_as_peewee_stores_it(store: Store) -> None:
    started = store.clock() - timedelta(minutes=3)
    values = {"call_uuid": "prepared", "direction": "in", "caller_number": "+4790000001", "started_at": started,
              "ended_at": started + timedelta(seconds=30), "queue": None, "talk_seconds": 12.5}
    prepared, plain = in_store(store.db, _both_ways, Call, values, {**values, "call_uuid": "plain"})
    assert prepared.pop("call_uuid") == "prepared" and plain.pop("call_uuid") == "plain"
    assert prepared == plain
    assert prepared["started_at"] == started and prepared["outcome"] == "" and prepared["agent"] is None


def test_an_interaction_row_is_stored_as_peewee_stores_it(store: Store) -> None:
    call_id = store.record_call("with-contact", "in", store.clock(), caller_number="+4790000002")
    values = {"at": store.clock(), "channel": "phone", "direction": "in", "call": call_id, "address": "+4790000002",
              "body": '{"nodes": ["start"]}', "ivr_path": "start"}
    prepared, plain = in_store(store.db, _both_ways, Interaction, values, values)
    assert prepared == plain
    assert prepared["call"] == call_id and prepared["subject"] == "" and prepared["transcript"] is None


def test_the_new_rows_ids_come_back_in_order(store: Store) -> None:
    def two() -> list[int]:
        return [insert_row(Call, {"call_uuid": f"id-{n}", "direction": "in", "started_at": store.clock()})
                for n in range(2)]

    first, second = in_store(store.db, two)
    assert second == first + 1
    assert store.call("id-1")["call_uuid"] == "id-1"


def test_an_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="no field nonsense"):
        row_values(Call, {"call_uuid": "x", "nonsense": 1})


def test_first_value_answers_as_peewee_scalar(store: Store) -> None:
    citizen = store.add_citizen("Kari Nordmann", phones=["+4790000003"]).id
    store.record_call("looked-up", "in", store.clock(), caller_number="+4790000003")

    def both(number: str) -> tuple[Any, Any]:
        return (first_value(CitizenPhone.citizen, CitizenPhone.number, number),
                CitizenPhone.select(CitizenPhone.citizen).where(CitizenPhone.number == number).scalar())

    assert in_store(store.db, both, "+4790000003") == (citizen, citizen)
    assert in_store(store.db, both, "+4790000009") == (None, None)
    assert in_store(store.db, both, "x' OR '1'='1") == (None, None)   # a value, never SQL
    assert store.call("looked-up")["citizen_id"] == citizen


def test_calls_written_in_one_batch_are_as_if_written_one_by_one(store: Store) -> None:
    from fsapp.store import CallWrite

    started = store.clock() - timedelta(minutes=2)
    ended = started + timedelta(seconds=40)
    store.record_call("up-before", "in", started, caller_number="+4790000002", outcome="transfer")
    store.write_calls([
        CallWrite("held", "in", started, {"caller_number": "+4790000003", "outcome": "hangup", "ended_at": ended,
                                          "hangup_cause": "NORMAL_CLEARING",
                                          "contact": {"channel": "phone", "direction": "in",
                                                      "address": "+4790000003", "body": "{}"}}),
        CallWrite("up-before", "in", started, {"caller_number": "+4790000002", "outcome": "transfer",
                                               "ended_at": ended, "hangup_cause": "USER_BUSY"}, end_only=True),
        CallWrite("never-written", "in", started, {"caller_number": "+4790000004", "outcome": "queue",
                                                   "ended_at": ended, "hangup_cause": "NORMAL_CLEARING"},
                  end_only=True)])
    rows = {uuid: store.call(uuid) for uuid in ("held", "up-before", "never-written")}
    assert {uuid: (row["outcome"], row["ended_at"], row["hangup_cause"]) for uuid, row in rows.items()} == {
        "held": ("hangup", ended, "NORMAL_CLEARING"), "up-before": ("transfer", ended, "USER_BUSY"),
        "never-written": ("queue", ended, "NORMAL_CLEARING")}
    assert [c["channel"] for c in store.interactions(limit=10) if c["address"] == "+4790000003"] == ["phone"]
