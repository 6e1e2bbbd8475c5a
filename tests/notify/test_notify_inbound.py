"""Inbound e-mail (through the real SMTP listener) and SMS (the WSGI webhook) become contacts and cases."""

from __future__ import annotations

import io
import json
import smtplib
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from fsapp.notify.inbound import CaseRule, decide, make_sms_webhook, start_mail_listener
from fsapp.store import Store, display_reference, make_reference, open_store

RULES = [CaseRule("streetlight", ("streetlight", "gatelys"))]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path}/in.db")
    opened.add_category("streetlight", "Street light out")
    opened.add_citizen("Kari", ["91234567"], email="kari@example.no")
    yield opened
    opened.close()


def test_decide_prefers_a_valid_reference_then_rules() -> None:
    good = make_reference(2024, 12)
    assert decide("email", f"About case {display_reference(good)}", RULES).case_reference == good
    mistyped = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert decide("sms", f"case {mistyped} streetlight", RULES).new_case_category == "streetlight"
    assert decide("sms", "hello", RULES).new_case_category is None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mail_listener_records_and_makes_cases(store: Store) -> None:
    port = _free_port()
    listener = start_mail_listener(store, RULES, port=port, domains=["city.example"])
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "Kari <kari@example.no>", "post@city.example", "Hi"
        message.set_content("The streetlight on Storgata is dark")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            client.send_message(message)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("x@y.z", ["someone@elsewhere.example"], "Subject: x\n\nx")
    finally:
        listener.stop()
    kari = store.lookup_caller("91234567").citizen
    assert kari is not None
    [contact] = store.interactions(citizen_id=kari.id)
    assert (contact["channel"], contact["subject"]) == ("email", "Hi")
    [case] = store.find_cases(citizen_id=kari.id)
    assert case.category == "Street light out" and contact["case_id"] == case.id


def _post(app: Any, body: bytes, content_type: str, query: str = "token=t") -> tuple[str, Any]:
    seen: dict[str, str] = {}
    environ = {"REQUEST_METHOD": "POST", "QUERY_STRING": query, "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    data = b"".join(app(environ, lambda status, headers: seen.update(status=status)))
    return seen["status"], json.loads(data)


def test_sms_webhook_links_replies_to_cases(store: Store) -> None:
    app = make_sms_webhook(store, RULES, token="t")
    kari = store.lookup_caller("91234567").citizen
    assert kari is not None
    case = store.new_case("streetlight", "Dark", "agent", citizen_id=kari.id)
    status, body = _post(app, json.dumps({"from": "+4791234567",
                                          "text": f"Re {display_reference(case.reference)}: still dark"}).encode(),
                         "application/json")
    assert status.startswith("200")
    [contact] = store.interactions(case_reference=case.reference)
    assert contact["id"] == body["interaction"] and contact["channel"] == "sms"
    assert _post(app, b"from=%2B4791234567&text=hi", "application/x-www-form-urlencoded")[0].startswith("200")
    assert _post(app, b"from=1&text=x", "application/x-www-form-urlencoded", query="token=no")[0].startswith("403")
    assert _post(app, b"{", "application/json")[0].startswith("400")
