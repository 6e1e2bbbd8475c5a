"""Retry rules: after each outcome, whether to try a contact again, and when.

Outcomes of one attempt::

    reached       a person answered and heard the message (or spoke to an agent, or answered a survey)
    acknowledged  ... and pressed 1 to confirm
    declined      ... and pressed another key to the confirmation question
    opted_out     ... and pressed the opt-out key: the number goes on the do-not-call list
    machine_message  an answering machine took the message (machine policy ``leave_message``)
    busy, no_answer, failed, machine, unconfirmed, abandoned, lost   -- retryable

A retryable outcome is retried after its rule's ``delay`` (seconds) while the contact has had fewer than the
rule's ``max`` attempts in all; then the contact is done as ``exhausted``. ``lost`` is an attempt found
unfinished (and unanswered) when a campaign starts again; it follows the ``failed`` rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsapp.dialer.errors import SettingsError

NOT_DIALABLE_CAUSE = "INVALID_NUMBER_FORMAT"   # a number fsapp refused to put in a dial string (never dialled)
FINAL_OUTCOMES = frozenset({"reached", "acknowledged", "declined", "machine_message", "connected", "surveyed",
                            "opted_out"})
RETRYABLE = ("busy", "no_answer", "failed", "machine", "unconfirmed", "abandoned")
CAUSE_OUTCOMES = {
    "USER_BUSY": "busy", "NORMAL_CIRCUIT_CONGESTION": "busy", "CALL_REJECTED": "busy",
    "NO_ANSWER": "no_answer", "NO_USER_RESPONSE": "no_answer", "ORIGINATOR_CANCEL": "no_answer",
    "ALLOTTED_TIMEOUT": "no_answer", "PROGRESS_TIMEOUT": "no_answer",
}


def outcome_of_cause(cause: str) -> str:
    """The retry outcome of an originate failure (``USER_BUSY`` -> ``busy``; unknown causes -> ``failed``)."""
    return CAUSE_OUTCOMES.get(cause.upper(), "failed")


@dataclass(frozen=True)
class RetryRule:
    """Try again after ``delay`` seconds while the contact has had fewer than ``max_attempts``."""

    delay: float
    max_attempts: int


DEFAULT_RULES = {
    "busy": RetryRule(300.0, 3), "no_answer": RetryRule(1800.0, 3), "failed": RetryRule(900.0, 2),
    "machine": RetryRule(3600.0, 2), "unconfirmed": RetryRule(3600.0, 1), "abandoned": RetryRule(600.0, 3),
}


@dataclass(frozen=True)
class Verdict:
    """What becomes of a contact after an attempt: done with ``result``, or retried at ``retry_at``."""

    done: bool
    result: str = ""
    retry_at: datetime | None = None


@dataclass(frozen=True)
class RetryRules:
    """One :class:`RetryRule` per retryable outcome."""

    rules: Mapping[str, RetryRule]

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, float]] | None) -> RetryRules:
        """``{"busy": {"delay": 300, "max": 3}, ...}``; outcomes not named keep their defaults."""
        rules = dict(DEFAULT_RULES)
        for outcome, rule in (data or {}).items():
            if outcome not in RETRYABLE:
                raise SettingsError(f"retry rule for {outcome!r}: outcomes are {', '.join(RETRYABLE)}")
            delay, maximum = float(rule.get("delay", rules[outcome].delay)), int(rule.get("max", 1))
            if delay < 0 or maximum < 1:
                raise SettingsError(f"retry rule for {outcome!r}: delay must be >= 0 and max >= 1")
            rules[outcome] = RetryRule(delay, maximum)
        return cls(rules)

    def verdict(self, outcome: str, attempts_made: int, now: datetime) -> Verdict:
        """Decide after attempt number ``attempts_made`` ended with ``outcome``."""
        if outcome in FINAL_OUTCOMES:
            return Verdict(True, outcome)
        rule = self.rules["failed" if outcome == "lost" else outcome]
        if attempts_made >= rule.max_attempts:
            return Verdict(True, "exhausted")
        return Verdict(False, retry_at=now + timedelta(seconds=rule.delay))
