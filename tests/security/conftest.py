"""The controller-on-the-simulated-switch fixtures, shared with the integration and API tests."""

from tests.api.conftest import controller  # noqa: F401
from tests.integration.conftest import keypad, make_controller, sim_speed  # noqa: F401
