"""How FreeSWITCH 1.10 reads API arguments and dial strings, ported from its C so the simulated switch sees
exactly what the real one would: a value that escapes its variable, a second endpoint, an extra argument.

Sources (tag v1.10.12): ``switch_separate_string`` and ``cleanup_separated_string`` (``switch_utils.c``),
``switch_find_end_paren``, ``switch_strchr_strict``, ``switch_event_create_brackets`` (``switch_event.c``)
and the dial-string walk of ``switch_ivr_originate`` (``:_:``, ``<>``, ``{}``, ``|``, ``,``, ``[]``).

Public API::

    words = separate("uuid 'a b' c", " ", 10)             # ['uuid', 'a b', 'c']
    dial = parse_dial("{a=1\\\\,2}user/1001,user/1002")   # DialString(variables={'a': '1,2'},
                                                             #   legs=[Leg('user/1001', {}), Leg('user/1002', {})])
"""

from __future__ import annotations

from dataclasses import dataclass, field

ESCAPE = "\\"
UNESCAPES = {"n": "\n", "r": "\r", "t": "\t", "s": " "}
MAX_VARIABLES = 1024        # var_array in switch_event_create_brackets
MAX_PEERS = 128             # MAX_PEERS in switch_ivr_originate.c
ENTERPRISE = ":_:"          # SWITCH_ENT_ORIGINATE_DELIM
QUOTED_COMMA = "\x01"       # QUOTED_ESC_COMMA / UNQUOTED_ESC_COMMA: commas inside a [] block, marked
UNQUOTED_COMMA = "\x02"


def cleanup(text: str, delimiter: str) -> str:
    """``cleanup_separated_string``: drop quotes, unescape, trim spaces (an escaped or quoted one stays)."""
    i, n = 0, len(text)
    while i < n and text[i] == " ":
        i += 1
    out: list[str] = []
    end: int | None = None
    inside = False
    while i < n:
        char = text[i]
        if char == ESCAPE:
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt and (nxt in "'\"\\" or (delimiter and nxt == delimiter) or nxt in UNESCAPES):
                out.append(UNESCAPES.get(nxt, nxt))
                end = len(out)
                i += 2
                continue
        if char == "'" and (inside or "'" in text[i + 1:]):
            inside = not inside
            if inside:
                end = len(out)
        else:
            out.append(char)
            if char != " " or inside:
                end = len(out)
        i += 1
    return "".join(out if end is None else out[:end])


def _split_on_char(text: str, delimiter: str, limit: int) -> list[str]:
    starts: list[int] = []
    cuts: list[int] = []
    i, n, inside, find = 0, len(text), False, False
    while i < n and len(starts) < limit:
        if not find:
            starts.append(i)
            find = True
            continue
        char = text[i]
        if char == ESCAPE:
            i += 1
        elif char == "'" and (inside or "'" in text[i + 1:]):
            inside = not inside
        elif char == delimiter and not inside:
            cuts.append(i)
            find = False
        i += 1
    return [text[start:(cuts[k] if k < len(cuts) else n)] for k, start in enumerate(starts)]


def _split_on_blank(text: str, limit: int) -> list[str]:
    starts: list[int] = []
    cuts: list[int] = []
    i, n, inside, state = 0, len(text), False, "start"
    while i < n and len(starts) < limit:
        char = text[i]
        if state == "start":
            starts.append(i)
            state = "skip"
            continue
        if state == "skip":
            if char == " ":
                i += 1
            else:
                state = "find"
            continue
        if state == "find":
            if char == ESCAPE:
                i += 1
            elif char == "'":
                inside = not inside
            elif char == " " and not inside:
                cuts.append(i)
                state = "ending"
            i += 1
            continue
        if char == " ":
            i += 1
        else:
            state = "start"
    return [text[start:(cuts[k] if k < len(cuts) else n)] for k, start in enumerate(starts)]


def separate(text: str, delimiter: str, limit: int) -> list[str]:
    """``switch_separate_string``: split on ``delimiter`` (``^^X`` at the start changes it), then clean each."""
    if text.startswith("^^") and len(text) >= 4:
        delimiter, text = text[2], text[3:]
    if delimiter == " ":
        return [cleanup(part, "") for part in _split_on_blank(text, limit)]
    return [cleanup(part, delimiter) for part in _split_on_char(text, delimiter, limit)]


def find_end_paren(text: str, start: int, opening: str, closing: str) -> int | None:
    """``switch_find_end_paren``: the index of the bracket that closes the one at ``start`` (after spaces)."""
    i = start
    while i < len(text) and text[i] == " ":
        i += 1
    if i >= len(text) or text[i] != opening:
        return None
    depth = 0
    for j in range(i, len(text)):
        if text[j] == opening and (opening != closing or j == i):
            depth += 1
        elif text[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return None


def bracket_variables(text: str, opening: str, closing: str, delimiter: str) -> tuple[list[tuple[str, str]], str]:
    """``switch_event_create_brackets`` on ``text`` starting with ``opening``: the variables and what follows.

    Raises ValueError when the block is never closed (the switch answers ``Parse Error``)."""
    end = find_end_paren(text, 0, opening, closing)
    if end is None:
        raise ValueError(f"unbalanced {opening}{closing} block")
    body = text[text.index(opening) + 1:end]
    if body.startswith("^^") and len(body) >= 3:
        delimiter, body = body[2], body[3:]
    variables = []
    for item in separate(body, delimiter, MAX_VARIABLES):
        parts = separate(item, "=", 2)
        if len(parts) == 2:
            variables.append((parts[0], parts[1]))
    return variables, text[end + 1:]


@dataclass
class Leg:
    """One endpoint of a dial string and its own ``[...]`` variables."""

    endpoint: str
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class DialString:
    """What ``originate`` makes of its first argument: global variables, then endpoints by failover group
    (``|``), each group rung at once (``,``)."""

    variables: dict[str, str] = field(default_factory=dict)
    groups: list[list[Leg]] = field(default_factory=list)

    @property
    def legs(self) -> list[Leg]:
        return [leg for group in self.groups for leg in group]


def _mark_block_commas(text: str) -> str:
    """Commas inside ``[...]`` (not after a backslash) are not leg separators (switch_ivr_originate.c)."""
    chars = list(text)
    end: int | None = None
    quoted = alt = False
    for i, char in enumerate(chars):
        if end is None and char == "[":
            end = find_end_paren(text, i, "[", "]")
            alt = text[i + 1:i + 3] == "^^"
            quoted = False
        if char == "'":
            quoted = not quoted
        if end is not None and i < end and char == "," and (i == 0 or chars[i - 1] != "\\"):
            chars[i] = QUOTED_COMMA if (quoted or alt) else UNQUOTED_COMMA
        if end is not None and i == end:
            end = None
    return "".join(chars)


def _leg(text: str) -> Leg:
    rest = text.lstrip(" ")
    variables: dict[str, str] = {}
    while rest.startswith("["):
        end = find_end_paren(rest, 0, "[", "]")
        if end is None:
            raise ValueError("unbalanced [] block")
        rest = rest[:end].replace(QUOTED_COMMA, ",") + rest[end:]
        found, rest = bracket_variables(rest, "[", "]", UNQUOTED_COMMA)
        variables.update(found)
    return Leg(rest, variables)


def parse_dial(text: str) -> DialString:
    """The dial string as ``switch_ivr_originate`` reads it (ValueError: the switch's ``Parse Error``)."""
    parts = text.split(ENTERPRISE) if ENTERPRISE in text else [text]
    dial = DialString()
    for part in parts:
        data = part.lstrip(" ")
        for opening, closing in (("<", ">"), ("{", "}")):
            while data.startswith(opening):
                found, data = bracket_variables(data, opening, closing, ",")
                dial.variables.update(found)
            data = data.lstrip(" ")
        for group in separate(data, "|", MAX_PEERS):
            legs = [_leg(peer) for peer in separate(_mark_block_commas(group), ",", MAX_PEERS)]
            dial.groups.append([leg for leg in legs if leg.endpoint] or [Leg("")])
    return dial
