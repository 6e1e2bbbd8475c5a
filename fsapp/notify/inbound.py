"""Inbound e-mail and SMS become contacts, linked to the case they quote or made into a case by a rule.

The decisions are plain functions (:func:`decide`); the SMTP listener (aiosmtpd) and the SMS webhook (WSGI)
are thin edges around :func:`receive`.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from email import message_from_bytes, policy
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller

from fsapp.httpbody import BodyError, abandon_body, parse_json_object, read_body
from fsapp.notify.errors import NotifyError
from fsapp.notify.mailparts import TooManyFiles, mail_content
from fsapp.store import InvalidReference, NotFound, Store, parse_reference
from fsapp.store.workitems import FileToKeep

log = logging.getLogger(__name__)

_REFERENCE = re.compile(r"(?<!\+)\b(\d{2}[- ]?\d{5,}[- ]?\d)\b")   # not a phone number in E.164 (+47...)


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


def find_reference(text: str) -> str | None:
    """The first valid case reference quoted in ``text``, in its stored form (``24000013``); None when none is."""
    for candidate in _REFERENCE.findall(text):
        try:
            return parse_reference(candidate)
        except InvalidReference:
            continue
    return None


def decide(channel: str, text: str, rules: Sequence[CaseRule]) -> Decision:
    """Link to a quoted, valid case reference; else apply the first matching rule; else just keep it."""
    reference = find_reference(text)
    if reference is not None:
        return Decision(case_reference=reference)
    lowered = text.lower()
    for rule in rules:
        if channel in rule.channels and any(k.lower() in lowered for k in rule.keywords):
            return Decision(new_case_category=rule.category)
    return Decision()


def receive(store: Store, rules: Sequence[CaseRule], channel: str, address: str, subject: str,
            body: str, files: Sequence[FileToKeep] = ()) -> int:
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
    if files:
        store.keep_contact_files(interaction, files)
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


Recorder = Callable[..., int]   # (address, subject, body[, files]) -> the contact's id


class InboundMailHandler:
    """aiosmtpd handler: every accepted message becomes a contact.

    Only clients in ``relays`` (addresses or networks; empty: anyone) may hand over mail, only to ``domains``
    (empty: any). The message is recorded by ``record``; with a ``bridge`` (:class:`fsapp.channels.bridge.
    HubBridge`) that runs on the gevent hub and the SMTP conversation waits for it without blocking its loop,
    so ``250`` is said only once the contact is kept."""

    def __init__(self, store: Store, rules: Sequence[CaseRule], domains: Collection[str] = (), *,
                 relays: Collection[str] = (), record: Recorder | None = None, bridge: Any = None,
                 timeout: float = 30.0, max_files: int = 20) -> None:
        self.store, self.rules, self.domains = store, rules, {d.lower() for d in domains}
        self.relays = [ipaddress.ip_network(relay, strict=False) for relay in relays]
        self.record: Recorder = record or (lambda address, subject, body, files=(): receive(
            self.store, self.rules, "email", address, subject, body, files))
        self.max_files = max_files
        self.bridge, self.timeout = bridge, timeout
        self.received: list[int] = []

    def relay_allowed(self, peer: Any) -> bool:
        if not self.relays:
            return True
        try:
            address = ipaddress.ip_address(str(peer[0] if isinstance(peer, (tuple, list)) else peer))
        except ValueError:
            return False
        return any(address in network for network in self.relays)

    async def handle_MAIL(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          mail_options: list[str]) -> str:
        if not self.relay_allowed(session.peer):
            log.info("mail from %s refused: %s is not an allowed relay", address, session.peer)
            return "550 not accepting mail from your address"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if self.domains and address.rpartition("@")[2].lower() not in self.domains:
            return "550 not relaying to that domain"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        message = message_from_bytes(envelope.content, policy=policy.default)
        address, subject = sender_address(message, envelope.mail_from), _subject_of(message)
        try:
            content = mail_content(message, raw, self.max_files)
        except TooManyFiles as exc:
            log.info("mail from %s refused: %s", address, exc)
            return f"552 {exc}"
        body, files = content.text, content.files
        try:
            if self.bridge is None:
                interaction = self.record(address, subject, body, files)
            else:
                future = self.bridge.submit(self.record, address, subject, body, files)
                interaction = await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except Exception:  # the sender keeps the message and tries again later
            log.exception("mail from %s could not be kept", address)
            return "451 could not keep the message now, try again later"
        self.received.append(interaction)
        return "250 Message accepted"


def sender_address(message: Any, envelope_from: str | None) -> str:
    """The sender's bare address from ``From:`` (else the envelope's), lowercased; "" when there is none."""
    try:
        sender = str(message.get("From", "")) or envelope_from or ""
    except (ValueError, TypeError):   # a malformed header
        sender = envelope_from or ""
    found = re.search(r"[^\s<>\"',;:]+@[^\s<>\"',;:]+", sender)
    return found.group(0).lower()[:200] if found else ""


def _subject_of(message: Any) -> str:
    try:
        return " ".join(str(message.get("Subject", "")).split())[:300]
    except (ValueError, TypeError):
        return ""


def start_mail_listener(store: Store, rules: Sequence[CaseRule], host: str = "127.0.0.1", port: int = 8025,
                        domains: Collection[str] = (), *, relays: Collection[str] = (), max_size: int = 1048576,
                        record: Recorder | None = None, bridge: Any = None, max_files: int = 20) -> Controller:
    """Start an SMTP listener in its own thread; call ``.stop()`` on the result to end it."""
    handler = InboundMailHandler(store, rules, domains, relays=relays, record=record, bridge=bridge,
                                 max_files=max_files)
    controller = Controller(handler, hostname=host, port=port, data_size_limit=max_size)
    controller.start()
    return controller


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


SMS_MAX_BODY = 16 * 1024
_STATUS = {400: "400 Bad Request", 403: "403 Forbidden", 405: "405 Method Not Allowed", 408: "408 Request Timeout",
           413: "413 Payload Too Large"}


def make_sms_webhook(store: Store, rules: Sequence[CaseRule], token: str, *, max_body: int = SMS_MAX_BODY,
                     read_timeout: float = 10.0, record: Recorder | None = None) -> WsgiApp:
    """A WSGI app for gateways that POST inbound SMS (form or JSON object ``from``, ``text``; ``?token=`` or
    ``Authorization: Bearer``). An empty ``token`` is refused: the webhook would take anyone's messages.
    ``record(address, subject, body)`` keeps each message (default: :func:`receive`)."""
    if not token:
        raise NotifyError("the inbound SMS webhook needs a token (a long random string shared with the gateway)")
    keep: Recorder = record or (lambda address, subject, body: receive(store, rules, "sms", address, subject, body))

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            status, body = "200 OK", _handle_sms(keep, token, environ, max_body, read_timeout)
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


def _handle_sms(record: Recorder, token: str, environ: dict[str, Any], max_body: int,
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
    if len(sender) > 40 or not re.fullmatch(r"\+?[0-9 ()\-]{3,40}", sender):
        raise _SmsRefused(400, "from must be a phone number")
    return {"interaction": record(sender, "", text)}


class _SmsRefused(Exception):
    """A webhook request answered with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
