"""Exceptions raised by the ACD (queues, agents, routing).

The tree::

    FsappError                         (fsapp.errors)
    └── AcdError                       anything the ACD refuses
        ├── AcdConfigError             queues/agents file is invalid (also a SourceError: FILE:LINE: key: msg)
        ├── IllegalTransition          an agent state change the state machine does not allow
        ├── UnknownAgent               no agent with that id is configured
        ├── UnknownQueue               no queue with that name is configured
        ├── UnknownCall                no waiting call / member with that UUID
        ├── UnknownSkill               a call asked for a skill the configuration does not declare
        ├── DuplicateCall              a call UUID (or callback id) that is already queued
        ├── TransferError              an attended-transfer step that cannot be taken now
        └── SnapshotError              a snapshot cannot be restored (wrong version, inconsistent)

The ``Unknown*`` errors also derive from :class:`LookupError`, so ``except KeyError``-style code that
already catches lookups keeps working.
"""

from __future__ import annotations

from fsapp.errors import FsappError, SourceError


class AcdError(FsappError):
    """Base class of ACD errors."""


class AcdConfigError(SourceError, AcdError):
    """The queues/agents configuration is invalid; ``str()`` is ``FILE:LINE: key: message``."""


class IllegalTransition(AcdError):
    """An agent was asked to move between two states that are not connected.

    ``agent_id``, ``current`` and ``requested`` name the agent and the two states.
    """

    def __init__(self, agent_id: str, current: str, requested: str) -> None:
        self.agent_id = agent_id
        self.current = current
        self.requested = requested
        super().__init__(f"agent {agent_id}: cannot go from {current} to {requested}")


class UnknownAgent(AcdError, LookupError):
    """No agent with this id."""


class UnknownQueue(AcdError, LookupError):
    """No queue with this name."""


class UnknownCall(AcdError, LookupError):
    """No call (or callback member) with this UUID is known to the ACD."""


class UnknownSkill(AcdError, LookupError):
    """A skill that the configuration does not declare."""


class SnapshotError(AcdError):
    """A snapshot cannot be restored."""


class DuplicateCall(AcdError):
    """A call (or callback member id) is already in a queue."""


class TransferError(AcdError):
    """An attended transfer step that cannot be taken (no consultation, the party did not answer...)."""
