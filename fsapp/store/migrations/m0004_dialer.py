"""Migration 4: outbound campaigns (contacts, attempts), the do-not-call list and callback scheduling."""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField

# Frozen copies of the tables at version 4: never edit them, add a migration instead.


class BaseModel(pw.Model):
    class Meta:
        database = None
        legacy_table_names = False


class Campaign(BaseModel):
    name = pw.CharField(max_length=100, unique=True)
    mode = pw.CharField(max_length=20, default="message")
    status = pw.CharField(max_length=20, default="ready")
    settings = JsonField(default=dict)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    started_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True)


class CampaignContact(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="contacts", on_delete="CASCADE")
    row_number = pw.IntegerField(default=0)
    number = pw.CharField(max_length=40)
    name = pw.CharField(max_length=200, default="")
    language = pw.CharField(max_length=10, default="")
    data = JsonField(default=dict)
    status = pw.CharField(max_length=20, default="pending")
    result = pw.CharField(max_length=30, default="")
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UtcDateTimeField(null=True)
    last_cause = pw.CharField(max_length=60, default="")
    answer = JsonField(null=True)
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("campaign", "number"), True), (("campaign", "status", "next_attempt_at"), False))


class CampaignAttempt(BaseModel):
    campaign = pw.ForeignKeyField(Campaign, backref="attempts", on_delete="CASCADE")
    contact = pw.ForeignKeyField(CampaignContact, backref="attempt_rows", on_delete="CASCADE")
    attempt_no = pw.IntegerField()
    call_uuid = pw.CharField(max_length=64, index=True)
    number = pw.CharField(max_length=40)
    state = pw.CharField(max_length=20, default="dialing")
    outcome = pw.CharField(max_length=30, default="")
    hangup_cause = pw.CharField(max_length=60, default="")
    started_at = UtcDateTimeField(index=True)
    answered_at = UtcDateTimeField(null=True)
    ended_at = UtcDateTimeField(null=True)
    answer = pw.CharField(max_length=60, default="")

    class Meta:
        indexes = ((("campaign", "state"), False),)


class DoNotCall(BaseModel):
    number = pw.CharField(max_length=40, primary_key=True)
    reason = pw.CharField(max_length=200, default="")
    added_at = UtcDateTimeField()


class CallbackPlan(BaseModel):
    request_id = pw.IntegerField(primary_key=True)
    owner = pw.CharField(max_length=100, null=True, index=True)
    window_start = UtcDateTimeField(null=True)
    window_end = UtcDateTimeField(null=True)
    max_attempts = pw.IntegerField(default=3)
    next_attempt_at = UtcDateTimeField(null=True)
    queued_since = UtcDateTimeField(null=True)
    last_cause = pw.CharField(max_length=60, default="")
    in_progress = pw.BooleanField(default=False)


TABLES: list[type[BaseModel]] = [Campaign, CampaignContact, CampaignAttempt, DoNotCall, CallbackPlan]


def apply(database: pw.Database) -> None:
    """Create the campaign, contact, attempt, do-not-call and callback-plan tables."""
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES)
