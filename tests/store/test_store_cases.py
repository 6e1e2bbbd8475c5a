"""Cases on both backends: references, workflow, history, notes, files, searches, overdue alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.store import (CaseStatus, FieldDefinition, InvalidCaseData, InvalidReference, InvalidTransition,
                         NotFound, Store, display_reference)
from fsapp.store.workflow import ManualClock


def seed(store: Store) -> int:
    store.add_department("water", "Water and sewage", "water@city.example")
    store.add_department("roads", "Roads")
    store.add_category("leak", "Water leak", "water", service_level_hours=48,
                       custom_fields=[FieldDefinition("meter_number", "Meter number", required=True),
                                      FieldDefinition("arrears", "Arrears", kind="number")])
    store.add_category("pothole", "Pothole", "roads", service_level_hours=24)
    return store.add_citizen("Kari Nordmann", ["22 33 44 55", "+47 912 34 567"], email="kari@example.no").id


def test_new_case_gets_a_checked_reference_and_a_deadline(store: Store) -> None:
    citizen = seed(store)
    first = store.new_case("pothole", "Hole in Storgata 1", "agent1", citizen_id=citizen)
    second = store.new_case("pothole", "Another hole", "agent1", citizen_id=citizen)
    assert first.reference != second.reference
    assert first.reference.startswith(f"{store.clock().year % 100:02d}")   # the year the case came in
    assert (first.deadline - first.received_at).total_seconds() == 24 * 3600
    assert store.case_status(display_reference(first.reference)).id == first.id
    mistyped = first.reference[:-2] + str((int(first.reference[-2]) + 1) % 10) + first.reference[-1]
    with pytest.raises(InvalidReference):
        store.case_status(mistyped)


def test_unknown_reference_with_a_valid_check_digit_is_not_found(store: Store) -> None:
    seed(store)
    from fsapp.store import make_reference
    with pytest.raises(NotFound):
        store.case_status(make_reference(2024, 999))


def test_custom_fields_are_checked_against_the_category(store: Store) -> None:
    citizen = seed(store)
    with pytest.raises(InvalidCaseData, match="meter_number"):
        store.new_case("leak", "Leak", "agent1", citizen_id=citizen)
    with pytest.raises(InvalidCaseData, match="number"):
        store.new_case("leak", "Leak", "agent1", custom_values={"meter_number": "M1", "arrears": "lots"})
    case = store.new_case("leak", "Leak", "agent1", custom_values={"meter_number": "M1", "arrears": "120.5"})
    assert store.get_case(case.reference).custom_values == {"meter_number": "M1", "arrears": 120.5}


def test_workflow_records_every_change_with_who_and_when(store: Store, clock: ManualClock) -> None:
    seed(store)
    case = store.new_case("pothole", "Hole", "agent1")
    clock.advance(minutes=5)
    store.change_status(case.reference, "accepted", "agent1")
    clock.advance(minutes=5)
    store.assign_case(case.reference, "roadworker", "supervisor", department="water")
    store.change_status(case.reference, CaseStatus.IN_PROGRESS, "roadworker")
    store.change_status(case.reference, "resolved", "roadworker", note="Filled with asphalt")
    closed = store.change_status(case.reference, "closed", "supervisor")
    assert closed.status == "closed"
    detail = store.get_case(case.reference)
    steps = [(e.kind, e.actor, e.old_value, e.new_value) for e in detail.history]
    assert steps == [
        ("created", "agent1", None, "received"),
        ("status", "agent1", "received", "accepted"),
        ("assigned", "supervisor", None, "roadworker"),
        ("status", "supervisor", "accepted", "assigned"),
        ("status", "roadworker", "assigned", "in_progress"),
        ("status", "roadworker", "in_progress", "resolved"),
        ("status", "supervisor", "resolved", "closed"),
    ]
    assert detail.history[1].at == detail.history[0].at.replace(minute=5)
    assert detail.summary.department == "water"
    assert detail.closed_at == clock()
    assert [n.text for n in detail.notes] == ["Filled with asphalt"]
    reopened = store.change_status(case.reference, "reopened", "citizen-call")
    assert reopened.status == "reopened"
    assert store.get_case(case.reference).closed_at is None


def test_forbidden_transition_is_refused_and_changes_nothing(store: Store) -> None:
    seed(store)
    case = store.new_case("pothole", "Hole", "agent1")
    with pytest.raises(InvalidTransition, match="received to reopened"):
        store.change_status(case.reference, "reopened", "agent1")
    assert store.case_status(case.reference).status == "received"
    assert len(store.get_case(case.reference).history) == 1


def test_closing_tells_the_listeners_once(store: Store) -> None:
    citizen = seed(store)
    told = []
    store.on_case_closed(lambda detail: told.append(detail.summary.reference))
    case = store.new_case("pothole", "Hole", "agent1", citizen_id=citizen)
    store.change_status(case.reference, "resolved", "agent1")
    assert told == []
    store.change_status(case.reference, "closed", "agent1")
    assert told == [case.reference]


def test_overdue_cases_are_listed_most_overdue_first(store: Store, clock: ManualClock) -> None:
    seed(store)
    late = store.new_case("pothole", "24 h service level", "agent1")
    later = store.new_case("leak", "48 h service level", "agent1", custom_values={"meter_number": "M"})
    done = store.new_case("pothole", "resolved in time", "agent1")
    store.change_status(done.reference, "resolved", "agent1")
    assert store.overdue_cases() == []
    clock.advance(hours=30)
    assert [c.reference for c in store.overdue_cases()] == [late.reference]
    assert store.case_status(late.reference).overdue
    clock.advance(hours=30)
    assert [c.reference for c in store.overdue_cases()] == [late.reference, later.reference]


def test_notes_and_attachments_with_checksums(store: Store, tmp_path: Path) -> None:
    seed(store)
    case = store.new_case("pothole", "Hole", "agent1")
    photo = tmp_path / "hole.jpg"
    photo.write_bytes(b"\xff\xd8 not really a jpeg")
    store.add_note(case.reference, "Called the citizen back", "agent2", internal=True)
    attached = store.attach_file(case.reference, photo, "agent2", content_type="image/jpeg")
    assert attached.size == photo.stat().st_size
    assert store.verify_attachment(attached.id)
    Path(attached.path).write_bytes(b"tampered")
    assert not store.verify_attachment(attached.id)
    detail = store.get_case(case.reference)
    assert [a.filename for a in detail.attachments] == ["hole.jpg"]
    assert [e.kind for e in detail.history][-2:] == ["note", "attachment"]


def test_find_cases_by_filters(store: Store) -> None:
    citizen = seed(store)
    hole = store.new_case("pothole", "Deep hole near school", "agent1", citizen_id=citizen, channel="web")
    store.new_case("leak", "Leak", "agent1", custom_values={"meter_number": "M"})
    assert [c.id for c in store.find_cases(category="pothole")] == [hole.id]
    assert [c.id for c in store.find_cases(text="SCHOOL")] == [hole.id]
    assert [c.id for c in store.find_cases(citizen_id=citizen)] == [hole.id]
    assert [c.id for c in store.find_cases(channel="web")] == [hole.id]
    assert len(store.find_cases(status="received")) == 2
    assert store.find_cases(status="closed") == []


def test_reading_a_case_with_an_actor_is_audited(store: Store) -> None:
    seed(store)
    case = store.new_case("pothole", "Hole", "agent1")
    store.get_case(case.reference, actor="agent7")
    trail = store.audit_trail("case", case.reference)
    assert [(t["actor"], t["action"]) for t in trail] == [("agent7", "read"), ("agent1", "create")]
