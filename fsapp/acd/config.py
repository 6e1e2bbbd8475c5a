"""Typed configuration of queues and agents (built by :mod:`fsapp.acd.loader` or directly in code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from fsapp.acd.errors import UnknownAgent, UnknownQueue


class Strategy(str, Enum):
    """How a queue picks among the agents free to take a call."""

    LONGEST_IDLE = "longest-idle"   # the agent who has waited longest since their last call
    ROUND_ROBIN = "round-robin"     # the next agent after the one offered last, in member order
    RING_ALL = "ring-all"           # every free agent of the best tier at once; first to answer wins
    FEWEST_CALLS = "fewest-calls"   # the agent who has handled fewest calls (ties: longest idle)
    SKILLS_BASED = "skills-based"   # the agent with the highest levels in the skills asked for (ties: longest idle)


class MaxWaitAction(str, Enum):
    """What happens to a caller who has waited ``max_wait`` seconds."""

    OVERFLOW = "overflow"     # move to ``target`` queue, keeping the original arrival time
    VOICEMAIL = "voicemail"   # leave a message in mailbox ``target``
    CALLBACK = "callback"     # become a callback request that keeps the caller's place
    MESSAGE = "message"       # play sound ``target`` and hang up



def direct_number_digits(number: str) -> str:
    """How direct numbers are compared: their digits, with or without the leading ``+``."""
    return number.strip().lstrip("+")

@dataclass(frozen=True)
class MaxWaitPolicy:
    """``max_wait`` seconds in the queue, then ``action`` (with its ``target``)."""

    max_wait: float
    action: MaxWaitAction
    target: str | None = None


@dataclass(frozen=True)
class ServiceLevelTarget:
    """E.g. 80 % (``fraction=0.8``) of calls answered within 20 ``seconds``."""

    fraction: float = 0.8
    seconds: float = 20.0


@dataclass(frozen=True)
class AnnouncePolicy:
    """Periodic announcements of position and estimated wait; ``every=0`` turns them off."""

    every: float = 60.0
    first_after: float = 30.0
    position: bool = True
    wait: bool = True


@dataclass(frozen=True)
class QueueConfig:
    """One queue. Times are seconds."""

    name: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    required_skills: dict[str, int] = field(default_factory=dict)
    service_level: ServiceLevelTarget = ServiceLevelTarget()
    on_max_wait: MaxWaitPolicy | None = None
    hold_music: str = "local_stream://moh"
    announce: AnnouncePolicy = AnnouncePolicy()
    exit_key: str | None = None
    record: bool = False              # record every answered call of this queue (caller and agent, mixed)
    offer_timeout: float = 20.0       # how long an agent's phone rings before the offer counts as unanswered
    reserve_timeout: float = 5.0      # how long an agent may stay reserved before the phone starts ringing
    reoffer_delay: float = 15.0       # an agent who let a call go is not offered the same call again for this long
    wrap_up: float = 10.0
    default_handle_time: float = 180.0  # estimate used until calls have been handled
    handle_time_weight: float = 0.2     # EWMA weight of the newest handle time
    sl_window: float = 1800.0           # seconds of history in the recent service level
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategy", Strategy(self.strategy))


@dataclass(frozen=True)
class AgentConfig:
    """One agent: a person at a softphone. ``queues`` maps queue name to tier (1 is asked first)."""

    id: str
    contact: str                              # dial string, e.g. ``user/1001`` or ``sofia/internal/1001@pbx``
    name: str = ""
    skills: dict[str, int] = field(default_factory=dict)
    queues: dict[str, int] = field(default_factory=dict)
    max_no_answer: int = 3                    # unanswered offers in a row before an automatic break; 0 = never
    wrap_up: float | None = None              # overrides the queue's wrap-up time
    direct_number: str | None = None          # a number citizens dial to reach this person first
    relay_queue: str | None = None            # where "a colleague" leads when they miss a direct call


@dataclass(frozen=True)
class AcdConfig:
    """Skills (name -> description), queues and agents, validated together."""

    skills: dict[str, str]
    queues: dict[str, QueueConfig]
    agents: dict[str, AgentConfig]
    path: str = "<code>"

    def queue(self, name: str) -> QueueConfig:
        try:
            return self.queues[name]
        except KeyError:
            raise UnknownQueue(f"no queue {name!r}") from None

    def agent(self, agent_id: str) -> AgentConfig:
        try:
            return self.agents[agent_id]
        except KeyError:
            raise UnknownAgent(f"no agent {agent_id!r}") from None
