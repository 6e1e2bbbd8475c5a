"""Errors of supervision (listen, whisper, barge).

::

    FsappError
     └── SuperviseError
          ├── NoCallToSupervise     the agent is not talking to anyone
          ├── UnknownMode           a mode other than listen, caller, whisper, barge
          ├── UnknownSession        no eavesdrop session with that id
          └── SupervisorUnreachable the supervisor's extension did not answer
"""

from __future__ import annotations

from fsapp.errors import FsappError


class SuperviseError(FsappError):
    """Root of supervision errors."""


class NoCallToSupervise(SuperviseError):
    """The agent has no call in progress."""


class UnknownMode(SuperviseError):
    """The requested eavesdrop mode does not exist."""


class UnknownSession(SuperviseError):
    """No eavesdrop session has this id (it ended, or never existed)."""


class SupervisorUnreachable(SuperviseError):
    """Originating to the supervisor's extension failed."""
