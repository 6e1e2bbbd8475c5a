"""Figures of a simulated day, per queue and overall, beside what Erlang C and Erlang A predict.

Service level is the share of calls offered to a queue that were answered within the queue's threshold
(``service_level.seconds`` in the ACD file); abandoned calls count as missed. Erlang predictions use
the day's arrival rate, the measured mean handle time (talk + the queue's wrap-up) and the number of
operators who logged in and serve the queue; agents shared between queues make them approximate.
"""

from __future__ import annotations

import math
from typing import Any

from fsapp.simulate.erlang import erlang_a, erlang_c, erlang_c_asa, erlang_c_service_level
from fsapp.simulate.run import DayRecord

BUSY_STATES = ("reserved", "ringing", "on-call", "wrap-up")


def queue_figures(calls: list[dict[str, Any]], threshold: float, seconds: float, agents: int,
                  wrap_up: float, patience: float | None) -> dict[str, Any]:
    """Measured figures of a set of queued calls, with the Erlang C/A predictions for the same load."""
    offered = len(calls)
    answered = [c for c in calls if c["outcome"] == "answered"]
    waits = [c["wait_seconds"] or 0.0 for c in answered]
    in_time = sum(1 for wait in waits if wait <= threshold)
    talk = sum(c["talk_seconds"] or 0.0 for c in answered)
    handle = (talk / len(answered) + wrap_up) if answered else 0.0
    figures: dict[str, Any] = {
        "offered": offered, "answered": len(answered),
        "abandoned": sum(1 for c in calls if c["outcome"] == "abandoned"),
        "callbacks": sum(1 for c in calls if c["outcome"] == "callback"),
        "service_level": round(in_time / offered, 4) if offered else None,
        "average_speed_of_answer": round(sum(waits) / len(waits), 1) if waits else None,
        "longest_wait": round(max((c["wait_seconds"] or 0.0 for c in calls), default=0.0), 1),
        "occupancy": round((talk + wrap_up * len(answered)) / (agents * seconds), 4) if agents else None,
        "agents": agents, "handle_time": round(handle, 1), "threshold": threshold,
    }
    figures.update(predictions(offered / seconds if seconds else 0.0, handle, agents, threshold, patience))
    return figures


def predictions(rate: float, handle: float, agents: int, threshold: float,
                patience: float | None) -> dict[str, Any]:
    """Erlang C (and Erlang A when callers have a finite patience) for ``rate`` calls per second."""
    if rate <= 0 or handle <= 0 or agents <= 0:
        return {"erlang_c": None, "erlang_a": None}
    traffic = rate * handle
    asa = erlang_c_asa(agents, traffic, handle)
    result: dict[str, Any] = {"erlang_c": {
        "traffic": round(traffic, 2), "wait_probability": round(erlang_c(agents, traffic), 4),
        "service_level": round(erlang_c_service_level(agents, traffic, handle, threshold), 4),
        "average_speed_of_answer": None if math.isinf(asa) else round(asa, 1)}, "erlang_a": None}
    if patience:
        model = erlang_a(agents, rate, handle, patience, threshold)
        result["erlang_a"] = {"service_level": round(model.service_level, 4),
                              "abandoned": round(model.abandon_probability, 4),
                              "average_wait": round(model.average_wait, 1)}
    return result


def summarize(day: DayRecord, queue_settings: dict[str, tuple[float, float]],
              patience: float | None) -> dict[str, Any]:
    """Per queue and overall figures. ``queue_settings``: queue -> (threshold seconds, wrap-up seconds)."""
    seconds = day.hours * 3600
    queued = [c for c in day.calls if c["queue"]]
    queues = {}
    for name, (threshold, wrap_up) in queue_settings.items():
        calls = [c for c in queued if c["queue"] == name]
        if calls:
            queues[name] = queue_figures(calls, threshold, seconds, len(day.agents_of_queue.get(name, [])),
                                         wrap_up, patience)
    thresholds = [threshold for threshold, _ in queue_settings.values()] or [20.0]
    wrap_ups = [wrap_up for _, wrap_up in queue_settings.values()] or [0.0]
    overall = queue_figures(queued, min(thresholds), seconds, len(day.logged_in),
                            sum(wrap_ups) / len(wrap_ups), patience)
    overall["occupancy"] = occupancy(day)
    overall["calls"] = len(day.calls)
    overall["callbacks"] = sum(1 for c in day.calls if c["outcome"] == "callback")
    return {"queues": queues, "overall": overall,
            "simulated_seconds": round(day.simulated_seconds, 1), "wall_seconds": round(day.wall_seconds, 2)}


def occupancy(day: DayRecord) -> float | None:
    """Share of operators' logged-in, not-on-break time spent on calls (ringing to end of wrap-up)."""
    busy = ready = 0.0
    last: dict[str, tuple[float, str]] = {}
    end = day.simulated_seconds
    for at, agent, state in [*day.agent_states, *((end, a, "logged-out") for a in day.logged_in)]:
        if agent in last:
            since, previous = last[agent]
            if previous in BUSY_STATES:
                busy += at - since
            if previous in BUSY_STATES or previous == "available":
                ready += at - since
        last[agent] = (at, state)
    return round(busy / ready, 4) if ready else None


def hourly_service_level(day: DayRecord, threshold: float) -> list[float | None]:
    """Service level of the queued calls arriving in each hour of the day."""
    hours = max(1, math.ceil(day.hours))
    offered = [0] * hours
    in_time = [0] * hours
    for call in day.calls:
        if not call["queue"]:
            continue
        hour = min(hours - 1, int((call["started_at"].timestamp() - day.day_start) // 3600))
        offered[hour] += 1
        if call["outcome"] == "answered" and (call["wait_seconds"] or 0.0) <= threshold:
            in_time[hour] += 1
    return [in_time[h] / offered[h] if offered[h] else None for h in range(hours)]
