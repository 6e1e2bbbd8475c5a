"""Reports as tables: the figures of :mod:`fsapp.reports.figures` over the store's calls in a period.

A report reads and sums up every call of its period (hundreds of thousands), so it is built on the bulk
lane (:mod:`fsapp.offhub`): asked for from the control API, it never stops the calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Protocol

from fsapp.offhub import BULK, STORE, off_hub, release
from fsapp.reports.errors import UnknownReport
from fsapp.reports.figures import (Thresholds, _local, agent_figures, calls_per_hour, category_counts,
                                   queue_figures, service_level)

QUEUE_COLUMNS = ["offered", "answered", "abandoned", "abandoned_short", "abandon_rate", "avg_abandon_wait",
                 "asa", "service_level", "aht"]


class CallSource(Protocol):
    """What reports read (the store implements it)."""

    def calls_between(self, start: datetime, end: datetime) -> list[dict[str, Any]]: ...

    def find_cases(self, **filters: Any) -> list[Any]: ...

    def contacts_per_channel(self, start: datetime, end: datetime) -> list[dict[str, Any]]: ...


@dataclass
class Table:
    """A report: columns, rows, and which column a chart plots against the first."""

    name: str
    headers: list[str]
    rows: list[list[Any]]
    chart_column: str
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.headers, row)) for row in self.rows]

    def as_json(self) -> dict[str, Any]:
        return {"report": self.name, "columns": self.headers, "rows": self.as_dicts(), **self.extra}


def daily(rows: list[dict[str, Any]], zone: tzinfo, thresholds: Thresholds) -> Table:
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_day[_local(row["started_at"], zone).date().isoformat()].append(row)
    table = [[day, len(day_rows)] + [queue_figures(day_rows, thresholds)[c] for c in QUEUE_COLUMNS]
             for day, day_rows in sorted(by_day.items())]
    return Table("daily", ["date", "calls"] + QUEUE_COLUMNS, table, "offered",
                 {"calls_per_hour": calls_per_hour(rows, zone)})


def queues(rows: list[dict[str, Any]], zone: tzinfo, thresholds: Thresholds) -> Table:
    by_queue: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row.get("queue"):
            by_queue[row["queue"]].append(row)
    table = [[name] + [queue_figures(queue_rows, thresholds)[c] for c in QUEUE_COLUMNS]
             for name, queue_rows in sorted(by_queue.items())]
    return Table("queues", ["queue"] + QUEUE_COLUMNS, table, "offered")


def agents(rows: list[dict[str, Any]], zone: tzinfo, thresholds: Thresholds) -> Table:
    figures = agent_figures(rows, zone)
    columns = ["answered", "talk_seconds", "aht", "occupancy"]
    return Table("agents", ["agent"] + columns, [[agent] + [f[c] for c in columns] for agent, f in figures.items()],
                 "answered")


def channels(source: CallSource, start: datetime, end: datetime) -> Table:
    """Contacts per channel (phone, e-mail, SMS, chat, social media...), in and out, in ``[start, end)``."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"in": 0, "out": 0})
    for row in source.contacts_per_channel(start, end):
        counts[row["channel"]][row["direction"]] += row["contacts"]
    table = [[name, c["in"], c["out"], c["in"] + c["out"]] for name, c in sorted(counts.items())]
    return Table("channels", ["channel", "in", "out", "contacts"], table, "contacts")


REPORTS = ("daily", "queues", "agents", "categories", "channels")
CHART_COLUMNS = {"daily": "offered", "queues": "offered", "agents": "answered", "categories": "cases",
                 "channels": "contacts"}
_FROM_CALLS = {"daily": daily, "queues": queues, "agents": agents}


@off_hub(BULK)
def build_report(source: CallSource, name: str, start: datetime, end: datetime, *, zone: tzinfo,
                 thresholds: Thresholds | None = None, top: int | None = None) -> Table:
    """Report ``name`` (one of :data:`REPORTS`) for calls or cases in ``[start, end)``."""
    if name == "categories":
        cases = source.find_cases(received_from=start, received_to=end, limit=1_000_000)
        ranked = category_counts((case.category_code or case.category for case in cases), top)
        release(cases)
        return Table("categories", ["category", "cases"], [list(item) for item in ranked], "cases")
    if name == "channels":
        return channels(source, start, end)
    build = _FROM_CALLS.get(name)
    if build is None:
        raise UnknownReport(f"no report {name!r} (known: {', '.join(REPORTS)})")
    rows = source.calls_between(start, end)
    try:
        return build(rows, zone, thresholds if thresholds is not None else {})
    finally:
        release(rows)



@off_hub(STORE)   # part of the live picture: not queued behind reports
def service_levels(source: CallSource, start: datetime, end: datetime,
                   thresholds: Mapping[str, float]) -> dict[str, float | None]:
    """Each queue's service level (``thresholds``: queue -> seconds) over the calls in ``[start, end)``."""
    rows = source.calls_between(start, end)
    by_queue: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_queue[row["queue"] or ""].append(row)
    levels = {name: service_level(by_queue[name], seconds) for name, seconds in thresholds.items()}
    by_queue.clear()
    release(rows)
    return levels
