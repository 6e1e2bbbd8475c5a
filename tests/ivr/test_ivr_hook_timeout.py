"""Hooks run off the hub with the node's timeout; a hook that takes longer sends the call to on_error."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fsapp.ivr.errors import FlowErrors, HookError
from fsapp.ivr.hooks import HookContext, HookLoader
from fsapp.ivr.loader import load_flow
from fsapp.ivr.schema import HOOK_TIMEOUT_S, BranchNode, HookNode

from ivr_helpers import load_valid, walk

SLOW = """
default_language: en
start: check
on_error: apology
nodes:
  check: {kind: hook, call: helpers.classify, var: kind, next: route, timeout: 0.2}
  route:
    kind: branch
    hook: helpers.route
    timeout: 5
    cases: {vip: vip}
    default: normal
  vip: {kind: queue, queue: vip}
  normal: {kind: queue, queue: normal}
  apology: {kind: transfer, destination: "1000"}
"""

HELPERS = """
import threading
import time

DONE = threading.Event()

def classify(ctx):
    time.sleep(float(ctx.variables.get("delay", "0")))
    ctx.variables["late"] = "yes"
    DONE.set()
    return "vip"

def route(ctx):
    return ctx.variables.get("kind")
"""


def test_the_node_timeout_is_read_and_bounded(write_flow) -> None:
    flow = load_flow(write_flow(SLOW))
    check, route = flow.nodes["check"], flow.nodes["route"]
    assert isinstance(check, HookNode) and isinstance(route, BranchNode)
    assert (check.timeout_s, route.timeout_s) == (0.2, 5.0)
    assert load_flow(write_flow(SLOW.replace(", timeout: 0.2", ""), "plain.yaml")).nodes["check"].timeout_s \
        == HOOK_TIMEOUT_S
    with pytest.raises(FlowErrors) as caught:
        load_flow(write_flow(SLOW.replace("timeout: 5", "timeout: 600"), "long.yaml"))
    assert "nodes.route.timeout: must be at most 60 seconds" in caught.value.located()


def test_a_hook_in_time_sets_variables_and_drives_the_flow(write_flow, tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(HELPERS)
    path, _ = walk(load_valid(write_flow(SLOW)))
    assert (path.outcome, path.detail) == ("queue", "vip")


def test_a_hook_that_takes_too_long_goes_to_on_error_and_its_changes_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(HELPERS)
    loader = HookLoader(tmp_path)
    variables = {"delay": "1.0"}
    context = HookContext(call_uuid="u-1", caller_number="+4790000000", variables=variables, language="en",
                          timeout=0.2)
    with pytest.raises(HookError, match="did not answer within 0.2 s"):
        loader("helpers.classify", context)
    done: threading.Event = loader.find("helpers.classify").__globals__["DONE"]
    assert done.wait(10.0)                        # the hook ran on to its end, on its own thread
    assert variables == {"delay": "1.0"}          # ... and what it changed never reached the call


def test_a_flow_whose_hook_times_out_takes_on_error(write_flow, tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text(HELPERS.replace('get("delay", "0")', 'get("delay", "1.0")'))
    path, _ = walk(load_valid(write_flow(SLOW)))
    assert (path.outcome, path.detail) == ("transfer", "1000")
    assert "did not answer within 0.2 s" in path.errors[0]


def test_a_hook_runs_on_a_thread_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "where.py").write_text("import threading\n\ndef ident(ctx):\n    return threading.get_ident()\n")
    context = HookContext(call_uuid="u-1", caller_number="", variables={}, language="en")
    assert HookLoader(tmp_path)("where.ident", context) != threading.get_ident()
