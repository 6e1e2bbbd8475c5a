"""The switch checks the controller runs on every (re)connection, written to its log.

They run in a greenlet of their own after the link's reconcile (never in the event dispatcher), within
:data:`CHECK_BUDGET` seconds in all; a check that fails is logged as an error with what to do, one line each.
"""

from __future__ import annotations

import logging

import gevent

from fsapp.config import Config
from fsapp.doctor.result import CheckResult, Status
from fsapp.doctor.switch import ApiConnection, run_switch_checks

log = logging.getLogger(__name__)

CHECK_BUDGET = 30.0   # seconds for all the checks of one connection
_LEVELS = {Status.OK: logging.DEBUG, Status.WARN: logging.WARNING, Status.FAIL: logging.ERROR}


def log_switch_checks(connection: ApiConnection, config: Config,
                      budget: float = CHECK_BUDGET) -> list[CheckResult]:
    """Run :func:`run_switch_checks` on the controller's connection and log what they found."""
    job = gevent.spawn(run_switch_checks, connection, config)
    try:
        results = job.get(timeout=budget)
    except gevent.Timeout:
        job.kill(block=False)
        log.warning("switch %s: checks not done within %.0f s; run `fsapp doctor`", connection.address, budget)
        return []
    for result in results:
        log.log(_LEVELS[result.status], "switch %s: %s", connection.address, result.line())
    failed = sum(result.status is Status.FAIL for result in results)
    warned = sum(result.status is Status.WARN for result in results)
    log.info("switch %s: %d check(s), %d failed, %d warning(s)%s", connection.address, len(results), failed,
             warned, "; `fsapp doctor` says what to do" if failed or warned else "")
    return results
