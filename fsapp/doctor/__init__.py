"""``fsapp doctor``: checks of the whole setup, one line each (ok / warn / fail) with what to do.

Entry points::

    from fsapp.doctor import run_doctor, run_switch_checks
    results = run_doctor(config)                      # local checks, then the switch's
    results = run_switch_checks(connection, config)   # on a connection the controller already holds
"""

from __future__ import annotations

from fsapp.config import Config
from fsapp.doctor.connect import connect_switch
from fsapp.doctor.local import local_checks
from fsapp.doctor.result import CheckResult, Status, any_failed
from fsapp.doctor.switch import run_switch_checks
from fsapp.esl.errors import ESLError


def run_doctor(config: Config, timeout: float | None = None) -> list[CheckResult]:
    """Every check: database, queues/agents, flows, numbers, then the switch (if it can be reached)."""
    results = local_checks(config)
    connection = connect_switch(config, timeout)
    if isinstance(connection, CheckResult):
        return results + [connection]
    try:
        results += run_switch_checks(connection, config)
    finally:
        try:
            connection.exit()
        except ESLError:
            connection.close()
    return results


__all__ = ["CheckResult", "Status", "any_failed", "connect_switch", "local_checks", "run_doctor",
           "run_switch_checks"]
