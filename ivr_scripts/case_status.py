"""Case status by phone: read a case's status, last update and expected date; list a known caller's open cases.

Works with any store that has ``lookup_caller(number)`` (-> ``.open_cases``) and ``case_status(reference)``
(-> ``.reference .status .deadline`` and ``.updated_at`` or ``.received_at``), such as fsapp.store's Store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fsapp.ivr.callpath import SELF_SERVICE_VARIABLE
from fsapp.ivr.hooks import HookContext
from fsapp.store.errors import InvalidReference, NotFound

MAX_CASES_READ = 3

STATUS_WORDS = {
    "nb": {"received": "mottatt", "accepted": "registrert", "assigned": "tildelt en saksbehandler",
           "in_progress": "under behandling", "resolved": "løst", "closed": "avsluttet",
           "reopened": "gjenåpnet"},
    "en": {"received": "received", "accepted": "accepted", "assigned": "assigned to a case officer",
           "in_progress": "in progress", "resolved": "resolved", "closed": "closed", "reopened": "reopened"},
}
MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
SENTENCES = {
    "nb": {"case": "Sak {ref} er {status}. Sist oppdatert {updated}.", "expected": " Forventet ferdig {date}.",
           "no_date": " Vi har ikke en forventet dato ennå.", "count": "Du har {count} åpne saker."},
    "en": {"case": "Case {ref} is {status}. Last updated {updated}.", "expected": " Expected by {date}.",
           "no_date": " We do not have an expected date yet.", "count": "You have {count} open cases."},
}


class CaseStore(Protocol):
    def lookup_caller(self, number: str) -> Any: ...
    def case_status(self, reference: str) -> Any: ...


def _language(ctx: HookContext) -> str:
    return ctx.language if ctx.language in SENTENCES else "en"


def spoken_date(moment: datetime | None, language: str) -> str:
    """A date as it is said: "3. mars 2026" or "March 3, 2026"."""
    if moment is None:
        return ""
    month = MONTHS[language][moment.month - 1]
    return f"{moment.day}. {month} {moment.year}" if language == "nb" else f"{month} {moment.day}, {moment.year}"


def describe_case(summary: Any, language: str) -> str:
    """One case read out: reference digit by digit, status, last update, expected date."""
    words = SENTENCES[language]
    updated = getattr(summary, "updated_at", None) or getattr(summary, "received_at", None)
    status = STATUS_WORDS[language].get(str(getattr(summary.status, "value", summary.status)), str(summary.status))
    text = words["case"].format(ref=" ".join(summary.reference), status=status,
                                updated=spoken_date(updated, language))
    deadline = getattr(summary, "deadline", None)
    return text + (words["expected"].format(date=spoken_date(deadline, language)) if deadline else words["no_date"])


SERVED = {SELF_SERVICE_VARIABLE: "case-status"}   # the caller hears a case's status: the call served its purpose


def load_open_cases(ctx: HookContext) -> dict[str, str]:
    """Sets open_case_count and open_cases_text (the first few open cases of a known caller, read out)."""
    store: CaseStore = ctx.store
    language = _language(ctx)
    caller = store.lookup_caller(ctx.caller_number)
    cases = list(getattr(caller, "open_cases", ()) or ())
    parts = [SENTENCES[language]["count"].format(count=len(cases))] if cases else []
    parts += [describe_case(case, language) for case in cases[:MAX_CASES_READ]]
    return {"open_case_count": str(len(cases)), "open_cases_text": " ".join(parts), **(SERVED if cases else {})}


def lookup_case(ctx: HookContext) -> dict[str, str]:
    """Reads the case in variable case_ref: sets case_found (yes, no or invalid) and case_text."""
    store: CaseStore = ctx.store
    reference = ctx.variables.get("case_ref", "")
    try:
        summary = store.case_status(reference)
    except InvalidReference:
        return {"case_found": "invalid", "case_text": ""}
    except NotFound:
        return {"case_found": "no", "case_text": ""}
    return {"case_found": "yes", "case_text": describe_case(summary, _language(ctx)), **SERVED}
