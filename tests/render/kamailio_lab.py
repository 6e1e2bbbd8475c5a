"""A rendered Kamailio load balancer and SIPp endpoints running on loopback addresses, for the live tests.

The nodes listen on 127.0.0.2, 127.0.0.3, ... (all of 127.0.0.0/8 is loopback on Linux) so that every node
can use the same trunk and operator ports, as real nodes do.
"""

from __future__ import annotations

import errno
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

KAMAILIO = shutil.which("kamailio") or shutil.which("kamailio", path="/usr/sbin:/usr/local/sbin")
SIPP = shutil.which("sipp")
SCENARIOS = Path(__file__).resolve().parent / "sipp"
MISSING = ("kamailio is not installed (Debian package kamailio)" if not KAMAILIO
           else "sipp is not installed (Debian package sip-tester)" if not SIPP else "")
WAIT = 20.0
_ANSWERED_BY = re.compile(r"answered-by (\S+)")


def free_udp_port(hosts: tuple[str, ...]) -> int:
    """A UDP port free on every one of ``hosts`` (picked by the kernel on the first, checked on the others)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as first:
            first.bind((hosts[0], 0))
            port = first.getsockname()[1]
            if all(_udp_port_free(host, port) for host in hosts[1:]):
                return port
    raise RuntimeError(f"no UDP port free on all of {hosts}")


def _udp_port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def wait_answering(host: str, port: int, process: subprocess.Popen, what: str, timeout: float = WAIT,
                   details: Callable[[], str] = str) -> None:
    """Until ``host:port`` answers an OPTIONS with 200. UDP gives no sign of a socket not yet bound, and the
    programs print nothing when they are, so the OPTIONS is sent again after each 0.2 s without a reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        probe.settimeout(0.2)
        via = f"127.0.0.1:{probe.getsockname()[1]}"
        text = (f"OPTIONS sip:{host}:{port} SIP/2.0\r\nVia: SIP/2.0/UDP {via};branch=z9hG4bK-ready\r\n"
                f"From: <sip:probe@127.0.0.1>;tag=ready\r\nTo: <sip:{host}:{port}>\r\n"
                "Call-ID: ready@fsapp\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
                ).encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{what} exited ({process.returncode}){details()}")
            probe.sendto(text, (host, port))
            try:
                if probe.recv(65535).startswith(b"SIP/2.0 200"):
                    return
            except TimeoutError:
                continue
        raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


class Balancer:
    """``kamailio -DD -E`` in the foreground with the rendered configuration; its log is read as it comes."""

    def __init__(self, cfg: Path, run_dir: Path) -> None:
        run_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(KAMAILIO), "-DD", "-E", "-f", str(cfg), "-Y", str(run_dir), "-P", str(run_dir / "kamailio.pid")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait_for_line(self, pattern: str, timeout: float = WAIT, after: int = 0) -> str:
        """The first log line from index ``after`` on that matches ``pattern``, waiting for it to be written."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines[after:]:
                    if regex.search(line):
                        return line
                if self.process.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"kamailio exited ({self.process.returncode}):\n" + self.log_tail())
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no kamailio log line matching {pattern!r}:\n" + self.log_tail())
                self._changed.wait(remaining)

    def matching(self, pattern: str, after: int = 0) -> list[str]:
        with self._changed:
            return [line for line in self.lines[after:] if re.search(pattern, line)]

    def mark(self) -> int:
        """The log position now, for :meth:`wait_for_line` and :meth:`matching` ``after``."""
        with self._changed:
            return len(self.lines)

    def log_tail(self, count: int = 40) -> str:
        return "\n".join(self.lines[-count:])

    def wait_ready(self, host: str, port: int, timeout: float = WAIT) -> None:
        """Until kamailio answers an OPTIONS sent to itself."""
        wait_answering(host, port, self.process, f"kamailio on {host}:{port}", timeout,
                       lambda: "\n" + self.log_tail())

    def stop(self) -> None:
        _end(self.process)


class SippNode:
    """A SIPp UAS standing in for one node's SIP profile (answers OPTIONS probes and calls)."""

    def __init__(self, host: str, port: int, work_dir: Path, scenario: str = "node_uas.xml") -> None:
        self.host, self.port = host, port
        self.process = subprocess.Popen(
            [str(SIPP), "-sf", str(SCENARIOS / scenario), "-i", host, "-p", str(port), "-nostdin",
             "-trace_err", "-error_file", str(work_dir / f"node-{host}-{port}.err")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work_dir)
        wait_answering(host, port, self.process, f"sipp on {host}:{port}")   # node_uas.xml answers OPTIONS

    def kill(self) -> None:
        """As a crashed node: gone at once, without a word."""
        self.process.kill()
        self.process.wait(timeout=WAIT)


def run_uac(target: str, scenario: str, work_dir: Path, name: str, local: tuple[str, int], *args: str,
            calls: int = 1, timeout: float = 60.0) -> tuple[int, list[str]]:
    """Run a SIPp UAC scenario to its end: (exit status, its log lines)."""
    log = work_dir / f"{name}.log"
    command = [str(SIPP), target, "-sf", str(SCENARIOS / scenario), "-i", local[0], "-p", str(local[1]),
               "-m", str(calls), "-r", "20", "-nostdin", "-timeout", "30s", "-timeout_error",
               "-trace_logs", "-log_file", str(log), "-trace_err", "-error_file", str(work_dir / f"{name}.err"),
               *args]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, cwd=work_dir,
                          timeout=timeout, check=False)
    return done.returncode, (log.read_text().splitlines() if log.exists() else [])


def answered_by(lines: list[str]) -> list[str]:
    """The host of each answered call, from the ``answered-by`` lines citizen_uac.xml logs."""
    return [match[1] for line in lines for match in [_ANSWERED_BY.search(line)] if match]


def _end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
