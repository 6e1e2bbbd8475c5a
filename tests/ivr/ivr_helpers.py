"""Helpers for IVR tests: load a flow that must be valid, and walk it with a scripted caller."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fsapp.ivr.callpath import CallPath
from fsapp.ivr.hooks import HookLoader
from fsapp.ivr.interpreter import Interpreter
from fsapp.ivr.schema import Flow
from fsapp.ivr.simulate import Script, simulate
from fsapp.ivr.validate import validate_file
from tests import timeline

REPO = Path(__file__).resolve().parents[2]
TUESDAY_MORNING = timeline.next_working(timeline.TUESDAY, 10)   # the example menu is open
SATURDAY = timeline.next_weekday(timeline.SATURDAY, 13)          # the example menu is closed


def load_valid(path: Path) -> Flow:
    flow, errors = validate_file(path)
    assert errors == [], [e.located() for e in errors]
    assert flow is not None
    return flow


def walk(flow: Flow, keys: list[str] = (), says: list[str] = (), *, at: datetime = TUESDAY_MORNING,
         hooks_dir: Path | None = None, store: object = None, caller: str = "+4790000000",
         language: str | None = None) -> tuple[CallPath, list[str]]:
    lines: list[str] = []
    interpreter = Interpreter(flow, clock=lambda: at, hooks=HookLoader(hooks_dir or Path(flow.path).parent),
                              store=store, call_uuid="test-uuid", caller_number=caller, language=language)
    path = simulate(interpreter, Script.of(keys, says), lines.append)
    return path, lines
