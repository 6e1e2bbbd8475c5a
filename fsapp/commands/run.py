"""``fsapp run`` (the controller) and ``fsapp calls`` (what recent calls did)."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
import gevent
from gevent.event import Event as Flag

from fsapp.commands.common import config_from, print_json, print_table
from fsapp.commands.store import open_store_for, store_options
from fsapp.config import Config, node_switch
from fsapp.errors import FsappError
from fsapp.health import HEARTBEAT_FILE, Heartbeat

if TYPE_CHECKING:
    from fsapp.ha.leader import LeaderLock


@click.command("run")
@click.option("--sim", is_flag=True, help="Start the simulated switch in this process and use it.")
@click.option("--host", help="Switch address (default: switch.host).")
@click.option("--port", type=int, help="Event Socket port (default: switch.port).")
@click.option("--password", help="Event Socket password (default: switch.password).")
@click.pass_context
def run(ctx: click.Context, sim: bool, host: str | None, port: int | None, password: str | None) -> None:
    """Run the controller against the configured switch(es) until stopped (SIGINT or SIGTERM).

    With ha.enabled, the controller first takes the leader lock in PostgreSQL; while another controller
    holds it, this one waits as a standby and takes over when the active one stops.
    """
    from fsapp.controller import Controller
    from fsapp.ha.standby import watch_leadership

    config = config_from(ctx, switch__host=host, switch__port=port, switch__password=password)
    stop, lost = Flag(), Flag()
    for signum in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(signum, stop.set)
    lock = None
    if config.ha.enabled:
        lock = _wait_for_leader_lock(config, stop)
        if lock is None:
            return   # stopped while waiting as a standby
    simulated = None
    if sim:
        from fsapp.sim import SimulatedSwitch

        simulated = SimulatedSwitch(password=config.switch.password)
        config.switch.host, config.switch.port = simulated.start()
        config.switches = []
        click.echo(f"simulated switch on {config.switch.host}:{config.switch.port}")
    try:
        controller = Controller(config, switch_checks=simulated is None).start()
    except FsappError as exc:
        if lock is not None:
            lock.release()
        raise click.ClickException(str(exc)) from exc
    if lock is not None:
        gevent.spawn(watch_leadership, lock, config.ha.check_interval, lambda: (lost.set(), stop.set()), stop)
    controller.flows.reload_on_sighup()
    click.echo(f"fsapp controller running against {_switches(config)}; Ctrl-C stops it")
    stop.wait()
    if lost.is_set():
        controller.abandon()
    else:
        controller.stop()
    if simulated is not None:
        simulated.stop()
    if lock is not None:
        lock.release()
    if lost.is_set():
        raise click.ClickException("leader lock lost; stopped so that the standby can take over")


def _wait_for_leader_lock(config: Config, stop: Flag) -> LeaderLock | None:
    """Wait as a standby until this controller holds ``ha.lock_name``; None when stopped meanwhile."""
    from fsapp.ha.standby import leader_lock_for, wait_for_leadership

    try:
        lock = leader_lock_for(config)
    except FsappError as exc:
        raise click.ClickException(str(exc)) from exc
    standby_beat = Heartbeat(Path(config.paths.state) / HEARTBEAT_FILE, lambda: {"role": "standby"},
                             time.time).start()   # `fsapp health` reports a waiting standby as healthy
    leader = wait_for_leadership(lock, stop, on_standby=lambda: click.echo(
        f"standby: another controller holds leader lock {config.ha.lock_name!r}; waiting"))
    standby_beat.stop()
    if not leader:
        return None
    click.echo(f"leader lock {config.ha.lock_name!r} taken: this controller is active")
    return lock


def _switches(config: Config) -> str:
    if not config.switches:
        return f"{config.switch.host}:{config.switch.port}"
    return ", ".join(f"{node.name or node.host} ({node.host}:{node_switch(config.switch, node).port})"
                     for node in config.switches)


@click.command("calls")
@click.option("--last", "last", type=int, default=20, show_default=True, help="How many calls.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per call, with the IVR path's detail.")
@store_options
@click.pass_context
def calls(ctx: click.Context, last: int, as_json: bool, db_url: str | None, actor: str) -> None:
    """The latest calls: caller, path through the menu, queue, agent, outcome and how the call ended."""
    store = open_store_for(ctx, db_url)
    rows = store.recent_calls(last)
    if as_json:
        for row in rows:
            row["ivr_detail"] = json.loads(row["ivr_detail"]) if row["ivr_detail"] else None
            print_json(row)
        return
    print_table(["started", "caller", "path", "queue", "agent", "outcome", "ended", "hangup cause"],
                [[f"{row['started_at']:%Y-%m-%d %H:%M:%S}", row["caller_number"], row["ivr_path"],
                  row["queue"] or "", row["agent"] or "", row["outcome"],
                  f"{row['ended_at']:%Y-%m-%d %H:%M:%S}" if row["ended_at"] else "", row["hangup_cause"]] for row in rows])


COMMANDS = [run, calls]
