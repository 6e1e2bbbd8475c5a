"""Reading the switch's own account of its channels after a reconnect (pure parsing)."""

from __future__ import annotations

import json
from typing import Any

from fsapp.switch.channel import Channel, caller_headers


def channel_rows(body: str) -> list[dict[str, str]]:
    """Rows of ``show channels as json``; ``{"row_count": 0}`` (with its odd space) means none."""
    text = body.strip()
    if not text or text.startswith("-ERR"):
        return []
    data = json.loads(text)
    return [row for row in data.get("rows", []) if isinstance(row, dict)]


def bridged_pairs(body: str) -> dict[str, str]:
    """Each bridged leg's peer, both ways, from ``show calls as json`` (rows with a ``b_uuid``)."""
    peers: dict[str, str] = {}
    for row in channel_rows(body):
        a_leg, b_leg = row.get("uuid", ""), row.get("b_uuid", "")
        if a_leg and b_leg:
            peers[a_leg], peers[b_leg] = b_leg, a_leg
    return peers


def channel_from_dump(uuid: str, dump: Any, row: dict[str, str], peer: str | None = None) -> Channel:
    """A Channel from ``uuid_dump <uuid> json`` (all variables) and its ``show channels`` row.

    Raises ValueError when the dump is not a channel's (the channel ended in between).
    """
    if not isinstance(dump, dict):
        raise ValueError("uuid_dump did not return an object")
    get = dump.get
    number, name = caller_headers(str(get("Call-Direction", "")), get)
    channel = Channel(
        uuid=uuid,
        direction=get("Call-Direction", row.get("direction", "")),
        name=get("Channel-Name", row.get("name", "")),
        state=get("Channel-State", row.get("state", "")),
        call_state=get("Channel-Call-State", row.get("callstate", "")),
        answer_state=get("Answer-State", ""),
        caller_number=get(number, row.get("cid_num", "")),
        caller_name=get(name, row.get("cid_name", "")),
        destination=get("Caller-Destination-Number", row.get("dest", "")),
        application=row.get("application", ""),
    )
    created, epoch = str(get("Caller-Channel-Created-Time", "")), str(row.get("created_epoch", ""))
    channel.created_at = int(created) / 1e6 if created.isdigit() else (int(epoch) if epoch.isdigit() else 0.0)
    channel.answered = channel.answer_state == "answered" or row.get("callstate") == "ACTIVE"
    channel.parked = row.get("application") == "park"
    # show calls lags behind the channels (the switch's SQL thread); bridge_to is the channel's own, set while
    # it is bridged
    channel.bridged_to = channel.last_peer = peer or str(get("variable_bridge_to") or "") or None
    for key, value in dump.items():
        if isinstance(key, str) and key.startswith("variable_"):
            channel.variables[key[9:]] = str(value)
    return channel
