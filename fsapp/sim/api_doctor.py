"""``api`` commands ``fsapp doctor`` uses, answered as FreeSWITCH 1.10's mod_commands does.

- ``module_exists mod_x`` -> ``true`` / ``false`` (the modules of a stock switch; tests may remove some
  from :func:`loaded_modules`).
- ``user_exists <key> <user> <domain>`` -> ``true`` / ``false`` (no newline; ``false`` for bad args too): the
  simulated directory is :func:`directory_users`, a set of ``(user, domain)`` tests fill in.
- ``xml_locate dialplan context name <ctx>`` -> the context element as XML, or ``can't find anything``.
  The simulated dialplan is ``core.dialplan`` (destination -> fsapp_entry) in context ``public``, rendered
  as the extensions the switch runs for it (``set outside_call``, ``export RFC2822_DATE``, ``set
  fsapp_entry``, ``park``); conference extensions answer and join.
"""

from __future__ import annotations

import re
from typing import Callable
from xml.sax.saxutils import quoteattr

from fsapp.sim.core import SwitchCore

Followup = Callable[[], None] | None

SIM_CONTEXT = "public"
STOCK_MODULES = frozenset({
    "mod_event_socket", "mod_commands", "mod_dptools", "mod_dialplan_xml", "mod_sofia", "mod_sndfile",
    "mod_native_file", "mod_local_stream", "mod_tone_stream", "mod_conference", "mod_loopback", "mod_db",
    "mod_hash", "mod_expr", "mod_console", "mod_logfile", "mod_spandsp", "mod_opus", "mod_g723_1",
    "mod_g729", "mod_say_en", "mod_lua",
})


def loaded_modules(core: SwitchCore) -> set[str]:
    """The simulated switch's loaded modules (a mutable set kept on the core)."""
    return core.__dict__.setdefault("loaded_modules", set(STOCK_MODULES))


def _module_exists(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    return ("true" if arg.strip() in loaded_modules(core) else "false"), None


def directory_users(core: SwitchCore) -> set[tuple[str, str]]:
    """The simulated switch's directory as ``(user, domain)`` pairs (a mutable set kept on the core, empty at start)."""
    return core.directory_users


def _user_exists(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = arg.split()
    if len(words) < 3:
        return "false", None
    _key, user, domain = words[:3]
    return ("true" if (user, domain) in directory_users(core) else "false"), None


def _xml_locate(core: SwitchCore, arg: str) -> tuple[str, Followup]:
    words = arg.split()
    if len(words) not in (1, 4):
        return "-Error bad args\n", None
    if words != ["dialplan", "context", "name", SIM_CONTEXT]:
        return "can't find anything\n", None
    return _context_xml(core), None


def _pattern(destination: str) -> str:
    return "^" + re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", destination) + "$"


def _extension(name: str, destination: str, actions: list[tuple[str, str]]) -> str:
    lines = [f'  <extension name={quoteattr(name)}>',
             f'    <condition field="destination_number" expression={quoteattr(_pattern(destination))}>']
    for application, data in actions:
        data_attr = f" data={quoteattr(data)}" if data else ""
        lines.append(f'      <action application="{application}"{data_attr}/>')
    lines += ["    </condition>", "  </extension>"]
    return "\n".join(lines)


def _context_xml(core: SwitchCore) -> str:
    parts = [f'<context name="{SIM_CONTEXT}">']
    for destination, entry in sorted(core.dialplan.items()):
        parts.append(_extension(f"fsapp_{entry}_{destination}", destination, [
            ("set", "outside_call=true"), ("export", "RFC2822_DATE=${strftime(%a, %d %b %Y %T %z)}"),
            ("set", f"fsapp_entry={entry}"),
            *[(call.name, call.arg) for call in (core.safety_net.dialplan() if core.safety_net else ())],
            ("park", "")]))
    for destination, conference in sorted(core.conferences_by_extension.items()):
        parts.append(_extension(f"conference_{destination}", destination,
                                [("answer", ""), ("conference", f"{conference}@default")]))
    parts.append("</context>")
    return "\n".join(parts) + "\n"


DOCTOR_COMMANDS: dict[str, Callable[[SwitchCore, str], tuple[str, Followup]]] = {
    "module_exists": _module_exists, "xml_locate": _xml_locate, "user_exists": _user_exists,
}
