"""What the store hands out: plain, immutable records (no live database objects leave the store)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CitizenRecord:
    """A citizen as the phone side and the agents see them."""

    id: int
    name: str
    phones: tuple[str, ...]
    email: str | None
    address: str
    language: str
    preferred_channel: str
    consent_sms: bool
    consent_email: bool
    consent_recording: bool
    external_id: str | None = None
    erased: bool = False


@dataclass(frozen=True)
class CaseSummary:
    """One line about a case: enough for a screen pop or a list."""

    id: int
    reference: str
    category: str
    status: str
    received_at: datetime
    deadline: datetime | None
    assignee: str | None
    overdue: bool
    citizen_id: int | None = None
    department: str | None = None
    category_code: str = ""


@dataclass(frozen=True)
class CaseEventRecord:
    """One entry in a case's history."""

    at: datetime
    actor: str
    kind: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class NoteRecord:
    """A note on a case."""

    at: datetime
    author: str
    text: str
    internal: bool


@dataclass(frozen=True)
class AttachmentRecord:
    """A file attached to a case."""

    id: int
    filename: str
    path: str
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class CaseDetail:
    """Everything about one case."""

    summary: CaseSummary
    description: str
    channel: str
    custom_values: dict[str, Any]
    address: str
    latitude: float | None
    longitude: float | None
    updated_at: datetime
    closed_at: datetime | None
    history: tuple[CaseEventRecord, ...] = ()
    notes: tuple[NoteRecord, ...] = ()
    attachments: tuple[AttachmentRecord, ...] = ()


@dataclass(frozen=True)
class CallerInfo:
    """What the store knows about a calling number: the citizen (if any) and their open cases."""

    number: str | None
    citizen: CitizenRecord | None
    open_cases: tuple[CaseSummary, ...] = field(default_factory=tuple)
    other_citizens: int = 0  # more citizens share this number (a household line)


def to_jsonable(record: Any) -> Any:
    """A record as JSON-ready dicts (datetimes as ISO 8601 strings)."""
    return _plain(asdict(record))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
