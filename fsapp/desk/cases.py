"""From a call to the register: open a case (the category's custom fields, checked by the store), or add the
contact to an open case; assignee, deadline, note; a callback for later; finding or adding the citizen."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from fsapp.api.errors import BadRequest
from fsapp.desk.web import DeskRequest, Reply, json_reply, redirect
from fsapp.store.records import to_jsonable
from fsapp.store.reference import display_reference

if TYPE_CHECKING:
    from fsapp.desk.app import DeskApp

FIELD_PREFIX = "f_"
MAX_DESCRIPTION = 4000
CITIZENS_SHOWN = 10


def case_from_call(desk: DeskApp, request: DeskRequest) -> Reply:
    """``existing`` given: this contact joins that case; else a new case in ``category``. Then assignee,
    deadline and note; the call's contact is linked to the case (now, or when the call is written down)."""
    uuid, form, actor = request.params["uuid"], request.form, request.me.name
    store = desk.ctx.controller.store
    citizen_id = _citizen_id(form.get("citizen_id", ""))
    existing = form.get("existing", "").strip()
    if existing:
        reference = store.case_status(existing).reference
    else:
        category = form.get("category", "").strip()
        if not category:
            raise BadRequest("pick a category")
        values = {key[len(FIELD_PREFIX):]: value for key, value in form.items() if key.startswith(FIELD_PREFIX)}
        description = form.get("description", "").strip()[:MAX_DESCRIPTION]
        reference = store.new_case(category, description, actor, citizen_id=citizen_id, channel="phone",
                                   custom_values=values).reference
    _follow_up(desk, reference, form, actor)
    desk.ctx.controller.desk_cases.setdefault(uuid, reference)
    if store.link_call_contact(uuid, reference):   # the call was written down already (after-call work)
        desk.ctx.controller.desk_cases.pop(uuid, None)
    desk.ctx.audit(actor, "case-from-call", "call", uuid, case=reference)
    shown = display_reference(reference)
    return json_reply({"ok": True, "reference": shown}) if request.wants_json else redirect("/desk")


def _follow_up(desk: DeskApp, reference: str, form: dict[str, str], actor: str) -> None:
    store = desk.ctx.controller.store
    assignee = form.get("assignee", "").strip()[:100]
    if assignee:
        store.assign_case(reference, assignee, actor)
    deadline = form.get("deadline", "").strip()
    if deadline:
        store.set_case_deadline(reference, _end_of_day(desk, deadline), actor)
    note = form.get("note", "").strip()
    if note:
        store.add_note(reference, note[:MAX_DESCRIPTION], actor, internal=True)


def _end_of_day(desk: DeskApp, text: str) -> datetime:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"deadline must be a date (YYYY-MM-DD), not {text[:20]!r}") from None
    if day < desk.ctx.controller.now().date():
        raise BadRequest("the deadline is in the past")
    return datetime.combine(day, time(23, 59), desk.ctx.controller.zone)


def _citizen_id(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        raise BadRequest("citizen_id must be a number")
    return int(text)


def callback_later(desk: DeskApp, request: DeskRequest) -> Reply:
    """Ring the citizen back later (from ``when``, a local date and time; empty: as soon as one is free)."""
    uuid, form = request.params["uuid"], request.form
    controller = desk.ctx.controller
    channel = controller.switch.registry.get(uuid)
    number = form.get("number", "").strip() or (channel.caller_number if channel is not None else "")
    if not number:
        raise BadRequest("give the number to ring")
    queued = controller.acd.calls.get(uuid)
    when = form.get("when", "").strip()
    not_before = None
    if when:
        try:
            not_before = datetime.fromisoformat(when).replace(tzinfo=controller.zone)
        except ValueError:
            raise BadRequest("when must be a date and time") from None
        if not_before > controller.now() + timedelta(days=60):
            raise BadRequest("a callback is at most 60 days ahead")
    request_id = controller.store.add_callback_request(
        number, citizen_id=_citizen_id(form.get("citizen_id", "")), queue=queued.queue if queued else None,
        not_before=not_before)
    desk.ctx.audit(request.me.name, "callback-request", "call", uuid, request=request_id, when=when or None)
    return json_reply({"ok": True, "callback": request_id}) if request.wants_json else redirect("/desk")


def find_citizens(desk: DeskApp, request: DeskRequest) -> Reply:
    text = request.query.get("q", "").strip()[:100]
    if len(text) < 2:
        return json_reply([])
    found = desk.ctx.controller.store.find_citizens(text, CITIZENS_SHOWN)
    desk.ctx.audit(request.me.name, "search", "citizen", "-", text=text, found=len(found))
    return json_reply([_citizen(c) for c in found])


def new_citizen(desk: DeskApp, request: DeskRequest) -> Reply:
    form = request.form
    name = form.get("name", "").strip()[:200]
    if not name:
        raise BadRequest("a citizen needs a name")
    phone = form.get("phone", "").strip()
    citizen = desk.ctx.controller.store.add_citizen(name, [phone] if phone else [], request.me.name,
                                                    address=form.get("address", "").strip()[:300])
    return json_reply(_citizen(citizen), 201)


def _citizen(record: Any) -> dict[str, Any]:
    plain = to_jsonable(record)
    return {key: plain[key] for key in ("id", "name", "phones", "address", "email")}
