"""The controller-on-the-simulated-switch fixtures, shared with the integration tests."""

from tests.integration.conftest import keypad, make_controller, sim_speed  # noqa: F401
