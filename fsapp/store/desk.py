"""What the operator's desk keeps and reads: its people (accounts), a citizen's objects, voicemails, deadlines.

Passwords never reach this module: callers hand in a hash (:mod:`fsapp.desk.passwords` makes and checks them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.models import Call, Case, CaseEvent, CitizenProperty, DeskUser, Interaction, Property
from fsapp.store.reference import parse_reference

DESK_ROLES = ("operator", "supervisor", "admin")


class DeskQueries(StoreBase):
    """Accounts for the desk and the few look-ups only the desk needs."""

    @bound
    def add_desk_user(self, name: str, role: str, password_hash: str, *, agent: str | None = None,
                      language: str = "nb", actor: str = "system") -> int:
        """Create a person (refused when the name is taken); returns the id."""
        if role not in DESK_ROLES:
            raise StoreError(f"unknown role {role!r} (known: {', '.join(DESK_ROLES)})")
        if DeskUser.get_or_none(DeskUser.name == name) is not None:
            raise StoreError(f"a user {name!r} exists already")
        user_id = DeskUser.create(name=name, role=role, agent=agent or None, password_hash=password_hash,
                                  language=language, created_at=self.clock(), created_by=actor).id
        self.audit(actor, "create", "user", name, f"role {role}" + (f", agent {agent}" if agent else ""))
        return user_id

    @bound
    def desk_user(self, name: str) -> dict[str, Any]:
        """One person with the password hash (for signing in); raises NotFound."""
        found = DeskUser.get_or_none(DeskUser.name == name)
        if found is None:
            raise NotFound(f"no user {name!r}")
        return self._user_dict(found, with_hash=True)

    @bound
    def desk_users(self) -> list[dict[str, Any]]:
        """Every person, without password hashes."""
        return [self._user_dict(u) for u in DeskUser.select().order_by(DeskUser.name)]

    @bound
    def set_desk_user_disabled(self, name: str, disabled: bool, actor: str = "system") -> None:
        """Disable (or enable again) a person; a disabled person cannot sign in."""
        if not DeskUser.update(disabled=disabled).where(DeskUser.name == name).execute():
            raise NotFound(f"no user {name!r}")
        self.audit(actor, "update", "user", name, "disabled" if disabled else "enabled")

    @bound
    def set_desk_password(self, name: str, password_hash: str, actor: str = "system") -> None:
        if not DeskUser.update(password_hash=password_hash).where(DeskUser.name == name).execute():
            raise NotFound(f"no user {name!r}")
        self.audit(actor, "update", "user", name, "password changed")

    @staticmethod
    def _user_dict(user: DeskUser, with_hash: bool = False) -> dict[str, Any]:
        found = {"name": user.name, "role": user.role, "agent": user.agent, "language": user.language,
                 "disabled": user.disabled, "created_at": user.created_at}
        if with_hash:
            found["password_hash"] = user.password_hash
        return found

    @bound
    def citizen_properties(self, citizen_id: int) -> list[dict[str, Any]]:
        """The objects a citizen is linked to (address, building, meter) and how."""
        query = (Property.select(Property, CitizenProperty.role).join(CitizenProperty)
                 .where(CitizenProperty.citizen == citizen_id).order_by(Property.id).dicts())
        return [{"id": p["id"], "kind": p["kind"], "address": p["address"], "postcode": p["postcode"],
                 "city": p["city"], "meter_number": p["meter_number"], "role": p["role"]} for p in query]

    @bound
    def open_voicemails(self, limit: int = 50) -> list[dict[str, Any]]:
        """Voicemails not yet linked to a case, newest first (the desk's list to handle)."""
        query = (Interaction.select().where(Interaction.channel == "voicemail", Interaction.case.is_null())
                 .order_by(Interaction.at.desc()).limit(limit))
        return [{"id": i.id, "at": i.at, "address": i.address, "citizen_id": i.citizen_id,
                 "recording_path": i.recording_path, "transcript": i.transcript} for i in query]

    @bound
    def set_case_deadline(self, reference: str, deadline: datetime, actor: str) -> None:
        """Move a case's deadline (the operator promised a date)."""
        case = Case.get_or_none(Case.reference == parse_reference(reference))
        if case is None:
            raise NotFound(f"no case {reference}")
        now = self.clock()
        with self.db.atomic():
            Case.update(deadline=deadline, updated_at=now).where(Case.id == case.id).execute()
            CaseEvent.create(case=case.id, at=now, actor=actor, kind="deadline",
                             old_value=case.deadline.isoformat() if case.deadline else None,
                             new_value=deadline.isoformat())
            self.audit(actor, "update", "case", case.reference, f"deadline {deadline.date()}")

    @bound
    def link_call_contact(self, call_uuid: str, reference: str) -> bool:
        """Link the contact a call left (its ``phone`` interaction) to a case; False while the call has none yet."""
        case = Case.get_or_none(Case.reference == parse_reference(reference))
        if case is None:
            raise NotFound(f"no case {reference}")
        calls = Call.select(Call.id).where(Call.call_uuid == call_uuid)
        linked = (Interaction.update(case=case.id)
                  .where(Interaction.call.in_(calls), Interaction.channel == "phone", Interaction.case.is_null())
                  .execute())
        return bool(linked)
