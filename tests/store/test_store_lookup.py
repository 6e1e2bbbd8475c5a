"""Caller lookup, citizens, contacts, calls and callbacks on both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fsapp.store import LegInfo, Store, StoreError
from fsapp.store.phones import normalize_phone
from fsapp.store.workflow import ManualClock


@pytest.mark.parametrize(("raw", "expected"), [
    ("22 33 44 55", "+4722334455"), ("+47 22 33 44 55", "+4722334455"), ("0047 22334455", "+4722334455"),
    ("sip:+4791234567@pbx.example", "+4791234567"), ("12", None), ("not a number", None),
])
def test_numbers_are_normalized_to_e164(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw, "NO") == expected


def test_lookup_finds_the_citizen_and_only_open_cases(store: Store) -> None:
    store.add_category("pothole", "Pothole", service_level_hours=24)
    kari = store.add_citizen("Kari Nordmann", ["22 33 44 55"])
    open_case = store.new_case("pothole", "open", "agent", citizen_id=kari.id)
    closed = store.new_case("pothole", "closed", "agent", citizen_id=kari.id)
    store.change_status(closed.reference, "closed", "agent")
    for dialled in ("+4722334455", "22334455", "0047 22 33 44 55"):
        info = store.lookup_caller(dialled)
        assert info.number == "+4722334455"
        assert info.citizen is not None and info.citizen.name == "Kari Nordmann"
        assert [c.reference for c in info.open_cases] == [open_case.reference]


def test_lookup_uses_the_region_for_national_numbers(store: Store) -> None:
    store.add_citizen("Lars Svensson", ["+46 8 123 456 78"])
    assert store.lookup_caller("08-123 456 78", region="SE").citizen is not None
    assert store.lookup_caller("08-123 456 78").citizen is None


def test_unknown_and_impossible_numbers(store: Store) -> None:
    store.add_citizen("Kari", ["22 33 44 55"])
    unknown = store.lookup_caller("22 33 44 56")
    assert unknown.number == "+4722334456" and unknown.citizen is None and unknown.open_cases == ()
    assert store.lookup_caller("anonymous").number is None


def test_shared_number_returns_the_latest_citizen(store: Store, clock: ManualClock) -> None:
    store.add_citizen("Old tenant", ["22 33 44 55"])
    clock.advance(days=1)
    store.add_citizen("New tenant", ["22 33 44 55"])
    info = store.lookup_caller("22334455")
    assert info.citizen is not None and info.citizen.name == "New tenant"
    assert info.other_citizens == 1


def test_find_citizens_by_name_phone_and_email(store: Store) -> None:
    kari = store.add_citizen("Kari Nordmann", ["22 33 44 55"], email="kari@example.no")
    store.add_citizen("Ola Hansen", ["23 45 67 89"])
    assert [c.id for c in store.find_citizens("nordm")] == [kari.id]
    assert [c.id for c in store.find_citizens("+47 22 33 44 55")] == [kari.id]
    assert [c.id for c in store.find_citizens("KARI@")] == [kari.id]
    assert len(store.find_citizens()) == 2
    with pytest.raises(StoreError, match="not a phone number"):
        store.add_citizen("Nobody", ["12"])


def test_interactions_without_a_case_are_kept_and_linked_by_number(store: Store, clock: ManualClock) -> None:
    kari = store.add_citizen("Kari", ["22 33 44 55"])
    store.add_category("pothole", "Pothole")
    case = store.new_case("pothole", "Hole", "agent", citizen_id=kari.id)
    store.record_interaction("phone", "in", address="+4722334455", agent="agent1", ivr_path=["main", "status"])
    clock.advance(minutes=1)
    store.record_interaction("sms", "out", citizen_id=kari.id, case_reference=case.reference, body="Fixed")
    store.record_interaction("walk_in", "in", subject="Asked about opening hours")
    history = store.interactions(citizen_id=kari.id)
    assert [(h["channel"], h["direction"]) for h in history] == [("sms", "out"), ("phone", "in")]
    assert history[1]["ivr_path"] == "main>status"
    assert [h["body"] for h in store.interactions(case_reference=case.reference)] == ["Fixed"]
    with pytest.raises(StoreError, match="unknown channel"):
        store.record_interaction("pigeon", "in")


def test_calls_are_recorded_with_legs_and_rewritten_by_uuid(store: Store, clock: ManualClock) -> None:
    kari = store.add_citizen("Kari", ["22 33 44 55"])
    start = clock()
    legs = [LegInfo("leg-a", "caller", "+4722334455"), LegInfo("leg-b", "agent", "1001")]
    store.record_call("call-1", "inbound", start, caller_number="+4722334455", queue="general")
    store.record_call("call-1", "inbound", start, caller_number="+4722334455", queue="general", agent="1001",
                      answered_at=start + timedelta(seconds=20), ended_at=start + timedelta(seconds=200),
                      wait_seconds=20, talk_seconds=180, outcome="answered", hangup_cause="NORMAL_CLEARING",
                      legs=legs)
    call = store.call("call-1")
    assert call["citizen_id"] == kari.id
    assert (call["agent"], call["wait_seconds"], call["talk_seconds"]) == ("1001", 20, 180)
    assert [leg["role"] for leg in call["legs"]] == ["caller", "agent"]
    store.record_interaction("phone", "in", call_uuid="call-1", address="+4722334455")
    assert store.interactions(citizen_id=kari.id)[0]["channel"] == "phone"


def test_callbacks_wait_until_due_and_finish(store: Store, clock: ManualClock) -> None:
    kari = store.add_citizen("Kari", ["22 33 44 55"])
    now_id = store.add_callback_request("22334455", queue="general")
    later_id = store.add_callback_request("+4791234567", not_before=clock() + timedelta(hours=1))
    assert [c["id"] for c in store.pending_callbacks()] == [now_id]
    assert store.pending_callbacks()[0]["citizen_id"] == kari.id
    clock.advance(hours=2)
    assert [c["id"] for c in store.pending_callbacks()] == [now_id, later_id]
    store.finish_callback(now_id, "retry")
    store.finish_callback(later_id, "done")
    pending = store.pending_callbacks()
    assert [(c["id"], c["attempts"]) for c in pending] == [(now_id, 1)]


def test_a_call_and_its_contact_are_written_together_once(store: Store, clock: ManualClock) -> None:
    kari = store.add_citizen("Kari", ["22 33 44 55"])
    contact = {"channel": "phone", "direction": "in", "address": "22334455", "agent": "1001",
               "ivr_path": ["menu", "queue"], "body": "{}"}
    store.record_call("call-2", "in", clock(), caller_number="22334455", contact=contact)
    store.record_call("call-2", "in", clock(), caller_number="22334455", hangup_cause="NORMAL_CLEARING")
    [kept] = store.interactions(citizen_id=kari.id)
    assert (kept["channel"], kept["agent"], kept["ivr_path"]) == ("phone", "1001", "menu>queue")
    assert store.call("call-2")["citizen_id"] == kari.id
    with pytest.raises(StoreError, match="unknown channel"):
        store.record_call("call-3", "in", clock(), caller_number="22334455", contact={**contact, "channel": "pigeon"})
    with pytest.raises(StoreError):
        store.call("call-3")


def test_a_call_s_end_completes_its_record_and_nothing_else(store: Store, clock: ManualClock) -> None:
    start = clock()
    legs = [LegInfo("leg-a", "caller", "+4722334455")]
    store.record_call("call-4", "in", start, caller_number="+4722334455", queue="general", legs=legs)
    assert store.end_call("call-4", start + timedelta(seconds=90), "NORMAL_CLEARING")
    call = store.call("call-4")
    assert (call["ended_at"], call["hangup_cause"], call["queue"]) == (start + timedelta(seconds=90),
                                                                       "NORMAL_CLEARING", "general")
    assert [leg["leg_uuid"] for leg in call["legs"]] == ["leg-a"]
    assert not store.end_call("no-such-call", start, "NORMAL_CLEARING")
