"""A call on the desk: the panel shown while it rings (who, why, their cases, objects and contacts), the buttons
for what the API can do with it, and picking a waiting call."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fsapp.acd.errors import AcdError
from fsapp.api import handlers as h
from fsapp.api.errors import BadRequest, Conflict, Forbidden, NotFoundError
from fsapp.api.pages import screen_pop_data
from fsapp.api.request import Request
from fsapp.desk.pages import common, my_queues
from fsapp.desk.web import DeskRequest, Reply, json_reply, page, redirect

if TYPE_CHECKING:
    from fsapp.desk.app import DeskApp
    from fsapp.desk.sessions import DeskSession

CONTACTS_SHOWN = 10

# action in the URL -> the API's handler and the form fields it reads
ACTIONS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "transfer": (h.transfer_call, ("queue", "agent", "extension", "number")),
    "consult": (h.consult_call, ("agent", "number")),
    "complete": (h.consult_step("complete"), ()),
    "cancel": (h.consult_step("cancel"), ()),
    "conference": (h.consult_step("conference"), ()),
    "hangup": (h.hangup_call, ()),
    "record-start": (h.recording(True), ()),
    "record-stop": (h.recording(False), ()),
}


def call_panel(desk: DeskApp, request: DeskRequest) -> Reply:
    """The call as the desk shows it, before and while it is answered."""
    uuid = request.params["uuid"]
    data = screen_pop_data(desk.ctx, uuid, request.me.name)   # the citizen's record read is audited
    picture = desk.ctx.feed.latest or desk.ctx.feed.snapshot()
    row = next((c for c in picture["calls"] if c["uuid"] == uuid), None)
    store = desk.ctx.controller.store
    citizen = data["citizen"]
    view = common(desk, request)
    catalog = desk.catalog(view["t"].language)
    return page("call.html", **view, **data, call=row, mine=_is_mine(desk, request.me, uuid),
                properties=store.citizen_properties(citizen.id) if citizen else [],
                contacts=store.interactions(citizen_id=citizen.id, limit=CONTACTS_SHOWN) if citizen else [],
                categories=catalog["categories"], guides=catalog["guides"],
                all_queues=list(desk.ctx.controller.acd_config.queues),
                agents=sorted(desk.ctx.controller.acd_config.agents))


def _is_mine(desk: DeskApp, session: DeskSession, uuid: str) -> bool:
    queued = desk.ctx.controller.acd.calls.get(uuid)
    return queued is not None and session.agent is not None and queued.agent_id == session.agent


def may_act_on(desk: DeskApp, session: DeskSession, uuid: str) -> None:
    """Operators act on the calls offered to or talking with their own agent; supervisors on any."""
    if session.supervises:
        return
    if not _is_mine(desk, session, uuid):
        raise Forbidden("this call is not yours")


def call_action(desk: DeskApp, request: DeskRequest) -> Reply:
    uuid, action = request.params["uuid"], request.params["action"]
    if action not in ACTIONS:
        raise NotFoundError(f"no action {action}")
    may_act_on(desk, request.me, uuid)
    handler, fields = ACTIONS[action]
    body = _target(request.form, fields)
    api_request = Request("POST", request.path, {}, body, {"uuid": uuid}, desk.principal(request.me))
    _, result = handler(desk.ctx, api_request)
    return json_reply({"ok": True, "action": action, **result}) if request.wants_json else redirect("/desk")


def _target(form: dict[str, str], fields: tuple[str, ...]) -> dict[str, str]:
    """A transfer's target from the form: ``target_kind`` (queue, agent, number...) and ``target``."""
    if not fields:
        return {}
    kind, value = form.get("target_kind", ""), form.get("target", "").strip()
    if kind not in fields:
        raise BadRequest(f"target_kind must be one of {', '.join(fields)}")
    if not value:
        raise BadRequest("say where to")
    return {kind: value}


def pick(desk: DeskApp, request: DeskRequest) -> Reply:
    """Take a waiting call from one of my queues now."""
    agent = request.me.agent
    if not agent:
        raise BadRequest("you are not an agent")
    uuid = request.form.get("uuid", "")[:64]
    acd = desk.ctx.controller.acd
    member = acd.router.members.get(uuid)
    if member is None:
        raise NotFoundError("that call is no longer waiting")
    if member.queue not in my_queues(desk, request.me):
        raise Forbidden(f"queue {member.queue} is not one of yours")
    try:
        picked = acd.pickup(agent, uuid)
    except AcdError as exc:
        raise Conflict(str(exc)) from exc
    desk.ctx.audit(request.me.name, "call-pick", "call", picked, agent=agent)
    return json_reply({"ok": True, "uuid": picked}) if request.wants_json else redirect("/desk")
