"""Case status by phone: read a case's status, last update and expected date; list a known caller's open cases.

A caller ID is easy to fake, so a caller's open cases are read out only after the caller has shown they know
something: with the flow variable ``case_check`` set to ``case_number`` (the default, and what any unknown
value means), the case number they keyed in (``case_ref``) must be one of their own cases. ``case_check: none``
reads a caller's open cases on caller ID alone: do not use it where a case's status is personal.

Works with any store that has ``lookup_caller(number)`` (-> ``.citizen``, ``.open_cases``) and
``case_status(reference)`` (-> ``.reference .status .deadline .citizen_id`` and ``.updated_at`` or
``.received_at``), such as fsapp.store's Store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from fsapp.ivr.hooks import HookContext
from fsapp.store.errors import InvalidReference, NotFound

MAX_CASES_READ = 3
CHECKS = ("case_number", "none")   # what case_check may say; the first is the default

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
           "no_date": " Vi har ikke en forventet dato ennå.", "count": "Du har {count} åpne saker.",
           "others": "Du har {count} andre åpne saker."},
    "en": {"case": "Case {ref} is {status}. Last updated {updated}.", "expected": " Expected by {date}.",
           "no_date": " We do not have an expected date yet.", "count": "You have {count} open cases.",
           "others": "You have {count} other open cases."},
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


def case_check(ctx: HookContext) -> str:
    """How the caller proves who they are before their open cases are read (``case_check``; fails closed)."""
    wanted = ctx.variables.get("case_check", CHECKS[0])
    return wanted if wanted in CHECKS else CHECKS[0]


def _keyed_own_case(store: CaseStore, ctx: HookContext, caller: Any) -> str | None:
    """The reference the caller keyed, when it is one of their own cases; else None."""
    keyed = ctx.variables.get("case_ref", "")
    if not keyed:
        return None
    try:
        summary = store.case_status(keyed)
    except (InvalidReference, NotFound):
        return None
    own = {case.reference for case in getattr(caller, "open_cases", ()) or ()}
    citizen = getattr(caller, "citizen", None)
    if summary.reference in own or (citizen is not None and getattr(summary, "citizen_id", None) == citizen.id):
        return str(summary.reference)
    return None


def load_open_cases(ctx: HookContext) -> dict[str, str]:
    """Sets open_case_count and open_cases_text: the first few open cases of a known caller, read out, once
    the caller has keyed one of their own case numbers (see :func:`case_check`); else a count of 0."""
    store: CaseStore = ctx.store
    language = _language(ctx)
    caller = store.lookup_caller(ctx.caller_number)
    keyed = _keyed_own_case(store, ctx, caller)
    if case_check(ctx) == "case_number" and keyed is None:
        return {"open_case_count": "0", "open_cases_text": ""}
    cases = [case for case in getattr(caller, "open_cases", ()) or () if case.reference != keyed]
    sentence = SENTENCES[language]["others" if keyed else "count"]
    parts = [sentence.format(count=len(cases))] if cases else []
    parts += [describe_case(case, language) for case in cases[:MAX_CASES_READ]]
    return {"open_case_count": str(len(cases)), "open_cases_text": " ".join(parts)}


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
    return {"case_found": "yes", "case_text": describe_case(summary, _language(ctx))}
