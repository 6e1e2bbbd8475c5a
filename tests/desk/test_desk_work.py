"""Chats, mails and SMS on the desk without a browser: the operator's list, taking an item up to the limit
(beside a call), answering, closing onto a case; CSRF, other people's items, hostile texts and names escaped,
bounded and rate-limited input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fsapp.acd.states import AgentState, AgentStatus
from fsapp.channels.conversations import Visitor
from fsapp.controller import Controller
from fsapp.sim import SimulatedSwitch
from fsapp.store.workitems import FileToKeep
from tests.desk.conftest import PASSWORD, start_desk
from tests.desk.desk_http import DeskClient

HOSTILE = '<img src=x onerror="alert(1)">'
WORK = {"chat.enabled": True, "chat.queue": "roads", "chat.max_per_operator": 2, "chat.rate_per_minute": 30,
        "email.queue": "roads"}


@pytest.fixture
def work_desk(sim: SimulatedSwitch, tmp_path: Path) -> Iterator[Controller]:
    controller = start_desk(sim, tmp_path, **WORK)
    yield controller
    controller.stop()


def signed_in(controller: Controller, name: str) -> DeskClient:
    assert controller.api_server is not None
    desk = DeskClient(controller.api_server.url)
    desk.sign_in(name, PASSWORD)
    return desk


def open_chat(controller: Controller, text: str, name: str = "") -> str:
    return controller.channels.conversations.open_chat("roads", Visitor(name=name), text)["id"]


def test_an_operator_takes_a_chat_beside_a_call_answers_and_closes_it_onto_a_case(work_desk: Controller) -> None:
    controller = work_desk
    store = controller.store
    citizen = store.add_citizen("Kari", ["+4791234567"], "test")
    case = store.new_case("general", "Pothole", "test", citizen_id=citizen.id)
    controller.acd.agent_login("ola")
    ola = controller.acd.router.agents["ola"]
    ola.status = AgentStatus("ola", AgentState.ON_CALL, controller.acd.clock())   # on a call: a chat beside it
    chat_id = open_chat(controller, f"Hello {HOSTILE}", name=f"Evil {HOSTILE}")
    kari = signed_in(controller, "kari")
    listing = kari.get("/desk/work")
    assert listing.status == 200 and "Evil &lt;img" in listing.text and HOSTILE not in listing.text
    [item] = controller.channels.desk.waiting()
    assert kari.post(f"/desk/work/{item.id}/accept", {}).status == 200
    panel = kari.get(f"/desk/work/{item.id}")
    assert panel.status == 200 and "Hello &lt;img" in panel.text and HOSTILE not in panel.text
    sent = kari.post(f"/desk/work/{item.id}/messages", {"text": f"Answer {HOSTILE}"})
    assert sent.status == 200
    view = controller.channels.conversations.chat_view(chat_id, 0)
    assert view["messages"][-1]["text"] == f"Answer {HOSTILE}"   # the citizen's widget shows it as text
    controller.channels.conversations.citizen_says(chat_id, "Thanks")
    new = json.loads(kari.get(f"/desk/work/{item.id}/messages?after=3", Accept="application/json").body)
    assert [m["text"] for m in new["messages"]] == ["Thanks"] and new["open"] is True
    closed = kari.post(f"/desk/work/{item.id}/close", {"case": case.reference})
    assert closed.status == 200
    [kept] = store.interactions(case_reference=case.reference)
    assert kept["channel"] == "chat" and "Thanks" in kept["body"] and kept["agent"] == "ola"
    assert controller.channels.desk.held_by("ola") == []
    assert [e["actor"] for e in store.audit_trail("work", item.id)] == ["kari", "kari"]


def test_the_limit_of_chats_holds_on_the_desk(work_desk: Controller) -> None:
    controller = work_desk
    controller.acd.agent_login("ola")
    for number in range(3):
        open_chat(controller, f"Question {number}")
    kari = signed_in(controller, "kari")
    ids = [item.id for item in controller.channels.desk.waiting()]
    assert [kari.post(f"/desk/work/{i}/accept", {}).status for i in ids] == [200, 200, 409]
    assert "holds 2" in json.loads(kari.post(f"/desk/work/{ids[2]}/accept", {}).body)["error"]
    assert "2 of 2 held" in kari.get("/desk/work").text


def test_forms_need_the_token_and_items_of_others_are_refused(work_desk: Controller) -> None:
    controller = work_desk
    controller.acd.agent_login("ola")
    controller.acd.agent_login("ingrid")
    open_chat(controller, "Mine")
    [item] = controller.channels.desk.waiting()
    kari, per = signed_in(controller, "kari"), signed_in(controller, "per")
    assert kari.post(f"/desk/work/{item.id}/accept", {}, csrf=False).status == 403
    assert item.agent is None
    assert kari.post(f"/desk/work/{item.id}/accept", {}).status == 200
    assert per.get(f"/desk/work/{item.id}").status == 403
    assert per.post(f"/desk/work/{item.id}/messages", {"text": "not mine"}).status == 409
    assert per.post(f"/desk/work/{item.id}/close", {}).status == 409
    assert per.post("/desk/work/no-such-item/accept", {}).status == 404
    siri = signed_in(controller, "siri")
    assert "Only operators" in siri.get("/desk/work").text or "Bare operat" in siri.get("/desk/work").text
    assert siri.post(f"/desk/work/{item.id}/close", {}).status == 400


def test_bad_input_gets_a_clear_error_and_loses_nothing(work_desk: Controller) -> None:
    controller = work_desk
    controller.acd.agent_login("ola")
    chat_id = open_chat(controller, "Hi")
    [item] = controller.channels.desk.waiting()
    kari = signed_in(controller, "kari")
    kari.post(f"/desk/work/{item.id}/accept", {})
    too_long = kari.post(f"/desk/work/{item.id}/messages", {"text": "x" * 2001})
    assert too_long.status == 400 and "longer than" in json.loads(too_long.body)["error"]
    assert kari.post(f"/desk/work/{item.id}/messages", {"text": "   "}).status == 400
    assert kari.post(f"/desk/work/{item.id}/messages", {"text": "x" * 9000}).status == 400   # the form's bound
    assert kari.get(f"/desk/work/{item.id}/messages?after=-1", Accept="application/json").status == 400
    bad_case = kari.post(f"/desk/work/{item.id}/close", {"case": "not-a-case"})
    assert bad_case.status == 400
    assert controller.channels.chats.get(chat_id) and controller.channels.desk.held_by("ola")   # nothing lost
    assert [m.text for m in controller.channels.chats.get(chat_id).messages][-1] != "x" * 2001
    assert kari.get("/desk/work/%3Cscript%3E").status == 404


def test_what_a_page_sends_is_rate_limited(work_desk: Controller) -> None:
    controller = work_desk
    controller.acd.agent_login("ola")
    open_chat(controller, "Hi")
    [item] = controller.channels.desk.waiting()
    kari = signed_in(controller, "kari")
    kari.post(f"/desk/work/{item.id}/accept", {})
    answers = [kari.post(f"/desk/work/{item.id}/messages", {"text": f"m{n}"}).status for n in range(31)]
    assert answers[:29] == [200] * 29 and answers[-1] == 429


def test_a_mail_on_the_desk_shows_its_text_and_files_to_its_operator_only(work_desk: Controller) -> None:
    controller = work_desk
    controller.acd.agent_login("ola")
    controller.acd.agent_login("ingrid")
    controller.channels.receive("email", "kari@example.no", f"Subject {HOSTILE}", f"Body {HOSTILE}",
                                [FileToKeep("message.eml", "message/rfc822", b"raw", kind="original"),
                                 FileToKeep(f'../../{HOSTILE}.pdf', "application/pdf", b"%PDF-1.4 data")])
    [item] = controller.channels.desk.waiting()
    kari, per = signed_in(controller, "kari"), signed_in(controller, "per")
    kari.post(f"/desk/work/{item.id}/accept", {})
    panel = kari.get(f"/desk/work/{item.id}")
    assert "Body &lt;img" in panel.text and "Subject &lt;img" in panel.text and HOSTILE not in panel.text
    files = controller.store.contact_files(item.interaction_id)
    [attachment] = [f for f in files if f["kind"] == "attachment"]
    assert "/" not in attachment["filename"] and Path(attachment["path"]).parent.name == str(item.interaction_id)
    download = kari.get(f"/desk/files/{attachment['id']}")
    assert download.status == 200 and download.body == b"%PDF-1.4 data"
    assert download.header("Content-Type") == "application/octet-stream" and "\n" not in \
        download.header("Content-Disposition")
    assert per.get(f"/desk/files/{attachment['id']}").status == 403
    assert kari.get("/desk/files/99999").status == 404
