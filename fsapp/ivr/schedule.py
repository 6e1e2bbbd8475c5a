"""Opening hours: is a schedule node open at a given moment (pure; the moment comes from the clock)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from fsapp.ivr.schema import ScheduleNode


def is_open(node: ScheduleNode, moment: datetime) -> bool:
    """True when ``moment`` falls in the node's opening hours, in its time zone, on a day not closed.

    A naive ``moment`` is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(node.timezone))
    if local.date() in node.closed_dates:
        return False
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in node.hours.get(local.weekday(), ()))
