"""Every contact on every channel (the object register), calls for reports, and callback requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee as pw

from fsapp.store.base import StoreBase, bound, bulk
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.models import (Call, CallbackRequest, CallLeg, Case, Citizen, CitizenPhone, ContactFile,
                                Interaction)
from fsapp.store.phones import normalize_phone
from fsapp.store.reference import parse_reference
from fsapp.store.statements import first_value, insert_row
from fsapp.store.workitems import file_row

CHANNELS = ("phone", "voicemail", "callback", "email", "sms", "web", "walk_in", "chat", "social", "fax")
DIRECTIONS = ("in", "out")


@dataclass(frozen=True)
class LegInfo:
    """One channel of a call, as the switch reported it."""

    leg_uuid: str
    role: str
    number: str = ""
    started_at: datetime | None = None
    ended_at: datetime | None = None
    hangup_cause: str = ""


@dataclass(frozen=True)
class CallWrite:
    """One call's row (``values`` as :meth:`ContactLog.record_call` takes them), or with ``end_only`` its end
    (``values`` then hold the whole row, written only if the call has no row yet)."""

    call_uuid: str
    direction: str
    started_at: datetime
    values: Mapping[str, Any]
    end_only: bool = False


class ContactLog(StoreBase):
    """Writing down contacts, calls and callbacks."""

    @bound
    def record_interaction(self, channel: str, direction: str, *, at: datetime | None = None,
                           citizen_id: int | None = None, case_reference: str | None = None,
                           property_id: int | None = None, call_uuid: str | None = None, address: str = "",
                           agent: str | None = None, subject: str = "", body: str = "",
                           recording_path: str | None = None, transcript: str | None = None,
                           ivr_path: Sequence[str] | str = "", ended_at: datetime | None = None) -> int:
        """Keep one contact; with a phone ``address`` and no citizen, the citizen is found by number."""
        _check_contact(channel, direction)
        if citizen_id is None and address:
            citizen_id = self._citizen_by_address(address)
        case_id = self._case_id(case_reference) if case_reference else None
        call_id = self._call_id(call_uuid) if call_uuid else None
        return self._insert_interaction(channel, direction, at=at, citizen_id=citizen_id, case_id=case_id,
                                        property_id=property_id, call_id=call_id, address=address, agent=agent,
                                        subject=subject, body=body, recording_path=recording_path,
                                        transcript=transcript, ivr_path=ivr_path, ended_at=ended_at)

    def _insert_interaction(self, channel: str, direction: str, *, at: datetime | None, citizen_id: int | None,
                            case_id: int | None = None, property_id: int | None = None, call_id: int | None = None,
                            address: str = "", agent: str | None = None, subject: str = "", body: str = "",
                            recording_path: str | None = None, transcript: str | None = None,
                            ivr_path: Sequence[str] | str = "", ended_at: datetime | None = None) -> int:
        path = ivr_path if isinstance(ivr_path, str) else ">".join(ivr_path)
        return insert_row(Interaction, dict(at=at or self.clock(), channel=channel, direction=direction,
                                            citizen=citizen_id, case=case_id, property=property_id, call=call_id,
                                            address=address, agent=agent, subject=subject[:300], body=body,
                                            recording_path=recording_path, transcript=transcript,
                                            ivr_path=path[:500], ended_at=ended_at))

    @staticmethod
    def _call_id(call_uuid: str) -> int | None:
        return first_value(Call.id, Call.call_uuid, call_uuid)

    def _citizen_by_address(self, address: str) -> int | None:
        """The citizen a phone number or an e-mail address names, if any."""
        if not address:
            return None
        return self._citizen_by_email(address) if "@" in address else self._citizen_by_number(address)

    def _citizen_by_number(self, number: str) -> int | None:
        e164 = normalize_phone(number, self.region)
        if e164 is None:
            return None
        return first_value(CitizenPhone.citizen, CitizenPhone.number, e164)

    @staticmethod
    def _citizen_by_email(address: str) -> int | None:
        row = (Citizen.select(Citizen.id).where(pw.fn.LOWER(Citizen.email) == address.strip().lower(),
                                                Citizen.erased_at.is_null()).first())
        return row.id if row else None

    @staticmethod
    def _case_id(reference: str) -> int:
        case = Case.select(Case.id).where(Case.reference == parse_reference(reference)).first()
        if case is None:
            raise NotFound(f"no case {reference}")
        return case.id

    @bound
    def interactions(self, *, citizen_id: int | None = None, case_reference: str | None = None,
                     property_id: int | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The contact history of a citizen, a case or a property, newest first."""
        query = Interaction.select().order_by(Interaction.at.desc(), Interaction.id.desc()).limit(limit)
        if citizen_id is not None:
            query = query.where(Interaction.citizen == citizen_id)
        if case_reference:
            query = query.where(Interaction.case == self._case_id(case_reference))
        if property_id is not None:
            query = query.where(Interaction.property == property_id)
        return [{"id": i.id, "at": i.at, "channel": i.channel, "direction": i.direction, "address": i.address,
                 "citizen_id": i.citizen_id, "case_id": i.case_id, "agent": i.agent, "subject": i.subject,
                 "body": i.body, "ivr_path": i.ivr_path, "recording_path": i.recording_path,
                 "transcript": i.transcript} for i in query]

    @bound
    def interaction(self, interaction_id: int) -> dict[str, Any]:
        """One contact."""
        found = Interaction.get_or_none(Interaction.id == interaction_id)
        if found is None:
            raise NotFound(f"no interaction {interaction_id}")
        return {"id": found.id, "at": found.at, "channel": found.channel, "direction": found.direction,
                "address": found.address, "citizen_id": found.citizen_id, "case_id": found.case_id,
                "agent": found.agent, "subject": found.subject, "body": found.body,
                "unverified_case": found.unverified_case,
                "case_reference": found.case.reference if found.case_id else None}

    @bound
    def interaction_citizen(self, interaction_id: int) -> int | None:
        """The citizen a contact was linked to (by id, number or e-mail address), if any."""
        found = Interaction.get_or_none(Interaction.id == interaction_id)
        if found is None:
            raise NotFound(f"no interaction {interaction_id}")
        return found.citizen_id

    @bound
    def link_interaction(self, interaction_id: int, case_reference: str) -> None:
        """Attach a contact to a case after the fact."""
        if not Interaction.update(case=self._case_id(case_reference)).where(
                Interaction.id == interaction_id).execute():
            raise NotFound(f"no interaction {interaction_id}")

    @bound
    def fax_contacts(self, limit: int = 50) -> list[dict[str, Any]]:
        """The newest fax contacts (in and out), each with its case, pages and files."""
        rows = list(Interaction.select().where(Interaction.channel == "fax")
                    .order_by(Interaction.at.desc(), Interaction.id.desc()).limit(limit))
        references = {case.id: case.reference for case in Case.select(Case.id, Case.reference).where(
            Case.id.in_({r.case_id for r in rows if r.case_id}))}
        files: dict[int, list[dict[str, Any]]] = {}
        for row in ContactFile.select().where(ContactFile.interaction.in_([r.id for r in rows])).order_by(
                ContactFile.id):
            files.setdefault(row.interaction_id, []).append(file_row(row))
        return [{"id": r.id, "at": r.at, "direction": r.direction, "address": r.address,
                 "citizen_id": r.citizen_id, "case_reference": references.get(r.case_id),
                 "unverified_case": r.unverified_case, "subject": r.subject, "body": r.body,
                 "pages": sum(f["pages"] or 0 for f in files.get(r.id, [])), "files": files.get(r.id, [])}
                for r in rows]

    @bound
    def record_call(self, call_uuid: str, direction: str, started_at: datetime, *, caller_number: str = "",
                    called_number: str = "", answered_at: datetime | None = None, ended_at: datetime | None = None,
                    queue: str | None = None, agent: str | None = None, wait_seconds: float = 0.0,
                    talk_seconds: float = 0.0, outcome: str = "", hangup_cause: str = "",
                    legs: Sequence[LegInfo] = (), contact: Mapping[str, Any] | None = None) -> int:
        """Write (or overwrite, by ``call_uuid``) the report record of one call and its legs.

        ``contact``: also keep the call as a contact (``channel``, ``direction``, ``address``, ``agent``,
        ``ivr_path``, ``body``, ``case_reference``: as :meth:`record_interaction`) in the same transaction, linked to the call and,
        when its address is the caller's number, to the citizen found for the call (one look-up for both)."""
        if contact is not None:
            _check_contact(contact["channel"], contact["direction"])
        values = dict(direction=direction, caller_number=caller_number, called_number=called_number,
                      citizen=self._citizen_by_number(caller_number) if caller_number else None,
                      started_at=started_at, answered_at=answered_at, ended_at=ended_at, queue=queue, agent=agent,
                      wait_seconds=wait_seconds, talk_seconds=talk_seconds, outcome=outcome,
                      hangup_cause=hangup_cause)
        with nullcontext() if self.db.in_transaction() else self.db.atomic():   # in a batch: its transaction
            call_id = self._call_id(call_uuid)
            if call_id is None:
                call_id = insert_row(Call, {"call_uuid": call_uuid, **values})
            else:
                Call.update(**values).where(Call.id == call_id).execute()
                CallLeg.delete().where(CallLeg.call == call_id).execute()
            for leg in legs:
                insert_row(CallLeg, dict(call=call_id, leg_uuid=leg.leg_uuid, role=leg.role, number=leg.number,
                                         started_at=leg.started_at or started_at, ended_at=leg.ended_at,
                                         hangup_cause=leg.hangup_cause))
            if contact is not None:
                fields = dict(contact)
                reference = fields.pop("case_reference", None)
                address = fields.get("address") or ""
                citizen_id = values["citizen"] if address == caller_number else self._citizen_by_address(address)
                self._insert_interaction(at=None, citizen_id=citizen_id, call_id=call_id,
                                         case_id=self._case_id(reference) if reference else None, **fields)
        return call_id

    @bound
    def write_calls(self, writes: Sequence[CallWrite]) -> None:
        """Several calls' rows and ends in one transaction (what the call log gathered while the store was busy
        with the last batch): one trip to the store lane and one commit for all."""
        with self.db.atomic():
            for write in writes:
                values = dict(write.values)
                if write.end_only and self.end_call(write.call_uuid, values["ended_at"], values["hangup_cause"]):
                    continue
                self.record_call(write.call_uuid, write.direction, write.started_at, **values)

    @bound
    def end_call(self, call_uuid: str, ended_at: datetime, hangup_cause: str) -> bool:
        """Complete a call's record with its end; False when the call has no record."""
        updated = Call.update(ended_at=ended_at, hangup_cause=hangup_cause).where(Call.call_uuid == call_uuid)
        return bool(updated.execute())

    @bound
    def call(self, call_uuid: str) -> dict[str, Any]:
        """The report record of one call with its legs."""
        call = Call.get_or_none(Call.call_uuid == call_uuid)
        if call is None:
            raise NotFound(f"no call {call_uuid}")
        legs = [{"leg_uuid": leg.leg_uuid, "role": leg.role, "number": leg.number, "started_at": leg.started_at,
                 "ended_at": leg.ended_at, "hangup_cause": leg.hangup_cause}
                for leg in call.legs.order_by(CallLeg.id)]
        return {"call_uuid": call.call_uuid, "direction": call.direction, "caller_number": call.caller_number,
                "called_number": call.called_number, "citizen_id": call.citizen_id, "started_at": call.started_at,
                "answered_at": call.answered_at, "ended_at": call.ended_at, "queue": call.queue,
                "agent": call.agent, "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
                "outcome": call.outcome, "hangup_cause": call.hangup_cause, "legs": legs}

    @bound
    def recent_calls(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest calls, newest first, each with the IVR path its phone contact recorded."""
        calls = list(Call.select().order_by(Call.started_at.desc(), Call.id.desc()).limit(limit))
        paths = {row.call_id: row for row in Interaction.select().where(
            Interaction.call.in_([call.id for call in calls]), Interaction.channel == "phone")}
        result = []
        for call in calls:
            contact = paths.get(call.id)
            result.append({"call_uuid": call.call_uuid, "started_at": call.started_at,
                           "caller_number": call.caller_number, "called_number": call.called_number,
                           "queue": call.queue, "agent": call.agent, "outcome": call.outcome,
                           "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
                           "ended_at": call.ended_at, "hangup_cause": call.hangup_cause,
                           "ivr_path": contact.ivr_path if contact else "",
                           "ivr_detail": contact.body if contact else ""})
        return result

    @bulk
    def calls_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Report records of the calls that started in ``[start, end)``, oldest first (for statistics).

        Rows come as plain dicts, never as cached model objects: a report over hundreds of thousands of
        calls then leaves the garbage collector little to walk (a full collection stops every thread)."""
        query = (Call.select(Call.call_uuid, Call.direction, Call.caller_number, Call.started_at, Call.answered_at,
                             Call.ended_at, Call.queue, Call.agent, Call.wait_seconds, Call.talk_seconds,
                             Call.outcome)
                 .where(Call.started_at >= start, Call.started_at < end).order_by(Call.started_at, Call.id))
        return list(query.dicts().iterator())

    @bulk
    def contacts_per_channel(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """How many contacts each channel had in ``[start, end)``, per direction (for the channels report)."""
        query = (Interaction.select(Interaction.channel, Interaction.direction,
                                    pw.fn.COUNT(Interaction.id).alias("contacts"))
                 .where(Interaction.at >= start, Interaction.at < end)
                 .group_by(Interaction.channel, Interaction.direction))
        return list(query.dicts())

    @bound
    def call_ivr_path(self, call_uuid: str) -> list[str]:
        """The menu nodes a call went through, as its phone contact recorded them ([] if none yet)."""
        row = (Interaction.select(Interaction.ivr_path).join(Call)
               .where(Call.call_uuid == call_uuid, Interaction.channel == "phone").first())
        return [node for node in (row.ivr_path if row else "").split(">") if node]

    @bound
    def add_callback_request(self, number: str, *, citizen_id: int | None = None,
                             case_reference: str | None = None, queue: str | None = None,
                             reason: str = "requested", not_before: datetime | None = None) -> int:
        """Ask for the citizen at ``number`` to be called back; returns the request's id."""
        e164 = normalize_phone(number, self.region)
        if e164 is None:
            raise StoreError(f"{number!r} is not a phone number")
        if citizen_id is None:
            citizen_id = self._citizen_by_number(e164)
        case_id = self._case_id(case_reference) if case_reference else None
        return CallbackRequest.create(number=e164, citizen=citizen_id, case=case_id, queue=queue, reason=reason,
                                      requested_at=self.clock(), not_before=not_before).id

    @bound
    def pending_callbacks(self, queue: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Callbacks that are due now, oldest request first."""
        now = self.clock()
        query = (CallbackRequest.select().where(CallbackRequest.status == "pending",
                                                CallbackRequest.not_before.is_null()
                                                | (CallbackRequest.not_before <= now))
                 .order_by(CallbackRequest.requested_at, CallbackRequest.id).limit(limit))
        if queue:
            query = query.where(CallbackRequest.queue == queue)
        return [{"id": r.id, "number": r.number, "citizen_id": r.citizen_id, "case_id": r.case_id,
                 "queue": r.queue, "reason": r.reason, "requested_at": r.requested_at, "attempts": r.attempts}
                for r in query]

    @bound
    def finish_callback(self, request_id: int, status: str) -> None:
        """Mark a callback ``done``, ``failed`` or ``cancelled``; ``retry`` counts an attempt and keeps it pending."""
        if status not in ("done", "failed", "cancelled", "retry"):
            raise StoreError(f"unknown callback status {status!r}")
        changes: dict[str, Any] = {"attempts": CallbackRequest.attempts + 1}
        if status != "retry":
            changes.update(status=status, completed_at=self.clock())
        if not CallbackRequest.update(**changes).where(CallbackRequest.id == request_id).execute():
            raise NotFound(f"no callback request {request_id}")


def _check_contact(channel: str, direction: str) -> None:
    if channel not in CHANNELS:
        raise StoreError(f"unknown channel {channel!r} (known: {', '.join(CHANNELS)})")
    if direction not in DIRECTIONS:
        raise StoreError(f"direction must be 'in' or 'out', not {direction!r}")
