"""The results of finished calls: kept for whoever waits, and only the latest few."""

from __future__ import annotations

import gevent
import pytest

from fsapp.results import ResultBook
from tests.api.api_waits import until_idle

WAIT = 10.0


def test_the_result_book_keeps_the_latest_results_and_wakes_waiters() -> None:
    book: ResultBook[int] = ResultBook(keep=3)
    waiter = gevent.spawn(book.wait, "late", WAIT)
    until_idle()   # the waiter is waiting before the results come
    for number in range(10):
        book.set(str(number), number)
    book.set("late", 99)
    assert waiter.get(timeout=WAIT) == 99
    assert len(book) == 3 and book.wait("9", 0.01) == 9
    with pytest.raises(gevent.Timeout):
        book.wait("0", 0.01)   # forgotten: only the latest three are kept
    assert len(book) == 3      # a waiter that gives up takes its slot with it
