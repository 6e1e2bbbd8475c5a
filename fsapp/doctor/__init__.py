"""``fsapp doctor``: checks of the whole setup, one line each (ok / warn / fail) with what to do.

Entry points::

    from fsapp.doctor import run_doctor, run_switch_checks
    results = run_doctor(config)                      # local checks, then the switch's
    results = run_switch_checks(connection, config)   # on a connection the controller already holds
"""

from __future__ import annotations

import dataclasses

from fsapp.config import Config, node_switch
from fsapp.doctor.agents import agent_user_check
from fsapp.doctor.connect import connect_switch
from fsapp.doctor.local import local_checks
from fsapp.doctor.result import CheckResult, Status, any_failed
from fsapp.doctor.switch import run_switch_checks
from fsapp.esl.errors import ESLError


def run_doctor(config: Config, timeout: float | None = None) -> list[CheckResult]:
    """Every check: database, queues/agents, flows, numbers, then each switch and its agents' SIP users.

    With ``switches:``, every node is checked; its checks are named ``<node>: <check>``.
    """
    results = local_checks(config)
    if not config.switches:
        return results + switch_checks(config, timeout)
    for node in config.switches:
        single = dataclasses.replace(config, switches=[], switch=node_switch(config.switch, node))
        name = node.name or f"{node.host}:{single.switch.port}"
        results += [dataclasses.replace(result, name=f"{name}: {result.name}")
                    for result in switch_checks(single, timeout)]
    return results


def switch_checks(config: Config, timeout: float | None = None) -> list[CheckResult]:
    """The checks of the switch ``switch:`` names, on a connection of their own."""
    connection = connect_switch(config, timeout)
    if isinstance(connection, CheckResult):
        return [connection]
    try:
        return run_switch_checks(connection, config) + [agent_user_check(connection, config)]
    finally:
        try:
            connection.exit()
        except ESLError:
            connection.close()


__all__ = ["CheckResult", "Status", "agent_user_check", "any_failed", "connect_switch", "local_checks", "run_doctor",
           "run_switch_checks", "switch_checks"]
