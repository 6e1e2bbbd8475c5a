"""The case workflow as plain rules: statuses, allowed moves, deadlines, overdue checks, custom fields.

No database and no clock of its own: callers pass the times in.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from fsapp.store.errors import InvalidCaseData, InvalidTransition

Clock = Callable[[], datetime]
"""Returns the current time as an aware UTC datetime."""


def system_clock() -> datetime:
    """The real clock (UTC), for the edges of the program."""
    return datetime.now(timezone.utc)


class ManualClock:
    """A clock that only moves when told to (tests, the simulator, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self.now = as_utc(start)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move forward by a :class:`~datetime.timedelta` given as keywords (``hours=2``)."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("a clock cannot go backwards")
        self.now += step
        return self.now


class CaseStatus(str, enum.Enum):
    """Where a case is in its life."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


OPEN_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.REOPENED})
"""Statuses in which the city still owes the citizen something (shown on screen pop, counted as overdue)."""

TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.ACCEPTED, CaseStatus.ASSIGNED, CaseStatus.RESOLVED,
                                    CaseStatus.CLOSED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED,
                                    CaseStatus.CLOSED}),
    CaseStatus.ASSIGNED: frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
    CaseStatus.IN_PROGRESS: frozenset({CaseStatus.ASSIGNED, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.REOPENED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.REOPENED}),
    CaseStatus.REOPENED: frozenset({CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED}),
}


def parse_status(text: str) -> CaseStatus:
    """A status from its name (``in progress``, ``in-progress`` and ``in_progress`` all work)."""
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return CaseStatus(key)
    except ValueError:
        known = ", ".join(s.value for s in CaseStatus)
        raise InvalidTransition(f"unknown status {text!r} (known: {known})") from None


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise :class:`InvalidTransition` unless the workflow allows ``current`` -> ``target``."""
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
        raise InvalidTransition(f"a case cannot go from {current.value} to {target.value} (allowed: {allowed})")


def deadline_for(received_at: datetime, service_level_hours: float | None) -> datetime | None:
    """When a case received at ``received_at`` must be resolved, from its category's service level."""
    if service_level_hours is None or service_level_hours <= 0:
        return None
    return received_at + timedelta(hours=service_level_hours)


def is_overdue(status: CaseStatus, deadline: datetime | None, now: datetime) -> bool:
    """An open case whose deadline has passed."""
    return status in OPEN_STATUSES and deadline is not None and as_utc(deadline) < as_utc(now)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime (naive values are taken to be UTC, as the store keeps them)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


FIELD_KINDS = ("text", "number", "choice", "date")
MAX_FIELD_TEXT = 2000   # characters a text field may hold


@dataclass(frozen=True)
class FieldDefinition:
    """One custom field a category asks for (``meter_number``, ``arrears``).

    ``pattern`` (a regular expression the whole text must match) applies to text fields; ``minimum`` and
    ``maximum`` to numbers; a date is ``YYYY-MM-DD``.
    """

    name: str
    label: str
    kind: str = "text"  # text | number | choice | date
    required: bool = False
    choices: tuple[str, ...] = ()
    pattern: str = ""
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldDefinition:
        """Build from the stored JSON form."""
        kind = str(data.get("kind", "text"))
        if kind not in FIELD_KINDS:
            raise InvalidCaseData(f"field {data.get('name')!r}: unknown kind {kind!r} (known: {', '.join(FIELD_KINDS)})")
        pattern = str(data.get("pattern") or "")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise InvalidCaseData(f"field {data.get('name')!r}: bad pattern: {exc}") from None
        return cls(name=str(data["name"]), label=str(data.get("label", data["name"])), kind=kind,
                   required=bool(data.get("required", False)), choices=tuple(data.get("choices", ())),
                   pattern=pattern, minimum=_number_or_none(data.get("minimum")),
                   maximum=_number_or_none(data.get("maximum")), help=str(data.get("help") or ""))

    def to_dict(self) -> dict[str, Any]:
        """The stored JSON form (the optional checks only when set)."""
        stored: dict[str, Any] = {"name": self.name, "label": self.label, "kind": self.kind,
                                  "required": self.required, "choices": list(self.choices)}
        optional = {"pattern": self.pattern, "minimum": self.minimum, "maximum": self.maximum, "help": self.help}
        stored.update({key: value for key, value in optional.items() if value not in ("", None)})
        return stored


def _number_or_none(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidCaseData(f"minimum and maximum must be numbers, not {value!r}")
    return float(value)


def validate_custom_values(definitions: Sequence[FieldDefinition], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values checked and converted against the category's fields; raises :class:`InvalidCaseData`."""
    known = {d.name: d for d in definitions}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise InvalidCaseData(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(known) or 'none'})")
    result: dict[str, Any] = {}
    for definition in definitions:
        value = values.get(definition.name)
        if value is None or value == "":
            if definition.required:
                raise InvalidCaseData(f"field {definition.name!r} is required")
            continue
        result[definition.name] = _convert_value(definition, value)
    return result


def _convert_value(definition: FieldDefinition, value: Any) -> Any:
    if definition.kind == "number":
        return _checked_number(definition, value)
    if definition.kind == "choice" and str(value) not in definition.choices:
        raise InvalidCaseData(f"field {definition.name!r} must be one of {', '.join(definition.choices)}")
    text = str(value).strip()
    if len(text) > MAX_FIELD_TEXT:
        raise InvalidCaseData(f"field {definition.name!r} is longer than {MAX_FIELD_TEXT} characters")
    if definition.kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise InvalidCaseData(f"field {definition.name!r} must be a date (YYYY-MM-DD), not {text!r}") from None
    if definition.pattern and re.fullmatch(definition.pattern, text) is None:
        raise InvalidCaseData(f"field {definition.name!r}: {text!r} is not in the expected form")
    return text if definition.kind == "text" else str(value)


def _checked_number(definition: FieldDefinition, value: Any) -> int | float:
    try:
        number: int | float = float(value) if "." in str(value) else int(value)
    except (TypeError, ValueError):
        raise InvalidCaseData(f"field {definition.name!r} must be a number, not {value!r}") from None
    if definition.minimum is not None and number < definition.minimum:
        raise InvalidCaseData(f"field {definition.name!r} must be at least {definition.minimum:g}")
    if definition.maximum is not None and number > definition.maximum:
        raise InvalidCaseData(f"field {definition.name!r} must be at most {definition.maximum:g}")
    return number
