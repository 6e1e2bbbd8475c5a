"""Citizens: caller lookup (the screen pop), search, details and registration."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import peewee as pw

from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.fields import UtcDateTimeField
from fsapp.store.models import Case, Citizen, CitizenPhone
from fsapp.store.phones import normalize_phone
from fsapp.store.records import CallerInfo, CaseSummary, CitizenRecord
from fsapp.store.workflow import OPEN_STATUSES, CaseStatus, is_overdue

_OPEN = sorted(s.value for s in OPEN_STATUSES)
_TIME = UtcDateTimeField()


@functools.lru_cache(maxsize=4)
def _lookup_sql(param: str) -> dict[str, str]:
    """The caller-lookup statements for a backend's parameter style (building peewee queries costs ~1 ms)."""
    statuses = ", ".join([param] * len(_OPEN))
    return {
        "citizens": "SELECT c.id, c.name, c.email, c.address, c.language, c.preferred_channel, c.consent_sms, "
                    "c.consent_email, c.consent_recording, c.external_id FROM citizen_phone p "
                    f"JOIN citizen c ON c.id = p.citizen_id WHERE p.number = {param} AND c.erased_at IS NULL "
                    "ORDER BY c.updated_at DESC, c.id DESC",
        "phones": f"SELECT number FROM citizen_phone WHERE citizen_id = {param} ORDER BY id",
        "cases": "SELECT k.id, k.reference, g.name, g.code, k.status, k.received_at, k.deadline, k.assignee, "
                 'k.citizen_id, d.code FROM "case" k JOIN category g ON g.id = k.category_id '
                 "LEFT OUTER JOIN department d ON d.id = k.department_id "
                 f"WHERE k.citizen_id = {param} AND k.status IN ({statuses}) ORDER BY k.received_at DESC, k.id DESC",
    }


class CitizenQueries(StoreBase):
    """Finding and registering citizens."""

    @bound
    def lookup_caller(self, number: str, region: str | None = None) -> CallerInfo:
        """The citizen calling from ``number`` and their open cases (three indexed queries, SQL built once).

        ``number`` may be national (read in ``region``, default the store's region) or international.
        When several citizens share the number, the most recently updated one is returned.
        """
        e164 = normalize_phone(number, region or self.region)
        if e164 is None:
            return CallerInfo(number=None, citizen=None)
        sql = _lookup_sql(self.db.param)
        rows = self.db.execute_sql(sql["citizens"], (e164,)).fetchall()
        if not rows:
            return CallerInfo(number=e164, citizen=None)
        first = rows[0]
        phones = tuple(r[0] for r in self.db.execute_sql(sql["phones"], (first[0],)).fetchall())
        citizen = CitizenRecord(id=first[0], name=first[1], phones=phones, email=first[2], address=first[3],
                                language=first[4], preferred_channel=first[5], consent_sms=bool(first[6]),
                                consent_email=bool(first[7]), consent_recording=bool(first[8]),
                                external_id=first[9])
        now = self.clock()
        cases = tuple(
            CaseSummary(id=r[0], reference=r[1], category=r[2], category_code=r[3], status=r[4],
                        received_at=_TIME.python_value(r[5]), deadline=_TIME.python_value(r[6]), assignee=r[7],
                        citizen_id=r[8], department=r[9],
                        overdue=is_overdue(CaseStatus(r[4]), _TIME.python_value(r[6]), now))
            for r in self.db.execute_sql(sql["cases"], (first[0], *_OPEN)).fetchall())
        return CallerInfo(number=e164, citizen=citizen, open_cases=cases, other_citizens=len(rows) - 1)

    def _case_summary(self, case: Case) -> CaseSummary:
        department = case.department.code if case.department_id else None
        return CaseSummary(id=case.id, reference=case.reference, category=case.category.name,
                           status=case.status, received_at=case.received_at, deadline=case.deadline,
                           assignee=case.assignee, citizen_id=case.citizen_id, department=department,
                           category_code=case.category.code,
                           overdue=is_overdue(CaseStatus(case.status), case.deadline, self.clock()))

    def _citizen_record(self, citizen: Citizen, phones: Sequence[str] | None = None) -> CitizenRecord:
        if phones is None:
            phones = [p.number for p in CitizenPhone.select(CitizenPhone.number)
                      .where(CitizenPhone.citizen == citizen.id).order_by(CitizenPhone.id)]
        return CitizenRecord(id=citizen.id, name=citizen.name, phones=tuple(phones), email=citizen.email,
                             address=citizen.address, language=citizen.language,
                             preferred_channel=citizen.preferred_channel, consent_sms=citizen.consent_sms,
                             consent_email=citizen.consent_email, consent_recording=citizen.consent_recording,
                             external_id=citizen.external_id, erased=citizen.erased_at is not None)

    @bound
    def get_citizen(self, citizen_id: int, actor: str | None = None) -> CitizenRecord:
        """One citizen; when ``actor`` is given the read is written to the audit log."""
        citizen = Citizen.get_or_none(Citizen.id == citizen_id)
        if citizen is None:
            raise NotFound(f"no citizen {citizen_id}")
        if actor:
            self.audit(actor, "read", "citizen", citizen_id)
        return self._citizen_record(citizen)

    @bound
    def find_citizens(self, text: str = "", limit: int = 50) -> list[CitizenRecord]:
        """Citizens whose name, e-mail, address or external id contains ``text``, or who have that phone number."""
        query = Citizen.select().where(Citizen.erased_at.is_null()).order_by(Citizen.name, Citizen.id).limit(limit)
        if text:
            e164 = normalize_phone(text, self.region) if any(c.isdigit() for c in text) else None
            pattern = f"%{text.lower()}%"
            condition = ((pw.fn.LOWER(Citizen.name) ** pattern) | (pw.fn.LOWER(Citizen.email) ** pattern)
                         | (pw.fn.LOWER(Citizen.address) ** pattern) | (Citizen.external_id == text))
            if e164:
                condition |= Citizen.id.in_(CitizenPhone.select(CitizenPhone.citizen)
                                            .where(CitizenPhone.number == e164))
            query = query.where(condition)
        return [self._citizen_record(c) for c in query]

    @bound
    def add_citizen(self, name: str, phones: Iterable[str] = (), actor: str = "system", *,
                    email: str | None = None, address: str = "", postcode: str = "", city: str = "",
                    language: str = "nb", preferred_channel: str = "phone", consent_sms: bool = False,
                    consent_email: bool = False, consent_recording: bool = False,
                    external_id: str | None = None) -> CitizenRecord:
        """Register a citizen; phone numbers are normalized (an impossible number is refused)."""
        numbers = self._normalized_all(phones)
        now = self.clock()
        with self.db.atomic():
            citizen = Citizen.create(name=name, email=email, address=address, postcode=postcode, city=city,
                                     language=language, preferred_channel=preferred_channel,
                                     consent_sms=consent_sms, consent_email=consent_email,
                                     consent_recording=consent_recording, external_id=external_id,
                                     created_at=now, updated_at=now)
            self._set_phones(citizen.id, numbers)
            self.audit(actor, "create", "citizen", citizen.id)
        return self._citizen_record(citizen, numbers)

    def _normalized_all(self, phones: Iterable[str]) -> list[str]:
        numbers: list[str] = []
        for raw in phones:
            e164 = normalize_phone(raw, self.region)
            if e164 is None:
                raise StoreError(f"{raw!r} is not a phone number")
            if e164 not in numbers:
                numbers.append(e164)
        return numbers

    def _set_phones(self, citizen_id: int, numbers: Sequence[str]) -> None:
        existing = {p.number for p in CitizenPhone.select().where(CitizenPhone.citizen == citizen_id)}
        for number in numbers:
            if number not in existing:
                CitizenPhone.create(citizen=citizen_id, number=number)
