"""Open the controller's Event Socket connection for the checks, turning each way it fails into a check."""

from __future__ import annotations

from fsapp.config import Config
from fsapp.doctor.result import CheckResult, fail
from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import AccessDenied, AuthenticationFailed, ESLError


def connect_switch(config: Config, timeout: float | None = None) -> ESLConnection | CheckResult:
    """A connected, authenticated connection, or the failed check saying why not."""
    switch = config.switch
    where = f"{switch.host}:{switch.port}"
    seconds = timeout if timeout is not None else switch.connect_timeout
    connection = ESLConnection(switch.host, switch.port, switch.password, connect_timeout=seconds,
                               command_timeout=timeout if timeout is not None else switch.command_timeout)
    try:
        return connection.connect()
    except AuthenticationFailed:
        return fail("event socket", f"{where} rejected the password",
                    "make switch.password match the password in event_socket.conf.xml")
    except AccessDenied:
        return fail("event socket", f"{where} refused this controller (apply-inbound-acl)",
                    "add this host's address to freeswitch.esl_acl, "
                    "`fsapp conf render --only event-socket`, then `reloadacl` on the switch")
    except ESLError as exc:
        return fail("event socket", f"cannot reach the switch: {exc}",
                    "start FreeSWITCH with mod_event_socket, or fix switch.host / switch.port")
