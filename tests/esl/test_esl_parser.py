"""The sans-IO parser against the real switch's byte streams, split at random byte boundaries."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from fsapp.esl.codec import url_decode, url_encode
from fsapp.esl.errors import ProtocolError
from fsapp.esl.parser import FrameParser
from tests.conftest import TRANSCRIPTS, transcript_paths

RX_STREAMS = transcript_paths(".rx.bin")


def frames_of(data: bytes, chunk_sizes: list[int] | None = None) -> list:
    parser = FrameParser()
    frames = []
    if chunk_sizes is None:
        frames += parser.feed(data)
    else:
        pos = 0
        for size in chunk_sizes:
            frames += parser.feed(data[pos:pos + size])
            pos += size
        frames += parser.feed(data[pos:])
    assert parser.buffered == 0, "bytes left over after the last frame"
    return frames


def random_chunks(rng: random.Random, total: int, largest: int) -> list[int]:
    sizes: list[int] = []
    covered = 0
    while covered < total:
        sizes.append(rng.randint(1, largest))
        covered += sizes[-1]
    return sizes


def signature(frames: list) -> list:
    out = []
    for frame in frames:
        entry = [list(frame.headers.items()), frame.body]
        if frame.is_event:
            event = frame.event()
            entry += [list(event.headers.items()), event.body]
        out.append(entry)
    return out


def test_every_transcript_is_present() -> None:
    # 13 of the first two batches, call-control/broadcast_lead_frames and originate_throttled, fsapp-live/queue_answer
    # and consult_complete
    assert len(RX_STREAMS) == 17


@pytest.mark.parametrize("path", RX_STREAMS, ids=lambda p: p.name)
def test_random_splits_give_the_same_frames(path: Path) -> None:
    data = path.read_bytes()
    expected = signature(frames_of(data))
    assert expected, "no frames parsed"
    for seed in range(12):
        rng = random.Random(seed)
        largest = rng.choice([3, 17, 100, 1500, 9000])
        assert signature(frames_of(data, random_chunks(rng, len(data), largest))) == expected, seed


def test_one_byte_at_a_time_gives_the_same_frames() -> None:
    data = (TRANSCRIPTS / "inbound_commands.rx.bin").read_bytes()
    assert signature(frames_of(data, [1] * len(data))) == signature(frames_of(data))


def test_frame_counts_match_the_recording() -> None:
    frames = frames_of((TRANSCRIPTS / "inbound_plain_all.rx.bin").read_bytes())
    assert len(frames) == 73
    events = [frame.event() for frame in frames if frame.is_event]
    assert len(events) == 67
    assert sum(1 for event in events if event.name == "DTMF") == 3
    assert frames[-1].content_type == "text/disconnect-notice"

    json_frames = frames_of((TRANSCRIPTS / "inbound_json_all.rx.bin").read_bytes())
    json_events = [frame.event() for frame in json_frames if frame.content_type == "text/event-json"]
    assert len(json_events) == 37
    assert [event["DTMF-Digit"] for event in json_events if event.name == "DTMF"] == ["1", "5", "9"]


def test_plain_and_json_events_decode_to_the_same_values() -> None:
    events = [f.event() for f in frames_of((TRANSCRIPTS / "inbound_json_all.rx.bin").read_bytes()) if f.is_event]
    create = next(event for event in events if event.name == "CHANNEL_CREATE")
    assert create["FreeSWITCH-IPv6"] == "fd00::2"
    assert create["Event-Date-Local"].count(":") == 2
    plain = [f.event() for f in frames_of((TRANSCRIPTS / "inbound_plain_all.rx.bin").read_bytes()) if f.is_event]
    plain_create = next(event for event in plain if event.name == "CHANNEL_CREATE")
    assert plain_create["FreeSWITCH-IPv6"] == "fd00::2"
    assert plain_create["Channel-Name"].startswith("sofia/") and "%" not in plain_create["Channel-Name"]


def test_background_job_body_and_api_bodies() -> None:
    frames = frames_of((TRANSCRIPTS / "inbound_commands.rx.bin").read_bytes())
    jobs = [f.event() for f in frames if f.is_event and f.event().name == "BACKGROUND_JOB"]
    assert len(jobs) == 2
    assert jobs[0].body.startswith("UP 0 years")
    assert jobs[0]["Job-Command"] == "status"
    assert jobs[1].body.startswith("-ERR nosuchcommand")
    api_bodies = [f.text for f in frames if f.content_type == "api/response"]
    assert api_bodies[1] == "-ERR nosuchcommand Command not found!\n"
    assert '{"row_count": 0}\n' in api_bodies


def test_originate_results_are_in_job_bodies() -> None:
    frames = frames_of((TRANSCRIPTS / "call-control" / "originate_outbound.rx.bin").read_bytes())
    bodies = [f.event().body.strip() for f in frames if f.is_event and f.event().name == "BACKGROUND_JOB"]
    assert bodies[0].startswith("+OK ")
    assert bodies[1:] == ["-ERR USER_BUSY", "-ERR NO_ANSWER"]


def test_disconnect_notice_body_is_read() -> None:
    frames = frames_of((TRANSCRIPTS / "inbound_commands_badauth.rx.bin").read_bytes())
    assert [f.content_type for f in frames] == ["auth/request", "command/reply", "text/disconnect-notice"]
    assert frames[1].reply_text == "-ERR invalid"
    assert "Disconnected, goodbye." in frames[2].text


def test_outbound_connect_reply_is_decoded() -> None:
    frames = frames_of((TRANSCRIPTS / "outbound_basic.rx.bin").read_bytes())
    first = frames[0]
    assert first.content_type == "command/reply"
    assert first.reply_text == "+OK\n"
    assert first.headers["Event-Name"] == "CHANNEL_DATA"


def spoofed_stream() -> tuple[bytes, str]:
    """A real CHANNEL_PARK frame with one extra header whose value hides an encoded newline."""
    frames = frames_of((TRANSCRIPTS / "call-control" / "park_ivr.rx.bin").read_bytes())
    park = next(f for f in frames if f.is_event and f.event().name == "CHANNEL_PARK")
    real_uuid = park.event().uuid
    head, _, rest = park.text.partition("\n\n")
    injected = "variable_sip_h_X-Fsapp-Display: x%0AUnique-ID%3A%20spoofed%0AEvent-Name%3A%20CHANNEL_HANGUP"
    body = f"{head}\n{injected}\n\n{rest}".encode() if rest else f"{head}\n{injected}\n\n".encode()
    frame = f"Content-Length: {len(body)}\nContent-Type: text/event-plain\n\n".encode() + body
    return frame, real_uuid


def test_encoded_newline_cannot_inject_a_header() -> None:
    data, real_uuid = spoofed_stream()
    for seed in range(10):
        rng = random.Random(seed)
        frames = frames_of(data, random_chunks(rng, len(data), 50))
        event = frames[0].event()
        assert event.uuid == real_uuid
        assert event.name == "CHANNEL_PARK"
        assert event["variable_sip_h_X-Fsapp-Display"] == "x\nUnique-ID: spoofed\nEvent-Name: CHANNEL_HANGUP"


@pytest.mark.parametrize("path", RX_STREAMS, ids=lambda p: p.name)
def test_values_re_encode_to_the_recorded_bytes(path: Path) -> None:
    for frame in frames_of(path.read_bytes()):
        if frame.content_type != "text/event-plain":
            continue
        head = frame.text.partition("\n\n")[0]
        for line in head.split("\n"):
            name, _, raw = line.partition(": ")
            assert url_encode(url_decode(raw)) == raw, (name, raw)


@pytest.mark.parametrize("bad", [
    b"Content-Type: api/response\nContent-Length: abc\n\n",
    b"Content-Type: api/response\nContent-Length: -4\n\n",
    b"Content-Type: api/response\nno colon here\n\n",
])
def test_malformed_frames_raise_protocol_error(bad: bytes) -> None:
    with pytest.raises(ProtocolError):
        FrameParser().feed(bad)


def test_header_block_without_end_is_bounded() -> None:
    parser = FrameParser()
    with pytest.raises(ProtocolError):
        parser.feed(b"Content-Type: text/event-plain\nX: " + b"a" * (300 * 1024))


@pytest.mark.parametrize("path", RX_STREAMS, ids=lambda p: p.name)
def test_reading_one_header_agrees_with_the_full_parse(path: Path) -> None:
    for frame in frames_of(path.read_bytes()):
        if frame.content_type != "text/event-plain":
            continue
        lazy, full = frame.event(), frame.event().headers
        for name, value in full.items():
            assert lazy.get(name) == value
        assert lazy.get("No-Such-Header") is None
        for prefix in ("", "fsapp_", "sip_"):
            assert frame.event().variables(prefix) == {
                key[9:]: value for key, value in full.items() if key.startswith("variable_" + prefix)}
        assert lazy.headers == full
