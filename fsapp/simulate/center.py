"""Pieces shared by ``fsapp demo`` and ``fsapp simulate``: the day's start, agents' phones, a sim-ready ACD file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.schedule import is_open as schedule_open
from fsapp.ivr.schema import ScheduleNode
from fsapp.yamlsource import load_yaml


def next_opening(zone: ZoneInfo, now: datetime | None = None, at: time = time(10, 0), *,
                 is_open: Callable[[datetime], bool] | None = None) -> datetime:
    """``at`` o'clock on the next weekday on which ``is_open`` (the menus' opening hours, holidays included)
    says the center is open, so a run always finds the service centre open."""
    moment = (now or datetime.now(zone)).astimezone(zone).replace(hour=at.hour, minute=at.minute, second=0,
                                                                 microsecond=0)
    moment += timedelta(days=1)
    for _ in range(366):
        if moment.weekday() < 5 and (is_open is None or is_open(moment)):
            break
        moment += timedelta(days=1)
    return moment


def menus_open(flows_dir: str | Path, entries: dict[str, str]) -> Callable[[datetime], bool]:
    """Is every opening-hours node of the served menus open at a moment (holidays and closed dates included)?"""
    registry = FlowRegistry(flows_dir, entries)
    registry.reload()
    schedules = [node for flow in registry.flows.values() for node in flow.nodes.values()
                 if isinstance(node, ScheduleNode)]
    return lambda moment: all(schedule_open(node, moment) for node in schedules)


def agent_endpoint(contact: str) -> str:
    """The user part of a dial string: ``user/1001`` -> ``1001``, ``sofia/x/1010@host`` -> ``1010``."""
    return contact.rsplit("/", 1)[-1].split("@", 1)[0]


def unrecorded_copy(acd_file: str | Path, out_dir: Path) -> Path:
    """A copy of the ACD file with call recording off (a simulated day has no audio worth keeping)."""
    data = load_yaml(acd_file).data or {}
    data.setdefault("defaults", {})["record"] = False
    for queue in (data.get("queues") or {}).values():
        if isinstance(queue, dict):
            queue["record"] = False
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "acd.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target
