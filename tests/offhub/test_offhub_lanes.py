"""Lanes: work runs on their threads, bounded, with results, errors and timeouts back in the greenlet."""

from __future__ import annotations

import threading

import gevent
import pytest

from fsapp.offhub import (
    RELEASE_SLICE,
    Lane,
    OffHubTimeout,
    in_flight,
    off_hub,
    on_worker,
    release,
)
from tests.api.api_waits import until_idle

WAIT = 10.0


def test_work_runs_on_a_lane_thread_and_its_result_comes_back() -> None:
    lane = Lane("test-result", 2)
    ident, worker = lane.run(lambda: (threading.get_ident(), on_worker()))
    assert ident != threading.get_ident() and worker
    assert not on_worker()


def test_an_exception_comes_back_unchanged() -> None:
    lane = Lane("test-error", 1)

    def fail() -> None:
        raise KeyError("missing")

    with pytest.raises(KeyError, match="missing"):
        lane.run(fail)


def test_work_started_on_a_lane_thread_runs_there() -> None:
    outer, inner = Lane("test-outer", 1), Lane("test-inner", 1)
    first, second = outer.run(lambda: (threading.get_ident(), inner.run(threading.get_ident)))
    assert first == second


def test_a_lane_runs_at_most_its_threads_at_once() -> None:
    lane = Lane("test-bound", 2)
    release, two_running, running, most = threading.Event(), threading.Event(), [0], [0]
    guard = threading.Lock()

    def work() -> None:
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
            if running[0] == 2:
                two_running.set()
        release.wait(WAIT)
        with guard:
            running[0] -= 1

    greenlets = [gevent.spawn(lane.run, work) for _ in range(5)]
    until_idle()   # the spawned greenlets have started and handed their work to the lane
    assert in_flight() == 5
    assert two_running.wait(WAIT)   # the threads need no hub: waiting here blocks nothing they need
    release.set()
    gevent.joinall(greenlets, timeout=WAIT, raise_error=True)
    assert most[0] == 2 and in_flight() == 0


def test_a_timeout_abandons_the_wait_and_the_greenlet_goes_on() -> None:
    lane = Lane("test-timeout", 1)
    release, finished = threading.Event(), threading.Event()

    def stuck() -> None:
        release.wait(WAIT)
        finished.set()

    with pytest.raises(OffHubTimeout, match="took more than 0.05 s"):
        lane.run_timed(0.05, stuck)
    with pytest.raises(OffHubTimeout):   # the only thread is still busy: waiting for it counts too
        lane.run_timed(0.05, lambda: None)
    release.set()
    assert finished.wait(WAIT)
    assert lane.run_timed(WAIT, lambda: "free again") == "free again"


def test_the_hub_serves_other_greenlets_while_a_lane_works() -> None:
    lane = Lane("test-free", 1)
    release = threading.Event()
    ticks: list[int] = []

    def ticker() -> None:
        while len(ticks) < 5:
            ticks.append(1)
            until_idle()   # a tick each time the hub has nothing else to run
        release.set()

    gevent.spawn(ticker)
    assert lane.run(lambda: release.wait(WAIT))   # only the hub running the ticker can release it
    assert len(ticks) == 5


def test_a_decorated_function_always_leaves_the_hub() -> None:
    @off_hub(Lane("test-decorated", 1))
    def where(word: str, *, times: int) -> tuple[str, bool]:
        return word * times, on_worker()

    assert where("ab", times=2) == ("abab", True)


def test_a_big_result_is_freed_a_slice_at_a_time_to_the_last_row() -> None:
    rows = [{"row": index} for index in range(3 * RELEASE_SLICE + 1)]
    release(rows)
    assert rows == []
