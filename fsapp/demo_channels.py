"""The demo's chat and e-mail: a citizen writes through the real SMTP listener, another opens a chat through
the widget's endpoint, and the first free operator of the queue takes each, answers and closes it."""

from __future__ import annotations

import json
import smtplib
import socket
import urllib.request
from email.message import EmailMessage

import gevent
from gevent.event import Event as Flag

from fsapp.channels.workdesk import WorkItem
from fsapp.config import Config
from fsapp.controller import Controller
from fsapp.offhub import NETWORK
from fsapp.sim import SimulatedSwitch

DEMO_QUEUE = "operator"
ITEMS = 2   # one mail, one chat


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def demo_channels(config: Config) -> None:
    """Turn on the mail listener and the chat on free loopback ports, both waiting in the switchboard queue."""
    config.email.listen, config.email.port, config.email.queue = "127.0.0.1", _free_port(), DEMO_QUEUE
    config.email.smtp_host = ""   # the demo sends no mail
    config.chat.enabled, config.chat.queue, config.chat.schedule_entry = True, DEMO_QUEUE, ""
    config.api.listen, config.api.port = "127.0.0.1", 0   # any free port


def write_mail(controller: Controller) -> None:
    """A citizen's e-mail, handed to the listener by a real SMTP client (off the hub)."""
    message = EmailMessage()
    message["From"], message["To"] = "kari.nordmann@example.no", "post@city.example"
    message["Subject"] = "Bin not emptied"
    message.set_content("Our bin on Storgata 1 was not emptied on Tuesday.")

    def send() -> None:
        with smtplib.SMTP(controller.config.email.listen, controller.config.email.port, timeout=10) as client:
            client.send_message(message)

    NETWORK.run(send)


def open_chat(controller: Controller) -> None:
    """A citizen opens the chat as the widget does (POST /chat/v1/chats)."""
    assert controller.api_server is not None
    body = json.dumps({"text": "When is the recycling station open on Saturday?", "language": "en"}).encode()
    request = urllib.request.Request(f"{controller.api_server.url}/chat/v1/chats", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})

    def post() -> None:
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()

    NETWORK.run(post)


class DemoOperators:
    """Operators who take each chat and mail as it arrives, answer it, and close it a simulated minute later."""

    def __init__(self, controller: Controller, sim: SimulatedSwitch) -> None:
        self.controller, self.sim = controller, sim
        self.done: list[str] = []
        self.finished = Flag()
        controller.channels.desk.listeners.append(self._seen)

    def wait(self, timeout: float) -> bool:
        return self.finished.wait(timeout)

    def _seen(self, item: WorkItem, what: str) -> None:
        if what == "added":
            gevent.spawn(self._work, item)

    def _work(self, item: WorkItem) -> None:
        desk, conversations = self.controller.channels.desk, self.controller.channels.conversations
        agent = next((a for a in self.controller.acd_config.agents if desk.why_not(a, item) is None), None)
        if agent is None:
            self.done.append(f"{item.kind} {item.id}: no operator free")
        else:
            conversations.accept(item.id, agent)
            if item.kind == "chat":
                conversations.send(item.id, agent, "Saturdays 10-16. Anything else?")
            self.sim.clock.sleep(60)
            conversations.close(item.id, agent)
            self.done.append(f"{item.kind} from {item.address or 'an anonymous citizen'}: taken by {agent} "
                             f"after {item.accepted_at - item.arrived_at:.0f} s" if item.accepted_at else "")
        if len(self.done) >= ITEMS:
            self.finished.set()


def operators_take_work(controller: Controller, sim: SimulatedSwitch) -> DemoOperators:
    return DemoOperators(controller, sim)
