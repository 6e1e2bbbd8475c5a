"""Retention per data class, erasure of one citizen, and the audit log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from fsapp.store import RetentionPolicy, Store, retention
from fsapp.store.workflow import ManualClock


def _citizen_with_history(store: Store, tmp_path: Path) -> tuple[int, str, Path]:
    store.add_category("pothole", "Pothole", service_level_hours=24)
    kari = store.add_citizen("Kari Nordmann", ["22 33 44 55"], email="kari@example.no", address="Storgata 1")
    case = store.new_case("pothole", "Hole outside Storgata 1", "agent", citizen_id=kari.id)
    store.add_note(case.reference, "Kari says it is deep", "agent")
    photo = tmp_path / "hole.jpg"
    photo.write_bytes(b"jpeg")
    store.attach_file(case.reference, photo, "agent")
    recording = tmp_path / "call.wav"
    recording.write_bytes(b"RIFF")
    store.record_call("call-1", "inbound", store.clock(), caller_number="+4722334455", talk_seconds=60,
                      outcome="answered")
    store.record_interaction("phone", "in", address="+4722334455", recording_path=str(recording),
                             transcript="My name is Kari", call_uuid="call-1")
    store.record_interaction("email", "in", address="kari@example.no", body="Any news?")
    return kari.id, case.reference, recording


def test_erasure_removes_personal_data_and_keeps_statistics(store: Store, tmp_path: Path) -> None:
    citizen_id, reference, recording = _citizen_with_history(store, tmp_path)
    report = store.erase_citizen(citizen_id, "dpo")
    assert (report.cases, report.calls, report.files) == (1, 1, 2)
    erased = store.get_citizen(citizen_id)
    assert (erased.name, erased.email, erased.phones, erased.address, erased.erased) == ("", None, (), "", True)
    assert store.lookup_caller("22334455").citizen is None
    case = store.get_case(reference)
    assert (case.description, case.summary.category, case.summary.status) == ("", "Pothole", "received")
    assert [n.text for n in case.notes] == ["[erased]"] and case.attachments == ()
    assert not recording.exists()
    contacts = store.interactions(citizen_id=citizen_id)
    assert len(contacts) == 2
    assert all(c["address"] == "" and c["body"] == "" and c["transcript"] is None for c in contacts)
    call = store.call("call-1")
    assert (call["caller_number"], call["talk_seconds"], call["outcome"]) == ("", 60, "answered")
    assert store.find_citizens("Kari") == []
    assert store.audit_trail("citizen", citizen_id)[0]["action"] == "erase"


def test_retention_expires_each_data_class_separately(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    citizen_id, reference, recording = _citizen_with_history(store, tmp_path)
    store.change_status(reference, "closed", "agent")
    clock.advance(days=40)
    fresh = store.record_interaction("sms", "in", citizen_id=citizen_id, body="recent")
    report = store.apply_retention(RetentionPolicy(recordings_days=30, transcripts_days=30))
    assert (report.recordings, report.transcripts, report.interactions, report.closed_cases) == (1, 1, 0, 0)
    assert not recording.exists()
    assert len(store.interactions(citizen_id=citizen_id)) == 3

    report = store.apply_retention(RetentionPolicy(interactions_days=30, closed_cases_days=30))
    assert (report.interactions, report.closed_cases) == (2, 1)
    assert [c["id"] for c in store.interactions(citizen_id=citizen_id)] == [fresh]
    case = store.get_case(reference)
    assert (case.description, case.summary.citizen_id, case.summary.status) == ("", None, "closed")
    assert store.apply_retention(RetentionPolicy(closed_cases_days=30)).closed_cases == 0
    assert store.get_citizen(citizen_id).name == "Kari Nordmann"


def test_changes_and_reads_are_audited(store: Store) -> None:
    kari = store.add_citizen("Kari", ["22 33 44 55"], actor="clerk")
    store.get_citizen(kari.id, actor="agent9")
    store.get_citizen(kari.id)
    actions = [(t["actor"], t["action"]) for t in store.audit_trail("citizen", kari.id)]
    assert actions == [("agent9", "read"), ("clerk", "create")]
    assert timedelta(0) == store.audit_trail()[0]["at"] - store.clock()

def test_retention_works_through_long_history_a_chunk_at_a_time(store: Store, clock: ManualClock,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retention, "CHUNK", 2)
    for index in range(5):
        store.record_call(f"old-{index}", "inbound", clock(), caller_number=f"+47223344{index:02d}")
        store.record_interaction("phone", "in", call_uuid=f"old-{index}", transcript=f"Call {index}")
    clock.advance(days=40)
    report = store.apply_retention(RetentionPolicy(transcripts_days=30))
    assert report.transcripts == 5
    assert store.apply_retention(RetentionPolicy(interactions_days=30)).interactions == 5
    assert {store.call(f"old-{index}")["caller_number"] for index in range(5)} == {""}
