"""The root of fsapp's exception tree.

Every package defines its own exceptions in an ``errors`` module and derives them from
:class:`FsappError`, so a caller can catch everything fsapp raises with one clause::

    FsappError
    ├── ConfigError                  fsapp.config: a bad configuration file, variable or flag
    ├── fsapp.esl.errors.ESLError    talking to a switch over the Event Socket
    └── (one subtree per package: ivr, acd, store, dialer, ...)
"""

from __future__ import annotations


class FsappError(Exception):
    """Base class of every error fsapp raises on purpose."""


class SourceError(FsappError):
    """Bad input that can be located in a file: carries the file, the line and the key."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 key: str | None = None) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.key = key
        super().__init__(self.located())

    def located(self) -> str:
        """The error as one line ``FILE:LINE: key: message`` (parts that are unknown left out)."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        what = f"{self.key}: " if self.key else ""
        return f"{where}{what}{self.message}"


class ConfigError(SourceError):
    """The configuration (file, FSAPP_* environment or command-line flag) is invalid."""
