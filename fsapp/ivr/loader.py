"""Reading flow files into :class:`~fsapp.ivr.schema.Flow`, with every error located as FILE:LINE.

:func:`parse_flow` collects all schema problems of a file instead of stopping at the first, so that
``fsapp ivr validate`` can list them; :func:`load_flow` raises them together as :class:`FlowErrors`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsapp.ivr.errors import FlowError, FlowErrors
from fsapp.ivr.holidays import UnknownHolidayCalendar, calendar
from fsapp.ivr.schema import MAX_HOOK_TIMEOUT_S, NODE_TYPES, WEEKDAYS, Flow, MenuOption, NodeBase, Prompt
from fsapp.yamlsource import KeyPath, YamlSource, load_yaml, parse_yaml

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KEYS = re.compile(r"^[0-9*#]$")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_FLOW_KEYS = {"name", "start", "default_language", "languages", "operator_queue", "on_error", "speech", "nodes"}


class _Bad(Exception):
    """A value that does not fit its field (message only; the reader adds the location)."""


Converter = Callable[["_Reader", KeyPath, Any], Any]


class _Reader:
    """Turns raw YAML values into typed fields, noting each problem with its location."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.errors: list[FlowError] = []

    def fail(self, key_path: KeyPath, message: str) -> None:
        self.errors.append(self.source.error(key_path, message, FlowError))  # type: ignore[arg-type]

    def convert(self, key_path: KeyPath, value: Any, converter: Converter) -> Any:
        try:
            return converter(self, key_path, value)
        except _Bad as exc:
            self.fail(key_path, str(exc))
            return None


def _text(_r: _Reader, _p: KeyPath, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Bad("must be text")
    return str(value)


def _campaign(_r: _Reader, _p: KeyPath, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Bad("must be the name of a survey campaign")
    return value.strip()


def _name(_r: _Reader, _p: KeyPath, value: Any) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise _Bad("must be a name (letters, digits, underscore)")
    return value


def _int(_r: _Reader, _p: KeyPath, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _Bad("must be a whole number, zero or more")
    return value


def _seconds(_r: _Reader, _p: KeyPath, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise _Bad("must be a positive number of seconds")
    return float(value)


def _hook_timeout(r: _Reader, p: KeyPath, value: Any) -> float:
    seconds = _seconds(r, p, value)
    if seconds > MAX_HOOK_TIMEOUT_S:
        raise _Bad(f"must be at most {MAX_HOOK_TIMEOUT_S:g} seconds (a caller is waiting in silence)")
    return seconds


def _confidence(_r: _Reader, _p: KeyPath, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _Bad("must be a number from 0 to 1")
    return float(value)


def _bool(_r: _Reader, _p: KeyPath, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad("must be true or false")
    return value


def _pattern(r: _Reader, p: KeyPath, value: Any) -> str:
    text = _text(r, p, value)
    try:
        re.compile(text)
    except re.error as exc:
        raise _Bad(f"not a regular expression: {exc}") from exc
    return text


def _keys(r: _Reader, p: KeyPath, value: Any) -> str:
    text = _text(r, p, value)
    if not _KEYS.match(text):
        raise _Bad("must be one key: 0-9, * or #")
    return text


def _terminator(r: _Reader, p: KeyPath, value: Any) -> str:
    text = _text(r, p, value)
    if any(ch not in "0123456789*#" for ch in text):
        raise _Bad("must be keys from 0-9, * and #, or empty")
    return text


def _str_list(r: _Reader, p: KeyPath, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list):
        raise _Bad("must be a list of texts")
    return tuple(_text(r, p + (i,), item) for i, item in enumerate(value))


def _str_map(r: _Reader, p: KeyPath, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _Bad("must be a mapping")
    return {str(key): _text(r, p + (key,), item) for key, item in value.items()}


def _prompt(r: _Reader, p: KeyPath, value: Any) -> Prompt:
    if isinstance(value, dict) and set(value) == {"file"}:
        return Prompt(file=_text(r, p + ("file",), value["file"]))
    if not isinstance(value, dict) or not value:
        raise _Bad("must be texts per language ({nb: ..., en: ...}) or {file: path}")
    return Prompt(texts={str(lang): _text(r, p + (lang,), text) for lang, text in value.items()})


def _phrases(r: _Reader, p: KeyPath, value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise _Bad("must be phrases per language ({en: [building permit, ...]})")
    result = {str(lang): r.convert(p + (lang,), item, _str_list) or () for lang, item in value.items()}
    return {lang: tuple(ph.strip().lower() for ph in items) for lang, items in result.items()}


def _hours(r: _Reader, p: KeyPath, value: Any) -> dict[int, tuple[tuple[time, time], ...]]:
    if not isinstance(value, dict):
        raise _Bad("must map weekdays (mon..sun) to opening hours ('08:00-15:30' or closed)")
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for day, spans in value.items():
        if str(day) not in WEEKDAYS:
            r.fail(p + (day,), f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            continue
        converted = r.convert(p + (day,), spans, _spans)
        hours[WEEKDAYS.index(str(day))] = converted or ()
    return hours


def _spans(r: _Reader, p: KeyPath, value: Any) -> tuple[tuple[time, time], ...]:
    if value in ("closed", None, False):
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise _Bad("must be 'HH:MM-HH:MM', a list of them, or closed")
    spans = []
    for item in items:
        match = _RANGE.match(str(item))
        if not match:
            raise _Bad(f"{item!r} is not 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), (time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2))
        except ValueError as exc:
            raise _Bad(f"{item!r}: {exc}") from exc
        if end <= start:
            raise _Bad(f"{item!r} ends before it starts")
        spans.append((start, end))
    return tuple(spans)


_MONTH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})$")


def _dates(r: _Reader, p: KeyPath, value: Any) -> frozenset[date | tuple[int, int]]:
    """One-off dates (``2027-06-04``) and days closed every year (``12-24``: month-day)."""
    if not isinstance(value, list):
        raise _Bad("must be a list of dates (YYYY-MM-DD, or MM-DD for every year)")
    result: set[date | tuple[int, int]] = set()
    for index, item in enumerate(value):
        yearly = _MONTH_DAY.match(item) if isinstance(item, str) else None
        if isinstance(item, date) and not isinstance(item, datetime):
            result.add(item)
        elif yearly and _real_month_day(int(yearly[1]), int(yearly[2])):
            result.add((int(yearly[1]), int(yearly[2])))
        else:
            r.fail(p + (index,), f"{item!r} is not a date (YYYY-MM-DD, or MM-DD for every year)")
    return frozenset(result)


def _real_month_day(month: int, day: int) -> bool:
    try:
        date(2024, month, day)   # a leap year, so 02-29 is a real day  # any-date-ok
    except ValueError:
        return False
    return True


def _timezone(r: _Reader, p: KeyPath, value: Any) -> str:
    text = _text(r, p, value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _Bad(f"unknown time zone {text!r}") from exc
    return text


def _holiday_calendar(r: _Reader, p: KeyPath, value: Any) -> str:
    if isinstance(value, bool):
        raise _Bad("must be a country code in quotes (YAML reads a bare NO as false): holidays: \"NO\"")
    text = _text(r, p, value)
    try:
        calendar(text)
    except UnknownHolidayCalendar as exc:
        raise _Bad(f"{exc} (use an ISO country code such as NO, DK, FI, PL, CN, optionally -SUBDIVISION)") from exc
    return text


def _hook_name(r: _Reader, p: KeyPath, value: Any) -> str:
    text = _text(r, p, value)
    module, _, function = text.rpartition(".")
    if not module or not _NAME.match(function) or not all(_NAME.match(part) for part in module.split(".")):
        raise _Bad("must be module.function (a function in ivr_scripts/<module>.py)")
    return text


def _options(r: _Reader, p: KeyPath, value: Any) -> tuple[MenuOption, ...]:
    if not isinstance(value, list) or not value:
        raise _Bad("must be a list of options (key, say, next)")
    options = []
    for index, raw in enumerate(value):
        here = p + (index,)
        if not isinstance(raw, dict):
            r.fail(here, "an option must be a mapping with key and/or say, and next")
            continue
        fields = _read_fields(r, here, raw, _OPTION_FIELDS, required=("next",))
        if fields.get("key") is None and not fields.get("phrases"):
            r.fail(here, "an option needs a key, spoken phrases (say), or both")
        if "next" in fields:
            options.append(MenuOption(key=fields.get("key"), phrases=fields.get("phrases") or {},
                                      next=fields["next"], language=fields.get("language"),
                                      values=fields.get("values") or {}, announce=fields.get("announce")))
    return tuple(options)


# yaml key -> (attribute, converter), per node kind.
_OPTION_FIELDS: dict[str, tuple[str, Converter]] = {
    "key": ("key", _keys), "say": ("phrases", _phrases), "next": ("next", _name),
    "language": ("language", _name), "set": ("values", _str_map), "announce": ("announce", _text)}
_PROMPTED = {"prompt": ("prompt", _prompt)}
_DIGITS = {"min": ("min_digits", _int), "max": ("max_digits", _int), "terminator": ("terminator", _terminator),
           "timeout": ("timeout_s", _seconds), "pattern": ("pattern", _pattern)}
_KIND_FIELDS: dict[str, dict[str, tuple[str, Converter]]] = {
    "say": {**_PROMPTED, "next": ("next", _name)},
    "play": {"file": ("file", _text), "next": ("next", _name)},
    "menu": {**_PROMPTED, "options": ("options", _options), "timeout": ("timeout_s", _seconds),
             "tries": ("tries", _int), "timeout_prompt": ("timeout_prompt", _prompt),
             "invalid_prompt": ("invalid_prompt", _prompt), "max_tries_prompt": ("max_tries_prompt", _prompt),
             "on_max_tries": ("on_max_tries", _name), "min_confidence": ("min_confidence", _confidence)},
    "collect": {**_PROMPTED, **_DIGITS, "var": ("var", _name), "digit_timeout": ("digit_timeout_s", _seconds),
                "tries": ("tries", _int), "invalid_prompt": ("invalid_prompt", _prompt),
                "next": ("next", _name), "on_fail": ("on_fail", _name)},
    "listen": {**_PROMPTED, **_DIGITS, "var": ("var", _name), "phrases": ("phrases", _phrases),
               "digits": ("digits", _bool), "min_confidence": ("min_confidence", _confidence),
               "fallback_prompt": ("fallback_prompt", _prompt), "tries": ("tries", _int), "next": ("next", _name),
               "on_fail": ("on_fail", _name)},
    "schedule": {"timezone": ("timezone", _timezone), "hours": ("hours", _hours),
                 "closed_dates": ("closed_dates", _dates), "holidays": ("holidays", _holiday_calendar),
                 "open": ("open", _name), "closed": ("closed", _name)},
    "set": {"values": ("values", _str_map), "next": ("next", _name)},
    "branch": {"var": ("var", _name), "hook": ("hook", _hook_name), "cases": ("cases", _str_map),
               "default": ("default", _name), "on_error": ("on_error", _name),
               "timeout": ("timeout_s", _hook_timeout)},
    "hook": {"call": ("call", _hook_name), "var": ("var", _name), "next": ("next", _name),
             "on_error": ("on_error", _name), "timeout": ("timeout_s", _hook_timeout)},
    "queue": {"queue": ("queue", _text), "priority": ("priority", _int), "skills": ("skills", _str_list),
              "prompt": ("prompt", _prompt), "survey": ("survey", _campaign)},
    "transfer": {"destination": ("destination", _text), "prompt": ("prompt", _prompt)},
    "voicemail": {**_PROMPTED, "max_seconds": ("max_seconds", _int), "subject": ("subject", _text),
                  "next": ("next", _name)},
    "callback": {**_PROMPTED, "number_prompt": ("number_prompt", _prompt), "confirm_key": ("confirm_key", _keys),
                 "other_key": ("other_key", _keys), "timeout": ("timeout_s", _seconds), "next": ("next", _name)},
    "goto": {"next": ("next", _name)},
    "hangup": {"prompt": ("prompt", _prompt), "cause": ("cause", _text)},
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "say": ("prompt",), "play": ("file",), "menu": ("options",), "collect": ("prompt",),
    "listen": ("prompt",), "schedule": ("hours", "open", "closed"), "set": ("values",),
    "branch": ("cases",), "hook": ("call",), "queue": ("queue",), "transfer": ("destination",),
    "voicemail": ("prompt",), "callback": ("prompt", "number_prompt"), "goto": ("next",),
}


def _read_fields(r: _Reader, where: KeyPath, raw: dict[Any, Any], spec: dict[str, tuple[str, Converter]],
                 required: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if key in skip:
            continue
        if key not in spec:
            r.fail(where + (key,), f"unknown field (allowed: {', '.join(sorted(spec))})")
            continue
        attribute, converter = spec[key]
        converted = r.convert(where + (key,), value, converter)
        if converted is not None:
            fields[attribute] = converted
    for key in required:
        if key not in raw:
            r.fail(where, f"missing required field {key!r}")
    return fields


def _read_node(r: _Reader, name: str, raw: Any) -> NodeBase | None:
    where: KeyPath = ("nodes", name)
    if not _NAME.match(str(name)):
        r.fail(where, "node names must be letters, digits and underscores")
    if not isinstance(raw, dict):
        r.fail(where, "a node must be a mapping with a kind")
        return None
    kind = raw.get("kind")
    if kind not in NODE_TYPES:
        r.fail(where + ("kind",) if "kind" in raw else where,
               f"unknown kind {kind!r} (one of: {', '.join(NODE_TYPES)})" if kind else "missing kind")
        return None
    before = len(r.errors)
    fields = _read_fields(r, where, raw, _KIND_FIELDS[kind], _REQUIRED.get(kind, ()), skip=("kind",))
    if kind == "branch" and bool(raw.get("var")) == bool(raw.get("hook")):
        r.fail(where, "a branch needs exactly one of var or hook")
    if len(r.errors) > before:
        return None
    return NODE_TYPES[kind](name=str(name), kind=kind, where=where, **fields)


def parse_flow(source: YamlSource) -> tuple[Flow | None, list[FlowError]]:
    """A flow and the schema problems found in it (the flow is None when there are any)."""
    r = _Reader(source)
    data = source.data
    if not isinstance(data, dict):
        r.fail((), "a flow file must be a mapping with start, default_language and nodes")
        return None, r.errors
    for key in data:
        if key not in _FLOW_KEYS:
            r.fail((key,), f"unknown field (allowed: {', '.join(sorted(_FLOW_KEYS))})")
    for key in ("start", "default_language", "nodes"):
        if key not in data:
            r.fail((), f"missing required field {key!r}")
    raw_nodes = data.get("nodes")
    if raw_nodes is not None and (not isinstance(raw_nodes, dict) or not raw_nodes):
        r.fail(("nodes",), "must be a mapping of node names to nodes")
        raw_nodes = {}
    nodes = {str(name): _read_node(r, str(name), raw) for name, raw in (raw_nodes or {}).items()}
    default_language = r.convert(("default_language",), data.get("default_language", "nb"), _name)
    languages = r.convert(("languages",), data.get("languages", [default_language]), _str_list)
    flow = Flow(
        name=r.convert(("name",), data.get("name", Path(source.path).stem), _text) or "",
        path=source.path,
        start=r.convert(("start",), data.get("start", ""), _name) or "",
        default_language=default_language or "",
        languages=tuple(languages or ()),
        nodes={name: node for name, node in nodes.items() if node is not None},
        operator_queue=r.convert(("operator_queue",), data.get("operator_queue", "operator"), _text) or "",
        on_error=r.convert(("on_error",), data["on_error"], _name) if "on_error" in data else None,
        speech=r.convert(("speech",), data.get("speech", True), _bool) is not False,
        source=source,
    )
    if default_language and languages and default_language not in languages:
        r.fail(("default_language",), f"{default_language!r} is not in languages {list(languages)}")
    return (None if r.errors else flow), r.errors


def load_flow(path: str | Path) -> Flow:
    """Load one flow file; raise :class:`FlowErrors` listing every schema problem."""
    source = load_yaml(path, FlowError)
    flow, errors = parse_flow(source)
    if flow is None:
        raise FlowErrors(errors)
    return flow


def parse_flow_text(text: str, path: str = "<string>") -> Flow:
    """Load a flow from text (tests and tools); raises like :func:`load_flow`."""
    flow, errors = parse_flow(parse_yaml(text, path, FlowError))
    if flow is None:
        raise FlowErrors(errors)
    return flow
