"""Load queues and agents from YAML, refusing bad configuration with ``FILE:LINE: key: message``.

The file (see conf/acd.yaml)::

    skills:                      # every skill used anywhere, with a description
      lang-nb: Norwegian Bokmål
    defaults:                    # optional: queue settings shared by every queue
      offer_timeout: 20
    queues:
      building:
        strategy: longest-idle   # longest-idle | round-robin | ring-all | fewest-calls | skills-based
        required_skills: {dom-building: 2}
        service_level: {target: 0.8, seconds: 20}
        max_wait: 600
        on_max_wait: {action: overflow, target: operator}   # overflow | voicemail | callback | message
        hold_music: local_stream://moh
        announce: {every: 60, first_after: 30, position: true, wait: true}
        exit_key: "1"
        record: true             # record answered calls (default false)
    agents:
      anna:
        contact: user/1001
        skills: {lang-nb: 5, dom-building: 4}
        queues: {building: 1, operator: 2}     # queue: tier (1 first); a list means tier 1
        direct_number: "+4722001012"           # optional: rings this phone first (relay service)
        relay_queue: building                  # optional: "a colleague" for missed direct calls
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from fsapp.acd.config import (AcdConfig, AgentConfig, AnnouncePolicy, MaxWaitAction, MaxWaitPolicy, QueueConfig,
                              ServiceLevelTarget, Strategy, direct_number_digits)
from fsapp.acd.errors import AcdConfigError
from fsapp.yamlsource import KeyPath, YamlSource, load_yaml, parse_yaml

MIN_LEVEL, MAX_LEVEL = 1, 10
DTMF_KEYS = set("0123456789*#")
TOP_KEYS = {"skills", "defaults", "queues", "agents"}
QUEUE_TIMES = ("offer_timeout", "reserve_timeout", "reoffer_delay", "wrap_up", "default_handle_time",
               "sl_window")
QUEUE_KEYS = {"description", "strategy", "required_skills", "service_level", "max_wait", "on_max_wait",
              "hold_music", "announce", "exit_key", "record", "handle_time_weight", *QUEUE_TIMES}
AGENT_KEYS = {"name", "contact", "skills", "queues", "max_no_answer", "wrap_up", "direct_number", "relay_queue"}
DIRECT_NUMBER = re.compile(r"^\+?[0-9]{3,15}$")


def load_acd_config(path: str | Path) -> AcdConfig:
    """Read and validate a queues/agents file."""
    return _Reader(load_yaml(path, AcdConfigError)).config()


def parse_acd_config(text: str, path: str = "<string>") -> AcdConfig:
    """Validate queues/agents YAML given as text; ``path`` is used in messages."""
    return _Reader(parse_yaml(text, path, AcdConfigError)).config()


class _Reader:
    def __init__(self, source: YamlSource) -> None:
        self.src = source

    def fail(self, key_path: KeyPath, message: str) -> AcdConfigError:
        error = self.src.error(key_path, message, AcdConfigError)
        assert isinstance(error, AcdConfigError)
        return error

    # -- typed values

    def mapping(self, value: Any, key_path: KeyPath, allowed: set[str] | None = None) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(key_path, "expected a mapping")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(key_path + (key,), "keys must be text")
            if allowed is not None and key not in allowed:
                raise self.fail(key_path + (key,), f"unknown setting (expected one of {', '.join(sorted(allowed))})")
        return value

    def seconds(self, value: Any, key_path: KeyPath) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key_path, f"expected a number of seconds, got {value!r}")
        if value < 0:
            raise self.fail(key_path, f"must not be negative, got {value}")
        return float(value)

    def integer(self, value: Any, key_path: KeyPath, low: int, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key_path, f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f">= {low}"
            raise self.fail(key_path, f"must be {bounds}, got {value}")
        return value

    def text(self, value: Any, key_path: KeyPath) -> str:
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value) == "":
            raise self.fail(key_path, "expected non-empty text")
        return str(value)

    def flag(self, value: Any, key_path: KeyPath) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key_path, f"expected true or false, got {value!r}")
        return value

    def levels(self, value: Any, key_path: KeyPath, skills: dict[str, str]) -> dict[str, int]:
        result: dict[str, int] = {}
        for name, level in self.mapping(value, key_path).items():
            if name not in skills:
                raise self.fail(key_path + (name,), f"unknown skill {name!r} (declare it under skills)")
            result[name] = self.integer(level, key_path + (name,), MIN_LEVEL, MAX_LEVEL)
        return result

    # -- sections

    def config(self) -> AcdConfig:
        root = self.mapping(self.src.data, (), TOP_KEYS)
        skills = self.skills(root.get("skills"))
        defaults = self.mapping(root.get("defaults"), ("defaults",), QUEUE_KEYS)
        queues_data = self.mapping(root.get("queues"), ("queues",))
        if not queues_data:
            raise self.fail(("queues",), "at least one queue is required")
        queues = {name: self.queue(name, self.mapping(body, ("queues", name), QUEUE_KEYS), defaults, skills)
                  for name, body in queues_data.items()}
        self.check_overflow(queues)
        agents = {agent_id: self.agent(agent_id, body, skills, queues)
                  for agent_id, body in self.mapping(root.get("agents"), ("agents",)).items()}
        self.check_direct_numbers(agents)
        return AcdConfig(skills=skills, queues=queues, agents=agents, path=self.src.path)

    def skills(self, value: Any) -> dict[str, str]:
        if isinstance(value, list):
            return {self.text(name, ("skills", index)): "" for index, name in enumerate(value)}
        return {name: "" if text is None else str(text)
                for name, text in self.mapping(value, ("skills",)).items()}

    def queue(self, name: str, own: dict[str, Any], defaults: dict[str, Any],
              skills: dict[str, str]) -> QueueConfig:
        data = {**defaults, **own}
        where = {key: ("queues", name) if key in own else ("defaults",) for key in data}

        def at_(key: str) -> KeyPath:
            return where.get(key, ("queues", name)) + (key,)

        strategy_name = data.get("strategy", Strategy.LONGEST_IDLE.value)
        try:
            strategy = Strategy(strategy_name)
        except ValueError:
            choices = ", ".join(s.value for s in Strategy)
            raise self.fail(at_("strategy"), f"unknown strategy {strategy_name!r} (one of {choices})") from None
        times = {key: self.seconds(data[key], at_(key)) for key in QUEUE_TIMES if key in data}
        weight = data.get("handle_time_weight", 0.2)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
            raise self.fail(at_("handle_time_weight"), "must be a number in (0, 1]")
        exit_key = data.get("exit_key")
        if exit_key is not None:
            exit_key = str(exit_key)
            if exit_key not in DTMF_KEYS:
                raise self.fail(at_("exit_key"), f"must be one DTMF key 0-9, * or #, got {exit_key!r}")
        return QueueConfig(
            name=name, strategy=strategy,
            required_skills=self.levels(data.get("required_skills"), at_("required_skills"), skills),
            service_level=self.service_level(data.get("service_level"), at_("service_level")),
            on_max_wait=self.max_wait(data, at_),
            hold_music=self.text(data.get("hold_music", "local_stream://moh"), at_("hold_music")),
            announce=self.announce(data.get("announce"), at_("announce")),
            exit_key=exit_key, record=self.flag(data.get("record", False), at_("record")),
            handle_time_weight=float(weight),
            description=str(data.get("description", "")), **times)

    def service_level(self, value: Any, at: KeyPath) -> ServiceLevelTarget:
        data = self.mapping(value, at, {"target", "seconds"})
        target = data.get("target", 0.8)
        if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 < target <= 1:
            raise self.fail(at + ("target",), f"must be a fraction in (0, 1], got {target!r}")
        return ServiceLevelTarget(float(target), self.seconds(data.get("seconds", 20), at + ("seconds",)))

    def announce(self, value: Any, at: KeyPath) -> AnnouncePolicy:
        data = self.mapping(value, at, {"every", "first_after", "position", "wait"})
        return AnnouncePolicy(every=self.seconds(data.get("every", 60), at + ("every",)),
                              first_after=self.seconds(data.get("first_after", 30), at + ("first_after",)),
                              position=self.flag(data.get("position", True), at + ("position",)),
                              wait=self.flag(data.get("wait", True), at + ("wait",)))

    def max_wait(self, data: dict[str, Any], at_: Callable[[str], KeyPath]) -> MaxWaitPolicy | None:
        if "max_wait" not in data and "on_max_wait" not in data:
            return None
        if "max_wait" not in data:
            raise self.fail(at_("on_max_wait"), "on_max_wait needs max_wait (seconds)")
        seconds = self.seconds(data["max_wait"], at_("max_wait"))
        policy = self.mapping(data.get("on_max_wait"), at_("on_max_wait"), {"action", "target"})
        if not policy:
            raise self.fail(at_("max_wait"), "max_wait needs on_max_wait (what follows it)")
        try:
            action = MaxWaitAction(policy.get("action"))
        except ValueError:
            choices = ", ".join(a.value for a in MaxWaitAction)
            raise self.fail(at_("on_max_wait") + ("action",), f"unknown action {policy.get('action')!r} (one of {choices})") from None
        target = policy.get("target")
        if action in (MaxWaitAction.OVERFLOW, MaxWaitAction.MESSAGE) and not target:
            raise self.fail(at_("on_max_wait"), f"{action.value} needs a target")
        return MaxWaitPolicy(seconds, action, None if target is None else str(target))

    def check_overflow(self, queues: dict[str, QueueConfig]) -> None:
        for name, queue in queues.items():
            policy = queue.on_max_wait
            if policy is None or policy.action is not MaxWaitAction.OVERFLOW:
                continue
            at = ("queues", name, "on_max_wait", "target")
            if policy.target not in queues:
                raise self.fail(at, f"overflow to unknown queue {policy.target!r}")
            seen = [name]
            step = queues[policy.target]
            while step.on_max_wait and step.on_max_wait.action is MaxWaitAction.OVERFLOW:
                if step.name in seen:
                    raise self.fail(at, f"overflow loop: {' -> '.join(seen + [step.name])}")
                seen.append(step.name)
                step = queues[step.on_max_wait.target or ""]

    def agent(self, agent_id: str, value: Any, skills: dict[str, str],
              queues: dict[str, QueueConfig]) -> AgentConfig:
        at: KeyPath = ("agents", agent_id)
        data = self.mapping(value, at, AGENT_KEYS)
        if "contact" not in data:
            raise self.fail(at, "contact (SIP dial string) is required")
        member_of = data.get("queues")
        if isinstance(member_of, list):
            member_of = {self.text(q, at + ("queues", i)): 1 for i, q in enumerate(member_of)}
        tiers: dict[str, int] = {}
        for queue_name, tier in self.mapping(member_of, at + ("queues",)).items():
            if queue_name not in queues:
                raise self.fail(at + ("queues", queue_name), f"unknown queue {queue_name!r}")
            tiers[queue_name] = self.integer(tier, at + ("queues", queue_name), 1)
        wrap_up = data.get("wrap_up")
        relay_queue = data.get("relay_queue")
        if relay_queue is not None and relay_queue not in queues:
            raise self.fail(at + ("relay_queue",), f"unknown queue {relay_queue!r}")
        return AgentConfig(
            id=str(agent_id), contact=self.text(data["contact"], at + ("contact",)),
            name=str(data.get("name", agent_id)),
            skills=self.levels(data.get("skills"), at + ("skills",), skills), queues=tiers,
            max_no_answer=self.integer(data.get("max_no_answer", 3), at + ("max_no_answer",), 0),
            wrap_up=None if wrap_up is None else self.seconds(wrap_up, at + ("wrap_up",)),
            direct_number=self.direct_number(data.get("direct_number"), at + ("direct_number",)),
            relay_queue=None if relay_queue is None else str(relay_queue))

    def direct_number(self, value: Any, key_path: KeyPath) -> str | None:
        if value is None:
            return None
        number = self.text(value, key_path)
        if not DIRECT_NUMBER.match(number):
            raise self.fail(key_path, f"expected digits with an optional leading +, got {number!r}")
        return number

    def check_direct_numbers(self, agents: dict[str, AgentConfig]) -> None:
        owners: dict[str, str] = {}
        for agent in agents.values():
            if agent.direct_number is None:
                continue
            digits = direct_number_digits(agent.direct_number)
            if digits in owners:
                raise self.fail(("agents", agent.id, "direct_number"),
                                f"{agent.direct_number} is already agent {owners[digits]!r}'s number")
            owners[digits] = agent.id
