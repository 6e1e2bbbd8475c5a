"""The channels report: contacts per channel and direction, from the control API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fsapp.controller import Controller
from tests.channels.conftest import api_as


def test_the_report_counts_contacts_per_channel(make_controller: Callable[..., Controller]) -> None:
    controller = make_controller()
    store = controller.store
    now = controller.utc_now()
    for channel, direction in [("phone", "in"), ("phone", "in"), ("email", "in"), ("email", "out"), ("chat", "in"),
                               ("social", "in"), ("sms", "out")]:
        store.record_interaction(channel, direction, at=now)
    store.record_interaction("chat", "in", at=now - timedelta(days=3))   # outside the day asked for
    report = api_as(controller, "tok-supervisor").get("/api/v1/reports/channels")
    assert report["columns"] == ["channel", "in", "out", "contacts"]
    assert {row["channel"]: (row["in"], row["out"]) for row in report["rows"]} == {
        "chat": (1, 0), "email": (1, 1), "phone": (2, 0), "sms": (0, 1), "social": (1, 0)}
