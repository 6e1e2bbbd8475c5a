"""Open311 through the real HTTP server on loopback: only public cases and public fields, capped requests,
references that cannot be walked, keys of its own that are checked first, revocable and rate-limited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from fsapp.store import display_reference, make_reference
from tests.api.conftest import free_port
from tests.integration.conftest import MONDAY_MORNING, WAIT, controller_config, one_clock
from tests.security.http_raw import closed_by_server, connect, head, read_answer, request

ADMIN = "tok-admin-0123456789abcdef"
CAPS = {"open311.max_page_size": 5, "open311.page_size": 5, "open311.max_service_codes": 3,
        "open311.max_request_ids": 3, "open311.max_days": 30, "api.max_body": 4096, "api.read_timeout": 1.0}
GEOREPORT_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                    "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
SECRET = "Kari Nordmann, 912 34 567, kari@example.no, lives above the shop"


@pytest.fixture
def city(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    config = controller_config(sim, tmp_path, **{"api.port": free_port(), "api.tokens": {ADMIN: "admin"}, **CAPS})
    controller = Controller(config, **one_clock(sim, MONDAY_MORNING)).start()
    controller.switch.wait_connected(WAIT)
    store = controller.store
    store.add_department("roads", "Roads")
    store.add_category("pothole", "Pothole", "roads")
    store.add_category("graffiti", "Graffiti", "roads")
    store.add_category("welfare", "Welfare", public=False)
    yield controller
    controller.stop()


def _url(controller: Controller) -> str:
    assert controller.api_server is not None
    return controller.api_server.url + "/open311/v2"


def _get(controller: Controller, path: str, **query: str) -> tuple[int | None, object]:
    answer = request(_url(controller), "GET", path + ("?" + urlencode(query) if query else ""))
    return answer.status, answer.json() if answer.body else None


def _post(controller: Controller, form: dict[str, str], query: dict[str, str] | None = None) -> tuple[int | None, object]:
    body = urlencode(form).encode()
    path = "/requests.json" + ("?" + urlencode(query) if query else "")
    answer = request(_url(controller), "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    return answer.status, answer.json() if answer.body else None


def _cases(controller: Controller) -> dict[str, str]:
    """A public case, a private one in a public category, one in a private category, a phone case."""
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["91234567"], "agent", email="kari@example.no")
    public = store.new_case("pothole", SECRET, "agent", citizen_id=kari.id, channel="phone", address="Storgata 1")
    store.publish_case(public.reference, "Pothole on Storgata", "agent")
    private = store.new_case("pothole", SECRET, "agent", citizen_id=kari.id, channel="email")
    welfare = store.new_case("welfare", SECRET, "agent", citizen_id=kari.id)
    store.publish_case(welfare.reference, "published by mistake", "agent")
    return {"public": public.reference, "private": private.reference, "welfare": welfare.reference}


def test_only_public_cases_and_only_public_fields(city: Controller) -> None:
    refs = _cases(city)
    status, listed = _get(city, "/requests.json")
    assert status == 200 and [r["service_request_id"] for r in listed] == [display_reference(refs["public"])]
    [one] = listed
    assert set(one) == GEOREPORT_FIELDS
    assert one["description"] == "Pothole on Storgata" and one["status_notes"] == ""
    text = json.dumps(listed)
    for secret in ("Kari", "912", "kari@example.no", "above the shop"):
        assert secret not in text


def test_private_unknown_and_mistyped_references_are_the_same_404(city: Controller) -> None:
    refs = _cases(city)
    unknown = make_reference(MONDAY_MORNING.year, 999)
    mistyped = unknown[:-1] + str((int(unknown[-1]) + 1) % 10)
    answers = {name: _get(city, f"/requests/{display_reference(ref)}.json")
               for name, ref in {"private": refs["private"], "welfare": refs["welfare"], "unknown": unknown,
                                 "mistyped": mistyped}.items()}
    for name, (status, body) in answers.items():
        assert status == 404, name
        assert body == [{"code": 404, "description": f"no service request {display_reference(dict(refs, unknown=unknown, mistyped=mistyped)[name])}"}]
    walked = _get(city, "/requests.json", service_request_id=",".join(
        display_reference(r) for r in (refs["private"], refs["welfare"], refs["public"])))
    assert [r["service_request_id"] for r in walked[1]] == [display_reference(refs["public"])]


def test_pages_are_capped_and_do_not_overlap(city: Controller) -> None:
    store = city.store
    made = [store.new_case("graffiti", f"tag {n}", "agent").reference for n in range(7)]
    for reference in made:
        store.publish_case(reference, "Graffiti", "agent")
    pages = [_get(city, "/requests.json", page=str(n), page_size="3")[1] for n in (1, 2, 3, 4)]
    seen = [r["service_request_id"] for page in pages for r in page]
    assert [len(page) for page in pages] == [3, 3, 1, 0] and len(set(seen)) == 7
    assert len(_get(city, "/requests.json")[1]) == 5   # the default page is the cap


@pytest.mark.parametrize("query, words", [
    ({"page_size": "6"}, "page_size must be a whole number from 1 to 5"),
    ({"page_size": "0"}, "page_size"),
    ({"page": "1001"}, "page must be"),
    ({"page": "-1"}, "page must be"),
    ({"service_code": "a,b,c,d"}, "at most 3 values in service_code"),
    ({"service_code": ",".join(["pothole"] * 5000)}, None),   # longer than a request line may be
    ({"service_request_id": "1,2,3,4"}, "at most 3 values in service_request_id"),
    ({"status": "open,closed,open"}, "at most 2"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-03-01T00:00:00Z"}, "at most 30 days apart"),  # any-date-ok
    ({"start_date": "9999-12-31T23:59:59-14:00"}, "start_date"),   # any-date-ok
    ({"start_date": "yesterday"}, "start_date must be a W3C date-time"),
    ({"start_date": "2026-03-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "after end_date"),  # any-date-ok
])
def test_oversized_or_odd_searches_are_400(city: Controller, query: dict[str, str], words: str | None) -> None:
    status, body = _get(city, "/requests.json", **query)
    assert status in (400, 414), body
    if words is not None:
        assert words in body[0]["description"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(st.sampled_from(["page", "page_size", "service_code", "status", "start_date",
                                              "end_date", "service_request_id", "api_key"]),
                             st.text(max_size=30), max_size=5))
def test_any_query_is_answered_without_a_500(city: Controller, query: dict[str, str]) -> None:
    status, _ = _get(city, "/requests.json", **query)
    assert status is not None and status < 500


def test_control_api_tokens_are_not_open311_keys(city: Controller) -> None:
    form = {"service_code": "pothole", "address_string": "Storgata 2", "api_key": ADMIN}
    assert _post(city, form)[0] == 403
    assert city.store.find_cases(category="pothole") == []


def test_a_key_in_the_query_is_checked_before_the_body_is_read(city: Controller) -> None:
    with connect(_url(city)) as sock:
        sock.sendall(head("POST", "/open311/v2/requests.json?api_key=wrong",
                          {"Content-Type": "application/x-www-form-urlencoded"}, 256 * 1024 * 1024))
        answer = read_answer(sock)
        assert answer.status == 403 and closed_by_server(sock)


def test_a_large_body_is_413_before_it_is_read(city: Controller) -> None:
    with connect(_url(city)) as sock:
        sock.sendall(head("POST", "/open311/v2/requests.json", {"Content-Type": "application/x-www-form-urlencoded"},
                          256 * 1024 * 1024))
        answer = read_answer(sock)
        assert answer.status == 413 and closed_by_server(sock)


def test_keys_are_per_application_revocable_and_rate_limited(city: Controller, tmp_path: Path) -> None:
    db = ["--db", city.config.database.url]
    added = CliRunner().invoke(main, ["open311", "keys", "add", "bymelding", "--rate", "2", *db])
    assert added.exit_code == 0, added.output
    key = added.stdout.strip()
    form = {"service_code": "pothole", "address_string": "Storgata 3", "description": SECRET}
    first = _post(city, form, {"api_key": key})
    assert first[0] == 201
    [created] = first[1]
    assert _get(city, f"/requests/{created['service_request_id']}.json")[1][0]["description"] == ""
    assert _post(city, {**form, "api_key": key})[0] == 201          # the key in the body works too
    limited = request(_url(city), "POST", f"/requests.json?api_key={key}", urlencode(form).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    listed = CliRunner().invoke(main, ["open311", "keys", "list", "--json", *db])
    assert json.loads(listed.output)[0]["application"] == "bymelding" and key not in listed.output
    assert CliRunner().invoke(main, ["open311", "keys", "revoke", "bymelding", *db]).exit_code == 0
    assert _post(city, form, {"api_key": key})[0] == 403
    assert _post(city, {**form, "service_code": "welfare"}, {"api_key": city.store.add_open311_key("x", "t")})[0] == 404


def test_publishing_from_the_command_line(city: Controller) -> None:
    refs = _cases(city)
    db = ["--db", city.config.database.url]
    shown = CliRunner().invoke(main, ["cases", "publish", display_reference(refs["private"]), "Sign knocked over",
                                      *db])
    assert shown.exit_code == 0, shown.output
    status, [one] = _get(city, f"/requests/{display_reference(refs['private'])}.json")
    assert one["description"] == "Sign knocked over"
    assert CliRunner().invoke(main, ["cases", "unpublish", display_reference(refs["private"]), *db]).exit_code == 0
    assert _get(city, f"/requests/{display_reference(refs['private'])}.json")[0] == 404


def test_the_default_search_covers_the_last_max_days(city: Controller) -> None:
    store = city.store
    case = store.new_case("pothole", "x", "agent")
    store.publish_case(case.reference, "Pothole", "agent")
    old_end = (store.clock() - timedelta(days=31)).isoformat()
    assert _get(city, "/requests.json", end_date=old_end)[1] == []
    assert len(_get(city, "/requests.json")[1]) == 1
    assert _get(city, "/requests.json", end_date="9999-12-31T23:59:59Z") == (200, [])   # any-date-ok
