"""Errors of the IVR: loading and checking flows, running hooks.

::

    FsappError
    └── IvrError                      fsapp.ivr: anything about menus
        ├── FlowError (SourceError)   a flow file is invalid; .located() is "FILE:LINE: key: message"
        │   └── FlowErrors            several FlowError at once (.errors), from validation
        ├── HookError                 a hook is missing or raised; the call goes to the node's on_error
        └── InterpreterError          the runner sent a result the current step cannot take
"""

from __future__ import annotations

from fsapp.errors import FsappError, SourceError


class IvrError(FsappError):
    """Base of the IVR's errors."""


class FlowError(SourceError, IvrError):
    """A flow file is invalid (schema, reference, unreachable node, missing prompt, ...)."""


class FlowErrors(FlowError):
    """Every problem found in one or more flow files, in file and line order."""

    def __init__(self, errors: list[FlowError]) -> None:
        self.errors = errors
        first = errors[0] if errors else FlowError("no errors")
        super().__init__(first.message, first.path, first.line, first.key)

    def located(self) -> str:
        return "\n".join(error.located() for error in getattr(self, "errors", [])) or super().located()


class HookError(IvrError):
    """A hook could not be found, or raised while it ran."""


class InterpreterError(IvrError):
    """The interpreter was sent a result that does not fit the action it yielded."""
