"""One check's outcome: ok, warn or fail, what was found and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Status(str, Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """``name`` is the check, ``message`` what it found, ``hint`` what to do (empty when all is well)."""

    name: str
    status: Status
    message: str
    hint: str = ""

    def line(self) -> str:
        """One line for a terminal or a log: ``fail  switch throttle: ... -> raise ...``."""
        text = f"{self.status.value:<4}  {self.name}: {self.message}"
        return f"{text} -> {self.hint}" if self.hint else text

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status.value, "message": self.message, "hint": self.hint}


def ok(name: str, message: str) -> CheckResult:
    return CheckResult(name, Status.OK, message)


def warn(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.WARN, message, hint)


def fail(name: str, message: str, hint: str) -> CheckResult:
    return CheckResult(name, Status.FAIL, message, hint)


def any_failed(results: list[CheckResult]) -> bool:
    return any(result.status is Status.FAIL for result in results)
