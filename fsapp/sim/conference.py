"""A minimal conference: members join, ``conference <name> list`` shows them, ``hup all`` removes them."""

from __future__ import annotations

from fsapp.sim.channel import Channel
from fsapp.sim.core import SwitchCore

SUBCLASS = "conference::maintenance"


def _event(core: SwitchCore, name: str, size: int, action: str, channel: Channel | None = None,
           member_id: int | None = None) -> None:
    from fsapp.sim.events import channel_data
    headers = core.factory.core("CUSTOM", subclass=SUBCLASS,
                                calling=("conference_member.c", "conference_member_add", "962"))
    headers += [("Conference-Name", name), ("Conference-Domain", "127.0.0.1"), ("Conference-Size", str(size)),
                ("Conference-Ghosts", "0"), ("Conference-Profile-Name", "default"),
                ("Conference-Unique-ID", core.conference_ids.setdefault(name, channel.uuid if channel else name))]
    if channel is not None:
        headers += channel_data(channel, variables=False)
        headers += [("Member-ID", str(member_id)), ("Member-Type", "member")]
    headers.append(("Action", action))
    core.fire(headers)


def join(channel: Channel, arg: str) -> str:
    core = channel.core
    name = arg.split("@")[0].split("+")[0].strip()
    members = core.conferences.setdefault(name, {})
    member_id = core.next_session_id()
    if not members:
        _event(core, name, 0, "conference-create")
    members[member_id] = channel
    _event(core, name, len(members), "add-member", channel, member_id)
    try:
        channel.wait(None, lambda: member_id not in members or channel.break_requested)
    finally:
        members.pop(member_id, None)
        _event(core, name, len(members), "del-member", channel, member_id)
        if not members:
            core.conferences.pop(name, None)
            _event(core, name, 0, "conference-destroy")
    return "_none_"


def conference_api(core: SwitchCore, arg: str):
    words = arg.split()
    if words[:1] == ["list"]:
        lines = [f"+OK Conference {name} ({len(members)} members)\n" for name, members in core.conferences.items()]
        return "".join(lines) or "+OK No active conferences.\n", None
    if not words:
        return "-ERR usage\n", None
    members = core.conferences.get(words[0])
    if members is None:
        return f"-ERR Conference {words[0]} not found\n", None
    if words[1:2] == ["list"]:
        return "".join(f"{member_id};{channel.name};{channel.uuid};{channel.profile.get('Caller-ID-Name', '')};"
                       f"{channel.profile.get('Caller-ID-Number', '')};hear|speak;0;0;100\n"
                       for member_id, channel in members.items()), None
    if words[1:3] == ["hup", "all"]:
        count = len(members)

        def hang_up() -> None:
            from fsapp.sim.lifecycle import hangup
            for channel in list(members.values()):
                hangup(channel, "NORMAL_CLEARING")
        return f"+OK hup {count}\n", hang_up
    return "-ERR unsupported conference command\n", None
