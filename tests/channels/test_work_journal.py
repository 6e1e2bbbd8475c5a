"""Work items and chats kept in the store as they change and put back after a restart: order in line, held
items on their operators, every message under the chat's id; a store that refuses a write loses nothing shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from fsapp.acd.loader import load_acd_config
from fsapp.acd.router import Router
from fsapp.channels.chat import ChatBook
from fsapp.channels.conversations import Conversations, Visitor
from fsapp.channels.journal import WorkJournal, restore_work
from fsapp.channels.workdesk import WorkDesk
from fsapp.store import Store, open_store
from fsapp.store.errors import StoreError
from fsapp.store.lanes import in_store
from fsapp.store.models import WorkItemRow

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script>\u202e'; DROP TABLE work_item; --"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def build(store: Store, clock: Clock) -> Conversations:
    router = Router(load_acd_config(ROOT / "conf" / "acd.yaml"), clock)
    for agent in ("ingrid", "ola"):
        router.agent_login(agent)
    desk, chats = WorkDesk(router, clock, max_per_agent=3), ChatBook(clock)
    WorkJournal(store).attach(desk, chats)
    return Conversations(desk, chats, store)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'fsapp.db'}", files_dir=tmp_path / "files")


def restarted(store: Store, clock: Clock) -> Conversations:
    again = build(store, clock)
    restore_work(store, again.desk, again.chats, lambda kind: "roads")
    return again


def test_items_and_chats_come_back_in_order_with_every_message(store: Store) -> None:
    clock = Clock()
    before = build(store, clock)
    first = before.open_chat("roads", Visitor(name=HOSTILE, email="kari@example.no"), f"First {HOSTILE}")
    mail = before.desk.add("email", "roads", summary="A mail", address="per@example.no")
    second = before.open_chat("roads", Visitor(), "Second")
    taken_id = before.chats.get(first["id"]).item_id
    before.accept(taken_id, "ingrid")
    before.send(taken_id, "ingrid", "Hello")
    before.citizen_says(first["id"], "Thanks")

    after = restarted(store, clock)
    assert [i.id for i in after.desk.waiting("roads")] == [mail.id, before.chats.get(second["id"]).item_id]
    assert [i.id for i in after.desk.held_by("ingrid")] == [taken_id]
    view = after.chat_view(first["id"], 0)
    assert view["state"] == "talking"
    said = before.chats.get(first["id"]).messages
    assert [m["text"] for m in view["messages"]] == [m.text for m in said] and len(said) == 4
    assert said[0].text == "First <script>alert(1)</script>'; DROP TABLE work_item; --"   # control characters out
    assert after.chats.get(first["id"]).name == before.chats.get(first["id"]).name
    assert after.chat_view(second["id"], 0)["position"] == 2
    newer = after.desk.add("sms", "roads", summary="later")
    assert newer.id not in {mail.id, taken_id} and int(newer.id.rsplit("-", 1)[1]) > mail.number


def test_a_closed_chat_is_kept_as_a_contact_and_gone_from_the_store(store: Store) -> None:
    clock = Clock()
    before = build(store, clock)
    opened = before.open_chat("roads", Visitor(), "Bye soon")
    before.end_chat(opened["id"], "citizen")
    assert store.work_items() == [] and store.open_chats() == []
    assert restarted(store, clock).desk.items == {}
    assert [c["channel"] for c in store.interactions(limit=5)] == ["chat"]


def test_a_gone_queue_or_agent_puts_the_item_back_in_line(store: Store) -> None:
    clock = Clock()
    before = build(store, clock)
    item = before.desk.add("email", "roads", summary="Lost?")
    before.accept(item.id, "ola")
    store.save_work_item({**item.as_dict(), "number": item.number, "queue": "no-such-queue", "agent": "nobody"})
    after = restarted(store, clock)
    back = after.desk.item(item.id)
    assert (back.queue, back.agent) == ("roads", None) and after.desk.position(item.id) == 1


def test_a_chat_whose_item_was_lost_is_kept_as_a_contact(store: Store) -> None:
    clock = Clock()
    before = build(store, clock)
    opened = before.open_chat("roads", Visitor(email="kari@example.no"), "Orphan words")
    in_store(store.db, lambda: WorkItemRow.delete().execute())
    after = restarted(store, clock)
    assert after.chats.chats == {} and store.open_chats() == []
    [kept] = store.interactions(limit=5)
    assert "Orphan words" in kept["body"] and kept["address"] == "kari@example.no"
    assert opened["id"] not in after.chats.chats


def test_a_message_the_store_refuses_is_not_shown(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    before = build(store, clock)
    opened = before.open_chat("roads", Visitor(), "Hi")

    def refuse(*args: object, **kwargs: object) -> None:
        raise StoreError("the disk is full")

    monkeypatch.setattr(store, "add_chat_line", refuse)
    with pytest.raises(StoreError):
        before.citizen_says(opened["id"], "Lost?")
    assert [m.text for m in before.chats.get(opened["id"]).messages] == ["Hi"]
    monkeypatch.setattr(store, "save_work_item", refuse)
    with pytest.raises(StoreError):
        before.open_chat("roads", Visitor(), "Not kept")
    assert len(before.desk.items) == 1 and len(before.chats.chats) == 1


def test_operators_see_a_chat_only_once_it_and_its_first_message_are_kept(store: Store,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    conversations = build(store, clock)
    seen_while_keeping: list[list[str]] = []
    keep_line = store.add_chat_line

    def watching(*args: object, **kwargs: object) -> None:
        seen_while_keeping.append([item.id for item in conversations.desk.offered("ingrid")])   # the hub may serve
        keep_line(*args, **kwargs)                                                               # a page meanwhile

    monkeypatch.setattr(store, "add_chat_line", watching)
    opened = conversations.open_chat("roads", Visitor(), "Hello")
    assert seen_while_keeping == [[]]
    item_id = conversations.chats.get(opened["id"]).item_id
    assert [item.id for item in conversations.desk.offered("ingrid")] == [item_id]
