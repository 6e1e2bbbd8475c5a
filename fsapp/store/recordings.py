"""Recordings as rows: each recorded segment of a call and each voicemail, its file, and who is on it.

The ACD hands a row per recorded conversation segment (:meth:`RecordingLog.save_recording`, the shape of
:meth:`fsapp.acd.recordings.Recording.as_record`); the IVR's voicemails come the same way with
``kind="voicemail"``. The caller's number links the row to a citizen, as it does for calls and contacts.
Voicemails are also the staff's work list: listed with who called, when and the case, and marked done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fsapp.store.base import bound
from fsapp.store.contacts import ContactLog
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.models import Case, Recording

KINDS = ("call", "voicemail")


@dataclass(frozen=True)
class RecordingFilter:
    """Which recordings to list: every given field must match (``caller``: part of the number)."""

    kind: str | None = None
    agent: str | None = None
    queue: str | None = None
    caller: str | None = None
    day_from: date | None = None
    day_to: date | None = None     # inclusive, in UTC days
    call_uuid: str | None = None
    open_only: bool = False        # voicemails nobody has marked done


def _moment(value: Any) -> datetime | None:
    """An epoch (the ACD's clock) or an aware datetime as an aware UTC datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromtimestamp(float(value), timezone.utc)


def recording_row(row: Recording) -> dict[str, Any]:
    """What the store says of one recording."""
    return {"id": row.id, "call_uuid": row.call_uuid, "kind": row.kind, "file": row.file_name, "path": row.path,
            "queue": row.queue, "agent": row.agent, "caller": row.caller_number, "citizen_id": row.citizen_id,
            "case": row.case.reference if row.case_id else None, "subject": row.subject,
            "started_at": row.started_at, "ended_at": row.ended_at, "duration": row.duration,
            "deleted": row.deleted_at is not None, "done_at": row.done_at, "done_by": row.done_by}


class RecordingLog(ContactLog):
    """Writing down recordings and voicemails, finding them, and the voicemail work list."""

    @bound
    def save_recording(self, record: dict[str, Any], kind: str = "call", subject: str = "") -> int:
        """Keep one recorded segment (``call_uuid``, ``path``, ``started_at``... as the ACD hands them).

        A voicemail is linked to the caller's case when they have exactly one open case.
        """
        if kind not in KINDS:
            raise StoreError(f"unknown recording kind {kind!r} (known: {', '.join(KINDS)})")
        number = str(record.get("caller_number") or "")
        citizen_id = self._citizen_by_number(number) if number else None
        case_id = None
        if kind == "voicemail" and citizen_id is not None:
            open_cases = [c.id for c in Case.select(Case.id).where(Case.citizen == citizen_id,
                                                                   Case.status != "closed").limit(2)]
            case_id = open_cases[0] if len(open_cases) == 1 else None
        path = str(record["path"])
        return Recording.insert(
            call_uuid=str(record["call_uuid"]), kind=kind, file_name=Path(path).name, path=path,
            queue=record.get("queue"), agent=record.get("agent_id") or None, caller_number=number,
            citizen=citizen_id, case=case_id, subject=subject[:300],
            started_at=_moment(record.get("started_at")) or self.clock(), ended_at=_moment(record.get("ended_at")),
            duration=float(record.get("duration") or 0.0)).execute()

    @bound
    def recordings(self, query: RecordingFilter = RecordingFilter(), limit: int = 1000) -> list[dict[str, Any]]:
        """Recordings whose file is kept, oldest first."""
        rows = Recording.select().where(Recording.deleted_at.is_null()).order_by(Recording.started_at,
                                                                                  Recording.id).limit(limit)
        for column, wanted in ((Recording.kind, query.kind), (Recording.agent, query.agent),
                               (Recording.queue, query.queue), (Recording.call_uuid, query.call_uuid)):
            if wanted:
                rows = rows.where(column == wanted)
        if query.day_from:
            rows = rows.where(Recording.started_at >= datetime.combine(query.day_from, datetime.min.time(),
                                                                       timezone.utc))
        if query.day_to:
            rows = rows.where(Recording.started_at < datetime.combine(query.day_to + timedelta(days=1),
                                                                      datetime.min.time(), timezone.utc))
        if query.open_only:
            rows = rows.where(Recording.done_at.is_null())
        found = [recording_row(row) for row in rows]
        if query.caller:   # a part of the number, compared in Python: no LIKE pattern from outside
            found = [row for row in found if query.caller in row["caller"]]
        return found

    @bound
    def recording_path(self, file_name: str) -> str | None:
        """Where the kept file of a recording listed as ``file_name`` is, if it is one."""
        row = Recording.select(Recording.path).where(Recording.file_name == file_name,
                                                     Recording.deleted_at.is_null()).first()
        return row.path if row else None

    @bound
    def mark_voicemail_done(self, recording_id: int, actor: str, done: bool = True) -> dict[str, Any]:
        """Mark a voicemail dealt with (or open again); audited."""
        row = Recording.get_or_none(Recording.id == recording_id, Recording.kind == "voicemail")
        if row is None:
            raise NotFound(f"no voicemail {recording_id}")
        Recording.update(done_at=self.clock() if done else None, done_by=actor if done else "").where(
            Recording.id == recording_id).execute()
        self.audit(actor, "update", "voicemail", recording_id, "done" if done else "open")
        return recording_row(Recording.get_by_id(recording_id))

    @bound
    def call(self, call_uuid: str) -> dict[str, Any]:
        """The report record of one call with its legs and its recorded segments (files kept or not)."""
        found = super().call(call_uuid)
        segments = Recording.select().where(Recording.call_uuid == call_uuid).order_by(Recording.started_at,
                                                                                        Recording.id)
        return {**found, "recordings": [recording_row(row) for row in segments]}
