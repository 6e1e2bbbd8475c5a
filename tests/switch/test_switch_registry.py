"""The channel registry rebuilt from the real switch's event streams."""

from __future__ import annotations

from fsapp.esl.parser import FrameParser
from fsapp.switch.reconcile import bridged_pairs, channel_from_dump, channel_rows
from fsapp.switch.registry import ChannelRegistry
from tests.conftest import TRANSCRIPTS

CALL_CONTROL = TRANSCRIPTS / "call-control"


def events_of(stem: str):
    frames = FrameParser().feed((CALL_CONTROL / f"{stem}.rx.bin").read_bytes())
    return [frame.event() for frame in frames if frame.is_event]


def api_bodies(stem: str) -> list[str]:
    frames = FrameParser().feed((CALL_CONTROL / f"{stem}.rx.bin").read_bytes())
    return [frame.text for frame in frames if frame.content_type == "api/response"]


def test_parked_call_carries_its_entry_and_caller() -> None:
    registry = ChannelRegistry()
    seen_park = None
    for event in events_of("park_ivr"):
        channel = registry.apply(event)
        if event.name == "CHANNEL_PARK" and seen_park is None:
            seen_park = (channel.entry, channel.parked, channel.caller_number, channel.destination)
    assert seen_park == ("main", True, "caller", "6000")
    assert len(registry) == 0  # destroyed at the end


def test_bridge_is_known_on_both_legs_and_ends_with_a_repark() -> None:
    registry = ChannelRegistry()
    events = events_of("bridge_agent")
    bridged_pairs_seen, reparked = [], []
    for event in events:
        channel = registry.apply(event)
        if event.name == "CHANNEL_BRIDGE":
            a_leg, b_leg = event["Bridge-A-Unique-ID"], event["Bridge-B-Unique-ID"]
            bridged_pairs_seen.append((registry.get(a_leg).bridged_to, registry.get(b_leg).bridged_to,
                                       a_leg, b_leg))
        if event.name == "CHANNEL_PARK" and channel.last_peer:
            reparked.append((channel.role, channel.bridged_to))
    assert len(bridged_pairs_seen) == 3
    for a_to, b_to, a_leg, b_leg in bridged_pairs_seen:
        assert a_to == b_leg and b_to == a_leg
    # A: the caller hangs up, the agent leg (park_after_bridge) is re-parked; B: the agent hangs up, the
    # caller is re-parked. Neither is still bridged when parked again.
    assert ("agent", None) in reparked
    assert (None, None) in reparked
    assert len(registry) == 0


def test_agent_leg_variables_come_from_originate() -> None:
    registry = ChannelRegistry()
    roles = set()
    for event in events_of("bridge_agent"):
        channel = registry.apply(event)
        if channel is not None and channel.role:
            roles.add(channel.role)
    assert roles == {"agent"}


def test_hangup_cause_is_kept_until_destroy() -> None:
    registry = ChannelRegistry()
    causes = {}
    for event in events_of("originate_outbound"):
        channel = registry.apply(event)
        if event.name == "CHANNEL_HANGUP_COMPLETE":
            causes[channel.uuid] = channel.hangup_cause
    assert sorted(causes.values()) == ["NORMAL_CLEARING", "NO_ANSWER", "USER_BUSY"]


def test_reconnect_rows_and_dump_rebuild_a_channel() -> None:
    import json
    bodies = api_bodies("reconnect_conn2")
    rows = channel_rows(bodies[0])
    assert len(rows) == 1 and rows[0]["dest"] == "6000"
    assert bridged_pairs(bodies[1]) == {}
    dump = next(body for body in bodies if body.startswith('{"Event-Name":"CHANNEL_DATA"'))
    channel = channel_from_dump(rows[0]["uuid"], json.loads(dump), rows[0])
    assert channel.entry == "main"
    assert channel.answered
    assert channel_rows(bodies[-1]) == []  # {"row_count": 0} with its space


def test_a_bridge_the_switchs_tables_do_not_show_yet_is_read_from_the_channel() -> None:
    """``show channels`` and ``show calls`` come from the switch's database, written behind the channels by its
    SQL thread (seconds behind on a loaded switch): a caller just bridged may still be listed playing hold
    music with no peer. ``uuid_dump`` reads the channel itself: its ``bridge_to`` is set while it is bridged."""
    row = {"uuid": "caller-1", "application": "playback", "callstate": "ACTIVE"}
    dump = {"Unique-ID": "caller-1", "Answer-State": "answered", "variable_fsapp_entry": "main",
            "variable_bridge_to": "agent-leg-7", "variable_bridge_uuid": "agent-leg-7"}
    channel = channel_from_dump("caller-1", dump, row, None)
    assert channel.bridged_to == "agent-leg-7"
    unbridged = {key: value for key, value in dump.items() if key != "variable_bridge_to"}   # bridge_uuid stays
    assert channel_from_dump("caller-1", unbridged, row, None).bridged_to is None


def test_an_intercepted_caller_keeps_its_number_though_the_switch_shows_the_operator() -> None:
    """Recorded on FreeSWITCH 1.10.12 (tests/data/transcripts/fsapp-live/queue_answer): once an operator's leg
    intercepts the caller, the caller's own events name the operator in Caller-Caller-ID-* (display inversion of
    a leg B) and keep the caller in Caller-Orig-Caller-ID-*. The caller is who called in: in the registry when
    the caller parks again (a transfer back into a queue) and after a reconnect."""
    from fsapp.esl.events import Event
    from tests.fidelity import BATCH
    frames = FrameParser().feed((BATCH / "queue_answer.rx.bin").read_bytes())
    events = [frame.event() for frame in frames if frame.is_event]
    caller = next(e.uuid for e in events if e.name == "CHANNEL_CREATE" and e.get("Call-Direction") == "inbound")
    registry = ChannelRegistry()
    for event in events:
        registry.apply(event)
        if event.uuid == caller and event.name == "CHANNEL_UNPARK":
            unparked = event
            break
    assert (unparked["Caller-Caller-ID-Number"], unparked["Caller-Orig-Caller-ID-Number"]) == ("1101", "4790000001")
    reparked = Event(headers={**unparked.headers, "Event-Name": "CHANNEL_PARK"})
    assert registry.apply(reparked).caller_number == "4790000001"
    dump = {"Unique-ID": "c-1", "Call-Direction": "inbound", "Caller-Caller-ID-Number": "1101",
            "Caller-Caller-ID-Name": "anna", "Caller-Orig-Caller-ID-Number": "4790000001",
            "Caller-Orig-Caller-ID-Name": "Kari"}
    rebuilt = channel_from_dump("c-1", dump, {"uuid": "c-1", "cid_num": "1101"}, None)
    assert (rebuilt.caller_number, rebuilt.caller_name) == ("4790000001", "Kari")
