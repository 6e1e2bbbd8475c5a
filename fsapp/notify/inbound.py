"""Inbound e-mail and SMS become contacts, linked to the case they quote or made into a case by a rule.

The decisions are plain functions (:func:`decide`); the SMTP listener (aiosmtpd) and the SMS webhook (WSGI)
are thin edges around :func:`receive`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from fsapp.store import InvalidReference, NotFound, Store, parse_reference

log = logging.getLogger(__name__)

_REFERENCE = re.compile(r"\b(\d{2}[- ]?\d{5,}[- ]?\d)\b")


@dataclass(frozen=True)
class CaseRule:
    """Make a case in ``category`` when a message on ``channel`` contains one of ``keywords``."""

    category: str
    keywords: tuple[str, ...]
    channels: tuple[str, ...] = ("email", "sms")


@dataclass(frozen=True)
class Decision:
    """What to do with one inbound message."""

    case_reference: str | None = None  # an existing case the message quotes
    new_case_category: str | None = None  # or: open a case in this category


def decide(channel: str, text: str, rules: Sequence[CaseRule]) -> Decision:
    """Link to a quoted, valid case reference; else apply the first matching rule; else just keep it."""
    for candidate in _REFERENCE.findall(text):
        try:
            return Decision(case_reference=parse_reference(candidate))
        except InvalidReference:
            continue
    lowered = text.lower()
    for rule in rules:
        if channel in rule.channels and any(k.lower() in lowered for k in rule.keywords):
            return Decision(new_case_category=rule.category)
    return Decision()


def receive(store: Store, rules: Sequence[CaseRule], channel: str, address: str, subject: str,
            body: str) -> int:
    """Record an inbound message (and a case when a rule says so); returns the interaction id."""
    decision = decide(channel, f"{subject}\n{body}", rules)
    reference = decision.case_reference
    if reference is not None:
        try:
            store.case_status(reference)
        except NotFound:
            reference = None
    interaction = store.record_interaction(channel, "in", address=address, subject=subject, body=body,
                                           case_reference=reference)
    if reference is None and decision.new_case_category:
        citizen_id = store.interaction_citizen(interaction)
        case = store.new_case(decision.new_case_category, body or subject, f"inbound-{channel}",
                              citizen_id=citizen_id, channel=channel)
        store.link_interaction(interaction, case.reference)
    return interaction


class InboundMailHandler:
    """aiosmtpd handler: every accepted message becomes a contact."""

    def __init__(self, store: Store, rules: Sequence[CaseRule], domains: Collection[str] = ()) -> None:
        self.store, self.rules, self.domains = store, rules, {d.lower() for d in domains}
        self.received: list[int] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if self.domains and address.rpartition("@")[2].lower() not in self.domains:
            return "550 not relaying to that domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        sender = str(message.get("From", "")) or envelope.mail_from
        address = re.search(r"[^\s<>]+@[^\s<>]+", sender)
        self.received.append(receive(self.store, self.rules, "email", address.group(0) if address else sender,
                                     str(message.get("Subject", "")), _text_of(message)))
        return "250 Message accepted"


def _text_of(message: Any) -> str:
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            return str(part.get_content()).strip()
    return ""


def start_mail_listener(store: Store, rules: Sequence[CaseRule], host: str = "127.0.0.1", port: int = 8025,
                        domains: Collection[str] = ()) -> Controller:
    """Start an SMTP listener in its own thread; call ``.stop()`` on the result to end it."""
    controller = Controller(InboundMailHandler(store, rules, domains), hostname=host, port=port)
    controller.start()
    return controller


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def make_sms_webhook(store: Store, rules: Sequence[CaseRule], token: str) -> WsgiApp:
    """A WSGI app for gateways that POST inbound SMS (form or JSON ``from``, ``text``; ``?token=`` or
    ``Authorization: Bearer``)."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        status, body = _handle_sms(store, rules, token, environ)
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def _handle_sms(store: Store, rules: Sequence[CaseRule], token: str,
                environ: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if environ.get("REQUEST_METHOD") != "POST":
        return "405 Method Not Allowed", {"error": "POST only"}
    given = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[-1]
    bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
    if token not in (given, bearer):
        return "403 Forbidden", {"error": "bad token"}
    raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    if environ.get("CONTENT_TYPE", "").startswith("application/json"):
        try:
            fields = json.loads(raw)
        except ValueError:
            return "400 Bad Request", {"error": "body is not JSON"}
    else:
        fields = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    sender, text = str(fields.get("from", "")), str(fields.get("text", ""))
    if not sender:
        return "400 Bad Request", {"error": "from is required"}
    return "200 OK", {"interaction": receive(store, rules, "sms", sender, "", text)}
