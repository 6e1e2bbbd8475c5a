"""The supervisor's wallboard page: queues, agents, service level, alerts; listen, whisper or barge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fsapp.api import handlers as h
from fsapp.api.request import Request
from fsapp.desk.pages import common
from fsapp.desk.web import DeskRequest, Reply, json_reply, page, redirect

if TYPE_CHECKING:
    from fsapp.desk.app import DeskApp


def wallboard(desk: DeskApp, request: DeskRequest) -> Reply:
    picture = desk.ctx.feed.latest or desk.ctx.feed.snapshot()
    _, alerts = h.get_alerts(desk.ctx, Request("GET", request.path, {}, {}, {}, desk.principal(request.me)))
    return page("wallboard.html", **common(desk, request), picture=picture, alerts=alerts)


def supervise(desk: DeskApp, request: DeskRequest) -> Reply:
    """Ring the supervisor's ``extension`` and listen, whisper or barge on ``agent``'s call."""
    body = {key: request.form.get(key, "").strip()[:100] for key in ("agent", "extension", "mode")}
    api_request = Request("POST", request.path, {}, body, {}, desk.principal(request.me))
    _, session = h.start_supervision(desk.ctx, api_request)
    return json_reply({"ok": True, **session}, 201) if request.wants_json else redirect("/desk/wallboard")
