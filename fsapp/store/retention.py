"""Retention per data class and erasure of one citizen's personal data, keeping anonymous statistics.

What stays after erasure or retention: that a case of some category existed, its status history and times,
and each call's queue, agent, durations and outcome. What goes: names, numbers, addresses, free text,
recordings, transcripts and attachments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from datetime import timedelta
from pathlib import Path

import peewee as pw

from fsapp.store.base import StoreBase, bound, bulk
from fsapp.store.errors import NotFound
from fsapp.store.models import (Attachment, ContactFile, Call, CallbackRequest, Case, CaseEvent, CaseNote, Citizen,
                                CitizenPhone, CitizenProperty, Interaction, Recording)

log = logging.getLogger(__name__)

ERASED_TEXT = "[erased]"
CHUNK = 1000   # rows per statement: a first run over years of history holds the write lock a moment at a time


@dataclass(frozen=True)
class RetentionPolicy:
    """How many days each data class is kept (None: forever)."""

    recordings_days: int | None = None
    transcripts_days: int | None = None
    interactions_days: int | None = None
    closed_cases_days: int | None = None


@dataclass(frozen=True)
class RetentionReport:
    """How many records of each data class a retention run removed or anonymized."""

    recordings: int = 0
    transcripts: int = 0
    interactions: int = 0
    closed_cases: int = 0
    recording_files: int = 0   # files deleted (a call's segments may share one file)


@dataclass(frozen=True)
class ErasureReport:
    """What erasing one citizen touched."""

    citizen_id: int
    cases: int
    interactions: int
    calls: int
    files: int
    recordings: int = 0
    elsewhere: tuple[tuple[str, int], ...] = ()   # what the erasure hooks erased (campaign contacts...)


ErasureHook = Callable[[int, list[str]], dict[str, int]]
"""Erases what another part keeps of a citizen (their id, their numbers and addresses) in the erasure's
transaction; returns how many rows of each kind it touched."""


def _in_chunks(model: type[pw.Model], condition: pw.Expression, change: Callable[[list[int]], object]) -> int:
    """``change`` the rows of ``model`` matching ``condition``, :data:`CHUNK` ids at a time (each statement its
    own short transaction); ``change`` must leave a row no longer matching. Returns how many rows."""
    total = 0
    while ids := [row.id for row in model.select(model.id).where(condition).limit(CHUNK)]:
        change(ids)
        total += len(ids)
    return total


def _remove_file(path: str | None) -> int:
    if not path:
        return 0
    try:
        Path(path).unlink()
    except FileNotFoundError:
        return 0
    return 1


def _remove_files(paths: Iterable[str | None]) -> int:
    """Remove each file once (a call's segments may share one); how many were there."""
    return sum(_remove_file(path) for path in set(paths))


class DataProtection(StoreBase):
    """Retention runs and erasure requests; ``erasure_hooks`` (see :data:`ErasureHook`) erase what other parts
    keep of a citizen (the dialer's campaign lists) in the same transaction."""

    erasure_hooks: list[ErasureHook]

    @bulk
    def apply_retention(self, policy: RetentionPolicy, actor: str = "retention") -> RetentionReport:
        """Remove or anonymize everything older than the policy allows."""
        now = self.clock()
        recordings, files = (self._expire_recordings(now - timedelta(days=policy.recordings_days))
                             if policy.recordings_days is not None else (0, 0))
        report = RetentionReport(
            recordings=recordings, recording_files=files,
            transcripts=_in_chunks(
                Interaction, Interaction.transcript.is_null(False) & (Interaction.at < now - timedelta(
                    days=policy.transcripts_days)),
                lambda ids: Interaction.update(transcript=None).where(Interaction.id.in_(ids)).execute())
            if policy.transcripts_days is not None else 0,
            interactions=self._expire_interactions(now - timedelta(days=policy.interactions_days))
            if policy.interactions_days is not None else 0,
            closed_cases=self._expire_closed_cases(now - timedelta(days=policy.closed_cases_days), actor)
            if policy.closed_cases_days is not None else 0,
        )
        self.audit(actor, "retention", "store", "-", str(report))
        return report

    def _expire_recordings(self, cutoff: object) -> tuple[int, int]:
        """Recordings (rows, and the voicemails of contacts from before they were rows) older than ``cutoff``:
        their files are deleted. Returns (recordings expired, files deleted)."""
        files = 0

        def delete(ids: list[int]) -> None:
            nonlocal files
            paths = [row.path for row in Recording.select(Recording.path).where(Recording.id.in_(ids))]
            files += _remove_files(paths)
            Recording.update(deleted_at=self.clock()).where(Recording.id.in_(ids)).execute()
            Interaction.update(recording_path=None).where(Interaction.recording_path.in_(paths)).execute()

        def forget(ids: list[int]) -> None:
            nonlocal files
            files += _remove_files(row.recording_path for row in Interaction.select(Interaction.recording_path)
                                   .where(Interaction.id.in_(ids)))
            Interaction.update(recording_path=None).where(Interaction.id.in_(ids)).execute()

        rows = _in_chunks(Recording, Recording.deleted_at.is_null() & (Recording.started_at < cutoff), delete)
        rows += _in_chunks(Interaction, Interaction.recording_path.is_null(False) & (Interaction.at < cutoff),
                           forget)
        return rows, files

    def _expire_interactions(self, cutoff: object) -> int:
        for row in Interaction.select(Interaction.recording_path).where(
                Interaction.recording_path.is_null(False), Interaction.at < cutoff).iterator():
            _remove_file(row.recording_path)
        _in_chunks(Call, (Call.started_at < cutoff) & ((Call.caller_number != "") | Call.citizen.is_null(False)),
                   lambda ids: Call.update(caller_number="", citizen=None).where(Call.id.in_(ids)).execute())
        def delete(ids: list[int]) -> int:
            self._forget_contact_files(ids)
            return Interaction.delete().where(Interaction.id.in_(ids)).execute()

        return _in_chunks(Interaction, Interaction.at < cutoff, delete)

    @staticmethod
    def _forget_contact_files(interactions: Any) -> int:
        """Remove the files kept with these contacts (a mail's attachments and original, a fax's pages) and their rows."""
        rows = ContactFile.select(ContactFile.path).where(ContactFile.interaction.in_(interactions))
        removed = _remove_files(row.path for row in rows)   # a mail's, a fax's PDF and TIFF
        ContactFile.delete().where(ContactFile.interaction.in_(interactions)).execute()
        return removed

    def _expire_closed_cases(self, cutoff: object, actor: str) -> int:
        done = CaseEvent.select(CaseEvent.case).where(CaseEvent.kind == "anonymized")
        ids = [c.id for c in Case.select(Case.id).where(Case.status == "closed", Case.closed_at < cutoff,
                                                          Case.id.not_in(done))]
        for case_id in ids:
            with self.db.atomic():
                self._anonymize_case(case_id, detach_citizen=True)
                CaseEvent.create(case=case_id, at=self.clock(), actor=actor, kind="anonymized")
        return len(ids)

    def _anonymize_case(self, case_id: int, detach_citizen: bool) -> int:
        changes: dict[str, object] = {"description": "", "custom_values": {}, "address": "", "latitude": None,
                                      "longitude": None, "property": None}
        if detach_citizen:
            changes["citizen"] = None
        Case.update(**changes).where(Case.id == case_id).execute()
        CaseNote.update(text=ERASED_TEXT).where(CaseNote.case == case_id).execute()
        CaseEvent.update(new_value=None).where(CaseEvent.case == case_id, CaseEvent.kind == "note").execute()
        removed = 0
        for attachment in Attachment.select().where(Attachment.case == case_id):
            removed += _remove_file(attachment.path)
        Attachment.delete().where(Attachment.case == case_id).execute()
        return removed

    @bound
    def erase_citizen(self, citizen_id: int, actor: str) -> ErasureReport:
        """Erase one citizen's personal data on request; counts and times stay for statistics."""
        citizen = Citizen.get_or_none(Citizen.id == citizen_id)
        if citizen is None:
            raise NotFound(f"no citizen {citizen_id}")
        addresses = [p.number for p in CitizenPhone.select().where(CitizenPhone.citizen == citizen_id)]
        if citizen.email:
            addresses.append(citizen.email)
        with self.db.atomic():
            files = 0
            case_ids = [c.id for c in Case.select(Case.id).where(Case.citizen == citizen_id)]
            for case_id in case_ids:
                files += self._anonymize_case(case_id, detach_citizen=False)
            files += self._erase_interactions(citizen_id, addresses)
            recordings, recorded_files = self._erase_recordings(citizen_id, addresses)
            files += recorded_files
            elsewhere: dict[str, int] = {}
            for hook in self.erasure_hooks:
                elsewhere.update(hook(citizen_id, addresses))
            calls = Call.update(caller_number="").where(
                (Call.citizen == citizen_id) | Call.caller_number.in_(addresses or [""])).execute()
            CallbackRequest.update(number="", status="cancelled").where(
                CallbackRequest.citizen == citizen_id, CallbackRequest.status == "pending").execute()
            CallbackRequest.update(number="").where(CallbackRequest.citizen == citizen_id).execute()
            CitizenPhone.delete().where(CitizenPhone.citizen == citizen_id).execute()
            CitizenProperty.delete().where(CitizenProperty.citizen == citizen_id).execute()
            Citizen.update(name="", email=None, address="", postcode="", city="", external_id=None,
                           consent_sms=False, consent_email=False, consent_recording=False,
                           erased_at=self.clock(), updated_at=self.clock()).where(
                Citizen.id == citizen_id).execute()
            interactions = Interaction.select().where(Interaction.citizen == citizen_id).count()
            others = tuple(sorted(elsewhere.items()))
            self.audit(actor, "erase", "citizen", citizen_id,
                       f"{len(case_ids)} cases, {interactions} interactions, {calls} calls, {recordings} recordings, "
                       f"{files} files" + "".join(f", {count} {what}" for what, count in others))
        log.info("citizen %s erased by %s", citizen_id, actor)
        return ErasureReport(citizen_id, len(case_ids), interactions, calls, files, recordings, others)

    def _erase_recordings(self, citizen_id: int, addresses: list[str]) -> tuple[int, int]:
        """The citizen's recordings: files deleted, rows kept without the number. Returns (rows, files)."""
        mine = (Recording.citizen == citizen_id) | Recording.caller_number.in_(addresses or [""])
        rows = list(Recording.select(Recording.id, Recording.path, Recording.deleted_at).where(mine))
        files = _remove_files(row.path for row in rows if row.deleted_at is None)
        Recording.update(caller_number="", subject="", citizen=citizen_id).where(mine).execute()
        Recording.update(deleted_at=self.clock()).where(mine, Recording.deleted_at.is_null()).execute()
        return len(rows), files

    def _erase_interactions(self, citizen_id: int, addresses: list[str]) -> int:
        mine = (Interaction.citizen == citizen_id) | Interaction.address.in_(addresses or [""])
        files = 0
        recorded = Interaction.select(Interaction.recording_path).where(mine, Interaction.recording_path.is_null(False))
        for row in recorded:
            files += _remove_file(row.recording_path)
        files += self._forget_contact_files(Interaction.select(Interaction.id).where(mine))
        Interaction.update(citizen=citizen_id, address="", subject="", body="", transcript=None,
                           recording_path=None).where(mine).execute()
        return files
