"""Queueing formulas for a call center: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M, with abandonment).

Pure functions; times in seconds. ``traffic`` is the offered load in Erlangs (arrival rate x mean
handle time); ``agents`` the number of operators serving the queue.

- Erlang C assumes callers wait for as long as it takes.
- Erlang A (Palm's model) gives each caller an exponentially distributed patience with mean
  ``patience``; a caller not answered by then hangs up. It is computed from the birth-death chain of
  the number of calls in the system, truncated where its probabilities vanish, and the waiting-time
  law of a tagged caller by uniformization.

Service level here is the share of *offered* callers answered within ``threshold`` seconds (a caller
who abandons counts as not answered in time), the definition ``fsapp simulate`` reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of an M/M/N/N system (Erlang's loss formula), by the stable recursion."""
    if agents < 0 or traffic < 0:
        raise ValueError("agents and traffic must not be negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a caller has to wait (M/M/N); 1.0 when the load is at or above capacity."""
    if agents <= 0 or traffic >= agents:
        return 1.0
    if traffic == 0:
        return 0.0
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1 - blocking))


def erlang_c_service_level(agents: int, traffic: float, handle_time: float, threshold: float) -> float:
    """Share of callers answered within ``threshold`` seconds (M/M/N)."""
    if agents <= traffic:
        return 0.0
    return 1.0 - erlang_c(agents, traffic) * math.exp(-(agents - traffic) * threshold / handle_time)


def erlang_c_asa(agents: int, traffic: float, handle_time: float) -> float:
    """Average speed of answer in seconds (M/M/N); infinite at or above capacity."""
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * handle_time / (agents - traffic)


@dataclass(frozen=True)
class ErlangA:
    """What the M/M/N+M model predicts for one queue."""

    wait_probability: float        # share of callers who find every operator busy
    abandon_probability: float     # share of callers who hang up before being answered
    service_level: float           # share answered within the threshold
    average_wait: float            # mean time in queue of every caller, abandoned ones included
    occupancy: float               # share of operators' time spent on calls


def erlang_a(agents: int, arrival_rate: float, handle_time: float, patience: float,
             threshold: float, *, tail: float = 1e-12) -> ErlangA:
    """Erlang A for ``arrival_rate`` calls per second, mean ``handle_time`` and mean ``patience`` seconds."""
    if agents <= 0 or arrival_rate <= 0 or handle_time <= 0 or patience <= 0:
        raise ValueError("agents, arrival rate, handle time and patience must be positive")
    mu, theta = 1.0 / handle_time, 1.0 / patience
    probabilities = _stationary(agents, arrival_rate, mu, theta, tail)
    queued = [(k - agents, p) for k, p in enumerate(probabilities) if k >= agents]
    wait_probability = sum(p for _, p in queued)
    mean_queue = sum(ahead * p for ahead, p in queued)
    abandon = theta * mean_queue / arrival_rate
    busy = sum(min(k, agents) * p for k, p in enumerate(probabilities))
    answered_in_time = _served_within(agents, mu, theta, threshold, len(queued))
    level = (1 - wait_probability) + sum(p * answered_in_time[ahead] for ahead, p in queued)
    return ErlangA(wait_probability=wait_probability, abandon_probability=abandon, service_level=level,
                   average_wait=mean_queue / arrival_rate, occupancy=busy / agents)


def _stationary(agents: int, arrival_rate: float, mu: float, theta: float, tail: float) -> list[float]:
    """Stationary law of the number of calls in the system, truncated once the terms are negligible."""
    weights = [1.0]
    k = 0
    while True:
        k += 1
        death = min(k, agents) * mu + max(0, k - agents) * theta
        weights.append(weights[-1] * arrival_rate / death)
        if k > agents and weights[-1] < tail * sum(weights) and death > arrival_rate:
            break
        if weights[-1] > 1e250:   # rescale to stay finite under heavy load
            weights = [w / 1e250 for w in weights]
    total = sum(weights)
    return [w / total for w in weights]


def _served_within(agents: int, mu: float, theta: float, threshold: float, positions: int) -> list[float]:
    """For a caller who finds ``i`` callers ahead in the queue, P(answered within ``threshold``).

    The callers ahead leave at rate ``agents * mu + i * theta`` (a service starts or one of them
    abandons); the tagged caller abandons at rate ``theta`` meanwhile. By uniformization at rate
    ``rate``, P = sum over n of Poisson(n; rate * threshold) * u_n(i), where u_n(i) is the chance the
    jump chain reaches service within n jumps; u is computed for every start at once, backwards.
    """
    positions = max(positions, 1)
    service = agents * mu
    rate = service + positions * theta
    mean = rate * threshold
    steps = int(mean + 12 * math.sqrt(mean + 1) + 20)
    reached = [0.0] * positions           # u_0
    total = [0.0] * positions
    weight = math.exp(-mean)
    for step in range(steps + 1):
        if step > 0:
            weight *= mean / step
            previous = reached
            reached = [0.0] * positions
            for ahead in range(positions):
                leave = service + ahead * theta
                onward = 1.0 if ahead == 0 else previous[ahead - 1]
                reached[ahead] = leave / rate * onward + (1 - (leave + theta) / rate) * previous[ahead]
        for ahead in range(positions):
            total[ahead] += weight * reached[ahead]
    return total
