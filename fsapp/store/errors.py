"""Errors raised by the case store.

::

    FsappError
    └── StoreError                   anything the store refuses or cannot do
        ├── DatabaseUrlError         a database URL that names no supported backend
        ├── MigrationError           the schema cannot be brought up to date
        ├── NotFound                 no citizen, case or property with that key
        ├── InvalidReference         a case reference with a wrong check digit or shape
        ├── InvalidTransition        a status change the case workflow does not allow
        ├── InvalidCaseData          custom fields or values that do not fit the category
        └── ImportFileError          an import file that cannot be read at all (bad rows are reported, not raised)
"""

from __future__ import annotations

from fsapp.errors import FsappError, SourceError


class StoreError(FsappError):
    """Base class of the store's errors."""


class DatabaseUrlError(StoreError):
    """The database URL is not ``sqlite:///...`` or ``postgresql://...``."""


class MigrationError(StoreError):
    """A schema migration failed or the database is newer than this code."""


class NotFound(StoreError):
    """The requested record does not exist."""


class InvalidReference(StoreError):
    """A case reference is malformed or its check digit does not match (a mistyped number)."""


class InvalidTransition(StoreError):
    """The case workflow does not allow moving from the current status to the requested one."""


class InvalidCaseData(StoreError):
    """A case's custom field values do not match the definitions of its category."""


class ImportFileError(SourceError, StoreError):
    """The import file as a whole cannot be read (missing, wrong format, no header)."""
