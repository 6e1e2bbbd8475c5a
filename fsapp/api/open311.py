"""Open311 GeoReport v2 as a WSGI application: services, service definitions, and service requests.

Mount it under a prefix (``/open311/v2``); paths are ``/services.json``, ``/services/<code>.json``,
``/requests.json`` (GET with filters, POST with an API key) and ``/requests/<id>.json``. Posted requests
become cases from the ``web`` channel; ``service_request_id`` is the case reference (``24-00001-3``).
Only JSON is served (XML answers 400).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fsapp.offhub import BULK
from fsapp.store import CaseDetail, FieldDefinition, NotFound, Store, StoreError, display_reference
from fsapp.store.phones import normalize_phone
from fsapp.store.workflow import CaseStatus, as_utc

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CLOSED = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
OPEN = tuple(s.value for s in CaseStatus if s.value not in CLOSED)
_DATATYPES = {"text": "string", "number": "number", "choice": "singlevaluelist"}
_SERVICE = re.compile(r"^/services/([^/]+)\.(json|xml)$")
_REQUEST = re.compile(r"^/requests/([^/]+)\.(json|xml)$")


class Open311Error(Exception):
    """An answer in GeoReport's error format: ``[{"code": 400, "description": "..."}]``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def make_open311_app(store: Store, api_keys: Collection[str]) -> WsgiApp:
    """The GeoReport v2 endpoints over ``store``; POST needs one of ``api_keys``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD", "GET").upper() == "GET":   # listings read much: off the hub
            status, data = BULK.run(_answer, store, api_keys, environ)
        else:
            status, data = _answer(store, api_keys, environ)
        start_response(f"{status} {_REASONS.get(status, 'Error')}",
                       [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def _answer(store: Store, api_keys: Collection[str], environ: dict[str, Any]) -> tuple[int, bytes]:
    try:
        status, body = _route(store, api_keys, environ)
    except Open311Error as exc:
        status, body = exc.status, [{"code": exc.status, "description": exc.description}]
    except StoreError as exc:
        status, body = 400, [{"code": 400, "description": str(exc)}]
    return status, json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")


_REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed"}


def _route(store: Store, api_keys: Collection[str], environ: dict[str, Any]) -> tuple[int, Any]:
    path = environ.get("PATH_INFO", "") or "/"
    method = environ.get("REQUEST_METHOD", "GET").upper()
    query = _params(environ.get("QUERY_STRING", ""))
    if path.endswith(".xml"):
        raise Open311Error(400, "only the JSON format is served; use .json")
    if path == "/services.json":
        return 200, [_service(c) for c in store.categories(public_only=True)]
    if match := _SERVICE.match(path):
        return 200, _definition(store, match.group(1))
    if path == "/requests.json":
        if method == "POST":
            return _post_request(store, api_keys, _form(environ))
        return 200, _search(store, query)
    if match := _REQUEST.match(path):
        return 200, [_request(store.get_case(match.group(1)))]
    raise Open311Error(404, f"no such resource {path}")


def _params(text: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(text, keep_blank_values=True).items()}


def _form(environ: dict[str, Any]) -> dict[str, str]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length else b""
    return _params(raw.decode("utf-8", errors="replace"))


def _service(category: dict[str, Any]) -> dict[str, Any]:
    return {"service_code": category["code"], "service_name": category["name"],
            "description": category["description"], "metadata": bool(category["custom_fields"]),
            "type": "realtime", "keywords": category["keywords"], "group": category["department"] or ""}


def _definition(store: Store, code: str) -> dict[str, Any]:
    category = store.category(code)
    if not category["public"]:
        raise Open311Error(404, f"no service {code}")
    fields: list[FieldDefinition] = category["custom_fields"]
    return {"service_code": code, "attributes": [
        {"variable": True, "code": f.name, "datatype": _DATATYPES[f.kind], "required": f.required,
         "datatype_description": "", "order": order, "description": f.label,
         "values": [{"key": choice, "name": choice} for choice in f.choices]}
        for order, f in enumerate(fields, start=1)]}


def _post_request(store: Store, api_keys: Collection[str], form: dict[str, str]) -> tuple[int, Any]:
    if not form.get("api_key") or form["api_key"] not in api_keys:
        raise Open311Error(403, "api_key is missing or not valid")
    code = form.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code is required")
    has_place = form.get("lat") and form.get("long") or form.get("address_string") or form.get("address_id")
    if not has_place:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    attributes = {key[len("attribute["):-1]: value for key, value in form.items()
                  if key.startswith("attribute[") and key.endswith("]")}
    case = store.new_case(code, form.get("description", ""), "open311", citizen_id=_citizen(store, form),
                          channel="web", custom_values=attributes, address=form.get("address_string", ""),
                          latitude=_float(form, "lat"), longitude=_float(form, "long"))
    store.record_interaction("web", "in", citizen_id=case.citizen_id, case_reference=case.reference,
                             subject=f"Open311 request {code}", body=form.get("description", ""))
    return 201, [{"service_request_id": display_reference(case.reference), "service_notice": "",
                  "account_id": None}]


def _float(form: dict[str, str], key: str) -> float | None:
    if not form.get(key):
        return None
    try:
        return float(form[key])
    except ValueError:
        raise Open311Error(400, f"{key} must be a number") from None


def _citizen(store: Store, form: dict[str, str]) -> int | None:
    phone, email = form.get("phone", ""), form.get("email", "")
    if phone and normalize_phone(phone, store.region) is None:
        log.info("open311: ignoring the phone number %r, it is not a possible number", phone)
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


def _search(store: Store, query: dict[str, str]) -> list[dict[str, Any]]:
    if query.get("service_request_id"):
        results = []
        for reference in query["service_request_id"].split(","):
            try:
                results.append(_request(store.get_case(reference.strip())))
            except NotFound:
                continue
        return results
    end = _date(query, "end_date") or store.clock()
    start = _date(query, "start_date") or end - timedelta(days=90)
    statuses: tuple[str, ...] = ()
    for wanted in filter(None, query.get("status", "").split(",")):
        if wanted not in ("open", "closed"):
            raise Open311Error(400, "status must be open or closed")
        statuses += OPEN if wanted == "open" else CLOSED
    found = []
    for code in query.get("service_code", "").split(",") if query.get("service_code") else [None]:
        found += store.find_cases(category=code, statuses=statuses, received_from=start, received_to=end,
                                  limit=1000)
    return [_request(store.get_case(case.reference)) for case in found[:1000]]


def _date(query: dict[str, str], key: str) -> datetime | None:
    if not query.get(key):
        return None
    try:
        return as_utc(datetime.fromisoformat(query[key].replace("Z", "+00:00")))
    except ValueError:
        raise Open311Error(400, f"{key} must be a W3C date-time (2010-01-01T00:00:00Z)") from None


def _request(detail: CaseDetail) -> dict[str, Any]:
    summary = detail.summary
    public_notes = [n.text for n in detail.notes if not n.internal]
    return {"service_request_id": display_reference(summary.reference),
            "status": "closed" if summary.status in CLOSED else "open",
            "status_notes": public_notes[-1] if public_notes else "", "service_name": summary.category,
            "service_code": summary.category_code, "description": detail.description,
            "agency_responsible": summary.department or "", "service_notice": "",
            "requested_datetime": summary.received_at.isoformat(), "updated_datetime": detail.updated_at.isoformat(),
            "expected_datetime": summary.deadline.isoformat() if summary.deadline else None,
            "address": detail.address, "address_id": "", "zipcode": "", "lat": detail.latitude,
            "long": detail.longitude, "media_url": ""}

