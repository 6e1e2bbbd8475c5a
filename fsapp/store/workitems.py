"""Work items, open web chats and the files kept with a contact, so that a restart loses none of them.

The channels' work desk writes each change of an item or a chat here as it happens (every method runs on the
store's lane, off the hub) and reads everything back when the controller starts. Files kept with a contact
(an inbound mail's attachments and its original message, a fax's PDF) are written under the store's files
directory with names fsapp makes (the interaction, a number and the checksum); the sender's name for a file is
only shown.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fsapp.privatefiles import write_atomic
from fsapp.store.base import StoreBase, bound
from fsapp.store.errors import NotFound, StoreError
from fsapp.store.models import ChatLine, ContactFile, Interaction, OpenChat, WorkItemRow

FILE_KINDS = ("attachment", "original", "fax")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")


@dataclass(frozen=True)
class FileToKeep:
    """One file to keep with a contact, as it came (``filename`` as the sender named it)."""

    filename: str
    content_type: str
    data: bytes
    kind: str = "attachment"
    pages: int | None = None   # a fax's


def shown_name(name: str) -> str:
    """A sender's file name fit to show: no path, no control or direction characters, bounded."""
    cleaned = _UNSAFE_NAME.sub("", name.replace("\\", "/").rpartition("/")[2]).strip().lstrip(".")
    return cleaned[:200] or "file"


def stored_name(index: int, digest: str, name: str) -> str:
    """The name fsapp gives a kept file: its number, its checksum and (when plain) the sender's extension."""
    extension = _EXTENSION.search(name)
    return f"{index:02d}-{digest[:16]}" + (f".{extension.group(1).lower()}" if extension else "")


def file_row(row: ContactFile) -> dict[str, Any]:
    return {"id": row.id, "interaction_id": row.interaction_id, "kind": row.kind, "filename": row.filename,
            "path": row.path, "sha256": row.sha256, "size": row.size, "content_type": row.content_type,
            "pages": row.pages, "added_at": row.added_at}


class WorkItemLog(StoreBase):
    """The channels' work items and open chats, and the files of contacts."""

    # -- work items ----------------------------------------------------------------------------------------

    @bound
    def save_work_item(self, item: Mapping[str, Any]) -> None:
        """Keep one work item as it is now (``id``, ``number``, ``kind``, ``queue``, ``arrived_at``...)."""
        values = {"number": int(item["number"]), "kind": str(item["kind"]), "queue": str(item["queue"]),
                  "arrived_at": float(item["arrived_at"]), "summary": str(item.get("summary") or "")[:200],
                  "address": str(item.get("address") or "")[:200], "interaction": item.get("interaction_id"),
                  "language": str(item.get("language") or "")[:10], "agent": item.get("agent"),
                  "accepted_at": item.get("accepted_at")}
        with self.db.atomic():
            if not WorkItemRow.update(**values).where(WorkItemRow.item_id == item["id"]).execute():
                WorkItemRow.insert(item_id=str(item["id"]), **values).execute()

    @bound
    def drop_work_item(self, item_id: str) -> None:
        """The item is closed: it and its chat (if any) are gone."""
        with self.db.atomic():
            WorkItemRow.delete().where(WorkItemRow.item_id == item_id).execute()
            chats = [row.chat_id for row in OpenChat.select(OpenChat.chat_id).where(OpenChat.item_id == item_id)]
            if chats:
                ChatLine.delete().where(ChatLine.chat.in_(chats)).execute()
                OpenChat.delete().where(OpenChat.chat_id.in_(chats)).execute()

    @bound
    def work_items(self) -> list[dict[str, Any]]:
        """Every kept work item, in order of arrival."""
        rows = WorkItemRow.select().order_by(WorkItemRow.arrived_at, WorkItemRow.number)
        return [{"id": r.item_id, "number": r.number, "kind": r.kind, "queue": r.queue, "arrived_at": r.arrived_at,
                 "summary": r.summary, "address": r.address, "interaction_id": r.interaction_id,
                 "language": r.language, "agent": r.agent, "accepted_at": r.accepted_at} for r in rows]

    # -- open chats ----------------------------------------------------------------------------------------

    @bound
    def save_chat(self, chat: Mapping[str, Any]) -> None:
        """Keep an open chat's details (not its messages: :meth:`add_chat_line`)."""
        values = {"item_id": str(chat["item_id"]), "queue": str(chat["queue"]),
                  "started_at": float(chat["started_at"]), "name": str(chat.get("name") or "")[:100],
                  "phone": str(chat.get("phone") or "")[:40], "email": str(chat.get("email") or "")[:200],
                  "language": str(chat.get("language") or "")[:10], "agent": chat.get("agent")}
        with self.db.atomic():
            if not OpenChat.update(**values).where(OpenChat.chat_id == chat["id"]).execute():
                OpenChat.insert(chat_id=str(chat["id"]), data={}, **values).execute()

    @bound
    def add_chat_line(self, chat_id: str, seq: int, at: float, author: str, text: str,
                      agent: str | None = None) -> None:
        """Keep one message of an open chat."""
        if not OpenChat.select().where(OpenChat.chat_id == chat_id).exists():
            raise NotFound(f"no open chat {chat_id[:8]}…")
        ChatLine.insert(chat=chat_id, seq=seq, at=at, author=author, text=text, agent=agent).execute()

    @bound
    def open_chats(self) -> list[dict[str, Any]]:
        """Every open chat with its messages in order."""
        chats = []
        for row in OpenChat.select().order_by(OpenChat.started_at):
            lines = ChatLine.select().where(ChatLine.chat == row.chat_id).order_by(ChatLine.seq)
            chats.append({"id": row.chat_id, "item_id": row.item_id, "queue": row.queue,
                          "started_at": row.started_at, "name": row.name, "phone": row.phone, "email": row.email,
                          "language": row.language, "agent": row.agent,
                          "messages": [{"seq": line.seq, "at": line.at, "author": line.author, "text": line.text,
                                        "agent": line.agent} for line in lines]})
        return chats

    # -- files kept with a contact -------------------------------------------------------------------------

    @bound
    def keep_contact_files(self, interaction_id: int, files: Sequence[FileToKeep]) -> list[dict[str, Any]]:
        """Write each file under the store's files (``contacts/<interaction>/``) and list it with the contact."""
        if not Interaction.select().where(Interaction.id == interaction_id).exists():
            raise NotFound(f"no interaction {interaction_id}")
        folder = self.files_dir / "contacts" / str(int(interaction_id))
        kept = []
        for index, found in enumerate(files, 1):
            if found.kind not in FILE_KINDS:
                raise StoreError(f"unknown file kind {found.kind!r}")
            digest = hashlib.sha256(found.data).hexdigest()
            name = shown_name(found.filename)
            target = write_atomic(folder / stored_name(index, digest, name), found.data)
            row = ContactFile.create(interaction=interaction_id, kind=found.kind, filename=name, path=str(target),
                                     sha256=digest, size=len(found.data), pages=found.pages,
                                     content_type=_content_type(found.content_type), added_at=self.clock())
            kept.append(file_row(row))
        return kept

    @bound
    def keep_contact_file_copy(self, interaction_id: int, source: str | Path, filename: str, *, kind: str,
                               content_type: str, pages: int | None = None) -> dict[str, Any]:
        """:meth:`keep_contact_files` for one file already on disk (a received fax's PDF), read on this lane."""
        data = Path(source).read_bytes()
        return self.keep_contact_files(interaction_id, [FileToKeep(filename, content_type, data, kind, pages)])[0]

    @bound
    def contact_files(self, interaction_id: int) -> list[dict[str, Any]]:
        """The files kept with a contact, in the order they came."""
        rows = ContactFile.select().where(ContactFile.interaction == interaction_id).order_by(ContactFile.id)
        return [file_row(row) for row in rows]

    @bound
    def contact_file(self, file_id: int) -> dict[str, Any]:
        row = ContactFile.get_or_none(ContactFile.id == file_id)
        if row is None:
            raise NotFound(f"no file {file_id}")
        return file_row(row)


    @bound
    def read_contact_file(self, file_id: int) -> bytes:
        """The bytes of a kept file (StoreError when the file on disk no longer has its checksum)."""
        row = ContactFile.get_or_none(ContactFile.id == file_id)
        if row is None:
            raise NotFound(f"no file {file_id}")
        try:
            data = Path(row.path).read_bytes()
        except OSError as exc:
            raise NotFound(f"file {file_id} is no longer on disk") from exc
        if hashlib.sha256(data).hexdigest() != row.sha256:
            raise StoreError(f"file {file_id} was changed on disk (checksum)")
        return data


def _content_type(text: str) -> str:
    return text if re.fullmatch(r"[a-z0-9.+\-]{1,40}/[a-z0-9.+\-]{1,50}", text or "") else "application/octet-stream"
