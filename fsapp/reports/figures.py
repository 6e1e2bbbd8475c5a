"""The figures themselves, from call rows (dicts as ``Store.calls_between`` returns them). Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

SHORT_ABANDON = 5.0          # seconds: a caller gone this fast probably misdialled
DEFAULT_THRESHOLD = 20.0     # service-level seconds for a queue without its own

Row = Mapping[str, Any]


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


Thresholds = float | Mapping[str, float]


def threshold_of(row: Row, thresholds: Thresholds) -> float:
    """The service-level seconds of the row's queue (one number for all, or queue -> seconds)."""
    if isinstance(thresholds, Mapping):
        return thresholds.get(row.get("queue") or "", DEFAULT_THRESHOLD)
    return float(thresholds)


def service_level(rows: Iterable[Row], thresholds: Thresholds = DEFAULT_THRESHOLD) -> float | None:
    """Answered within the threshold / (answered + abandoned after it); None when nothing counts."""
    within = counted = 0
    for row in rows:
        waited = row["wait_seconds"] or 0.0
        threshold = threshold_of(row, thresholds)
        if row["outcome"] == "answered":
            counted += 1
            within += waited <= threshold
        elif row["outcome"] == "abandoned" and waited > threshold:
            counted += 1
    return round(within / counted, 3) if counted else None


def queue_figures(rows: Iterable[Row], thresholds: Thresholds = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Offered, answered, abandoned (and how fast), ASA, service level, AHT for queued calls in ``rows``."""
    queued = [row for row in rows if row.get("queue")]
    answered = [row for row in queued if row["outcome"] == "answered"]
    abandoned = [row for row in queued if row["outcome"] == "abandoned"]
    return {"offered": len(queued), "answered": len(answered), "abandoned": len(abandoned),
            "other": len(queued) - len(answered) - len(abandoned),
            "abandoned_short": sum(1 for row in abandoned if (row["wait_seconds"] or 0) < SHORT_ABANDON),
            "abandon_rate": round(len(abandoned) / len(queued), 3) if queued else None,
            "avg_abandon_wait": _mean([row["wait_seconds"] or 0.0 for row in abandoned]),
            "asa": _mean([row["wait_seconds"] or 0.0 for row in answered]),
            "service_level": service_level(queued, thresholds),
            "aht": _mean([row["talk_seconds"] or 0.0 for row in answered])}


def _local(moment: datetime, zone: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone)


def agent_figures(rows: Iterable[Row], zone: tzinfo) -> dict[str, dict[str, Any]]:
    """Per agent: answered calls, talk time, AHT and occupancy (talk / working span, per local day)."""
    spans: dict[str, dict[Any, list[datetime]]] = defaultdict(dict)
    talks: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row["outcome"] != "answered" or not row.get("agent"):
            continue
        answered_at = _local(row["started_at"], zone) + timedelta(seconds=row["wait_seconds"] or 0.0)
        ended_at = answered_at + timedelta(seconds=row["talk_seconds"] or 0.0)
        talks[row["agent"]].append(row["talk_seconds"] or 0.0)
        day = spans[row["agent"]].setdefault(answered_at.date(), [answered_at, ended_at])
        day[0], day[1] = min(day[0], answered_at), max(day[1], ended_at)
    result = {}
    for agent, talk in sorted(talks.items()):
        span = sum((end - start).total_seconds() for start, end in spans[agent].values())
        result[agent] = {"answered": len(talk), "talk_seconds": round(sum(talk), 1), "aht": _mean(talk),
                         "occupancy": round(sum(talk) / span, 3) if span > 0 else None}
    return result


def calls_per_hour(rows: Iterable[Row], zone: tzinfo) -> dict[int, int]:
    """Calls by the local hour (0-23) they started; every hour is present."""
    counts = Counter(_local(row["started_at"], zone).hour for row in rows)
    return {hour: counts.get(hour, 0) for hour in range(24)}


def category_counts(categories: Iterable[str], top: int | None = None) -> list[tuple[str, int]]:
    """``(category, count)``, most frequent first (ties by name)."""
    ranked = sorted(Counter(categories).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:top] if top else ranked
