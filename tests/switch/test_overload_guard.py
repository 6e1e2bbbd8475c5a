"""The overload guard: every new caller let in while the switch answers commands in time; while not, callers let
in at a pace, the others waiting at the door in order of arrival until there is room or their wait is over."""

from __future__ import annotations

from fsapp.switch.overload import (
    BURST,
    HOLD,
    MIN_EVIDENCE,
    WINDOW,
    Admission,
    OverloadGuard,
    Ticket,
)

LIMIT = 0.5
IN, WAITING, REFUSED, LEFT = Admission.IN, Admission.WAITING, Admission.REFUSED, Admission.LEFT


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def overloaded_after(callers: int, wait: float = 0.0) -> tuple[OverloadGuard, Clock]:
    """A guard whose first window let ``callers`` in while the commands came back late: the next sets the pace."""
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock, wait)
    assert all(guard.admit() for _ in range(callers))
    for seconds in (0.9, 1.2, 0.7):
        guard.observe(seconds)
    clock.now += WINDOW
    return guard, clock


def states(guard: OverloadGuard, tickets: list[Ticket]) -> list[Admission]:
    return [guard.poll(ticket) for ticket in tickets]


def test_every_caller_is_let_in_while_commands_are_answered_in_time() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock, wait=10.0)
    for _ in range(20):
        for seconds in [0.01] * 300 + [2.0] * 10:   # a few slow ones (a long api command) among many
            guard.observe(seconds)
        assert [guard.arrive().state for _ in range(40)] == [IN] * 40
        clock.now += WINDOW
    assert (guard.share, guard.pace, guard.waiting, guard.refused) == (1.0, None, 0, 0)


def test_an_overloaded_window_paces_callers_at_half_those_it_let_in_and_spreads_the_refusals() -> None:
    guard, clock = overloaded_after(32)
    decisions = []
    for _ in range(32):   # as many again over the next second, none of them waiting
        decisions.append(guard.admit())
        clock.now += WINDOW / 32
    assert guard.pace == 16 and guard.last_median == 0.9
    assert decisions[:6] == [False, False, True, False, True, False]   # every other caller, not the first half
    assert sum(decisions) == 15 and guard.refused == 17 and guard.waiting == 0


def test_waiting_callers_are_let_in_in_order_of_arrival_as_the_pace_makes_room() -> None:
    guard, clock = overloaded_after(32, wait=10.0)
    tickets = [guard.arrive() for _ in range(20)]
    assert guard.pace == 16 and guard.waiting == 20 and guard.share == 0.5
    clock.now += 0.5   # room for eight
    assert states(guard, tickets) == [IN] * 8 + [WAITING] * 12
    newcomer = guard.arrive()   # behind those already waiting
    assert newcomer.state is WAITING and guard.waiting == 13
    clock.now += 0.25
    assert states(guard, tickets + [newcomer]) == [IN] * 12 + [WAITING] * 9
    assert guard.refused == 0


def test_a_caller_the_pace_cannot_let_in_within_its_wait_is_refused_at_once_or_when_its_wait_is_over() -> None:
    guard, clock = overloaded_after(32, wait=0.25)   # a pace of 16: room for four within a wait
    tickets = [guard.arrive() for _ in range(10)]
    assert states(guard, tickets) == [WAITING] * 4 + [REFUSED] * 6   # no ringing for nothing
    clock.now += 0.125
    assert states(guard, tickets) == [IN] * 2 + [WAITING] * 2 + [REFUSED] * 6
    clock.now += 0.25   # the room for the rest came only after their wait was over
    assert states(guard, tickets) == [IN] * 2 + [REFUSED] * 8
    assert guard.refused == 8 and guard.waiting == 0


def test_a_caller_who_hangs_up_while_waiting_gives_its_place_to_the_next() -> None:
    guard, clock = overloaded_after(32, wait=10.0)
    first, second, third = (guard.arrive() for _ in range(3))
    guard.leave(second)
    clock.now += 0.125   # room for two
    assert states(guard, [first, second, third]) == [IN, LEFT, IN]
    assert guard.waiting == 0 and guard.refused == 0


def test_room_saved_up_while_nobody_waits_is_a_fifth_of_a_second_of_the_pace() -> None:
    guard, clock = overloaded_after(32, wait=10.0)
    assert not guard.admit() and guard.pace == 16
    clock.now += 0.5   # nobody came: eight callers' room, but only BURST seconds' worth is kept
    tickets = [guard.arrive() for _ in range(8)]
    assert states(guard, tickets) == [IN] * int(16 * BURST) + [WAITING] * (8 - int(16 * BURST))


def test_a_cut_is_given_time_to_show_before_the_next() -> None:
    guard, clock = overloaded_after(40)
    paces = []
    for _ in range(HOLD + 1):
        guard.admit()
        paces.append(guard.pace)
        for _ in range(MIN_EVIDENCE):
            guard.observe(3.0)   # the commands still late, every window
        clock.now += WINDOW
    assert paces == [20] * HOLD + [10]


def test_calm_windows_raise_the_pace_by_a_tenth_of_the_callers_until_every_caller_is_let_in_again() -> None:
    guard, clock = overloaded_after(40)
    paces = []
    for _ in range(7):
        for _ in range(40):
            guard.admit()
        paces.append(guard.pace)
        for _ in range(MIN_EVIDENCE):
            guard.observe(0.02)
        clock.now += WINDOW
    assert paces == [20, 24, 28, 32, 36, 40, None]   # at 44, a tenth ahead of the 40 arriving a second: all in
    assert guard.share == 1.0 and all(guard.admit() for _ in range(100))


def test_the_pace_keeps_rising_while_callers_wait_so_that_the_line_drains() -> None:
    guard, clock = overloaded_after(40, wait=30.0)
    tickets = [guard.arrive() for _ in range(40)]   # a burst twice the pace
    clock.now += WINDOW   # a calm second: twenty in, and the pace up by a tenth of the forty asking
    assert states(guard, tickets) == [IN] * 20 + [WAITING] * 20 and guard.pace == 24
    clock.now += WINDOW   # the rest in; nobody waits or arrives: every caller let in again
    assert states(guard, tickets) == [IN] * 40
    assert guard.admit() and guard.pace is None and guard.refused == 0


def test_too_few_commands_tell_nothing_and_idle_seconds_count_as_calm() -> None:
    clock = Clock()
    guard = OverloadGuard(LIMIT, clock)
    for seconds in [5.0] * (MIN_EVIDENCE - 1):
        guard.observe(seconds)
    clock.now += WINDOW
    assert all(guard.admit() for _ in range(10)) and guard.pace is None
    guard, clock = overloaded_after(40)
    assert not guard.admit() and guard.pace == 20
    clock.now += 3 * WINDOW   # three windows without a command or a caller: nobody is pressing, all in again
    assert guard.admit() and guard.pace is None


def test_a_zero_limit_refuses_nobody() -> None:
    clock = Clock()
    guard = OverloadGuard(0.0, clock, wait=10.0)
    for _ in range(5):
        for _ in range(10):
            guard.observe(60.0)
        clock.now += WINDOW
        assert [guard.arrive().state for _ in range(10)] == [IN] * 10
    assert guard.refused == 0 and guard.waiting == 0
