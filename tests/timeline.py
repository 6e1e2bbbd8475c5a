"""The one clock of a test run, and the moments tests need, derived from it.

``RUN_START`` is read once, when the tests are collected; every date a test uses is computed from it (the
next Monday morning, the next 1 July, ...), so the suite means the same on any day. Under libfaketime
(``make test`` runs the date-sensitive suites a year ahead too) it moves with the faked clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from fsapp.ivr.holidays import holiday_name

OSLO = ZoneInfo("Europe/Oslo")
RUN_START = datetime.now(timezone.utc).replace(microsecond=0)

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)

EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NB_MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")
NB_WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


def next_weekday(weekday: int, hour: int, minute: int = 0, *, tz: tzinfo = OSLO,
                 after: datetime | None = None) -> datetime:
    """``weekday`` at ``hour:minute`` local time, on the first such day after the day of ``after`` (RUN_START).

    Never today, so the moment is in the future even for a test that runs long, and clear of anything a
    test stores at "now".
    """
    start = (after or RUN_START).astimezone(tz).date()
    days = (weekday - start.weekday()) % 7 or 7
    return datetime.combine(start + timedelta(days=days), time(hour, minute), tz)


def next_date(month: int, day: int, hour: int = 12, minute: int = 0, *, tz: tzinfo = OSLO,
              after: datetime | None = None) -> datetime:
    """The next ``month``/``day`` at ``hour:minute`` strictly after ``after`` (RUN_START) in a later year if need be.

    For tests whose point is a season (summer time, winter time): ``next_date(7, 1, 8, 30)``.
    """
    moment = (after or RUN_START).astimezone(tz)
    year = moment.year
    while True:
        candidate = datetime.combine(date(year, month, day), time(hour, minute), tz)
        if candidate > moment:
            return candidate
        year += 1


def next_working(weekday: int, hour: int, minute: int = 0, *, tz: tzinfo = OSLO,
                 calendar: str = "NO", city_closed: frozenset[tuple[int, int]] = frozenset({(12, 24), (12, 31)}),
                 after: datetime | None = None) -> datetime:
    """Like :func:`next_weekday`, on a day that is no public holiday of ``calendar`` and none of the example
    menu's own closed days (``city_closed``: month, day): a day the center is open."""
    moment = next_weekday(weekday, hour, minute, tz=tz, after=after)
    while holiday_name(calendar, moment.date()) or (moment.month, moment.day) in city_closed:
        moment = next_weekday(weekday, hour, minute, tz=tz, after=moment)
    return moment


MONDAY_MORNING = next_working(MONDAY, 10)
"""The next working Monday at 10:00 in Oslo: the center is open and staffed."""

SUNDAY_NOON = next_weekday(SUNDAY, 12)
"""A Sunday at noon in Oslo: the center is closed."""


def en_day_month(moment: datetime) -> str:
    """``Tuesday 24 November``: how the English prompts name a day."""
    return f"{EN_WEEKDAYS[moment.weekday()]} {moment.day} {EN_MONTHS[moment.month - 1]}"


def nb_day_month(moment: datetime) -> str:
    """``tirsdag 24. november``: how the Norwegian prompts name a day."""
    return f"{NB_WEEKDAYS[moment.weekday()]} {moment.day}. {NB_MONTHS[moment.month - 1]}"
