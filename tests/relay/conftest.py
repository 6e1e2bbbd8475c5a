"""Whole calls through the controller on the simulated switch: the integration fixtures."""

from tests.integration.conftest import keypad, make_controller, sim  # noqa: F401 - fixtures
