"""The shape of a loaded flow: immutable nodes the interpreter walks.

A flow file (``ivr_scripts/<name>.yaml``) holds named nodes; each node has a ``kind`` and the fields of
that kind. Prompts are per language (``{nb: "...", en: "..."}``) and are spoken by text-to-speech, or a
sound file (``{file: sounds/welcome.wav}``). Texts may name variables in braces: ``"Case {case_ref}"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Union

from fsapp.yamlsource import KeyPath, YamlSource

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TERMINAL_KINDS = frozenset({"queue", "transfer", "hangup"})
MIN_CONFIDENCE = 0.5   # a phrase recognized with less confidence counts as not understood
HOOK_TIMEOUT_S = 3.0   # a hook's answer is awaited this long (the node's ``timeout``), then on_error is taken
MAX_HOOK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Prompt:
    """What the caller hears: a text per language (spoken by TTS) or a sound file."""

    texts: dict[str, str] = field(default_factory=dict)
    file: str | None = None

    def text_for(self, language: str, fallback: str) -> str | None:
        """The text in ``language``, else in ``fallback``; None for a file prompt."""
        return self.texts.get(language) or self.texts.get(fallback)


@dataclass(frozen=True)
class NodeBase:
    """What every node has: its name, kind and where it was written (for messages)."""

    name: str
    kind: str
    where: KeyPath

    def targets(self) -> list[tuple[str, str]]:
        """(field, destination node) pairs leaving this node."""
        return []

    def prompts(self) -> list[tuple[str, Prompt]]:
        """(field, prompt) pairs this node can play."""
        return []


def _present(*pairs: tuple[str, str | None]) -> list[tuple[str, str]]:
    return [(name, target) for name, target in pairs if target]


def _prompts(*pairs: tuple[str, Prompt | None]) -> list[tuple[str, Prompt]]:
    return [(name, prompt) for name, prompt in pairs if prompt is not None]


@dataclass(frozen=True)
class SayNode(NodeBase):
    prompt: Prompt = field(default_factory=Prompt)
    next: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))

    def prompts(self) -> list[tuple[str, Prompt]]:
        return [("prompt", self.prompt)]


@dataclass(frozen=True)
class PlayNode(NodeBase):
    file: str = ""
    next: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))


@dataclass(frozen=True)
class MenuOption:
    """One choice of a menu: a key, spoken phrases per language, or both."""

    key: str | None
    phrases: dict[str, tuple[str, ...]]
    next: str
    language: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    announce: str | None = None   # said in the option's own language after the menu's prompt ("Norsk, tast 1")


@dataclass(frozen=True)
class MenuNode(NodeBase):
    prompt: Prompt = field(default_factory=Prompt)
    options: tuple[MenuOption, ...] = ()
    timeout_s: float = 5.0
    tries: int = 3
    timeout_prompt: Prompt | None = None
    invalid_prompt: Prompt | None = None
    max_tries_prompt: Prompt | None = None
    on_max_tries: str | None = None
    min_confidence: float = MIN_CONFIDENCE

    def targets(self) -> list[tuple[str, str]]:
        pairs = [(f"options.{index}.next", option.next) for index, option in enumerate(self.options)]
        return pairs + _present(("on_max_tries", self.on_max_tries))

    def prompts(self) -> list[tuple[str, Prompt]]:
        prompt = self.prompt if self.prompt.texts or self.prompt.file or not self.announcements() else None
        return _prompts(("prompt", prompt), ("timeout_prompt", self.timeout_prompt),
                        ("invalid_prompt", self.invalid_prompt), ("max_tries_prompt", self.max_tries_prompt))

    def announcements(self) -> list[tuple[str, str]]:
        """(language, text) of each option that announces itself in its own language, in order."""
        return [(option.language, option.announce) for option in self.options
                if option.announce and option.language]


@dataclass(frozen=True)
class CollectNode(NodeBase):
    prompt: Prompt = field(default_factory=Prompt)
    var: str = "digits"
    min_digits: int = 1
    max_digits: int = 20
    terminator: str = "#"
    timeout_s: float = 5.0
    digit_timeout_s: float = 3.0
    pattern: str | None = None
    tries: int = 3
    invalid_prompt: Prompt | None = None
    next: str | None = None
    on_fail: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next), ("on_fail", self.on_fail))

    def prompts(self) -> list[tuple[str, Prompt]]:
        return _prompts(("prompt", self.prompt), ("invalid_prompt", self.invalid_prompt))


@dataclass(frozen=True)
class ListenNode(NodeBase):
    """Speech into a variable: a phrase from ``phrases`` or spoken digits, keys as the fallback."""

    prompt: Prompt = field(default_factory=Prompt)
    var: str = "speech"
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    digits: bool = False
    min_confidence: float = MIN_CONFIDENCE
    fallback_prompt: Prompt | None = None
    min_digits: int = 1
    max_digits: int = 20
    terminator: str = "#"
    timeout_s: float = 5.0
    pattern: str | None = None
    tries: int = 3
    next: str | None = None
    on_fail: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next), ("on_fail", self.on_fail))

    def prompts(self) -> list[tuple[str, Prompt]]:
        return _prompts(("prompt", self.prompt), ("fallback_prompt", self.fallback_prompt))


@dataclass(frozen=True)
class ScheduleNode(NodeBase):
    timezone: str = "Europe/Oslo"
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    closed_dates: frozenset[date | tuple[int, int]] = frozenset()
    """One-off closed dates, and (month, day) pairs closed every year."""
    holidays: str = ""
    """Country (``NO``) or country-subdivision (``NO-03``) whose public holidays close the schedule."""
    open: str = ""
    closed: str = ""

    def targets(self) -> list[tuple[str, str]]:
        return _present(("open", self.open), ("closed", self.closed))


@dataclass(frozen=True)
class SetNode(NodeBase):
    values: dict[str, str] = field(default_factory=dict)
    next: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))


@dataclass(frozen=True)
class BranchNode(NodeBase):
    """Jump on a variable's value or a hook's result."""

    var: str | None = None
    hook: str | None = None
    cases: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    on_error: str | None = None
    timeout_s: float = HOOK_TIMEOUT_S

    def targets(self) -> list[tuple[str, str]]:
        pairs = [(f"cases.{value}", target) for value, target in self.cases.items()]
        return pairs + _present(("default", self.default), ("on_error", self.on_error))


@dataclass(frozen=True)
class HookNode(NodeBase):
    """Run a hook; it goes to ``on_error`` when it raises or takes longer than ``timeout_s``."""

    call: str = ""
    var: str | None = None
    next: str | None = None
    on_error: str | None = None
    timeout_s: float = HOOK_TIMEOUT_S

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next), ("on_error", self.on_error))


@dataclass(frozen=True)
class QueueNode(NodeBase):
    """Hand the call to an ACD queue; with ``survey`` (a survey campaign's name) the caller, who opted in by
    reaching this node, answers that survey's questions when the operator hangs up first."""

    queue: str = ""
    priority: int = 0
    skills: tuple[str, ...] = ()
    prompt: Prompt | None = None
    survey: str = ""

    def prompts(self) -> list[tuple[str, Prompt]]:
        return _prompts(("prompt", self.prompt))


@dataclass(frozen=True)
class TransferNode(NodeBase):
    destination: str = ""
    prompt: Prompt | None = None

    def prompts(self) -> list[tuple[str, Prompt]]:
        return _prompts(("prompt", self.prompt))


@dataclass(frozen=True)
class VoicemailNode(NodeBase):
    prompt: Prompt = field(default_factory=Prompt)
    max_seconds: int = 120
    subject: str = ""
    next: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))

    def prompts(self) -> list[tuple[str, Prompt]]:
        return [("prompt", self.prompt)]


@dataclass(frozen=True)
class CallbackNode(NodeBase):
    """A callback request; the caller confirms their number with a key or keys another one."""

    prompt: Prompt = field(default_factory=Prompt)
    number_prompt: Prompt = field(default_factory=Prompt)
    confirm_key: str = "1"
    other_key: str = "2"
    timeout_s: float = 5.0
    next: str | None = None

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))

    def prompts(self) -> list[tuple[str, Prompt]]:
        return [("prompt", self.prompt), ("number_prompt", self.number_prompt)]


@dataclass(frozen=True)
class GotoNode(NodeBase):
    next: str = ""

    def targets(self) -> list[tuple[str, str]]:
        return _present(("next", self.next))


@dataclass(frozen=True)
class HangupNode(NodeBase):
    prompt: Prompt | None = None
    cause: str = "NORMAL_CLEARING"

    def prompts(self) -> list[tuple[str, Prompt]]:
        return _prompts(("prompt", self.prompt))


Node = Union[SayNode, PlayNode, MenuNode, CollectNode, ListenNode, ScheduleNode, SetNode, BranchNode,
             HookNode, QueueNode, TransferNode, VoicemailNode, CallbackNode, GotoNode, HangupNode]

NODE_TYPES: dict[str, type[NodeBase]] = {
    "say": SayNode, "play": PlayNode, "menu": MenuNode, "collect": CollectNode, "listen": ListenNode,
    "schedule": ScheduleNode, "set": SetNode, "branch": BranchNode, "hook": HookNode, "queue": QueueNode,
    "transfer": TransferNode, "voicemail": VoicemailNode, "callback": CallbackNode, "goto": GotoNode,
    "hangup": HangupNode,
}


@dataclass(frozen=True)
class Flow:
    """A loaded flow. ``on_error`` is where a failing hook sends the call when its node names none;
    without it, the call goes to ``operator_queue``."""

    name: str
    path: str
    start: str
    default_language: str
    languages: tuple[str, ...]
    nodes: dict[str, NodeBase]
    operator_queue: str = "operator"
    on_error: str | None = None
    speech: bool = True
    source: YamlSource | None = field(default=None, compare=False, repr=False)

    def node(self, name: str) -> NodeBase:
        return self.nodes[name]

    def line_of(self, key_path: KeyPath) -> int | None:
        return self.source.line_of(key_path) if self.source else None
