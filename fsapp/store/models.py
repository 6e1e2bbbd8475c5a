"""The store's tables as peewee models (the newest schema; :mod:`fsapp.store.migrations` builds it).

Models are bound to a database by :func:`fsapp.store.open_store`; times are aware UTC datetimes.
"""

from __future__ import annotations

import peewee as pw

from fsapp.store.fields import JsonField, UtcDateTimeField


class BaseModel(pw.Model):
    class Meta:
        database = None
        legacy_table_names = False


class Department(BaseModel):
    """A part of the city administration that owns cases (Water, Roads, Taxes)."""

    code = pw.CharField(max_length=40, unique=True)
    name = pw.CharField(max_length=200)
    email = pw.CharField(max_length=200, null=True)


class Category(BaseModel):
    """A kind of request, with its service level, custom fields and Open311 service code."""

    code = pw.CharField(max_length=60, unique=True)
    name = pw.CharField(max_length=200)
    department = pw.ForeignKeyField(Department, null=True, backref="categories", on_delete="SET NULL")
    description = pw.TextField(default="")
    service_level_hours = pw.DoubleField(null=True)
    custom_fields = JsonField(default=list)
    public = pw.BooleanField(default=True)
    keywords = pw.CharField(max_length=400, default="")


class GuideEntry(BaseModel):
    """A standard question and its standard answer for a category (the agents' reference guide)."""

    category = pw.ForeignKeyField(Category, backref="guide", on_delete="CASCADE")
    language = pw.CharField(max_length=10, default="nb")
    question = pw.TextField()
    answer = pw.TextField()
    updated_by = pw.CharField(max_length=100, default="")
    updated_at = UtcDateTimeField()


class Citizen(BaseModel):
    """A resident or business the city talks to."""

    external_id = pw.CharField(max_length=100, null=True, unique=True)
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
    erased_at = UtcDateTimeField(null=True)


class CitizenPhone(BaseModel):
    """One of a citizen's numbers, always E.164 (indexed: the caller lookup goes through here)."""

    citizen = pw.ForeignKeyField(Citizen, backref="phones", on_delete="CASCADE")
    number = pw.CharField(max_length=20, index=True)
    label = pw.CharField(max_length=20, default="")


class Property(BaseModel):
    """An object the city serves: an address, a building or a meter."""

    external_id = pw.CharField(max_length=100, null=True, unique=True)
    kind = pw.CharField(max_length=20, default="address")  # address | building | meter
    address = pw.CharField(max_length=300, default="")
    postcode = pw.CharField(max_length=20, default="")
    city = pw.CharField(max_length=100, default="")
    meter_number = pw.CharField(max_length=60, null=True, index=True)
    latitude = pw.DoubleField(null=True)
    longitude = pw.DoubleField(null=True)


class CitizenProperty(BaseModel):
    """Which citizen is linked to which property, and how (owner, tenant, payer)."""

    citizen = pw.ForeignKeyField(Citizen, backref="property_links", on_delete="CASCADE")
    property = pw.ForeignKeyField(Property, backref="citizen_links", on_delete="CASCADE")
    role = pw.CharField(max_length=20, default="owner")

    class Meta:
        indexes = ((("citizen", "property"), True),)


class ReferenceCounter(BaseModel):
    """The last case sequence number handed out per year."""

    year = pw.IntegerField(primary_key=True)
    last = pw.IntegerField(default=0)


class Case(BaseModel):
    """A request from a citizen the city must handle, with a reference the citizen can quote."""

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
    public = pw.BooleanField(default=False)           # Open311 may list it (see fsapp.store.public)
    public_description = pw.TextField(default="")     # what Open311 shows; never the description above

    class Meta:
        indexes = ((("citizen", "status"), False), (("status", "deadline"), False))


class CaseEvent(BaseModel):
    """One change to a case: what changed, from what to what, by whom and when."""

    case = pw.ForeignKeyField(Case, backref="events", on_delete="CASCADE")
    at = UtcDateTimeField()
    actor = pw.CharField(max_length=100)
    kind = pw.CharField(max_length=20)  # created | status | assigned | note | attachment | fields | anonymized
    old_value = pw.TextField(null=True)
    new_value = pw.TextField(null=True)


class CaseNote(BaseModel):
    """A free-text note on a case."""

    case = pw.ForeignKeyField(Case, backref="notes", on_delete="CASCADE")
    at = UtcDateTimeField()
    author = pw.CharField(max_length=100)
    text = pw.TextField()
    internal = pw.BooleanField(default=True)


class Attachment(BaseModel):
    """A file attached to a case; the bytes live on disk, checked by their SHA-256."""

    case = pw.ForeignKeyField(Case, backref="attachments", on_delete="CASCADE")
    filename = pw.CharField(max_length=255)
    path = pw.CharField(max_length=500)
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=100, default="application/octet-stream")
    added_at = UtcDateTimeField()
    added_by = pw.CharField(max_length=100)


class Call(BaseModel):
    """One phone call, for reports: queue, agent, waiting and talking time, outcome, hangup cause."""

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
    """One channel of a call (the caller, an agent, a transfer target)."""

    call = pw.ForeignKeyField(Call, backref="legs", on_delete="CASCADE")
    leg_uuid = pw.CharField(max_length=64)
    role = pw.CharField(max_length=20)
    number = pw.CharField(max_length=40, default="")
    started_at = UtcDateTimeField()
    ended_at = UtcDateTimeField(null=True)
    hangup_cause = pw.CharField(max_length=60, default="")


class Interaction(BaseModel):
    """One contact on any channel, with or without a case: the object register."""

    at = UtcDateTimeField(index=True)
    channel = pw.CharField(max_length=20)  # phone voicemail callback email sms web walk_in chat social fax
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
    unverified_case = pw.CharField(max_length=20, null=True)   # quoted by a sender not verified for it

    class Meta:
        indexes = ((("citizen", "at"), False),)


class CallbackRequest(BaseModel):
    """A citizen asked to be called back (from the queue, the IVR or the web)."""

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


class AuditEntry(BaseModel):
    """Who read or changed what, and when."""

    at = UtcDateTimeField(index=True)
    actor = pw.CharField(max_length=100)
    action = pw.CharField(max_length=20)  # read | create | update | erase | retention
    entity = pw.CharField(max_length=30)
    entity_id = pw.CharField(max_length=60)
    detail = pw.TextField(default="")


class AwayNote(BaseModel):
    """A member of staff is away (out of office, a course...) until ``until`` (None: until cleared)."""

    agent = pw.CharField(max_length=100, primary_key=True)
    note = pw.CharField(max_length=300, default="")
    until = UtcDateTimeField(null=True)
    set_by = pw.CharField(max_length=100, default="")
    set_at = UtcDateTimeField()


class Open311Key(BaseModel):
    """An application's Open311 API key: only its SHA-256 is kept; revoked keys stay for the record."""

    application = pw.CharField(max_length=100, unique=True)
    key_hash = pw.CharField(max_length=64, unique=True)
    rate_per_minute = pw.IntegerField(default=30)
    created_at = UtcDateTimeField()
    created_by = pw.CharField(max_length=100, default="")
    revoked_at = UtcDateTimeField(null=True)


class Recording(BaseModel):
    """One recorded segment of a call (a queue conversation, a voicemail), its file, and who is on it.

    A call transferred to a second queue has one row per segment (``RECORD_APPEND`` puts them in one file).
    Voicemails are the staff's work list: ``done_at``/``done_by`` say who dealt with a message.
    """

    call_uuid = pw.CharField(max_length=64, index=True)
    kind = pw.CharField(max_length=20, default="call")   # call | voicemail
    file_name = pw.CharField(max_length=200, index=True)
    path = pw.CharField(max_length=500)
    queue = pw.CharField(max_length=60, null=True)
    agent = pw.CharField(max_length=100, null=True)
    caller_number = pw.CharField(max_length=40, default="")
    citizen = pw.ForeignKeyField(Citizen, null=True, backref="recordings", on_delete="SET NULL")
    case = pw.ForeignKeyField(Case, null=True, backref="recordings", on_delete="SET NULL")
    subject = pw.CharField(max_length=300, default="")
    started_at = UtcDateTimeField(index=True)
    ended_at = UtcDateTimeField(null=True)
    duration = pw.DoubleField(default=0.0)
    deleted_at = UtcDateTimeField(null=True)   # the file was removed (retention or erasure)
    done_at = UtcDateTimeField(null=True)
    done_by = pw.CharField(max_length=100, default="")


class DeskUser(BaseModel):
    """A person who signs in to the desk: an operator (bound to an agent), a supervisor or an admin."""

    name = pw.CharField(max_length=100, unique=True)
    role = pw.CharField(max_length=20)
    agent = pw.CharField(max_length=100, null=True)
    password_hash = pw.CharField(max_length=200)   # argon2id, never the password
    language = pw.CharField(max_length=10, default="nb")
    disabled = pw.BooleanField(default=False)
    created_at = UtcDateTimeField()
    created_by = pw.CharField(max_length=100, default="")


class WorkItemRow(BaseModel):
    """A chat, mail, SMS or social message waiting in an ACD queue or held by an operator (gone once closed)."""

    item_id = pw.CharField(max_length=40, primary_key=True)
    number = pw.IntegerField()                    # the counter the id was made from (ids go on after a restart)
    kind = pw.CharField(max_length=10)
    queue = pw.CharField(max_length=100)
    arrived_at = pw.DoubleField()
    summary = pw.CharField(max_length=200, default="")
    address = pw.CharField(max_length=200, default="")
    interaction = pw.ForeignKeyField(Interaction, null=True, on_delete="SET NULL")
    language = pw.CharField(max_length=10, default="")
    agent = pw.CharField(max_length=100, null=True)
    accepted_at = pw.DoubleField(null=True)

    class Meta:
        table_name = "work_item"
        indexes = ((("queue", "arrived_at"), False),)


class OpenChat(BaseModel):
    """A web chat not ended yet (its transcript becomes a contact when it ends, and the row goes)."""

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


class ChatLine(BaseModel):
    """One message of an open chat."""

    chat = pw.ForeignKeyField(OpenChat, backref="lines", on_delete="CASCADE", column_name="chat_id")
    seq = pw.IntegerField()
    at = pw.DoubleField()
    author = pw.CharField(max_length=10)   # citizen | operator | system
    text = pw.TextField()
    agent = pw.CharField(max_length=100, null=True)

    class Meta:
        indexes = ((("chat", "seq"), True),)


class ContactFile(BaseModel):
    """A file kept with a contact: an inbound mail's attachment or original message, a fax as PDF or TIFF
    (``kind``)."""

    interaction = pw.ForeignKeyField(Interaction, backref="files", on_delete="CASCADE")
    kind = pw.CharField(max_length=20, default="attachment")   # attachment | original | fax
    filename = pw.CharField(max_length=200)                   # as the sender named it, cleaned (shown only)
    path = pw.CharField(max_length=500)                       # a name fsapp made, under the store's files
    sha256 = pw.CharField(max_length=64)
    size = pw.BigIntegerField()
    content_type = pw.CharField(max_length=100, default="application/octet-stream")
    pages = pw.IntegerField(null=True)                         # a fax's pages
    added_at = UtcDateTimeField()


ALL_MODELS: list[type[BaseModel]] = [
    Department, Category, GuideEntry, Citizen, CitizenPhone, Property, CitizenProperty, ReferenceCounter,
    Case, CaseEvent, CaseNote, Attachment, Call, CallLeg, Interaction, CallbackRequest, AuditEntry, AwayNote,
    Open311Key, Recording, DeskUser, WorkItemRow, OpenChat, ChatLine, ContactFile,
]


class AcdMember(BaseModel):
    """A caller waiting in an ACD queue (or a callback holding a place), at ``position`` in line order."""

    call_uuid = pw.CharField(max_length=64, primary_key=True)
    position = pw.IntegerField()
    queue = pw.CharField(max_length=100)
    priority = pw.IntegerField(default=0)
    arrived_at = pw.DoubleField()
    queue_entered_at = pw.DoubleField()
    data = JsonField()   # the router's whole record of the member (skills, caller, offers, trace)

    class Meta:
        indexes = ((("queue", "position"), False),)


class AcdAgent(BaseModel):
    """An agent's ACD state (available, on call, break...) since ``since``."""

    agent_id = pw.CharField(max_length=100, primary_key=True)
    state = pw.CharField(max_length=20)
    since = pw.DoubleField()
    data = JsonField()


class AcdRouterState(BaseModel):
    """The rest of the ACD router's snapshot (sequence counter, queue statistics, calls in progress)."""

    name = pw.CharField(max_length=100, primary_key=True)
    data = JsonField()
    saved_at = UtcDateTimeField()


# Written and read by fsapp.ha.acd_state (bound there), not by the Store's methods.
ACD_STATE_MODELS: list[type[BaseModel]] = [AcdMember, AcdAgent, AcdRouterState]
