"""Work items from the channels besides the phone (chats, mails, SMS, social messages) waiting in the ACD.

An item waits in one of the ACD's queues, with skills (a language is the skill ``lang-<code>`` when the ACD
has it), in arrival order. Operators pull work: :meth:`WorkDesk.offered` lists what an operator may take now
(logged in and not on break, qualified for the queue, with every skill the item asks for, and holding fewer
than ``max_per_agent`` items: an operator on a call may take a chat beside it), :meth:`WorkDesk.accept`
gives it to the first who asks. Pure: the ACD's router supplies the agents, the clock is injected.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fsapp.acd.router import Router
from fsapp.acd.states import AgentState
from fsapp.acd.stats import estimated_wait
from fsapp.acd.strategies import lacking_skills
from fsapp.errors import FsappError

KINDS = ("chat", "email", "sms", "social")
AWAY = (AgentState.LOGGED_OUT, AgentState.BREAK)


class WorkError(FsappError):
    """A work item could not be added, taken or closed; ``status`` is the HTTP answer."""

    status = 409


class UnknownItem(WorkError):
    status = 404


@dataclass
class WorkItem:
    """One piece of work from a channel."""

    id: str
    kind: str
    queue: str
    arrived_at: float
    summary: str = ""                          # the subject or first words, for an operator's list
    address: str = ""                          # the sender's address or number ("" for an anonymous chat)
    interaction_id: int | None = None          # the contact it was recorded as
    skills: dict[str, int] = field(default_factory=dict)
    language: str = ""
    agent: str | None = None
    accepted_at: float | None = None
    closed_at: float | None = None
    number: int = 0                            # the desk's counter its id was made from

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "queue": self.queue, "arrived_at": self.arrived_at,
                "summary": self.summary, "address": self.address, "interaction_id": self.interaction_id,
                "skills": dict(self.skills), "language": self.language, "agent": self.agent,
                "accepted_at": self.accepted_at}


class WorkDesk:
    """Items waiting and held, per queue, over the ACD's agents."""

    def __init__(self, router: Router, clock: Callable[[], float], max_per_agent: int = 3) -> None:
        self.router, self.clock, self.max_per_agent = router, clock, max_per_agent
        self.items: dict[str, WorkItem] = {}
        self._ids = itertools.count(1)
        self.listeners: list[Callable[[WorkItem, str], None]] = []   # (item, what happened), once it shows
        self.keeper: Callable[[WorkItem, str], None] | None = None   # the store: told before a change shows

    def skills_for(self, language: str) -> dict[str, int]:
        """The skill a language asks for, when the ACD has it (``lang-nb``)."""
        name = f"lang-{language}"
        return {name: 1} if language and name in self.router.config.skills else {}

    def add(self, kind: str, queue: str, *, summary: str = "", address: str = "", language: str = "",
            interaction_id: int | None = None, prefix: str = "",
            opening: Callable[[WorkItem], None] | None = None) -> WorkItem:
        """Put a new item at the end of ``queue``'s line. It is kept first, then ``opening(item)`` runs (a chat
        made for it), and only then do operators see it; when either fails, nothing of it is left."""
        if kind not in KINDS:
            raise WorkError(f"unknown kind {kind!r}")
        if queue not in self.router.queues:
            raise WorkError(f"no queue {queue!r}")
        number = next(self._ids)
        item = WorkItem(id=f"{prefix or kind}-{number}", kind=kind, queue=queue, arrived_at=self.clock(),
                        summary=summary[:200], address=address, interaction_id=interaction_id,
                        skills=self.skills_for(language), language=language, number=number)
        self._keep(item, "added")
        if opening is not None:
            try:
                opening(item)
            except Exception:
                self._keep(item, "closed")
                raise
        self.items[item.id] = item
        self._tell(item, "added")
        return item

    def restore(self, item: WorkItem) -> None:
        """Put back an item kept before a restart (its queue and agent checked by the caller); ids go on
        after the highest number restored."""
        item.skills = self.skills_for(item.language)
        self.items[item.id] = item
        highest = max(i.number for i in self.items.values())
        self._ids = itertools.count(max(highest + 1, next(self._ids)))

    def item(self, item_id: str) -> WorkItem:
        try:
            return self.items[item_id]
        except KeyError:
            raise UnknownItem(f"no work item {item_id}") from None

    def waiting(self, queue: str | None = None) -> list[WorkItem]:
        """Items nobody took yet, oldest first."""
        return sorted((i for i in self.items.values() if i.agent is None and (queue is None or i.queue == queue)),
                      key=lambda i: (i.arrived_at, i.id))

    def held_by(self, agent_id: str) -> list[WorkItem]:
        return [item for item in self.items.values() if item.agent == agent_id]

    def position(self, item_id: str) -> int | None:
        """1 for the next in its queue; None once taken."""
        item = self.item(item_id)
        if item.agent is not None:
            return None
        return [i.id for i in self.waiting(item.queue)].index(item.id) + 1

    def estimated_wait(self, item_id: str) -> float | None:
        """Seconds until an operator takes it, from the queue's handle time and staffing (None: nobody in)."""
        position = self.position(item_id)
        if position is None:
            return None
        runtime = self.router.queues[self.item(item_id).queue]
        return estimated_wait(position, runtime.handle_time.average, runtime.staffed * self.max_per_agent)

    def why_not(self, agent_id: str, item: WorkItem) -> str | None:
        """Why ``agent_id`` may not take ``item`` now, or None."""
        agent = self.router.agent(agent_id)
        if agent.state in AWAY:
            return f"agent {agent_id} is {agent.state.value}"
        runtime = self.router.queues[item.queue]
        if agent_id not in runtime.tiers:
            return runtime.unqualified.get(agent_id) or f"agent {agent_id} is not in queue {item.queue}"
        lacking = lacking_skills(agent, item.skills)
        if lacking:
            return lacking
        if len(self.held_by(agent_id)) >= self.max_per_agent:
            return f"agent {agent_id} already holds {self.max_per_agent} items"
        return None

    def offered(self, agent_id: str) -> list[WorkItem]:
        """What ``agent_id`` may take now, oldest first."""
        self.router.agent(agent_id)   # UnknownAgent for a name the ACD does not have
        return [item for item in self.waiting() if self.why_not(agent_id, item) is None]

    def accept(self, item_id: str, agent_id: str) -> WorkItem:
        """Give a waiting item to ``agent_id``; WorkError when it is taken or the agent may not take it."""
        item = self.item(item_id)
        if item.agent is not None:
            raise WorkError(f"{item_id} was taken by {item.agent}")
        reason = self.why_not(agent_id, item)
        if reason:
            raise WorkError(reason)
        item.agent, item.accepted_at = agent_id, self.clock()   # set before keeping: nobody else takes it meanwhile
        try:
            self._keep(item, "accepted")
        except Exception:   # not kept: the item goes back to waiting, the operator is told
            item.agent, item.accepted_at = None, None
            raise
        self._tell(item, "accepted")
        return item

    def close(self, item_id: str) -> WorkItem:
        """The item is done (or its citizen left): it leaves the desk."""
        item = self.items.get(item_id)
        if item is None:
            raise UnknownItem(f"no work item {item_id}")
        self._keep(item, "closed")
        if self.items.pop(item_id, None) is None:
            raise UnknownItem(f"no work item {item_id}")   # closed by someone else while it was being kept
        item.closed_at = self.clock()
        self._tell(item, "closed")
        return item

    def _keep(self, item: WorkItem, what: str) -> None:
        if self.keeper is not None:
            self.keeper(item, what)

    def _tell(self, item: WorkItem, what: str) -> None:
        for listener in list(self.listeners):
            listener(item, what)
