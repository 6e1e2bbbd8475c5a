"""Erlang B, C and A against published and closed-form values."""

from __future__ import annotations

import math

import pytest

from fsapp.simulate.erlang import erlang_a, erlang_b, erlang_c, erlang_c_asa, erlang_c_service_level


def test_erlang_b_matches_the_traffic_table() -> None:
    assert erlang_b(10, 5.0) == pytest.approx(0.01838, abs=5e-5)     # Erlang B table: 10 lines, 5 E
    assert erlang_b(2, 1.0) == pytest.approx(0.2)                     # (1/2) / (1 + 1 + 1/2)


def test_erlang_c_matches_textbook_examples() -> None:
    # 120 customers/hour, 3 minutes each, 10 assistants: "the probability of waiting is about 0.10"
    assert erlang_c(10, 120 / 60 * 3) == pytest.approx(0.10, abs=0.005)
    # 10 Erlangs on 11 agents, AHT 180 s: P(wait) 68.2 %, 39.0 % answered within 20 s
    assert erlang_c(11, 10.0) == pytest.approx(0.6821, abs=1e-4)
    assert erlang_c_service_level(11, 10.0, 180, 20) == pytest.approx(0.390, abs=1e-3)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)                    # M/M/2 at rho 1/2: 2 rho^2 / (1 + rho)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)                      # M/M/1: P(wait) = rho
    assert erlang_c_asa(1, 0.5, 100) == pytest.approx(100.0)           # M/M/1: Wq = rho/(mu - lambda)


def test_erlang_c_at_or_over_capacity_never_meets_a_target() -> None:
    assert erlang_c(5, 5.0) == 1.0
    assert erlang_c_service_level(5, 6.0, 180, 20) == 0.0
    assert math.isinf(erlang_c_asa(5, 5.0, 180))


def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_queue() -> None:
    # With theta = mu every call in the system leaves at rate mu: the number in system is Poisson(A).
    traffic, agents = 8.0, 10
    model = erlang_a(agents, traffic / 240, 240, 240, 20)
    poisson = [math.exp(-traffic + k * math.log(traffic) - math.lgamma(k + 1)) for k in range(200)]
    assert model.wait_probability == pytest.approx(sum(poisson[agents:]), rel=1e-9)
    expected_abandon = sum((k - agents) * p for k, p in enumerate(poisson) if k > agents) / traffic
    assert model.abandon_probability == pytest.approx(expected_abandon, rel=1e-6)


def test_erlang_a_tends_to_erlang_c_as_patience_grows() -> None:
    model = erlang_a(11, 10 / 180, 180, 1e8, 20)
    assert model.wait_probability == pytest.approx(erlang_c(11, 10.0), abs=1e-4)
    assert model.service_level == pytest.approx(erlang_c_service_level(11, 10.0, 180, 20), abs=1e-3)
    assert model.abandon_probability < 1e-5


def test_impatient_callers_raise_the_service_level_of_those_who_stay() -> None:
    patient = erlang_a(10, 9.5 / 240, 240, 1e8, 20)
    impatient = erlang_a(10, 9.5 / 240, 240, 60, 20)
    assert impatient.abandon_probability > 0.05
    assert impatient.average_wait < patient.average_wait
