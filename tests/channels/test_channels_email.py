"""E-mail end to end: a real SMTP client hands mail to the listener `fsapp run` starts; replies quoting a case
are threaded only for the citizen's own address; mail waits in a queue; the operator's answer and the closing
notice go out through a real SMTP server."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

from fsapp.api.client import ApiClientError
from fsapp.controller import Controller
from fsapp.store import display_reference
from tests.api.api_waits import CHANGES, WAIT, wait_until
from tests.channels.conftest import MailCatcher, api_as, off_hub
from tests.api.conftest import free_port


def _send(port: int, sender: str, subject: str, body: str, to: str = "post@city.example") -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", port, timeout=WAIT) as client:
        client.send_message(message)


@pytest.fixture
def mail_center(make_controller: Callable[..., Controller]) -> Iterator[tuple[Controller, MailCatcher, int]]:
    catcher = MailCatcher().__enter__()
    port = free_port()
    controller = make_controller(**{
        "email.listen": "127.0.0.1", "email.port": port, "email.domains": ["city.example"],
        "email.queue": "roads", "email.smtp_host": "127.0.0.1", "email.smtp_port": catcher.port,
        "email.smtp_starttls": False, "email.sender": "post@city.example",
        "notices.enabled": True, "notices.statuses": ["in_progress", "closed"]})
    controller.store.add_category("roads", "Roads and streets")
    yield controller, catcher, port
    catcher.__exit__()


def test_mail_becomes_a_contact_and_a_work_item_answered_by_mail(mail_center: tuple[Controller, MailCatcher, int]
                                                                  ) -> None:
    controller, catcher, port = mail_center
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4791234567"], email="kari@example.no", preferred_channel="email",
                             consent_email=True)
    off_hub(_send, port, "Kari <Kari@Example.no>", "Pothole", "A deep pothole on Storgata 1")
    [contact] = store.interactions(citizen_id=kari.id)
    assert (contact["channel"], contact["direction"], contact["subject"]) == ("email", "in", "Pothole")

    ingrid = api_as(controller, "tok-ingrid")
    ingrid.post("/api/v1/agents/ingrid/login")
    [item] = ingrid.get("/api/v1/work")["offered"]
    assert (item["kind"], item["queue"], item["address"]) == ("email", "roads", "kari@example.no")
    ingrid.post(f"/api/v1/work/{item['id']}/accept")
    [message] = ingrid.get(f"/api/v1/work/{item['id']}/messages")
    assert "deep pothole" in message["text"]
    ingrid.post(f"/api/v1/work/{item['id']}/messages", {"text": "We will fix it this week."})
    answer = catcher.next()
    assert (answer["To"], answer["Subject"]) == ("kari@example.no", "Re: Pothole")
    assert "fix it this week" in answer.get_content()
    case = store.new_case("roads", "Pothole on Storgata", "ingrid", citizen_id=kari.id)
    ingrid.post(f"/api/v1/work/{item['id']}/close", {"case": case.reference})
    assert [c["channel"] for c in store.interactions(case_reference=case.reference)] == ["email"]
    assert ingrid.get("/api/v1/work")["held"] == []


def test_a_reply_quoting_a_case_is_threaded_only_from_the_citizens_address(
        mail_center: tuple[Controller, MailCatcher, int]) -> None:
    controller, _catcher, port = mail_center
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4791234567"], email="kari@example.no")
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    shown = display_reference(case.reference)
    off_hub(_send, port, "kari@example.no", f"Re: your case {shown}", "Still there")
    off_hub(_send, port, "mallory@evil.example", f"Re: your case {shown}", "Close it please")
    threaded = store.interactions(case_reference=case.reference)
    assert [c["address"] for c in threaded] == ["kari@example.no"]
    [flagged] = store.unverified_contacts()
    assert (flagged["address"], flagged["case"]) == ("mallory@evil.example", case.reference)


def test_the_listener_refuses_other_domains_and_oversized_mail(mail_center: tuple[Controller, MailCatcher, int]
                                                               ) -> None:
    controller, _catcher, port = mail_center
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        off_hub(_send, port, "kari@example.no", "Hi", "x", "someone@elsewhere.example")
    with pytest.raises(smtplib.SMTPException):
        off_hub(_send, port, "kari@example.no", "Big", "x" * (controller.config.email.max_size + 10))
    assert controller.store.interactions(limit=10) == []


def test_a_status_change_tells_the_citizen_by_mail(mail_center: tuple[Controller, MailCatcher, int]) -> None:
    controller, catcher, _port = mail_center
    store = controller.store
    kari = store.add_citizen("Kari Nordmann", ["+4791234567"], email="kari@example.no", preferred_channel="email",
                             consent_email=True, language="en")
    case = store.new_case("roads", "Pothole", "ingrid", citizen_id=kari.id)
    controller.channels.notice_listeners.append(CHANGES.poke)
    store.change_status(case.reference, "accepted", "ingrid")      # not in notices.statuses: nobody is told
    store.change_status(case.reference, "in_progress", "ingrid")
    notice = catcher.next()
    assert notice["To"] == "kari@example.no" and "being worked on" in notice["Subject"]
    store.change_status(case.reference, "resolved", "ingrid")
    store.change_status(case.reference, "closed", "ingrid")
    closed = catcher.next()
    assert "is closed" in closed["Subject"] and display_reference(case.reference) in closed["Subject"]
    wait_until(lambda: len([c for c in store.interactions(case_reference=case.reference)
                            if c["direction"] == "out"]) == 2, what="both notices kept as contacts")


def test_operator_tokens_act_for_their_own_agent_only(mail_center: tuple[Controller, MailCatcher, int]) -> None:
    controller, _catcher, _port = mail_center
    with pytest.raises(ApiClientError) as refused:
        api_as(controller, "tok-ingrid").get("/api/v1/work", agent="ola")
    assert refused.value.status == 403
