"""Chats as kept in memory: texts cleaned and bounded, citizens who leave, chats that go quiet."""

from __future__ import annotations

import pytest

from fsapp.channels.chat import GONE_AFTER, ChatBook, ChatError, clean_text
from fsapp.channels.conversations import visitor_from


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_texts_are_cleaned_and_bounded() -> None:
    assert clean_text("  hi\u202ethere\x00 \r\nyou ", 50) == "hithere \nyou"
    for bad in ("", "   ", "\x00\x01", 42, None, "x" * 51):
        with pytest.raises(ChatError):
            clean_text(bad, 50)


def test_a_visitor_is_checked_field_by_field() -> None:
    visitor = visitor_from({"name": "<b>Kari</b>", "phone": "912 34 567", "email": "Kari@Example.no",
                            "language": "en"}, "NO", ["nb", "en"])
    assert (visitor.name, visitor.phone, visitor.email, visitor.language) == ("bKari/b", "+4791234567",
                                                                             "kari@example.no", "en")
    assert visitor_from({"language": "xx"}, "NO", ["nb"]).language == ""
    for bad in ({"phone": "12"}, {"email": "kari at example"}, {"name": ["x"]}):
        with pytest.raises(ChatError):
            visitor_from(bad, "NO", [])


def test_citizens_who_leave_and_chats_that_go_quiet_are_ended() -> None:
    clock = Clock()
    book = ChatBook(clock, idle_timeout=300, max_open=2)
    waiting = book.open("chat-1", "roads", "hello")
    talking = book.open("chat-2", "roads", "hi")
    with pytest.raises(ChatError, match="too many"):
        book.open("chat-3", "roads", "me too")
    book.taken(talking, "ingrid", "Ingrid")
    clock.now += GONE_AFTER + 1
    assert book.expired() == [(waiting.id, "gone")]   # a taken chat may be read without the page asking
    for _ in range(6):   # both pages keep asking; nobody writes
        clock.now += GONE_AFTER - 1
        book.seen(waiting.id), book.seen(talking.id)
    assert book.expired() == [(talking.id, "idle")]      # the waiting one keeps its place
    ended = book.end(talking.id, "idle")
    assert ended.closed_by == "idle" and "[system] Ingrid has joined the chat" in ended.transcript()
    with pytest.raises(ChatError):
        book.citizen_says(talking.id, "anyone?")
