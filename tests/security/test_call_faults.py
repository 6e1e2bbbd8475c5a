"""One call's fault never ends the controller: sys.exit() in a hook, in a hook module, or in a call's handler."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gevent.event import Event as Flag

from fsapp.ivr.registry import FlowRegistry
from fsapp.sim import SimulatedSwitch
from tests.integration.conftest import MONDAY_MORNING, WAIT

FLOW = """
    name: main_menu
    default_language: en
    start: leave
    operator_queue: operator
    nodes:
      leave:
        kind: hook
        call: bad.{function}
        next: bye
        on_error: sorry
      sorry:
        kind: say
        prompt: {{en: Something went wrong.}}
        next: bye
      bye:
        kind: hangup
"""
HOOKS = """
    import sys

    def leave(ctx):
        sys.exit(3)

    def interrupt(ctx):
        raise KeyboardInterrupt

    class Custom(BaseException):
        pass

    def custom(ctx):
        raise Custom("odd")
"""


def _flows(tmp_path: Path, function: str, hooks: str = HOOKS) -> Path:
    flows = tmp_path / "flows"
    flows.mkdir(exist_ok=True)
    (flows / "main_menu.yaml").write_text(textwrap.dedent(FLOW.format(function=function)).lstrip())
    (flows / "bad.py").write_text(textwrap.dedent(hooks).lstrip())
    return flows


def test_a_hook_calling_sys_exit_sends_the_call_to_on_error_and_the_controller_goes_on(
        sim: SimulatedSwitch, make_controller, tmp_path: Path) -> None:
    controller = make_controller(MONDAY_MORNING, _flows(tmp_path, "leave"))
    for _ in range(2):   # the second call proves the process and the switch link are still there
        uuid = sim.place_call(caller="+4790000001")
        summary = controller.wait_finished(uuid, WAIT)
        assert summary.path.nodes == ["leave", "sorry", "bye"]
        assert "SystemExit" in summary.path.errors[0]


def test_keyboard_interrupt_and_odd_base_exceptions_from_hooks_are_hook_faults(tmp_path: Path) -> None:
    from fsapp.ivr.hooks import HookLoader
    from fsapp.ivr.interpreter import Interpreter
    from fsapp.ivr.simulate import Script, simulate
    from fsapp.ivr.validate import validate_file

    for function in ("interrupt", "custom", "leave"):
        flow, errors = validate_file(_flows(tmp_path, function) / "main_menu.yaml")
        assert flow is not None, errors
        interpreter = Interpreter(flow, clock=lambda: MONDAY_MORNING, hooks=HookLoader(tmp_path / "flows"),
                                  call_uuid="fault", caller_number="+4790000001")
        path = simulate(interpreter, Script.of([], []), lambda line: None)
        assert path.nodes == ["leave", "sorry", "bye"], function


def test_a_hook_module_calling_sys_exit_on_import_is_a_refused_flow(tmp_path: Path) -> None:
    flows = _flows(tmp_path, "leave", hooks="import sys\nsys.exit('bye')\n")
    registry = FlowRegistry(flows, {"main": "main_menu"})
    [error] = registry.reload()
    assert "SystemExit: bye" in error.located()


def test_a_handler_raising_system_exit_ends_only_its_call(sim: SimulatedSwitch, make_controller,
                                                          tmp_path: Path) -> None:
    controller = make_controller(MONDAY_MORNING, _flows(tmp_path, "leave"))
    reached = Flag()

    def exits(call: object) -> None:
        reached.set()
        raise SystemExit(1)

    controller.switch.route("exits", exits)
    sim.place_call(caller="+4790000002", entry="exits")
    assert reached.wait(WAIT)
    uuid = sim.place_call(caller="+4790000003")
    assert controller.wait_finished(uuid, WAIT).path.nodes == ["leave", "sorry", "bye"]
