"""Supervision tests share the controller-with-API fixtures of tests/api."""

from tests.api.conftest import api, controller, sim, sim_speed  # noqa: F401  (fixtures)
