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
