"""The overload guard: every new caller let in while the switch answers commands in time, fewer while not."""

from __future__ import annotations

from fsapp.switch.overload import INCREASE, MIN_EVIDENCE, WINDOW, OverloadGuard

LIMIT = 0.5


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def window(guard: OverloadGuard, clock: Clock, *round_trips: float) -> None:
    """One window in which the switch answered commands in ``round_trips`` seconds each; the next begins."""
    for seconds in round_trips:
        guard.observe(seconds)
    clock.now += WINDOW


def admitted(guard: OverloadGuard, callers: int) -> int:
    return sum(guard.admit() for _ in range(callers))


def test_every_caller_is_let_in_while_commands_are_answered_in_time() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock)
    window(guard, clock)
    for _ in range(20):
        window(guard, clock, *[0.01] * 300, *[2.0] * 10)   # a few slow ones (a long api command) among many
        assert admitted(guard, 40) == 40
    assert guard.share == 1.0 and guard.refused == 0


def test_slow_commands_halve_the_callers_let_in_and_spread_the_refusals() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock)
    window(guard, clock)
    window(guard, clock, 0.9, 1.2, 0.7, 0.1)
    decisions = [guard.admit() for _ in range(10)]
    assert guard.share == 0.5 and guard.last_median == 0.9
    assert decisions == [False, True] * 5   # every other caller, not the first five
    window(guard, clock, 2.0, 2.5, 3.0)
    assert admitted(guard, 40) == 10
    assert guard.refused == 35


def test_other_windows_give_the_share_back_a_tenth_at_a_time() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock)
    window(guard, clock)
    window(guard, clock, *[1.0] * MIN_EVIDENCE)
    guard.admit()
    assert guard.share == 0.5
    shares = []
    for _ in range(6):
        window(guard, clock, *[0.02] * MIN_EVIDENCE)
        guard.admit()
        shares.append(guard.share)
    assert shares == [0.6, 0.7, 0.8, 0.9, 1.0, 1.0]


def test_too_few_commands_tell_nothing_and_idle_seconds_count_as_calm() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock)
    window(guard, clock)
    window(guard, clock, *[5.0] * (MIN_EVIDENCE - 1))
    assert admitted(guard, 10) == 10
    window(guard, clock, *[5.0] * MIN_EVIDENCE)
    guard.admit()
    assert guard.share == 0.5
    clock.now += 3 * WINDOW   # three windows without a command: three tenths back
    guard.admit()
    assert guard.share == 0.8
    window(guard, clock, *[5.0] * MIN_EVIDENCE)
    clock.now += round(1 / INCREASE) * WINDOW + 1   # a long quiet spell: everyone in again
    assert admitted(guard, 5) == 5 and guard.share == 1.0


def test_a_zero_limit_refuses_nobody() -> None:
    clock = Clock()
    guard = OverloadGuard(0.0, clock)
    for _ in range(5):
        window(guard, clock, *[60.0] * 10)
        assert admitted(guard, 10) == 10
    assert guard.refused == 0
