"""RTP for SIPp's ``play_pcap_audio``, built for the live tests: speech in 20 ms packets and key presses.

Two facts about Debian's sip-tester pcaps shape this (../shared/REAL-SWITCH.md): ``g711a.pcap`` carries 30 ms
packets, which make the switch move a 20 ms leg to 30 ms and play files 1.5x too slowly; and every
``dtmf_2833_N.pcap`` carries the same RTP timestamp, so a second press replayed later is taken for a repeat of
the first. Here speech is re-cut to 20 ms and each press gets its own timestamp. SIPp sends the RTP packets as
they are in the file (its own ports), spaced by the capture times.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

SIPP_PCAPS = Path("/usr/share/sip-tester")
PCMA, TELEPHONE_EVENT = 8, 101
FRAME = 160            # samples (and PCMA bytes) per 20 ms packet at 8 kHz
EVENTS = {**{str(digit): digit for digit in range(10)}, "*": 10, "#": 11}
SSRC_SPEECH, SSRC_KEYS = 0x5EEC0001, 0x5EEC0002


def read_rtp(path: Path) -> list[bytes]:
    """The RTP packets (UDP payloads) of an Ethernet/IPv4/UDP capture, in order."""
    data = path.read_bytes()
    packets, offset = [], 24
    while offset < len(data):
        _, _, length, _ = struct.unpack("<IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + length]
        ip_header = (frame[14] & 0x0F) * 4
        packets.append(frame[14 + ip_header + 8:])
        offset += 16 + length
    return packets


def _frame(payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", 6000, 6000, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]),
                     bytes([127, 0, 0, 1])) + udp
    return b"\x00" * 12 + b"\x08\x00" + ip


def write_pcap(path: Path, packets: list[tuple[float, bytes]]) -> Path:
    """A capture of ``(seconds from start, RTP packet)`` SIPp can replay."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for at, rtp in packets:
        frame = _frame(rtp)
        seconds, micros = divmod(round(at * 1_000_000), 1_000_000)
        out.append(struct.pack("<IIII", 1_700_000_000 + seconds, micros, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def _rtp(payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False) -> bytes:
    return struct.pack("!BBHII", 0x80, payload_type | (0x80 if marker else 0), sequence & 0xFFFF,
                       timestamp & 0xFFFFFFFF, ssrc) + payload


def speech_20ms(path: Path, source: Path = SIPP_PCAPS / "g711a.pcap", repeat: int = 1) -> Path:
    """``source``'s PCMA speech (7 s) re-cut into 20 ms packets, ``repeat`` times over."""
    audio = b"".join(packet[12:] for packet in read_rtp(source) if packet[1] & 0x7F == PCMA) * repeat
    chunks = [audio[start:start + FRAME] for start in range(0, len(audio) - FRAME + 1, FRAME)]
    return write_pcap(path, [(index * 0.02, _rtp(PCMA, index, index * FRAME, SSRC_SPEECH, chunk, index == 0))
                             for index, chunk in enumerate(chunks)])


def key_presses(path: Path, keys: str, gap: float = 0.5, press: float = 0.1, at: float = 0.0) -> Path:
    """RFC 2833 presses of ``keys``, ``gap`` seconds apart, each with its own timestamp (one RTP stream).

    ``at``: the second of the call the capture is played at; timestamps follow it, so presses played from
    several captures in one call never share one (the switch drops an event whose timestamp it has seen).
    A press is a packet every 20 ms with a growing duration, then the end packet sent three times (RFC 4733).
    """
    packets: list[tuple[float, bytes]] = []
    steps = round(press / 0.02)
    for index, key in enumerate(keys):
        start, timestamp = index * gap, 8000 + round((at + index * gap) * 8000)
        for step in range(1, steps + 1):
            payload = struct.pack("!BBH", EVENTS[key], 10, FRAME * step)
            packets.append((start + (step - 1) * 0.02, payload, timestamp, step == 1))
        for repeat in range(3):
            payload = struct.pack("!BBH", EVENTS[key], 0x80 | 10, FRAME * steps)
            packets.append((start + steps * 0.02 + repeat * 0.001, payload, timestamp, False))
    first = round(at / 0.02)   # sequence numbers go on from one capture to the next as well
    return write_pcap(path, [(when, _rtp(TELEPHONE_EVENT, first + sequence, timestamp, SSRC_KEYS, payload, marker))
                             for sequence, (when, payload, timestamp, marker) in enumerate(packets)])


def alaw(sample: int) -> int:
    """One 16-bit linear sample as G.711 A-law (ITU-T G.711, the segment encoder)."""
    sign = 0x00 if sample < 0 else 0x80
    magnitude = min(abs(sample), 32635) >> 3
    if magnitude < 32:
        code = magnitude >> 1
    else:
        segment = magnitude.bit_length() - 5
        code = (segment << 4) | ((magnitude >> segment) & 0x0F)
    return (code | sign) ^ 0x55


def decode_g711(byte: int, payload_type: int) -> int:
    """A G.711 byte (PCMA: 8, PCMU: 0) back to a 16-bit linear sample."""
    if payload_type == PCMA:
        byte ^= 0x55
        segment, mantissa = (byte & 0x70) >> 4, byte & 0x0F
        magnitude = (mantissa << 4) + 8 if segment == 0 else ((mantissa << 4) + 0x108) << (segment - 1)
        return magnitude if byte & 0x80 else -magnitude
    byte = ~byte & 0xFF
    magnitude = (((byte & 0x0F) << 3) + 0x84) << ((byte & 0x70) >> 4)
    return (0x84 - magnitude) if byte & 0x80 else (magnitude - 0x84)


def tone_20ms(path: Path, seconds: float, hertz: float | None, level: float = 0.3) -> Path:
    """``seconds`` of a sine (or, with ``hertz=None``, digital silence) as PCMA in 20 ms packets."""
    total = round(seconds * 8000)
    samples = [round(level * 32767 * math.sin(2 * math.pi * hertz * n / 8000)) if hertz else 0 for n in range(total)]
    audio = bytes(alaw(sample) for sample in samples)
    chunks = [audio[start:start + FRAME] for start in range(0, len(audio) - FRAME + 1, FRAME)]
    return write_pcap(path, [(index * 0.02, _rtp(PCMA, index, index * FRAME, SSRC_SPEECH, chunk, index == 0))
                             for index, chunk in enumerate(chunks)])
