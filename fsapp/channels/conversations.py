"""What citizens and operators do with chats and other work items (runs on the hub; store work on lanes).

Citizens: open a chat, write, read what is new with their place in line, leave; out of hours, leave a
message or ask for a callback. Operators: list what they may take, accept, read, answer (a chat message, or
a reply by e-mail or SMS), close (the transcript or message linked to a case when they name one).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from fsapp.acd.router import Router
from fsapp.channels.chat import CITIZEN, Chat, ChatBook, ChatError, clean_text
from fsapp.channels.workdesk import WorkDesk, WorkError, WorkItem
from fsapp.notify.errors import NotifyError
from fsapp.phones import normalize_phone
from fsapp.store import InvalidReference, Store, parse_reference

log = logging.getLogger(__name__)

_EMAIL = re.compile(r"[^@\s<>\"',;:]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}")
NAME_LIMIT = 80


@dataclass(frozen=True)
class Visitor:
    """Who a citizen says they are (all optional: a chat is anonymous unless they give a number or address)."""

    name: str = ""
    phone: str = ""        # E.164
    email: str = ""
    language: str = ""

    @property
    def address(self) -> str:
        return self.email or self.phone


def visitor_from(fields: dict[str, Any], region: str, languages: list[str]) -> Visitor:
    """A :class:`Visitor` from a browser's fields, each checked; ChatError names the bad one."""
    def text(key: str) -> str:
        value = fields.get(key) or ""
        if not isinstance(value, str):
            raise ChatError(f"{key} must be a string")
        return value.strip()

    name = re.sub(r"[\x00-\x1f\x7f<>]", "", text("name"))[:NAME_LIMIT]
    phone = ""
    if text("phone"):
        phone = normalize_phone(text("phone")[:40], region) or ""
        if not phone:
            raise ChatError("phone is not a phone number")
    email = text("email")[:200]
    if email and not _EMAIL.fullmatch(email):
        raise ChatError("email is not an e-mail address")
    language = text("language")[:10]
    if language and language not in languages:
        language = ""
    return Visitor(name, phone, email.lower(), language)


class Conversations:
    """Chats and work items of one controller."""

    def __init__(self, desk: WorkDesk, chats: ChatBook, store: Store, *, mailer: Any = None, sms: Any = None,
                 agent_name: Callable[[str], str] | None = None) -> None:
        self.desk, self.chats, self.store, self.mailer, self.sms = desk, chats, store, mailer, sms
        self.agent_name = agent_name or (lambda agent: "An operator")

    @property
    def router(self) -> Router:
        return self.desk.router

    # -- citizens ----------------------------------------------------------------------------------------

    def open_chat(self, queue: str, visitor: Visitor, text: object) -> dict[str, Any]:
        """A new chat waiting in ``queue``; returns what the page needs (its id, place in line, wait)."""
        first = clean_text(text, self.chats.max_message)
        if len(self.chats.chats) >= self.chats.max_open:
            raise ChatError("too many chats open; try again later")
        opened: list[Chat] = []

        def open_its_chat(item: WorkItem) -> None:   # before operators see the item
            opened.append(self.chats.open(item.id, queue, first, name=visitor.name, phone=visitor.phone,
                                          email=visitor.email, language=visitor.language))

        item = self.desk.add("chat", queue, summary=first[:120], address=visitor.address, language=visitor.language,
                             opening=open_its_chat)
        chat = opened[0]
        log.info("chat %s opened in %s (%s)", item.id, queue, "anonymous" if not visitor.address else "identified")
        return {"id": chat.id, **self.chat_view(chat.id, 0)}

    def chat_view(self, chat_id: str, after: int) -> dict[str, Any]:
        """What is new in a chat since message ``after``, its state and, while waiting, place and wait."""
        chat = self.chats.seen(chat_id)
        waiting = chat.agent is None
        wait = self.desk.estimated_wait(chat.item_id) if waiting else None
        return {"state": chat.state, "messages": [m.as_dict() for m in self.chats.since(chat, after)],
                "position": self.desk.position(chat.item_id) if waiting else None,
                "wait": None if wait is None else round(wait),
                "operator": self.agent_name(chat.agent) if chat.agent else None}

    def citizen_says(self, chat_id: str, text: object) -> dict[str, Any]:
        message = self.chats.citizen_says(chat_id, text)
        return {"seq": message.seq}

    def end_chat(self, chat_id: str, by: str, case_reference: str | None = None) -> int:
        """End a chat: it leaves the desk, and its transcript becomes a contact (on the case, if named)."""
        chat = self.chats.get(chat_id)
        chat.closed_by = by
        try:
            interaction = self._keep_transcript(chat, case_reference)   # kept before the chat goes
        except Exception:
            chat.closed_by = None
            raise
        self.chats.end(chat_id, by)
        try:
            self.desk.close(chat.item_id)
        except WorkError:
            pass   # already closed
        log.info("chat %s ended (%s): contact %d", chat.item_id, by, interaction)
        return interaction

    def leave_message(self, queue: str, visitor: Visitor, text: object, callback: bool) -> dict[str, Any]:
        """Out of hours: the message becomes a contact; with ``callback`` and a phone number, a callback."""
        body = clean_text(text, self.chats.max_message)
        if callback and not visitor.phone:
            raise ChatError("a callback needs a phone number")
        interaction = self.store.record_interaction("chat", "in", address=visitor.address,
                                                    subject="Message left out of hours", body=body)
        answer: dict[str, Any] = {"interaction": interaction}
        if callback:
            answer["callback"] = self.store.add_callback_request(visitor.phone, queue=queue,
                                                                 reason="web chat out of hours")
        return answer

    # -- operators ---------------------------------------------------------------------------------------

    def work_for(self, agent: str) -> dict[str, Any]:
        """What ``agent`` may take now and what it holds, with its limit."""
        return {"agent": agent, "limit": self.desk.max_per_agent,
                "offered": [self._item_view(i) for i in self.desk.offered(agent)],
                "held": [self._item_view(i) for i in self.desk.held_by(agent)]}

    def accept(self, item_id: str, agent: str) -> dict[str, Any]:
        item = self.desk.accept(item_id, agent)
        chat = self.chats.for_item(item_id)
        if chat is not None:
            self.chats.taken(chat, agent, self.agent_name(agent))
        return self._item_view(item)

    def messages(self, item_id: str, agent: str, after: int = 0) -> list[dict[str, Any]]:
        """A held item's messages: a chat's since ``after``; an e-mail's or SMS's text as one message."""
        item = self._held(item_id, agent)
        chat = self.chats.for_item(item_id)
        if chat is not None:
            return [m.as_dict() for m in self.chats.since(chat, after)]
        if after:
            return []
        return [{"seq": 1, "at": item.arrived_at, "author": CITIZEN, "text": self._contact_text(item)}]

    def send(self, item_id: str, agent: str, text: object) -> dict[str, Any]:
        """Answer a held item: a chat message, or a reply by e-mail or SMS (kept as an outgoing contact)."""
        item = self._held(item_id, agent)
        chat = self.chats.for_item(item_id)
        if chat is not None:
            return {"seq": self.chats.operator_says(chat, agent, text).seq}
        body = clean_text(text, 20000)
        if not item.address:
            raise WorkError("this message has no address to answer")
        try:
            if item.kind == "email" and self.mailer is not None:
                subject = item.summary if item.summary.lower().startswith("re:") else f"Re: {item.summary}"
                self.mailer.send(item.address, subject[:200], body)
            elif item.kind == "sms" and self.sms is not None:
                subject = ""
                self.sms.send(item.address, body)
            else:
                raise WorkError(f"no way to answer a {item.kind} message (not configured)")
        except NotifyError as exc:
            raise WorkError(str(exc)) from exc
        interaction = self.store.record_interaction(item.kind, "out", address=item.address, agent=agent,
                                                    subject=subject, body=body)
        return {"interaction": interaction}

    def close(self, item_id: str, agent: str, case_reference: str | None = None) -> dict[str, Any]:
        """Done with a held item; a chat's transcript (or the message) is linked to ``case_reference``."""
        item = self._held(item_id, agent)
        reference = _reference(case_reference)
        chat = self.chats.for_item(item_id)
        if chat is not None:
            return {"id": item_id, "interaction": self.end_chat(chat.id, "operator", reference)}
        self.desk.close(item_id)
        if reference and item.interaction_id is not None:
            self.store.link_interaction(item.interaction_id, reference)
        return {"id": item_id, "interaction": item.interaction_id}

    # -- internals ---------------------------------------------------------------------------------------

    def _held(self, item_id: str, agent: str) -> WorkItem:
        item = self.desk.item(item_id)
        if item.agent != agent:
            raise WorkError(f"{item_id} is not held by {agent}")
        return item

    def _item_view(self, item: WorkItem) -> dict[str, Any]:
        view = item.as_dict()
        chat = self.chats.for_item(item.id)
        if chat is not None:
            view.update(name=chat.name, messages=len(chat.messages))
        if item.agent is None:
            view["position"] = self.desk.position(item.id)
        return view

    def _contact_text(self, item: WorkItem) -> str:
        found = self.store.interaction(item.interaction_id) if item.interaction_id is not None else None
        return str(found["body"]) if found else item.summary

    def _keep_transcript(self, chat: Chat, case_reference: str | None) -> int:
        return self.store.record_interaction(
            "chat", "in", at=datetime.fromtimestamp(chat.started_at, timezone.utc), address=chat.email or chat.phone,
            case_reference=case_reference, agent=chat.agent, subject=f"Web chat ({chat.closed_by})"[:300],
            body=chat.transcript(), transcript=chat.transcript(),
            ended_at=datetime.fromtimestamp(self.chats.clock(), timezone.utc))


def _reference(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return parse_reference(text)
    except InvalidReference as exc:
        raise ChatError(str(exc)) from exc
