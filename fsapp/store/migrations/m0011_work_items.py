"""Migration 11: work items, open web chats and the files of a contact are rows in the store.

``work_item`` holds every chat, mail, SMS and social message waiting in an ACD queue or held by an operator,
``open_chat`` and ``chat_line`` hold the web chats not ended yet and what was said in them, so a restarted
controller puts them back in their queues and on their operators' desks. ``contact_file`` lists the files kept
with a contact: an inbound mail's attachments and its original message, a fax as PDF (and TIFF) with its pages.

Number 9 is left to another change of the schema; migrations apply in order of their number.
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField

# Frozen copies of the tables at version 11: never edit them, add a migration instead.


class _Interaction(pw.Model):
    class Meta:
        database = None
        table_name = "interaction"


class WorkItem(pw.Model):
    item_id = pw.CharField(max_length=40, primary_key=True)
    number = pw.IntegerField()
    kind = pw.CharField(max_length=10)
    queue = pw.CharField(max_length=100)
    arrived_at = pw.DoubleField()
    summary = pw.CharField(max_length=200, default="")
    address = pw.CharField(max_length=200, default="")
    interaction = pw.ForeignKeyField(_Interaction, null=True, on_delete="SET NULL")
    language = pw.CharField(max_length=10, default="")
    agent = pw.CharField(max_length=100, null=True)
    accepted_at = pw.DoubleField(null=True)

    class Meta:
        database = None
        table_name = "work_item"
        indexes = ((("queue", "arrived_at"), False),)


class OpenChat(pw.Model):
    chat_id = pw.CharField(max_length=64, primary_key=True)
    item_id = pw.CharField(max_length=40, unique=True)
    queue = pw.CharField(max_length=100)
    started_at = pw.DoubleField()
    name = pw.CharField(max_length=100, default="")
    phone = pw.CharField(max_length=40, default="")
    email = pw.CharField(max_length=200, default="")
    language = pw.CharField(max_length=10, default="")
    agent = pw.CharField(max_length=100, null=True)
    data = JsonField(default=dict)

    class Meta:
        database = None
        table_name = "open_chat"


class ChatLine(pw.Model):
    chat = pw.ForeignKeyField(OpenChat, on_delete="CASCADE", column_name="chat_id")
    seq = pw.IntegerField()
    at = pw.DoubleField()
    author = pw.CharField(max_length=10)
    text = pw.TextField()
    agent = pw.CharField(max_length=100, null=True)

    class Meta:
        database = None
        table_name = "chat_line"
        indexes = ((("chat", "seq"), True),)


class ContactFile(pw.Model):
    interaction = pw.ForeignKeyField(_Interaction, on_delete="CASCADE")
    kind = pw.CharField(max_length=20, default="attachment")
    filename = pw.CharField(max_length=200)
    path = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=100, default="application/octet-stream")
    pages = pw.IntegerField(null=True)
    added_at = UtcDateTimeField()

    class Meta:
        database = None
        table_name = "contact_file"


def apply(database: pw.Database) -> None:
    """Create the work item, open chat, chat line and contact file tables."""
    with database.bind_ctx([_Interaction, WorkItem, OpenChat, ChatLine, ContactFile]):
        database.create_tables([WorkItem, OpenChat, ChatLine, ContactFile])
