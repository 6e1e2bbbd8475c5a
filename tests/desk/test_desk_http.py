"""The desk's seams without a browser: sign-in, the session cookie, CSRF, roles, a person disabled, bad input."""

from __future__ import annotations

import json

from fsapp.controller import Controller
from tests.desk.conftest import PASSWORD
from tests.desk.desk_http import DeskClient


def client(controller: Controller) -> DeskClient:
    assert controller.api_server is not None, "people exist, so start() serves the desk"
    return DeskClient(controller.api_server.url)


def test_signing_in_sets_a_strict_http_only_cookie_and_is_audited(desk_controller: Controller) -> None:
    desk = client(desk_controller)
    assert desk.get("/desk").status == 303   # not signed in: to the sign-in page
    reply = desk.sign_in("kari", PASSWORD)
    assert reply.status == 303 and reply.header("Location") == "/desk"
    [session] = [c for c in reply.cookies() if c.startswith("fsapp_desk=")]
    assert "HttpOnly" in session and "SameSite=Strict" in session and "Path=/desk" in session
    page = desk.get("/desk")
    assert page.status == 200 and "Ola Nordmann" in page.text
    assert "frame-ancestors 'none'" in page.header("Content-Security-Policy")
    [entry] = [e for e in desk_controller.store.audit_trail("user") if e["action"] == "sign-in"]
    assert entry["actor"] == "kari"


def test_a_wrong_password_or_a_stale_form_is_refused(desk_controller: Controller) -> None:
    desk = client(desk_controller)
    assert desk.sign_in("kari", "not the password").status == 401
    assert desk.sign_in("nobody", PASSWORD).status == 401
    assert "fsapp_desk" not in desk.jar
    stranger = client(desk_controller)   # no sign-in form fetched: no CSRF token in a cookie
    assert stranger.post("/desk/login", {"name": "kari", "password": PASSWORD}, csrf=False).status == 403
    desk.sign_in("kari", PASSWORD)
    assert desk.post("/desk/state", {"action": "ready"}, csrf=False).status == 403
    assert desk_controller.acd.router.agent("ola").state.value == "logged-out"
    reply = desk.post("/desk/state", {"action": "ready"})
    assert reply.status == 200 and json.loads(reply.body)["state"] == "available"
    assert [e["actor"] for e in desk_controller.store.audit_trail("agent", "ola")] == ["kari"]


def test_an_operator_acts_on_their_own_calls_only_and_supervisors_see_the_wallboard(
        desk_controller: Controller) -> None:
    per = client(desk_controller)
    per.sign_in("per", PASSWORD)
    assert per.post("/desk/call/not-a-call-of-pers/hangup", {}).status == 403
    assert per.get("/desk/wallboard").status == 403
    siri = client(desk_controller)
    siri.sign_in("siri", PASSWORD)
    board = siri.get("/desk/wallboard")
    assert board.status == 200 and "Ingrid Dahl" in board.text and "Lytt" in board.text   # siri reads nb
    assert siri.post("/desk/call/no-such-call/hangup", {}).status == 404


def test_a_disabled_person_is_signed_out_at_the_next_request(desk_controller: Controller) -> None:
    desk = client(desk_controller)
    desk.sign_in("kari", PASSWORD)
    assert desk.get("/desk").status == 200
    desk_controller.store.set_desk_user_disabled("kari", True, "admin")
    assert desk.get("/desk").status == 303
    assert desk.sign_in("kari", PASSWORD).status == 401


def test_a_case_the_store_refuses_is_explained_and_not_kept(desk_controller: Controller) -> None:
    desk = client(desk_controller)
    desk.sign_in("siri", PASSWORD)
    reply = desk.post("/desk/call/any-call/case", {"category": "water", "f_problem": "no such problem"})
    assert reply.status == 400 and "must be one of" in json.loads(reply.body)["error"]
    reply = desk.post("/desk/call/any-call/case", {"category": "water", "f_problem": "lekkasje",
                                                   "f_meter_number": "12ab"})
    assert reply.status == 400 and "meter_number" in json.loads(reply.body)["error"]
    assert desk_controller.store.find_cases(category="water") == []
    reply = desk.post("/desk/call/any-call/case", {"category": "water", "f_problem": "lekkasje",
                                                   "note": "Called from the desk", "assignee": "lars"})
    reference = json.loads(reply.body)["reference"]
    detail = desk_controller.store.get_case(reference)
    assert (detail.summary.assignee, detail.notes[0].author, detail.notes[0].text) == (
        "lars", "siri", "Called from the desk")


def test_static_files_stay_in_their_folder_and_bodies_keep_their_limits(desk_controller: Controller) -> None:
    desk = client(desk_controller)
    assert desk.get("/desk/static/desk.js").status == 200
    assert desk.get("/desk/static/..%2Fapp.py").status == 404
    assert desk.get("/desk/static/.hidden").status == 404
    desk.sign_in("kari", PASSWORD)
    big = {"action": "ready", "reason": "x" * (desk_controller.config.api.max_body + 10)}
    assert desk.post("/desk/state", big).status == 413
