"""Errors raised while sending or receiving notices.

::

    FsappError
    └── NotifyError                  a notice could not be prepared or delivered
        ├── TemplateMissing          no template with that name in the language or the default language
        └── DeliveryError            the SMTP server or the SMS gateway refused or did not answer
"""

from __future__ import annotations

from fsapp.errors import FsappError


class NotifyError(FsappError):
    """Base class of the notify package's errors."""


class TemplateMissing(NotifyError):
    """No template for this notice in the citizen's language or the default one."""


class DeliveryError(NotifyError):
    """The message was not accepted for delivery."""
