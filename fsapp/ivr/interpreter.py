"""The IVR interpreter: a generator that walks a flow, yielding actions and receiving results.

It does no I/O: the clock and the hook runner are injected, and whoever drives it (the runner on a real
call, the text simulator, a test) carries out each action and sends the result back::

    walk = Interpreter(flow, clock=clock, hooks=loader, caller_number="+4790000000").run()
    action = next(walk)
    while True:
        action = walk.send(perform(action))      # StopIteration.value is the CallPath
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

from fsapp.ivr.actions import (FINAL_ACTIONS, Action, Audio, Callback, Collect, Digits, Hangup, Listen, Medley, Play,
                               Queue, Recorded, Result, Say, Speech, Transfer, Voicemail)
from fsapp.ivr.callpath import SELF_SERVICE, SELF_SERVICE_VARIABLE, CallPath, Step
from fsapp.ivr.errors import HookError, InterpreterError
from fsapp.ivr.hooks import Goto, HookContext, HookRunner, is_hook_fault
from fsapp.ivr.schedule import is_open
from fsapp.ivr.schema import (BranchNode, CallbackNode, CollectNode, Flow, GotoNode, HangupNode, HookNode,
                              ListenNode, MenuNode, MenuOption, PlayNode, Prompt, QueueNode, SayNode,
                              ScheduleNode, SetNode, TransferNode, VoicemailNode)
from fsapp.phones import DEFAULT_REGION
from fsapp.speech.grammar import Grammar
from fsapp.switch.dialstring import dialable_or_none

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Walk = Generator[Action, Result, str | None]
_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_END = "\x00end"
MAX_STEPS = 1000


def render(text: str, variables: dict[str, str]) -> str:
    """``text`` with ``{name}`` replaced by the variable's value (unknown names are left as written)."""
    return _VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def spoken_digits(number: str) -> str:
    """A number read digit by digit: ``"+4790"`` -> ``"4 7 9 0"``."""
    return " ".join(ch for ch in number if ch.isdigit())


class Interpreter:
    """One call's walk through one flow. Create one per call; :meth:`run` gives the generator."""

    def __init__(self, flow: Flow, *, clock: Clock, hooks: HookRunner | None = None, store: Any = None,
                 call_uuid: str = "", caller_number: str = "", variables: dict[str, str] | None = None,
                 language: str | None = None, dialable: Callable[[str], str | None] | None = None) -> None:
        self.flow = flow
        # A callback is offered to a number this accepts (in E.164), never to a raw caller ID or keyed text.
        self.dialable = dialable or (lambda raw: dialable_or_none(raw, DEFAULT_REGION))
        self.clock = clock
        self.hooks = hooks
        self.store = store
        self.call_uuid = call_uuid
        self.caller_number = caller_number
        self.language = language if language in flow.languages else flow.default_language
        self.variables: dict[str, str] = {"caller_number": caller_number,
                                          "caller_digits": spoken_digits(caller_number), **(variables or {})}
        self.path = CallPath(flow=flow.name, call_uuid=call_uuid, language=self.language)

    # -- driving -------------------------------------------------------------------------------------------

    def run(self) -> Generator[Action, Result, CallPath]:
        """Walk from the start node until the call is queued, transferred or hung up."""
        current: str | None = self.flow.start
        for _ in range(MAX_STEPS):
            if current is None:
                self.path.finish("hangup")
                yield Hangup()
                break
            if current == _END:
                break
            node = self.flow.node(current)
            step = self.path.visit(node.name, node.kind)
            current = yield from self._handlers()[node.kind](node, step)
        else:
            log.error("call %s: flow %s ran %d steps without ending; sending to %s", self.call_uuid,
                      self.flow.name, MAX_STEPS, self.flow.operator_queue)
            self.path.errors.append(f"more than {MAX_STEPS} steps")
            yield from self._final(Queue(self.flow.operator_queue, language=self.language), "queue",
                                   self.flow.operator_queue)
        self.path.language = self.language
        return self.path

    def ending(self, default: str) -> tuple[str, str]:
        """How a call that ends now went, and the detail: ``self-service`` (and what was served) once a hook set
        the ``self_service`` variable, else ``default`` (``hangup`` when the flow hangs up, ``abandoned`` when the
        caller does)."""
        served = self.variables.get(SELF_SERVICE_VARIABLE)
        return (SELF_SERVICE, served) if served else (default, "")

    def _handlers(self) -> dict[str, Callable[[Any, Step], Walk]]:
        return {"say": self._say, "play": self._play, "menu": self._menu, "collect": self._collect,
                "listen": self._listen, "schedule": self._schedule, "set": self._set, "branch": self._branch,
                "hook": self._hook, "queue": self._queue, "transfer": self._transfer,
                "voicemail": self._voicemail, "callback": self._callback, "goto": self._goto,
                "hangup": self._hangup}

    # -- helpers -------------------------------------------------------------------------------------------

    def audio(self, prompt: Prompt | None) -> Audio | None:
        """The action that plays ``prompt`` in the call's language."""
        if prompt is None:
            return None
        if prompt.file is not None:
            return Play(render(prompt.file, self.variables))
        text = prompt.text_for(self.language, self.flow.default_language)
        return Say(render(text, self.variables), self.language) if text else None

    def _speak(self, prompt: Prompt | None) -> Walk:
        audio = self.audio(prompt)
        if audio is not None:
            yield audio
        return None

    def _final(self, action: Action, outcome: str, detail: str) -> Walk:
        self.path.finish(outcome, detail)
        yield action
        return _END

    @staticmethod
    def _expect(result: Result, kind: type) -> Any:
        if not isinstance(result, kind):
            raise InterpreterError(f"expected {kind.__name__}, got {result!r}")
        return result

    def _hook_context(self, timeout: float) -> HookContext:
        return HookContext(call_uuid=self.call_uuid, caller_number=self.caller_number, variables=self.variables,
                           language=self.language, store=self.store, timeout=timeout)

    def _call_hook(self, spec: str, node: BranchNode | HookNode, on_error: str | None) -> tuple[bool, Any]:
        """(True, result), or (False, where to go) after logging the failure (or timeout) with the call's UUID."""
        try:
            if self.hooks is None:
                raise HookError("no hook runner")
            return True, self.hooks(spec, self._hook_context(node.timeout_s))
        except BaseException as exc:  # any failure of admin-written code (sys.exit too) leaves the caller in good hands
            if not is_hook_fault(exc):
                raise
            log.exception("call %s: hook %s in node %s failed: %s", self.call_uuid, spec, node.name, exc)
            self.path.errors.append(f"{node.name}: {spec}: {type(exc).__name__}: {exc}")
            return False, on_error or self.flow.on_error

    def _to_error_destination(self, destination: str | None) -> Walk:
        if destination is not None:
            return destination
        return (yield from self._final(Queue(self.flow.operator_queue, language=self.language), "queue",
                                       self.flow.operator_queue))

    # -- node kinds ----------------------------------------------------------------------------------------

    def _say(self, node: SayNode, step: Step) -> Walk:
        yield from self._speak(node.prompt)
        return node.next

    def _play(self, node: PlayNode, step: Step) -> Walk:
        yield Play(render(node.file, self.variables))
        return node.next

    def _menu(self, node: MenuNode, step: Step) -> Walk:
        phrases = tuple(p for option in node.options for p in option.phrases.get(self.language, ()))
        use_speech = self.flow.speech and bool(phrases)
        keys = "".join(option.key for option in node.options if option.key)
        prompt = self._menu_prompt(node)
        for attempt in range(max(node.tries, 1)):
            if use_speech and attempt == 0:
                result = self._expect((yield Listen(prompt, self.language, phrases, timeout_s=node.timeout_s)),
                                      Speech)
                option, failure = self._option_by_speech(node, result, step)
            else:
                if attempt > 0 and use_speech and keys:
                    step.note = "speech fell back to keys"
                result = self._expect((yield Collect(prompt, 1, 1, "", node.timeout_s)), Digits)
                step.keys = (step.keys or "") + (result.value or "")
                option = next((o for o in node.options if o.key and o.key == result.value), None)
                failure = "timeout" if not result.value else "invalid"
            if option is not None:
                return self._choose(option)
            yield from self._speak(node.timeout_prompt if failure == "timeout" else node.invalid_prompt)
        step.note = f"no valid choice after {node.tries} tries"
        yield from self._speak(node.max_tries_prompt)
        return node.on_max_tries

    def _menu_prompt(self, node: MenuNode) -> Audio | None:
        """The menu's prompt, then each option that announces itself, in its own language and voice."""
        prompt = self.audio(node.prompt) if node.prompt.texts or node.prompt.file else None
        announced = tuple(Say(render(text, self.variables), language) for language, text in node.announcements())
        if not announced:
            return prompt
        parts = ((prompt,) if isinstance(prompt, (Say, Play)) else ()) + announced
        return parts[0] if len(parts) == 1 else Medley(parts)

    def _option_by_speech(self, node: MenuNode, result: Speech, step: Step) -> tuple[MenuOption | None, str]:
        if result.digits:
            step.keys = result.digits
            return next((o for o in node.options if o.key and o.key == result.digits[:1]), None), "invalid"
        step.phrase, step.confidence = result.phrase, result.confidence
        if result.phrase is None:
            return None, "timeout" if result.confidence == 0 else "invalid"
        if result.confidence < node.min_confidence:
            return None, "invalid"
        grammar = Grammar.of([p for o in node.options for p in o.phrases.get(self.language, ())], self.language)
        said = grammar.match(result.phrase)
        return next((o for o in node.options if said in o.phrases.get(self.language, ())), None), "invalid"

    def _choose(self, option: MenuOption) -> str:
        if option.language:
            self.language = option.language
            self.path.language = option.language
        self.variables.update({k: render(v, self.variables) for k, v in option.values.items()})
        return option.next

    def _collect(self, node: CollectNode, step: Step) -> Walk:
        action = Collect(self.audio(node.prompt), node.min_digits, node.max_digits, node.terminator,
                         node.timeout_s, node.digit_timeout_s, node.pattern, max(node.tries, 1),
                         self.audio(node.invalid_prompt))
        result = self._expect((yield action), Digits)
        step.keys = result.value
        if result.value is None or not action.accepts(result.value):
            return node.on_fail
        self.variables[node.var] = result.value
        return node.next

    def _listen(self, node: ListenNode, step: Step) -> Walk:
        grammar = Grammar.of(node.phrases.get(self.language, ()), self.language, node.digits)
        result = self._expect((yield Listen(self.audio(node.prompt), self.language, grammar.phrases, node.digits,
                                            node.timeout_s)), Speech)
        value = result.digits
        step.keys = result.digits
        if value is None and result.phrase is not None and result.confidence >= node.min_confidence:
            value = grammar.match(result.phrase)
            step.phrase, step.confidence = result.phrase, result.confidence
        if value is not None and node.pattern and re.fullmatch(node.pattern, value) is None:
            value = None
        if value is None:
            step.note = "speech fell back to keys"
            fallback = Collect(self.audio(node.fallback_prompt or node.prompt), node.min_digits, node.max_digits,
                               node.terminator, node.timeout_s, 3.0, node.pattern, max(node.tries, 1))
            keyed = self._expect((yield fallback), Digits)
            step.keys = keyed.value
            value = keyed.value if keyed.value is not None and fallback.accepts(keyed.value) else None
        if value is None:
            return node.on_fail
        self.variables[node.var] = value
        return node.next

    def _schedule(self, node: ScheduleNode, step: Step) -> Walk:
        opened = is_open(node, self.clock())
        step.note = "open" if opened else "closed"
        return node.open if opened else node.closed
        yield  # pragma: no cover - makes this a generator

    def _set(self, node: SetNode, step: Step) -> Walk:
        self.variables.update({k: render(v, self.variables) for k, v in node.values.items()})
        return node.next
        yield  # pragma: no cover

    def _branch(self, node: BranchNode, step: Step) -> Walk:
        if node.hook:
            ok, value = self._call_hook(node.hook, node, node.on_error)
            if not ok:
                return (yield from self._to_error_destination(value))
            if isinstance(value, Goto):
                return value.node
        else:
            value = self.variables.get(node.var or "")
        step.note = f"{node.var or node.hook} = {value}"
        key = str(value).lower() if isinstance(value, bool) else str(value)
        return node.cases.get(key, node.default)

    def _hook(self, node: HookNode, step: Step) -> Walk:
        ok, value = self._call_hook(node.call, node, node.on_error)
        if not ok:
            return (yield from self._to_error_destination(value))
        if isinstance(value, Goto):
            step.note = f"goto {value.node}"
            return value.node
        if node.var:
            self.variables[node.var] = "" if value is None else str(value)
        elif isinstance(value, dict):
            self.variables.update({str(k): "" if v is None else str(v) for k, v in value.items()})
        return node.next

    def _queue(self, node: QueueNode, step: Step) -> Walk:
        yield from self._speak(node.prompt)
        return (yield from self._final(Queue(node.queue, node.priority, node.skills, self.language, node.survey),
                                       "queue", node.queue))

    def _transfer(self, node: TransferNode, step: Step) -> Walk:
        yield from self._speak(node.prompt)
        destination = render(node.destination, self.variables)
        return (yield from self._final(Transfer(destination), "transfer", destination))

    def _voicemail(self, node: VoicemailNode, step: Step) -> Walk:
        yield from self._speak(node.prompt)
        result = yield Voicemail(node.max_seconds, self.language, render(node.subject, self.variables))
        if isinstance(result, Recorded):
            step.note = f"recorded {result.ms} ms"
            self.path.finish("voicemail", result.path)
        else:
            step.note = "nothing recorded"
        return node.next

    def _callback(self, node: CallbackNode, step: Step) -> Walk:
        number = self.dialable(self.caller_number) or ""   # withheld, an extension, a forged ID: asked for one
        self.variables["callback_digits"] = spoken_digits(number)
        for _ in range(3):
            choice = self._expect((yield Collect(self.audio(node.prompt), 1, 1, "", node.timeout_s)), Digits)
            if choice.value == node.confirm_key and number:
                break
            if choice.value == node.other_key or (choice.value == node.confirm_key and not number):
                keyed = self._expect((yield Collect(self.audio(node.number_prompt), 4, 15, "#", node.timeout_s,
                                                    pattern=r"\+?[0-9]+", tries=3)), Digits)
                checked = self.dialable(keyed.value) if keyed.value else None
                if checked:   # a keyed number that cannot be called back leaves the question to be asked again
                    number = checked
                    self.variables["callback_digits"] = spoken_digits(number)
        else:
            step.note = "number not confirmed"
            return node.next
        step.keys = number
        self.variables["callback_number"] = number
        yield Callback(number, self.language, dict(self.variables))
        self.path.finish("callback", number)
        return node.next

    def _goto(self, node: GotoNode, step: Step) -> Walk:
        return node.next
        yield  # pragma: no cover

    def _hangup(self, node: HangupNode, step: Step) -> Walk:
        yield from self._speak(node.prompt)
        outcome, served = self.ending("hangup")
        return (yield from self._final(Hangup(node.cause), outcome, served or node.cause))


def is_final(action: Action) -> bool:
    """Queue, Transfer and Hangup end the walk."""
    return isinstance(action, FINAL_ACTIONS)
