"""Open311 GeoReport v2 as a WSGI application: services, service definitions, and service requests.

Mount it under a prefix (``/open311/v2``); paths are ``/services.json``, ``/services/<code>.json``,
``/requests.json`` (GET with filters, POST with an API key) and ``/requests/<id>.json``. Posted requests
become cases from the ``web`` channel; ``service_request_id`` is the case reference (``24-00001-3``).
Only JSON is served (XML answers 400).

What the public sees (README: Security):

- only public cases (posted through Open311, or published by staff) in public categories, with the public
  text as ``description``, never the internal description, the citizen, notes or history; anything else, and
  any unknown or mistyped reference, is the same 404;
- one page at a time (``page``, ``page_size`` up to ``open311.max_page_size``), at most
  ``open311.max_service_codes`` service codes, ``open311.max_request_ids`` ids and ``open311.max_days`` days;
- POST needs an Open311 key of its own (``fsapp open311 keys add``), rate-limited per key. A key given in the
  query string is checked before the body is read; a body is never read past ``api.max_body`` (413).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fsapp.api.ratelimit import RateLimiter
from fsapp.httpbody import BodyError, abandon_body, check_length, read_body
from fsapp.store import FieldDefinition, NotFound, Store, StoreError, display_reference
from fsapp.store.open311keys import Open311KeyRecord
from fsapp.offhub import BULK
from fsapp.store.phones import normalize_phone
from fsapp.store.public import PublicCase
from fsapp.store.workflow import CaseStatus, as_utc

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CLOSED = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
OPEN = tuple(s.value for s in CaseStatus if s.value not in CLOSED)
MAX_PAGE = 1000
_DATATYPES = {"text": "string", "number": "number", "choice": "singlevaluelist"}
_SERVICE = re.compile(r"^/services/([^/]{1,60})\.(json|xml)$")
_REQUEST = re.compile(r"^/requests/([^/]{1,40})\.(json|xml)$")
_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 413: "Payload Too Large", 429: "Too Many Requests"}


@dataclass(frozen=True)
class Open311Settings:
    """The caps of ``open311.*`` and the body limits of ``api.*``."""

    page_size: int = 50
    max_page_size: int = 200
    max_service_codes: int = 10
    max_request_ids: int = 50
    max_days: int = 90
    max_body: int = 65536
    read_timeout: float = 10.0


class Open311Error(Exception):
    """An answer in GeoReport's error format: ``[{"code": 400, "description": "..."}]``."""

    def __init__(self, status: int, description: str, headers: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers


def make_open311_app(store: Store, settings: Open311Settings | None = None,
                     clock: Callable[[], float] = time.monotonic) -> WsgiApp:
    """The GeoReport v2 endpoints over ``store``; POST needs an active Open311 key of the store."""
    limits = settings or Open311Settings()
    limiter = RateLimiter(clock)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET").upper() == "GET":   # listings read much: off the hub
            status, data, headers = BULK.run(_answer, store, limits, limiter, environ)
        else:
            status, data, headers = _answer(store, limits, limiter, environ)
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data))),
                        *headers])
        return [data]

    return app


def _answer(store: Store, limits: Open311Settings, limiter: RateLimiter,
            environ: dict[str, Any]) -> tuple[int, bytes, tuple[tuple[str, str], ...]]:
    headers: tuple[tuple[str, str], ...] = ()
    try:
        status, body = _route(store, limits, limiter, environ)
    except Open311Error as exc:
        status, body, headers = exc.status, [{"code": exc.status, "description": exc.description}], exc.headers
    except BodyError as exc:
        status, body = exc.status, [{"code": exc.status, "description": str(exc)}]
    except StoreError as exc:
        status, body = 400, [{"code": 400, "description": str(exc)}]
    return status, json.dumps(body, ensure_ascii=False, default=str).encode("utf-8"), headers


def _route(store: Store, limits: Open311Settings, limiter: RateLimiter,
           environ: dict[str, Any]) -> tuple[int, Any]:
    path = environ.get("PATH_INFO", "") or "/"
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if method not in ("GET", "POST") or (method == "POST" and path != "/requests.json"):
        abandon_body(environ)
        raise Open311Error(405, f"{method} is not served on {path}")
    query = _params(environ.get("QUERY_STRING", ""))
    if path.endswith(".xml"):
        raise Open311Error(400, "only the JSON format is served; use .json")
    if path == "/services.json":
        return 200, [_service(c) for c in store.categories(public_only=True)]
    if match := _SERVICE.match(path):
        return 200, _definition(store, match.group(1))
    if path == "/requests.json":
        if method == "POST":
            return _post_request(store, limits, limiter, environ, query)
        return 200, _search(store, limits, query)
    if match := _REQUEST.match(path):
        return 200, [_request(_public(store, match.group(1)))]
    raise Open311Error(404, f"no such resource {path}")


def _params(text: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _service(category: dict[str, Any]) -> dict[str, Any]:
    return {"service_code": category["code"], "service_name": category["name"],
            "description": category["description"], "metadata": bool(category["custom_fields"]),
            "type": "realtime", "keywords": category["keywords"], "group": category["department"] or ""}


def _definition(store: Store, code: str) -> dict[str, Any]:
    try:
        category = store.category(code)
    except NotFound:
        category = None
    if category is None or not category["public"]:
        raise Open311Error(404, f"no service {code}")
    fields: list[FieldDefinition] = category["custom_fields"]
    return {"service_code": code, "attributes": [
        {"variable": True, "code": f.name, "datatype": _DATATYPES[f.kind], "required": f.required,
         "datatype_description": "", "order": order, "description": f.label,
         "values": [{"key": choice, "name": choice} for choice in f.choices]}
        for order, f in enumerate(fields, start=1)]}


# -- POST ----------------------------------------------------------------------------------------------------

def _key(store: Store, given: str | None) -> Open311KeyRecord:
    found = store.open311_key(given) if given else None
    if found is None:
        raise Open311Error(403, "api_key is missing or not valid")
    return found


def _post_request(store: Store, limits: Open311Settings, limiter: RateLimiter, environ: dict[str, Any],
                  query: dict[str, str]) -> tuple[int, Any]:
    key = _key(store, query["api_key"]) if query.get("api_key") else None   # checked before the body is read
    if key is None:
        check_length(environ, limits.max_body)
    else:
        _limit(limiter, key)
    form = _params(read_body(environ, limits.max_body, limits.read_timeout).decode("utf-8", errors="replace"))
    if key is None:
        _limit(limiter, _key(store, form.get("api_key")))
    return _create(store, form)


def _limit(limiter: RateLimiter, key: Open311KeyRecord) -> None:
    wait = limiter.take(key.id, key.rate_per_minute)
    if wait:
        log.info("open311: application %s is over its %d requests a minute", key.application, key.rate_per_minute)
        raise Open311Error(429, f"rate limit of {key.rate_per_minute} requests a minute reached; retry in {wait} s",
                           (("Retry-After", str(wait)),))


def _create(store: Store, form: dict[str, str]) -> tuple[int, Any]:
    code = form.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code is required")
    try:
        public = store.category(code)["public"]
    except NotFound:
        public = False
    if not public:
        raise Open311Error(404, f"no service {code}")
    has_place = form.get("lat") and form.get("long") or form.get("address_string") or form.get("address_id")
    if not has_place:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    attributes = {key[len("attribute["):-1]: value for key, value in form.items()
                  if key.startswith("attribute[") and key.endswith("]")}
    case = store.new_case(code, form.get("description", ""), "open311", citizen_id=_citizen(store, form),
                          channel="web", custom_values=attributes, address=form.get("address_string", ""),
                          latitude=_float(form, "lat"), longitude=_float(form, "long"))
    store.publish_case(case.reference, "", "open311")   # followable through Open311; the text is written by staff
    store.record_interaction("web", "in", citizen_id=case.citizen_id, case_reference=case.reference,
                             subject=f"Open311 request {code}", body=form.get("description", ""))
    return 201, [{"service_request_id": display_reference(case.reference), "service_notice": "",
                  "account_id": None}]


def _float(form: dict[str, str], key: str) -> float | None:
    if not form.get(key):
        return None
    try:
        value = float(form[key])
    except ValueError:
        raise Open311Error(400, f"{key} must be a number") from None
    if not -180.0 <= value <= 180.0:
        raise Open311Error(400, f"{key} must be a coordinate in degrees")
    return value


def _citizen(store: Store, form: dict[str, str]) -> int | None:
    phone, email = form.get("phone", ""), form.get("email", "")
    if phone and normalize_phone(phone, store.region) is None:
        log.info("open311: ignoring a phone number that is not a possible number")
        phone = ""
    if phone:
        found = store.lookup_caller(phone).citizen
        if found is not None:
            return found.id
    if email:
        matches = [c for c in store.find_citizens(email) if (c.email or "").lower() == email.lower()]
        if matches:
            return matches[0].id
    if not phone and not email:
        return None
    name = " ".join(part for part in (form.get("first_name", ""), form.get("last_name", "")) if part)
    return store.add_citizen(name, [phone] if phone else [], "open311", email=email or None).id


# -- GET -----------------------------------------------------------------------------------------------------

def _public(store: Store, reference: str) -> PublicCase:
    try:
        return store.public_case(reference)
    except NotFound:
        raise Open311Error(404, f"no service request {reference}") from None


def _list(query: dict[str, str], key: str, most: int) -> list[str]:
    items = [item.strip() for item in query.get(key, "").split(",") if item.strip()]
    if len(items) > most:
        raise Open311Error(400, f"at most {most} values in {key}")
    return items


def _number(query: dict[str, str], key: str, default: int, most: int) -> int:
    text = query.get(key) or str(default)
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise Open311Error(400, f"{key} must be a whole number from 1 to {most}")
    return int(text)


def _search(store: Store, limits: Open311Settings, query: dict[str, str]) -> list[dict[str, Any]]:
    ids = _list(query, "service_request_id", limits.max_request_ids)
    if ids:
        return [_request(case) for case in store.public_cases_by_reference(ids)]
    codes = _list(query, "service_code", limits.max_service_codes)
    statuses: tuple[str, ...] = ()
    for wanted in _list(query, "status", 2):
        if wanted not in ("open", "closed"):
            raise Open311Error(400, "status must be open or closed")
        statuses += OPEN if wanted == "open" else CLOSED
    start, end = _dates(query, limits.max_days, store.clock())
    size = _number(query, "page_size", min(limits.page_size, limits.max_page_size), limits.max_page_size)
    page = _number(query, "page", 1, MAX_PAGE)
    found = store.public_cases(categories=codes, statuses=statuses, received_from=start, received_to=end,
                               offset=(page - 1) * size, limit=size)
    return [_request(case) for case in found]


def _dates(query: dict[str, str], max_days: int, now: datetime) -> tuple[datetime, datetime]:
    """``start_date``..``end_date``, at most ``max_days`` apart (default: the ``max_days`` before now)."""
    span = timedelta(days=max_days)
    start, end = _date(query, "start_date"), _date(query, "end_date")
    try:
        if end is None:
            end = min(now, start + span) if start is not None else now
        if start is None:
            start = end - span
    except OverflowError:
        raise Open311Error(400, "start_date or end_date is out of range") from None
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > span:
        raise Open311Error(400, f"start_date and end_date may be at most {max_days} days apart")
    return start, end


def _date(query: dict[str, str], key: str) -> datetime | None:
    if not query.get(key):
        return None
    try:
        return as_utc(datetime.fromisoformat(query[key].replace("Z", "+00:00")))
    except (ValueError, OverflowError):
        raise Open311Error(400, f"{key} must be a W3C date-time (2010-01-01T00:00:00Z)") from None


def _request(case: PublicCase) -> dict[str, Any]:
    return {"service_request_id": display_reference(case.reference),
            "status": "closed" if case.status in CLOSED else "open",
            "status_notes": "", "service_name": case.category_name,
            "service_code": case.category_code, "description": case.description,
            "agency_responsible": case.department or "", "service_notice": "",
            "requested_datetime": case.received_at.isoformat(), "updated_datetime": case.updated_at.isoformat(),
            "expected_datetime": case.deadline.isoformat() if case.deadline else None,
            "address": case.address, "address_id": "", "zipcode": "", "lat": case.latitude,
            "long": case.longitude, "media_url": ""}
