"""Estimated wait, handle-time averages, announcements and service level, on a fake clock."""

from __future__ import annotations

import pytest
from acd_builders import of_type

from fsapp.acd import Announce, AnnouncePolicy, estimated_wait
from fsapp.acd.stats import HandleTimeEstimator, ServiceLevelStats


def test_handle_time_starts_from_the_default_then_follows_an_ewma() -> None:
    estimator = HandleTimeEstimator(default=180, weight=0.5)
    assert estimator.average == 180
    estimator.add(100)
    assert estimator.average == 100
    estimator.add(200)
    assert estimator.average == 150
    assert estimator.samples == 2


def test_estimated_wait_scales_with_position_and_staff() -> None:
    assert estimated_wait(1, 120, 2) == 30
    assert estimated_wait(5, 120, 2) == 270
    assert estimated_wait(5, 120, 4) == 135
    assert estimated_wait(3, 120, 0) is None


def test_service_level_counts_late_abandons_only() -> None:
    stats = ServiceLevelStats(threshold=20, window=100)
    stats.record(0, "answered", 5)
    stats.record(1, "answered", 30)
    stats.record(2, "abandoned", 3)      # hung up quickly: not held against the queue
    stats.record(3, "abandoned", 40)
    assert stats.level == pytest.approx(1 / 3)
    stats.record(150, "answered", 1)
    assert stats.recent_level(150) == 1.0   # older calls have left the window
    assert stats.level == pytest.approx(2 / 4)


def test_announcements_follow_the_schedule_with_position_and_estimate(make_router, clock) -> None:
    queues = {"q": {"announce": AnnouncePolicy(every=60, first_after=30), "default_handle_time": 200}}
    agents = {"a1": {"queues": {"q": 1}}, "a2": {"queues": {"q": 1}}}
    router = make_router(queues, agents)
    router.call_arrived("busy1", "q")
    router.call_arrived("busy2", "q")
    router.offer_answered("busy1", "a1")
    router.offer_answered("busy2", "a2")
    for uuid in ("w1", "w2", "w3"):
        router.call_arrived(uuid, "q")
    clock.advance(29)
    assert router.tick() == []
    clock.advance(1)
    announcements = of_type(router.tick(), Announce)
    assert [(a.call_uuid, a.position) for a in announcements] == [("w1", 1), ("w2", 2), ("w3", 3)]
    assert [a.estimated_wait for a in announcements] == [50.0, 150.0, 250.0]
    assert router.next_deadline() == clock() + 60
    clock.advance(60)
    assert len(of_type(router.tick(), Announce)) == 3


def test_estimate_learns_from_handled_calls(make_router, clock) -> None:
    router = make_router({"q": {"wrap_up": 10, "default_handle_time": 600}}, {"a1": {"queues": {"q": 1}}})
    for number in range(3):
        uuid = f"c{number}"
        router.call_arrived(uuid, "q")
        router.offer_answered(uuid, "a1")
        clock.advance(50)
        router.call_ended(uuid)
        clock.advance(10)
        router.tick()
    assert router.queue_stats("q")["average_handle_time"] == pytest.approx(60.0)
    router.agent_break("a1", "x")
    router.agent_ready("a1")
    router.call_arrived("busy", "q")
    router.offer_answered("busy", "a1")
    router.call_arrived("w1", "q")
    assert router.estimated_wait("w1") == pytest.approx(30.0)


def test_queue_stats_report_service_level_against_target(make_router, clock) -> None:
    router = make_router({"q": {}}, {"a1": {"queues": {"q": 1}}})
    router.call_arrived("fast", "q")
    clock.advance(5)
    router.offer_answered("fast", "a1")
    router.call_arrived("slow", "q")
    clock.advance(45)
    router.call_ended("slow")
    stats = router.queue_stats("q")
    assert stats["service_level"] == 0.5 and stats["service_level_target"] == 0.8
    assert stats["waiting"] == 0 and stats["agents"] == {"on-call": 1}


def test_the_service_level_window_stays_as_small_as_its_seconds_whatever_the_call_rate() -> None:
    stats = ServiceLevelStats(threshold=20, window=100)
    for n in range(20_000):   # 100 calls a second for 200 s; every fourth answered late
        stats.record(n / 100, "answered", 30 if n % 4 == 0 else 5)
    assert len(stats.recent) == 101   # seconds 99..199 (the window's 100 s, and the second it began in)
    assert stats.recent_level(199.99) == pytest.approx(0.75)
    assert len(stats.as_dict()["recent_seconds"]) == 101
    stats.record(400, "abandoned", 50)
    assert stats.recent_level(400) == 0.0 and len(stats.recent) == 1


def test_the_service_level_window_survives_a_snapshot_of_either_form() -> None:
    stats = ServiceLevelStats(threshold=20, window=100)
    calls = [(10.2, "answered", 5), (10.7, "answered", 25), (11.0, "abandoned", 3), (12.5, "abandoned", 40)]
    for at, outcome, waited in calls:
        stats.record(at, outcome, waited)
    restored = ServiceLevelStats(threshold=20, window=100)
    restored.load(stats.as_dict())
    older = ServiceLevelStats(threshold=20, window=100)   # a snapshot written when the window kept every call
    older.load({"answered": 2, "answered_within": 1, "abandoned": 2, "abandoned_after": 1,
                "recent": [[at, outcome, waited <= 20] for at, outcome, waited in calls]})
    for each in (stats, restored, older):
        assert each.recent_level(50) == pytest.approx(1 / 3)
        assert each.level == pytest.approx(1 / 3)
    assert restored.recent == older.recent == stats.recent
    assert restored.recent_level(112.9) == 0.0   # second 10 has left the window: the late abandon is left
    assert restored.recent_level(113.5) is None
