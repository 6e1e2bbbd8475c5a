"""Opening hours: is a schedule node open at a given moment (pure; the moment comes from the clock)."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from fsapp.ivr.holidays import holiday_name
from fsapp.ivr.schema import ScheduleNode


def is_open(node: ScheduleNode, moment: datetime) -> bool:
    """True when ``moment`` falls in the node's opening hours, in its time zone, on a day not closed
    (neither one of the city's ``closed_dates`` nor a public holiday of the node's ``holidays`` calendar).

    A naive ``moment`` is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(ZoneInfo(node.timezone))
    day = local.date()
    if day in node.closed_dates or (day.month, day.day) in node.closed_dates or holiday_name(node.holidays, day):
        return False
    now = local.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in node.hours.get(local.weekday(), ()))
