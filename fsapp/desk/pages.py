"""The desk page itself, its live event stream, the work lists and the agent's state buttons."""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fsapp.acd.errors import AcdError
from fsapp.api.errors import BadRequest, Conflict, NotFoundError
from fsapp.api.sse import stream
from fsapp.desk.texts import Texts
from fsapp.desk.web import DeskRequest, Reply, StreamReply, json_reply, page, redirect

if TYPE_CHECKING:
    from fsapp.desk.app import DeskApp
    from fsapp.desk.sessions import DeskSession

STATIC_DIR = Path(__file__).parent / "static"
LIST_LIMIT = 20


def my_queues(desk: DeskApp, session: DeskSession) -> list[str]:
    """The queues a person serves (supervisors and admins: every queue)."""
    agents = desk.ctx.controller.acd_config.agents
    if session.agent and session.agent in agents and not session.supervises:
        return list(agents[session.agent].queues)
    return list(desk.ctx.controller.acd_config.queues)


def common(desk: DeskApp, request: DeskRequest) -> dict[str, Any]:
    """What every signed-in page shows: the person, the texts, the CSRF token."""
    me = request.me
    return {"me": me, "t": Texts(me.language or desk.config.desk.language), "csrf": me.csrf, "prefix": "/desk"}


def desk_page(desk: DeskApp, request: DeskRequest) -> Reply:
    picture = desk.ctx.feed.latest or desk.ctx.feed.snapshot()
    queues = my_queues(desk, request.me)
    agent = next((row for row in picture["agents"] if row["id"] == request.me.agent), None)
    return page("desk.html", **common(desk, request), agent=agent, queues=queues,
                queue_rows=[row for row in picture["queues"] if row["name"] in queues],
                waiting=[c for c in picture["calls"] if c["state"] == "waiting" and c["queue"] in queues],
                lists=work_lists(desk, request.me), desk_config=desk.config.desk,
                all_queues=list(desk.ctx.controller.acd_config.queues),
                agents=sorted(desk.ctx.controller.acd_config.agents))


def work_lists(desk: DeskApp, session: DeskSession) -> dict[str, list[Any]]:
    store = desk.ctx.controller.store
    queues = set(my_queues(desk, session))
    return {"callbacks": [c for c in store.pending_callbacks(limit=200) if c["queue"] in queues or not c["queue"]]
            [:LIST_LIMIT],
            "voicemails": store.open_voicemails(LIST_LIMIT),
            "my_cases": store.find_cases(assignee=session.name, open_only=True, limit=LIST_LIMIT),
            "overdue": store.overdue_cases(limit=LIST_LIMIT)}


def lists(desk: DeskApp, request: DeskRequest) -> Reply:
    return page("lists.html", **common(desk, request), lists=work_lists(desk, request.me))


def events(desk: DeskApp, request: DeskRequest) -> StreamReply:
    """The live picture (the API's feed): the page keeps its agent, queues and waiting calls up to date."""
    feed = desk.ctx.feed
    return StreamReply(stream(feed.subscribe(), feed.unsubscribe),
                       [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"),
                        ("X-Accel-Buffering", "no")])


def agent_state(desk: DeskApp, request: DeskRequest) -> Reply:
    """ready | break (with a reason) | logout | wrapup (a code for the call just ended, then ready)."""
    agent = request.me.agent
    if not agent:
        raise BadRequest("you are not an agent")
    acd = desk.ctx.controller.acd
    action = request.form.get("action", "")
    reason = request.form.get("reason", "").strip()[:60]
    try:
        if action == "ready":
            state = _ready(acd, agent)
        elif action == "break":
            if reason not in desk.config.desk.break_reasons:
                raise BadRequest(f"pick a reason: {', '.join(desk.config.desk.break_reasons)}")
            state = _on_break(acd, agent, reason)
        elif action == "logout":
            state = acd.agent_logout(agent)
        elif action == "wrapup":
            code = request.form.get("code", "")
            if code not in desk.config.desk.wrapup_codes:
                raise BadRequest(f"pick a wrap-up code: {', '.join(desk.config.desk.wrapup_codes)}")
            call = request.form.get("call", "")[:64]
            desk.ctx.audit(request.me.name, "call-wrapup", "call", call or "-", code=code, agent=agent)
            state = _ready(acd, agent)
        else:
            raise BadRequest("action must be ready, break, logout or wrapup")
    except (AcdError, KeyError) as exc:
        raise Conflict(str(exc)) from exc
    desk.ctx.audit(request.me.name, f"agent-{action}", "agent", agent, reason=reason or None)
    return json_reply({"agent": agent, "state": state}) if request.wants_json else redirect("/desk")


def _ready(acd: Any, agent: str) -> str:
    state = acd.router.agent(agent).state.value
    if state == "logged-out":
        return acd.agent_login(agent)
    if state in ("break", "wrap-up"):
        return acd.agent_ready(agent)
    return state


def _on_break(acd: Any, agent: str, reason: str) -> str:
    if acd.router.agent(agent).state.value == "logged-out":
        return acd.agent_login(agent, reason)
    return acd.agent_break(agent, reason)


@functools.lru_cache(maxsize=1)
def _static_names() -> frozenset[str]:
    return frozenset(path.name for path in STATIC_DIR.iterdir() if path.is_file())


@functools.lru_cache(maxsize=16)
def _static_bytes(name: str) -> bytes:
    """The desk's script and style, read once (a few KB)."""
    return (STATIC_DIR / name).read_bytes()


def static_file(desk: DeskApp, request: DeskRequest) -> Reply:
    name = request.params["name"]
    if "/" in name or name.startswith(".") or name not in _static_names():
        raise NotFoundError(f"no file {name}")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Reply(200, _static_bytes(name), [("Content-Type", f"{kind}; charset=utf-8"),
                                           ("Cache-Control", "max-age=300"), ("X-Content-Type-Options", "nosniff")])
