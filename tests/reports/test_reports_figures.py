"""Reports over known synthetic traffic written to the store; expected figures computed from the rows."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fsapp.reports import build_report, write_chart, write_csv
from fsapp.store import open_store
from fsapp.store.workflow import ManualClock
from tests import timeline

OSLO = ZoneInfo("Europe/Oslo")
THRESHOLDS = {"roads": 20.0, "water": 15.0}
OUTCOMES = ["answered"] * 6 + ["abandoned"] * 3 + ["callback"]
WEEK = timeline.next_weekday(timeline.MONDAY, 0, after=timeline.RUN_START - timedelta(days=14))
"""Midnight starting a Monday one or two weeks ago: the synthetic calls come on that Monday to Wednesday."""


def synthetic_calls(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for index in range(120):
        day = (WEEK + timedelta(days=index % 3)).replace(hour=7, minute=30)
        started = day + timedelta(minutes=rng.randrange(0, 600))
        queue = rng.choice(["roads", "water", None])
        outcome = rng.choice(OUTCOMES) if queue else "ivr"
        rows.append({"uuid": f"call-{index}", "started": started, "queue": queue, "outcome": outcome,
                     "agent": rng.choice(["ola", "ingrid"]) if outcome == "answered" else None,
                     "wait": float(rng.randrange(0, 60)) if queue else 0.0,
                     "talk": float(rng.randrange(30, 400)) if outcome == "answered" else 0.0})
    return rows


@pytest.fixture
def store(tmp_path: Path):
    opened = open_store(f"sqlite:///{tmp_path / 'reports.db'}", clock=ManualClock(timeline.RUN_START))
    opened.migrate()
    for row in synthetic_calls():
        opened.record_call(row["uuid"], "in", row["started"], caller_number="+4790000001", queue=row["queue"],
                           agent=row["agent"], wait_seconds=row["wait"], talk_seconds=row["talk"],
                           outcome=row["outcome"])
    yield opened
    opened.close()


def period() -> tuple[datetime, datetime]:
    return WEEK, WEEK + timedelta(days=3)


def expected_queue(rows: list[dict], threshold_of) -> dict:
    queued = [r for r in rows if r["queue"]]
    answered = [r for r in queued if r["outcome"] == "answered"]
    abandoned = [r for r in queued if r["outcome"] == "abandoned"]
    within = sum(1 for r in answered if r["wait"] <= threshold_of(r))
    late = sum(1 for r in abandoned if r["wait"] > threshold_of(r))
    return {"offered": len(queued), "answered": len(answered), "abandoned": len(abandoned),
            "abandoned_short": sum(1 for r in abandoned if r["wait"] < 5),
            "asa": round(sum(r["wait"] for r in answered) / len(answered), 1),
            "aht": round(sum(r["talk"] for r in answered) / len(answered), 1),
            "service_level": round(within / (len(answered) + late), 3)}


def test_queue_report_matches_the_rows(store) -> None:
    table = build_report(store, "queues", *period(), zone=OSLO, thresholds=THRESHOLDS)
    rows = synthetic_calls()
    got = {row["queue"]: row for row in table.as_dicts()}
    assert sorted(got) == ["roads", "water"]
    for name in ("roads", "water"):
        want = expected_queue([r for r in rows if r["queue"] == name], lambda r: THRESHOLDS[r["queue"]])
        assert {key: got[name][key] for key in want} == want


def test_daily_report_and_calls_per_hour(store) -> None:
    table = build_report(store, "daily", *period(), zone=OSLO, thresholds=THRESHOLDS)
    rows = synthetic_calls()
    by_day: dict[str, list[dict]] = {}
    for row in rows:
        by_day.setdefault(row["started"].date().isoformat(), []).append(row)
    assert [row["date"] for row in table.as_dicts()] == sorted(by_day)
    for row in table.as_dicts():
        day_rows = by_day[row["date"]]
        assert row["calls"] == len(day_rows)
        want = expected_queue(day_rows, lambda r: THRESHOLDS[r["queue"]])
        assert {key: row[key] for key in want} == want
    hours = table.extra["calls_per_hour"]
    assert sum(hours.values()) == len(rows)
    for hour in range(24):
        assert hours[hour] == sum(1 for r in rows if r["started"].hour == hour)


def test_agent_report_occupancy(store) -> None:
    table = build_report(store, "agents", *period(), zone=OSLO)
    rows = [r for r in synthetic_calls() if r["outcome"] == "answered"]
    for got in table.as_dicts():
        mine = [r for r in rows if r["agent"] == got["agent"]]
        assert got["answered"] == len(mine)
        assert got["talk_seconds"] == round(sum(r["talk"] for r in mine), 1)
        span = 0.0
        for day in {r["started"].date() for r in mine}:
            todays = [r for r in mine if r["started"].date() == day]
            first = min(r["started"] + timedelta(seconds=r["wait"]) for r in todays)
            last = max(r["started"] + timedelta(seconds=r["wait"] + r["talk"]) for r in todays)
            span += (last - first).total_seconds()
        assert got["occupancy"] == round(sum(r["talk"] for r in mine) / span, 3)


def test_period_bounds_exclude_other_days(store) -> None:
    start = WEEK + timedelta(days=1)
    table = build_report(store, "daily", start, start + timedelta(days=1), zone=OSLO, thresholds=THRESHOLDS)
    assert [row["date"] for row in table.as_dicts()] == [start.date().isoformat()]


def test_categories_count_cases_in_the_period(store) -> None:
    store.add_category("roads", "Roads")
    store.add_category("water", "Water")
    made = ["roads", "water", "roads", "roads"]
    for category in made:
        store.new_case(category, "pothole", "test")
    now = store.clock()
    table = build_report(store, "categories", now - timedelta(hours=1), now + timedelta(hours=1), zone=OSLO)
    assert table.rows == [["roads", 3], ["water", 1]]


def test_csv_and_png(store, tmp_path: Path) -> None:
    table = build_report(store, "queues", *period(), zone=OSLO, thresholds=THRESHOLDS)
    parsed = list(csv.reader(io.StringIO(write_csv(table, tmp_path / "q.csv").read_text())))
    assert parsed[0] == table.headers and len(parsed) == 1 + len(table.rows)
    png = write_chart(table, tmp_path / "q.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
