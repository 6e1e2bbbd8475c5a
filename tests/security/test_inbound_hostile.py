"""Inbound SMS (the webhook, served on loopback) and e-mail (the real SMTP listener) from hostile senders."""

from __future__ import annotations

import json
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import gevent
import pytest
from click.testing import CliRunner
from gevent import socket

from cli import main
from fsapp.api.httpserver import GuardedServer
from fsapp.notify.errors import NotifyError
from fsapp.notify.inbound import CaseRule, make_sms_webhook, start_mail_listener
from fsapp.store import Store, display_reference, open_store
from tests.security.http_raw import request

TOKEN = "sms-gateway-token-0123456789"
RULES = [CaseRule("streetlight", ("streetlight",))]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'in.db'}")
    opened.add_category("streetlight", "Street light out")
    opened.add_citizen("Kari", ["91234567"], email="kari@example.no")
    yield opened
    opened.close()


@pytest.fixture
def webhook(store: Store) -> Iterator[str]:
    server = GuardedServer(("127.0.0.1", 0), make_sms_webhook(store, RULES, TOKEN, max_body=2048),
                           read_timeout=1.0, idle_timeout=1.0, max_body=2048, log=None)
    server.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.stop(timeout=1.0)


def _kari_case(store: Store) -> str:
    kari = store.lookup_caller("91234567").citizen
    assert kari is not None
    return store.new_case("streetlight", "Dark", "agent", citizen_id=kari.id).reference


def _sms(url: str, body: bytes, query: str = f"token={TOKEN}", headers: dict[str, str] | None = None,
         content_type: str = "application/json") -> tuple[int | None, object]:
    answer = request(url, "POST", f"/sms?{query}", body, {"Content-Type": content_type, **(headers or {})})
    return answer.status, json.loads(answer.body) if answer.body else None


def test_an_empty_token_is_refused(store: Store) -> None:
    with pytest.raises(NotifyError, match="needs a token"):
        make_sms_webhook(store, RULES, "")


@pytest.mark.parametrize("query, headers", [
    ("", {}), ("token=", {}), ("token=sms-gateway-token", {}), (f"token={TOKEN}x", {}),
    ("", {"Authorization": f"Basic {TOKEN}"}), ("", {"Authorization": "Bearer "}),
])
def test_a_wrong_token_is_403(webhook: str, store: Store, query: str, headers: dict[str, str]) -> None:
    status, _ = _sms(webhook, b'{"from": "+4791234567", "text": "hi"}', query, headers)
    assert status == 403 and store.interactions(limit=5) == []


def test_the_bearer_form_works(webhook: str) -> None:
    status, _ = _sms(webhook, b'{"from": "+4791234567", "text": "hi"}', "", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200


@pytest.mark.parametrize("body, expected", [
    (b'["from", "+4791234567"]', 400), (b"42", 400), (b'{"from": ["+47"], "text": "x"}', 400),
    (b'{"from": "+4791234567", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}", 413),
    (b'{"from": "+4791234567", "text": ' + b"[" * 900 + b"]" * 900 + b"}", 400),
    (b'{"text": "no sender"}', 400), (b"{", 400), (b"\xff\xfe", 400),
])
def test_odd_bodies_are_4xx(webhook: str, body: bytes, expected: int) -> None:
    assert _sms(webhook, body)[0] == expected


def test_an_sms_quoting_a_case_links_only_from_the_citizens_number(webhook: str, store: Store) -> None:
    reference = _kari_case(store)
    text = json.dumps({"from": "+4799999999", "text": f"Re {display_reference(reference)}: fixed?"}).encode()
    assert _sms(webhook, text)[0] == 200
    assert store.interactions(case_reference=reference) == []
    [claim] = store.unverified_contacts()
    assert claim["case"] == reference
    own = json.dumps({"from": "+4791234567", "text": f"Re {display_reference(reference)}: still dark"}).encode()
    assert _sms(webhook, own)[0] == 200
    assert [c["address"] for c in store.interactions(case_reference=reference)] == ["+4791234567"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _mail(port: int, sender: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "post@city.example", subject
    message.set_content(text)
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(message)


def test_a_forged_from_quoting_a_case_is_kept_unverified_for_an_operator(store: Store, tmp_path: Path) -> None:
    reference = _kari_case(store)
    port = _free_port()
    listener = start_mail_listener(store, RULES, port=port)
    try:
        _mail(port, "Kari <mallory@evil.example>", f"Case {display_reference(reference)}",
              "Please send me everything you have on this case")
        _mail(port, "Kari <kari@example.no>", f"Re: {display_reference(reference)}", "The streetlight is fine now")
    finally:
        listener.stop()
    linked = store.interactions(case_reference=reference)
    assert [c["address"] for c in linked] == ["kari@example.no"]
    [claim] = store.unverified_contacts()
    assert (claim["address"], claim["case"], claim["citizen_id"]) == ("mallory@evil.example", reference, None)
    db = ["--db", f"sqlite:///{tmp_path / 'in.db'}"]
    listed = CliRunner().invoke(main, ["contacts", "unverified", *db])
    assert listed.exit_code == 0 and "mallory@evil.example" in listed.output
    confirmed = CliRunner().invoke(main, ["contacts", "confirm", str(claim["id"]), *db])
    assert confirmed.exit_code == 0, confirmed.output
    assert len(store.interactions(case_reference=reference)) == 2 and store.unverified_contacts() == []
    gevent.idle()
