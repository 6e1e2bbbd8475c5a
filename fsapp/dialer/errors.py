"""Errors raised by the dialer.

::

    FsappError
    └── DialerError                  anything the dialer refuses or cannot do
        ├── CampaignNotFound         no campaign with that name
        ├── CampaignExists           a campaign with that name already exists
        ├── CampaignStateError       the campaign's status does not allow the command (start a finished one)
        └── SettingsError            campaign settings that do not make sense (a window 20:00-09:00, cps 0)
"""

from __future__ import annotations

from fsapp.errors import FsappError


class DialerError(FsappError):
    """Base class of the dialer's errors."""


class CampaignNotFound(DialerError):
    """No campaign has that name."""


class CampaignExists(DialerError):
    """A campaign with that name already exists."""


class CampaignStateError(DialerError):
    """The campaign is in a status that does not allow this."""


class SettingsError(DialerError):
    """A campaign setting is invalid."""
