"""The channels as the controller runs them: the mail listener, inbound messages routed to queues, notices.

Everything that touches the work desk, the chats or the store runs on the gevent hub (work from the SMTP
listener's thread and from store listeners is handed over by a :class:`HubBridge`); sending runs on the
``network`` lane.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import gevent

from fsapp.acd.router import Router
from fsapp.channels.bridge import HubBridge
from fsapp.channels.chat import ChatBook
from fsapp.channels.outbound import build_mailer, build_sms
from fsapp.channels.conversations import Conversations
from fsapp.channels.journal import WorkJournal, restore_work
from fsapp.channels.workdesk import WorkDesk
from fsapp.config import Config
from fsapp.errors import FsappError
from fsapp.ivr.registry import FlowRegistry
from fsapp.ivr.schedule import is_open
from fsapp.ivr.schema import ScheduleNode
from fsapp.notify.inbound import CaseRule, receive, start_mail_listener
from fsapp.notify.notices import Notifier
from fsapp.notify.templates import BUILTIN_DIR, NoticeTemplates
from fsapp.offhub import NETWORK
from fsapp.phones import normalize_phone
from fsapp.store import CaseDetail, Store
from fsapp.store.workitems import FileToKeep

log = logging.getLogger(__name__)

EXPIRY_INTERVAL = 5.0   # seconds between looks for chats whose citizen has gone or gone quiet


class ChannelService:
    """E-mail, SMS, social messages and web chats of one controller."""

    def __init__(self, config: Config, store: Store, router: Callable[[], Router], clock: Callable[[], float],
                 now: Callable[[], datetime], flows: FlowRegistry | None = None,
                 rules: list[CaseRule] | None = None, agent_name: Callable[[str], str] | None = None) -> None:
        self.config, self.store, self.now, self.flows = config, store, now, flows
        self.rules = rules or []
        self.desk = WorkDesk(router(), clock, config.chat.max_per_operator)
        chat = config.chat
        self.chats = ChatBook(clock, max_open=chat.max_open, max_message=chat.max_message,
                              idle_timeout=chat.idle_timeout)
        self.mailer = build_mailer(config.email)
        self.sms = build_sms(config.sms)
        templates = NoticeTemplates(config.notices.templates or BUILTIN_DIR, config.ivr.default_language)
        self.notifier = Notifier(store, templates, self.mailer, self.sms)   # type: ignore[arg-type]
        self.conversations = Conversations(self.desk, self.chats, store, mailer=self.mailer, sms=self.sms,
                                           agent_name=agent_name)
        WorkJournal(store).attach(self.desk, self.chats)   # items and chats kept in the store as they change
        self.notice_listeners: list[Callable[[str, str | None], None]] = []   # (case, channel) after each notice
        self.bridge: HubBridge | None = None
        self.mail_listener: Any = None
        self._expiry: gevent.Greenlet | None = None
        self.check()

    @property
    def serves_http(self) -> bool:
        """Whether anything here needs the API's port (the widget, the SMS or social webhooks)."""
        return self.config.chat.enabled or bool(self.config.sms.webhook_token) or bool(self.config.social.tokens)

    # -- lifecycle ---------------------------------------------------------------------------------------

    def check(self) -> None:
        """Fail fast on a channel queue the ACD does not have (a message would otherwise be refused later)."""
        named = {"email.queue": self.config.email.queue, "sms.queue": self.config.sms.queue,
                 "social.queue": self.config.social.queue, "chat.queue": self.config.chat.queue,
                 **{f"chat.queues[{i}]": name for i, name in enumerate(self.config.chat.queues)}}
        unknown = [f"{key}: no queue {name!r} in the ACD" for key, name in named.items()
                   if name and name not in self.desk.router.queues]
        if unknown:
            raise FsappError("; ".join(unknown))

    def start(self) -> ChannelService:
        self.bridge = HubBridge()
        if not self.desk.items:
            restore_work(self.store, self.desk, self.chats, self.fallback_queue)
        if self.config.notices.enabled:
            self.store.on_case_status(self._status_changed)
        email = self.config.email
        if email.listen:
            try:
                self.mail_listener = NETWORK.run(
                    start_mail_listener, self.store, self.rules, email.listen, email.port, email.domains,
                    relays=email.allowed_relays, max_size=email.max_size, bridge=self.bridge,
                    max_files=email.max_attachments,
                    record=lambda address, subject, body, files=(): self.receive("email", address, subject, body,
                                                                                 files))
            except (OSError, RuntimeError) as exc:   # the port is taken, the address is not ours
                raise FsappError(f"email.listen {email.listen}:{email.port}: cannot listen: {exc}") from exc
            log.info("inbound mail on %s:%d", email.listen, email.port)
        if self.config.chat.enabled:
            self._expiry = gevent.spawn(self._expire_chats)
        return self

    def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.kill(block=False)
            self._expiry = None
        if self.mail_listener is not None:
            NETWORK.run(self.mail_listener.stop)
            self.mail_listener = None
        if self._status_changed in self.store.case_status_listeners:
            self.store.case_status_listeners.remove(self._status_changed)

    # -- inbound -----------------------------------------------------------------------------------------

    def fallback_queue(self, kind: str) -> str:
        """Where an item of ``kind`` waits when its own queue is gone: its channel's queue, else the chat's."""
        queue = self.queue_for(kind)
        return queue if queue in self.desk.router.queues else self.chat_queue(None)

    def queue_for(self, channel: str) -> str:
        """The queue messages of ``channel`` wait in ("": none)."""
        return {"email": self.config.email.queue, "sms": self.config.sms.queue,
                "social": self.config.social.queue}.get(channel, "")

    def receive(self, channel: str, address: str, subject: str, body: str,
                files: Sequence[FileToKeep] = ()) -> int:
        """Keep an inbound message as a contact (linked to a quoted case when its sender is verified, else
        flagged for an operator), with its files (a mail's original and attachments), and, when the channel
        has a queue, put it there as a work item."""
        if channel == "sms":
            address = normalize_phone(address, self.config.region) or address   # answers go to E.164
        interaction = receive(self.store, self.rules, channel, address, subject, body, files)
        queue = self.queue_for(channel)
        if queue:
            item = self.desk.add(channel, queue, summary=subject or body[:120], address=address,
                                 interaction_id=interaction)
            log.info("inbound %s %d waits in %s as %s", channel, interaction, queue, item.id)
        return interaction

    # -- notices -----------------------------------------------------------------------------------------

    def _status_changed(self, case: CaseDetail, old: str, new: str) -> None:
        """A store listener (on whichever thread changed the case): the notice is sent from the hub."""
        if new not in self.config.notices.statuses or self.bridge is None:
            return
        self.bridge.fire(self._notify_status, case, old, new)

    def _notify_status(self, case: CaseDetail, old: str, new: str) -> None:
        channel = self.notifier.status_changed(case, old, new)
        log.info("case %s: %s -> %s, citizen told by %s", case.summary.reference, old, new, channel or "nobody")
        for listener in list(self.notice_listeners):
            listener(case.summary.reference, channel)

    # -- chats -------------------------------------------------------------------------------------------

    def chat_open_now(self) -> bool:
        """Whether the chat is staffed now: the opening hours of ``chat.schedule_entry``'s menu."""
        entry = self.config.chat.schedule_entry
        if not entry or self.flows is None:
            return True
        try:
            flow = self.flows.flow_for_entry(entry)
        except Exception:  # no such flow loaded: no hours to keep
            return True
        moment = self.now()
        return all(is_open(node, moment) for node in flow.nodes.values() if isinstance(node, ScheduleNode))

    def _expire_chats(self) -> None:
        while True:
            gevent.sleep(EXPIRY_INTERVAL)   # a periodic sweep, not a wait for an event
            self.expire_chats()

    def expire_chats(self) -> None:
        """End the chats whose citizen has gone or that went quiet; their transcripts are kept."""
        for chat_id, why in self.chats.expired():
            try:
                self.conversations.end_chat(chat_id, why)
            except Exception:  # one chat's fault must not stop the sweep
                log.exception("chat %s: ending it (%s) failed", chat_id, why)

    def chat_queue(self, wanted: str | None) -> str:
        """The queue a chat waits in: the page's choice when allowed, else ``chat.queue`` (else the first)."""
        default = self.config.chat.queue or next(iter(self.desk.router.queues))
        if wanted and wanted in self.config.chat.queues and wanted in self.desk.router.queues:
            return wanted
        return default

