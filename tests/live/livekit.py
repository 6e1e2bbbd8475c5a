"""What the live tests drive a real FreeSWITCH with: rendered pieces installed into its conf directory (and taken
out again), a watcher of its events, SIPp processes, and the fsapp.yaml of the run.

The switch must run on this machine (its conf directory is written and its recordings are read here); the
pieces go into the directory the switch reports as ``conf_dir``. Everything changed is recorded and restored by
:meth:`SwitchConf.undo`, and every process started is stopped by :meth:`Sipp.stop_all`.
"""

from __future__ import annotations

import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gevent
import yaml
from gevent import subprocess   # waits on SIPp without blocking the controller's greenlets

from fsapp.esl.connection import ESLConnection
from fsapp.esl.errors import ESLTimeout
from fsapp.esl.events import Event
from fsapp.render.pieces import MOH_INCLUDE, MOH_SNIPPET

ROOT = Path(__file__).resolve().parents[2]
LIVE = Path(__file__).resolve().parent
OPERATORS_PORT, TRUNKS_PORT = 5062, 5080
DOMAIN = "fsapp.local"
FAX_NUMBER = "+4721000099"   # fax.number of the live runs
CITIZENS_GATEWAY, CITIZENS_PORT = "sipp_citizens", 5292   # outbound.gateway: citizens' phones (SIPp) behind it
PROFILES = ("fsapp_operators", "fsapp_trunks")
MEDIA_PORTS = 40000   # SIPp's first media port: FreeSWITCH takes RTP ports from 16384-32768 (switch.conf.xml)
# Rendered files copied as they are; acl.conf.xml is merged, local_stream.conf.xml gets the include line.
COPIED = ("sip_profiles/fsapp_operators.xml", "sip_profiles/fsapp_trunks.xml", "directory/fsapp.xml",
          "dialplan/public/fsapp_numbers.xml", "dialplan/fsapp_operators.xml", MOH_SNIPPET)
ACL = "autoload_configs/acl.conf.xml"
LOCAL_STREAM = "autoload_configs/local_stream.conf.xml"


class Watcher:
    """An Event Socket connection of its own, subscribed to some events, to wait on them."""

    def __init__(self, address: tuple[str, int, str], events: list[str]) -> None:
        self.connection = ESLConnection(*address).connect()
        self.connection.subscribe(events)
        self.seen: list[Event] = []

    def wait(self, predicate: Callable[[Event], bool], timeout: float, what: str) -> Event:
        """The first event (seen before or arriving within ``timeout`` s) that ``predicate`` accepts."""
        for event in self.seen:
            if predicate(event):
                return event
        try:
            while True:
                event = self.connection.next_event(timeout=timeout)
                assert event is not None, f"the switch closed the connection while waiting for {what}"
                self.seen.append(event)
                if predicate(event):
                    return event
        except ESLTimeout as exc:
            seen = ", ".join(f"{event.name}:{event.uuid[:8]}" for event in self.seen[-12:])
            raise AssertionError(f"no {what} within {timeout} s (last seen: {seen or 'nothing'})") from exc

    def close(self) -> None:
        self.connection.close()


@dataclass
class SwitchConf:
    """fsapp's rendered pieces in a running switch's conf directory, as the README's steps put them there."""

    conf_dir: Path
    api: Callable[[str], str]
    saved: dict[Path, bytes | None] = field(default_factory=dict)
    made_dirs: list[Path] = field(default_factory=list)

    def _keep(self, path: Path) -> None:
        if path not in self.saved:
            self.saved[path] = path.read_bytes() if path.exists() else None
        for parent in reversed(path.parents):
            if str(parent).startswith(str(self.conf_dir)) and not parent.exists():
                self.made_dirs.append(parent)
        path.parent.mkdir(parents=True, exist_ok=True)

    def install(self, rendered: Path) -> None:
        leftovers = [relative for relative in COPIED if (self.conf_dir / relative).exists()]
        assert not leftovers, f"fsapp's files are already in {self.conf_dir} (left by an earlier run?): {leftovers}"
        for relative in COPIED:
            target = self.conf_dir / relative
            self._keep(target)
            shutil.copyfile(rendered / relative, target)
        self._merge_acl(rendered / ACL)
        self._include_moh()
        self.stop_profiles()   # left by a run that did not finish
        for command in ("reloadxml", "reloadacl", "local_stream start moh"):
            reply = self.api(command)   # reloadxml says "+OK [Success]", or "+OK [[error ...]]"
            assert reply.startswith("+OK") and "error" not in reply, f"{command}: {reply}"
        for port in (OPERATORS_PORT, TRUNKS_PORT):   # a profile meeting its port still taken retries, then gives up
            wait_port(port, bound=False, timeout=60.0)   # a stopped profile keeps it while its last transactions end
        for profile in PROFILES:
            self.api(f"sofia profile {profile} start")
        self.wait_profiles(set(PROFILES))

    def wait_profiles(self, wanted: set[str], timeout: float = 40.0) -> None:
        """Wait until exactly ``wanted`` of fsapp's profiles run. A profile whose port is not free yet (its
        predecessor's sockets) retries every 5 s after sofia::profile_start has been sent, and no event says
        when it is up or down: so its status is looked at every half second."""
        deadline = time.monotonic() + timeout
        while True:
            listed = self.listed_profiles()
            if set(listed) == wanted and all("RUNNING" in listed[profile] for profile in wanted):
                return
            assert time.monotonic() < deadline, f"profiles {listed}, wanted {wanted} running, after {timeout} s"
            for profile in set(listed) - wanted:
                if "RUNNING" in listed[profile]:   # stopping one still retrying its port leaves the port taken
                    self.api(f"sofia profile {profile} stop")   # refused while the profile is younger than 10 s
            gevent.sleep(0.5)

    def _merge_acl(self, rendered: Path) -> None:
        """fsapp's two lists added to the switch's acl.conf.xml (the README: merge them into yours)."""
        target = self.conf_dir / ACL
        self._keep(target)
        ours = ET.parse(rendered).getroot().find("network-lists")
        tree = ET.parse(target)
        lists = tree.getroot().find("network-lists")
        assert ours is not None and lists is not None
        for element in ours.findall("list"):
            lists.append(element)
        tree.write(target, encoding="unicode")

    def _include_moh(self) -> None:
        target = self.conf_dir / LOCAL_STREAM
        self._keep(target)
        text = target.read_text()
        if MOH_INCLUDE not in text:
            target.write_text(text.replace("</configuration>", f"  {MOH_INCLUDE}\n</configuration>"))

    def listed_profiles(self) -> dict[str, str]:
        """fsapp's profiles in ``sofia status``, each with its line (state included)."""
        return {line.split()[0]: line for line in self.api("sofia status").splitlines()
                if line.split()[:1] and line.split()[0] in PROFILES}

    def stop_profiles(self) -> None:
        self.wait_profiles(set())

    def hang_up_fsapp_calls(self, timeout: float = 30.0) -> None:
        """End every call on fsapp's profiles and wait until they are gone: a profile stopped with calls or their
        transactions still up (a BYE to a SIPp already stopped, retried for 32 s) keeps its port after it has
        gone (FreeSWITCH 1.10.12). No event says when the last call has gone, so the channels are looked at
        every half second."""
        for profile in PROFILES:
            self.api(f"hupall MANAGER_REQUEST sofia_profile_name {profile}")
        deadline = time.monotonic() + timeout
        while any(profile in row for row in self.api("show channels").splitlines() for profile in PROFILES):
            assert time.monotonic() < deadline, f"calls on fsapp's profiles still up after {timeout} s"
            gevent.sleep(0.5)

    def undo(self) -> None:
        """Put every file back, then end fsapp's calls and stop the profiles (their files gone, they stay down)."""
        try:
            for path, content in self.saved.items():
                if content is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(content)
            for directory in reversed(self.made_dirs):
                if directory.exists() and not any(directory.iterdir()):
                    directory.rmdir()
            for command in ("local_stream stop moh", "reloadxml", "reloadacl"):
                self.api(command)
        finally:
            self.hang_up_fsapp_calls()
            self.stop_profiles()


def sox_stat(path: Path) -> dict[str, float]:
    """``sox FILE -n stat``: length in seconds, RMS amplitude (0..1) and the rest, by name."""
    report = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True).stderr
    return {line.split(":")[0].strip(): float(line.split(":")[1]) for line in report.splitlines()
            if ":" in line and line.split(":")[1].strip().lstrip("-").replace(".", "", 1).isdigit()}


def ports_bound(table: str = "udp") -> set[int]:
    """Local ports bound on this machine (IPv4), from /proc/net/udp or /proc/net/tcp."""
    lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
    return {int(line.split()[1].split(":")[1], 16) for line in lines}


def wait_port(port: int, bound: bool = True, timeout: float = 30.0) -> None:
    """Wait until ``port`` is bound (a just-started SIPp listens) or free on UDP and TCP (a stopped profile's
    sockets closed). Neither SIPp nor the switch says when, so the socket tables are looked at every 50 ms.

    A stopped profile keeps its port until its last transactions end (up to 32 s). FreeSWITCH 1.10.12 keeps it
    for good when a profile is stopped while it is still retrying its port; then only a restart frees it."""
    deadline = time.monotonic() + timeout
    while (port in ports_bound("udp") or (not bound and port in ports_bound("tcp"))) != bound:
        assert time.monotonic() < deadline, (
            f"port {port} still {'free' if bound else 'taken'} after {timeout} s"
            + ("" if bound else "; if the switch holds it with no profile on it, restart the switch"))
        gevent.sleep(0.05)


def wait_bound(port: int) -> None:
    wait_port(port, bound=True, timeout=10.0)


class Sipp:
    """SIPp processes on loopback, from scenario text; each gets a control port and media ports of its own."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.started: list[tuple[str, subprocess.Popen]] = []
        self.media_ports: dict[str, int] = {}   # scenario name -> the port its RTP is sent to
        self._next_media = MEDIA_PORTS   # above the switch's RTP ports, or it may pick one SIPp holds

    def run(self, name: str, scenario: str, *args: str, remote: str | None = None, port: int,
            calls: int = 1, at_once: int = 1) -> subprocess.Popen:
        """``calls`` in all, at most ``at_once`` at a time; ``args`` go to SIPp as they are (``-r`` for a rate)."""
        path = self.work / f"{name}.xml"
        path.write_text(scenario)
        media, self._next_media = self._next_media, self._next_media + 10   # SIPp takes 4 media ports
        self.media_ports[name] = media
        command = ["sipp", "-sf", str(path), "-nostdin", "-i", "127.0.0.1", "-p", str(port), "-mp", str(media),
                   "-m", str(calls), "-l", str(at_once), "-trace_err", "-error_file", str(self.work / f"{name}.err"),
                   *args]
        if remote:
            command.append(remote)
        process = subprocess.Popen(command, cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.started.append((name, process))
        wait_bound(port)
        return process

    def process(self, name: str) -> subprocess.Popen:
        """The SIPp process last started under ``name``."""
        return next(process for started, process in reversed(self.started) if started == name)

    def finish(self, process: subprocess.Popen, timeout: float) -> int:
        """Wait for a SIPp run to end; returns its exit status (0: every call as scripted)."""
        return process.wait(timeout)

    def errors(self, name: str) -> str:
        path = self.work / f"{name}.err"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop_all(self) -> None:
        for _, process in self.started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)


def live_settings(address: tuple[str, int, str], work: Path) -> dict:
    """fsapp.yaml of a live run: the switch under test, files under ``work``, the suite's menu and queue."""
    host, port, password = address
    return {
        "switch": {"host": host, "port": port, "password": password, "calls_per_second": 30},
        "database": {"url": f"sqlite:///{work / 'fsapp.db'}"},
        "ivr": {"flows_dir": str(work / "flows"), "entries": {"main": "live_menu"}, "default_language": "en"},
        "speech": {"tts_cache": str(work / "tts")},
        "acd": {"file": str(LIVE / "acd.yaml")},   # the recording notice on, as by default
        "paths": {"sounds": str(work / "sounds"), "recordings": str(work / "recordings"),
                  "state": str(work / "state"), "faxes": str(work / "faxes")},
        "numbers": {"6000": "main"},
        "freeswitch": {"domain": DOMAIN, "sip_ip": "127.0.0.1", "operators_port": OPERATORS_PORT,
                       "trunks_port": TRUNKS_PORT, "trunk_acl": {"sipp": "127.0.0.1/32"},
                       "moh_dir": str(work / "moh"), "secrets_file": str(work / "softphone-secrets.yaml"),
                       "gateways": {CITIZENS_GATEWAY: f"sip:127.0.0.1:{CITIZENS_PORT};register=false;ping=0"}},
        # campaigns dial at any hour and on any day the suite runs: no calling windows, no holidays
        "outbound": {"gateway": CITIZENS_GATEWAY, "caller_id_number": "4721000000", "caller_id_name": "Servicetorget",
                     "calling_windows": {}, "holidays": ""},
        # the published fax number; fax out goes over loopback into the switch's own dialplan (so back to it)
        "fax": {"enabled": True, "number": FAX_NUMBER, "station_id": "+47 21 00 00 99",
                "dial_template": "loopback/{number}/public"},
    }


def prepare_work_dir(work: Path, passwords: dict[str, str]) -> None:
    """The run's flows (the suite's menu with the case-status hook of ivr_scripts/), music dir and passwords."""
    (work / "flows").mkdir(parents=True)
    shutil.copyfile(LIVE / "flows" / "live_menu.yaml", work / "flows" / "live_menu.yaml")
    shutil.copyfile(ROOT / "ivr_scripts" / "case_status.py", work / "flows" / "case_status.py")
    for name in ("moh", "recordings", "state", "sounds", "sipp"):
        (work / name).mkdir()
    secrets = work / "softphone-secrets.yaml"
    secrets.write_text(yaml.safe_dump({"softphones": passwords}))
    secrets.chmod(0o600)
