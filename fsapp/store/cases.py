"""Cases: creation with a checked reference, the status workflow with history, notes, files and searches."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import peewee as pw

from fsapp.store.base import StoreBase, bound, bulk
from fsapp.store.citizens import CitizenQueries
from fsapp.store.errors import NotFound
from fsapp.store.files import sha256_of
from fsapp.store.models import (Attachment, Case, CaseEvent, CaseNote, Category, Citizen, Department,
                                ReferenceCounter)
from fsapp.store.records import (AttachmentRecord, CaseDetail, CaseEventRecord, CaseSummary, NoteRecord)
from fsapp.store.reference import make_reference, parse_reference
from fsapp.store.workflow import (OPEN_STATUSES, CaseStatus, FieldDefinition, check_transition, deadline_for,
                                  parse_status, validate_custom_values)

log = logging.getLogger(__name__)

CaseClosedListener = Callable[[CaseDetail], None]
CaseStatusListener = Callable[[CaseDetail, str, str], None]   # (case, old status, new status)


class CaseCommands(CitizenQueries, StoreBase):
    """Creating, moving and reading cases."""

    case_closed_listeners: list[CaseClosedListener]
    case_status_listeners: list[CaseStatusListener]

    @bound
    def new_case(self, category: str, description: str, actor: str, *, citizen_id: int | None = None,
                 property_id: int | None = None, channel: str = "phone",
                 custom_values: Mapping[str, Any] | None = None, address: str = "",
                 latitude: float | None = None, longitude: float | None = None) -> CaseSummary:
        """Open a case in ``category``; its deadline follows the category's service level."""
        found = Category.get_or_none(Category.code == category)
        if found is None:
            raise NotFound(f"no category {category!r}")
        definitions = [FieldDefinition.from_dict(f) for f in found.custom_fields]
        values = validate_custom_values(definitions, custom_values or {})
        if citizen_id is not None and Citizen.get_or_none(Citizen.id == citizen_id) is None:
            raise NotFound(f"no citizen {citizen_id}")
        now = self.clock()
        with self.db.atomic():
            case = Case.create(
                reference=self._next_reference(now.year), category=found.id, department=found.department_id,
                citizen=citizen_id, property=property_id, channel=channel, description=description,
                status=CaseStatus.RECEIVED.value, custom_values=values, address=address, latitude=latitude,
                longitude=longitude, received_at=now, deadline=deadline_for(now, found.service_level_hours),
                updated_at=now)
            self._event(case.id, actor, "created", None, CaseStatus.RECEIVED.value, now)
            self.audit(actor, "create", "case", case.reference)
        return self.case_status(case.reference)

    def _next_reference(self, year: int) -> str:
        updated = (ReferenceCounter.update(last=ReferenceCounter.last + 1)
                   .where(ReferenceCounter.year == year).execute())
        if not updated:
            ReferenceCounter.create(year=year, last=1)
        return make_reference(year, ReferenceCounter.get_by_id(year).last)

    def _event(self, case_id: int, actor: str, kind: str, old: str | None, new: str | None,
               at: datetime) -> None:
        CaseEvent.create(case=case_id, at=at, actor=actor, kind=kind, old_value=old, new_value=new)

    def _case(self, reference: str) -> Case:
        stored = parse_reference(reference)
        case = (Case.select(Case, Category, Department).join(Category).switch(Case)
                .join(Department, pw.JOIN.LEFT_OUTER).where(Case.reference == stored).first())
        if case is None:
            raise NotFound(f"no case {reference}")
        return case

    @bound
    def case_status(self, reference: str) -> CaseSummary:
        """A case's status by its reference as typed or spoken (raises InvalidReference on a mistyped number)."""
        return self._case_summary(self._case(reference))

    @bound
    def get_case(self, reference: str, actor: str | None = None) -> CaseDetail:
        """Everything about a case; when ``actor`` is given the read is written to the audit log."""
        case = self._case(reference)
        if actor:
            self.audit(actor, "read", "case", case.reference)
        return self._case_detail(case)

    def _case_detail(self, case: Case) -> CaseDetail:
        history = tuple(CaseEventRecord(e.at, e.actor, e.kind, e.old_value, e.new_value)
                        for e in case.events.order_by(CaseEvent.at, CaseEvent.id))
        notes = tuple(NoteRecord(n.at, n.author, n.text, n.internal)
                      for n in case.notes.order_by(CaseNote.at, CaseNote.id))
        files = tuple(AttachmentRecord(a.id, a.filename, a.path, a.sha256, a.size, a.content_type)
                      for a in case.attachments.order_by(Attachment.id))
        return CaseDetail(summary=self._case_summary(case), description=case.description, channel=case.channel,
                          custom_values=dict(case.custom_values or {}), address=case.address,
                          latitude=case.latitude, longitude=case.longitude, updated_at=case.updated_at,
                          closed_at=case.closed_at, history=history, notes=notes, attachments=files)

    @bound
    def change_status(self, reference: str, status: CaseStatus | str, actor: str,
                      note: str | None = None) -> CaseSummary:
        """Move a case along the workflow, recording who and when; closing it tells the listeners."""
        target = status if isinstance(status, CaseStatus) else parse_status(status)
        case = self._case(reference)
        current = CaseStatus(case.status)
        check_transition(current, target)
        now = self.clock()
        closed_at = now if target is CaseStatus.CLOSED else (None if target is CaseStatus.REOPENED
                                                               else case.closed_at)
        with self.db.atomic():
            Case.update(status=target.value, updated_at=now, closed_at=closed_at).where(
                Case.id == case.id).execute()
            self._event(case.id, actor, "status", current.value, target.value, now)
            if note:
                CaseNote.create(case=case.id, at=now, author=actor, text=note, internal=False)
            self.audit(actor, "update", "case", case.reference, f"status {current.value} -> {target.value}")
        self._tell_status(case.reference, current.value, target.value)
        return self.case_status(case.reference)

    def _tell_status(self, reference: str, old: str, new: str) -> None:
        """Tell the status listeners (and, for a closing, the closing listeners) once the change is made."""
        status_listeners = list(getattr(self, "case_status_listeners", []))
        closed_listeners = list(getattr(self, "case_closed_listeners", [])) if new == CaseStatus.CLOSED.value else []
        if not status_listeners and not closed_listeners:
            return
        detail = self._case_detail(self._case(reference))
        for listener in status_listeners:
            try:
                listener(detail, old, new)
            except Exception:  # a failing notice must not undo the change
                log.exception("case %s: status listener failed", reference)
        for closed in closed_listeners:
            try:
                closed(detail)
            except Exception:  # a failing notice must not undo the closing
                log.exception("case %s: closing-the-loop listener failed", reference)

    @bound
    def assign_case(self, reference: str, assignee: str, actor: str,
                    department: str | None = None) -> CaseSummary:
        """Give a case to a person (and optionally another department); it becomes ``assigned``."""
        case = self._case(reference)
        current = CaseStatus(case.status)
        check_transition(current, CaseStatus.ASSIGNED)
        changes: dict[str, Any] = {"assignee": assignee, "status": CaseStatus.ASSIGNED.value,
                                   "updated_at": self.clock()}
        if department:
            found = Department.get_or_none(Department.code == department)
            if found is None:
                raise NotFound(f"no department {department!r}")
            changes["department"] = found.id
        with self.db.atomic():
            Case.update(**changes).where(Case.id == case.id).execute()
            self._event(case.id, actor, "assigned", case.assignee, assignee, changes["updated_at"])
            if current is not CaseStatus.ASSIGNED:
                self._event(case.id, actor, "status", current.value, CaseStatus.ASSIGNED.value,
                            changes["updated_at"])
            self.audit(actor, "update", "case", case.reference, f"assigned to {assignee}")
        if current is not CaseStatus.ASSIGNED:
            self._tell_status(case.reference, current.value, CaseStatus.ASSIGNED.value)
        return self.case_status(case.reference)

    @bound
    def add_note(self, reference: str, text: str, author: str, internal: bool = True) -> None:
        """Add a note to a case (internal notes are not shown to the citizen)."""
        case = self._case(reference)
        now = self.clock()
        with self.db.atomic():
            CaseNote.create(case=case.id, at=now, author=author, text=text, internal=internal)
            self._event(case.id, author, "note", None, text[:200], now)
            Case.update(updated_at=now).where(Case.id == case.id).execute()
            self.audit(author, "update", "case", case.reference, "note added")

    @bound
    def attach_file(self, reference: str, source: str | Path, actor: str, filename: str | None = None,
                    content_type: str = "application/octet-stream") -> AttachmentRecord:
        """Copy a file next to the case's other files and record its SHA-256 and size."""
        case = self._case(reference)
        source_path = Path(source)
        digest = sha256_of(source_path)
        name = Path(filename or source_path.name).name
        target = self.files_dir / case.reference / f"{digest[:16]}-{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source_path, target)
        now = self.clock()
        with self.db.atomic():
            attachment = Attachment.create(case=case.id, filename=name, path=str(target), sha256=digest,
                                           size=target.stat().st_size, content_type=content_type,
                                           added_at=now, added_by=actor)
            self._event(case.id, actor, "attachment", None, name, now)
            self.audit(actor, "update", "case", case.reference, f"attached {name}")
        return AttachmentRecord(attachment.id, name, str(target), digest, attachment.size, content_type)

    @bound
    def verify_attachment(self, attachment_id: int) -> bool:
        """Whether the file on disk still has the checksum recorded for it."""
        attachment = Attachment.get_or_none(Attachment.id == attachment_id)
        if attachment is None:
            raise NotFound(f"no attachment {attachment_id}")
        path = Path(attachment.path)
        return path.exists() and sha256_of(path) == attachment.sha256

    @bulk
    def find_cases(self, *, status: str | None = None, category: str | None = None,
                   citizen_id: int | None = None, assignee: str | None = None, text: str = "",
                   open_only: bool = False, overdue_only: bool = False, received_from: datetime | None = None,
                   received_to: datetime | None = None, channel: str | None = None,
                   statuses: Sequence[str] = (), limit: int = 100) -> list[CaseSummary]:
        """Cases matching every given filter, newest first."""
        query = (Case.select(Case, Category, Department).join(Category).switch(Case)
                 .join(Department, pw.JOIN.LEFT_OUTER).order_by(Case.received_at.desc(), Case.id.desc())
                 .limit(limit))
        conditions = []
        if status:
            conditions.append(Case.status == parse_status(status).value)
        if statuses:
            conditions.append(Case.status.in_([parse_status(s).value for s in statuses]))
        if open_only or overdue_only:
            conditions.append(Case.status.in_([s.value for s in OPEN_STATUSES]))
        if overdue_only:
            conditions.append(Case.deadline < self.clock())
        if category:
            conditions.append(Category.code == category)
        if citizen_id is not None:
            conditions.append(Case.citizen == citizen_id)
        if assignee:
            conditions.append(Case.assignee == assignee)
        if channel:
            conditions.append(Case.channel == channel)
        if text:
            conditions.append(pw.fn.LOWER(Case.description) ** f"%{text.lower()}%")
        if received_from:
            conditions.append(Case.received_at >= received_from)
        if received_to:
            conditions.append(Case.received_at <= received_to)
        if conditions:
            query = query.where(*conditions)
        return [self._case_summary(case) for case in query.iterator()]   # no cache of model objects

    def overdue_cases(self, limit: int = 500) -> list[CaseSummary]:
        """Open cases past their deadline, the most overdue first (the supervisor's alert list)."""
        cases = self.find_cases(overdue_only=True, limit=limit)
        return sorted(cases, key=lambda c: c.deadline or c.received_at)

