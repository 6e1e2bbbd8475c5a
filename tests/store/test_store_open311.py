"""Open311 GeoReport v2 over WSGI, with the examples from the specification (wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from fsapp.api.open311 import make_open311_app
from fsapp.store import FieldDefinition, Store
from fsapp.store.workflow import ManualClock


def call(app: Any, method: str, path: str, query: dict[str, str] | None = None,
         form: dict[str, str] | None = None) -> tuple[int, Any]:
    body = urlencode(form or {}).encode()
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": urlencode(query or {}),
               "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded",
               "wsgi.input": io.BytesIO(body)}
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    data = b"".join(app(environ, start_response))
    assert seen["headers"]["Content-Type"].startswith("application/json")
    return seen["status"], json.loads(data)


@pytest.fixture
def app(store: Store) -> Any:
    store.add_department("roads", "Roads")
    store.add_category("001", "Cans left out 24x7", "roads", description="Garbage or recycling cans left out",
                       service_level_hours=72, keywords="lorem, ipsum, dolor")
    store.add_category("033", "Trash", "roads", custom_fields=[
        FieldDefinition("WHISHETN", "What is the ticket/tag/DL number?", required=True),
        FieldDefinition("BIN", "Which bin?", kind="choice", choices=("123", "124"))])
    store.add_category("internal", "Internal", public=False)
    return make_open311_app(store)


@pytest.fixture
def key(store: Store) -> str:
    return store.add_open311_key("test-app", "admin")


def test_services_list_and_definition(app: Any) -> None:
    status, services = call(app, "GET", "/services.json")
    assert status == 200
    assert [s["service_code"] for s in services] == ["001", "033"]
    assert services[0] == {"service_code": "001", "service_name": "Cans left out 24x7",
                           "description": "Garbage or recycling cans left out", "metadata": False,
                           "type": "realtime", "keywords": "lorem, ipsum, dolor", "group": "roads"}
    status, definition = call(app, "GET", "/services/033.json")
    assert status == 200
    assert definition["attributes"][0]["code"] == "WHISHETN" and definition["attributes"][0]["required"]
    assert definition["attributes"][1]["datatype"] == "singlevaluelist"
    assert definition["attributes"][1]["values"] == [{"key": "123", "name": "123"}, {"key": "124", "name": "124"}]
    assert call(app, "GET", "/services/internal.json")[0] == 404


def test_post_example_creates_a_web_case(app: Any, store: Store, key: str) -> None:
    # The specification's example: POST https://[API endpoint]/requests.json
    form = {"api_key": key, "service_code": "001", "lat": "37.76524078", "long": "-122.4212043",
            "address_string": "1234 5th street", "email": "smit333@sfgov.edu", "device_id": "tt222111",
            "account_id": "123456", "first_name": "john", "last_name": "smith", "phone": "111111111",
            "description": "A large sinkhole is destroying the street"}
    status, body = call(app, "POST", "/requests.json", form=form)
    assert status == 201
    request_id = body[0]["service_request_id"]
    case = store.get_case(request_id)
    assert (case.channel, case.description, case.latitude) == ("web", form["description"], 37.76524078)
    citizen = store.get_citizen(case.summary.citizen_id)  # type: ignore[arg-type]
    assert (citizen.name, citizen.email) == ("john smith", "smit333@sfgov.edu")
    status, [one] = call(app, "GET", f"/requests/{request_id}.json")
    assert status == 200
    assert (one["service_request_id"], one["status"], one["service_code"], one["address"]) == \
        (request_id, "open", "001", "1234 5th street")
    assert one["expected_datetime"] is not None
    assert one["description"] == ""   # the posted text is internal until staff publish a public one


def test_post_needs_a_valid_key_location_and_attributes(app: Any, key: str) -> None:
    base = {"service_code": "033", "lat": "1", "long": "2"}
    assert call(app, "POST", "/requests.json", form=base)[0] == 403
    assert call(app, "POST", "/requests.json", form={**base, "api_key": "wrong"})[0] == 403
    status, errors = call(app, "POST", "/requests.json", form={"api_key": key, "service_code": "033"})
    assert status == 400 and "location" in errors[0]["description"]
    status, errors = call(app, "POST", "/requests.json", form={**base, "api_key": key})
    assert status == 400 and "WHISHETN" in errors[0]["description"]
    status, _ = call(app, "POST", "/requests.json",
                     form={**base, "api_key": key, "attribute[WHISHETN]": "T-1", "attribute[BIN]": "124"})
    assert status == 201


def test_get_requests_with_filters(app: Any, store: Store, clock: ManualClock) -> None:
    first = store.new_case("001", "old", "agent")
    store.publish_case(first.reference, "old", "agent")
    clock.advance(days=2)
    second = store.new_case("001", "new", "agent")
    store.publish_case(second.reference, "new", "agent")
    store.change_status(second.reference, "resolved", "agent", note="Cans removed")
    store.new_case("001", "not published", "agent")
    clock.advance(days=1)
    status, found = call(app, "GET", "/requests.json")
    assert status == 200 and len(found) == 2
    closed = call(app, "GET", "/requests.json", {"status": "closed"})[1]
    assert [(r["status"], r["status_notes"]) for r in closed] == [("closed", "")]   # notes are the citizen's
    assert len(call(app, "GET", "/requests.json", {"status": "open", "service_code": "001"})[1]) == 1
    since = (first.received_at.replace(hour=12)).isoformat().replace("+00:00", "Z")
    assert [r["description"] for r in call(app, "GET", "/requests.json", {"start_date": since})[1]] == ["new"]
    ids = ",".join(r["service_request_id"] for r in found)
    assert len(call(app, "GET", "/requests.json", {"service_request_id": ids})[1]) == 2
    assert call(app, "GET", "/requests/24-00009-9.json")[0] == 404
    assert call(app, "GET", "/requests.json", {"status": "maybe"})[0] == 400
    assert call(app, "GET", "/services.xml")[0] == 400
