"""Errors of reports.

::

    FsappError
     └── ReportError
          └── UnknownReport     a report name other than daily, queues, agents, categories
"""

from __future__ import annotations

from fsapp.errors import FsappError


class ReportError(FsappError):
    """Root of report errors (also: a chart asked for without matplotlib)."""


class UnknownReport(ReportError):
    """No report of that name."""
