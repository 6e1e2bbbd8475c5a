"""Pieces shared by ``fsapp demo`` and ``fsapp simulate``: the day's start, agents' phones, a sim-ready ACD file."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from fsapp.yamlsource import load_yaml


def next_opening(zone: ZoneInfo, now: datetime | None = None, at: time = time(10, 0)) -> datetime:
    """``at`` o'clock on the next weekday, so a run always finds the service centre open."""
    moment = (now or datetime.now(zone)).astimezone(zone).replace(hour=at.hour, minute=at.minute, second=0,
                                                                 microsecond=0)
    moment += timedelta(days=1)
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


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
