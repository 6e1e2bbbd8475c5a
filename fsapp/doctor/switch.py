"""Checks of a connected switch: readiness, throttle, modules, ACL, and the dialplan of every number (with its
safety net, :mod:`fsapp.doctor.safety`).

The controller runs :func:`run_switch_checks` on each connect and logs the results; ``fsapp doctor``
prints them. Only ``api`` commands are used, so the checks never touch a call.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Protocol

from fsapp.config import Config
from fsapp.doctor.dialplan import CallFacts, hunt, parse_globals
from fsapp.acd.config import AcdConfig
from fsapp.acd.loader import load_acd_config
from fsapp.doctor.result import CheckResult, Status, fail, ok, warn
from fsapp.doctor.safety import safety_net_check
from fsapp.errors import FsappError
from fsapp.esl.errors import ESLError

REQUIRED_MODULES = ("mod_event_socket", "mod_commands", "mod_dptools", "mod_dialplan_xml", "mod_sofia",
                    "mod_sndfile")
OPTIONAL_MODULES = {"mod_local_stream": "queues' hold music (local_stream://moh)",
                    "mod_tone_stream": "ring-back and beep tones",
                    "mod_conference": "supervisors' barge-in and three-way calls"}
_SPS = re.compile(r"(\d+) session\(s\) per Sec out of max (\d+)")
_VERSION = re.compile(r"FreeSWITCH \(Version ([^)]*)\)")
NAMED_EXECUTIONS_SINCE = (1, 8, 6)   # sendmsg's Event-UUID-Name, on which the controller's event filters rely


class ApiConnection(Protocol):
    """What the checks need from a connection (fsapp.esl.connection.ESLConnection has it)."""

    address: str

    def api(self, command: str, timeout: float | None = None) -> str: ...


def run_switch_checks(connection: ApiConnection, config: Config) -> list[CheckResult]:
    """Every switch check, in order; a failing api call becomes a failed check, never an exception."""
    results = [event_socket_acl(connection)]
    try:
        status = connection.api("status")
    except ESLError as exc:
        return results + [fail("switch status", f"`api status` failed: {exc}", "check the switch's console log")]
    results += [switch_ready(status), switch_throttle(status, config.switch.calls_per_second)]
    results += module_checks(connection)
    results += fax_checks(connection, config)
    results += dialplan_checks(connection, config)
    return results


def fax_checks(connection: ApiConnection, config: Config) -> list[CheckResult]:
    """With the fax number on: mod_spandsp, which receives and sends faxes, is loaded."""
    if not config.fax.enabled:
        return []
    try:
        present = connection.api("module_exists mod_spandsp").strip() == "true"
    except ESLError as exc:
        return [fail("fax", f"`api module_exists` failed: {exc}", "is mod_commands loaded?")]
    if not present:
        return [fail("fax", f"fax.enabled, but mod_spandsp is not loaded: calls to {config.fax.number} cannot be "
                            "received", "`load mod_spandsp` on the switch and add it to modules.conf.xml")]
    return [ok("fax", f"mod_spandsp loaded for the fax number {config.fax.number}")]


def event_socket_acl(connection: ApiConnection) -> CheckResult:
    return ok("event socket", f"connected to {connection.address} and authenticated; the "
                              f"apply-inbound-acl admits this controller")


def switch_ready(status: str) -> CheckResult:
    version = _VERSION.search(status)
    where = f"FreeSWITCH {version.group(1)}" if version else "the switch"
    release = _release(version.group(1)) if version else None
    if release is not None and release < NAMED_EXECUTIONS_SINCE:
        return fail("switch ready", f"{where} is older than 1.8.6: it does not name applications' events "
                                    "(Event-UUID-Name), so the controller would never see one complete",
                    "upgrade FreeSWITCH (fsapp is checked against 1.10.12)")
    if "is ready" in status:
        return ok("switch ready", f"{where} is ready")
    return fail("switch ready", f"{where} is not ready (starting up or shutting down)",
                "wait for it to finish starting, then run `fsapp doctor` again")


def _release(version: str) -> tuple[int, ...] | None:
    """``1.10.12-release 64bit`` -> (1, 10, 12); None when it does not start with a dotted number."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    return None if match is None else tuple(int(part or 0) for part in match.groups())


def switch_throttle(status: str, calls_per_second: int) -> CheckResult:
    """The switch's sessions-per-second against ``switch.calls_per_second`` (the load fsapp is set for)."""
    match = _SPS.search(status)
    if match is None:
        return warn("switch throttle", "`api status` does not show sessions per second",
                    "check sessions-per-second in autoload_configs/switch.conf.xml by hand")
    limit = int(match.group(2))
    if limit < calls_per_second:
        return fail("switch throttle", f"the switch accepts at most {limit} new sessions per second, below "
                                       f"switch.calls_per_second = {calls_per_second}",
                    f"set <param name=\"sessions-per-second\" value=\"{calls_per_second}\"/> (or more) in "
                    "autoload_configs/switch.conf.xml and restart FreeSWITCH, or lower switch.calls_per_second")
    return ok("switch throttle", f"sessions-per-second {limit} >= switch.calls_per_second {calls_per_second}")


def module_checks(connection: ApiConnection) -> list[CheckResult]:
    missing_required, missing_optional = [], []
    for module in (*REQUIRED_MODULES, *OPTIONAL_MODULES):
        try:
            present = connection.api(f"module_exists {module}").strip() == "true"
        except ESLError as exc:
            return [fail("switch modules", f"`api module_exists` failed: {exc}", "is mod_commands loaded?")]
        if not present:
            (missing_required if module in REQUIRED_MODULES else missing_optional).append(module)
    results = []
    if missing_required:
        results.append(fail("switch modules", f"missing {', '.join(missing_required)}",
                            "load them in autoload_configs/modules.conf.xml and restart FreeSWITCH"))
    else:
        results.append(ok("switch modules", f"{', '.join(REQUIRED_MODULES)} loaded"))
    for module in missing_optional:
        results.append(warn(f"module {module}", f"not loaded; needed for {OPTIONAL_MODULES[module]}",
                            f"`load {module}` on the switch and add it to modules.conf.xml"))
    return results


def dialplan_checks(connection: ApiConnection, config: Config) -> list[CheckResult]:
    """For each published number: the dialplan sets its fsapp_entry and parks."""
    context = config.freeswitch.context
    if not config.numbers:
        return [warn("dialplan", "no published numbers (numbers: in fsapp.yaml)",
                     "list each number citizens call and its fsapp_entry under numbers:")]
    try:
        context_xml = connection.api(f"xml_locate dialplan context name {context}")
    except ESLError as exc:
        return [fail("dialplan", f"`api xml_locate` failed: {exc}", "is mod_commands loaded?")]
    if not context_xml.lstrip().startswith("<"):
        return [fail("dialplan", f"the switch has no dialplan context {context!r}",
                     "set freeswitch.context to the context of your trunks' profile, or "
                     "`fsapp conf render --only dialplan --only sip`")]
    variables = switch_globals(connection)
    try:
        acd: AcdConfig | None = load_acd_config(config.acd.file)
    except FsappError:
        acd = None   # the local checks name the problem
    results = []
    for number, entry in sorted(config.numbers.items()):
        results.append(number_check(context_xml, context, number, entry, variables))
        if results[-1].status is Status.OK:
            facts = CallFacts.for_number(number, context, variables)
            results.append(safety_net_check(number, hunt(context_xml, number, facts).actions, acd))
    return results


def switch_globals(connection: ApiConnection) -> dict[str, str]:
    """The switch's global variables (what ``${name}`` in a dialplan condition expands to); empty if unread."""
    try:
        return parse_globals(connection.api("global_getvar"))
    except ESLError:
        return {}


def number_check(context_xml: str, context: str, number: str, entry: str,
                 variables: dict[str, str] | None = None) -> CheckResult:
    name = f"dialplan {number}"
    render_hint = f"`fsapp conf render --only dialplan`, copy it into the switch's dialplan/{context}/, reloadxml"
    try:
        result = hunt(context_xml, number, CallFacts.for_number(number, context, variables))
    except ET.ParseError as exc:
        return fail(name, f"context {context!r} is not well-formed XML ({exc})", "check the dialplan files")
    assumed = f" (taken as not met for a plain call: {'; '.join(result.assumed)})" if result.assumed else ""
    if not result.extensions:
        return fail(name, f"no extension in context {context!r} matches {number}{assumed}", render_hint)
    found = ", ".join(result.extensions)
    if not result.parks():
        return fail(name, f"extension {found} does not park the call{assumed}", render_hint)
    if result.entry() != entry:
        actual = "no fsapp_entry" if result.entry() is None else f"fsapp_entry={result.entry()}"
        return fail(name, f"extension {found} parks with {actual}, numbers: says {entry}{assumed}", render_hint)
    return ok(name, f"extension {found} sets fsapp_entry={entry} and parks{assumed}")
