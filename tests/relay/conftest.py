"""Whole calls through the controller on the simulated switch: the integration fixtures."""

from tests.integration.conftest import keypad, make_controller, sim_speed  # noqa: F401 - fixtures
