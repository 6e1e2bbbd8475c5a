"""Migration 1: the first schema, frozen as it was (later migrations change it; models.py is the newest)."""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField

# Frozen copies of the tables at version 1: never edit them, add a migration instead.


class BaseModel(pw.Model):
    class Meta:
        database = None
        legacy_table_names = False


class Department(BaseModel):

    code = pw.CharField(max_length=40, unique=True)
    name = pw.CharField(max_length=200)
    email = pw.CharField(max_length=200, null=True)


class Category(BaseModel):

    code = pw.CharField(max_length=60, unique=True)
    name = pw.CharField(max_length=200)
    department = pw.ForeignKeyField(Department, null=True, backref="categories", on_delete="SET NULL")
    description = pw.TextField(default="")
    service_level_hours = pw.DoubleField(null=True)
    custom_fields = JsonField(default=list)
    public = pw.BooleanField(default=True)
    keywords = pw.CharField(max_length=400, default="")


class GuideEntry(BaseModel):

    category = pw.ForeignKeyField(Category, backref="guide", on_delete="CASCADE")
    language = pw.CharField(max_length=10, default="nb")
    question = pw.TextField()
    answer = pw.TextField()
    updated_by = pw.CharField(max_length=100, default="")
    updated_at = UtcDateTimeField()


class Citizen(BaseModel):

    name = pw.CharField(max_length=200, default="")
    email = pw.CharField(max_length=200, null=True, index=True)
    address = pw.CharField(max_length=300, default="")
    postcode = pw.CharField(max_length=20, default="")
    city = pw.CharField(max_length=100, default="")
    language = pw.CharField(max_length=10, default="nb")
    preferred_channel = pw.CharField(max_length=10, default="phone")  # phone | sms | email
    consent_sms = pw.BooleanField(default=False)
    consent_email = pw.BooleanField(default=False)
    consent_recording = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    updated_at = UtcDateTimeField()


class CitizenPhone(BaseModel):

    citizen = pw.ForeignKeyField(Citizen, backref="phones", on_delete="CASCADE")
    number = pw.CharField(max_length=20, index=True)
    label = pw.CharField(max_length=20, default="")


class Property(BaseModel):

    external_id = pw.CharField(max_length=100, null=True, unique=True)
    kind = pw.CharField(max_length=20, default="address")  # address | building | meter
    address = pw.CharField(max_length=300, default="")
    postcode = pw.CharField(max_length=20, default="")
    city = pw.CharField(max_length=100, default="")
    meter_number = pw.CharField(max_length=60, null=True, index=True)
    latitude = pw.DoubleField(null=True)
    longitude = pw.DoubleField(null=True)


class CitizenProperty(BaseModel):

    citizen = pw.ForeignKeyField(Citizen, backref="property_links", on_delete="CASCADE")
    property = pw.ForeignKeyField(Property, backref="citizen_links", on_delete="CASCADE")
    role = pw.CharField(max_length=20, default="owner")

    class Meta:
        indexes = ((("citizen", "property"), True),)


class ReferenceCounter(BaseModel):

    year = pw.IntegerField(primary_key=True)
    last = pw.IntegerField(default=0)


class Case(BaseModel):

    reference = pw.CharField(max_length=20, unique=True)
    category = pw.ForeignKeyField(Category, backref="cases")
    department = pw.ForeignKeyField(Department, null=True, backref="cases")
    citizen = pw.ForeignKeyField(Citizen, null=True, backref="cases")
    property = pw.ForeignKeyField(Property, null=True, backref="cases")
    channel = pw.CharField(max_length=20, default="phone")
    description = pw.TextField(default="")
    status = pw.CharField(max_length=20, default="received")
    assignee = pw.CharField(max_length=100, null=True)
    custom_values = JsonField(default=dict)
    address = pw.CharField(max_length=300, default="")
    latitude = pw.DoubleField(null=True)
    longitude = pw.DoubleField(null=True)
    received_at = UtcDateTimeField(index=True)
    deadline = UtcDateTimeField(null=True)
    updated_at = UtcDateTimeField()
    closed_at = UtcDateTimeField(null=True)

    class Meta:
        indexes = ((("citizen", "status"), False), (("status", "deadline"), False))


class CaseEvent(BaseModel):

    case = pw.ForeignKeyField(Case, backref="events", on_delete="CASCADE")
    at = UtcDateTimeField()
    actor = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=20)  # created | status | assigned | note | attachment | fields | anonymized
    old_value = pw.TextField(null=True)
    new_value = pw.TextField(null=True)


class CaseNote(BaseModel):

    case = pw.ForeignKeyField(Case, backref="notes", on_delete="CASCADE")
    at = UtcDateTimeField()
    author = pw.CharField(max_length=100)
    text = pw.TextField()
    internal = pw.BooleanField(default=True)


class Attachment(BaseModel):

    case = pw.ForeignKeyField(Case, backref="attachments", on_delete="CASCADE")
    filename = pw.CharField(max_length=255)
    path = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=100, default="application/octet-stream")
    added_at = UtcDateTimeField()
    added_by = pw.CharField(max_length=100)


class Call(BaseModel):

    call_uuid = pw.CharField(max_length=64, unique=True)
    direction = pw.CharField(max_length=10)  # inbound | outbound
    caller_number = pw.CharField(max_length=40, default="")
    called_number = pw.CharField(max_length=40, default="")
    citizen = pw.ForeignKeyField(Citizen, null=True, backref="calls", on_delete="SET NULL")
    started_at = UtcDateTimeField(index=True)
    answered_at = UtcDateTimeField(null=True)
    ended_at = UtcDateTimeField(null=True)
    queue = pw.CharField(max_length=60, null=True)
    agent = pw.CharField(max_length=100, null=True)
    wait_seconds = pw.DoubleField(default=0.0)
    talk_seconds = pw.DoubleField(default=0.0)
    outcome = pw.CharField(max_length=30, default="")  # answered | abandoned | ivr | voicemail | callback ...
    hangup_cause = pw.CharField(max_length=60, default="")


class CallLeg(BaseModel):

    call = pw.ForeignKeyField(Call, backref="legs", on_delete="CASCADE")
    leg_uuid = pw.CharField(max_length=64)
    role = pw.CharField(max_length=20)
    number = pw.CharField(max_length=40, default="")
    started_at = UtcDateTimeField()
    ended_at = UtcDateTimeField(null=True)
    hangup_cause = pw.CharField(max_length=60, default="")


class Interaction(BaseModel):

    at = UtcDateTimeField(index=True)
    channel = pw.CharField(max_length=20)  # phone | voicemail | callback | email | sms | web | walk_in
    direction = pw.CharField(max_length=10)  # in | out
    citizen = pw.ForeignKeyField(Citizen, null=True, backref="interactions", on_delete="SET NULL")
    case = pw.ForeignKeyField(Case, null=True, backref="interactions", on_delete="SET NULL")
    property = pw.ForeignKeyField(Property, null=True, backref="interactions", on_delete="SET NULL")
    call = pw.ForeignKeyField(Call, null=True, backref="interactions", on_delete="SET NULL")
    address = pw.CharField(max_length=200, default="")  # the number or e-mail address used
    agent = pw.CharField(max_length=100, null=True)
    subject = pw.CharField(max_length=300, default="")
    body = pw.TextField(default="")
    recording_path = pw.CharField(max_length=500, null=True)
    transcript = pw.TextField(null=True)
    ivr_path = pw.CharField(max_length=500, default="")
    ended_at = UtcDateTimeField(null=True)

    class Meta:
        indexes = ((("citizen", "at"), False),)


class CallbackRequest(BaseModel):

    number = pw.CharField(max_length=40)
    citizen = pw.ForeignKeyField(Citizen, null=True, backref="callbacks", on_delete="SET NULL")
    case = pw.ForeignKeyField(Case, null=True, backref="callbacks", on_delete="SET NULL")
    queue = pw.CharField(max_length=60, null=True)
    reason = pw.CharField(max_length=40, default="requested")  # requested | case_closed | missed
    requested_at = UtcDateTimeField()
    not_before = UtcDateTimeField(null=True)
    status = pw.CharField(max_length=20, default="pending", index=True)  # pending | done | failed | cancelled
    attempts = pw.IntegerField(default=0)
    completed_at = UtcDateTimeField(null=True)

TABLES: list[type[BaseModel]] = [
    Department, Category, GuideEntry, Citizen, CitizenPhone, Property, CitizenProperty, ReferenceCounter,
    Case, CaseEvent, CaseNote, Attachment, Call, CallLeg, Interaction, CallbackRequest,
]


def apply(database: pw.Database) -> None:
    """Create the version-1 tables."""
    with database.bind_ctx(TABLES):
        database.create_tables(TABLES)
