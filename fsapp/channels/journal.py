"""Work items and open chats kept in the store as they change, and put back after a restart.

:class:`WorkJournal` listens to the work desk (an item added, taken, closed) and is the chat book's journal
(a chat opened, taken, a message said). Each change is written before it is shown: the store's methods run on
its lane, so the greenlet waits and the hub serves calls meanwhile; a write the store refuses fails the
request that made it, and nothing is shown that was not kept. :func:`restore_work` reads it all back when the
controller starts: waiting items in their queues in order of arrival, held items and chats on their
operators' desks, each chat with every message, under the id the citizen's page holds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fsapp.channels.chat import Chat, ChatBook, ChatMessage
from fsapp.channels.workdesk import KINDS, WorkDesk, WorkItem
from fsapp.store import Store

log = logging.getLogger(__name__)


class WorkJournal:
    """Keeps the desk's items and the book's chats in ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def attach(self, desk: WorkDesk, chats: ChatBook) -> None:
        desk.keeper = self.item_changed
        chats.journal = self

    def item_changed(self, item: WorkItem, what: str) -> None:
        if what == "closed":
            self.store.drop_work_item(item.id)
        else:
            self.store.save_work_item({**item.as_dict(), "number": item.number})

    def opened(self, chat: Chat) -> None:
        self.store.save_chat(_chat_record(chat))

    def taken(self, chat: Chat) -> None:
        self.store.save_chat(_chat_record(chat))

    def said(self, chat: Chat, message: ChatMessage) -> None:
        self.store.add_chat_line(chat.id, message.seq, message.at, message.author, message.text, message.agent)


def _chat_record(chat: Chat) -> dict[str, object]:
    return {"id": chat.id, "item_id": chat.item_id, "queue": chat.queue, "started_at": chat.started_at,
            "name": chat.name, "phone": chat.phone, "email": chat.email, "language": chat.language,
            "agent": chat.agent}


def restore_work(store: Store, desk: WorkDesk, chats: ChatBook, queue_for: Callable[[str], str]) -> int:
    """Put the kept items and chats back; ``queue_for(kind)`` names the queue for an item whose queue the ACD
    no longer has. An operator the ACD no longer has gives the item back to its queue. Returns how many."""
    kept_chats = {chat["item_id"]: chat for chat in store.open_chats()}
    restored = 0
    for record in store.work_items():
        if record["kind"] not in KINDS:
            log.error("work item %s of unknown kind %r left in the store", record["id"], record["kind"])
            continue
        item = _item(record, desk, queue_for)
        chat_record = kept_chats.pop(item.id, None)
        if item.kind == "chat" and chat_record is None:
            log.warning("chat %s has no messages kept: it is closed", item.id)
            store.drop_work_item(item.id)
            continue
        desk.restore(item)
        if chat_record is not None:
            chats.restore(_chat(chat_record, item.id, item.queue, item.agent))
        restored += 1
    for orphan in kept_chats.values():
        log.warning("chat %s has no work item kept: it is closed, its messages kept as a contact", orphan["item_id"])
        chat = _chat(orphan, orphan["item_id"], orphan["queue"], orphan["agent"])
        store.record_interaction("chat", "in", address=chat.email or chat.phone, agent=chat.agent,
                                 subject="Web chat (restart)", body=chat.transcript(), transcript=chat.transcript())
        store.drop_work_item(orphan["item_id"])
    if restored:
        log.info("%d work items back on the desk after a restart", restored)
    return restored


def _item(record: dict[str, Any], desk: WorkDesk, queue_for: Callable[[str], str]) -> WorkItem:
    kind, queue, agent = str(record["kind"]), str(record["queue"]), record["agent"]
    if queue not in desk.router.queues:
        queue = queue_for(kind)
        log.warning("work item %s: queue %s is gone, it waits in %s", record["id"], record["queue"], queue)
    if agent is not None and agent not in desk.router.agents:
        log.warning("work item %s: agent %s is gone, it waits again", record["id"], agent)
        agent = None
    return WorkItem(id=str(record["id"]), kind=kind, queue=queue, arrived_at=float(record["arrived_at"]),
                    summary=str(record["summary"]), address=str(record["address"]),
                    interaction_id=record["interaction_id"], language=str(record["language"]),
                    agent=str(agent) if agent else None, accepted_at=record["accepted_at"] if agent else None,
                    number=int(record["number"]))


def _chat(record: dict[str, Any], item_id: str, queue: str, agent: str | None) -> Chat:
    messages = [ChatMessage(int(m["seq"]), float(m["at"]), str(m["author"]), str(m["text"]),
                            m["agent"]) for m in record["messages"]]
    return Chat(id=str(record["id"]), item_id=item_id, queue=queue, started_at=float(record["started_at"]),
                last_seen=0.0, last_activity=0.0, name=str(record["name"]), phone=str(record["phone"]),
                email=str(record["email"]), language=str(record["language"]), agent=agent, messages=messages)
