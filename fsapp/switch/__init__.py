"""Calls and call control on one switch.

- :class:`Switch` (service): the link, the channel registry, flows started on CHANNEL_PARK, resume on reconnect.
- :class:`Call`: verbs on one leg (answer, playback, play_and_get_digits, record, bridge, eavesdrop, ...).
- :mod:`fsapp.switch.dialstring`: the one seam every outside value crosses into a command.
- :class:`ChannelRegistry` / :class:`Channel`: pure state built from events.
"""

from fsapp.switch.call import Call, RecordResult
from fsapp.switch.channel import Channel
from fsapp.switch.errors import (BridgeFailed, CallControlError, ChannelGone, NotDialable, OriginateFailed,
                                 UnsafeValue)
from fsapp.switch.registry import ChannelRegistry
from fsapp.switch.service import DEFAULT_EVENTS, Switch

__all__ = ["BridgeFailed", "Call", "CallControlError", "Channel", "ChannelGone", "ChannelRegistry",
           "DEFAULT_EVENTS", "NotDialable", "OriginateFailed", "RecordResult", "Switch", "UnsafeValue"]
