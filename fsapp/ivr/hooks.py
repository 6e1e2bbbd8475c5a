"""Python hooks that flows call: functions in ``ivr_scripts/<module>.py``.

A hook receives a :class:`HookContext` and returns a value (stored in the node's ``var``; a dict without
``var`` sets several variables) or a :class:`Goto` naming the node to go to next::

    def open_cases(ctx: HookContext) -> Goto | str:
        caller = ctx.store.lookup_caller(ctx.caller_number)
        return Goto("read_cases") if caller.open_cases else "none"

Hooks may be slow (a city's case system over HTTP): :class:`HookLoader` runs each one on the hooks lane
(:mod:`fsapp.offhub`), a thread of its own, and waits ``ctx.timeout`` seconds for it (the node's
``timeout``); after that the flow goes on to ``on_error`` and whatever the hook still does is dropped. The
hook works on a copy of the call's variables, which become the call's only when it answers in time.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import gevent
from greenlet import GreenletExit

from fsapp.ivr.errors import HookError
from fsapp.ivr.schema import HOOK_TIMEOUT_S
from fsapp.offhub import HOOKS, OffHubTimeout

# What may pass out of a hook: the call's greenlet being stopped (shutdown, a killed call) or a timeout set
# around the call by fsapp. Anything else a hook raises, SystemExit and KeyboardInterrupt included, is that
# hook's fault and ends no more than its step.
_NOT_HOOK_FAULTS: tuple[type[BaseException], ...] = (GreenletExit, GeneratorExit, gevent.Timeout)


def is_hook_fault(exc: BaseException) -> bool:
    """Whether ``exc``, raised by admin-written hook code, is the hook's own failure (see above)."""
    return not isinstance(exc, _NOT_HOOK_FAULTS)


@dataclass(frozen=True)
class Goto:
    """A hook's answer meaning "continue at this node"."""

    node: str


@dataclass
class HookContext:
    """What a hook may see: the caller, the call's variables (it may change them), the store, the language,
    and the seconds it has to answer (give a slower service less: the caller waits in silence)."""

    call_uuid: str
    caller_number: str
    variables: dict[str, str]
    language: str
    store: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    timeout: float = HOOK_TIMEOUT_S


HookRunner = Callable[[str, HookContext], Any]


class HookLoader:
    """Finds hook functions in a directory of modules; a module is re-read when its file changes."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._modules: dict[str, tuple[float, ModuleType]] = {}
        self._loading = threading.Lock()   # hooks of several calls load modules on several threads

    def module_path(self, module: str) -> Path:
        return self.directory.joinpath(*module.split(".")).with_suffix(".py")

    def find(self, spec: str) -> Callable[[HookContext], Any]:
        """The function named ``module.function``; HookError when there is no such module or function."""
        module_name, _, function_name = spec.rpartition(".")
        module = self._module(module_name)
        function = getattr(module, function_name, None)
        if not callable(function):
            raise HookError(f"{self.module_path(module_name)} has no function {function_name!r}")
        return function  # type: ignore[no-any-return]

    def exists(self, spec: str) -> str | None:
        """None when ``spec`` names a hook that exists, else why not."""
        try:
            self.find(spec)
        except HookError as exc:
            return str(exc)
        return None

    def __call__(self, spec: str, context: HookContext) -> Any:
        """Run a hook off the hub within ``context.timeout`` seconds (HookError when it takes longer;
        exceptions from the hook itself propagate unchanged)."""
        own = dataclasses.replace(context, variables=dict(context.variables), extra=dict(context.extra))
        try:
            value = HOOKS.run_timed(context.timeout, self._run, spec, own)
        except OffHubTimeout:
            raise HookError(f"hook {spec} did not answer within {context.timeout:g} s") from None
        context.variables.clear()
        context.variables.update(own.variables)
        return value

    def _run(self, spec: str, context: HookContext) -> Any:
        return self.find(spec)(context)

    def _module(self, module_name: str) -> ModuleType:
        with self._loading:
            return self._load(module_name)

    def _load(self, module_name: str) -> ModuleType:
        path = self.module_path(module_name)
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError as exc:
            raise HookError(f"no hook module {path}") from exc
        cached = self._modules.get(module_name)
        if cached and cached[0] == mtime:
            return cached[1]
        unique = f"fsapp_ivr_hooks.{self.directory.resolve().name}.{module_name}"
        spec = importlib.util.spec_from_file_location(unique, path)
        if spec is None or spec.loader is None:
            raise HookError(f"cannot load hook module {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # a broken hook file (even one calling sys.exit) must not stop the controller
            sys.modules.pop(unique, None)
            if not is_hook_fault(exc):
                raise
            raise HookError(f"{path}: {type(exc).__name__}: {exc}") from exc
        self._modules[module_name] = (mtime, module)
        return module
