"""Every live channel by Unique-ID, and the legs of each call, built from events (pure)."""

from __future__ import annotations

from collections.abc import Iterator

from fsapp.esl.events import Event
from fsapp.switch.channel import Channel

# A channel is forgotten at whichever of these comes first (DESTROY follows HANGUP_COMPLETE at once).
_FORGET_EVENTS = frozenset(("CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"))
_ENDING_STATES = frozenset(("CS_HANGUP", "CS_REPORTING", "CS_DESTROY"))
CHANNEL_EVENT_PREFIXES = ("CHANNEL_", "PLAYBACK_", "RECORD_", "DTMF")


class ChannelRegistry:
    """Channels keyed by Unique-ID; a channel is dropped when it has hung up (CHANNEL_HANGUP_COMPLETE)."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}

    def apply(self, event: Event) -> Channel | None:
        """Update (or create) the channel the event is about; returns it, or None if none."""
        uuid = event.get("Unique-ID")
        if not uuid or not event.name.startswith(CHANNEL_EVENT_PREFIXES):
            return None
        channel = self._channels.get(uuid)
        if channel is None:
            # Stragglers after CHANNEL_DESTROY (a last CHANNEL_STATE CS_DESTROY) must not bring it back.
            if event.get("Answer-State") == "hangup" or event.get("Channel-State") in _ENDING_STATES:
                return None
            channel = self._channels[uuid] = Channel(uuid)
        channel.apply(event)
        if event.name in ("CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE"):
            self._update_peer(channel, event)
        if event.name in _FORGET_EVENTS:
            del self._channels[uuid]
        return channel

    def _update_peer(self, channel: Channel, event: Event) -> None:
        # The switch reports a bridge and its end on leg A only; leg B learns of it here.
        peer_uuid = event.get("Bridge-B-Unique-ID") or event.get("Other-Leg-Unique-ID")
        if peer_uuid == channel.uuid:
            peer_uuid = event.get("Bridge-A-Unique-ID")
        peer = self._channels.get(peer_uuid or "")
        if peer is None:
            return
        if event.name == "CHANNEL_BRIDGE":
            peer.bridged_to = peer.last_peer = channel.uuid
        elif peer.bridged_to == channel.uuid:
            peer.bridged_to = None

    def get(self, uuid: str) -> Channel | None:
        return self._channels.get(uuid)

    def add(self, channel: Channel) -> Channel:
        self._channels[channel.uuid] = channel
        return channel

    def remove(self, uuid: str) -> Channel | None:
        return self._channels.pop(uuid, None)

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._channels.values()))

    def __len__(self) -> int:
        return len(self._channels)

    def __contains__(self, uuid: str) -> bool:
        return uuid in self._channels

    def legs_of(self, uuid: str) -> list[Channel]:
        """The channel and the leg it is bridged to, if any."""
        channel = self._channels.get(uuid)
        if channel is None:
            return []
        legs = [channel]
        if channel.bridged_to and channel.bridged_to in self._channels:
            legs.append(self._channels[channel.bridged_to])
        return legs

    def bridges(self) -> list[tuple[str, str]]:
        """Pairs of bridged legs, each pair once."""
        pairs = set()
        for channel in self._channels.values():
            if channel.bridged_to:
                pairs.add(tuple(sorted((channel.uuid, channel.bridged_to))))
        return sorted(pairs)
