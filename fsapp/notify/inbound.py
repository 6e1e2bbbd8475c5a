"""Inbound e-mail and SMS become contacts, linked to the case they quote or made into a case by a rule.

The decisions are plain functions (:func:`decide`); the SMTP listener (aiosmtpd) and the SMS webhook (WSGI)
are thin edges around :func:`receive`.
"""

from __future__ import annotations

import hmac
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

from fsapp.httpbody import BodyError, abandon_body, parse_json_object, read_body
from fsapp.notify.errors import NotifyError
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
    """Record an inbound message (and a case when a rule says so); returns the interaction id.

    A quoted case is linked only when the sender is verified as that case's citizen: the address is the
    citizen's stored e-mail address (or one of their phone numbers, for SMS). Otherwise the message is kept
    unlinked and marked with the case it quotes, for an operator to confirm (``fsapp contacts``).
    """
    decision = decide(channel, f"{subject}\n{body}", rules)
    reference, owner = decision.case_reference, None
    if reference is not None:
        try:
            owner = store.case_status(reference).citizen_id
        except NotFound:
            reference = None
    interaction = store.record_interaction(channel, "in", address=address, subject=subject, body=body)
    if reference is not None:
        sender = store.interaction_citizen(interaction)
        if sender is not None and sender == owner:
            store.link_interaction(interaction, reference)
        else:
            store.mark_unverified(interaction, reference)
            log.info("inbound %s %d quotes case %s but its sender is not that case's citizen: left for an operator",
                     channel, interaction, reference)
        return interaction
    if decision.new_case_category:
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


SMS_MAX_BODY = 16 * 1024
_STATUS = {400: "400 Bad Request", 403: "403 Forbidden", 405: "405 Method Not Allowed", 408: "408 Request Timeout",
           413: "413 Payload Too Large"}


def make_sms_webhook(store: Store, rules: Sequence[CaseRule], token: str, *, max_body: int = SMS_MAX_BODY,
                     read_timeout: float = 10.0) -> WsgiApp:
    """A WSGI app for gateways that POST inbound SMS (form or JSON object ``from``, ``text``; ``?token=`` or
    ``Authorization: Bearer``). An empty ``token`` is refused: the webhook would take anyone's messages."""
    if not token:
        raise NotifyError("the inbound SMS webhook needs a token (a long random string shared with the gateway)")

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            status, body = "200 OK", _handle_sms(store, rules, token, environ, max_body, read_timeout)
        except (BodyError, _SmsRefused) as exc:
            status, body = _STATUS[exc.status], {"error": str(exc)}
        data = json.dumps(body).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    return app


def _token_matches(expected: str, environ: dict[str, Any]) -> bool:
    given = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[-1]
    scheme, _, bearer = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    candidates = [given] + ([bearer.strip()] if scheme.lower() == "bearer" else [])
    wanted = expected.encode("utf-8")
    return any(hmac.compare_digest(wanted, candidate.encode("utf-8")) for candidate in candidates if candidate)


def _handle_sms(store: Store, rules: Sequence[CaseRule], token: str, environ: dict[str, Any], max_body: int,
                read_timeout: float) -> dict[str, Any]:
    if environ.get("REQUEST_METHOD") != "POST":
        abandon_body(environ)
        raise _SmsRefused(405, "POST only")
    if not _token_matches(token, environ):
        abandon_body(environ)
        raise _SmsRefused(403, "bad token")
    raw = read_body(environ, max_body, read_timeout)
    if environ.get("CONTENT_TYPE", "").startswith("application/json"):
        fields = parse_json_object(raw)
    else:
        fields = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
    sender, text = fields.get("from", ""), fields.get("text", "")
    if not isinstance(sender, str) or not isinstance(text, str):
        raise _SmsRefused(400, "from and text must be strings")
    if not sender:
        raise _SmsRefused(400, "from is required")
    return {"interaction": receive(store, rules, "sms", sender, "", text)}


class _SmsRefused(Exception):
    """A webhook request answered with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
