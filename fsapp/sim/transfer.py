"""``uuid_transfer``: the channel leaves what it was doing and runs the dialplan for a new extension."""

from __future__ import annotations

from fsapp.sim import lifecycle
from fsapp.sim.channel import Channel


def transfer(channel: Channel, extension: str) -> None:
    """Run the dialplan of ``extension`` (its fsapp_entry, or conference for a conference number)."""
    if not channel.alive:
        return
    bridge = channel.bridge
    if bridge is not None:
        if channel is bridge.a:
            bridge.a.emit("CHANNEL_UNBRIDGE", before=[("Bridge-A-Unique-ID", bridge.a.uuid),
                                                      ("Bridge-B-Unique-ID", bridge.b.uuid)])
        channel.bridge = None
    elif channel.parked:
        lifecycle.leave_park(channel, "CS_EXECUTE", 4)
    channel.profile["Destination-Number"] = extension
    channel.mark_time("transferred", "Channel-Transfer-Time")
    conference = channel.core.conferences_by_extension.get(extension)
    if conference is not None:
        lifecycle.run_conference_dialplan(channel, conference)
        return
    lifecycle.run_dialplan(channel, channel.core.dialplan.get(extension))
