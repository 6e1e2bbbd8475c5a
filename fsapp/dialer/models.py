"""The dialer's tables (created by store migration 4): campaigns, their contacts and attempts, do-not-call, callback plans.

Contact ``status``: ``pending`` (to be dialed at ``next_attempt_at``), ``in_progress`` (claimed with an
attempt row before the originate is sent), ``done`` (``result`` says why). Attempt ``state``: ``claimed``
(not dialed yet), ``dialing``, ``done``, or ``lost`` (found unfinished when a campaign started again).
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField
from fsapp.store.lanes import register_models


class BaseModel(pw.Model):
    class Meta:
        database = None
        legacy_table_names = False


class Campaign(BaseModel):
    """One outbound campaign; ``settings`` holds its :class:`~fsapp.dialer.settings.CampaignSettings`."""

    name = pw.CharField(max_length=100, unique=True)
    mode = pw.CharField(max_length=20, default="message")  # message | agent | survey
    status = pw.CharField(max_length=20, default="ready")  # ready | running | paused | finished
    settings = JsonField(default=dict)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()
    started_at = UtcDateTimeField(null=True)
    finished_at = UtcDateTimeField(null=True)


class CampaignContact(BaseModel):
    """One number to reach in a campaign."""

    campaign = pw.ForeignKeyField(Campaign, backref="contacts", on_delete="CASCADE")
    row_number = pw.IntegerField(default=0)
    number = pw.CharField(max_length=40)
    name = pw.CharField(max_length=200, default="")
    language = pw.CharField(max_length=10, default="")
    data = JsonField(default=dict)
    status = pw.CharField(max_length=20, default="pending")  # pending | in_progress | done
    result = pw.CharField(max_length=30, default="")  # reached | acknowledged | declined | exhausted | ...
    attempts = pw.IntegerField(default=0)
    next_attempt_at = UtcDateTimeField(null=True)
    last_cause = pw.CharField(max_length=60, default="")
    answer = JsonField(null=True)
    updated_at = UtcDateTimeField()

    class Meta:
        indexes = ((("campaign", "number"), True), (("campaign", "status", "next_attempt_at"), False))


class CampaignAttempt(BaseModel):
    """One dial of one contact, with its outcome and the switch's hangup cause."""

    campaign = pw.ForeignKeyField(Campaign, backref="attempts", on_delete="CASCADE")
    contact = pw.ForeignKeyField(CampaignContact, backref="attempt_rows", on_delete="CASCADE")
    attempt_no = pw.IntegerField()
    call_uuid = pw.CharField(max_length=64, index=True)
    number = pw.CharField(max_length=40)
    state = pw.CharField(max_length=20, default="dialing")  # dialing | done | lost
    outcome = pw.CharField(max_length=30, default="")
    hangup_cause = pw.CharField(max_length=60, default="")
    started_at = UtcDateTimeField(index=True)
    answered_at = UtcDateTimeField(null=True)
    ended_at = UtcDateTimeField(null=True)
    answer = pw.CharField(max_length=60, default="")

    class Meta:
        indexes = ((("campaign", "state"), False),)


class DoNotCall(BaseModel):
    """A number that must never be dialed by a campaign."""

    number = pw.CharField(max_length=40, primary_key=True)
    reason = pw.CharField(max_length=200, default="")
    added_at = UtcDateTimeField()


class CallbackPlan(BaseModel):
    """Scheduling of one ``callback_request``: owner, preferred window, attempts, the caller's queue place."""

    request_id = pw.IntegerField(primary_key=True)
    owner = pw.CharField(max_length=100, null=True, index=True)
    window_start = UtcDateTimeField(null=True)
    window_end = UtcDateTimeField(null=True)
    max_attempts = pw.IntegerField(default=3)
    next_attempt_at = UtcDateTimeField(null=True)
    queued_since = UtcDateTimeField(null=True)
    last_cause = pw.CharField(max_length=60, default="")
    in_progress = pw.BooleanField(default=False)


DIALER_MODELS: list[type[BaseModel]] = [Campaign, CampaignContact, CampaignAttempt, DoNotCall, CallbackPlan]
register_models(DIALER_MODELS)
