"""Case status by phone: a faked caller ID alone never reads a citizen's open cases out."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.interpreter import Interpreter
from fsapp.ivr.simulate import Script, simulate
from fsapp.ivr.validate import validate_file
from fsapp.store import Store, open_store
from tests.integration.conftest import MONDAY_MORNING

ROOT = Path(__file__).resolve().parents[2]
KARI = "+4790000014"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    opened = open_store(f"sqlite:///{tmp_path / 'cases.db'}")
    opened.add_category("water", "Water and sewage", service_level_hours=72)
    kari = opened.add_citizen("Kari Nordmann", [KARI])
    ola = opened.add_citizen("Ola Nordmann", ["+4790000015"])
    opened.new_case("water", "Low pressure in the tap", "test", citizen_id=kari.id)
    opened.new_case("water", "Brown water", "test", citizen_id=kari.id)
    opened.new_case("water", "Leak in the street", "test", citizen_id=ola.id)
    return opened


def _flow(tmp_path: Path, check: str | None) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir(exist_ok=True)
    text = (ROOT / "ivr_scripts" / "main_menu.yaml").read_text()
    if check is None:
        text = text.replace("    values: {case_check: case_number}\n", "    values: {}\n")
    else:
        text = text.replace("{case_check: case_number}", f"{{case_check: {check}}}")
    (flows / "main_menu.yaml").write_text(text)
    shutil.copy(ROOT / "ivr_scripts" / "case_status.py", flows)
    return flows / "main_menu.yaml"


def _walk(path: Path, store: Store, caller: str, keyed: str) -> tuple[list[str], list[str]]:
    flow, errors = validate_file(path)
    assert flow is not None, [e.located() for e in errors]
    lines: list[str] = []
    interpreter = Interpreter(flow, clock=lambda: MONDAY_MORNING, hooks=HookLoader(path.parent), store=store,
                              call_uuid="status", caller_number=caller, language="en")
    result = simulate(interpreter, Script.of(["7", keyed + "#", "0"], []), lines.append)
    return result.nodes, lines


def _digits(store: Store, description: str) -> str:
    [case] = [c for c in store.find_cases(limit=10) if store.get_case(c.reference).description == description]
    return case.reference


@pytest.mark.parametrize("check", ["case_number", None, "nonsense"])   # unset or unknown fails closed
def test_a_spoofed_caller_id_with_someone_elses_case_hears_no_open_cases(tmp_path: Path, store: Store,
                                                                       check: str | None) -> None:
    nodes, lines = _walk(_flow(tmp_path, check), store, KARI, _digits(store, "Leak in the street"))
    assert "read_case" in nodes and "read_open_cases" not in nodes
    assert not any("open cases" in line for line in lines)


def test_the_caller_who_keys_their_own_case_hears_the_others(tmp_path: Path, store: Store) -> None:
    nodes, lines = _walk(_flow(tmp_path, "case_number"), store, KARI, _digits(store, "Brown water"))
    assert "read_open_cases" in nodes
    assert any("You have 1 other open cases." in line for line in lines)


def test_a_wrong_or_mistyped_number_reads_nothing_personal(tmp_path: Path, store: Store) -> None:
    own = _digits(store, "Brown water")
    mistyped = own[:-1] + str((int(own[-1]) + 1) % 10)
    nodes, lines = _walk(_flow(tmp_path, "case_number"), store, KARI, mistyped)
    assert "case_invalid" in nodes and "read_open_cases" not in nodes


def test_case_check_none_reads_open_cases_on_caller_id(tmp_path: Path, store: Store) -> None:
    nodes, lines = _walk(_flow(tmp_path, "none"), store, KARI, _digits(store, "Leak in the street"))
    assert "read_open_cases" in nodes and any("You have 2 open cases." in line for line in lines)


def test_the_example_menu_asks_for_the_case_number() -> None:
    assert "values: {case_check: case_number}" in (ROOT / "ivr_scripts" / "main_menu.yaml").read_text()
