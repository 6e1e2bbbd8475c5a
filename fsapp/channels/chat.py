"""Web chats: who is talking, what was said, and when a chat is over (pure: the clock is injected).

A chat is known to the browser by an unguessable id (its only credential, kept in the page); the operator
sees it as a work item of :class:`fsapp.channels.workdesk.WorkDesk`. Texts are stored as given, bounded and
stripped of control characters; pages show them as text, never as HTML.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from fsapp.errors import FsappError

CITIZEN, OPERATOR, SYSTEM = "citizen", "operator", "system"
GONE_AFTER = 60.0      # seconds a waiting chat's page may stop asking before the citizen counts as gone
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class ChatError(FsappError):
    """A chat request that cannot be done; ``status`` is the HTTP answer."""

    status = 400


class ChatGone(ChatError):
    status = 404


def clean_text(text: object, limit: int) -> str:
    """``text`` as a bounded string without control characters (newlines and tabs kept); ChatError if none."""
    if not isinstance(text, str):
        raise ChatError("text must be a string")
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n")).strip()
    if not cleaned:
        raise ChatError("text is empty")
    if len(cleaned) > limit:
        raise ChatError(f"text longer than {limit} characters")
    return cleaned


@dataclass(frozen=True)
class ChatMessage:
    seq: int
    at: float
    author: str          # citizen | operator | system
    text: str
    agent: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": self.at, "author": self.author, "text": self.text}


@dataclass
class Chat:
    id: str
    item_id: str
    queue: str
    started_at: float
    last_seen: float                  # the citizen's page last asked or wrote
    last_activity: float              # anyone last wrote
    name: str = ""
    phone: str = ""
    email: str = ""
    language: str = ""
    agent: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    closed_by: str | None = None      # citizen | operator | idle | gone

    @property
    def state(self) -> str:
        return "closed" if self.closed_by else "talking" if self.agent else "waiting"

    def transcript(self) -> str:
        lines = [f"[{message.author}{' ' + message.agent if message.agent else ''}] {message.text}"
                 for message in self.messages]
        return "\n".join(lines)


class ChatJournal(Protocol):
    """Where a chat's changes are kept as they happen (the store), so a restart loses none of them."""

    def opened(self, chat: Chat) -> None: ...

    def said(self, chat: Chat, message: ChatMessage) -> None: ...

    def taken(self, chat: Chat) -> None: ...


class ChatBook:
    """Open chats by id and by work item; with a ``journal``, every change is kept before it is made."""

    def __init__(self, clock: Callable[[], float], *, max_open: int = 200, max_message: int = 2000,
                 idle_timeout: float = 900.0, max_messages: int = 500) -> None:
        self.clock = clock
        self.max_open, self.max_message, self.idle_timeout = max_open, max_message, idle_timeout
        self.max_messages = max_messages
        self.chats: dict[str, Chat] = {}
        self.by_item: dict[str, str] = {}
        self.journal: ChatJournal | None = None

    def open(self, item_id: str, queue: str, first_text: str, **who: str) -> Chat:
        """A new chat whose first message is ``first_text``; ChatError when too many are open."""
        if len(self.chats) >= self.max_open:
            raise ChatError("too many chats open; try again later", ) from None
        text = clean_text(first_text, self.max_message)
        now = self.clock()
        chat = Chat(id=secrets.token_urlsafe(18), item_id=item_id, queue=queue, started_at=now, last_seen=now,
                    last_activity=now, **who)
        if self.journal is not None:
            self.journal.opened(chat)
        self._add(chat, CITIZEN, text)
        self.chats[chat.id] = chat
        self.by_item[item_id] = chat.id
        return chat

    def restore(self, chat: Chat) -> None:
        """Put back a chat kept before a restart; its page and its operator get a full idle time to come back."""
        now = self.clock()
        chat.last_seen = chat.last_activity = now
        self.chats[chat.id] = chat
        self.by_item[chat.item_id] = chat.id

    def get(self, chat_id: str) -> Chat:
        chat = self.chats.get(chat_id) if isinstance(chat_id, str) else None
        if chat is None:
            raise ChatGone("no such chat (it may have ended)")
        return chat

    def for_item(self, item_id: str) -> Chat | None:
        chat_id = self.by_item.get(item_id)
        return self.chats.get(chat_id) if chat_id else None

    def seen(self, chat_id: str) -> Chat:
        """The citizen's page asked about its chat."""
        chat = self.get(chat_id)
        chat.last_seen = self.clock()
        return chat

    def citizen_says(self, chat_id: str, text: object) -> ChatMessage:
        chat = self.seen(chat_id)
        return self._add(chat, CITIZEN, clean_text(text, self.max_message))

    def operator_says(self, chat: Chat, agent: str, text: object) -> ChatMessage:
        if chat.agent != agent:
            raise ChatError(f"the chat is not held by {agent}")
        return self._add(chat, OPERATOR, clean_text(text, self.max_message), agent)

    def taken(self, chat: Chat, agent: str, shown_name: str) -> None:
        chat.agent = agent
        if self.journal is not None:
            self.journal.taken(chat)
        self._add(chat, SYSTEM, f"{shown_name} has joined the chat")

    def since(self, chat: Chat, after: int) -> list[ChatMessage]:
        return [message for message in chat.messages if message.seq > after]

    def end(self, chat_id: str, by: str) -> Chat:
        """The chat is over; it leaves the book (the caller keeps its transcript)."""
        chat = self.chats.pop(chat_id, None)
        if chat is None:
            raise ChatGone("no such chat (it may have ended)")
        self.by_item.pop(chat.item_id, None)
        chat.closed_by = by
        return chat

    def expired(self) -> list[tuple[str, str]]:
        """Chats to end now, with why: the citizen's page stopped asking (``gone``), or a taken chat where nobody
        wrote for ``idle_timeout`` (``idle``). A chat waiting for an operator waits as long as its page asks."""
        now = self.clock()
        due = []
        for chat in self.chats.values():
            silent_page = now - chat.last_seen
            if silent_page > GONE_AFTER and (chat.agent is None or silent_page > self.idle_timeout):
                due.append((chat.id, "gone"))
            elif chat.agent is not None and now - chat.last_activity > self.idle_timeout:
                due.append((chat.id, "idle"))
        return due

    def _add(self, chat: Chat, author: str, text: str, agent: str | None = None) -> ChatMessage:
        if len(chat.messages) >= self.max_messages:
            raise ChatError("this chat is too long; please start a new one")
        message = ChatMessage(len(chat.messages) + 1, self.clock(), author, text, agent)
        if self.journal is not None:
            self.journal.said(chat, message)   # kept before it is shown: a message the store refused is not said
        chat.messages.append(message)
        chat.last_activity = message.at
        return message
