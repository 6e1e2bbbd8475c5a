"""Reading ``conf/register.yaml``: every value checked, every error as ``FILE:LINE: key: message``.

::

    departments:
      water: {name: Vann og avløp, email: vann@kommune.no}
    categories:
      water:
        name: Water and sewage
        department: water
        deadline_days: 5            # the case must be resolved within (0: no deadline)
        public: true                # Open311 and the public pages may list it
        keywords: water leak pipe
        fields:
          - {name: meter_number, label: Meter number, kind: text, required: true, pattern: "[0-9]{6,10}"}
          - {name: problem, label: Problem, kind: choice, choices: [no water, low pressure, leak]}
        guide:
          nb: [{q: Hvorfor er vannet brunt?, a: Rust i rørene etter arbeid på nettet ...}]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fsapp.errors import SourceError
from fsapp.store.errors import InvalidCaseData
from fsapp.store.workflow import FieldDefinition
from fsapp.yamlsource import KeyPath, YamlSource, load_yaml, parse_yaml

CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
FIELD_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
MAX_TEXT = 4000


class RegisterError(SourceError):
    """The register file is wrong (file, line, key)."""


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class CategorySpec:
    code: str
    name: str
    department: str | None
    deadline_days: float | None
    public: bool
    description: str
    keywords: str
    fields: tuple[FieldDefinition, ...]
    guide: dict[str, tuple[tuple[str, str], ...]]


@dataclass
class Register:
    path: str
    departments: list[DepartmentSpec] = field(default_factory=list)
    categories: list[CategorySpec] = field(default_factory=list)


def load_register(path: str | Path) -> Register:
    """Read and check ``path``; raises :class:`RegisterError`."""
    return _build(load_yaml(path, RegisterError))


def parse_register(text: str, path: str = "<register>") -> Register:
    return _build(parse_yaml(text, path, RegisterError))


def _build(source: YamlSource) -> Register:
    data = source.data if source.data is not None else {}
    _mapping(source, (), data)
    _only(source, (), data, {"departments", "categories"})
    register = Register(source.path)
    departments = data.get("departments") or {}
    _mapping(source, ("departments",), departments)
    for code, spec in departments.items():
        register.departments.append(_department(source, ("departments", code), code, spec))
    known = {d.code for d in register.departments}
    categories = data.get("categories") or {}
    _mapping(source, ("categories",), categories)
    for code, spec in categories.items():
        register.categories.append(_category(source, ("categories", code), code, spec, known))
    return register


def _department(source: YamlSource, where: KeyPath, code: Any, spec: Any) -> DepartmentSpec:
    _code(source, where, code)
    if isinstance(spec, str):
        spec = {"name": spec}
    _mapping(source, where, spec)
    _only(source, where, spec, {"name", "email"})
    email = _text(source, (*where, "email"), spec.get("email"), required=False) or None
    if email is not None and "@" not in email:
        raise source.error((*where, "email"), f"{email!r} is not an e-mail address", RegisterError)
    return DepartmentSpec(code, _text(source, (*where, "name"), spec.get("name")), email)


def _category(source: YamlSource, where: KeyPath, code: Any, spec: Any, departments: set[str]) -> CategorySpec:
    _code(source, where, code)
    _mapping(source, where, spec)
    _only(source, where, spec, {"name", "department", "deadline_days", "public", "description", "keywords",
                                "fields", "guide"})
    department = spec.get("department")
    if department is not None and department not in departments:
        raise source.error((*where, "department"), f"unknown department {department!r} (known: "
                           f"{', '.join(sorted(departments)) or 'none'})", RegisterError)
    days = spec.get("deadline_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 <= days <= 3650):
        raise source.error((*where, "deadline_days"), "must be a number of days from 0 to 3650", RegisterError)
    public = spec.get("public", True)
    if not isinstance(public, bool):
        raise source.error((*where, "public"), "must be true or false", RegisterError)
    return CategorySpec(
        code=code, name=_text(source, (*where, "name"), spec.get("name")), department=department,
        deadline_days=float(days) if days else None, public=public,
        description=_text(source, (*where, "description"), spec.get("description"), required=False),
        keywords=_text(source, (*where, "keywords"), spec.get("keywords"), required=False),
        fields=_fields(source, (*where, "fields"), spec.get("fields") or []),
        guide=_guide(source, (*where, "guide"), spec.get("guide") or {}))


def _fields(source: YamlSource, where: KeyPath, items: Any) -> tuple[FieldDefinition, ...]:
    if not isinstance(items, list):
        raise source.error(where, "must be a list of fields", RegisterError)
    found: list[FieldDefinition] = []
    for index, item in enumerate(items):
        at = (*where, index)
        _mapping(source, at, item)
        _only(source, at, item, {"name", "label", "kind", "required", "choices", "pattern", "minimum", "maximum",
                                 "help"})
        name = item.get("name")
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise source.error((*at, "name"), "a field needs a name of lower-case letters, digits and _",
                               RegisterError)
        if any(f.name == name for f in found):
            raise source.error((*at, "name"), f"field {name!r} is listed twice", RegisterError)
        choices = item.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, (str, int)) for c in choices):
            raise source.error((*at, "choices"), "must be a list of words", RegisterError)
        if item.get("kind") == "choice" and not choices:
            raise source.error((*at, "choices"), "a choice field needs its choices", RegisterError)
        try:
            found.append(FieldDefinition.from_dict({**item, "choices": [str(c) for c in choices]}))
        except (InvalidCaseData, KeyError, TypeError) as exc:
            raise source.error(at, str(exc), RegisterError) from None
    return tuple(found)


def _guide(source: YamlSource, where: KeyPath, spec: Any) -> dict[str, tuple[tuple[str, str], ...]]:
    _mapping(source, where, spec)
    guide: dict[str, tuple[tuple[str, str], ...]] = {}
    for language, entries in spec.items():
        at = (*where, language)
        if not isinstance(language, str) or not LANGUAGE.fullmatch(language):
            raise source.error(at, "a guide is keyed by language (nb, en, ...)", RegisterError)
        if not isinstance(entries, list):
            raise source.error(at, "must be a list of {q: question, a: answer}", RegisterError)
        pairs = []
        for index, entry in enumerate(entries):
            _mapping(source, (*at, index), entry)
            _only(source, (*at, index), entry, {"q", "a"})
            pairs.append((_text(source, (*at, index, "q"), entry.get("q")),
                          _text(source, (*at, index, "a"), entry.get("a"))))
        guide[language] = tuple(pairs)
    return guide


def _code(source: YamlSource, where: KeyPath, code: Any) -> None:
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise source.error(where, "a code is 1-40 lower-case letters, digits, _ or -", RegisterError)


def _mapping(source: YamlSource, where: KeyPath, value: Any) -> None:
    if not isinstance(value, dict):
        raise source.error(where, "must be a mapping", RegisterError)


def _only(source: YamlSource, where: KeyPath, value: dict[str, Any], allowed: set[str]) -> None:
    for key in value:
        if key not in allowed:
            raise source.error((*where, key), f"unknown key (known: {', '.join(sorted(allowed))})", RegisterError)


def _text(source: YamlSource, where: KeyPath, value: Any, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise source.error(where, "is required", RegisterError)
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise source.error(where, "must be text", RegisterError)
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise source.error(where, f"longer than {MAX_TEXT} characters", RegisterError)
    return text
