"""The contact center at work on a laptop: the real controller, flows and queues on the simulated switch.

Synthetic citizens call the city's number and pick services from the menu (some ask for the status of
their case, some press nothing); synthetic operators answer and talk for a while. Beside the calls, a
citizen writes an e-mail (through the real SMTP listener) and another opens a web chat (through the widget's
own endpoint); operators take them from the same queues. When the last call has ended, the calls are listed
as the store recorded them, with the contacts per channel.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import gevent

from fsapp.config import Config
from fsapp.controller import Controller
from fsapp.demo_channels import demo_channels, open_chat, operators_take_work, write_mail
from fsapp.sim import CallerScript, SimulatedSwitch
from fsapp.simulate.center import agent_endpoint, menus_open, next_opening
from fsapp.simulate.traffic import KEY_AFTER, MENU_CHOICES, caller_number

log = logging.getLogger(__name__)


@dataclass
class DemoResult:
    calls: list[dict] = field(default_factory=list)
    queues: list[dict] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)   # contacts per channel and direction
    work: list[str] = field(default_factory=list)        # what the operators did with chats and mails
    wall_seconds: float = 0.0


def run_demo(config: Config, calls: int = 12, speed: float = 20.0, seed: int = 1,
             timeout: float = 300.0) -> DemoResult:
    """Run ``calls`` synthetic calls through the configured center; returns what the store recorded."""
    rng = random.Random(seed)
    sim = SimulatedSwitch(password=config.switch.password, speed=speed)
    config.switch.host, config.switch.port = sim.start()
    demo_channels(config)
    # One clock: the simulated switch's, starting at the next opening, so the switch's event times, the
    # controller's waits and timers, and the store's records all read in the same simulated seconds.
    sim.clock.jump_to(next_opening(ZoneInfo(config.timezone), is_open=menus_open(config.ivr.flows_dir, config.ivr.entries)).timestamp())
    controller = Controller(config, wall_clock=sim.clock.now, clock_wait=sim.clock.wait, switch_checks=False)
    started = time.monotonic()
    try:
        controller.start()
        controller.switch.wait_connected(30)
        _staff(controller, sim, rng)
        work = operators_take_work(controller, sim)
        uuids = _place_calls(controller, sim, rng, calls)
        for uuid in uuids:
            controller.wait_finished(uuid, max(1.0, timeout - (time.monotonic() - started)))
        work.wait(max(1.0, timeout - (time.monotonic() - started)))
        day = controller.utc_now()
        result = DemoResult(calls=controller.store.recent_calls(calls),
                            queues=[controller.acd.router.queue_stats(name)
                                    for name in controller.acd_config.queues],
                            channels=controller.store.contacts_per_channel(day - timedelta(days=1), day
                                                                           + timedelta(seconds=1)),
                            work=work.done)
    finally:
        controller.stop()
        sim.stop()
    result.wall_seconds = round(time.monotonic() - started, 1)
    return result


def _staff(controller: Controller, sim: SimulatedSwitch, rng: random.Random) -> None:
    for agent_id, agent in controller.acd_config.agents.items():
        sim.add_endpoint(agent_endpoint(agent.contact), behaviour="answer", answer_after=rng.uniform(1, 4),
                         hangup_after=rng.uniform(30, 120))
        controller.acd.agent_login(agent_id)


def _place_calls(controller: Controller, sim: SimulatedSwitch, rng: random.Random, count: int) -> list[str]:
    keys, weights = zip(*MENU_CHOICES)
    uuids = []
    for index in range(count):
        choice = rng.choices(keys, weights)[0]
        script = CallerScript(keys=[(KEY_AFTER, choice)] if choice else [], hangup_after=rng.uniform(240, 600))
        uuids.append(sim.place_call(caller=caller_number(rng), script=script))
        if index == count // 3:
            gevent.spawn(write_mail, controller)
        if index == count // 2:
            gevent.spawn(open_chat, controller)
        sim.clock.sleep(rng.expovariate(1 / 20))  # about one call every 20 s of the simulated day
    return uuids
