"""Staff's away notes: "on a course until Tuesday 08:00", kept until cleared or until the time has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import StoreError
from fsapp.store.models import AwayNote


@dataclass(frozen=True)
class Away:
    """One person's away note; ``until`` None means until it is cleared."""

    agent: str
    note: str
    until: datetime | None
    set_by: str
    set_at: datetime

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now


class AwayNotes(StoreBase):
    """Set, read and clear away notes (one per person; a new one replaces the old)."""

    @bound
    def set_away(self, agent: str, *, until: datetime | None = None, note: str = "", set_by: str = "") -> Away:
        """Mark ``agent`` away until ``until`` (an aware datetime) with a short ``note``."""
        if until is not None and until.tzinfo is None:
            raise StoreError("the away-until time needs a time zone")
        now = self.clock()
        if until is not None and until <= now:
            raise StoreError(f"the away-until time {until.isoformat()} has already passed")
        values = {"note": note.strip()[:300], "until": until, "set_by": set_by, "set_at": now}
        with self.db.atomic():
            if not AwayNote.update(**values).where(AwayNote.agent == agent).execute():
                AwayNote.create(agent=agent, **values)
        return Away(agent, values["note"], until, set_by, now)

    @bound
    def clear_away(self, agent: str) -> bool:
        """Remove ``agent``'s away note; False when there was none."""
        return bool(AwayNote.delete().where(AwayNote.agent == agent).execute())

    @bound
    def away_note(self, agent: str, at: datetime | None = None) -> Away | None:
        """``agent``'s away note if it is in force at ``at`` (default now; a note whose time has passed is not)."""
        row = AwayNote.get_or_none(AwayNote.agent == agent)
        if row is None:
            return None
        away = Away(row.agent, row.note, row.until, row.set_by, row.set_at)
        return away if away.active(at or self.clock()) else None
