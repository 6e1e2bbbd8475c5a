"""Notices by SMTP (a real aiosmtpd server) and SMS (the loopback gateway), and closing the loop."""

from __future__ import annotations

import queue
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from fsapp.notify.email import SmtpMailer
from fsapp.notify.errors import DeliveryError, TemplateMissing
from fsapp.notify.notices import Notifier, choose_channel
from fsapp.notify.sms import HttpSmsGateway, LoopbackSmsServer
from fsapp.notify.templates import NoticeTemplates
from fsapp.store import Store, open_store
from fsapp.store.workflow import ManualClock
from tests import timeline


class Collector:
    def __init__(self) -> None:
        self.messages: queue.Queue[Any] = queue.Queue()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.put(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Collector]]:
    collector = Collector()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path}/n.db", clock=ManualClock(timeline.RUN_START))
    opened.add_category("pothole", "Pothole")
    yield opened
    opened.close()


def test_templates_per_language_with_fallback() -> None:
    templates = NoticeTemplates(default_language="nb")
    english = templates.render("case_closed", "en", {"name": "Kari", "reference": "24-00001-3", "category": "X"})
    assert english.subject == "Your case 24-00001-3 is closed" and english.body.startswith("Hello Kari,")
    fallback = templates.render("case_closed", "fi", {"name": "", "reference": "R", "category": "X"})
    assert fallback.subject == "Saken din R er avsluttet"
    with pytest.raises(TemplateMissing):
        templates.render("nothing", "en", {})


def test_smtp_mailer_delivers_to_a_real_server(smtp_server: tuple[Controller, Collector]) -> None:
    controller, collector = smtp_server
    mailer = SmtpMailer("127.0.0.1", controller.port, "kommune@city.example")
    message_id = mailer.send("kari@example.no", "Hei", "Tekst med æøå\n")
    received = collector.messages.get(timeout=5)
    assert received["Message-ID"] == message_id and received["To"] == "kari@example.no"
    assert received.get_content().strip() == "Tekst med æøå"


def test_smtp_failure_is_a_delivery_error() -> None:
    with pytest.raises(DeliveryError):
        SmtpMailer("127.0.0.1", 1, "a@b.c", timeout=2).send("x@y.z", "s", "b")


def test_sms_gateway_round_trip_and_bad_token() -> None:
    with LoopbackSmsServer(token="secret") as server:
        message_id = HttpSmsGateway(server.url, "secret", "Kommune").send("+4791234567", "Hei")
        received = server.received.get(timeout=5)
        assert (received["id"], received["to"], received["from"], received["text"]) == \
            (message_id, "+4791234567", "Kommune", "Hei")
        with pytest.raises(DeliveryError, match="401"):
            HttpSmsGateway(server.url, "wrong", "Kommune").send("+4791234567", "Hei")


def test_channel_choice_follows_preference_and_consent(store: Store) -> None:
    sms = store.add_citizen("A", ["91234567"], preferred_channel="sms", consent_sms=True)
    no_consent = store.add_citizen("B", ["91234568"], preferred_channel="sms", email="b@example.no",
                                   consent_email=True)
    nothing = store.add_citizen("C", [])
    assert [choose_channel(c) for c in (sms, no_consent, nothing)] == ["sms", "email", None]


def test_closing_a_case_notifies_by_the_preferred_channel(store: Store,
                                                          smtp_server: tuple[Controller, Collector]) -> None:
    controller, collector = smtp_server
    with LoopbackSmsServer() as gateway:
        notifier = Notifier(store, NoticeTemplates(),
                            SmtpMailer("127.0.0.1", controller.port, "k@city.example"),
                            HttpSmsGateway(gateway.url, gateway.token, "Kommune"))
        store.on_case_closed(notifier.close_the_loop)
        by_sms = store.add_citizen("Kari", ["91234567"], preferred_channel="sms", consent_sms=True, language="en")
        by_mail = store.add_citizen("Ola", [], email="ola@example.no", preferred_channel="email", consent_email=True)
        by_phone = store.add_citizen("Per", ["22334455"])
        cases = [store.new_case("pothole", "Hole", "agent", citizen_id=c.id) for c in (by_sms, by_mail, by_phone)]
        for case in cases:
            store.change_status(case.reference, "closed", "agent")
        text = gateway.received.get(timeout=5)["text"]
        assert "is now closed" in text
    mail = collector.messages.get(timeout=5)
    assert mail["To"] == "ola@example.no" and "avsluttet" in mail["Subject"]
    [callback] = store.pending_callbacks()
    assert (callback["number"], callback["reason"], callback["case_id"]) == ("+4722334455", "case_closed",
                                                                            cases[2].id)
    sent = store.interactions(citizen_id=by_sms.id)
    assert [(i["channel"], i["direction"]) for i in sent] == [("sms", "out")]
