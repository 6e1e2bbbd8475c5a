"""The one seam between values from outside and the switch's command lines.

Every command fsapp sends that carries a value it did not write itself (a caller ID, a display name, a stored
name, a campaign cell, a keyed number, an API field) is built here, so the value cannot become a second
destination, another channel variable, another argument or another application.

FreeSWITCH 1.10 reads ``originate {k=v,...}<endpoint> &park()`` in two passes (``switch_utils.c``,
``switch_event.c``, ``switch_ivr_originate.c``):

1. the API splits its argument on spaces (``switch_separate_string`` with ``' '``): a backslash protects the
   next character, single quotes group; each word is then cleaned: quotes are dropped, ``\\\\ \\' \\"`` and
   ``\\n \\r \\t \\s`` (space) are unescaped, any other backslash is kept;
2. the dial string's ``{...}`` block ends at the brace that balances the first one (no escape counts),
   is split on ``,`` and each item on its first ``=``; both splits clean their parts again (the same
   unescapes, plus ``\\,`` and ``\\=``). The rest is split on ``|`` and ``,`` into endpoints rung one after
   another or at once, and a ``:_:`` anywhere (even inside the block) splits the whole string.

So a value is escaped once per cleaning pass (:func:`channel_value`), and ``{ } :_:`` and control characters,
which nothing can escape, are refused (:class:`~fsapp.switch.errors.UnsafeValue`). Text that is only shown
(caller names, SIP headers, campaign cells) is cleaned first (:func:`clean_text`, :func:`caller_name`,
:func:`caller_number`), so an odd stored name never makes a call fail. Endpoints, extensions, numbers and
application arguments are checked against what they may be; anything else is refused with the reason.
``tests/security/data/freeswitch_escaping.json`` holds what a real FreeSWITCH 1.10.12 made of samples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import phonenumbers

from fsapp.phones import normalize_phone
from fsapp.switch.errors import NotDialable, UnsafeValue

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
ENDPOINT = re.compile(r"[a-z][a-z0-9_.]{0,19}/[A-Za-z0-9+*#_.@:;=~/-]{1,200}")
EXTENSION = re.compile(r"[A-Za-z0-9*#+][A-Za-z0-9*#+_.-]{0,39}")
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
NUMBER_TEXT = re.compile(r"[0-9+ ().-]{3,32}")   # what a person or a caller ID may write a phone number as
APP_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
INLINE_ARG = re.compile(r"[A-Za-z0-9+*#_.@:;=~/-]{0,200}")
WORD = re.compile(r"[^\s'\"\\]{1,400}")
EXPANSION = re.compile(r"\$\\*\{")   # ${...} is expanded (and ${api(...)} run) by applications and set vars
ENTERPRISE = ":_:"
BLOCK_BRACES = "{}"
SHOWN_NAME_LIMIT = 64
SHOWN_NUMBER_LIMIT = 32
UNDIALABLE_TYPES = {phonenumbers.PhoneNumberType.PREMIUM_RATE, phonenumbers.PhoneNumberType.SHARED_COST}


def _show(value: str) -> str:
    """A value for an error message: quoted, escaped, shortened."""
    return repr(value[:60] + ("..." if len(value) > 60 else ""))


def _escape_pass(text: str, delimiter: str = "") -> str:
    """``text`` written so that one cleaning pass of ``switch_separate_string`` gives it back exactly.

    Backslashes first, so that the ones written for the other characters are not doubled; a bare space would
    split an API argument, or be trimmed at either end."""
    text = text.replace("\\", "\\\\").replace("'", "\\'")
    if delimiter:
        text = text.replace(delimiter, "\\" + delimiter)
    return text.replace(" ", "\\s")


def _refuse_unsafe(value: str, what: str) -> None:
    if CONTROL.search(value):
        raise UnsafeValue(f"{what} {_show(value)} holds a control character (newline, NUL, ...)")
    if ENTERPRISE in value:
        raise UnsafeValue(f"{what} {_show(value)} holds {ENTERPRISE}, which splits a dial string")


# -- channel variables ---------------------------------------------------------------------------------------

def variable_name(name: str) -> str:
    """A channel variable's name: letters, digits, ``_ . -``; anything else is refused."""
    if not VARIABLE_NAME.fullmatch(name):
        raise UnsafeValue(f"{_show(name)} is not a channel variable name")
    return name


def channel_value(value: str) -> str:
    """``value`` escaped for a ``{k=v}`` block (both cleaning passes); refused when it cannot be made safe."""
    _refuse_unsafe(value, "channel variable value")
    if any(brace in value for brace in BLOCK_BRACES):
        raise UnsafeValue(f"channel variable value {_show(value)} holds a brace, which ends the variable block")
    return _escape_pass(_escape_pass(value, "="), ",")


def variables_block(variables: Mapping[str, str]) -> str:
    """``{k=v,...}`` for a dial string (empty when there are none); names checked, values escaped."""
    if not variables:
        return ""
    return "{" + ",".join(f"{variable_name(k)}={channel_value(str(v))}" for k, v in variables.items()) + "}"


def api_argument(text: str) -> str:
    """``text`` as one word of an API command (the first pass): spaces, quotes and backslashes kept as they are."""
    _refuse_unsafe(text, "command argument")
    return _escape_pass(text)


# -- destinations --------------------------------------------------------------------------------------------

def endpoint(dial: str) -> str:
    """One endpoint (``user/1001``, ``sofia/gateway/pstn/+4790000001``): never a list, a block or an option."""
    if not ENDPOINT.fullmatch(dial) or ENTERPRISE in dial:
        raise UnsafeValue(f"{_show(dial)} is not a single endpoint (technology/address; no spaces, commas, "
                          "pipes, quotes, braces or brackets)")
    return dial


def extension(text: str) -> str:
    """An extension of the dial plan (``6000``, ``*21``): letters, digits and ``* # + _ . -``, at most 40."""
    if not EXTENSION.fullmatch(text):
        raise UnsafeValue(f"{_show(text)} is not an extension (letters, digits, * # + _ . -; at most 40)")
    return text


def e164(number: str) -> str:
    """A number already in E.164 form (``+4790000001``); anything else is refused."""
    if not E164.fullmatch(number):
        raise NotDialable(f"{_show(number)} is not an E.164 number")
    return number


def dialable_number(raw: str, region: str) -> str:
    """The number a callback or a transfer may dial for ``raw`` (read in ``region``), in E.164.

    Refused (:class:`NotDialable`, with the reason): anything but digits and ``+ ( ) . - space`` (a caller ID
    such as ``+4790000302,sofia/gateway/...``, ``anonymous``), numbers that are not valid where they belong
    (an extension, ``12345``), premium-rate and shared-cost numbers.
    """
    text = raw.strip(" ")
    if not NUMBER_TEXT.fullmatch(text):
        raise NotDialable(f"{_show(raw)} is not a phone number")
    normalized = normalize_phone(text, region)
    parsed = phonenumbers.parse(normalized, None) if normalized else None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise NotDialable(f"{_show(raw)} is not a valid phone number in region {region}")
    if phonenumbers.number_type(parsed) in UNDIALABLE_TYPES:
        raise NotDialable(f"{_show(raw)} is a premium-rate or shared-cost number")
    return e164(normalized or "")


def dialable_or_none(raw: str, region: str) -> str | None:
    """:func:`dialable_number`, or None instead of the refusal."""
    try:
        return dialable_number(raw, region)
    except NotDialable:
        return None


def number_endpoint(template: str, number: str) -> str:
    """``template`` (``sofia/gateway/pstn/{number}``) with an E.164 ``number``: the one endpoint it names."""
    if template.count("{number}") != 1:
        raise UnsafeValue(f"dial template {_show(template)} must hold {{number}} once")
    return endpoint(template.replace("{number}", e164(number)))


def extension_endpoint(target: str) -> str:
    """A phone to ring: an extension (``2001`` -> ``user/2001``) or one endpoint given in full."""
    return endpoint(target) if "/" in target else f"user/{extension(target)}"


def originate_command(dial: str, variables: Mapping[str, str], app: str = "park", arg: str = "") -> str:
    """``originate {vars}<endpoint> &<app>(<arg>)``: the leg runs ``app`` once answered; ``arg`` is one plain
    word (a UUID for ``intercept``), or nothing."""
    if not APP_NAME.fullmatch(app):
        raise UnsafeValue(f"{_show(app)} is not an application name")
    if arg and (not INLINE_ARG.fullmatch(arg) or ENTERPRISE in arg or ")" in arg):
        raise UnsafeValue(f"{_show(arg)} is not a plain application argument")
    return f"originate {api_argument(variables_block(variables) + endpoint(dial))} &{app}({arg})"


def inline_destination(apps: Iterable[tuple[str, str]]) -> str:
    """``app:arg,app:arg`` for the ``inline`` dial plan, each argument one plain word (no ``,`` or space)."""
    parts = []
    for app, arg in apps:
        if not APP_NAME.fullmatch(app) or not INLINE_ARG.fullmatch(arg) or ENTERPRISE in arg:
            raise UnsafeValue(f"{_show(app + ':' + arg)} is not an inline application and plain argument")
        parts.append(f"{app}:{arg}" if arg else app)
    if not parts:
        raise UnsafeValue("an inline destination needs at least one application")
    return ",".join(parts)


# -- other command words -------------------------------------------------------------------------------------

def word(text: str) -> str:
    """One word of an API command (a UUID, a path, a cause): no space, quote, backslash or ``${``."""
    if not WORD.fullmatch(text) or EXPANSION.search(text) or CONTROL.search(text):
        raise UnsafeValue(f"{_show(text)} is not a plain command word")
    return text


def setvar_value(value: str) -> str:
    """A value for ``uuid_setvar`` (the rest of the line, one word after the first pass): no ``${``."""
    if EXPANSION.search(value):
        raise UnsafeValue(f"variable value {_show(value)} holds ${{...}}, which the switch would expand")
    return api_argument(value)


def media_path(path: str) -> str:
    """A file or ``scheme://`` source for ``uuid_record`` (or ``uuid_broadcast``), as one API word. Refused:
    ``${`` (expanded when played), and ``app::arg``, which ``uuid_broadcast`` runs as an application."""
    return api_argument(_plain_media(path))


def media_argument(path: str) -> str:
    """The same source as the argument of ``playback`` sent with ``sendmsg execute`` (no API parser reads it, so
    nothing is escaped): also refused what an application's argument may not hold (:func:`application_argument`)."""
    return application_argument(_plain_media(path))


def _plain_media(path: str) -> str:
    if EXPANSION.search(path) or "::" in path.split("://", 1)[0] or not path.strip():
        raise UnsafeValue(f"{_show(path)} is not a plain file or stream (no ${{...}}, no app::arg)")
    return path


def application_argument(arg: str) -> str:
    """An application's argument sent with ``sendmsg execute``: applications expand ``${...}`` (and run
    ``${api(...)}``) and read a leading ``%[...]`` as variables, so neither may come from outside."""
    if CONTROL.search(arg.replace("\n", "")) or EXPANSION.search(arg) or re.match(r"%.?\[", arg):
        raise UnsafeValue(f"application argument {_show(arg)} holds a control character, ${{...}} or %[")
    return arg


# -- text that is only shown ---------------------------------------------------------------------------------

def clean_text(value: str, limit: int) -> str:
    """Shown text made safe for any channel variable or SIP header: control characters become spaces,
    braces parentheses, ``:_:`` ``:-:``; runs of spaces one; at most ``limit`` characters."""
    text = CONTROL.sub(" ", value).replace("{", "(").replace("}", ")").replace(ENTERPRISE, ":-:")
    return " ".join(text.split())[:limit].strip()


def caller_name(value: str, limit: int = SHOWN_NAME_LIMIT) -> str:
    """A display name for ``origination_caller_id_name``: :func:`clean_text` without ``" \\ % < >``, which
    the SIP From header (quoted, and URL-decoded by mod_sofia when it holds ``%``) cannot carry."""
    return clean_text("".join(" " if char in '"\\%<>' else char for char in value), limit)


def caller_number(value: str | None, limit: int = SHOWN_NUMBER_LIMIT) -> str:
    """A caller ID number to show (``origination_caller_id_number``, ``X-Fsapp-Caller``): letters, digits and
    ``+ * # . _ -`` only; ``anonymous`` when nothing is left."""
    kept = "".join(char for char in (value or "") if char.isascii() and (char.isalnum() or char in "+*#._-"))
    return kept[:limit] or "anonymous"
