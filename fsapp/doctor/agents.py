"""Check that every agent dialled as ``user/<id>`` has a SIP user in the switch's directory.

FreeSWITCH's ``user_exists id <user> <domain>`` (mod_commands) answers ``true`` or ``false``. An agent whose
user is missing cannot register a softphone, and ``originate user/<id>`` to it fails with
``SUBSCRIBER_ABSENT``/``USER_NOT_REGISTERED`` — a queue with such agents looks staffed but never rings.
"""

from __future__ import annotations

import re

from fsapp.acd.loader import load_acd_config
from fsapp.config import Config
from fsapp.doctor.result import CheckResult, fail, ok, warn
from fsapp.doctor.switch import ApiConnection
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError

NAME = "agent SIP users"
_USER_DIAL = re.compile(r"^user/(?P<user>[^@/]+)(?:@(?P<domain>[^/]+))?$")


def agent_user_check(connection: ApiConnection, config: Config) -> CheckResult:
    """One result for all agents: the ``user/`` contacts missing from the directory, if any."""
    try:
        agents = load_acd_config(config.acd.file).agents
    except FsappError:
        return warn(NAME, "not checked: the queues and agents file does not load", f"fix {config.acd.file}")
    wanted = []
    for agent in agents.values():
        match = _USER_DIAL.match(agent.contact)
        if match:
            wanted.append((agent.id, match["user"], match["domain"] or config.freeswitch.domain))
    if not wanted:
        return ok(NAME, "no agent is dialled as user/<id>; nothing to look up")
    missing = []
    for agent_id, user, domain in wanted:
        try:
            reply = connection.api(f"user_exists id {user} {domain}").strip()
        except ESLError as exc:
            return fail(NAME, f"`api user_exists` failed: {exc}", "is mod_commands loaded?")
        if reply != "true":
            missing.append(f"{agent_id} ({user}@{domain})")
    if missing:
        return fail(NAME, f"not in the switch's directory: {', '.join(missing)}",
                    "`fsapp conf render --only directory`, copy directory/ into the switch's conf, `reloadxml`; "
                    "or fix the agents' contact in the queues and agents file")
    return ok(NAME, f"{len(wanted)} agent(s) have a SIP user on the switch")
