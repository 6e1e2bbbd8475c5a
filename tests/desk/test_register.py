"""The case register in YAML: what it accepts, the FILE:LINE of what it refuses, and the checks its custom
fields put on a case."""

from __future__ import annotations

import pytest

from fsapp.register import RegisterError, apply_register, load_register
from fsapp.register.loader import parse_register
from fsapp.store import InvalidCaseData, open_store
from fsapp.store.workflow import FieldDefinition, validate_custom_values
from tests.integration.conftest import ROOT


def test_the_shipped_register_loads_into_a_fresh_store() -> None:
    store = open_store("sqlite:///:memory:")
    counts = apply_register(store, load_register(ROOT / "conf" / "register.yaml"))
    assert counts["categories"] >= 5 and counts["guide"] >= 1
    water = store.category("water")
    assert (water["department"], water["service_level_hours"], water["public"]) == ("water", 120.0, True)
    assert [f.name for f in water["custom_fields"]] == ["meter_number", "problem", "since"]
    assert store.guide("water", "en")[0][0] == "The water is brown"
    apply_register(store, load_register(ROOT / "conf" / "register.yaml"))   # loading again changes nothing
    assert len(store.categories()) == counts["categories"]


@pytest.mark.parametrize(("text", "where", "says"), [
    ("categories:\n  water:\n    name: W\n    department: nope\n", "r.yaml:4:", "unknown department 'nope'"),
    ("categories:\n  Water X:\n    name: W\n", "r.yaml:2:", "a code is"),
    ("categories:\n  water:\n    name: W\n    deadline_days: soon\n", "r.yaml:4:", "number of days"),
    ("categories:\n  water:\n    name: W\n    fields:\n      - {name: m, kind: colour}\n", "r.yaml:5:",
     "unknown kind 'colour'"),
    ("categories:\n  water:\n    name: W\n    fields:\n      - {name: m, kind: choice}\n", "r.yaml:5:",
     "needs its choices"),
    ("categories:\n  water:\n    name: W\n    fields:\n      - {name: m, pattern: '[0-9'}\n", "r.yaml:5:",
     "bad pattern"),
    ("categories:\n  water:\n    name: W\n    guide:\n      nb:\n        - {q: Why}\n", "r.yaml:6:", "is required"),
    ("categories:\n  water:\n    nam: W\n", "r.yaml:3:", "unknown key"),
])  # any-date-ok (no dates here)
def test_a_wrong_register_names_the_file_and_the_line(text: str, where: str, says: str) -> None:
    with pytest.raises(RegisterError) as refused:
        parse_register(text, "r.yaml")
    assert refused.value.located().startswith(where) and says in str(refused.value)


def test_custom_fields_check_patterns_ranges_and_dates() -> None:
    fields = [FieldDefinition("meter", "Meter", pattern="[0-9]{6,10}"),
              FieldDefinition("amount", "Amount", kind="number", minimum=0, maximum=1000),
              FieldDefinition("since", "Since", kind="date")]
    leap_day = "2024-02-29"   # any-date-ok: a parser check (a leap day, valid on any run date)
    assert validate_custom_values(fields, {"meter": "123456", "amount": "12.5", "since": leap_day}) == {
        "meter": "123456", "amount": 12.5, "since": leap_day}
    wrong_format = "29.02.2024"   # any-date-ok: a format check
    for bad in ({"meter": "12a456"}, {"amount": "-1"}, {"amount": "1001"}, {"since": wrong_format},
                {"meter": "1" * 3000}):
        with pytest.raises(InvalidCaseData):
            validate_custom_values(fields, bad)
    stored = FieldDefinition.from_dict(fields[1].to_dict())
    assert stored == fields[1]
    assert FieldDefinition("x", "X").to_dict() == {"name": "x", "label": "X", "kind": "text", "required": False,
                                                    "choices": []}   # older rows keep their shape
