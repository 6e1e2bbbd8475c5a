"""Handlers of the operators' routes for chats and other work items (e-mail, SMS, social messages)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from fsapp.acd.errors import UnknownAgent
from fsapp.api.auth import require_agent
from fsapp.api.context import ControlContext
from fsapp.api.errors import ApiError, BadRequest, Conflict, NotFoundError
from fsapp.api.request import Request
from fsapp.channels.chat import ChatError
from fsapp.channels.conversations import Conversations
from fsapp.channels.workdesk import WorkError
from fsapp.errors import FsappError

Reply = tuple[int, Any]
Handler = Callable[[ControlContext, Request], Reply]


def _translated(handler: Handler) -> Handler:
    """The channels' errors answered with their status (404, 409, 400)."""
    @functools.wraps(handler)
    def wrapper(ctx: ControlContext, request: Request) -> Reply:
        try:
            return handler(ctx, request)
        except UnknownAgent as exc:
            raise NotFoundError(str(exc)) from exc
        except (WorkError, ChatError) as exc:
            raise {404: NotFoundError, 409: Conflict}.get(exc.status, BadRequest)(str(exc)) from exc
        except ApiError:
            raise
        except FsappError as exc:   # the store's NotFound, InvalidReference...
            raise BadRequest(str(exc)) from exc
    return wrapper


def _conversations(ctx: ControlContext) -> Conversations:
    return ctx.controller.channels.conversations


def _agent(request: Request) -> str:
    """The agent acting: the token's own, else ``agent`` in the body or the query."""
    principal = request.principal
    agent = request.text("agent", required=False) or request.query.get("agent") \
        or (principal.agent if principal is not None else None)
    if not agent:
        raise BadRequest("agent is required")
    if principal is not None:
        require_agent(principal, agent)
    return agent


@_translated
def list_work(ctx: ControlContext, request: Request) -> Reply:
    return 200, _conversations(ctx).work_for(_agent(request))


@_translated
def list_waiting(ctx: ControlContext, request: Request) -> Reply:
    desk = _conversations(ctx).desk
    return 200, [dict(item.as_dict(), position=desk.position(item.id))
                 for item in desk.waiting(request.query.get("queue") or None)]


@_translated
def accept_work(ctx: ControlContext, request: Request) -> Reply:
    agent = _agent(request)
    item = _conversations(ctx).accept(request.params["id"], agent)
    ctx.audit(request.actor, "work-accept", "work", item["id"], agent=agent, kind=item["kind"])
    return 200, item


@_translated
def work_messages(ctx: ControlContext, request: Request) -> Reply:
    after = request.query.get("after", "0")
    if not after.isdigit():
        raise BadRequest("after must be a message number")
    return 200, _conversations(ctx).messages(request.params["id"], _agent(request), int(after))


@_translated
def send_message(ctx: ControlContext, request: Request) -> Reply:
    agent = _agent(request)
    sent = _conversations(ctx).send(request.params["id"], agent, request.body.get("text"))
    return 200, {"id": request.params["id"], **sent}


@_translated
def close_work(ctx: ControlContext, request: Request) -> Reply:
    agent = _agent(request)
    closed = _conversations(ctx).close(request.params["id"], agent, request.text("case", required=False))
    ctx.audit(request.actor, "work-close", "work", request.params["id"], agent=agent,
              case=request.body.get("case"))
    return 200, closed
