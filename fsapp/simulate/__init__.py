"""``fsapp simulate``: the whole contact center on a laptop, and capacity planning.

The real controller, flows and queues of the configuration run against the simulated switch on a
shared virtual clock (:mod:`fsapp.simulate.vclock`), with synthetic citizens
(:mod:`~fsapp.simulate.traffic`) and operators (:mod:`~fsapp.simulate.operators`). Figures are set
beside Erlang C and Erlang A (:mod:`~fsapp.simulate.erlang`).

Public API::

    from fsapp.simulate import SimulationSettings, simulate, find_staffing
    report = simulate(config, SimulationSettings(hours=8, calls_per_hour=250, agents=10, seed=1))
    report["overall"]["service_level"], report["queues"]["building"]["erlang_c"]
    table = find_staffing(config, SimulationSettings(hours=8, calls_per_hour=250), target=0.8, seconds=20)
"""

from __future__ import annotations

import copy
import math
from typing import Any

from fsapp.config import Config
from fsapp.simulate.erlang import ErlangA, erlang_a, erlang_b, erlang_c, erlang_c_asa, erlang_c_service_level
from fsapp.simulate.results import hourly_service_level, summarize
from fsapp.simulate.run import DayRecord, SimulationSettings, run_day_checked
from fsapp.simulate.vclock import VirtualClock


def simulate(config: Config, settings: SimulationSettings) -> tuple[dict[str, Any], DayRecord]:
    """Run one day and return its figures (see :func:`fsapp.simulate.results.summarize`) and the record."""
    from fsapp.acd.loader import load_acd_config

    acd = load_acd_config(config.acd.file)
    day = run_day_checked(copy.deepcopy(config), settings)
    queue_settings = {name: (queue.service_level.seconds, float(queue.wrap_up)) for name, queue in acd.queues.items()}
    return summarize(day, queue_settings, settings.callers.patience), day


def find_staffing(config: Config, settings: SimulationSettings, target: float, seconds: float,
                  max_rounds: int = 12) -> list[dict[str, Any]]:
    """Operators per hour meeting ``target`` of calls answered within ``seconds``, by repeated simulation.

    Starts one below the Erlang C estimate for each hour's load and adds an operator to each hour that
    misses the target, until every hour meets it; then tries one fewer in each hour that met it with
    room to spare, keeping the reduction only where the target still holds.
    """
    hours = math.ceil(settings.hours)
    staffing = [1] * hours
    first, _ = simulate(config, _with(settings, agents=None, staffing=None))
    handle = first["overall"]["handle_time"] or 240.0
    rates = _hourly_offered(first, hours, settings)
    staffing = [max(1, _erlang_c_agents(rate / 3600 * handle, handle, target, seconds) - 1) for rate in rates]
    levels: list[float | None] = []
    for _ in range(max_rounds):
        _, day = simulate(config, _with(settings, staffing=staffing))
        levels = hourly_service_level(day, seconds)
        missing = [h for h, level in enumerate(levels) if level is not None and level < target]
        if not missing:
            break
        for hour in missing:
            staffing[hour] += 1
    levels = _try_one_fewer(config, settings, staffing, levels, target, seconds)
    return [{"hour": hour, "operators": staffing[hour], "service_level": levels[hour] if levels else None}
            for hour in range(hours)]


def _try_one_fewer(config: Config, settings: SimulationSettings, staffing: list[int],
                   levels: list[float | None], target: float, seconds: float) -> list[float | None]:
    """One operator fewer in every hour that met the target; kept where the target still holds (in place)."""
    trial = [count - 1 if count > 1 and level is not None and level >= target else count
             for count, level in zip(staffing, levels)]
    if trial == staffing:
        return levels
    _, day = simulate(config, _with(settings, staffing=trial))
    trial_levels = hourly_service_level(day, seconds)
    kept = list(levels)
    for hour, level in enumerate(trial_levels):
        if trial[hour] < staffing[hour] and level is not None and level >= target:
            staffing[hour], kept[hour] = trial[hour], level
    return kept


def _with(settings: SimulationSettings, **changes: Any) -> SimulationSettings:
    clone = copy.copy(settings)
    for key, value in changes.items():
        setattr(clone, key, value)
    return clone


def _hourly_offered(report: dict[str, Any], hours: int, settings: SimulationSettings) -> list[float]:
    if settings.arrivals_per_hour is not None:
        return [float(count) for count in settings.arrivals_per_hour[:hours]]
    return [float(settings.calls_per_hour or 0.0)] * hours


def _erlang_c_agents(traffic: float, handle: float, target: float, seconds: float) -> int:
    agents = max(1, math.floor(traffic) + 1)
    while erlang_c_service_level(agents, traffic, handle, seconds) < target:
        agents += 1
    return agents


__all__ = ["DayRecord", "ErlangA", "SimulationSettings", "VirtualClock", "erlang_a", "erlang_b", "erlang_c",
           "erlang_c_asa", "erlang_c_service_level", "find_staffing", "simulate"]
