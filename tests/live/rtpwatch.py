"""What a phone really hears: the RTP the switch sends to its media port, captured on ``lo`` (AF_PACKET, as
root) and measured as loudness per time window.

Every phone in these tests sends digital silence or a known tone, so a window's mean absolute sample level
tells whether another party's tone reached that phone (a few units for silence, thousands for the tone).
"""

from __future__ import annotations

import math
import struct
import time

import gevent
from gevent import socket

from tests.live.pcaps import PCMA, decode_g711

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4   # on lo every packet is seen twice, going out and coming in: keep one


class RtpWatch:
    """RTP packets to some UDP ports on loopback, with their arrival time (``time.monotonic``)."""

    def __init__(self, ports: set[int]) -> None:
        self.ports = ports
        self.packets: list[tuple[float, int, int, bytes]] = []   # (time, port, payload type, payload)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.sock.bind(("lo", 0))
        self._reader = gevent.spawn(self._read)

    def _read(self) -> None:
        while True:
            frame, address = self.sock.recvfrom(65536)
            if address[2] == PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 12 or frame[23] != 17:
                continue
            ip_header = (frame[14] & 0x0F) * 4
            udp = 14 + ip_header
            port = struct.unpack("!H", frame[udp + 2:udp + 4])[0]
            if port in self.ports:
                rtp = frame[udp + 8:]
                self.packets.append((time.monotonic(), port, rtp[1] & 0x7F, rtp[12:]))

    def samples(self, port: int, start: float, end: float) -> list[int]:
        """The G.711 audio sent to ``port`` between two monotonic times, as 16-bit linear samples."""
        return [decode_g711(byte, payload_type) for at, to, payload_type, payload in self.packets
                if to == port and start <= at < end and payload_type in (0, PCMA) for byte in payload]

    def level(self, port: int, start: float, end: float) -> float:
        """Mean absolute sample level of the G.711 audio sent to ``port`` between two monotonic times."""
        samples = self.samples(port, start, end)
        return sum(abs(sample) for sample in samples) / len(samples) if samples else 0.0

    def tone_share(self, port: int, start: float, end: float, hertz: float) -> float:
        """How much of the audio sent to ``port`` in a window is one tone (0..1): the Goertzel power at ``hertz``
        against the window's whole power, over 100 ms blocks. A steady sine gives about 1, speech little."""
        samples = self.samples(port, start, end)
        block = 800   # 100 ms at 8 kHz: 10 Hz bins, the tone's in the middle of one
        coefficient = 2 * math.cos(2 * math.pi * hertz / 8000)
        tone = total = 0.0
        for first in range(0, len(samples) - block + 1, block):
            chunk = samples[first:first + block]
            previous = before = 0.0
            for sample in chunk:
                previous, before = sample + coefficient * previous - before, previous
            tone += (previous * previous + before * before - coefficient * previous * before) * 2 / block
            total += sum(sample * sample for sample in chunk)
        return tone / total if total else 0.0

    def close(self) -> None:
        self._reader.kill()
        self.sock.close()
