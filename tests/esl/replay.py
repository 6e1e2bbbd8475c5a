"""A loopback server that plays back a recorded switch, byte for byte, to a real client.

Each recorded reply is held until the client has sent the command it answers; events are sent as soon as
the replies before them have gone. UUIDs the client chooses itself (Event-UUID, Job-UUID) are swapped
into the recording (they are the same length, so every Content-Length stays right). Bytes go out in
random chunks so the client's reader sees arbitrary boundaries.
"""

from __future__ import annotations

import random
import re
import socket
import threading
from pathlib import Path

REPLY_TYPES = (b"Content-Type: command/reply", b"Content-Type: api/response")
_CLIENT_IDS = re.compile(rb"^(Event-UUID|Job-UUID): (\S+)$", re.M)


def split_frames(data: bytes) -> list[bytes]:
    """The raw bytes of each frame, in order."""
    frames, pos = [], 0
    while pos < len(data):
        end = data.index(b"\n\n", pos) + 2
        match = re.search(rb"^Content-Length: (\d+)$", data[pos:end], re.M)
        end += int(match.group(1)) if match else 0
        frames.append(data[pos:end])
        pos = end
    return frames


def split_commands(data: bytes) -> list[bytes]:
    return [block + b"\n\n" for block in data.split(b"\n\n") if block.strip()]


def is_reply(frame: bytes) -> bool:
    head = frame.split(b"\n\n", 1)[0]
    return any(kind in head for kind in REPLY_TYPES)


class ReplaySwitch:
    """Serve one recorded session to one client on 127.0.0.1."""

    def __init__(self, rx: Path, tx: Path, seed: int = 0, close_at_end: bool = True) -> None:
        self.frames = split_frames(rx.read_bytes())
        self.commands = split_commands(tx.read_bytes())
        self.received: list[bytes] = []
        self.rng = random.Random(seed)
        self.close_at_end = close_at_end
        self.swaps: dict[bytes, bytes] = {}
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.release = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self._listener.accept()
            with conn:
                self._play(conn)
        except BaseException as exc:  # reported to the test through .error
            self.error = exc
        finally:
            self._listener.close()
            self.done.set()

    def _play(self, conn: socket.socket) -> None:
        pending = b""
        command_index = 0
        for frame in self.frames:
            if is_reply(frame) and command_index < len(self.commands):
                pending = self._receive_command(conn, pending, command_index)
                command_index += 1
            self._send(conn, self._swapped(frame))
        if not self.close_at_end:
            self.release.wait(30)
        self._drain(conn)

    @staticmethod
    def _drain(conn: socket.socket) -> None:
        """Read what the client sent last: closing with unread input would reset the connection (RST),
        and the client would lose frames it had not read yet."""
        conn.settimeout(0.2)
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.shutdown(socket.SHUT_WR)

    def _receive_command(self, conn: socket.socket, pending: bytes, index: int) -> bytes:
        while b"\n\n" not in pending:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("client closed before sending the recorded command")
            pending += chunk
        block, _, rest = pending.partition(b"\n\n")
        sent = block + b"\n\n"
        self.received.append(sent)
        recorded = dict(_CLIENT_IDS.findall(self.commands[index]))
        for name, value in _CLIENT_IDS.findall(sent):
            if name in recorded and recorded[name] != value:
                self.swaps[recorded[name]] = value
        return rest

    def _swapped(self, frame: bytes) -> bytes:
        for old, new in self.swaps.items():
            frame = frame.replace(old, new)
        return frame

    def _send(self, conn: socket.socket, data: bytes) -> None:
        pos = 0
        while pos < len(data):
            size = self.rng.randint(1, 4096)
            conn.sendall(data[pos:pos + size])
            pos += size
