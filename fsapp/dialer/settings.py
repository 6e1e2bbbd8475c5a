"""A campaign's settings: what to dial, how fast, when, how often, and what to do when someone answers.

Kept as JSON on the campaign row; :meth:`CampaignSettings.from_dict` checks every value and raises
:class:`~fsapp.dialer.errors.SettingsError` naming the key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fsapp.dialer.errors import SettingsError
from fsapp.dialer.questions import Question, parse_question
from fsapp.dialer.rules import RetryRules
from fsapp.dialer.windows import CallingWindows
from fsapp.switch.dialstring import number_endpoint, variables_block
from fsapp.switch.errors import UnsafeValue

MODES = ("message", "agent", "survey")
MACHINE_POLICIES = ("leave_message", "retry")
MAX_QUESTIONS = 3


@dataclass
class CampaignSettings:
    """Everything a campaign needs besides its list (see the module docstring)."""

    mode: str = "message"
    dial_template: str = ""   # empty: the configured outbound gateway (outbound.gateway)
    caller_id: str = ""       # empty: outbound.caller_id_number
    ring_timeout: float = 30.0
    originate_variables: dict[str, str] = field(default_factory=dict)
    max_concurrent: int = 10
    calls_per_second: float = 5.0
    timezone: str = "Europe/Oslo"
    windows: dict[str, str] = field(default_factory=dict)
    start_at: str | None = None
    end_at: str | None = None
    retry: dict[str, dict[str, float]] = field(default_factory=dict)
    default_language: str = "nb"
    message: dict[str, str] = field(default_factory=dict)
    confirm: bool = False
    confirm_text: dict[str, str] = field(default_factory=lambda: {"en": "Press 1 to confirm you heard this message."})
    confirm_required: bool = False
    opt_out_key: str = ""     # message mode: this key after the message puts the number on the do-not-call list
    opt_out_text: dict[str, str] = field(default_factory=lambda: dict(OPT_OUT_TEXT))
    machine_detection: bool = False
    machine_variable: str = "amd_result"
    machine_values: tuple[str, ...] = ("MACHINE",)
    machine_policy: str = "leave_message"
    queue: str = ""
    dial_ratio: float = 1.0
    max_abandon_rate: float = 0.03
    abandon_text: dict[str, str] = field(default_factory=lambda: {"en": "Sorry, all our operators are busy. "
                                                                          "We will call you again."})
    questions: list[Question] = field(default_factory=list)
    keep_open: bool = False   # wait for contacts added later (surveys after case closure) instead of finishing

    # -- derived -------------------------------------------------------------------------------------

    def calling_windows(self, holidays: str = "") -> CallingWindows:
        """The campaign's windows, closed on the public holidays of calendar ``holidays`` (outbound.holidays)."""
        return CallingWindows.parse(self.windows, self.timezone, holidays)

    def retry_rules(self) -> RetryRules:
        return RetryRules.from_dict(self.retry)

    def start_time(self) -> datetime | None:
        return _moment(self.start_at, "start_at")

    def end_time(self) -> datetime | None:
        return _moment(self.end_at, "end_at")

    def text_for(self, texts: dict[str, str], language: str) -> str:
        """The text in ``language``, else the default language, else any."""
        for key in (language, self.default_language):
            if key and texts.get(key):
                return texts[key]
        return next(iter(texts.values()), "")

    # -- (de)serialising -----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["machine_values"] = list(self.machine_values)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CampaignSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise SettingsError(f"unknown campaign setting(s): {', '.join(unknown)}")
        values = dict(data)
        values["questions"] = _questions(data.get("questions") or [])
        if "machine_values" in values:
            values["machine_values"] = tuple(values["machine_values"])
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        """Raise :class:`SettingsError` for the first value that does not make sense."""
        problems = [
            ("mode", self.mode in MODES, f"must be one of {', '.join(MODES)}"),
            ("max_concurrent", self.max_concurrent >= 1, "must be at least 1"),
            ("calls_per_second", self.calls_per_second > 0, "must be positive"),
            ("ring_timeout", self.ring_timeout > 0, "must be positive"),
            ("dial_template", not self.dial_template or _one_endpoint(self.dial_template),
             "must name one endpoint holding {number} once (e.g. sofia/gateway/pstn/{number})"),
            ("originate_variables", _plain_variables(self.originate_variables),
             "names are letters, digits and _ . -; values hold no braces, control characters or :_:"),
            ("machine_policy", self.machine_policy in MACHINE_POLICIES, f"must be one of {MACHINE_POLICIES}"),
            ("dial_ratio", 0 < self.dial_ratio <= 5, "must be above 0 and at most 5"),
            ("max_abandon_rate", 0 <= self.max_abandon_rate < 1, "must be between 0 and 1"),
            ("questions", len(self.questions) <= MAX_QUESTIONS, f"at most {MAX_QUESTIONS} questions"),
            ("questions", self.mode != "survey" or bool(self.questions), "a survey needs 1-3 questions"),
            ("queue", self.mode != "agent" or bool(self.queue), "agent mode needs a queue"),
            ("message", self.mode != "message" or bool(self.message), "message mode needs a message"),
            ("opt_out_key", self.opt_out_key in ("", *"0123456789*#")
             and not (self.confirm and self.opt_out_key == "1"), "must be one key (0-9, * or #), not confirm's 1"),
        ]
        for key, ok, message in problems:
            if not ok:
                raise SettingsError(f"campaign setting {key}: {message}")
        for index, question in enumerate(self.questions, start=1):
            question.check(f"q{index}")
        self.calling_windows()
        self.retry_rules()
        self.start_time()
        self.end_time()


OPT_OUT_TEXT = {
    "nb": "Trykk {key} hvis du ikke vil ha slike anrop fra kommunen.",
    "da": "Tryk {key}, hvis du ikke ønsker sådanne opkald fra kommunen.",
    "fi": "Paina {key}, jos et halua tällaisia puheluita kunnalta.",
    "pl": "Naciśnij {key}, jeśli nie chcesz takich połączeń od gminy.",
    "zh": "如果您不想再接到市政府的此类电话，请按{key}。",
    "en": "Press {key} if you do not want calls like this from the city.",
}


def _one_endpoint(template: str) -> bool:
    try:
        number_endpoint(template, "+4790000000")
    except UnsafeValue:
        return False
    return True


def _plain_variables(variables: dict[str, str]) -> bool:
    try:
        variables_block({str(name): str(value) for name, value in variables.items()})
    except UnsafeValue:
        return False
    return True


def _questions(raw: Any) -> list[Question]:
    if not isinstance(raw, list):
        raise SettingsError("campaign setting questions: must be a list of 1-3 questions")
    return [parse_question(question, f"q{index}") for index, question in enumerate(raw, start=1)]


def _moment(text: str | None, key: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"campaign setting {key}: {text!r} is not an ISO date and time") from None
    if moment.tzinfo is None:
        raise SettingsError(f"campaign setting {key}: {text!r} needs a UTC offset (e.g. +01:00)")
    return moment
