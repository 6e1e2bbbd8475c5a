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

from fsapp.ivr.callpath import SELF_SERVICE_VARIABLE
from fsapp.ivr.hooks import HookContext
from fsapp.store.errors import InvalidReference, NotFound

MAX_CASES_READ = 3
CHECKS = ("case_number", "none")   # what case_check may say; the first is the default

STATUS_WORDS = {
    "nb": {"received": "mottatt", "accepted": "registrert", "assigned": "tildelt en saksbehandler",
           "in_progress": "under behandling", "resolved": "løst", "closed": "avsluttet",
           "reopened": "gjenåpnet"},
    "da": {"received": "modtaget", "accepted": "registreret", "assigned": "tildelt en sagsbehandler",
           "in_progress": "under behandling", "resolved": "løst", "closed": "afsluttet", "reopened": "genåbnet"},
    "fi": {"received": "vastaanotettu", "accepted": "kirjattu", "assigned": "annettu käsittelijälle",
           "in_progress": "käsittelyssä", "resolved": "ratkaistu", "closed": "suljettu",
           "reopened": "avattu uudelleen"},
    "pl": {"received": "przyjęta", "accepted": "zarejestrowana", "assigned": "przydzielona urzędnikowi",
           "in_progress": "w toku", "resolved": "rozwiązana", "closed": "zamknięta",
           "reopened": "ponownie otwarta"},
    "zh": {"received": "已受理", "accepted": "已登记", "assigned": "已分配给办理人员", "in_progress": "正在办理",
           "resolved": "已解决", "closed": "已办结", "reopened": "已重新开启"},
    "en": {"received": "received", "accepted": "accepted", "assigned": "assigned to a case officer",
           "in_progress": "in progress", "resolved": "resolved", "closed": "closed", "reopened": "reopened"},
}
MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
           "november", "desember"],
    "da": ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december"],
    "fi": ["tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta", "heinäkuuta",
           "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta"],
    "pl": ["stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
           "października", "listopada", "grudnia"],
    "zh": [f"{month}月" for month in range(1, 13)],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
}
DATE_FORMATS = {"nb": "{day}. {month} {year}", "da": "{day}. {month} {year}", "fi": "{day}. {month} {year}",
                "pl": "{day} {month} {year}", "zh": "{year}年{month}{day}日", "en": "{month} {day}, {year}"}
SENTENCES = {
    "nb": {"case": "Sak {ref} er {status}. Sist oppdatert {updated}.", "expected": " Forventet ferdig {date}.",
           "no_date": " Vi har ikke en forventet dato ennå.", "count": "Du har {count} åpne saker.",
           "others": "Du har {count} andre åpne saker."},
    "da": {"case": "Sag {ref} er {status}. Senest opdateret {updated}.", "expected": " Forventes færdig {date}.",
           "no_date": " Vi har endnu ikke en forventet dato.", "count": "Du har {count} åbne sager.",
           "others": "Du har {count} andre åbne sager."},
    "fi": {"case": "Asia {ref} on {status}. Päivitetty viimeksi {updated}.",
           "expected": " Arvioitu valmistuminen {date}.", "no_date": " Arvioitua valmistumispäivää ei vielä ole.",
           "count": "Sinulla on {count} avointa asiaa.", "others": "Sinulla on {count} muuta avointa asiaa."},
    "pl": {"case": "Sprawa {ref} jest {status}. Ostatnia zmiana {updated}.",
           "expected": " Przewidywany termin: {date}.", "no_date": " Nie znamy jeszcze przewidywanego terminu.",
           "count": "Liczba otwartych spraw: {count}.", "others": "Liczba pozostałych otwartych spraw: {count}."},
    "zh": {"case": "案件{ref}{status}。最近更新于{updated}。", "expected": "预计{date}完成。",
           "no_date": "目前还没有预计完成日期。", "count": "您有{count}件未结案件。", "others": "您另有{count}件未结案件。"},
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
    """A date as it is said: "3. mars 2026", "March 3, 2026", "2026年3月3日"."""
    if moment is None:
        return ""
    return DATE_FORMATS[language].format(day=moment.day, month=MONTHS[language][moment.month - 1],
                                         year=moment.year)


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


SERVED = {SELF_SERVICE_VARIABLE: "case-status"}   # the caller hears a case's status: the call served its purpose


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
