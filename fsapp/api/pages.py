"""The screen-pop page an agent's softphone opens for a call (jinja2, escaped)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from fsapp.api.errors import NotFoundError
from fsapp.store.errors import NotFound

if TYPE_CHECKING:
    from fsapp.api.context import ControlContext

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))


def screen_pop_data(ctx: ControlContext, call_uuid: str, actor: str) -> dict[str, Any]:
    """What the page shows: the call (live or recorded), the caller's citizen record and open cases, the path."""
    controller = ctx.controller
    channel = controller.switch.registry.get(call_uuid)
    queued = controller.acd.calls.get(call_uuid)
    try:
        record: dict[str, Any] = controller.store.call(call_uuid)
    except NotFound:
        record = {}
    if channel is None and not record:
        raise NotFoundError(f"no call {call_uuid}")
    number = channel.caller_number if channel is not None else record.get("caller_number", "")
    found = controller.store.lookup_caller(number) if number else None
    if found is not None and found.citizen is not None:
        controller.store.get_citizen(found.citizen.id, actor=actor)   # the read is audited
    return {"call_uuid": call_uuid, "number": number, "citizen": found.citizen if found else None,
            "other_citizens": found.other_citizens if found else 0,
            "cases": list(found.open_cases) if found else [],
            "queue": queued.queue if queued else record.get("queue"),
            "agent": (queued.agent_id if queued else None) or record.get("agent"),
            "queues": list(queued.queues) if queued else [],
            "ivr_path": _ivr_path(controller, call_uuid)}


def _ivr_path(controller: Any, call_uuid: str) -> list[str]:
    """The menu path of a call still in its flow (queued or ringing an agent), else the one recorded."""
    live = controller.ivr.active_paths.get(call_uuid)
    return live.nodes if live is not None else controller.store.call_ivr_path(call_uuid)


def render_screen_pop(data: dict[str, Any]) -> str:
    return _TEMPLATES.get_template("screen_pop.html").render(**data)
