"""Chats, mails, SMS and social messages on the desk, beside the call: what the operator may take, what they
hold, a chat read and answered live, a mail answered by mail, and closing an item with the case it belongs to.

Every action goes through the control API's own handlers for work items (:mod:`fsapp.api.channel_handlers`)
as the signed-in person's agent, so the desk and the API keep one set of checks: the operator's limit of
items, the queue and skills, the texts' limits. What the page sends is rate-limited per person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fsapp.api import channel_handlers as c
from fsapp.api.errors import ApiError, BadRequest, Forbidden, NotFoundError
from fsapp.api.request import Request
from fsapp.desk.pages import common
from fsapp.desk.web import DeskRequest, Reply, json_reply, page, redirect

if TYPE_CHECKING:
    from fsapp.channels.conversations import Conversations
    from fsapp.desk.app import DeskApp

MAX_AFTER_DIGITS = 6


class TooFast(ApiError):
    status = 429


def _agent(request: DeskRequest) -> str:
    agent = request.me.agent
    if not agent:
        raise BadRequest("you are not an agent")
    return agent


def _api(desk: DeskApp, request: DeskRequest, handler: Any, body: dict[str, Any] | None = None,
         query: dict[str, str] | None = None) -> Any:
    """Run the API's handler for work items as this person's agent."""
    params = {"id": request.params["id"]} if "id" in request.params else {}
    api_request = Request(request.method, request.path, {**(query or {}), "agent": _agent(request)},
                          {**(body or {}), "agent": _agent(request)}, params, desk.principal(request.me))
    _status, result = handler(desk.ctx, api_request)
    return result


def _conversations(desk: DeskApp) -> Conversations:
    return desk.ctx.controller.channels.conversations


def _limit(desk: DeskApp, request: DeskRequest) -> None:
    """Sends from one person's pages: at most ``chat.rate_per_minute`` a minute."""
    wait = desk.sends.take(("desk-work", request.me.name), desk.config.chat.rate_per_minute)
    if wait:
        raise TooFast(f"too many messages; try again in {wait} s")


def work_view(desk: DeskApp, request: DeskRequest) -> dict[str, Any]:
    """What the work part of the desk shows (empty for a person without an agent)."""
    if not request.me.agent:
        return {"agent": None, "limit": 0, "offered": [], "held": []}
    return _api(desk, request, c.list_work)


def work_list(desk: DeskApp, request: DeskRequest) -> Reply:
    """The items the operator may take and those they hold (a part of the page, refreshed by the script)."""
    if request.wants_json:
        return json_reply(work_view(desk, request))
    return page("work.html", **common(desk, request), work=work_view(desk, request))


def accept(desk: DeskApp, request: DeskRequest) -> Reply:
    _limit(desk, request)
    item = _api(desk, request, c.accept_work)
    return json_reply({"ok": True, "item": item["id"]}) if request.wants_json else redirect("/desk")


def item_panel(desk: DeskApp, request: DeskRequest) -> Reply:
    """One held item: the chat so far (or the message with its files), the answer box, the close form."""
    item = _conversations(desk).desk.item(request.params["id"])
    if item.agent != _agent(request):
        raise Forbidden("this item is not yours")
    messages = _api(desk, request, c.work_messages, query={"after": "0"})
    store = desk.ctx.controller.store
    files = store.contact_files(item.interaction_id) if item.interaction_id is not None and \
        item.kind != "chat" else []
    chat = _conversations(desk).chats.for_item(item.id)
    return page("item.html", **common(desk, request), item=item, messages=messages, chat=chat,
                files=[f for f in files if f["kind"] == "attachment"],
                original=next((f for f in files if f["kind"] == "original"), None),
                after=max((m["seq"] for m in messages), default=0))


def messages(desk: DeskApp, request: DeskRequest) -> Reply:
    """A held chat's messages after number ``after`` (the script shows them as text)."""
    after = request.query.get("after", "0")
    if not after.isdigit() or len(after) > MAX_AFTER_DIGITS:
        raise BadRequest("after must be a message number")
    found = _api(desk, request, c.work_messages, query={"after": after})
    chat = _conversations(desk).chats.for_item(request.params["id"])
    return json_reply({"messages": found, "open": chat is not None})


def send(desk: DeskApp, request: DeskRequest) -> Reply:
    _limit(desk, request)
    sent = _api(desk, request, c.send_message, {"text": request.form.get("text", "")})
    return json_reply({"ok": True, **sent}) if request.wants_json else redirect("/desk")


def close(desk: DeskApp, request: DeskRequest) -> Reply:
    """Done: a chat's transcript (or the message) becomes a contact, on the case named, if any."""
    _limit(desk, request)
    case = request.form.get("case", "").strip()[:40]
    closed = _api(desk, request, c.close_work, {"case": case} if case else {})
    return json_reply({"ok": True, "closed": closed["id"]}) if request.wants_json else redirect("/desk")


def contact_file(desk: DeskApp, request: DeskRequest) -> Reply:
    """A file kept with the contact of an item the operator holds (supervisors: any), as a download."""
    file_id = request.params["id"]
    if not file_id.isdigit() or len(file_id) > 12:
        raise NotFoundError("no such file")
    store = desk.ctx.controller.store
    found = store.contact_file(int(file_id))
    if not request.me.supervises:
        held = _conversations(desk).desk.held_by(_agent(request))
        if found["interaction_id"] not in {item.interaction_id for item in held}:
            raise Forbidden("this file is not on an item you hold")
    data = store.read_contact_file(int(file_id))
    desk.ctx.audit(request.me.name, "file-read", "interaction", found["interaction_id"], file=found["id"])
    name = quote(found["filename"], safe="")
    return Reply(200, data, [("Content-Type", "application/octet-stream"),
                             ("Content-Disposition", f"attachment; filename=\"file-{found['id']}\"; "
                                                     f"filename*=UTF-8''{name}"),
                             ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"),
                             ("Content-Security-Policy", "default-src 'none'; sandbox")])
