"""Public holidays of the country a schedule names (``holidays: NO`` or ``holidays: NO-03``), computed for any year.

Backed by the maintained ``holidays`` package, so next year's Easter and Whitsun close the center without
anyone editing a list; the city's own closed days stay in ``closed_dates``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as public_holidays


class UnknownHolidayCalendar(ValueError):
    """The country or subdivision of ``holidays:`` is not one the holidays package knows."""


def split_calendar(name: str) -> tuple[str, str | None]:
    """``"NO-03"`` -> ``("NO", "03")``; ``"pl"`` -> ``("PL", None)``."""
    country, _, subdivision = name.strip().partition("-")
    return country.upper(), subdivision.upper() or None


@lru_cache(maxsize=32)
def calendar(name: str) -> public_holidays.HolidayBase:
    """The holiday calendar for ``name`` (ISO 3166 country code, optionally ``-SUBDIVISION``)."""
    country, subdivision = split_calendar(name)
    try:
        return public_holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as exc:
        raise UnknownHolidayCalendar(f"no public holidays are known for country {country!r}") from exc
    except (KeyError, ValueError) as exc:
        raise UnknownHolidayCalendar(f"no public holidays are known for {name!r}: {exc}") from exc


def holiday_name(name: str, day: date) -> str | None:
    """The public holiday on ``day`` in calendar ``name`` (None: a working day, or no calendar named)."""
    if not name:
        return None
    found = calendar(name).get(day)
    return str(found) if found else None
