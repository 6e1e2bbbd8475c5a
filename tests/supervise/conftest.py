"""Supervision tests share the controller-with-API fixtures of tests/api."""

from tests.api.conftest import api, controller, sim  # noqa: F401  (fixtures)
