"""Pure pacing, windows and retry rules, driven by a fake clock."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from tests import timeline
from fsapp.dialer import CallingWindows, Pacer, ProgressiveRatio, RetryRules, SettingsError, outcome_of_cause

OSLO_MONDAY_0859 = timeline.next_weekday(timeline.MONDAY, 8, 59)


def test_window_opens_at_local_time_and_skips_closed_days() -> None:
    windows = CallingWindows.parse({"mon-fri": "09:00-20:00", "sat": "10:00-14:00"}, "Europe/Oslo")
    assert not windows.is_open(OSLO_MONDAY_0859)
    assert windows.is_open(OSLO_MONDAY_0859 + timedelta(minutes=1))
    assert windows.next_open(OSLO_MONDAY_0859) == OSLO_MONDAY_0859 + timedelta(minutes=1)
    saturday_late = timeline.next_weekday(timeline.SATURDAY, 15, 30).astimezone(timezone.utc)
    assert not windows.is_open(saturday_late)
    assert windows.next_open(saturday_late) == timeline.next_weekday(timeline.MONDAY, 9, after=saturday_late)


def test_window_follows_summer_time() -> None:
    windows = CallingWindows.parse({"mon-sun": "09:00-20:00"}, "Europe/Oslo")
    summer_0830_utc = timeline.next_date(7, 1, 8, 30).astimezone(timezone.utc)  # 06:30 UTC: Oslo is UTC+2
    assert summer_0830_utc.hour == 6
    assert not windows.is_open(summer_0830_utc)
    assert windows.is_open(summer_0830_utc + timedelta(minutes=30))


@pytest.mark.parametrize("spec", [{"funday": "09:00-10:00"}, {"mon": "20:00-09:00"}, {"mon": "nine to five"}])
def test_bad_windows_are_refused(spec: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        CallingWindows.parse(spec, "Europe/Oslo")


def test_pacer_never_exceeds_concurrency_or_rate() -> None:
    rng = random.Random(7)
    windows = CallingWindows.parse({"mon-fri": "09:00-20:00"}, "Europe/Oslo")
    pacer = Pacer(max_concurrent=4, calls_per_second=3.0, windows=windows)
    now = OSLO_MONDAY_0859
    ends: list[datetime] = []
    starts: list[datetime] = []
    max_active = 0
    for _ in range(20000):
        now += timedelta(milliseconds=rng.randint(1, 80))
        ends = [end for end in ends if end > now]
        pace = pacer.decide(now, len(ends))
        for _ in range(pace.start):
            pacer.started(now)
            starts.append(now)
            ends.append(now + timedelta(seconds=rng.uniform(0.2, 3.0)))
        max_active = max(max_active, len(ends))
    assert starts and starts[0] >= OSLO_MONDAY_0859 + timedelta(minutes=1)  # nothing before the window
    assert max_active == 4
    for index, start in enumerate(starts):
        in_one_second = [s for s in starts[index:index + 10] if s < start + timedelta(seconds=1)]
        assert len(in_one_second) <= 3


def test_pacer_pause_start_and_end() -> None:
    start, end = OSLO_MONDAY_0859 + timedelta(hours=1), OSLO_MONDAY_0859 + timedelta(hours=2)
    pacer = Pacer(2, 1.0, CallingWindows.parse({}, "UTC"), start, end)
    assert pacer.decide(OSLO_MONDAY_0859, 0).wake_at == start
    assert pacer.decide(start, 0, paused=True).start == 0
    assert pacer.decide(start, 0).start == 1
    assert pacer.decide(end, 0).reason == "ended"


def test_progressive_ratio_falls_back_when_abandons_exceed_cap() -> None:
    ratio = ProgressiveRatio(ratio=2.0, max_abandon_rate=0.1)
    assert ratio.ceiling(free_agents=3) == 6
    for abandoned in [False] * 8 + [True] * 2:
        ratio.record(abandoned)
    assert ratio.abandon_rate == pytest.approx(0.2)
    assert ratio.ceiling(free_agents=3) == 3


def test_retry_rules_per_outcome() -> None:
    rules = RetryRules.from_dict({"busy": {"delay": 60, "max": 3}, "no_answer": {"delay": 600, "max": 2}})
    now = OSLO_MONDAY_0859
    assert rules.verdict("busy", 1, now).retry_at == now + timedelta(seconds=60)
    assert rules.verdict("busy", 3, now).result == "exhausted"
    assert rules.verdict("no_answer", 1, now).retry_at == now + timedelta(seconds=600)
    assert rules.verdict("no_answer", 2, now).done
    assert rules.verdict("acknowledged", 1, now).result == "acknowledged"
    assert [outcome_of_cause(c) for c in ("USER_BUSY", "NO_ANSWER", "NORMAL_TEMPORARY_FAILURE")] == \
        ["busy", "no_answer", "failed"]
    with pytest.raises(SettingsError):
        RetryRules.from_dict({"bored": {"delay": 1}})


def test_late_wake_ups_catch_up_without_exceeding_the_rate() -> None:
    pacer = Pacer(max_concurrent=100, calls_per_second=10.0, windows=CallingWindows.parse({}, "UTC"))
    now = OSLO_MONDAY_0859
    starts: list[datetime] = []
    for _ in range(200):   # a busy loop looks every 130 ms although a call may start every 100 ms
        now += timedelta(milliseconds=130)
        pace = pacer.decide(now, 0)
        while pace.start:
            pacer.started(now)
            starts.append(now)
            pace = pacer.decide(now, 0)
    seconds = (starts[-1] - starts[0]).total_seconds()
    assert len(starts) / seconds >= 9.5   # spacing alone (one start per look) would give 7.7 calls/s
    for index, start in enumerate(starts):
        assert len([s for s in starts[index:] if s < start + timedelta(seconds=1)]) <= 10
