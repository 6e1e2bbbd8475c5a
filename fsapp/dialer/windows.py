"""Calling windows: the hours of each weekday, in the city's time zone, when a campaign may dial.

Written as ``{"mon-fri": "09:00-20:00", "sat": "10:00-16:00"}``; days not named are closed. Several ranges
for one day are comma-separated (``"09:00-12:00,13:00-18:00"``). An empty mapping means always open.
With a holiday calendar (``"NO"``, as the menus' schedules name one; see :mod:`fsapp.ivr.holidays`) the
windows are closed on its public holidays; always-open windows stay open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsapp.dialer.errors import SettingsError
from fsapp.ivr.holidays import UnknownHolidayCalendar, calendar, holiday_name

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_HOLIDAYS_IN_A_ROW = 14   # how far past a week of holidays the next opening is looked for
Range = tuple[time, time]


@dataclass(frozen=True)
class CallingWindows:
    """Open hours per weekday (0 = Monday) in ``zone``; ``always_open`` when none were given."""

    by_weekday: tuple[tuple[Range, ...], ...]
    zone: ZoneInfo
    always_open: bool = False
    holidays: str = ""   # a holiday calendar (country code): closed on its public holidays

    @classmethod
    def parse(cls, spec: Mapping[str, str] | None, timezone: str, holidays: str = "") -> CallingWindows:
        """Read the ``{"mon-fri": "09:00-20:00"}`` form (raises :class:`SettingsError`)."""
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"unknown time zone {timezone!r}") from None
        if holidays:
            try:
                calendar(holidays)
            except UnknownHolidayCalendar as exc:
                raise SettingsError(str(exc)) from None
        if not spec:
            return cls(tuple(() for _ in DAYS), zone, always_open=True)
        days: list[list[Range]] = [[] for _ in DAYS]
        for day_spec, hours in spec.items():
            for weekday in _weekdays(day_spec):
                days[weekday].extend(_ranges(hours))
        return cls(tuple(tuple(sorted(d)) for d in days), zone, holidays=holidays)

    def is_open(self, moment: datetime) -> bool:
        """Whether dialing is allowed at ``moment`` (an aware datetime)."""
        if self.always_open:
            return True
        local = moment.astimezone(self.zone)
        clock = local.time().replace(tzinfo=None)
        return (any(start <= clock < end for start, end in self.by_weekday[local.weekday()])
                and holiday_name(self.holidays, local.date()) is None)

    def next_open(self, moment: datetime) -> datetime | None:
        """The first moment at or after ``moment`` when dialing is allowed (None: never)."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(self.zone)
        for offset in range(8 + MAX_HOLIDAYS_IN_A_ROW):
            day = (local + timedelta(days=offset)).date()
            if holiday_name(self.holidays, day) is not None:
                continue
            for start, _end in self.by_weekday[day.weekday()]:
                opening = datetime.combine(day, start, tzinfo=self.zone)
                if opening > local:
                    return opening.astimezone(moment.tzinfo)
        return None


def _weekdays(spec: str) -> list[int]:
    result: list[int] = []
    for part in spec.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise SettingsError(f"calling window day {part!r}: use mon..sun, e.g. 'mon-fri'")
        start, end = DAYS.index(first), DAYS.index(last or first)
        result.extend(range(start, end + 1) if start <= end else [*range(start, 7), *range(0, end + 1)])
    return result


def _ranges(text: str) -> list[Range]:
    ranges = []
    for part in str(text).replace(" ", "").split(","):
        first, sep, last = part.partition("-")
        if not sep:
            raise SettingsError(f"calling window hours {part!r}: use HH:MM-HH:MM")
        start, end = _time(first), _time(last)
        if end <= start and end != time(0, 0):
            raise SettingsError(f"calling window hours {part!r}: the end must be after the start")
        ranges.append((start, time.max if end == time(0, 0) else end))
    return ranges


def _time(text: str) -> time:
    try:
        hours, minutes = (int(x) for x in text.split(":"))
        return time(0, 0) if hours == 24 and minutes == 0 else time(hours, minutes)
    except ValueError:
        raise SettingsError(f"{text!r} is not a time of day (HH:MM)") from None
