"""What the public may see of cases (Open311): only public cases in public categories, only public fields.

A case becomes public when it is posted through Open311 or when staff publish it with a public text
(``fsapp cases publish``); the internal description, the citizen, notes and history are never part of it.
A reference that is unknown, mistyped or not public is the same :class:`NotFound` to the public.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import peewee as pw

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import InvalidReference, NotFound
from fsapp.store.models import Case, Category, Department
from fsapp.store.reference import parse_reference


@dataclass(frozen=True)
class PublicCase:
    """The fields of a case the public may see."""

    reference: str
    status: str
    category_code: str
    category_name: str
    department: str | None
    description: str          # the public text, not the internal description
    address: str
    latitude: float | None
    longitude: float | None
    received_at: datetime
    updated_at: datetime
    deadline: datetime | None


_FIELDS = (Case.reference, Case.status, Case.public_description, Case.address, Case.latitude, Case.longitude,
           Case.received_at, Case.updated_at, Case.deadline, Category.code, Category.name, Department.name)


class PublicCases(StoreBase):
    """Publishing cases, and the queries Open311 answers with."""

    @bound
    def publish_case(self, reference: str, text: str, actor: str) -> None:
        """Let Open311 show the case with ``text`` as its description (its address and position too)."""
        case_id = self._public_case_id(reference)
        Case.update(public=True, public_description=text).where(Case.id == case_id).execute()
        self.audit(actor, "update", "case", parse_reference(reference), "published")

    @bound
    def unpublish_case(self, reference: str, actor: str) -> None:
        """Take the case off Open311."""
        case_id = self._public_case_id(reference)
        Case.update(public=False).where(Case.id == case_id).execute()
        self.audit(actor, "update", "case", parse_reference(reference), "unpublished")

    @staticmethod
    def _public_case_id(reference: str) -> int:
        found = Case.select(Case.id).where(Case.reference == parse_reference(reference)).first()
        if found is None:
            raise NotFound(f"no case {reference}")
        return found.id

    @staticmethod
    def _visible() -> pw.ModelSelect:
        return (Case.select(*_FIELDS).join(Category).switch(Case).join(Department, pw.JOIN.LEFT_OUTER)
                .where(Case.public == True, Category.public == True))  # noqa: E712 (SQL, not Python)

    @bound
    def public_case(self, reference: str) -> PublicCase:
        """One public case; NotFound for anything else (unknown, mistyped, not public)."""
        try:
            stored = parse_reference(reference)
        except InvalidReference:
            raise NotFound(f"no public case {reference}") from None
        row = self._visible().where(Case.reference == stored).first()
        if row is None:
            raise NotFound(f"no public case {reference}")
        return _record(row)

    @bound
    def public_cases_by_reference(self, references: Sequence[str]) -> list[PublicCase]:
        """The public ones among ``references`` (others are left out, as if unknown), newest first."""
        stored = []
        for reference in references:
            try:
                stored.append(parse_reference(reference))
            except InvalidReference:
                continue
        if not stored:
            return []
        query = self._visible().where(Case.reference.in_(stored)).order_by(Case.received_at.desc(), Case.id.desc())
        return [_record(row) for row in query]

    @bound
    def public_cases(self, *, categories: Sequence[str] = (), statuses: Sequence[str] = (),
                     received_from: datetime | None = None, received_to: datetime | None = None,
                     offset: int = 0, limit: int = 50) -> list[PublicCase]:
        """One page of public cases matching every given filter, newest first (one query)."""
        query = self._visible()
        if categories:
            query = query.where(Category.code.in_(list(categories)))
        if statuses:
            query = query.where(Case.status.in_(list(statuses)))
        if received_from is not None:
            query = query.where(Case.received_at >= received_from)
        if received_to is not None:
            query = query.where(Case.received_at <= received_to)
        query = query.order_by(Case.received_at.desc(), Case.id.desc()).offset(offset).limit(limit)
        return [_record(row) for row in query]


def _record(row: Case) -> PublicCase:
    joined = row.__rel__.get("department")   # the LEFT JOIN's row (its name is None when there is none)
    department = joined.name if joined is not None else None
    return PublicCase(reference=row.reference, status=row.status, category_code=row.category.code,
                      category_name=row.category.name, department=department, description=row.public_description,
                      address=row.address, latitude=row.latitude, longitude=row.longitude,
                      received_at=row.received_at, updated_at=row.updated_at, deadline=row.deadline)
