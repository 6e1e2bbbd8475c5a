"""The control API's handlers: ``handler(context, request) -> (status, body)``; thin, one action each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fsapp.acd.errors import AcdError, IllegalTransition, UnknownAgent, UnknownCall, UnknownQueue
from fsapp.api.auth import require_agent
from fsapp.api.context import ControlContext
from fsapp.api.errors import BadRequest, Conflict, NotFoundError
from fsapp.api.recordings import RecordingQuery, find_recordings, listed_recording
from fsapp.api.request import Request
from fsapp.esl.errors import ChannelGone
from fsapp.reports.errors import UnknownReport
from fsapp.store.errors import NotFound
from fsapp.reports.tables import build_report
from fsapp.supervise.errors import NoCallToSupervise, SupervisorUnreachable, UnknownMode, UnknownSession
from fsapp.switch.errors import UnsafeValue

Reply = tuple[int, Any]
Handler = Callable[[ControlContext, Request], Reply]


def _row(rows: list[dict[str, Any]], key: str, value: str, what: str) -> dict[str, Any]:
    for row in rows:
        if row[key] == value:
            return row
    raise NotFoundError(f"no {what} {value!r}")


# -- live state ---------------------------------------------------------------------------------------------

def get_state(ctx: ControlContext, request: Request) -> Reply:
    return 200, ctx.feed.snapshot()


def list_queues(ctx: ControlContext, request: Request) -> Reply:
    return 200, ctx.feed.snapshot()["queues"]


def get_queue(ctx: ControlContext, request: Request) -> Reply:
    picture = ctx.feed.snapshot()
    name = request.params["name"]
    row = _row(picture["queues"], "name", name, "queue")
    waiting = [call for call in picture["calls"] if call["queue"] == name and call["state"] == "waiting"]
    return 200, {**row, "calls": sorted(waiting, key=lambda call: call["position"] or 0),
                 "members": [agent for agent in picture["agents"]
                             if name in ctx.controller.acd_config.agents[agent["id"]].queues]}


def list_agents(ctx: ControlContext, request: Request) -> Reply:
    return 200, ctx.feed.snapshot()["agents"]


def get_agent(ctx: ControlContext, request: Request) -> Reply:
    return 200, _row(ctx.feed.snapshot()["agents"], "id", request.params["agent"], "agent")


def list_calls(ctx: ControlContext, request: Request) -> Reply:
    return 200, ctx.feed.snapshot()["calls"]


# -- agents ---------------------------------------------------------------------------------------------------

def agent_action(action: str) -> Handler:
    def handler(ctx: ControlContext, request: Request) -> Reply:
        agent_id = request.params["agent"]
        if request.principal is not None:
            require_agent(request.principal, agent_id)
        acd = ctx.controller.acd
        reason = request.text("reason", required=False)
        try:
            if action == "login":
                state = acd.agent_login(agent_id, reason)
            elif action == "logout":
                state = acd.agent_logout(agent_id)
            elif action == "break":
                state = acd.agent_break(agent_id, reason or "break")
            else:
                state = acd.agent_ready(agent_id)
        except UnknownAgent as exc:
            raise NotFoundError(str(exc)) from exc
        except IllegalTransition as exc:
            raise Conflict(str(exc)) from exc
        ctx.audit(request.actor, f"agent-{action}", "agent", agent_id, reason=reason, state=state)
        return 200, {"agent": agent_id, "state": state}
    handler.__name__ = f"agent_{action}"
    return handler


# -- calls ------------------------------------------------------------------------------------------------------

def move_call(ctx: ControlContext, request: Request) -> Reply:
    uuid = request.params["uuid"]
    queue, agent = request.text("queue", False), request.text("agent", False)
    if (queue is None) == (agent is None):
        raise BadRequest("give exactly one of queue or agent")
    acd = ctx.controller.acd
    if uuid not in acd.router.members:
        raise Conflict(f"call {uuid} is not waiting in a queue")
    try:
        if queue is not None:
            acd.router.queue(queue)
            acd.transfer(uuid, queue=queue)
        else:
            acd.pickup(agent or "", call_uuid=uuid)
    except (UnknownQueue, UnknownAgent) as exc:
        raise NotFoundError(str(exc)) from exc
    except (AcdError, KeyError) as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, "call-move", "call", uuid, queue=queue, agent=agent)
    return 200, {"uuid": uuid, "queue": queue, "agent": agent}


def _one_of(request: Request, keys: tuple[str, ...]) -> dict[str, str]:
    given = {key: value for key in keys if (value := request.text(key, False)) is not None}
    if len(given) != 1:
        raise BadRequest(f"give exactly one of {', '.join(keys)}")
    return given


def transfer_call(ctx: ControlContext, request: Request) -> Reply:
    """Blind transfer of a waiting or talking queue call to a queue, an agent, a dialplan extension or an
    outside number."""
    uuid = request.params["uuid"]
    target = _one_of(request, ("queue", "agent", "extension", "number"))
    try:
        ctx.controller.acd.transfer(uuid, **target)
    except UnsafeValue as exc:   # not an extension or a valid number (free text, several destinations)
        raise BadRequest(str(exc)) from exc
    except (UnknownQueue, UnknownAgent) as exc:
        raise NotFoundError(str(exc)) from exc
    except (AcdError, KeyError) as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, "call-transfer", "call", uuid, **target)
    return 200, {"uuid": uuid, **target}


def consult_call(ctx: ControlContext, request: Request) -> Reply:
    """Attended transfer, first step: hold the caller and ring an agent, a number or a dial string."""
    uuid = request.params["uuid"]
    target = _one_of(request, ("agent", "number", "dial"))
    try:
        leg = ctx.controller.acd.consult(uuid, **target)
    except UnsafeValue as exc:
        raise BadRequest(str(exc)) from exc
    except UnknownAgent as exc:
        raise NotFoundError(str(exc)) from exc
    except AcdError as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, "call-consult", "call", uuid, **target)
    return 200, {"uuid": uuid, "consult_leg": leg, **target}


def consult_step(step: str) -> Handler:
    """``complete``, ``cancel`` or ``conference`` an attended transfer started with consult."""
    def handler(ctx: ControlContext, request: Request) -> Reply:
        uuid = request.params["uuid"]
        acd = ctx.controller.acd
        actions = {"complete": acd.complete_transfer, "cancel": acd.cancel_consult, "conference": acd.conference}
        try:
            result = actions[step](uuid)
        except AcdError as exc:
            raise Conflict(str(exc)) from exc
        ctx.audit(request.actor, f"call-consult-{step}", "call", uuid)
        return 200, {"uuid": uuid, **({"conference": result} if step == "conference" else {})}
    handler.__name__ = f"consult_{step}"
    return handler


def set_priority(ctx: ControlContext, request: Request) -> Reply:
    uuid = request.params["uuid"]
    priority = request.body.get("priority")
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise BadRequest("priority must be an integer")
    try:
        ctx.controller.acd.change_priority(uuid, priority)
    except UnknownCall as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, "call-priority", "call", uuid, priority=priority)
    return 200, {"uuid": uuid, "priority": priority, "position": ctx.controller.acd.router.position(uuid)}


def hangup_call(ctx: ControlContext, request: Request) -> Reply:
    uuid = request.params["uuid"]
    try:
        ctx.controller.switch.call(uuid).hangup()
    except ChannelGone as exc:
        raise NotFoundError(str(exc)) from exc
    ctx.audit(request.actor, "call-hangup", "call", uuid)
    return 200, {"uuid": uuid}


def recording_optout(ctx: ControlContext, request: Request) -> Reply:
    uuid = request.params["uuid"]
    try:
        ctx.controller.acd.opt_out_recording(uuid)
    except UnknownCall as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, "recording-optout", "call", uuid)
    return 200, {"uuid": uuid}


def queue_recording(ctx: ControlContext, request: Request) -> Reply:
    name = request.params["name"]
    record = request.body.get("record")
    if not isinstance(record, bool):
        raise BadRequest("record must be true or false")
    try:
        ctx.controller.acd.set_queue_recording(name, record)
    except UnknownQueue as exc:
        raise NotFoundError(str(exc)) from exc
    ctx.audit(request.actor, "queue-recording", "queue", name, record=record)
    return 200, {"queue": name, "record": ctx.controller.acd.records("", name)}


def recording(start: bool) -> Handler:
    def handler(ctx: ControlContext, request: Request) -> Reply:
        uuid = request.params["uuid"]
        try:
            path = ctx.start_recording(uuid) if start else ctx.stop_recording(uuid)
        except ChannelGone as exc:
            raise NotFoundError(str(exc)) from exc
        ctx.audit(request.actor, "recording-start" if start else "recording-stop", "call", uuid, path=path)
        return 200, {"uuid": uuid, "path": path}
    handler.__name__ = "start_recording" if start else "stop_recording"
    return handler


# -- supervision -------------------------------------------------------------------------------------------------

def start_supervision(ctx: ControlContext, request: Request) -> Reply:
    agent, extension = request.text("agent"), request.text("extension")
    mode = request.text("mode", required=False) or "listen"
    try:
        session = ctx.supervision.start(agent or "", extension or "", mode, actor=request.actor)
    except UnsafeValue as exc:
        raise BadRequest(str(exc)) from exc
    except UnknownAgent as exc:
        raise NotFoundError(str(exc)) from exc
    except UnknownMode as exc:
        raise BadRequest(str(exc)) from exc
    except (NoCallToSupervise, SupervisorUnreachable) as exc:
        raise Conflict(str(exc)) from exc
    ctx.audit(request.actor, f"eavesdrop-{mode}", "agent", agent, session=session.id, extension=extension,
              call=session.call_uuid)
    return 201, session.as_dict()


def list_supervision(ctx: ControlContext, request: Request) -> Reply:
    return 200, [session.as_dict() for session in ctx.supervision.sessions.values()]


def set_supervision_mode(ctx: ControlContext, request: Request) -> Reply:
    mode = request.text("mode") or ""
    try:
        session = ctx.supervision.set_mode(request.params["id"], mode)
    except UnknownSession as exc:
        raise NotFoundError(str(exc)) from exc
    except UnknownMode as exc:
        raise BadRequest(str(exc)) from exc
    ctx.audit(request.actor, f"eavesdrop-{mode}", "agent", session.agent_id, session=session.id)
    return 200, session.as_dict()


def stop_supervision(ctx: ControlContext, request: Request) -> Reply:
    try:
        session = ctx.supervision.stop(request.params["id"])
    except UnknownSession as exc:
        raise NotFoundError(str(exc)) from exc
    ctx.audit(request.actor, "eavesdrop-stop", "agent", session.agent_id, session=session.id)
    return 200, session.as_dict()


# -- recordings, reports, alerts, audit -----------------------------------------------------------------------

def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date (YYYY-MM-DD)") from None


def _flag(text: str | None, name: str) -> bool:
    if text in (None, "", "0", "false"):
        return False
    if text in ("1", "true"):
        return True
    raise BadRequest(f"{name} must be true or false")


def list_recordings(ctx: ControlContext, request: Request) -> Reply:
    q = request.query
    kind = q.get("kind") or None
    if kind not in (None, "call", "voicemail"):
        raise BadRequest("kind must be call or voicemail")
    query = RecordingQuery(agent=q.get("agent"), queue=q.get("queue"), caller=q.get("caller"),
                           day_from=_day(q.get("from"), "from"), day_to=_day(q.get("to"), "to"), kind=kind,
                           open_only=_flag(q.get("open"), "open"))
    rows = find_recordings(ctx.controller.config.paths.recordings, ctx.controller.store, query)
    ctx.audit(request.actor, "recordings-list", "recording", "*", count=len(rows), **request.query)
    return 200, rows


def list_voicemails(ctx: ControlContext, request: Request) -> Reply:
    query = RecordingQuery(kind="voicemail", open_only=_flag(request.query.get("open"), "open"))
    rows = find_recordings(ctx.controller.config.paths.recordings, ctx.controller.store, query)
    ctx.audit(request.actor, "voicemails-list", "recording", "*", count=len(rows))
    return 200, rows


def voicemail_done(ctx: ControlContext, request: Request) -> Reply:
    try:
        recording_id = int(request.params["id"])
    except ValueError:
        raise NotFoundError(f"no voicemail {request.params['id']}") from None
    done = request.body.get("done", True)
    if not isinstance(done, bool):
        raise BadRequest("done must be true or false")
    try:
        row = ctx.controller.store.mark_voicemail_done(recording_id, request.actor, done)
    except NotFound as exc:
        raise NotFoundError(str(exc)) from exc
    ctx.feed.poke()
    return 200, listed_recording(row)


def get_report(ctx: ControlContext, request: Request) -> Reply:
    start, end = ctx.local_day_range(_day(request.query.get("from"), "from"), _day(request.query.get("to"), "to"))
    thresholds = {name: queue.service_level.seconds for name, queue in ctx.controller.acd_config.queues.items()}
    try:
        table = build_report(ctx.controller.store, request.params["name"], start, end, zone=ctx.controller.zone,
                             thresholds=thresholds)
    except UnknownReport as exc:
        raise NotFoundError(str(exc)) from exc
    return 200, {**table.as_json(), "from": start.isoformat(), "to": end.isoformat()}


STUCK_AFTER = {"reserved": 60.0, "ringing": 120.0, "wrap-up": 600.0, "break": 3600.0, "on-call": 3600.0}


def get_alerts(ctx: ControlContext, request: Request) -> Reply:
    picture = ctx.feed.snapshot()
    queues = [{"queue": q["name"], "service_level": level, "target": q["service_level_target"],
               "waiting": q["waiting"], "longest_wait": q["longest_wait"]}
              for q in picture["queues"]
              for level in [q["service_level_today"] if q["service_level_today"] is not None else q["service_level"]]
              if level is not None and level < q["service_level_target"]]
    agents = [{"agent": a["id"], "state": a["state"], "time_in_state": a["time_in_state"],
               "limit": STUCK_AFTER[a["state"]]}
              for a in picture["agents"] if a["time_in_state"] > STUCK_AFTER.get(a["state"], float("inf"))]
    cases = [{"reference": c.reference, "category": c.category, "status": c.status, "deadline": c.deadline,
              "assignee": c.assignee} for c in ctx.controller.store.overdue_cases(limit=200)]
    return 200, {"overdue_cases": cases, "queues_below_service_level": queues, "agents_stuck": agents}


def get_audit(ctx: ControlContext, request: Request) -> Reply:
    text = request.query.get("limit", "100")
    if not text.isdigit() or not 1 <= int(text) <= 10_000:
        raise BadRequest("limit must be a whole number from 1 to 10000")
    limit = int(text)
    return 200, ctx.controller.store.audit_trail(request.query.get("entity"), request.query.get("entity_id"),
                                                 limit=limit)
